// A monitor's logs: buckets by year / month / day / hour (failures, incidents, mails and SMS
// sent), and the drill-down list of failure runs with the seed's MAIL and SMS columns.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import type { NotificationStatus } from '../../generated/prisma/enums.ts';
import { NotFoundError, ValidationError } from '../../services/errors.ts';
import { countFailures, getMonitorLog, listFailures, type LogBucket } from '../../services/logs.ts';
import { builder } from '../builder.ts';
import { NotificationStatusEnum } from './enums.ts';
import { filterNodeId, requireNodeId, viewerTimeZone } from './node-access.ts';

const LogGranularityEnum = builder.enumType('LogGranularity', { values: ['YEAR', 'MONTH', 'DAY', 'HOUR'] as const });

const LogCountsFields = <T extends { failures: number; incidents: number; mailsSent: number; smsSent: number }>(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, T>,
) => ({
  failures: t.int({ description: "Failed checks (the seed's disconnects).", resolve: (c) => c.failures }),
  incidents: t.int({ description: 'Incidents opened.', resolve: (c) => c.incidents }),
  mailsSent: t.int({
    description: 'E-mails to the contact with status YES, READ or DELIVERED.',
    resolve: (c) => c.mailsSent,
  }),
  smsSent: t.int({ description: 'SMS to the contact with status YES or DELIVERED.', resolve: (c) => c.smsSent }),
});
type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

const LogBucketRef = builder.objectRef<LogBucket>('LogBucket').implement({
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime' }),
    label: t.exposeString('label', { description: 'Local: "2026", "2026-03", "2026-03-01" or "2026-03-01 09:00".' }),
    ...LogCountsFields(t),
    flapping: t.boolean({
      description: 'A port was FLAPPING during this bucket (the log marks flapping periods).',
      resolve: (b) => b.flappingSeconds > 0 || b.flappingFailures > 0,
    }),
    flappingSeconds: t.exposeInt('flappingSeconds', {
      description: 'Time at least one port was FLAPPING (from hourly rollups).',
    }),
    flappingFailures: t.exposeInt('flappingFailures', {
      description: 'Failed checks made while their port was FLAPPING.',
    }),
  }),
});

type Totals = { failures: number; incidents: number; mailsSent: number; smsSent: number };
const LogTotalsRef = builder.objectRef<Totals>('LogTotals').implement({ fields: (t) => LogCountsFields(t) });

type MonitorLog = Awaited<ReturnType<typeof getMonitorLog>>;
const MonitorLogRef = builder.objectRef<MonitorLog>('MonitorLog').implement({
  fields: (t) => ({
    monitorId: t.id({ resolve: (l) => encodeGlobalID('Monitor', l.monitorId) }),
    granularity: t.expose('granularity', { type: LogGranularityEnum }),
    timeZone: t.exposeString('timeZone'),
    buckets: t.field({
      type: [LogBucketRef],
      description: 'Buckets with activity, oldest first.',
      resolve: (l) => l.buckets,
    }),
    totals: t.field({ type: LogTotalsRef, resolve: (l) => l.totals }),
  }),
});

