// The availability arithmetic on hand-built histories (no database): spans, calendar days in a
// zone (a leap year, Seoul and UTC month boundaries, daylight saving), weekly maintenance, and
// down / excluded / observed time of a host and its ports with overlapping incidents.
import { describe, expect, it } from 'vitest';
import {
  computeAvailability,
  type MonitorHistory,
  portsAvailability,
} from '../../server/services/availability/compute.ts';
import { maintenanceSpans } from '../../server/services/availability/maintenance.ts';
import { subtract, total, union } from '../../server/services/availability/spans.ts';
import { addDays, dayOf, monthSpan, startOfDay } from '../../server/services/availability/zone.ts';

const T = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

describe('spans', () => {
  it('unites overlapping and touching spans and subtracts cuts', () => {
    const u = union([
      { from: 5, to: 8 },
      { from: 0, to: 3 },
      { from: 3, to: 4 },
      { from: 7, to: 10 },
      { from: 12, to: 12 },
    ]);
    expect(u).toEqual([
      { from: 0, to: 4 },
      { from: 5, to: 10 },
    ]);
    const cut = subtract(
      u,
      union([
        { from: 1, to: 2 },
        { from: 3, to: 6 },
        { from: 9, to: 20 },
      ]),
    );
    expect(cut).toEqual([
      { from: 0, to: 1 },
      { from: 2, to: 3 },
      { from: 6, to: 9 },
    ]);
    expect(total(cut)).toBe(1 + 1 + 3);
  });
});

describe('calendar days in a zone', () => {
  it('counts February 2024 (a leap year) as 29 days in UTC and in Seoul, shifted by nine hours', () => {
    const utc = monthSpan('2024-02', 'UTC');
    expect(new Date(utc.from).toISOString()).toBe('2024-02-01T00:00:00.000Z');
    expect((utc.to - utc.from) / DAY).toBe(29);
    const seoul = monthSpan('2024-02', 'Asia/Seoul');
    expect(new Date(seoul.from).toISOString()).toBe('2024-01-31T15:00:00.000Z');
    expect(new Date(seoul.to).toISOString()).toBe('2024-02-29T15:00:00.000Z');
    expect((monthSpan('2023-02', 'UTC').to - monthSpan('2023-02', 'UTC').from) / DAY).toBe(28);
  });

  it('knows the local day of an instant and the 23-hour day of a daylight-saving change', () => {
    expect(dayOf(T('2024-02-29T15:00:00Z'), 'Asia/Seoul')).toBe('2024-03-01');
    expect(dayOf(T('2024-02-29T14:59:59Z'), 'Asia/Seoul')).toBe('2024-02-29');
    expect(dayOf(T('2024-02-29T15:00:00Z'), 'UTC')).toBe('2024-02-29');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    const ny = 'America/New_York';
    expect((startOfDay('2024-03-11', ny) - startOfDay('2024-03-10', ny)) / HOUR).toBe(23);
  });
});

describe('maintenance windows as spans', () => {
  it('expands a weekly Seoul window (Sunday 23:30 for 90 minutes, across midnight) and a one-off window', () => {
    const range = { from: T('2024-03-01T00:00:00Z'), to: T('2024-03-15T00:00:00Z') };
    const spans = maintenanceSpans(
      [
        {
          kind: 'WEEKLY',
          weekday: 0,
          startMinute: 23 * 60 + 30,
          durationMin: 90,
          timeZone: 'Asia/Seoul',
          startsAt: null,
          endsAt: null,
        },
        {
          kind: 'ONE_OFF',
          startsAt: new Date('2024-03-14T23:00:00Z'),
          endsAt: new Date('2024-03-15T02:00:00Z'),
          weekday: null,
          startMinute: null,
          durationMin: null,
          timeZone: 'UTC',
        },
      ],
      range,
    );
    // Sundays in Seoul: 3 and 10 March 2024; 23:30 KST = 14:30 UTC
    expect(spans.map((s) => [new Date(s.from).toISOString(), (s.to - s.from) / MIN])).toEqual([
      ['2024-03-03T14:30:00.000Z', 90],
      ['2024-03-10T14:30:00.000Z', 90],
      ['2024-03-14T23:00:00.000Z', 60], // clipped to the range
    ]);
  });

  it('follows the wall clock across a daylight-saving change', () => {
    const range = { from: T('2024-03-01T00:00:00Z'), to: T('2024-03-20T00:00:00Z') };
    const spans = maintenanceSpans(
      [
        {
          kind: 'WEEKLY',
          weekday: 2,
          startMinute: 9 * 60,
          durationMin: 30,
          timeZone: 'America/New_York',
          startsAt: null,
          endsAt: null,
        },
      ],
      range,
    );
    expect(spans.map((s) => new Date(s.from).toISOString())).toEqual([
      '2024-03-05T14:00:00.000Z', // EST
      '2024-03-12T13:00:00.000Z', // EDT after 10 March
      '2024-03-19T13:00:00.000Z',
    ]);
  });
});

