// Single-row ledger changes driven by signals from outside (delivery reports, bounces, reads):
// the status moves only as transitions.ts allows, every change or noteworthy non-change is a
// NotificationEvent in the same transaction, and the live event is published after commit.
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Channel, NotificationStatus } from '../../generated/prisma/enums.ts';
import type { ServiceDeps } from '../types.ts';
import { canApply, targetOf, type Signal } from './transitions.ts';

export interface ApplySignalOptions {
  notificationId: string;
  signal: Signal;
  /** Becomes statusDetail (on a change) and the event's detail. */
  detail: string;
  raw?: unknown;
  /** When the signal does not apply: record a timeline event saying so (default true). */
  recordIgnored?: boolean;
}

export type ApplySignalResult =
  | { found: false }
  | {
      found: true;
      changed: boolean;
      from: NotificationStatus;
      status: NotificationStatus;
      channel: Channel;
      incidentId: string;
    };

type Deps = Pick<ServiceDeps, 'prisma' | 'events' | 'now'>;

/** JSON for the `raw` column: anything JSON.stringify accepts; undefined → absent. */
export function toJson(raw: unknown): Prisma.InputJsonValue | undefined {
  if (raw === undefined || raw === null) return undefined;
  try {
    const text = JSON.stringify(raw, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    return text === undefined ? undefined : (JSON.parse(text) as Prisma.InputJsonValue);
  } catch {
    return String(raw);
  }
}

const MAX_TRIES = 3;

/**
 * Applies `signal` to one row. Optimistic: the update is conditional on the status read a moment
 * before; when another writer got in between, it re-reads and decides again (at most 3 times).
 */
export async function applySignal(deps: Deps, opts: ApplySignalOptions): Promise<ApplySignalResult> {
  const raw = toJson(opts.raw);
  for (let i = 0; i < MAX_TRIES; i++) {
    const row = await deps.prisma.notification.findUnique({
      where: { id: opts.notificationId },
      select: { status: true, sentAt: true, incidentId: true, accountId: true, channel: true },
    });
    if (!row) return { found: false };
    const base = { found: true as const, from: row.status, channel: row.channel, incidentId: row.incidentId };
    const now = deps.now();
    if (!canApply(opts.signal, row.status, row.sentAt !== null)) {
      if (opts.recordIgnored !== false) {
        await deps.prisma.notificationEvent.create({
          data: {
            notificationId: opts.notificationId,
            at: now,
            status: row.status,
            detail: `ignored (already ${row.status}): ${opts.detail}`,
            ...(raw !== undefined ? { raw } : {}),
          },
        });
      }
      return { ...base, changed: false, status: row.status };
    }
    const to = targetOf(opts.signal);
    const data: Prisma.NotificationUpdateManyMutationInput = {
      status: to,
      statusDetail: opts.detail,
      lockedUntil: null,
      ...(to === 'DELIVERED' ? { deliveredAt: now } : {}),
      ...(to === 'FAILED' ? { failedAt: now } : {}),
      ...(to === 'READ' ? { readAt: now } : {}),
    };
    const changed = await deps.prisma.$transaction(async (tx) => {
      const u = await tx.notification.updateMany({ where: { id: opts.notificationId, status: row.status }, data });
      if (u.count === 0) return false;
      await tx.notificationEvent.create({
        data: {
          notificationId: opts.notificationId,
          at: now,
          status: to,
          detail: opts.detail,
          ...(raw !== undefined ? { raw } : {}),
        },
      });
      return true;
    });
    if (!changed) continue;
    deps.events.notification({
      notificationId: opts.notificationId,
      incidentId: row.incidentId,
      accountId: row.accountId,
      status: to,
    });
    return { ...base, changed: true, status: to };
  }
  const row = await deps.prisma.notification.findUnique({
    where: { id: opts.notificationId },
    select: { status: true, channel: true, incidentId: true },
  });
  return row
    ? {
        found: true,
        changed: false,
        from: row.status,
        status: row.status,
        channel: row.channel,
        incidentId: row.incidentId,
      }
    : { found: false };
}

/** A timeline entry that changes nothing (e.g. an SMS "sent" report, a "delayed" DSN). */
export async function appendEvent(
  deps: Pick<ServiceDeps, 'prisma' | 'now'>,
  notificationId: string,
  detail: string,
  raw?: unknown,
): Promise<{ status: NotificationStatus; incidentId: string } | null> {
  const row = await deps.prisma.notification.findUnique({
    where: { id: notificationId },
    select: { status: true, incidentId: true },
  });
  if (!row) return null;
  const json = toJson(raw);
  await deps.prisma.notificationEvent.create({
    data: { notificationId, at: deps.now(), status: row.status, detail, ...(json !== undefined ? { raw: json } : {}) },
  });
  return row;
}
