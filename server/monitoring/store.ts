// Database I/O of the probe runtime: loading monitors by shard, and writing a batch of
// changes (incidents, ledger rows, failure runs, port states) in one transaction.
// DB writes scale with failures and state changes; successful checks only feed rollups.
import { Prisma } from '../generated/prisma/client.ts';
import type { PrismaClient } from '../db/index.ts';
import type { IncidentCloseReason, PortPhase } from '../generated/prisma/enums.ts';
import type { IncidentFlap } from '../services/flapping.ts';
import type { LedgerRow } from '../services/notifications/rows.ts';
import type { RunRow } from './runs.ts';
import type { RollupRow } from '../services/types.ts';
import { dayPairs, hostRunsSql } from '../services/rollups/host-days.ts';
import { insertIncidents, insertLedger } from './bulk-insert.ts';
import { SHARD_SQL } from './model.ts';
import { readMonitors, type MonitorLoadRow } from './load.ts';

export interface IncidentOpen {
  id: string;
  kind: 'HOST_DOWN' | 'PROBE_DEGRADED';
  monitorId: string | null;
  accountId: string | null;
  host: string | null;
  ports: number[];
  reason: string | null;
  openedAt: Date;
  /** Flapping ports it opened with (marks the incident flapping). */
  flapFigures?: IncidentFlap[];
}

export interface PortStateRow {
  monitorId: string;
  port: number;
  phase: PortPhase;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  since: Date;
  lastCheckAt: Date | null;
  lastOk: boolean | null;
  lastLatencyMs: number | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  flapHistory: string;
  flapping: boolean;
  flappingSince: Date | null;
}

export interface Batch {
  opened: IncidentOpen[];
  /** Incident id → its full port list (ports joined). */
  portsChanged: Map<string, number[]>;
  /** Incident id → its flapping ports' figures (a port began to flap inside it). */
  flapChanged: Map<string, IncidentFlap[]>;
  resolved: { id: string; at: Date; reason: IncidentCloseReason }[];
  ledger: LedgerRow[];
  /** Incidents whose waiting DOWN rows may go now (the host's ports have decided). */
  dueNow: { incidentId: string; at: Date }[];
  /** Failure runs' current state, keyed runKey(): the latest state wins (absolute values). */
  runs: Map<string, RunRow>;
  /** Keyed `${monitorId}:${port}`: the latest state wins. */
  portStates: Map<string, PortStateRow>;
}

export const emptyBatch = (): Batch => ({
  opened: [],
  portsChanged: new Map(),
  flapChanged: new Map(),
  resolved: [],
  ledger: [],
  dueNow: [],
  runs: new Map(),
  portStates: new Map(),
});

export function batchSize(b: Batch): number {
  return (
    b.opened.length +
    b.portsChanged.size +
    b.flapChanged.size +
    b.resolved.length +
    b.ledger.length +
    b.dueNow.length +
    b.runs.size +
    b.portStates.size
  );
}

/** Appends `later` to `earlier` (a failed flush is retried together with what came since). */
export function mergeBatch(earlier: Batch, later: Batch): Batch {
  const portsChanged = new Map(earlier.portsChanged);
  for (const [k, v] of later.portsChanged) portsChanged.set(k, v);
  const flapChanged = new Map(earlier.flapChanged);
  for (const [k, v] of later.flapChanged) flapChanged.set(k, v);
  const portStates = new Map(earlier.portStates);
  for (const [k, v] of later.portStates) portStates.set(k, v);
  const runs = new Map(earlier.runs);
  for (const [k, v] of later.runs) runs.set(k, v);
  return {
    opened: [...earlier.opened, ...later.opened],
    portsChanged,
    flapChanged,
    resolved: [...earlier.resolved, ...later.resolved],
    ledger: [...earlier.ledger, ...later.ledger],
    dueNow: [...earlier.dueNow, ...later.dueNow],
    runs,
    portStates,
  };
}

type Tx = Prisma.TransactionClient;

