// The monthly SLA report (issue 17): one customer's (yours; admins any customer's), every
// customer's for admins (worst availability first, a connection), the CSV, and the settings:
// the target (admins) and the opt-in monthly e-mail.
import { encodeGlobalID, resolveArrayConnection } from '@pothos/plugin-relay';
import { ForbiddenError, NotFoundError, ValidationError } from '../../services/errors.ts';
import { slaCsv } from '../../services/sla/csv.ts';
import { slaPdf } from '../../services/sla/pdf.ts';
import {
  allSlaReports,
  monthlySlaReport,
  type SlaHost,
  type SlaIncident,
  type SlaReport,
} from '../../services/sla/report.ts';
import {
  getSlaSettings,
  setDefaultSlaTarget,
  type SlaSettings,
  updateSlaSettings,
} from '../../services/sla/settings.ts';
import { builder } from '../builder.ts';
import { LanguageEnum } from './enums.ts';
import { filterNodeId } from './node-access.ts';
import { AVAILABILITY_DEFINITION, AvailabilityRef } from './uptime.ts';

const SlaIncidentRef = builder.objectRef<SlaIncident>('SlaIncident').implement({
  fields: (t) => ({
    id: t.id({ resolve: (i) => encodeGlobalID('Incident', i.id) }),
    openedAt: t.expose('openedAt', { type: 'DateTime' }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true }),
    durationSeconds: t.exposeInt('durationSeconds', {
      description: 'Inside the month (an incident across a month boundary counts its part; an open one up to now).',
    }),
    cause: t.exposeString('cause'),
    ports: t.exposeIntList('ports', { description: 'The ports still down when it closed (or now).' }),
  }),
});

const SlaHostRef = builder.objectRef<SlaHost>('SlaHost').implement({
  fields: (t) => ({
    monitorId: t.id({ resolve: (h) => encodeGlobalID('Monitor', h.monitorId) }),
    host: t.exposeString('host'),
    label: t.exposeString('label', { nullable: true }),
    availability: t.field({ type: AvailabilityRef, resolve: (h) => h.availability }),
    downMinutes: t.float({ resolve: (h) => Math.round(h.availability.downSeconds / 6) / 10 }),
    breached: t.exposeBoolean('breached', { description: 'Availability below the target.' }),
    incidents: t.field({ type: [SlaIncidentRef], resolve: (h) => h.incidents }),
  }),
});

const SlaOverallRef = builder.objectRef<SlaReport['overall']>('SlaOverall').implement({
  fields: (t) => ({
    ratio: t.exposeFloat('ratio', { nullable: true }),
    observedSeconds: t.exposeInt('observedSeconds'),
    downSeconds: t.exposeInt('downSeconds'),
    excludedSeconds: t.exposeInt('excludedSeconds'),
  }),
});

export const SlaReportRef = builder.objectRef<SlaReport>('SlaReport').implement({
  description: `One customer's month (in the customer's time zone). ${AVAILABILITY_DEFINITION}`,
  fields: (t) => ({
    accountId: t.id({ resolve: (r) => encodeGlobalID('Account', r.accountId) }),
    accountName: t.exposeString('accountName'),
    loginId: t.exposeString('loginId'),
    month: t.exposeString('month', { description: 'YYYY-MM.' }),
    timeZone: t.exposeString('timeZone'),
    from: t.expose('from', { type: 'DateTime' }),
    to: t.expose('to', { type: 'DateTime' }),
    targetPercent: t.exposeFloat('targetPercent'),
    overall: t.field({
      type: SlaOverallRef,
      description: 'Every host together (observed and down time summed).',
      resolve: (r) => r.overall,
    }),
    breached: t.exposeBoolean('breached', { description: 'A host is below the target.' }),
    hosts: t.field({ type: [SlaHostRef], resolve: (r) => r.hosts }),
    csv: t.string({ description: 'The report as CSV (HOST and INCIDENT rows).', resolve: (r) => slaCsv(r) }),
    pdf: t.string({
      description:
        "The report as a PDF (A4, base64), in the language asked for (default: the customer's). Generated on the server; its Korean text uses the reader's standard Korean font (HYGoThic-Medium, not embedded).",
      args: { language: t.arg({ type: LanguageEnum }) },
      resolve: (r, args, ctx) => slaPdf(r, args.language ?? r.language, ctx.services.now()).toString('base64'),
    }),
  }),
});

