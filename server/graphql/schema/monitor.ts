// Monitor (a server registered for monitoring): its ports with their current status, the seed's
// status line, contact, policy and maintenance windows; the list and the detail.
import type { PortPhase } from '../../generated/prisma/enums.ts';
import {
  countMonitors,
  findMonitor,
  listMonitors,
  type ListMonitorsOptions,
  type MonitorStatusFilter,
} from '../../services/monitor-queries.ts';
import { ALERTS_HELD_TEXT, monitorAlertsHeld } from '../../services/alerts-held.ts';
import {
  describeMonitorStatus,
  hostState,
  hostStateText,
  latestCheck,
  portStatuses,
  type HostState,
  type PortStateRow,
  type StatusLine,
} from '../../services/monitor-status.ts';
import type { MonitorDefaults } from '../../services/settings.ts';
import { ownedWhere, seesAccount } from '../../services/tenancy.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { MaintenanceKindEnum, PortPhaseEnum } from './enums.ts';
import { decodeNodeId, filterNodeId, monitorDefaultsFor, viewerTimeZone } from './node-access.ts';

export const PortStatusRef = builder.objectRef<PortStateRow>('PortStatus').implement({
  description: 'The current status of one monitored port.',
  fields: (t) => ({
    port: t.exposeInt('port'),
    phase: t.field({ type: PortPhaseEnum, resolve: (s) => s.phase as PortPhase }),
    since: t.expose('since', { type: 'DateTime', description: 'When the phase last changed.' }),
    lastCheckAt: t.expose('lastCheckAt', { type: 'DateTime', nullable: true }),
    lastOk: t.exposeBoolean('lastOk', { nullable: true }),
    latencyMs: t.float({ nullable: true, resolve: (s) => s.lastLatencyMs }),
    errorCode: t.string({
      nullable: true,
      description: "The last failure's OS reason (ECONNREFUSED, ETIMEDOUT…).",
      resolve: (s) => s.lastErrorCode,
    }),
    error: t.string({ nullable: true, description: "The last failure's message.", resolve: (s) => s.lastErrorMessage }),
  }),
});

const MonitorHealthEnum = builder.enumType('MonitorHealth', {
  values: {
    NORMAL: { description: 'Checks arrive on time.' },
    DELAYED: { description: 'No check for longer than 2 × interval + timeout.' },
    WAITING: { description: 'Registered; the first check has not happened yet.' },
    PAUSED: {},
    DELETED: {},
  } as const,
});

const HostPhaseEnum = builder.enumType('HostPhase', {
  description:
    "The host's state as a whole, shown beside the status line (which only says whether the prober is checking).",
  values: {
    UP: { description: 'Every port answered its last check.' },
    SUSPECT: { description: 'A port failed, not yet DOWN (re-checked at the retry interval).' },
    DOWN: { description: 'A port is DOWN or RECOVERING: an incident is open.' },
    FLAPPING: { description: 'A port fails and answers by turns.' },
    MAINTENANCE: { description: 'A port is in a maintenance window (checked, nothing raised).' },
    PAUSED: {},
    DELETED: {},
    UNKNOWN: { description: 'Not checked yet.' },
  } as const,
});

const HostStateRef = builder.objectRef<HostState>('HostState').implement({
  description:
    'The host\'s state: "DOWN since 12:33 (ports 22, 80)". The worst state wins: DOWN, FLAPPING, SUSPECT, MAINTENANCE, UP.',
  fields: (t) => ({
    phase: t.expose('phase', { type: HostPhaseEnum }),
    since: t.expose('since', {
      type: 'DateTime',
      nullable: true,
      description:
        'The earliest phase change of the ports in that state (DOWN: when the first of them went DOWN); paused/deleted: when.',
    }),
    ports: t.exposeIntList('ports', { description: 'The ports in that state.' }),
  }),
});

const MonitorStatusRef = builder
  .objectRef<StatusLine & { alertsHeld: boolean; host: HostState }>('MonitorStatus')
  .implement({
    description:
      'The seed\'s status line: "Monitoring your server normally (last check …)" or "Check delayed since …".',
    fields: (t) => ({
      state: t.expose('state', { type: MonitorHealthEnum }),
      lastCheckAt: t.expose('lastCheckAt', { type: 'DateTime', nullable: true }),
      delayedSince: t.expose('delayedSince', { type: 'DateTime', nullable: true }),
      text: t.exposeString('text', { description: "In English, local times in your account's time zone." }),
      host: t.field({
        type: HostStateRef,
        description:
          "The host's state beside the line: DOWN / FLAPPING / SUSPECT / MAINTENANCE since when, with the ports.",
        resolve: (s) => s.host,
      }),
      alertsHeld: t.exposeBoolean('alertsHeld', {
        description:
          "Alerts held: the prober is checking its own connectivity. A port went DOWN while the prober's self-outage guard holds customer alerts; it is announced when the hold ends (at most PROBE_MAX_HOLD_SECONDS later) if it is still down.",
      }),
    }),
  });

