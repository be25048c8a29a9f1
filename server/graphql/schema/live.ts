// Tenant-scoped live events. A customer subscribes to its own scope; an admin to all.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import type { NotificationStatus, PortPhase } from '../../generated/prisma/enums.ts';
import {
  ADMIN_SCOPE,
  type CheckEvent,
  type IncidentEvent,
  type NotificationChangeEvent,
  type PortStatusEvent,
} from '../../events/events.ts';
import type { LiveFilter } from '../../events/live-stream.ts';
import { canWatchMonitor, currentPortStatus } from '../../services/live-status.ts';
import { isAdmin } from '../../services/tenancy.ts';
import { builder } from '../builder.ts';
import { NotificationStatusEnum, PortPhaseEnum } from './enums.ts';
import type { GraphQLContext } from '../context.ts';

/** The pubsub scope the viewer may listen on: its own account, or everything for admins. */
export function viewerScope(ctx: GraphQLContext): string {
  if (!ctx.viewer) throw new Error('viewerScope needs a signed-in viewer');
  return isAdmin(ctx.viewer) ? ADMIN_SCOPE : ctx.viewer.accountId;
}

const IncidentChangeKind = builder.enumType('IncidentChangeKind', {
  values: ['OPENED', 'UPDATED', 'ACKNOWLEDGED', 'RESOLVED'] as const,
});

export const IncidentChange = builder.objectRef<IncidentEvent>('IncidentChange').implement({
  fields: (t) => ({
    incidentId: t.id({
      description: 'The Incident node id.',
      resolve: (e) => encodeGlobalID('Incident', e.incidentId),
    }),
    change: t.expose('change', { type: IncidentChangeKind }),
  }),
});

builder.subscriptionField('incidentChanged', (t) =>
  t.field({
    type: IncidentChange,
    authScopes: { signedIn: true },
    description: 'Incidents opened, updated, acknowledged or resolved on your monitors (all monitors for admins).',
    subscribe: (_root, _args, ctx) => ctx.services.events.live.stream<IncidentEvent>('incident', viewerScope(ctx)),
    resolve: (e) => e,
  }),
);

export const PortStatusChange = builder.objectRef<PortStatusEvent>('PortStatusChange').implement({
  description: 'The status of one monitored port: sent first for every port, then on each change.',
  fields: (t) => ({
    monitorId: t.id({ description: 'The Monitor node id.', resolve: (e) => encodeGlobalID('Monitor', e.monitorId) }),
    host: t.exposeString('host'),
    port: t.exposeInt('port'),
    phase: t.field({ type: PortPhaseEnum, resolve: (e) => e.phase as PortPhase }),
    since: t.expose('since', { type: 'DateTime' }),
    lastCheckAt: t.expose('lastCheckAt', { type: 'DateTime', nullable: true }),
    lastOk: t.exposeBoolean('lastOk', { nullable: true }),
    lastLatencyMs: t.exposeFloat('lastLatencyMs', { nullable: true }),
    lastErrorCode: t.exposeString('lastErrorCode', { nullable: true }),
    lastErrorMessage: t.exposeString('lastErrorMessage', { nullable: true }),
  }),
});

// a port, and what of its state a repeat is compared on (module functions: nothing per subscriber)
function portKey(e: PortStatusEvent): string {
  return `${e.monitorId}:${e.port}`;
}
function portState(e: PortStatusEvent): string {
  return `${e.phase}|${new Date(e.since).getTime()}|${e.lastCheckAt ? new Date(e.lastCheckAt).getTime() : ''}|${e.lastErrorCode ?? ''}`;
}

// Subscriptions have no errors union: refusals are GraphQL errors with a code (not masked).
function monitorIdArg(id: { typename: string; id: string } | null | undefined): string | null {
  if (!id) return null;
  if (id.typename !== 'Monitor')
    throw new GraphQLError('monitorId is not a Monitor id', { extensions: { code: 'BAD_USER_INPUT' } });
  return id.id;
}

/**
 * What a monitorStatus subscriber is sent after the current state: its monitor's changes (all of
 * its scope's without monitorId), except a change equal to the state just sent for its port.
 * The engine publishes each port state once (test/security/port-status-once.test.ts). The only
 * overlap is at the start: a change published between the stream's registration and the read of
 * the current state is in both, so an event equal to the state sent for its port is that overlap
 * and is not sent again (checked once per port, for its first event).
 */
