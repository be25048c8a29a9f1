// Uptime (issue 17) on a monitor: availability over 24 h / 7 d / 30 d / 90 d / 365 d per host
// and per port, the daily bars of the last days, and the response-time series. Asked on every
// monitor of a list page, the availability is loaded for the whole page at once. A Monitor is
// only reachable through queries that apply tenancy, so these fields need no check of their own.
import type { Availability, DayBar } from '../../services/availability/index.ts';
import { availabilityOver, dailyBars } from '../../services/availability/index.ts';
import {
  type LatencyPoint,
  type LatencyRange,
  type LatencySeries,
  latencySeries,
} from '../../services/availability/latency.ts';
import { ValidationError } from '../../services/errors.ts';
import { isTimeZone } from '../../services/logs.ts';
import { builder } from '../builder.ts';
import { loadBatched, viewerTimeZone } from './node-access.ts';

export const AVAILABILITY_DEFINITION =
  'Time-based: (observed − down) / observed. Down = from an incident’s open to its resolve (per port: the port’s part of it); maintenance windows and the prober’s own outages (alerts held) are excluded from both and shown apart; null when nothing was observed.';

export const AvailabilityRef = builder.objectRef<Availability>('Availability').implement({
  description: AVAILABILITY_DEFINITION,
  fields: (t) => ({
    port: t.exposeInt('port', { nullable: true, description: 'null: the host (down while any port is down).' }),
    ratio: t.exposeFloat('ratio', { nullable: true, description: '0…1; null when nothing was observed.' }),
    observedSeconds: t.exposeInt('observedSeconds', {
      description: "The window inside the monitor's life, less excluded time.",
    }),
    downSeconds: t.exposeInt('downSeconds', { description: 'Incident time (open → resolve), less excluded time.' }),
    excludedSeconds: t.exposeInt('excludedSeconds', {
      description: 'Maintenance ∪ held time: neither observed nor down.',
    }),
    maintenanceSeconds: t.exposeInt('maintenanceSeconds'),
    heldSeconds: t.exposeInt('heldSeconds', {
      description: 'The prober’s own outage (PROBE_DEGRADED) outside maintenance: alerts were held.',
    }),
  }),
});

const UPTIME_RANGES = { H24: 1, D7: 7, D30: 30, D90: 90, D365: 365 } as const;
type UptimeRangeName = keyof typeof UPTIME_RANGES;
const UptimeRangeEnum = builder.enumType('UptimeRange', {
  values: Object.fromEntries(
    Object.entries(UPTIME_RANGES).map(([k, days]) => [k, { description: `The last ${days * 24} hours.` }]),
  ) as Record<UptimeRangeName, { description: string }>,
});

interface UptimeFigures {
  range: UptimeRangeName;
  host: Availability;
  ports: Availability[];
}

const UptimeFiguresRef = builder.objectRef<UptimeFigures>('UptimeFigures').implement({
  fields: (t) => ({
    range: t.field({ type: UptimeRangeEnum, resolve: (u) => u.range }),
    host: t.field({ type: AvailabilityRef, resolve: (u) => u.host }),
    ports: t.field({
      type: [AvailabilityRef],
      description: 'Each configured port (empty unless asked with perPort).',
      resolve: (u) => u.ports,
    }),
  }),
});

const DayBarIncidentRef = builder.objectRef<DayBar['incidents'][number]>('DayBarIncident').implement({
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The incident (its Node id is Incident:…).' }),
    openedAt: t.expose('openedAt', { type: 'DateTime' }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true }),
    cause: t.exposeString('cause', { description: 'The first OS error (or FLAPPING / UNKNOWN).' }),
  }),
});

const DayBarRef = builder.objectRef<DayBar>('DayBar').implement({
  description: "One calendar day's availability of the host (time-based), in the asked time zone.",
  fields: (t) => ({
    day: t.exposeString('day', { description: 'YYYY-MM-DD.' }),
    ratio: t.exposeFloat('ratio', { nullable: true }),
    downSeconds: t.exposeInt('downSeconds'),
    excludedSeconds: t.exposeInt('excludedSeconds'),
    observedSeconds: t.exposeInt('observedSeconds'),
    incidents: t.field({ type: [DayBarIncidentRef], resolve: (b) => b.incidents }),
  }),
});