/** monitorId, or its deprecated alias `monitor`: one of them is required. */
function requiredMonitor(
  args: { monitor?: string | number | null; monitorId?: string | number | null },
  typed = false,
): string | number {
  const id = args.monitorId ?? args.monitor;
  if (id == null) {
    if (typed) throw ValidationError.field('monitorId', 'Give the monitor (monitorId)', 'REQUIRED');
    throw new GraphQLError('Give the monitor (monitorId)', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return id;
}

builder.queryField('monitorLog', (t) =>
  t.field({
    type: MonitorLogRef,
    authScopes: { signedIn: true },
    errors: { types: [ValidationError, NotFoundError] },
    description:
      "A monitor's log by YEAR, MONTH, DAY or HOUR over [from, to), in your time zone unless timeZone is given.",
    args: {
      monitorId: t.arg.id({ description: 'The monitor (required; `monitor` is its old name).' }),
      monitor: t.arg.id({ deprecationReason: 'Use monitorId (arguments naming another object are <type>Id).' }),
      granularity: t.arg({ type: LogGranularityEnum, required: true }),
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      timeZone: t.arg.string({ description: "IANA time zone; default: your account's." }),
    },
    resolve: async (_r, args, ctx) =>
      getMonitorLog(ctx.services, ctx.viewer, {
        monitorId: requireNodeId(String(requiredMonitor(args, true)), 'Monitor'),
        granularity: args.granularity,
        from: args.from,
        to: args.to,
        timeZone: args.timeZone ?? (await viewerTimeZone(ctx)),
      }),
  }),
);

interface Delivery {
  notificationId: string;
  channel: string;
  recipient: string;
  status: NotificationStatus;
  statusDetail: string | null;
  at: Date;
}

const DeliveryStatusRef = builder.objectRef<Delivery>('DeliveryStatus').implement({
  description: "The seed's MAIL / SMS column for a failure: the incident's DOWN message to the contact.",
  fields: (t) => ({
    notificationId: t.id({
      description: 'The Notification node (its events are the timeline).',
      resolve: (d) => encodeGlobalID('Notification', d.notificationId),
    }),
    channel: t.exposeString('channel', { description: 'EMAIL, SMS, ALIMTALK, SLACK, TELEGRAM or WEBHOOK.' }),
    recipient: t.exposeString('recipient'),
    status: t.expose('status', { type: NotificationStatusEnum }),
    detail: t.exposeString('statusDetail', {
      nullable: true,
      description: 'The error text when FAILED, the reason when NO.',
    }),
    at: t.expose('at', { type: 'DateTime', description: 'When it reached this status.' }),
  }),
});

const contactMessages = {
  incident: {
    select: {
      notifications: {
        // the message that announced the incident: DOWN, or FLAPPING for one opened by a flapping port
        where: { recipientRole: 'CONTACT' as const, kind: { in: ['DOWN' as const, 'FLAPPING' as const] } },
        orderBy: [{ createdAt: 'asc' as const }, { id: 'asc' as const }],
        select: {
          id: true,
          channel: true,
          recipient: true,
          status: true,
          statusDetail: true,
          createdAt: true,
          sentAt: true,
          deliveredAt: true,
          readAt: true,
          failedAt: true,
        },
      },
    },
  },
};

type Row = {
  channel: string;
  id: string;
  recipient: string;
  status: NotificationStatus;
  statusDetail: string | null;
  createdAt: Date;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
  failedAt: Date | null;
};

function delivery(rows: Row[] | undefined, channel: 'EMAIL' | 'SMS'): Delivery | null {
  const n = rows?.find((r) => r.channel === channel);
  if (!n) return null;
  return toDelivery(n);
}

function toDelivery(n: Row): Delivery {
  const at = n.readAt ?? n.deliveredAt ?? n.failedAt ?? n.sentAt ?? n.createdAt;
  return {
    notificationId: n.id,
    channel: n.channel,
    recipient: n.recipient,
    status: n.status,
    statusDetail: n.statusDetail,
    at,
  };
}

builder.prismaObject('FailureRun', {
  name: 'FailureLog',
  description:
    'A run of failed checks of one port: consecutive failures with the same reason (code and message), incident, flapping and maintenance marks, within one UTC day ("ECONNREFUSED × 480, 00:00–23:57"). A success, a change of any of those, or a restart of the prober starts a new run. Before runs, every failed check was one row (count 1).',
  fields: (t) => ({
    id: t.id({
      description: 'A stable global id of this run (for client caches).',
      resolve: (f) => encodeGlobalID('FailureLog', f.id.toString()),
    }),
    at: t.expose('firstAt', {
      type: 'DateTime',
      deprecationReason: 'A row is now a run of checks: use firstAt and lastAt (this is firstAt).',
    }),
    firstAt: t.expose('firstAt', { type: 'DateTime', description: "The run's first failed check." }),
    lastAt: t.expose('lastAt', {
      type: 'DateTime',
      description: "The run's latest failed check (the run may still grow).",
    }),
    count: t.exposeInt('count', { description: 'Failed checks in the run.' }),
    port: t.exposeInt('port'),
    code: t.exposeString('code', { description: 'The OS reason: ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH…' }),
    message: t.exposeString('message', { description: 'The OS error message.' }),
    latencyMs: t.exposeFloat('latencyMs', { nullable: true, description: "Of the run's latest check." }),
    flapping: t.exposeBoolean('flapping', { description: 'The port was FLAPPING after these checks.' }),
    maintenance: t.exposeBoolean('maintenance', {
      description: 'The checks fell in a maintenance window (no alert is sent for them).',
    }),
    incident: t.relation('incident', { nullable: true }),
    mail: t.field({
      type: DeliveryStatusRef,
      nullable: true,
      select: contactMessages,
      resolve: (f) => delivery(f.incident?.notifications, 'EMAIL'),
    }),
    sms: t.field({
      type: DeliveryStatusRef,
      nullable: true,
      select: contactMessages,
      resolve: (f) => delivery(f.incident?.notifications, 'SMS'),
    }),
    channels: t.field({
      type: [DeliveryStatusRef],
      select: contactMessages,
      description:
        'The other channels of the same DOWN message to the contact (AlimTalk, Slack, Telegram, webhooks), with the same YES/NO/FAILED/READ/DELIVERED meaning.',
      resolve: (f) =>
        (f.incident?.notifications ?? []).filter((n) => n.channel !== 'EMAIL' && n.channel !== 'SMS').map(toDelivery),
    }),
  }),
});

const failureOptions = (args: {
  monitor?: string | number | null;
  monitorId?: string | number | null;
  from?: Date | null;
  to?: Date | null;
  port?: number | null;
}) => ({
  monitorId: filterNodeId(requiredMonitor(args), 'Monitor') ?? '',
  from: args.from,
  to: args.to,
  port: args.port,
});

builder.queryField('failureLog', (t) =>
  t.prismaConnection({
    type: 'FailureRun',
    cursor: 'id_firstAt',
    authScopes: { signedIn: true },
    description:
      "A monitor's failed checks as runs (FailureLog.count checks each), newest first, with the MAIL and SMS columns (empty for another customer's monitor). from/to select the runs that overlap [from, to); totalCount counts runs: monitorLog gives the failed checks per hour, day, month or year.",
    args: {
      monitorId: t.arg.id({ description: 'The monitor (required; `monitor` is its old name).' }),
      monitor: t.arg.id({ deprecationReason: 'Use monitorId (arguments naming another object are <type>Id).' }),
      from: t.arg({ type: 'DateTime' }),
      to: t.arg({ type: 'DateTime' }),
      port: t.arg.int(),
    },
    resolve: (query, _r, args, ctx) => listFailures(ctx.services, ctx.viewer, failureOptions(args), query),
    totalCount: (_p, args, ctx) => countFailures(ctx.services, ctx.viewer, failureOptions(args)),
  }),
);
