// Reminders, escalation and acknowledgement (service level), with a controlled clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeIncident } from '../../server/services/notifications/acknowledge.ts';
import { runReminders } from '../../server/dispatch/reminders.ts';
import { ConflictError, NotFoundError } from '../../server/services/errors.ts';
import type { IncidentEvent } from '../../server/events/events.ts';
import type { Viewer } from '../../server/services/types.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeDeps, makeIncident, queueRows } from './helpers.ts';

const MIN = 60_000;
const T0 = new Date('2025-11-24T09:00:00Z');
const at = (min: number) => new Date(T0.getTime() + min * MIN);

function viewerOf(account: { id: string; loginId: string }, role: 'ADMIN' | 'CUSTOMER' = 'CUSTOMER'): Viewer {
  return {
    accountId: account.id,
    loginId: account.loginId,
    role,
    kind: role === 'CUSTOMER' ? 'HOSTING' : null,
    language: 'en',
    via: 'session',
  };
}

describe(`reminders, escalation, acknowledgement (${backend})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  async function downIncident(o: { reminderEveryMin?: number | null; escalateAfterMin?: number | null } = {}) {
    const prisma = t.db.prisma;
    const s = await makeIncident(prisma, { openedAt: T0, ...o });
    await queueRows(prisma, s.incident, [
      { channel: 'EMAIL', recipient: 'ops@example.com', status: 'YES' },
      {
        channel: 'SMS',
        recipient: '+821012345678',
        status: 'NO',
        statusDetail: 'not sent: SMS is switched off for this monitor',
      },
    ]);
    return s;
  }
  const reminderRows = (incidentId: string) =>
    t.db.prisma.notification.findMany({
      where: { incidentId, kind: 'REMINDER' },
      orderBy: [{ seq: 'asc' }, { channel: 'asc' }],
    });

  it('reminds every N minutes to the DOWN recipients; one per period, never twice, none after a gap burst', async () => {
    const prisma = t.db.prisma;
    const { incident } = await downIncident({ reminderEveryMin: 10 });
    const deps = makeDeps(prisma);

    expect(await runReminders(deps, at(9))).toMatchObject({ reminders: 0, rows: 0 });
    expect(await runReminders(deps, at(10))).toMatchObject({ reminders: 1, rows: 2 });
    expect(deps.queuedCalls).toBe(1);
    const first = await reminderRows(incident.id);
    expect(first.map((r) => [r.seq, r.channel, r.status, r.statusDetail])).toEqual([
      [1, 'EMAIL', 'QUEUED', null],
      [1, 'SMS', 'NO', 'not sent: SMS is switched off for this monitor'],
    ]);
    expect(deps.published.map((e) => e.status).sort()).toEqual(['NO', 'QUEUED']);
    expect(await runReminders(deps, at(10))).toMatchObject({ reminders: 0 });

    // two passes at once (two processes): one reminder
    const both = await Promise.all([runReminders(deps, at(20)), runReminders(makeDeps(prisma), at(20))]);
    expect(both.reduce((n, r) => n + r.rows, 0)).toBe(2);
    // the process was down from minute 20 to 55: one reminder, not three
    expect(await runReminders(deps, at(55))).toMatchObject({ reminders: 1 });
    const all = await reminderRows(incident.id);
    expect(all.map((r) => r.seq)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(await prisma.incident.findUniqueOrThrow({ where: { id: incident.id } })).toMatchObject({
      reminderCount: 3,
      lastReminderAt: at(55),
    });
  });

  it('a reminder row already written by another process is not duplicated', async () => {
    const prisma = t.db.prisma;
    const { incident } = await downIncident({ reminderEveryMin: 5 });
    await queueRows(prisma, incident, [{ channel: 'EMAIL', recipient: 'ops@example.com', kind: 'REMINDER', seq: 1 }]);
    expect(await runReminders(makeDeps(prisma), at(5))).toMatchObject({ reminders: 1, rows: 1 });
    expect(await reminderRows(incident.id)).toHaveLength(2);
  });

  it('no reminders once acknowledged or resolved, or for a paused monitor, or when off', async () => {
    const prisma = t.db.prisma;
    const acked = await downIncident({ reminderEveryMin: 10 });
    const resolved = await downIncident({ reminderEveryMin: 10 });
    const paused = await downIncident({ reminderEveryMin: 10 });
    const off = await downIncident({ reminderEveryMin: null });
    await prisma.incident.update({
      where: { id: acked.incident.id },
      data: { acknowledgedAt: at(1), acknowledgedBy: 'x' },
    });
    await prisma.incident.update({
      where: { id: resolved.incident.id },
      data: { resolvedAt: at(2), openMonitorId: null },
    });
    await prisma.monitor.update({ where: { id: paused.monitor.id }, data: { pausedAt: at(3) } });
    await runReminders(makeDeps(prisma), at(30));
    for (const s of [acked, resolved, paused, off]) expect(await reminderRows(s.incident.id)).toHaveLength(0);
  });

  it('escalates once, after M minutes unacknowledged, by SMS to the admin recipients with a phone', async () => {
    const prisma = t.db.prisma;
    await prisma.adminRecipient.createMany({
      data: [
        { name: 'On call', phone: '+821099998888', language: 'ko' },
        { name: 'Muted', phone: '+821077776666', smsEnabled: false, language: 'en' },
        { name: 'Mail only', email: 'boss@example.com' },
      ],
    });
    const { incident } = await downIncident({ escalateAfterMin: 15 });
    const ackedFirst = await downIncident({ escalateAfterMin: 15 });
    await prisma.incident.update({
      where: { id: ackedFirst.incident.id },
      data: { acknowledgedAt: at(5), acknowledgedBy: 'x' },
    });
    const deps = makeDeps(prisma);
    expect(await runReminders(deps, at(14))).toMatchObject({ escalations: 0 });
    expect(await runReminders(deps, at(15))).toMatchObject({ escalations: 1, rows: 2 });
    expect(await runReminders(deps, at(40))).toMatchObject({ escalations: 0 });
    const rows = await prisma.notification.findMany({
      where: { incidentId: incident.id, kind: 'ESCALATION' },
      orderBy: { recipient: 'desc' },
    });
    expect(rows.map((r) => [r.channel, r.recipient, r.recipientRole, r.language, r.status, r.accountId])).toEqual([
      ['SMS', '+821099998888', 'ADMIN', 'ko', 'QUEUED', null],
      ['SMS', '+821077776666', 'ADMIN', 'en', 'NO', null],
    ]);
    expect((await prisma.incident.findUniqueOrThrow({ where: { id: incident.id } })).escalatedAt).toEqual(at(15));
    expect(await prisma.notification.count({ where: { incidentId: ackedFirst.incident.id, kind: 'ESCALATION' } })).toBe(
      0,
    );
    await prisma.adminRecipient.deleteMany({});
  });

  it("acknowledgeIncident: own incident yes, another customer's is NOT_FOUND, admins any, idempotent, resolved is a conflict", async () => {
    const prisma = t.db.prisma;
    const mine = await downIncident();
    const theirs = await downIncident();
    const deps = makeDeps(prisma, { now: () => at(7) });
    const incidents: IncidentEvent[] = [];
    deps.events = { ...deps.events, incident: (e) => incidents.push(e) };
    const me = viewerOf(mine.account);

    await expect(acknowledgeIncident(deps, me, { incidentId: theirs.incident.id })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(acknowledgeIncident(deps, me, { incidentId: 'no-such-incident' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect((await prisma.incident.findUniqueOrThrow({ where: { id: theirs.incident.id } })).acknowledgedAt).toBeNull();

    expect(await acknowledgeIncident(deps, me, { incidentId: mine.incident.id })).toEqual({
      id: mine.incident.id,
      outcome: 'ACKNOWLEDGED',
    });
    expect(await prisma.incident.findUniqueOrThrow({ where: { id: mine.incident.id } })).toMatchObject({
      acknowledgedAt: at(7),
      acknowledgedBy: mine.account.loginId,
    });
    expect(incidents).toEqual([{ incidentId: mine.incident.id, accountId: mine.account.id, change: 'ACKNOWLEDGED' }]);
    const later = makeDeps(prisma, { now: () => at(9) });
    expect(await acknowledgeIncident(later, me, { incidentId: mine.incident.id })).toMatchObject({
      outcome: 'ALREADY_ACKNOWLEDGED',
    });
    expect((await prisma.incident.findUniqueOrThrow({ where: { id: mine.incident.id } })).acknowledgedAt).toEqual(
      at(7),
    );

    const admin = viewerOf({ id: 'admin-id', loginId: 'root' }, 'ADMIN');
    expect(await acknowledgeIncident(deps, admin, { incidentId: theirs.incident.id })).toMatchObject({
      outcome: 'ACKNOWLEDGED',
    });

    const gone = await downIncident();
    await prisma.incident.update({ where: { id: gone.incident.id }, data: { resolvedAt: at(3), openMonitorId: null } });
    await expect(
      acknowledgeIncident(deps, viewerOf(gone.account), { incidentId: gone.incident.id }),
    ).rejects.toBeInstanceOf(ConflictError);
  });
});
