// Live events shared between processes through Redis (REDIS_URL), built on
// @graphql-yoga/redis-event-target with two ioredis clients (publish + subscribe).
//
// While both connections are up, every event is published to Redis and delivered to this
// process's subscribers by Redis's echo, like every other process's. When Redis goes away
// (a connection closes, a publish fails), the target degrades to local delivery: events raised
// here still reach subscribers here, with one logged warning; other processes miss them until
// Redis is back. When both connections are ready again (and the subscriber has re-subscribed to
// every topic in use), sharing resumes, with one info line. Events raised during an outage are
// not replayed to other processes: live events are notifications of state that is persisted
// (a client that reconnects gets the current state first).
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { TypedEventTarget } from '@graphql-yoga/typed-event-target';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.ts';

export interface FanoutStats {
  /** True while events go through Redis. */
  shared: boolean;
  /** Events handed to Redis. */
  published: number;
  /** Events delivered in this process only (Redis away, or a publish that failed). */
  localOnly: number;
  publishFailures: number;
  /** Times sharing was lost. */
  outages: number;
}

export interface Fanout {
  eventTarget: TypedEventTarget<CustomEvent>;
  /** Connects; waits up to `ms` for Redis. Never throws: an absent Redis means local delivery. */
  start(ms?: number): Promise<boolean>;
  status(): { ok: boolean; detail: string };
  stats(): FanoutStats;
  close(): Promise<void>;
}

export interface FanoutOptions {
  url: string;
  /** Prefix of every channel name (several installations or test runs on one Redis). */
  prefix?: string;
  log?: Logger;
}

type Listener = (e: CustomEvent) => void;
type ListenerArg = Listener | { handleEvent(e: CustomEvent): void } | null;

// JSON that keeps Date values Dates (event payloads carry them).
const DATE_TAG = '$date';
export const dateJson = {
  stringify: (value: unknown): string =>
    JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
      const raw = this[key];
      return raw instanceof Date ? { [DATE_TAG]: raw.toISOString() } : v;
    }),
  parse: (text: string): unknown =>
    JSON.parse(text, (_key, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        if (keys.length === 1 && keys[0] === DATE_TAG && typeof o[DATE_TAG] === 'string') return new Date(o[DATE_TAG]);
      }
      return v;
    }),
};

const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2_000);

