// Reminders and escalation for open, unacknowledged host incidents, on a timer.
// - Reminder: every Monitor.reminderEveryMin minutes after the incident opened (or the last
//   reminder), a REMINDER message with seq = reminder number to the recipients of the incident's
//   DOWN message (rows that were NO — switched off — stay NO). A process that was down for
//   several periods sends one reminder when it comes back, not a burst.
// - Escalation: once, Monitor.escalateAfterMin minutes after the incident opened, an ESCALATION
//   SMS to every AdminRecipient with a phone (NO when that admin's SMS switch is off).
// Both advance the incident (reminderCount / escalatedAt) with a conditional update and create
// the rows in the same transaction; the ledger's unique key (incident, kind, seq, channel,
// recipient) makes a second process or a restart unable to create them twice.
import type { Prisma } from '../generated/prisma/client.ts';
import type { Logger } from '../log.ts';
import { periodicPass, type PeriodicPass } from './periodic.ts';
import type { ServiceDeps } from '../services/types.ts';
import { ADMIN_SMS_OFF, SMS_OFF_FALLBACK } from '../services/notifications/rows.ts';

type Deps = Pick<ServiceDeps, 'prisma' | 'events' | 'now' | 'signals'>;
type Created = { id: string; incidentId: string; accountId: string | null; status: string };

const MINUTE = 60_000;
const createdSelect = { id: true, incidentId: true, accountId: true, status: true } as const;

async function remindOne(
  deps: Deps,
  inc: { id: string; accountId: string | null; reminderCount: number },
  now: Date,
): Promise<Created[]> {
  const seq = inc.reminderCount + 1;
  return deps.prisma.$transaction(async (tx) => {
    const u = await tx.incident.updateMany({
      where: { id: inc.id, reminderCount: inc.reminderCount, resolvedAt: null, acknowledgedAt: null },
      data: { reminderCount: seq, lastReminderAt: now },
    });
    if (u.count === 0) return [];
    const down = await tx.notification.findMany({
      where: { incidentId: inc.id, kind: { in: ['DOWN', 'FLAPPING'] } }, // the opening message's recipients
      select: {
        accountId: true,
        channel: true,
        recipient: true,
        recipientRole: true,
        language: true,
        status: true,
        statusDetail: true,
        attempts: true,
        endpointId: true,
        fallbackForId: true,
      },
    });
    // an SMS that went out as an AlimTalk fallback stays a fallback (NO until this reminder's AlimTalk fails);
    // AlimTalk rows exist only for recipients who chose it, so they are queued again even if the last one was NO
    const off = (d: (typeof down)[number]) =>
      d.channel !== 'ALIMTALK' && (d.status === 'NO' || d.fallbackForId !== null);
    const data: Prisma.NotificationCreateManyInput[] = down.map((d) => ({
      incidentId: inc.id,
      accountId: d.accountId,
      kind: 'REMINDER',
      seq,
      channel: d.channel,
      recipient: d.recipient,
      recipientRole: d.recipientRole,
      language: d.language,
      nextAttemptAt: now,
      createdAt: now,
      endpointId: d.endpointId,
      status: off(d) ? 'NO' : 'QUEUED',
      statusDetail: !off(d) ? null : d.fallbackForId !== null ? SMS_OFF_FALLBACK : d.statusDetail,
    }));
    return data.length
      ? tx.notification.createManyAndReturn({ data, skipDuplicates: true, select: createdSelect })
      : [];
  });
}

