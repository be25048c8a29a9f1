// Acknowledging an incident: by a signed-in account (mutation) or by the signed link in an alert.
// Acknowledged incidents get no more reminders and are not escalated. Tenancy: a customer
// acknowledges only its own accounts' incidents (others look like "not found"); admins any.
import type { Language } from '../../generated/prisma/enums.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { isAdmin, seesAccount } from '../tenancy.ts';
import type { ServiceDeps, Viewer } from '../types.ts';
import { recordRead } from './delivery.ts';
import { acknowledgerText, shownAcknowledger } from './acknowledger.ts';

type Deps = Pick<ServiceDeps, 'prisma' | 'events' | 'now' | 'signals'>;

export type AcknowledgeOutcome = 'ACKNOWLEDGED' | 'ALREADY_ACKNOWLEDGED' | 'RESOLVED';

interface AckTarget {
  id: string;
  accountId: string | null;
}

/** Sets acknowledgedAt/By once; an acknowledged or resolved incident is left as it is. */
async function markAcknowledged(deps: Deps, incident: AckTarget, by: string): Promise<AcknowledgeOutcome> {
  const now = deps.now();
  // the webhooks that were told the incident opened are told it was acknowledged (same transaction)
  const { count, queued } = await deps.prisma.$transaction(async (tx) => {
    const u = await tx.incident.updateMany({
      where: { id: incident.id, acknowledgedAt: null, resolvedAt: null },
      data: { acknowledgedAt: now, acknowledgedBy: by },
    });
    if (u.count !== 1) return { count: u.count, queued: [] };
    const hooks = await tx.notification.findMany({
      where: { incidentId: incident.id, kind: 'DOWN', channel: 'WEBHOOK', status: { not: 'NO' } },
      select: { accountId: true, recipient: true, recipientRole: true, language: true, endpointId: true },
    });
    const rows = hooks.length
      ? await tx.notification.createManyAndReturn({
          data: hooks.map((h) => ({
            ...h,
            incidentId: incident.id,
            kind: 'ACKNOWLEDGED' as const,
            seq: 0,
            channel: 'WEBHOOK' as const,
            status: 'QUEUED' as const,
            nextAttemptAt: now,
            createdAt: now,
          })),
          skipDuplicates: true,
          select: { id: true, accountId: true },
        })
      : [];
    return { count: 1, queued: rows };
  });
  if (count === 1) {
    deps.events.incident({ incidentId: incident.id, accountId: incident.accountId, change: 'ACKNOWLEDGED' });
    for (const r of queued)
      deps.events.notification({
        notificationId: r.id,
        incidentId: incident.id,
        accountId: r.accountId,
        status: 'QUEUED',
      });
    if (queued.length) deps.signals.notificationsQueued.emit();
    return 'ACKNOWLEDGED';
  }
  const row = await deps.prisma.incident.findUnique({ where: { id: incident.id }, select: { acknowledgedAt: true } });
  return row?.acknowledgedAt ? 'ALREADY_ACKNOWLEDGED' : 'RESOLVED';
}

export interface AcknowledgeIncidentOptions {
  incidentId: string;
}

/**
 * The mutation's service; returns the incident's id for the resolver to load. Idempotent:
 * acknowledging twice changes nothing. Acknowledging a resolved, never-acknowledged incident is a
 * ConflictError (there is nothing left to stop). acknowledgedBy = the viewer's login id.
 */
export async function acknowledgeIncident(
  deps: Deps,
  viewer: Viewer,
  opts: AcknowledgeIncidentOptions,
): Promise<{ id: string; outcome: AcknowledgeOutcome }> {
  const incident = await deps.prisma.incident.findUnique({
    where: { id: opts.incidentId },
    select: { id: true, accountId: true },
  });
  if (!incident || !seesAccount(viewer, incident.accountId)) throw new NotFoundError('incident');
  const outcome = await markAcknowledged(
    deps,
    incident,
    acknowledgerText({ by: 'session', admin: isAdmin(viewer), who: viewer.loginId }),
  );
  if (outcome === 'RESOLVED') throw new ConflictError('the incident is already resolved');
  return { id: incident.id, outcome };
}

export interface AckLinkView {
  language: Language;
  incident: {
    id: string;
    host: string | null;
    ports: number[];
    openedAt: Date;
    resolvedAt: Date | null;
    acknowledgedAt: Date | null;
    acknowledgedBy: string | null;
  };
}

export interface LinkAcknowledgement extends AckLinkView {
  outcome: AcknowledgeOutcome;
}

const incidentView = {
  id: true,
  host: true,
  ports: true,
  openedAt: true,
  resolvedAt: true,
  acknowledgedAt: true,
  acknowledgedBy: true,
} as const;

/**
 * The signed ack link of ledger row `notificationId` (token already verified by the route).
 * Also counts as a read of that message. acknowledgedBy = "link: <recipient>". Null when the
 * row or its incident is gone.
 */
export async function acknowledgeByLink(
  deps: Deps,
  opts: { notificationId: string; userAgent?: string | null },
): Promise<LinkAcknowledgement | null> {
  const row = await deps.prisma.notification.findUnique({
    where: { id: opts.notificationId },
    select: {
      recipient: true,
      recipientRole: true,
      language: true,
      incident: { select: { id: true, accountId: true } },
    },
  });
  if (!row) return null;
  const outcome = await markAcknowledged(
    deps,
    row.incident,
    acknowledgerText({ by: 'link', admin: row.recipientRole === 'ADMIN', who: row.recipient }),
  );
  await recordRead(deps, { notificationId: opts.notificationId, via: 'ack', userAgent: opts.userAgent ?? null });
  const incident = await deps.prisma.incident.findUnique({ where: { id: row.incident.id }, select: incidentView });
  return incident
    ? {
        outcome,
        language: row.language,
        incident: {
          ...incident,
          acknowledgedBy: shownAcknowledger(incident.acknowledgedBy, row.recipientRole === 'ADMIN'),
        },
      }
    : null;
}

/**
 * What the ack page shows before the button is pressed. Opening the link does not acknowledge:
 * mail security scanners (Safe Links and the like) fetch every link in incoming mail, and would
 * silently acknowledge every incident, stopping its reminders and escalation.
 */
export async function describeAckLink(
  deps: Pick<ServiceDeps, 'prisma'>,
  notificationId: string,
): Promise<AckLinkView | null> {
  const row = await deps.prisma.notification.findUnique({
    where: { id: notificationId },
    select: { language: true, recipientRole: true, incident: { select: incidentView } },
  });
  // the page is seen by whoever holds the link: a contact sees the operator by role only
  return row
    ? {
        language: row.language,
        incident: {
          ...row.incident,
          acknowledgedBy: shownAcknowledger(row.incident.acknowledgedBy, row.recipientRole === 'ADMIN'),
        },
      }
    : null;
}
