// Incident (one per host outage) and Notification (one ledger row per message, with its status
// timeline). Customers see their own incidents and the messages sent to their contacts; the
// prober's own incidents and the admin recipients' messages are for admins only.
import {
  IncidentCloseReason,
  type Channel,
  type IncidentKind,
  type NotificationStatus,
} from '../../generated/prisma/enums.ts';
import { countIncidents, countNotifications, listIncidents, listNotifications } from '../../services/incidents.ts';
import { incidentWhere, isAdmin, notificationWhere, seesAccount } from '../../services/tenancy.ts';
import { byOperator, shownAcknowledger } from '../../services/notifications/acknowledger.ts';
import { builder } from '../builder.ts';
import {
  ChannelEnum,
  IncidentKindEnum,
  NotificationKindEnum,
  NotificationStatusEnum,
  RecipientRoleEnum,
  LanguageEnum,
} from './enums.ts';
import { filterNodeId } from './node-access.ts';
import { IncidentChange } from './live.ts';

export const IncidentCloseReasonEnum = builder.enumType(IncidentCloseReason, { name: 'IncidentCloseReason' });

export const IncidentRef = builder.prismaNode('Incident', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [incidentWhere(ctx.viewer)] }),
  authScopes: (i, ctx) => seesAccount(ctx.viewer, i.accountId),
  description: 'One outage of a host (every failing port of a monitor joins it), or of the prober itself (admins).',
  fields: (t) => ({
    kind: t.expose('kind', { type: IncidentKindEnum }),
    host: t.exposeString('host', { nullable: true }),
    ports: t.exposeIntList('ports', { description: 'The ports that were down.' }),
    reason: t.exposeString('reason', {
      nullable: true,
      description: 'The first OS error (or the degradation reason).',
    }),
    openedAt: t.expose('openedAt', { type: 'DateTime' }),
    acknowledgedAt: t.expose('acknowledgedAt', { type: 'DateTime', nullable: true }),
    acknowledgedBy: t.string({
      nullable: true,
      description:
        'Who acknowledged: a login id, "link: <recipient>" (an alert link). When the provider\'s staff acknowledged, customers see "operator" (never their login, e-mail or phone).',
      resolve: (i, _a, ctx) => shownAcknowledger(i.acknowledgedBy, isAdmin(ctx.viewer)),
    }),
    acknowledgedByOperator: t.boolean({
      description: "True when the provider's staff acknowledged (by sign-in or by their alert link).",
      resolve: (i) => byOperator(i.acknowledgedBy),
    }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true }),
    closeReason: t.expose('closeReason', {
      type: IncidentCloseReasonEnum,
      nullable: true,
      description:
        'Why it was closed: RECOVERED (every port answered again) or closed without a recovery (ports edited, monitor paused or deleted). Null while open, and for incidents closed before reasons were recorded.',
    }),
    open: t.boolean({ resolve: (i) => i.resolvedAt === null }),
    durationSeconds: t.int({
      description: 'Until it was resolved, or until now while open.',
      resolve: (i, _a, ctx) =>
        Math.max(0, Math.round(((i.resolvedAt ?? ctx.services.now()).getTime() - i.openedAt.getTime()) / 1000)),
    }),
    reminderCount: t.exposeInt('reminderCount'),
    escalatedAt: t.expose('escalatedAt', { type: 'DateTime', nullable: true }),
    monitor: t.relation('monitor', { nullable: true }),
    notifications: t.relatedConnection('notifications', {
      cursor: 'id',
      description:
        "The messages sent for this incident (to your contacts; admins also see admin recipients), oldest first. Page it; load each message's `events` on demand (node(id)).",
      totalCount: true,
      query: (_args, ctx) => ({ where: notificationWhere(ctx.viewer), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    }),
  }),
});

builder.prismaObject('NotificationEvent', {
  description: "One step of a message's status timeline (queued, sent, delivered, read, failed…).",
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime' }),
    status: t.expose('status', { type: NotificationStatusEnum }),
    detail: t.exposeString('detail', {
      nullable: true,
      description: "The provider's message (SMTP reply, bounce reason, delivery report).",
    }),
  }),
});

