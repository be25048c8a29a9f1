// Reading monitors for the probe runtime in plain SQL: only the columns it keeps, flat rows (no
// Prisma row objects with their includes, no Date per timestamp: epoch ms numbers), the account's
// language and endpoints once per account of the page. A page of rows is garbage as soon as the
// runtime has built its compact state from it, and small garbage: the start-up load of a million
// monitors is what V8's heap grows on.
import { Prisma } from '../generated/prisma/client.ts';
import type { Channel, Language, MaintenanceKind } from '../generated/prisma/enums.ts';
import type { PrismaClient } from '../db/index.ts';
import type { PortStateRow } from './store.ts';
import type { EndpointInfo } from '../services/notifications/rows.ts';
import { toEndpointInfo } from '../services/notify-endpoints/info.ts';

/** A PortState row (store.ts PortStateRow) without its monitor, timestamps as epoch ms. */
export type PortLoadRow = Omit<PortStateRow, 'monitorId' | 'since' | 'lastCheckAt' | 'flappingSince'> & {
  since: number;
  lastCheckAt: number | null;
  flappingSince: number | null;
};

export interface MaintenanceLoadRow {
  kind: MaintenanceKind;
  startsAt: number | null;
  endsAt: number | null;
  weekday: number | null;
  startMinute: number | null;
  durationMin: number | null;
  timeZone: string;
}

/** What the runtime builds a monitor from (model.ts buildLiveMonitor). */
export interface MonitorLoadRow {
  id: string;
  accountId: string;
  host: string;
  ports: number[];
  paused: boolean;
  deleted: boolean;
  intervalSec: number | null;
  retryIntervalSec: number | null;
  timeoutMs: number | null;
  failureThreshold: number | null;
  recoveryThreshold: number | null;
  flapEnabled: boolean | null;
  flapWindow: number | null;
  flapChanges: number | null;
  flapFailedPercent: number | null;
  contactName: string;
  contactEmail: string;
  contactPhone: string | null;
  mailEnabled: boolean;
  smsEnabled: boolean;
  alimtalkEnabled: boolean;
  checks: unknown;
  allowPrivate: boolean;
  language: Language;
  endpoints: EndpointInfo[];
  portStates: PortLoadRow[];
  maintenance: MaintenanceLoadRow[];
  /** The open HOST_DOWN incident. */
  incident: { id: string; ports: number[]; flapFigures: unknown } | null;
}

const ms = (col: string) => Prisma.raw(`(extract(epoch from ${col}) * 1000)::float8`);
const NONE: never[] = [];

type MonitorCols = Omit<MonitorLoadRow, 'language' | 'endpoints' | 'portStates' | 'maintenance' | 'incident'>;

/** Rows by a key, in their order. */
function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const by = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = by.get(k);
    if (list) list.push(r);
    else by.set(k, [r]);
  }
  return by;
}

/**
 * Which monitors to read: these ids, or every monitor whose id is after `after` (none: from the
 * first) and at most `last`. A page of the whole load is a key range: PostgreSQL reads it as one
 * index range per table, where 2,000 ids in `= ANY(...)` cost ~240 ms of its CPU a page at
 * 200,000 monitors against ~35 ms for the range (README "Session 12").
 */
export type MonitorSelection = { ids: readonly string[] } | { after: string | null; last: string };

/** The SQL condition selecting `col` (a monitor id column) by `sel`. */
function selects(col: string, sel: MonitorSelection): Prisma.Sql {
  const c = Prisma.raw(col);
  if ('ids' in sel) return Prisma.sql`${c} = ANY(${[...sel.ids]}::text[])`;
  return sel.after === null ? Prisma.sql`${c} <= ${sel.last}` : Prisma.sql`${c} > ${sel.after} AND ${c} <= ${sel.last}`;
}

/**
 * The selected monitors (any order; deleted ones included, marked), only those `keep` accepts
 * when given (a key range also holds monitors of other shards).
 */