function portStateSql(rows: PortStateRow[]) {
  const values = rows.map(
    (
      r,
    ) => Prisma.sql`(${r.monitorId}, ${r.port}, ${r.phase}::"PortPhase", ${r.consecutiveFailures}, ${r.consecutiveSuccesses},
      ${r.since}, ${r.lastCheckAt}, ${r.lastOk}, ${r.lastLatencyMs}, ${r.lastErrorCode}, ${r.lastErrorMessage},
      ${r.flapHistory}, ${r.flapping}, ${r.flappingSince}, now())`,
  );
  return Prisma.sql`INSERT INTO "PortState" ("monitorId","port","phase","consecutiveFailures","consecutiveSuccesses","since",
      "lastCheckAt","lastOk","lastLatencyMs","lastErrorCode","lastErrorMessage","flapHistory","flapping","flappingSince","updatedAt")
    VALUES ${Prisma.join(values)}
    ON CONFLICT ("monitorId","port") DO UPDATE SET "phase" = EXCLUDED."phase",
      "consecutiveFailures" = EXCLUDED."consecutiveFailures", "consecutiveSuccesses" = EXCLUDED."consecutiveSuccesses",
      "since" = EXCLUDED."since", "lastCheckAt" = EXCLUDED."lastCheckAt", "lastOk" = EXCLUDED."lastOk",
      "lastLatencyMs" = EXCLUDED."lastLatencyMs", "lastErrorCode" = EXCLUDED."lastErrorCode",
      "lastErrorMessage" = EXCLUDED."lastErrorMessage", "flapHistory" = EXCLUDED."flapHistory",
      "flapping" = EXCLUDED."flapping", "flappingSince" = EXCLUDED."flappingSince", "updatedAt" = now()`;
}

/** Upserts runs with their absolute state; a stale state never overwrites a newer one. */
function runSql(rows: RunRow[], incidents: Set<string>) {
  const values = rows.map(
    (
      r,
    ) => Prisma.sql`(${r.monitorId}, ${r.port}, ${r.firstAt}, ${r.lastAt}, ${r.count}, ${r.slots}::smallint[], ${r.code}, ${r.message},
      ${r.latencyMs}, ${r.flapping}, ${r.maintenance}, ${r.incidentId && incidents.has(r.incidentId) ? r.incidentId : null})`,
  );
  return Prisma.sql`INSERT INTO "FailureRun" ("monitorId","port","firstAt","lastAt","count","slots","code","message","latencyMs",
      "flapping","maintenance","incidentId")
    VALUES ${Prisma.join(values)}
    ON CONFLICT ("monitorId","port","firstAt") DO UPDATE SET "lastAt" = EXCLUDED."lastAt", "count" = EXCLUDED."count",
      "slots" = EXCLUDED."slots", "latencyMs" = EXCLUDED."latencyMs"
    WHERE "FailureRun"."count" < EXCLUDED."count"`;
}

const utcDay = (t: Date) => new Date(Math.floor(t.getTime() / 86_400_000) * 86_400_000);

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

async function writeIncidents(tx: Tx, b: Batch): Promise<Set<string>> {
  await insertIncidents(tx, b.opened);
  for (const [id, ports] of b.portsChanged) await tx.incident.updateMany({ where: { id }, data: { ports } });
  for (const [id, figures] of b.flapChanged) {
    await tx.incident.updateMany({
      where: { id },
      data: { flapping: true, flapFigures: figures as unknown as Prisma.InputJsonValue },
    });
  }
  for (const r of b.resolved) {
    await tx.incident.updateMany({
      where: { id: r.id, resolvedAt: null },
      data: { resolvedAt: r.at, openMonitorId: null, closeReason: r.reason },
    });
  }
  const referenced = new Set<string>([
    ...b.ledger.map((l) => l.incidentId),
    ...[...b.runs.values()].flatMap((f) => (f.incidentId ? [f.incidentId] : [])),
  ]);
  if (referenced.size === 0) return referenced;
  const found = await tx.incident.findMany({ where: { id: { in: [...referenced] } }, select: { id: true } });
  return new Set(found.map((f) => f.id));
}