async function escalateOne(deps: Deps, inc: { id: string }, now: Date): Promise<Created[]> {
  return deps.prisma.$transaction(async (tx) => {
    const u = await tx.incident.updateMany({
      where: { id: inc.id, escalatedAt: null, resolvedAt: null, acknowledgedAt: null },
      data: { escalatedAt: now },
    });
    if (u.count === 0) return [];
    const admins = await tx.adminRecipient.findMany({
      where: { phone: { not: null } },
      select: { phone: true, smsEnabled: true, language: true },
    });
    const data: Prisma.NotificationCreateManyInput[] = admins.map((a) => ({
      incidentId: inc.id,
      accountId: null,
      kind: 'ESCALATION',
      seq: 0,
      channel: 'SMS',
      recipient: a.phone ?? '',
      recipientRole: 'ADMIN',
      language: a.language,
      nextAttemptAt: now,
      createdAt: now,
      status: a.smsEnabled ? 'QUEUED' : 'NO',
      statusDetail: a.smsEnabled ? null : ADMIN_SMS_OFF,
    }));
    return data.length
      ? tx.notification.createManyAndReturn({ data, skipDuplicates: true, select: createdSelect })
      : [];
  });
}

export interface RunRemindersResult {
  reminders: number;
  escalations: number;
  rows: number;
}

/** One pass: creates the reminder and escalation rows that are due at `now`. */
export async function runReminders(
  deps: Deps,
  now: Date = deps.now(),
  log: Logger = () => {},
): Promise<RunRemindersResult> {
  const open = { kind: 'HOST_DOWN' as const, resolvedAt: null, acknowledgedAt: null };
  const live = { deletedAt: null, pausedAt: null };
  const [remind, escalate] = await Promise.all([
    deps.prisma.incident.findMany({
      where: { ...open, monitor: { ...live, reminderEveryMin: { not: null } } },
      select: {
        id: true,
        accountId: true,
        openedAt: true,
        lastReminderAt: true,
        reminderCount: true,
        monitor: { select: { reminderEveryMin: true } },
      },
    }),
    deps.prisma.incident.findMany({
      where: { ...open, escalatedAt: null, monitor: { ...live, escalateAfterMin: { not: null } } },
      select: { id: true, accountId: true, openedAt: true, monitor: { select: { escalateAfterMin: true } } },
    }),
  ]);
  const result: RunRemindersResult = { reminders: 0, escalations: 0, rows: 0 };
  const created: Created[] = [];
  const touched = new Map<string, string | null>();
  for (const inc of remind) {
    const every = inc.monitor?.reminderEveryMin ?? 0;
    if (every <= 0 || (inc.lastReminderAt ?? inc.openedAt).getTime() + every * MINUTE > now.getTime()) continue;
    const rows = await remindOne(deps, inc, now);
    result.reminders += 1;
    created.push(...rows);
    touched.set(inc.id, inc.accountId);
  }
  for (const inc of escalate) {
    const after = inc.monitor?.escalateAfterMin ?? 0;
    if (after < 0 || inc.openedAt.getTime() + after * MINUTE > now.getTime()) continue;
    const rows = await escalateOne(deps, inc, now);
    if (rows.length === 0) log('warn', 'escalation: no admin recipient has a phone number', { incidentId: inc.id });
    result.escalations += 1;
    created.push(...rows);
    touched.set(inc.id, inc.accountId);
  }
  result.rows = created.length;
  for (const [incidentId, accountId] of touched) deps.events.incident({ incidentId, accountId, change: 'UPDATED' });
  for (const r of created)
    deps.events.notification({
      notificationId: r.id,
      incidentId: r.incidentId,
      accountId: r.accountId,
      status: r.status,
    });
  if (created.some((r) => r.status === 'QUEUED')) deps.signals.notificationsQueued.emit();
  return result;
}

export type ReminderScheduler = PeriodicPass;

/** Runs `runReminders` every `intervalMs` (default 30 s); a pass never overlaps the previous one. */
export function createReminderScheduler(
  deps: Deps,
  opts: { intervalMs?: number; log?: Logger } = {},
): ReminderScheduler {
  return periodicPass(() => runReminders(deps, deps.now(), opts.log ?? (() => {})), {
    intervalMs: opts.intervalMs ?? 30_000,
    log: opts.log ?? (() => {}),
    failure: 'reminders: pass failed',
  });
}