const SlaSettingsRef = builder.objectRef<SlaSettings>('SlaSettings').implement({
  fields: (t) => ({
    accountId: t.id({ resolve: (s) => encodeGlobalID('Account', s.accountId) }),
    targetPercent: t.exposeFloat('targetPercent', {
      nullable: true,
      description: "The account's own (null: the default).",
    }),
    effectiveTargetPercent: t.exposeFloat('effectiveTargetPercent'),
    defaultTargetPercent: t.exposeFloat('defaultTargetPercent'),
    reportMail: t.exposeBoolean('reportMail', {
      description:
        "Opt-in: last month's report by e-mail (with its PDF) after midnight of the 1st in the customer's time zone, in the customer's language, through the notification ledger. Switched on mid-month: the first is the one for this month.",
    }),
    reportMailTo: t.exposeString('reportMailTo', { description: "Where it goes: the account's e-mail address." }),
    reportMailSince: t.expose('reportMailSince', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was switched on (null: off).',
    }),
  }),
});

builder.queryField('slaReport', (t) =>
  t.field({
    type: SlaReportRef,
    authScopes: { signedIn: true },
    errors: { types: [ValidationError, NotFoundError] },
    description: "Your monthly SLA report (admins: a customer's with accountId).",
    args: {
      month: t.arg.string({ required: true, description: 'YYYY-MM (the current month: so far).' }),
      accountId: t.arg.id({ description: 'Admins: the customer (Account id).' }),
    },
    resolve: (_r, args, ctx) =>
      monthlySlaReport(ctx.services, ctx.viewer!, {
        month: args.month,
        accountId: args.accountId == null ? null : (filterNodeId(args.accountId, 'Account') ?? '-'),
      }),
  }),
);

builder.queryField('slaReports', (t) =>
  t.connection({
    type: SlaReportRef,
    authScopes: { admin: true },
    description: "Admins: every customer's report for the month, worst overall availability first.",
    args: { month: t.arg.string({ required: true, description: 'YYYY-MM.' }) },
    resolve: async (_r, args, ctx) =>
      resolveArrayConnection({ args }, await allSlaReports(ctx.services, ctx.viewer!, args.month)),
  }),
);

builder.queryField('slaSettings', (t) =>
  t.field({
    type: SlaSettingsRef,
    authScopes: { signedIn: true },
    args: { accountId: t.arg.id({ description: "Admins: a customer's." }) },
    resolve: (_r, args, ctx) =>
      getSlaSettings(
        ctx.services,
        ctx.viewer!,
        args.accountId == null ? null : (filterNodeId(args.accountId, 'Account') ?? '-'),
      ),
  }),
);

builder.mutationField('updateSlaSettings', (t) =>
  t.field({
    type: SlaSettingsRef,
    authScopes: { signedIn: true },
    errors: { types: [ValidationError, NotFoundError, ForbiddenError] },
    description: 'The monthly e-mail (yours); admins: a customer’s target (null: back to the default).',
    args: {
      accountId: t.arg.id({ description: "Admins: a customer's." }),
      targetPercent: t.arg.float({ description: 'Admins only.' }),
      reportMail: t.arg.boolean(),
    },
    resolve: (_r, args, ctx) =>
      updateSlaSettings(ctx.services, ctx.viewer!, {
        accountId: args.accountId == null ? null : (filterNodeId(args.accountId, 'Account') ?? '-'),
        ...(args.targetPercent !== undefined ? { targetPercent: args.targetPercent } : {}),
        reportMail: args.reportMail ?? null,
      }),
  }),
);

builder.mutationField('setSlaDefaultTarget', (t) =>
  t.float({
    authScopes: { admin: true },
    errors: { types: [ValidationError] },
    description: 'Admins: the default availability target in percent (99.9 unless set).',
    args: { targetPercent: t.arg.float({ required: true }) },
    resolve: (_r, args, ctx) => setDefaultSlaTarget(ctx.services, ctx.viewer!, args.targetPercent),
  }),
);
