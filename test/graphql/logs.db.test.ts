// Log buckets, the failure detail list and yearly statistics, checked against figures worked
// out by hand from the rows seeded below (account time zone Asia/Seoul, UTC+9).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { insertFailures } from '../helpers/failure-runs.ts';
import { RollupBuffer } from '../../server/monitoring/rollups.ts';
import { writeRollups } from '../../server/monitoring/store.ts';
import { at, customer, errorPaths, gid, list, ok, signIn, type Auth } from './api-helpers.ts';
import { insertHourlyRollups } from '../helpers/rollups.ts';

const T = (iso: string) => new Date(iso);

describe(`logs and statistics (${backend})`, () => {
  let app: TestApp;
  let alice: Auth;
  let bob: Auth;
  let monitorGid: string;
  let bobMonitorGid: string;

  beforeAll(async () => {
    app = await startTestApp();
    const p = app.db.prisma;
    const a = await customer(p, 'alice', { ips: ['8.8.4.4'] });
    const b = await customer(p, 'bob', { ips: ['9.9.9.9'] });
    const mk = (accountId: string, serverId: string, host: string) =>
      p.monitor.create({
        data: {
          accountId,
          serverId,
          activeServerId: serverId,
          host,
          ports: [22, 80],
          contactName: 'Kim',
          contactEmail: 'kim@example.com',
          contactPhone: '+821012345678',
        },
      });
    const m = await mk(a.account.id, a.servers[0]!.id, '8.8.4.4');
    const bm = await mk(b.account.id, b.servers[0]!.id, '9.9.9.9');
    monitorGid = gid('Monitor', m.id);
    bobMonitorGid = gid('Monitor', bm.id);

    const i1 = await p.incident.create({
      data: {
        monitorId: m.id,
        accountId: a.account.id,
        host: m.host,
        ports: [80],
        reason: 'ETIMEDOUT',
        openedAt: T('2025-12-31T15:20:00Z'),
        resolvedAt: T('2025-12-31T15:50:00Z'),
      },
    });
    const i2 = await p.incident.create({
      data: {
        monitorId: m.id,
        accountId: a.account.id,
        host: m.host,
        ports: [80],
        reason: 'ECONNREFUSED',
        openedAt: T('2026-03-10T01:00:00Z'),
        resolvedAt: T('2026-03-10T01:30:00Z'),
      },
    });
    const fail = (port: number, iso: string, code: string, incidentId: string | null, monitorId = m.id) => ({
      monitorId,
      port,
      at: T(iso),
      code,
      message: `connect ${code} ${m.host}:${port}`,
      incidentId,
    });
    // stored as the runtime stores them: runs (22's two checks are one run across the new year in Seoul)
    await insertFailures(p, [
      fail(22, '2025-12-31T14:30:00Z', 'ECONNREFUSED', null),
      fail(22, '2025-12-31T15:10:00Z', 'ECONNREFUSED', null),
      fail(80, '2025-12-31T15:20:00Z', 'ETIMEDOUT', i1.id),
      fail(80, '2026-03-10T01:00:00Z', 'ECONNREFUSED', i2.id),
      fail(80, '2026-03-10T01:05:00Z', 'ECONNREFUSED', i2.id),
      fail(22, '2026-03-10T01:05:00Z', 'EHOSTUNREACH', null, bm.id),
    ]);
    const note = (
      incidentId: string,
      kind: 'DOWN' | 'RECOVERED',
      channel: 'EMAIL' | 'SMS',
      status: 'YES' | 'NO' | 'FAILED' | 'READ' | 'DELIVERED',
      sentAt: string | null,
      extra: Record<string, unknown> = {},
    ) => ({
      incidentId,
      accountId: a.account.id,
      kind,
      channel,
      recipient: channel === 'EMAIL' ? 'kim@example.com' : '+821012345678',
      recipientRole: 'CONTACT' as const,
      status,
      sentAt: sentAt ? T(sentAt) : null,
      createdAt: T(sentAt ?? '2026-03-10T01:00:30Z'),
      ...extra,
    });
    await p.notification.createMany({
      data: [
        note(i1.id, 'DOWN', 'EMAIL', 'READ', '2025-12-31T15:21:00Z', { readAt: T('2025-12-31T15:40:00Z') }),
        note(i1.id, 'DOWN', 'SMS', 'DELIVERED', '2025-12-31T15:21:00Z', { deliveredAt: T('2025-12-31T15:21:05Z') }),
        note(i1.id, 'RECOVERED', 'EMAIL', 'YES', '2025-12-31T15:51:00Z'),
        note(i1.id, 'DOWN', 'EMAIL', 'YES', '2025-12-31T15:21:00Z', {
          recipient: 'noc@provider.example',
          recipientRole: 'ADMIN',
        }),
        note(i2.id, 'DOWN', 'EMAIL', 'FAILED', null, {
          statusDetail: '550 5.1.1 mailbox unavailable',
          failedAt: T('2026-03-10T01:00:40Z'),
        }),
        note(i2.id, 'DOWN', 'SMS', 'NO', null, { statusDetail: 'SMS switched off for this contact' }),
        note(i2.id, 'RECOVERED', 'SMS', 'YES', '2026-03-10T01:31:00Z'),
      ],
    });
    const roll = (
      port: number,
      hour: string,
      checks: number,
      failures: number,
      downSeconds: number,
      monitorId = m.id,
    ) => ({ monitorId, port, hour: T(hour), checks, failures, downSeconds });
    await insertHourlyRollups(p, [
      roll(22, '2025-12-31T14:00:00Z', 20, 1, 0),
      roll(80, '2025-12-31T14:00:00Z', 20, 0, 0),
      roll(22, '2025-12-31T15:00:00Z', 20, 1, 0),
      roll(80, '2025-12-31T15:00:00Z', 25, 5, 1800),
      roll(80, '2026-03-10T01:00:00Z', 30, 2, 1800),
      roll(22, '2026-03-10T01:00:00Z', 20, 0, 600),
      roll(22, '2026-03-10T01:00:00Z', 99, 99, 3600, bm.id),
    ]);
    alice = await signIn(app, 'alice');
    bob = await signIn(app, 'bob');
  });
  afterAll(() => app?.close());

  const LOG = `query($m: ID!, $g: LogGranularity!, $from: DateTime!, $to: DateTime!, $tz: String) {
    monitorLog(monitor: $m, granularity: $g, from: $from, to: $to, timeZone: $tz) { __typename
      ... on QueryMonitorLogSuccess { data { timeZone buckets { label start failures incidents mailsSent smsSent } totals { failures incidents mailsSent smsSent } } }
      ... on Error { code } ... on ValidationError { fields { path message } } } }`;
  const range = { from: '2024-12-31T15:00:00Z', to: '2026-12-31T15:00:00Z' };

  it("buckets by year in the account's time zone", async () => {
    const r = await ok(app, alice, LOG, { m: monitorGid, g: 'YEAR', ...range });
    expect(at(r, 'monitorLog.data')).toEqual({
      timeZone: 'Asia/Seoul',
      buckets: [
        { label: '2025', start: '2024-12-31T15:00:00.000Z', failures: 1, incidents: 0, mailsSent: 0, smsSent: 0 },
        { label: '2026', start: '2025-12-31T15:00:00.000Z', failures: 4, incidents: 2, mailsSent: 2, smsSent: 2 },
      ],
      totals: { failures: 5, incidents: 2, mailsSent: 2, smsSent: 2 },
    });
  });

  it('buckets by month, by hour, and in another time zone', async () => {
    const months = await ok(app, alice, LOG, { m: monitorGid, g: 'MONTH', ...range });
    expect(
      list(months, 'monitorLog.data.buckets').map((b) => [b.label, b.failures, b.incidents, b.mailsSent, b.smsSent]),
    ).toEqual([
      ['2025-12', 1, 0, 0, 0],
      ['2026-01', 2, 1, 2, 1],
      ['2026-03', 2, 1, 0, 1],
    ]);
    const hours = await ok(app, alice, LOG, {
      m: monitorGid,
      g: 'HOUR',
      from: '2025-12-31T14:00:00Z',
      to: '2025-12-31T16:00:00Z',
    });
    expect(list(hours, 'monitorLog.data.buckets')).toEqual([
      {
        label: '2025-12-31 23:00',
        start: '2025-12-31T14:00:00.000Z',
        failures: 1,
        incidents: 0,
        mailsSent: 0,
        smsSent: 0,
      },
      {
        label: '2026-01-01 00:00',
        start: '2025-12-31T15:00:00.000Z',
        failures: 2,
        incidents: 1,
        mailsSent: 2,
        smsSent: 1,
      },
    ]);
    const utc = await ok(app, alice, LOG, { m: monitorGid, g: 'YEAR', ...range, tz: 'UTC' });
    expect(
      list(utc, 'monitorLog.data.buckets').map((b) => [b.label, b.failures, b.incidents, b.mailsSent, b.smsSent]),
    ).toEqual([
      ['2025', 3, 1, 2, 1],
      ['2026', 2, 1, 0, 1],
    ]);
  });

  it("refuses bad ranges and zones; another customer's monitor is not found", async () => {
    const bad = await ok(app, alice, LOG, {
      m: monitorGid,
      g: 'HOUR',
      from: '2026-01-01T00:00:00Z',
      to: '2026-12-01T00:00:00Z',
      tz: 'Nowhere/City',
    });
    expect(errorPaths(at(bad, 'monitorLog'))).toEqual(['timeZone', 'to']);
    const reversed = await ok(app, alice, LOG, { m: monitorGid, g: 'DAY', from: range.to, to: range.from });
    expect(errorPaths(at(reversed, 'monitorLog'))).toEqual(['to']);
    expect(at(await ok(app, bob, LOG, { m: monitorGid, g: 'YEAR', ...range }), 'monitorLog')).toEqual({
      __typename: 'NotFoundError',
      code: 'NOT_FOUND',
    });
  });

  it('drills down to failure runs with the OS error and the MAIL / SMS columns', async () => {
    const q = `query($m: ID!, $from: DateTime) { failureLog(monitor: $m, from: $from) { totalCount nodes {
      at firstAt lastAt count port code message incident { reason } mail { status detail recipient } sms { status detail } } } }`;
    const r = await ok(app, alice, q, { m: monitorGid });
    // five failed checks, three runs: a run grows while port, reason and incident stay the same
    expect(at(r, 'failureLog.totalCount')).toBe(3);
    const rows = list(r, 'failureLog.nodes');
    expect(rows.reduce((n, row) => n + (row.count as number), 0)).toBe(5);
    expect(rows[0]).toEqual({
      at: '2026-03-10T01:00:00.000Z',
      firstAt: '2026-03-10T01:00:00.000Z',
      lastAt: '2026-03-10T01:05:00.000Z',
      count: 2,
      port: 80,
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED 8.8.4.4:80',
      incident: { reason: 'ECONNREFUSED' },
      mail: { status: 'FAILED', detail: '550 5.1.1 mailbox unavailable', recipient: 'kim@example.com' },
      sms: { status: 'NO', detail: 'SMS switched off for this contact' },
    });
    expect(rows[1]).toMatchObject({
      firstAt: '2025-12-31T15:20:00.000Z',
      count: 1,
      code: 'ETIMEDOUT',
      mail: { status: 'READ' },
      sms: { status: 'DELIVERED' },
    });
    expect(rows[2]).toMatchObject({
      firstAt: '2025-12-31T14:30:00.000Z',
      lastAt: '2025-12-31T15:10:00.000Z',
      count: 2,
      incident: null,
      mail: null,
      sms: null,
    });
    // from/to select the runs that overlap the range
    const since = await ok(app, alice, q, { m: monitorGid, from: '2026-01-01T00:00:00Z' });
    expect(at(since, 'failureLog.totalCount')).toBe(1);
    const acrossNewYear = await ok(app, alice, q, { m: monitorGid, from: '2025-12-31T15:00:00Z' });
    expect(list(acrossNewYear, 'failureLog.nodes').map((n) => n.firstAt)).toEqual([
      '2026-03-10T01:00:00.000Z',
      '2025-12-31T15:20:00.000Z',
      '2025-12-31T14:30:00.000Z',
    ]);
    const foreign = await ok(app, bob, q, { m: monitorGid });
    expect(at(foreign, 'failureLog')).toEqual({ totalCount: 0, nodes: [] });
  });

  it('computes yearly statistics from rollups and the ledger', async () => {
    const q = `query($year: Int) { monitors { nodes { host yearlyStatistics(year: $year) {
      year host contactName contactPhone checks failures downtimeSeconds monitoredHours availability incidents mailsSent smsSent } } } }`;
    const all = await ok(app, alice, q, {});
    expect(list(all, 'monitors.nodes')).toEqual([
      {
        host: '8.8.4.4',
        yearlyStatistics: [
          {
            year: 2025,
            host: '8.8.4.4',
            contactName: 'Kim',
            contactPhone: '+821012345678',
            checks: 40,
            failures: 1,
            downtimeSeconds: 0,
            monitoredHours: 1,
            availability: 39 / 40,
            incidents: 0,
            mailsSent: 0,
            smsSent: 0,
          },
          {
            year: 2026,
            host: '8.8.4.4',
            contactName: 'Kim',
            contactPhone: '+821012345678',
            checks: 95,
            failures: 8,
            downtimeSeconds: 3600,
            monitoredHours: 2,
            availability: 87 / 95,
            incidents: 2,
            mailsSent: 2,
            smsSent: 2,
          },
        ],
      },
    ]);
    const y2026 = await ok(app, alice, q, { year: 2026 });
    expect(list(y2026, 'monitors.nodes.0.yearlyStatistics').map((s) => s.year)).toEqual([2026]);
    const none = await ok(app, alice, q, { year: 2019 });
    expect(list(none, 'monitors.nodes.0.yearlyStatistics')).toEqual([]);
    // bob's statistics never include alice's figures
    const bobs = await ok(app, bob, q, {});
    expect(list(bobs, 'monitors.nodes.0.yearlyStatistics')).toEqual([
      expect.objectContaining({ year: 2026, checks: 99, incidents: 0, mailsSent: 0 }),
    ]);
    expect(bobMonitorGid).toBeTruthy();
  });

  it("includes the hour still in the probe's memory, once (being written, then written)", async () => {
    const q = `query($year: Int) { monitors { nodes { yearlyStatistics(year: $year) { checks failures downtimeSeconds monitoredHours availability } } } }`;
    const before = at(await ok(app, alice, q, { year: 2026 }), 'monitors.nodes.0.yearlyStatistics.0') as Record<
      string,
      number
    >;
    const m = await app.db.prisma.monitor.findFirstOrThrow({ where: { host: '8.8.4.4' } });
    const buf = new RollupBuffer();
    // an outage right now: 3 failed checks of port 80 in a new hour, 120 s of it DOWN, and one answered check
    const hour = Date.parse('2026-03-10T02:00:00Z');
    buf.add(m.id, 80, hour + 1_000, false, 0, 0);
    buf.add(m.id, 80, hour + 31_000, false, 0, 0);
    buf.add(m.id, 80, hour + 61_000, false, 0, 60_000);
    buf.add(m.id, 22, hour + 2_000, true, 4, 0);
    app.services.probe = { status: () => null, pendingRollups: (ids) => buf.pending(new Set(ids)) };
    try {
      const expected = {
        checks: before.checks! + 4,
        failures: before.failures! + 3,
        downtimeSeconds: before.downtimeSeconds! + 60,
        monitoredHours: before.monitoredHours! + 1,
      };
      const live = at(await ok(app, alice, q, { year: 2026 }), 'monitors.nodes.0.yearlyStatistics.0') as Record<
        string,
        number
      >;
      expect(live).toMatchObject(expected);
      // availability agrees with the checks beside it
      expect(live.availability).toBeCloseTo((expected.checks - expected.failures) / expected.checks, 12);
      // being flushed: still counted once; written: from the database only
      const rows = buf.drain();
      expect(at(await ok(app, alice, q, { year: 2026 }), 'monitors.nodes.0.yearlyStatistics.0')).toMatchObject(
        expected,
      );
      await writeRollups(app.db.prisma, rows);
      buf.landed(rows);
      expect(buf.pending(new Set([m.id]))).toEqual([]);
      expect(at(await ok(app, alice, q, { year: 2026 }), 'monitors.nodes.0.yearlyStatistics.0')).toMatchObject(
        expected,
      );
    } finally {
      app.services.probe = null;
    }
  });
  it('an incident opened by a flapping port shows its FLAPPING message in the MAIL / SMS columns', async () => {
    const p = app.db.prisma;
    const m = await p.monitor.findFirstOrThrow({ where: { host: '8.8.4.4' } });
    const inc = await p.incident.create({
      data: {
        monitorId: m.id,
        accountId: m.accountId,
        host: m.host,
        ports: [22],
        reason: 'ECONNREFUSED',
        openedAt: T('2027-02-01T00:00:00Z'),
        flapping: true,
      },
    });
    await insertFailures(p, [
      {
        monitorId: m.id,
        port: 22,
        at: T('2027-02-01T00:00:00Z'),
        code: 'ECONNREFUSED',
        message: 'connect ECONNREFUSED',
        incidentId: inc.id,
      },
    ]);
    await p.notification.createMany({
      data: [
        {
          incidentId: inc.id,
          accountId: m.accountId,
          kind: 'FLAPPING',
          channel: 'EMAIL',
          recipient: 'kim@example.com',
          recipientRole: 'CONTACT',
          status: 'YES',
          sentAt: T('2027-02-01T00:00:05Z'),
        },
        {
          incidentId: inc.id,
          accountId: m.accountId,
          kind: 'FLAPPING',
          channel: 'SMS',
          recipient: '+821012345678',
          recipientRole: 'CONTACT',
          status: 'NOT_SENT',
          statusDetail: 'not sent: no SMS provider configured',
        },
      ],
    });
    const q = `query($m: ID!, $from: DateTime) { failureLog(monitor: $m, from: $from) { nodes { mail { status } sms { status detail } } } }`;
    const rows = list(await ok(app, alice, q, { m: monitorGid, from: '2027-01-01T00:00:00Z' }), 'failureLog.nodes');
    expect(rows).toEqual([
      { mail: { status: 'YES' }, sms: { status: 'NOT_SENT', detail: 'not sent: no SMS provider configured' } },
    ]);
  });
});