const LatencyRangeEnum = builder.enumType('ResponseTimeRange', {
  values: {
    HOUR: { description: 'The last hour (hourly buckets: the rollups keep no finer grain).' },
    DAY: { description: '24 hours, hourly.' },
    WEEK: { description: '7 days, hourly.' },
    MONTH: { description: '30 days, daily (UTC days).' },
    YEAR: { description: '365 days, daily (UTC days).' },
  } as const,
});

const LatencyPointRef = builder.objectRef<LatencyPoint>('ResponseTimePoint').implement({
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', description: 'The bucket’s start.' }),
    minMs: t.exposeFloat('minMs', { nullable: true }),
    avgMs: t.exposeFloat('avgMs', { nullable: true, description: 'Of the successful checks.' }),
    maxMs: t.exposeFloat('maxMs', { nullable: true }),
    checks: t.exposeInt('checks'),
    failures: t.exposeInt('failures'),
  }),
});

const LatencySeriesRef = builder.objectRef<LatencySeries>('ResponseTimeSeries').implement({
  description: 'Response time from the hourly rollups (the hour still in memory included).',
  fields: (t) => ({
    range: t.field({ type: LatencyRangeEnum, resolve: (s) => s.range }),
    bucketSeconds: t.exposeInt('bucketSeconds'),
    from: t.expose('from', { type: 'DateTime' }),
    points: t.field({ type: [LatencyPointRef], resolve: (s) => s.points }),
  }),
});

const DAY_MS = 86_400_000;

builder.prismaObjectField('Monitor', 'uptime', (t) =>
  t.field({
    type: [UptimeFiguresRef],
    description: `Availability over the last 24 h, 7 d, 30 d, 90 d and 365 d (in that order). ${AVAILABILITY_DEFINITION}`,
    args: { perPort: t.arg.boolean({ description: 'Also each configured port.' }) },
    resolve: async (m, args, ctx) => {
      const perPort = args.perPort === true;
      const rows = await loadBatched<string, UptimeFigures[]>(ctx, `uptime:${perPort}`, m.id, async (ids) => {
        const now = ctx.services.now().getTime();
        const names = Object.keys(UPTIME_RANGES) as UptimeRangeName[];
        const windows = names.map((n) => ({ from: new Date(now - UPTIME_RANGES[n] * DAY_MS), to: new Date(now) }));
        const all = await availabilityOver(ctx.services, ids, windows, { perPort });
        const out = new Map<string, UptimeFigures[]>(ids.map((id) => [id, []]));
        names.forEach((range, k) => {
          const per = new Map<string, Availability[]>();
          for (const a of all[k] ?? []) {
            let list = per.get(a.monitorId);
            if (!list) per.set(a.monitorId, (list = []));
            list.push(a);
          }
          for (const [id, list] of per) {
            const host = list.find((a) => a.port === null);
            if (host) out.get(id)?.push({ range, host, ports: list.filter((a) => a.port !== null) });
          }
        });
        return out;
      });
      return rows ?? [];
    },
  }),
);

builder.prismaObjectField('Monitor', 'dailyBars', (t) =>
  t.field({
    type: [DayBarRef],
    description: "One bar per day, oldest first, ending today (default 90 days, in your account's time zone).",
    args: {
      days: t.arg.int({ description: '1…366; default 90.' }),
      timeZone: t.arg.string({ description: "IANA time zone; default: your account's." }),
    },
    resolve: async (m, args, ctx) => {
      const days = args.days ?? 90;
      if (!Number.isInteger(days) || days < 1 || days > 366)
        throw ValidationError.field('days', 'Out of range', 'OUT_OF_RANGE', { min: 1, max: 366 });
      const timeZone = args.timeZone ?? (await viewerTimeZone(ctx));
      if (!isTimeZone(timeZone)) throw ValidationError.field('timeZone', 'Unknown time zone', 'UNKNOWN_TIME_ZONE');
      const bars = await loadBatched<string, DayBar[]>(ctx, `bars:${days}:${timeZone}`, m.id, (ids) =>
        dailyBars(ctx.services, ids, days, timeZone, ctx.services.now()),
      );
      return bars ?? [];
    },
  }),
);

builder.prismaObjectField('Monitor', 'responseTimes', (t) =>
  t.field({
    type: LatencySeriesRef,
    description: 'Response time (min / avg / max per bucket) over a range, every port or one.',
    args: {
      range: t.arg({ type: LatencyRangeEnum, required: true }),
      port: t.arg.int({ description: 'One port; default: every port.' }),
    },
    resolve: (m, args, ctx) => latencySeries(ctx.services, m.id, args.range as LatencyRange, args.port ?? null),
  }),
);
