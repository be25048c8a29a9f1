// Helpers shared by the type modules: global-ID decoding that turns anything malformed, of the
// wrong type or foreign into "not found", per-request caches, and a tiny batch loader so that
// per-node aggregates (statistics) cost one query per page, not one per node.
import { createContextCache } from '@pothos/core';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { NotFoundError, ValidationError } from '../../services/errors.ts';
import { getMonitorDefaults, type MonitorDefaults } from '../../services/settings.ts';
import type { GraphQLContext } from '../context.ts';

/** The database id inside a global ID of `typename`, or null (malformed or another type). */
export function decodeNodeId(globalId: string | null | undefined, typename: string): string | null {
  if (!globalId) return null;
  try {
    const { typename: t, id } = decodeGlobalID(globalId);
    return t === typename && id ? id : null;
  } catch {
    return null;
  }
}

/**
 * For optional filter arguments: null when not given; the database id when valid; otherwise an
 * id that matches nothing (a bad or foreign filter shows an empty list, not everything).
 */
export function filterNodeId(globalId: string | number | null | undefined, typename: string): string | null {
  if (globalId == null) return null;
  return decodeNodeId(String(globalId), typename) ?? '';
}

/** Like decodeNodeId but throws NotFoundError (the same answer as for a foreign or deleted id). */
export function requireNodeId(globalId: string, typename: string, what = typename): string {
  const id = decodeNodeId(globalId, typename);
  if (!id) throw new NotFoundError(what);
  return id;
}

/** Decodes an ID inside an input object; a bad one is a field error at `path`. */
export function inputNodeId(
  globalId: string | null | undefined,
  typename: string,
  path: string[],
  message: string,
): string | null {
  if (globalId == null) return null;
  const id = decodeNodeId(globalId, typename);
  if (!id) throw ValidationError.field(path, message, 'UNKNOWN_ID');
  return id;
}

const defaultsCache = createContextCache((ctx: GraphQLContext) => getMonitorDefaults(ctx.services.prisma));
/** The global monitor defaults, read once per operation. */
export const monitorDefaultsFor = (ctx: GraphQLContext): Promise<MonitorDefaults> => defaultsCache(ctx);

const timeZoneCache = createContextCache(async (ctx: GraphQLContext) => {
  if (!ctx.viewer) return 'UTC';
  const a = await ctx.services.prisma.account.findUnique({
    where: { id: ctx.viewer.accountId },
    select: { timeZone: true },
  });
  return a?.timeZone ?? 'UTC';
});
/** The signed-in account's time zone (for local times and log buckets), read once per operation. */
export const viewerTimeZone = (ctx: GraphQLContext): Promise<string> => timeZoneCache(ctx);

type Flush<K, V> = (keys: K[]) => Promise<Map<K, V>>;

interface Batch<K, V> {
  keys: K[];
  result: Promise<Map<K, V>>;
}

const batches = new WeakMap<object, Map<string, Batch<unknown, unknown>>>();

/**
 * Collects the keys asked for in the same tick (e.g. one field on every node of a page) under
 * `name` and loads them with one call to `flush`.
 */
export function loadBatched<K, V>(ctx: object, name: string, key: K, flush: Flush<K, V>): Promise<V | undefined> {
  let perCtx = batches.get(ctx);
  if (!perCtx) {
    perCtx = new Map();
    batches.set(ctx, perCtx);
  }
  let batch = perCtx.get(name) as Batch<K, V> | undefined;
  if (!batch) {
    const keys: K[] = [];
    const created: Batch<K, V> = {
      keys,
      result: new Promise<Map<K, V>>((resolve, reject) => {
        setImmediate(() => {
          perCtx.delete(name);
          flush([...new Set(keys)]).then(resolve, reject);
        });
      }),
    };
    batch = created;
    perCtx.set(name, created as Batch<unknown, unknown>);
  }
  batch.keys.push(key);
  return batch.result.then((m) => m.get(key));
}

/**
 * Pothos's query for a result whose fields were not asked for (`{ __typename }` only) is an
 * empty `select`, which Prisma refuses; drop it so the row is read whole.
 */
export function readable<Q extends object>(query: Q): Q {
  const select = (query as { select?: object }).select;
  if (select && Object.keys(select).length === 0) {
    const { select: _empty, ...rest } = query as Q & { select?: object };
    return rest as Q;
  }
  return query;
}