export function createFanout(opts: FanoutOptions): Fanout {
  const log = opts.log ?? (() => {});
  const prefix = opts.prefix ?? 'portwatch:';
  const base: RedisOptions = { lazyConnect: true, connectTimeout: 3_000, retryStrategy, keepAlive: 10_000 };
  // publishes fail at once while disconnected (the event is then delivered locally)
  const pub = new Redis(opts.url, {
    ...base,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    connectionName: 'portwatch-pub',
  });
  // (un)subscribes wait for the connection; ioredis re-subscribes after a reconnect
  const sub = new Redis(opts.url, {
    ...base,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    autoResubscribe: true,
    connectionName: 'portwatch-sub',
  });
  // The library fires (un)subscribe without awaiting them; their rejections (on close) are expected.
  const quietSub = new Proxy(sub, {
    get(target, prop) {
      if (prop === 'subscribe' || prop === 'unsubscribe') {
        return (...channels: string[]) => {
          const p = target[prop](...channels);
          p.catch(() => {});
          return p;
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const redisTarget = createRedisEventTarget<CustomEvent>({
    publishClient: pub,
    subscribeClient: quietSub,
    serializer: dateJson,
  });

  const local = new Map<string, Set<Listener>>();
  const relays = new Map<string, Listener>();
  const stats = { published: 0, localOnly: 0, publishFailures: 0, outages: 0 };
  let pubUp = false;
  let subUp = false;
  let publishBroken = false;
  let shared = false;
  let closed = false;
  let lastProblem = 'not connected yet';
  let warnTimer: NodeJS.Timeout | undefined;
  const problemOf = (err: unknown) => {
    if (err instanceof AggregateError && err.errors.length)
      return err.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))).join('; ');
    const e = err as { message?: unknown; code?: unknown };
    const msg = err instanceof Error ? err.message : String(err);
    return msg || (typeof e.code === 'string' ? e.code : 'unknown error');
  };

  function deliver(topic: string, detail: unknown) {
    const set = local.get(topic);
    if (!set?.size) return;
    const event = new CustomEvent(topic, { detail });
    for (const cb of [...set]) cb(event);
  }

  function update() {
    const now = pubUp && subUp && !publishBroken && !closed;
    if (now === shared) return;
    shared = now;
    if (closed) return;
    if (now) log('info', 'Redis reachable: live events are shared between processes again');
    else {
      stats.outages += 1;
      // a connection reports why it closed just after 'close' (its reconnect's error): wait for it
      const seen = lastProblem;
      clearTimeout(warnTimer);
      warnTimer = setTimeout(() => {
        const problem = lastProblem !== seen || seen !== 'not connected yet' ? lastProblem : 'connection closed';
        log('warn', 'Redis unreachable: live events are delivered within this process only until it is back', {
          problem,
        });
      }, 1_000);
      warnTimer.unref();
    }
  }

  let probing: NodeJS.Timeout | undefined;
  function publishFailed(err: unknown) {
    stats.publishFailures += 1;
    lastProblem = problemOf(err);
    publishBroken = true;
    update();
    // retry with a PING until Redis answers again
    if (probing || closed) return;
    probing = setInterval(() => {
      pub.ping().then(
        () => {
          clearInterval(probing);
          probing = undefined;
          publishBroken = false;
          update();
        },
        () => {},
      );
    }, 1_000);
    probing.unref();
  }

  pub.on('ready', () => {
    pubUp = true;
    update();
  });
  sub.on('ready', () => {
    // re-subscribe every topic in use and only then count the subscriber as up
    const channels = [...relays.keys()].map((t) => prefix + t);
    const resubscribed = channels.length ? sub.subscribe(...channels) : Promise.resolve(0);
    resubscribed.then(
      () => {
        subUp = sub.status === 'ready';
        update();
      },
      (err: unknown) => (lastProblem = problemOf(err)),
    );
  });
  for (const [client, mark] of [
    [pub, () => (pubUp = false)],
    [sub, () => (subUp = false)],
  ] as const) {
    client.on('close', () => {
      mark();
      update();
    });
    client.on('error', (err: Error) => {
      lastProblem = problemOf(err);
      log('debug', 'redis connection error', { err });
    });
  }

  const listenerOf = (cb: ListenerArg): Listener | null =>
    cb === null ? null : typeof cb === 'function' ? cb : (e) => cb.handleEvent(e);
  const objectListeners = new WeakMap<object, Listener>();

  const eventTarget = {
    addEventListener(topic: string, cb: ListenerArg) {
      if (cb === null) return;
      let fn = listenerOf(cb)!;
      if (typeof cb !== 'function') {
        fn = objectListeners.get(cb) ?? fn;
        objectListeners.set(cb, fn);
      }
      let set = local.get(topic);
      if (!set) {
        set = new Set();
        local.set(topic, set);
      }
      set.add(fn);
      if (!relays.has(topic)) {
        const relay: Listener = (e) => deliver(topic, e.detail);
        relays.set(topic, relay);
        redisTarget.addEventListener(prefix + topic, relay);
      }
    },
    removeEventListener(topic: string, cb: ListenerArg) {
      if (cb === null) return;
      const fn = typeof cb === 'function' ? cb : objectListeners.get(cb);
      const set = local.get(topic);
      if (!fn || !set) return;
      set.delete(fn);
      if (set.size) return;
      local.delete(topic);
      const relay = relays.get(topic);
      relays.delete(topic);
      if (relay) redisTarget.removeEventListener(prefix + topic, relay);
    },
    dispatchEvent(event: CustomEvent) {
      const { type, detail } = event as { type: string; detail: unknown };
      if (!shared) {
        stats.localOnly += 1;
        deliver(type, detail);
        return true;
      }
      stats.published += 1;
      pub.publish(prefix + type, detail === undefined ? '' : dateJson.stringify(detail)).catch((err: unknown) => {
        stats.localOnly += 1;
        publishFailed(err);
        deliver(type, detail);
      });
      return true;
    },
  } as unknown as TypedEventTarget<CustomEvent>;

  return {
    eventTarget,
    async start(ms = 3_000) {
      pub.connect().catch((err: unknown) => (lastProblem = problemOf(err)));
      sub.connect().catch((err: unknown) => (lastProblem = problemOf(err)));
      const end = Date.now() + ms;
      while (!shared && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      if (!shared) {
        log('warn', 'Redis unreachable at start: live events stay within this process until it answers', {
          problem: lastProblem,
        });
      }
      return shared;
    },
    status: () =>
      shared
        ? { ok: true, detail: 'live events shared through Redis' }
        : {
            ok: false,
            detail: `Redis unreachable (${lastProblem}): live events reach this process's subscribers only`,
          },
    stats: () => ({ shared, ...stats }),
    async close() {
      closed = true;
      shared = false;
      clearTimeout(warnTimer);
      if (probing) clearInterval(probing);
      for (const c of [pub, sub]) {
        if (c.status === 'ready') await c.quit().catch(() => c.disconnect());
        else c.disconnect();
      }
    },
  };
}