export const NotificationRef = builder.prismaNode('Notification', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [notificationWhere(ctx.viewer)] }),
  authScopes: (n, ctx) =>
    isAdmin(ctx.viewer) ||
    (n.recipientRole === 'CONTACT' && n.accountId !== null && ctx.viewer?.accountId === n.accountId),
  description: "One message (e-mail or SMS) in the notification ledger: the seed's MAIL / SMS columns.",
  fields: (t) => ({
    kind: t.expose('kind', { type: NotificationKindEnum }),
    seq: t.exposeInt('seq', { description: 'Reminder number; 0 for DOWN / RECOVERED.' }),
    channel: t.expose('channel', { type: ChannelEnum }),
    recipient: t.exposeString('recipient'),
    recipientRole: t.expose('recipientRole', { type: RecipientRoleEnum }),
    language: t.expose('language', { type: LanguageEnum }),
    status: t.expose('status', { type: NotificationStatusEnum }),
    statusDetail: t.exposeString('statusDetail', {
      nullable: true,
      description: 'Why it failed or was not sent (error text).',
    }),
    attempts: t.exposeInt('attempts'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    readAt: t.expose('readAt', { type: 'DateTime', nullable: true }),
    failedAt: t.expose('failedAt', { type: 'DateTime', nullable: true }),
    incident: t.relation('incident'),
    fallbackFor: t.relation('fallbackFor', {
      nullable: true,
      description: 'This SMS/LMS was sent because this KakaoTalk AlimTalk message failed.',
    }),
    fallbacks: t.relation('fallbacks', { description: 'AlimTalk: the SMS/LMS sent in its place after it failed.' }),
    events: t.relation('events', {
      description: 'The status timeline, oldest first.',
      query: { orderBy: [{ at: 'asc' }, { id: 'asc' }] },
    }),
  }),
});

builder.prismaObjectField('Monitor', 'incidents', (t) =>
  t.relatedConnection('incidents', {
    cursor: 'id',
    description: "This monitor's incidents, newest first.",
    args: { open: t.arg.boolean({ description: 'Only open (true) or only resolved (false) incidents.' }) },
    query: (args) => ({
      where: {
        kind: { notIn: ['CERT_EXPIRY', 'TEST', 'SLA_REPORT'] },
        ...(args.open == null ? {} : args.open ? { resolvedAt: null } : { resolvedAt: { not: null } }),
      },
      orderBy: [{ openedAt: 'desc' }, { id: 'desc' }],
    }),
  }),
);

const incidentOptions = (args: {
  monitor?: string | number | null;
  monitorId?: string | number | null;
  open?: boolean | null;
  kind?: IncidentKind | null;
  from?: Date | null;
  to?: Date | null;
}) => ({
  monitorId: filterNodeId(args.monitorId ?? args.monitor, 'Monitor'),
  open: args.open,
  kind: args.kind,
  from: args.from,
  to: args.to,
});

builder.queryField('incidents', (t) =>
  t.prismaConnection({
    type: 'Incident',
    cursor: 'id',
    authScopes: { signedIn: true },
    description: "Incidents on your monitors (every incident, also the prober's own, for admins), newest first.",
    args: {
      monitorId: t.arg.id({ description: "Only this monitor's incidents." }),
      monitor: t.arg.id({ deprecationReason: 'Use monitorId (arguments naming another object are <type>Id).' }),
      open: t.arg.boolean(),
      kind: t.arg({ type: IncidentKindEnum }),
      from: t.arg({ type: 'DateTime', description: 'Opened at or after.' }),
      to: t.arg({ type: 'DateTime', description: 'Opened before.' }),
    },
    resolve: (query, _r, args, ctx) => listIncidents(ctx.services, ctx.viewer, incidentOptions(args), query),
    totalCount: (_p, args, ctx) => countIncidents(ctx.services, ctx.viewer, incidentOptions(args)),
  }),
);

const notificationOptions = (args: {
  incident?: string | number | null;
  incidentId?: string | number | null;
  channel?: Channel | null;
  status?: NotificationStatus | null;
}) => ({
  incidentId: filterNodeId(args.incidentId ?? args.incident, 'Incident'),
  channel: args.channel,
  status: args.status,
});

builder.queryField('notifications', (t) =>
  t.prismaConnection({
    type: 'Notification',
    cursor: 'id',
    authScopes: { signedIn: true },
    description: 'The notification ledger, newest first: messages to your contacts (all messages for admins).',
    args: {
      incidentId: t.arg.id(),
      incident: t.arg.id({ deprecationReason: 'Use incidentId.' }),
      channel: t.arg({ type: ChannelEnum }),
      status: t.arg({ type: NotificationStatusEnum }),
    },
    resolve: (query, _r, args, ctx) => listNotifications(ctx.services, ctx.viewer, notificationOptions(args), query),
    totalCount: (_p, args, ctx) => countNotifications(ctx.services, ctx.viewer, notificationOptions(args)),
  }),
);

builder.objectField(IncidentChange, 'incident', (t) =>
  t.field({
    type: IncidentRef,
    nullable: true,
    description: 'The incident as it is now (host, ports, close reason): what a toast or feed entry names.',
    resolve: (e, _a, ctx) =>
      ctx.services.prisma.incident.findFirst({ where: { id: e.incidentId, AND: [incidentWhere(ctx.viewer)] } }),
  }),
);
