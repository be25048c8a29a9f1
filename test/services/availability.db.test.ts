// Availability read from the database for hand-built incident histories: a Seoul month boundary
// in a leap year, a port that left its incident early (failure runs), the prober's outage
// (PROBE_DEGRADED) and a maintenance window excluded, an open incident counted up to now, and
// the daily bars of the last days in Seoul and in UTC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availabilityFor, availabilityOver, dailyBars } from '../../server/services/availability/index.ts';
import { monthSpan } from '../../server/services/availability/zone.ts';
import type { ServiceDeps } from '../../server/services/types.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor, serviceDeps } from '../helpers/fixtures.ts';

const D = (iso: string) => new Date(iso);
const NOW = D('2024-03-02T03:00:00Z'); // 12:00 on 2 March in Seoul

describe(`availability from incidents (${backend})`, () => {
  let t: TestDatabase;
  let deps: ServiceDeps;
  let m1: string;
  let m2: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    const p = t.db.prisma;
    deps = serviceDeps(p, { now: () => NOW, secret: 'x'.repeat(32), publicUrl: 'http://localhost' });
    const a = await makeCustomer(p, 'alice');
    const mon1 = await makeMonitor(p, { accountId: a.id, ip: '8.8.8.8', ports: [22, 80] });
    const mon2 = await makeMonitor(p, { accountId: a.id, ip: '8.8.4.4', ports: [443] });
    m1 = mon1.id;
    m2 = mon2.id;
    await p.monitor.updateMany({ where: { id: { in: [m1, m2] } }, data: { createdAt: D('2024-01-01T00:00:00Z') } });
    const incident = (
      monitorId: string,
      ports: number[],
      openedAt: string,
      resolvedAt: string | null,
      reason: string,
    ) =>
      p.incident.create({
        data: {
          monitorId,
          accountId: a.id,
          host: '8.8.8.8',
          ports,
          reason,
          openedAt: D(openedAt),
          resolvedAt: resolvedAt ? D(resolvedAt) : null,
          openMonitorId: resolvedAt ? null : monitorId,
        },
      });
    // 23:30 on 29 Feb → 00:30 on 1 March in Seoul (14:30–15:30 UTC, all of it in February in UTC)
    const i1 = await incident(m1, [80], '2024-02-29T14:30:00Z', '2024-02-29T15:30:00Z', 'ETIMEDOUT');
    // port 22 joined at 14:40 and left (recovered) at its last failed check 14:50
    const run = (port: number, firstAt: string, lastAt: string, incidentId: string) =>
      p.failureRun.create({
        data: {
          monitorId: m1,
          port,
          firstAt: D(firstAt),
          lastAt: D(lastAt),
          count: 3,
          slots: [3],
          code: 'ETIMEDOUT',
          message: 'timed out',
          incidentId,
        },
      });
    await run(80, '2024-02-29T14:30:00Z', '2024-02-29T15:29:00Z', i1.id);
    await run(22, '2024-02-29T14:40:00Z', '2024-02-29T14:45:00Z', i1.id);
    await run(22, '2024-02-29T14:46:00Z', '2024-02-29T14:50:00Z', i1.id);
    // the prober's own outage 15:00–15:10 UTC (no customer): excluded for every monitor
    await p.incident.create({
      data: {
        kind: 'PROBE_DEGRADED',
        ports: [],
        reason: 'canaries failed',
        openedAt: D('2024-02-29T15:00:00Z'),
        resolvedAt: D('2024-02-29T15:10:00Z'),
      },
    });
    // monitor 2: maintenance 1 March 01:00–02:00 UTC, an incident 01:30–02:30 inside and after it
    await p.maintenanceWindow.create({
      data: { monitorId: m2, kind: 'ONE_OFF', startsAt: D('2024-03-01T01:00:00Z'), endsAt: D('2024-03-01T02:00:00Z') },
    });
    await incident(m2, [443], '2024-03-01T01:30:00Z', '2024-03-01T02:30:00Z', 'ECONNREFUSED');
    // and an incident still open since 02:00 UTC on 2 March (an hour before NOW)
    await incident(m2, [443], '2024-03-02T02:00:00Z', null, 'EHOSTUNREACH');
  });

  afterAll(async () => {
    await t?.drop();
  });

  const month = (m: string, tz: string) => {
    const s = monthSpan(m, tz);
    return { from: new Date(s.from), to: new Date(s.to) };
  };

  it('splits an incident across the Seoul month boundary and keeps it whole in UTC', async () => {
    const [febSeoul, marSeoul, febUtc] = await availabilityOver(
      deps,
      [m1],
      [month('2024-02', 'Asia/Seoul'), month('2024-03', 'Asia/Seoul'), month('2024-02', 'UTC')],
    );
    const held = 10 * 60; // 15:00–15:10 UTC is 00:00–00:10 on 1 March in Seoul
    expect(febSeoul).toEqual([
      expect.objectContaining({
        monitorId: m1,
        port: null,
        downSeconds: 30 * 60,
        excludedSeconds: 0,
        observedSeconds: 29 * 86_400,
      }),
    ]);
    expect(febSeoul![0]!.ratio).toBeCloseTo(1 - 1800 / (29 * 86_400), 12);
    // March so far in Seoul: 1 March 00:00 KST → NOW (2 March 12:00 KST) = 36 h, less the held 10 min
    expect(marSeoul![0]).toMatchObject({
      downSeconds: 30 * 60 - held,
      excludedSeconds: held,
      heldSeconds: held,
      observedSeconds: 36 * 3600 - held,
    });
    // in UTC all of it is in February (a leap February: 29 days of which 10 min held)
    expect(febUtc![0]).toMatchObject({
      downSeconds: 60 * 60 - held,
      excludedSeconds: held,
      observedSeconds: 29 * 86_400 - held,
    });
  });

  it('gives each port its part of the incident (a port that left early ends at its last failed check)', async () => {
    const rows = await availabilityFor(deps, [m1], month('2024-02', 'UTC'), { perPort: true });
    const by = new Map(rows.map((r) => [r.port, r.downSeconds]));
    expect(by.get(null)).toBe(50 * 60);
    expect(by.get(80)).toBe(50 * 60); // 14:30–15:30 less the held 15:00–15:10
    expect(by.get(22)).toBe(10 * 60); // 14:40–14:50
  });

  it('excludes maintenance and counts an open incident up to now', async () => {
    const [mar] = await availabilityOver(deps, [m2], [month('2024-03', 'UTC')]);
    // 01:30–02:00 is maintenance: down 02:00–02:30 and the open one 02:00–03:00 on 2 March
    expect(mar![0]).toMatchObject({ downSeconds: 30 * 60 + 60 * 60, maintenanceSeconds: 3600, excludedSeconds: 3600 });
    expect(mar![0]!.observedSeconds).toBe(27 * 3600 - 3600);
  });

  it('draws daily bars in the zone with the incidents of each day', async () => {
    const seoul = await dailyBars(deps, [m1, m2], 3, 'Asia/Seoul', NOW);
    const bars1 = seoul.get(m1)!;
    expect(bars1.map((b) => b.day)).toEqual(['2024-02-29', '2024-03-01', '2024-03-02']);
    expect(bars1.map((b) => b.downSeconds)).toEqual([30 * 60, 20 * 60, 0]);
    expect(bars1[0]!.incidents.map((i) => i.cause)).toEqual(['ETIMEDOUT']);
    expect(bars1[1]!.incidents.map((i) => i.cause)).toEqual(['ETIMEDOUT']); // it spans midnight
    expect(bars1[2]!.ratio).toBe(1);
    expect(bars1[2]!.incidents).toEqual([]);
    const bars2 = seoul.get(m2)!;
    expect(bars2.map((b) => b.incidents.length)).toEqual([0, 1, 1]);
    expect(bars2[2]!.downSeconds).toBe(3600);
    // today's bar covers 12 hours so far (00:00–12:00 KST)
    expect(bars2[2]!.ratio).toBeCloseTo(1 - 3600 / (12 * 3600), 12);

    const utc = await dailyBars(deps, [m1], 2, 'UTC', NOW);
    expect(utc.get(m1)!.map((b) => [b.day, b.downSeconds])).toEqual([
      ['2024-03-01', 0],
      ['2024-03-02', 0],
    ]);
  });

  it('answers nothing for unknown monitors', async () => {
    expect(await availabilityFor(deps, ['nope'], month('2024-02', 'UTC'))).toEqual([]);
    expect(await availabilityFor(deps, [], month('2024-02', 'UTC'))).toEqual([]);
  });
});