export async function readMonitors(
  prisma: PrismaClient,
  sel: MonitorSelection,
  keep?: (id: string) => boolean,
): Promise<MonitorLoadRow[]> {
  if ('ids' in sel && sel.ids.length === 0) return [];
  const all = await prisma.$queryRaw<MonitorCols[]>`
    SELECT m."id", m."accountId", m."host", m."ports", m."pausedAt" IS NOT NULL AS paused,
      m."deletedAt" IS NOT NULL AS deleted, m."intervalSec", m."retryIntervalSec", m."timeoutMs",
      m."failureThreshold", m."recoveryThreshold", m."flapEnabled", m."flapWindow", m."flapChanges",
      m."flapFailedPercent", m."contactName", m."contactEmail", m."contactPhone", m."mailEnabled",
      m."smsEnabled", m."alimtalkEnabled", m."checks", s."allowPrivate"
    FROM "Monitor" m JOIN "Server" s ON s."id" = m."serverId"
    WHERE ${selects('m."id"', sel)}`;
  const monitors = keep ? all.filter((m) => keep(m.id)) : all;
  if (monitors.length === 0) return [];
  const states = await prisma.$queryRaw<(PortLoadRow & { monitorId: string })[]>`
    SELECT "monitorId", "port", "phase"::text AS phase, "consecutiveFailures", "consecutiveSuccesses",
      ${ms('"since"')} AS since, ${ms('"lastCheckAt"')} AS "lastCheckAt", "lastOk", "lastLatencyMs",
      "lastErrorCode", "lastErrorMessage", "flapHistory", "flapping", ${ms('"flappingSince"')} AS "flappingSince"
    FROM "PortState" WHERE ${selects('"monitorId"', sel)}`;
  const windows = await prisma.$queryRaw<(MaintenanceLoadRow & { monitorId: string })[]>`
    SELECT "monitorId", "kind"::text AS kind, ${ms('"startsAt"')} AS "startsAt", ${ms('"endsAt"')} AS "endsAt",
      "weekday", "startMinute", "durationMin", "timeZone"
    FROM "MaintenanceWindow" WHERE ${selects('"monitorId"', sel)} ORDER BY "createdAt", "id"`;
  const incidents = await prisma.$queryRaw<{ monitorId: string; id: string; ports: number[]; flapFigures: unknown }[]>`
    SELECT "monitorId", "id", "ports", "flapFigures" FROM "Incident"
    WHERE ${selects('"monitorId"', sel)} AND "resolvedAt" IS NULL AND "kind" = 'HOST_DOWN'`;
  const accountIds = [...new Set(monitors.map((m) => m.accountId))];
  const accounts = await prisma.$queryRaw<{ id: string; language: Language }[]>`
    SELECT "id", "language"::text AS language FROM "Account" WHERE "id" = ANY(${accountIds}::text[])`;
  const endpointRows = await prisma.$queryRaw<
    { accountId: string; id: string; channel: Channel; target: string; enabled: boolean }[]
  >`
    SELECT "accountId", "id", "channel"::text AS channel, "target", "enabled" FROM "NotifyEndpoint"
    WHERE "accountId" = ANY(${accountIds}::text[]) ORDER BY "createdAt", "id"`;

  const statesOf = groupBy(states, (r) => r.monitorId);
  const windowsOf = groupBy(windows, (r) => r.monitorId);
  const incidentOf = new Map(incidents.map((i) => [i.monitorId, i]));
  const languageOf = new Map(accounts.map((a) => [a.id, a.language]));
  const endpointsOf = new Map(
    [...groupBy(endpointRows, (e) => e.accountId)].map(([account, rows]) => [account, rows.map(toEndpointInfo)]),
  );
  return monitors.map((m) => {
    const inc = incidentOf.get(m.id);
    return {
      ...m,
      language: languageOf.get(m.accountId) ?? 'ko',
      endpoints: endpointsOf.get(m.accountId) ?? NONE,
      portStates: statesOf.get(m.id) ?? NONE,
      maintenance: windowsOf.get(m.id) ?? NONE,
      incident: inc ? { id: inc.id, ports: inc.ports, flapFigures: inc.flapFigures } : null,
    };
  });
}