/** Writes the batch in one transaction; returns the number of rows written. */
export async function writeBatch(prisma: PrismaClient, b: Batch): Promise<number> {
  return prisma.$transaction(
    async (tx) => {
      const existing = await writeIncidents(tx, b);
      let rows = b.opened.length + b.portsChanged.size + b.flapChanged.size + b.resolved.length;
      // an incident another process already opened for the same host keeps its own rows
      const ledger = b.ledger.filter((l) => existing.has(l.incidentId));
      rows += await insertLedger(tx, ledger);
      for (const d of b.dueNow) {
        rows += (
          await tx.notification.updateMany({
            where: { incidentId: d.incidentId, kind: 'DOWN', status: 'QUEUED', nextAttemptAt: { gt: d.at } },
            data: { nextAttemptAt: d.at },
          })
        ).count;
      }
      for (const part of chunks([...b.runs.values()], 1000)) {
        rows += await tx.$executeRaw(runSql(part, existing));
        // a run of a day already packed (a write retried after midnight) updates that day's host row
        await tx.$executeRaw(
          hostRunsSql(dayPairs(part.map((r) => ({ monitorId: r.monitorId, day: utcDay(r.firstAt) })))),
        );
      }
      for (const part of chunks([...b.portStates.values()], 1000)) rows += await tx.$executeRaw(portStateSql(part));
      return rows;
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
}

/** Adds the rows' counters to the hourly rollups (insert or add). */
export async function writeRollups(prisma: PrismaClient, rows: RollupRow[]): Promise<number> {
  let n = 0;
  for (const part of chunks(rows, 1000)) {
    const values = part.map(
      (
        r,
      ) => Prisma.sql`(${r.monitorId}, ${r.port}, ${r.hour}, ${r.checks}, ${r.failures}, ${r.latencySumMs}, ${r.latencyCount},
        ${r.latencyMinMs}, ${r.latencyMaxMs}, ${r.downSeconds}, ${r.flapSeconds})`,
    );
    n +=
      await prisma.$executeRaw`INSERT INTO "HourlyRollup" ("monitorId","port","hour","checks","failures","latencySumMs",
        "latencyCount","latencyMinMs","latencyMaxMs","downSeconds","flapSeconds")
      VALUES ${Prisma.join(values)}
      ON CONFLICT ("monitorId","port","hour") DO UPDATE SET
        "checks" = "HourlyRollup"."checks" + EXCLUDED."checks",
        "failures" = "HourlyRollup"."failures" + EXCLUDED."failures",
        "latencySumMs" = "HourlyRollup"."latencySumMs" + EXCLUDED."latencySumMs",
        "latencyCount" = "HourlyRollup"."latencyCount" + EXCLUDED."latencyCount",
        "latencyMinMs" = LEAST("HourlyRollup"."latencyMinMs", EXCLUDED."latencyMinMs"),
        "latencyMaxMs" = GREATEST("HourlyRollup"."latencyMaxMs", EXCLUDED."latencyMaxMs"),
        "downSeconds" = "HourlyRollup"."downSeconds" + EXCLUDED."downSeconds",
        "flapSeconds" = "HourlyRollup"."flapSeconds" + EXCLUDED."flapSeconds"`;
  }
  return n;
}

/** Monitors per page of a load: small enough that a page's rows are garbage long before the next. */
export const LOAD_PAGE = 2_000;
/** Pages whose rows are read while the caller applies another (monitorPages). */
const READ_AHEAD = 3;

export interface LoadedMonitor {
  row: MonitorLoadRow;
  shard: number;
}

/**
 * Live (not deleted) monitors in the given shards, optionally only those changed since `since`,
 * in pages in id order (keyset: each page asks for ids after the last one seen). At most
 * READ_AHEAD pages are read while the caller applies one, so the rows of a million monitors are
 * never in memory at once and the probe loop runs between pages.
 */
export async function* monitorPages(
  prisma: PrismaClient,
  shards: number[],
  opts: { ids?: string[]; changedSince?: Date; includeDeleted?: boolean; pageSize?: number } = {},
): AsyncGenerator<LoadedMonitor[]> {
  if (shards.length === 0) return;
  const pageSize = opts.pageSize ?? LOAD_PAGE;
  const conds = [Prisma.sql`${Prisma.raw(SHARD_SQL)} = ANY(${shards}::int[])`];
  if (!opts.includeDeleted) conds.push(Prisma.sql`"deletedAt" IS NULL`);
  if (opts.ids) conds.push(Prisma.sql`"id" = ANY(${opts.ids}::text[])`);
  if (opts.changedSince) conds.push(Prisma.sql`"updatedAt" >= ${opts.changedSince}`);
  // A whole load walks the primary key itself (the next pageSize ids, then the filter on those):
  // one index range per page whatever the statistics say. Asked as one filtered query, PostgreSQL
  // planned it, on a table just filled by a bulk import, as a scan of every monitor plus a sort
  // per page (0.7 s a page at 1M monitors: a load growing with the square of the monitors).
  const walk = !opts.ids && !opts.changedSince;
  type Ids = { keep: Map<string, number>; after: string | null; last: string; full: boolean } | null;
  /** The next page's ids after `after` (keyset), with their shards; those the filter keeps. */
  const idsPage = async (after: string | null): Promise<Ids> => {
    const page: { id: string; shard: number; keep: boolean }[] = walk
      ? await prisma.$queryRaw<{ id: string; shard: number; keep: boolean }[]>`
      SELECT "id", (${Prisma.raw(SHARD_SQL)})::int AS shard, (${Prisma.join(conds, ' AND ')}) AS keep FROM (
        SELECT * FROM "Monitor" ${after === null ? Prisma.empty : Prisma.sql`WHERE "id" > ${after}`}
        ORDER BY "id" LIMIT ${pageSize}) AS m ORDER BY "id"`
      : await prisma.$queryRaw<{ id: string; shard: number; keep: boolean }[]>`
      SELECT "id", (${Prisma.raw(SHARD_SQL)})::int AS shard, true AS keep FROM "Monitor"
      WHERE ${Prisma.join(after === null ? conds : [...conds, Prisma.sql`"id" > ${after}`], ' AND ')}
      ORDER BY "id" LIMIT ${pageSize}`;
    if (page.length === 0) return null;
    return {
      keep: new Map(page.filter((r) => r.keep).map((r) => [r.id, r.shard])),
      after,
      last: page[page.length - 1]!.id,
      full: page.length === pageSize,
    };
  };
  // a whole load reads each page as its key range (one index range per table; the rows of the
  // range that the filter drops are left out), a filtered read by its ids
  const rowsOf = async ({ keep, after, last }: NonNullable<Ids>): Promise<LoadedMonitor[]> => {
    if (keep.size === 0) return [];
    const rows = walk
      ? await readMonitors(prisma, { after, last }, (id) => keep.has(id))
      : await readMonitors(prisma, { ids: [...keep.keys()] });
    return rows.map((row) => ({ row, shard: keep.get(row.id) ?? 0 }));
  };
  // Pages read ahead: the ids of the next pages are walked one after the other (a cheap index
  // range each, one walk at a time, also while the caller applies a page), and the rows of up to
  // READ_AHEAD pages are read at once on their own pooled connections. With one page ahead the
  // load was half idle, waiting for PostgreSQL (a CPU profile of the load at 200,000 monitors:
  // README "Session 12"). A read that fails while the caller is busy is marked handled at once
  // and thrown where the caller next needs it (a page's rows where that page is awaited; a failed
  // walk once the pages read before it are yielded); a caller that stops early leaves the rest.
  const ahead: Promise<LoadedMonitor[]>[] = [];
  let after: string | null = null;
  let more = true;
  /** A failed walk: its error, thrown once the pages read before it are yielded. */
  const walkFailed: { err: unknown; failed: boolean } = { err: null, failed: false };
  let walking: Promise<void> | null = null;
  const walkOn = (): Promise<void> => {
    walking ??= fill()
      .catch((err: unknown) => {
        walkFailed.err = err;
        walkFailed.failed = true;
      })
      .finally(() => {
        walking = null;
      });
    return walking;
  };
  const fill = async (): Promise<void> => {
    while (more && ahead.length < READ_AHEAD) {
      const ids = await idsPage(after);
      if (!ids) {
        more = false;
        return;
      }
      after = ids.last;
      more = ids.full;
      const rows = rowsOf(ids);
      rows.catch(() => {});
      ahead.push(rows);
    }
  };
  for (;;) {
    if (ahead.length === 0 && !walkFailed.failed) await walkOn();
    const next = ahead.shift();
    if (!next) {
      if (walkFailed.failed) throw walkFailed.err;
      return;
    }
    if (more && !walkFailed.failed) void walkOn(); // the next pages' ids and rows while this one is awaited and applied
    const rows = await next;
    if (rows.length > 0) yield rows;
  }
}

/**
 * When the oldest transaction of another connection that has written and not yet committed began
 * (epoch ms; null when there is none, or on PGlite, whose one connection runs one transaction at
 * a time). A monitor's `updatedAt` is stamped inside its transaction but seen only once it commits:
 * a resync must not move its window past a stamp that may still become visible.
 */
export async function oldestOpenWriteMs(prisma: PrismaClient): Promise<number | null> {
  try {
    const [r] = await prisma.$queryRaw<{ oldest: Date | null }[]>`
      SELECT min("xact_start") AS oldest FROM pg_stat_activity
      WHERE "datname" = current_database() AND "backend_xid" IS NOT NULL AND "pid" <> pg_backend_pid()`;
    return r?.oldest ? r.oldest.getTime() : null;
  } catch {
    return null; // no statistics view here: the time window alone
  }
}

/** Every page of monitorPages at once (a few monitors: an edit, a test). */
export async function loadMonitors(
  prisma: PrismaClient,
  shards: number[],
  opts: { ids?: string[]; changedSince?: Date; includeDeleted?: boolean } = {},
): Promise<LoadedMonitor[]> {
  const out: LoadedMonitor[] = [];
  for await (const page of monitorPages(prisma, shards, opts)) out.push(...page);
  return out;
}