type EffectivePolicy = MonitorDefaults & { reminderEveryMin: number | null; escalateAfterMin: number | null };

export const MonitorPolicyRef = builder.objectRef<EffectivePolicy>('MonitorPolicy').implement({
  description: "The policy in force: the monitor's own values, else the global defaults.",
  fields: (t) => ({
    intervalSec: t.exposeInt('intervalSec'),
    retryIntervalSec: t.exposeInt('retryIntervalSec'),
    timeoutMs: t.exposeInt('timeoutMs'),
    failureThreshold: t.exposeInt('failureThreshold'),
    recoveryThreshold: t.exposeInt('recoveryThreshold'),
    reminderEveryMin: t.exposeInt('reminderEveryMin', { nullable: true }),
    escalateAfterMin: t.exposeInt('escalateAfterMin', { nullable: true }),
  }),
});

builder.prismaObject('MaintenanceWindow', {
  fields: (t) => ({
    kind: t.expose('kind', { type: MaintenanceKindEnum }),
    startsAt: t.expose('startsAt', { type: 'DateTime', nullable: true }),
    endsAt: t.expose('endsAt', { type: 'DateTime', nullable: true }),
    weekday: t.exposeInt('weekday', { nullable: true, description: 'WEEKLY: 0 = Sunday … 6 = Saturday.' }),
    startMinute: t.exposeInt('startMinute', { nullable: true, description: 'WEEKLY: minutes after local midnight.' }),
    durationMin: t.exposeInt('durationMin', { nullable: true }),
    timeZone: t.exposeString('timeZone'),
    note: t.exposeString('note', { nullable: true }),
  }),
});

/**
 * Live port states from the probe's memory when this process probes the monitor, else the saved
 * ones. A deleted monitor is checked no more: its ports are UNKNOWN (never a frozen SUSPECT).
 */
function currentStates(
  ctx: GraphQLContext,
  m: { id: string; ports: number[]; createdAt: Date; deletedAt: Date | null; portStates: PortStateRow[] },
): PortStateRow[] {
  if (m.deletedAt) {
    return portStatuses(m.ports, [], m.createdAt).map((s) => {
      const saved = m.portStates.find((p) => p.port === s.port);
      return { ...s, lastCheckAt: saved?.lastCheckAt ?? null, since: m.deletedAt ?? s.since };
    });
  }
  const live = ctx.services.probe?.status(m.id);
  return portStatuses(m.ports, live ?? m.portStates, m.createdAt);
}