class PortStatusFilter implements LiveFilter<PortStatusEvent> {
  // Port → state sent in the current state, until that port's first event: one port inline (most
  // subscribers watch one port of one monitor, idle for hours), more in a map.
  private oneKey: string | null = null;
  private oneState = '';
  private many: Map<string, string> | null = null;
  constructor(private readonly monitorId: string | null) {}
  sent(current: readonly PortStatusEvent[]): void {
    if (current.length === 1) {
      this.oneKey = portKey(current[0]!);
      this.oneState = portState(current[0]!);
    } else if (current.length > 1) this.many = new Map(current.map((e) => [portKey(e), portState(e)]));
  }
  accept(e: PortStatusEvent): boolean {
    if (this.monitorId !== null && e.monitorId !== this.monitorId) return false;
    if (this.oneKey !== null) {
      if (portKey(e) !== this.oneKey) return true;
      this.oneKey = null;
      return this.oneState !== portState(e);
    }
    const many = this.many;
    if (many === null) return true;
    const key = portKey(e);
    const sent = many.get(key);
    if (sent === undefined) return true;
    many.delete(key);
    if (many.size === 0) this.many = null;
    return sent !== portState(e);
  }
}

/** The current state of the subscriber's ports; NOT_FOUND for a mistyped, deleted or foreign monitor. */
async function currentState(
  ctx: GraphQLContext,
  monitorId: string | null,
  filter: PortStatusFilter,
): Promise<readonly PortStatusEvent[]> {
  // one read shared by the subscriptions that start together (services/live-status.ts)
  const current = await currentPortStatus(ctx.services, ctx.viewer!, monitorId);
  if (!current) throw new GraphQLError('Monitor not found', { extensions: { code: 'NOT_FOUND' } });
  filter.sent(current);
  return current;
}

builder.subscriptionField('monitorStatus', (t) =>
  t.field({
    type: PortStatusChange,
    authScopes: { signedIn: true },
    args: { monitorId: t.arg.globalID({ required: false, description: 'One monitor; all of yours when omitted.' }) },
    description:
      'Port status of your monitors (one monitor with monitorId): the current state of every port first, then each change. Admins without monitorId get changes only.',
    subscribe: (_root, args, ctx) => {
      const viewer = ctx.viewer!;
      const monitorId = monitorIdArg(args.monitorId);
      const filter = new PortStatusFilter(monitorId);
      // registered before the current state is read, so no change falls between the two; a
      // customer's stream listens on its own account's scope only
      const stream = ctx.services.events.live.stream<PortStatusEvent>('portStatus', viewerScope(ctx), filter);
      if (!isAdmin(viewer) || monitorId) stream.startWith(currentState(ctx, monitorId, filter));
      return stream;
    },
    resolve: (e) => e,
  }),
);

const CheckResultEvent = builder.objectRef<CheckEvent>('CheckResult').implement({
  description: "One check of one port (for a monitor's detail page).",
  fields: (t) => ({
    port: t.exposeInt('port'),
    at: t.expose('at', { type: 'DateTime' }),
    ok: t.exposeBoolean('ok'),
    latencyMs: t.exposeFloat('latencyMs'),
    errorCode: t.exposeString('errorCode', { nullable: true }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
  }),
});

builder.subscriptionField('checkResults', (t) =>
  t.field({
    type: CheckResultEvent,
    authScopes: { signedIn: true },
    args: { monitorId: t.arg.globalID({ required: true }) },
    description: 'Every check of one of your monitors, as it happens.',
    // the hub's stream, not an async generator around it: a generator's return() waits behind its
    // pending next() (the monitor's next check, never for a paused one), so a completed
    // subscription kept its listener; and a reader that stops ends with SUBSCRIPTION_OVERFLOW
    // instead of an unbounded queue
    subscribe: async (_root, args, ctx) => {
      const monitorId = monitorIdArg(args.monitorId)!;
      if (!(await canWatchMonitor(ctx.services, ctx.viewer!, monitorId)))
        throw new GraphQLError('Monitor not found', { extensions: { code: 'NOT_FOUND' } });
      return ctx.services.events.live.stream<CheckEvent>('checkResult', monitorId);
    },
    resolve: (e) => e,
  }),
);

const NotificationChange = builder.objectRef<NotificationChangeEvent>('NotificationChange').implement({
  description: 'A message of the ledger changed status (sent, delivered, read, failed…).',
  fields: (t) => ({
    notificationId: t.id({
      description: 'The Notification node id.',
      resolve: (e) => encodeGlobalID('Notification', e.notificationId),
    }),
    incidentId: t.id({
      description: 'The Incident node id.',
      resolve: (e) => encodeGlobalID('Incident', e.incidentId),
    }),
    status: t.field({ type: NotificationStatusEnum, resolve: (e) => e.status as NotificationStatus }),
  }),
});

builder.subscriptionField('notificationChanged', (t) =>
  t.field({
    type: NotificationChange,
    authScopes: { signedIn: true },
    description: "Status changes of the messages about your monitors' incidents (every message for admins).",
    subscribe: (_root, _args, ctx) =>
      ctx.services.events.live.stream<NotificationChangeEvent>('notification', viewerScope(ctx)),
    resolve: (e) => e,
  }),
);