describe('availability of a host and its ports', () => {
  // One day (UTC). Incident 10:00–11:00: port 80 down 10:00–10:30 (it recovered and left),
  // port 443 down 10:10–11:00. Held (prober outage) 10:20–10:25; maintenance 10:50–11:20.
  const day = { from: T('2024-02-29T00:00:00Z'), to: T('2024-03-01T00:00:00Z') };
  const history: MonitorHistory = {
    monitorId: 'm1',
    ports: [22, 80, 443],
    life: { from: T('2024-01-01T00:00:00Z'), to: T('2024-03-05T00:00:00Z') },
    incidents: [
      {
        id: 'i1',
        from: T('2024-02-29T10:00:00Z'),
        to: T('2024-02-29T11:00:00Z'),
        openedAt: new Date('2024-02-29T10:00:00Z'),
        resolvedAt: new Date('2024-02-29T11:00:00Z'),
        cause: 'ECONNREFUSED',
        ports: [
          { port: 80, from: T('2024-02-29T10:00:00Z'), to: T('2024-02-29T10:30:00Z') },
          { port: 443, from: T('2024-02-29T10:10:00Z'), to: T('2024-02-29T11:00:00Z') },
        ],
      },
    ],
    maintenance: [{ from: T('2024-02-29T10:50:00Z'), to: T('2024-02-29T11:20:00Z') }],
    held: [{ from: T('2024-02-29T10:20:00Z'), to: T('2024-02-29T10:25:00Z') }],
  };

  it('counts down time from open to resolve less excluded time, per host and per port', () => {
    const rows = computeAvailability(history, day, true);
    const by = new Map(rows.map((r) => [r.port, r]));
    const excluded = (30 + 5) * 60;
    const observed = 86_400 - excluded;
    expect(by.get(null)).toEqual({
      monitorId: 'm1',
      port: null,
      observedSeconds: observed,
      downSeconds: (60 - 5 - 10) * 60,
      excludedSeconds: excluded,
      maintenanceSeconds: 30 * 60,
      heldSeconds: 5 * 60,
      ratio: (observed - 45 * 60) / observed,
    });
    expect(by.get(80)?.downSeconds).toBe((30 - 5) * 60);
    expect(by.get(443)?.downSeconds).toBe((50 - 5 - 10) * 60);
    expect(by.get(22)?.downSeconds).toBe(0);
    expect(by.get(22)?.ratio).toBe(1);
    // the host is down while any port is: never less than its worst port, never more than the sum
    expect(by.get(null)!.downSeconds).toBeGreaterThanOrEqual(by.get(443)!.downSeconds);
  });

  it('gives some ports alone (a status page showing them) the same figures as the whole computation', () => {
    const all = computeAvailability(history, day, true);
    const some = portsAvailability(history, day, [443, 80, 8080]);
    // the monitor's ports among those asked, in the monitor's order; no host row; 8080 is not its port
    expect(some.map((r) => r.port)).toEqual([80, 443]);
    expect(some).toEqual(all.filter((r) => r.port === 80 || r.port === 443));
    expect(portsAvailability(history, day, [])).toEqual([]);
  });

  it('observes nothing outside the monitor’s life (ratio null) and only the watched part of a window', () => {
    const before = computeAvailability(
      history,
      { from: T('2023-12-01T00:00:00Z'), to: T('2023-12-02T00:00:00Z') },
      false,
    );
    expect(before[0]).toMatchObject({ observedSeconds: 0, downSeconds: 0, ratio: null });
    const straddle = computeAvailability(
      history,
      { from: T('2024-03-04T00:00:00Z'), to: T('2024-03-06T00:00:00Z') },
      false,
    );
    expect(straddle[0]?.observedSeconds).toBe(86_400);
  });
});