export const MonitorRef = builder.prismaNode('Monitor', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, ...ownedWhere(ctx.viewer) }),
  authScopes: (m, ctx) => seesAccount(ctx.viewer, m.accountId),
  description: 'A server registered for monitoring: its IP, ports, contact and policy.',
  fields: (t) => ({
    host: t.exposeString('host', { description: 'The IP address (copied at registration; logs keep it).' }),
    ports: t.exposeIntList('ports'),
    contactName: t.exposeString('contactName'),
    contactEmail: t.exposeString('contactEmail'),
    contactPhone: t.exposeString('contactPhone', { nullable: true, description: 'E.164 (+821012345678).' }),
    mailEnabled: t.exposeBoolean('mailEnabled'),
    smsEnabled: t.exposeBoolean('smsEnabled'),
    alimtalkEnabled: t.exposeBoolean('alimtalkEnabled', {
      description: 'KakaoTalk AlimTalk to the mobile number, the SMS being its fallback.',
    }),
    intervalSec: t.exposeInt('intervalSec', { nullable: true, description: 'Own value; null = the global default.' }),
    retryIntervalSec: t.exposeInt('retryIntervalSec', { nullable: true }),
    timeoutMs: t.exposeInt('timeoutMs', { nullable: true }),
    failureThreshold: t.exposeInt('failureThreshold', { nullable: true }),
    recoveryThreshold: t.exposeInt('recoveryThreshold', { nullable: true }),
    reminderEveryMin: t.exposeInt('reminderEveryMin', { nullable: true }),
    escalateAfterMin: t.exposeInt('escalateAfterMin', { nullable: true }),
    policy: t.field({
      type: MonitorPolicyRef,
      resolve: async (m, _a, ctx) => {
        const d = await monitorDefaultsFor(ctx);
        // the values the probe applies (monitoring/model.ts): the retry interval never
        // exceeds the interval, the timeout stays under it
        const intervalSec = m.intervalSec ?? d.intervalSec;
        return {
          ...d,
          intervalSec,
          retryIntervalSec: Math.min(m.retryIntervalSec ?? d.retryIntervalSec, intervalSec),
          timeoutMs: Math.min(m.timeoutMs ?? d.timeoutMs, intervalSec * 1000 - 1),
          failureThreshold: m.failureThreshold ?? d.failureThreshold,
          recoveryThreshold: m.recoveryThreshold ?? d.recoveryThreshold,
          reminderEveryMin: m.reminderEveryMin,
          escalateAfterMin: m.escalateAfterMin,
          flapEnabled: m.flapEnabled ?? d.flapEnabled,
          flapWindow: m.flapWindow ?? d.flapWindow,
          flapChanges: m.flapChanges ?? d.flapChanges,
          flapFailedPercent: m.flapFailedPercent ?? d.flapFailedPercent,
        };
      },
    }),
    paused: t.boolean({ resolve: (m) => m.pausedAt !== null }),
    pausedAt: t.expose('pausedAt', { type: 'DateTime', nullable: true }),
    deleted: t.boolean({ resolve: (m) => m.deletedAt !== null }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    server: t.relation('server'),
    account: t.relation('account'),
    maintenanceWindows: t.relation('maintenance', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    portStatuses: t.field({
      type: [PortStatusRef],
      description:
        'Every configured port with its current status (UNKNOWN before the first check, and once the monitor is deleted).',
      select: { portStates: true },
      resolve: (m, _a, ctx) => currentStates(ctx, m),
    }),
    status: t.field({
      type: MonitorStatusRef,
      select: { portStates: true },
      resolve: async (m, _a, ctx) => {
        const [d, tz] = await Promise.all([monitorDefaultsFor(ctx), viewerTimeZone(ctx)]);
        const states = currentStates(ctx, m);
        const lastCheckAt = latestCheck(states);
        const host = hostState(m, states);
        const line = describeMonitorStatus(
          { ...m, lastCheckAt, intervalSec: m.intervalSec ?? d.intervalSec, timeoutMs: m.timeoutMs ?? d.timeoutMs },
          ctx.services.now(),
          tz,
        );
        const alertsHeld = await monitorAlertsHeld(ctx.services, m);
        const text = [line.text, hostStateText(host, tz), alertsHeld ? ALERTS_HELD_TEXT : null]
          .filter((x) => x !== null)
          .join('; ');
        return { ...line, alertsHeld, host, text };
      },
    }),
  }),
});

const MonitorStatusFilterEnum = builder.enumType('MonitorStatusFilter', {
  values: {
    OK: { description: 'Live, not paused, no port failing.' },
    PROBLEM: { description: 'Some port is failing (SUSPECT, DOWN or RECOVERING).' },
    DOWN: { description: 'Some port is DOWN (an incident is open) or recovering.' },
    PAUSED: {},
    DELETED: { description: 'Deleted monitors (their logs stay).' },
  } as const,
});

builder.queryField('monitors', (t) =>
  t.prismaConnection({
    type: 'Monitor',
    cursor: 'id',
    authScopes: { signedIn: true },
    description:
      "Your monitors (admins: every customer's, or one with `accountId`): failing hosts first (a port SUSPECT, DOWN, RECOVERING or FLAPPING), then by numeric IP (IPv4 before IPv6), on every page. `search` matches the start of an IP, server labels, contact names and (admins) login ids.",
    args: {
      search: t.arg.string({
        description:
          'The start of an IP (a whole IP also finds longer ones: 10.0.0.1 → 10.0.0.10), part of a server label or contact name, the start of a login id (admins).',
      }),
      status: t.arg({ type: MonitorStatusFilterEnum }),
      accountId: t.arg.id({ description: 'Admins: one customer (Account id).' }),
      account: t.arg.id({ deprecationReason: 'Use accountId.', description: "Admins: one customer's monitors." }),
      includeDeleted: t.arg.boolean({ description: 'Also deleted monitors (for old logs and statistics).' }),
    },
    resolve: (query, _root, args, ctx) => listMonitors(ctx.services, ctx.viewer, listOptions(args), query),
    totalCount: (_p, args, ctx) => countMonitors(ctx.services, ctx.viewer, listOptions(args)),
  }),
);

function listOptions(args: {
  search?: string | null;
  status?: MonitorStatusFilter | null;
  account?: string | number | null;
  accountId?: string | number | null;
  includeDeleted?: boolean | null;
}): ListMonitorsOptions {
  return {
    search: args.search ?? null,
    status: args.status ?? null,
    accountId: filterNodeId(args.accountId ?? args.account, 'Account'),
    includeDeleted: args.includeDeleted ?? false,
  };
}

builder.queryField('monitor', (t) =>
  t.prismaField({
    type: 'Monitor',
    nullable: true,
    authScopes: { signedIn: true },
    description: 'One of your monitors (deleted ones too), or null.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _r, args, ctx) => {
      const id = decodeNodeId(String(args.id), 'Monitor');
      return id ? findMonitor(ctx.services, ctx.viewer, id, query) : null;
    },
  }),
);
