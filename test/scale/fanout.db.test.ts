// Live events over two processes (two runtimes on one database, one Redis reached through a
// proxy): a subscriber on process 2 sees events raised on process 1 and vice versa, each once.
// Cutting Redis degrades both to local delivery (logged, /ready reports it, nothing crashes);
// restoring it brings sharing back without a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLevel } from '../../server/log.ts';
import type { PortStatusEvent } from '../../server/events/events.ts';
import { createFanout, dateJson } from '../../server/events/fanout.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { subscribe, wsClient, type Subscription } from '../helpers/ws.ts';
import { haveRedis, proxiedRedis, until } from './redis.ts';
import { encodeGlobalID } from '@pothos/plugin-relay';

const redis = await haveRedis();
type Change = { monitorStatus: { monitorId: string; phase: string; lastErrorCode: string | null; since: string } };
const STATUS = `subscription($m: ID) { monitorStatus(monitorId: $m) { monitorId phase lastErrorCode since } }`;

describe.skipIf(!redis)(`Redis fan-out between two processes (${backend})`, () => {
  let p1: TestApp;
  let p2: TestApp;
  let link: Awaited<ReturnType<typeof proxiedRedis>>;
  const logs: { app: number; level: LogLevel; msg: string; fields?: Record<string, unknown> }[] = [];
  const cleanups: (() => unknown)[] = [];
  let event: (code: string) => PortStatusEvent;

  beforeAll(async () => {
    link = await proxiedRedis();
    p1 = await startTestApp(link.env, {
      log: (level, msg, fields) => logs.push({ app: 1, level, msg, ...(fields ? { fields } : {}) }),
    });
    p2 = await startTestApp(link.env, {
      shareDatabaseWith: p1,
      log: (level, msg, fields) => logs.push({ app: 2, level, msg, ...(fields ? { fields } : {}) }),
    });
    const alice = await makeCustomer(p1.db.prisma, 'alice');
    const m = await makeMonitor(p1.db.prisma, { accountId: alice.id, ip: '192.0.2.10', ports: [22] });
    event = (code) => ({
      monitorId: m.id,
      accountId: alice.id,
      host: m.host,
      port: 22,
      phase: 'DOWN',
      since: new Date('2030-01-02T03:04:05.000Z'),
      lastCheckAt: new Date(),
      lastOk: false,
      lastLatencyMs: 1,
      lastErrorCode: code,
      lastErrorMessage: 'refused',
    });
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await p2?.close();
    await p1?.close();
    await link?.proxy.close();
  });

  async function watch(app: TestApp, auth: { cookie?: string }, monitorId?: string): Promise<Subscription<Change>> {
    const client = wsClient(app.url, auth);
    cleanups.push(() => client.dispose());
    const sub = subscribe<Change>(client, STATUS, monitorId ? { m: monitorId } : {});
    cleanups.push(() => sub.dispose());
    // the subscription is live once its first message (the current state) or a probe event arrives
    if (monitorId) await sub.waitFor(() => true, 10_000);
    else await new Promise((r) => setTimeout(r, 500));
    return sub;
  }
  const codes = (s: Subscription<Change>) =>
    s.received.map((r) => r.monitorStatus.lastErrorCode).filter((c) => c?.startsWith('T-'));
  const ready = async (app: TestApp) =>
    (await (await fetch(`${app.url}/ready`)).json()) as { ok: boolean; checks: Record<string, { ok: boolean }> };

  it('shares events both ways, degrades to local delivery while Redis is cut, and recovers', async () => {
    expect(p1.fanout?.status().ok).toBe(true);
    expect(p2.fanout?.status().ok).toBe(true);
    const monitorGid = encodeGlobalID('Monitor', event('x').monitorId);
    const aliceOn2 = await watch(p2, { cookie: await p2.login('alice', CUSTOMER_PASSWORD) }, monitorGid);
    const adminOn1 = await watch(p1, { cookie: await p1.login('root', 'root-password-1') });

    // process 1 → process 2 and process 2 → process 1 (and each to its own subscribers)
    p1.services.events.portStatus(event('T-1'));
    p2.services.events.portStatus(event('T-2'));
    await aliceOn2.waitFor((c) => c.monitorStatus.lastErrorCode === 'T-2', 5_000);
    await aliceOn2.waitFor((c) => c.monitorStatus.lastErrorCode === 'T-1', 5_000);
    await adminOn1.waitFor((c) => c.monitorStatus.lastErrorCode === 'T-2', 5_000);
    await adminOn1.waitFor((c) => c.monitorStatus.lastErrorCode === 'T-1', 5_000);
    // Dates survive the trip through Redis
    expect(aliceOn2.received.find((c) => c.monitorStatus.lastErrorCode === 'T-1')?.monitorStatus).toMatchObject({
      monitorId: monitorGid,
      phase: 'DOWN',
      since: '2030-01-02T03:04:05.000Z',
    });

    // Redis away: each process still delivers its own events to its own subscribers
    link.proxy.cutOff();
    await until('both processes to notice', () => !p1.fanout!.status().ok && !p2.fanout!.status().ok, 10_000);
    const warnings = () => logs.filter((l) => l.level === 'warn' && /Redis unreachable/.test(l.msg));
    await until("the warnings (they wait for the connection's error)", () => warnings().length >= 2, 5_000);
    expect(
      warnings()
        .map((l) => l.app)
        .sort(),
    ).toEqual([1, 2]);
    // the warning names what went wrong, not a placeholder
    for (const w of warnings()) expect(String(w.fields?.problem)).not.toMatch(/not connected yet|^$/);
    console.log(
      `Redis warning problems: ${warnings()
        .map((w) => String(w.fields?.problem))
        .join(' | ')}`,
    );
    const r = await ready(p1);
    expect(r.ok).toBe(true); // reported, not required
    expect(r.checks.redis?.ok).toBe(false);
    p1.services.events.portStatus(event('T-3'));
    p2.services.events.portStatus(event('T-4'));
    await adminOn1.waitFor((c) => c.monitorStatus.lastErrorCode === 'T-3', 5_000);
    await aliceOn2.waitFor((c) => c.monitorStatus.lastErrorCode === 'T-4', 5_000);
    await new Promise((res) => setTimeout(res, 500));
    expect(codes(aliceOn2)).not.toContain('T-3');
    expect(codes(adminOn1)).not.toContain('T-4');

    // Redis back: shared again, with no restart and no re-subscription by the clients
    link.proxy.restore();
    await until('both processes to reconnect', () => p1.fanout!.status().ok && p2.fanout!.status().ok, 15_000);
    expect(logs.filter((l) => l.level === 'info' && /Redis reachable/.test(l.msg)).length).toBeGreaterThanOrEqual(2);
    p1.services.events.portStatus(event('T-5'));
    p2.services.events.portStatus(event('T-6'));
    for (const code of ['T-5', 'T-6']) {
      await aliceOn2.waitFor((c) => c.monitorStatus.lastErrorCode === code, 5_000);
      await adminOn1.waitFor((c) => c.monitorStatus.lastErrorCode === code, 5_000);
    }
    await new Promise((res) => setTimeout(res, 300));
    // every event exactly once
    expect(codes(aliceOn2).sort()).toEqual(['T-1', 'T-2', 'T-4', 'T-5', 'T-6']);
    expect(codes(adminOn1).sort()).toEqual(['T-1', 'T-2', 'T-3', 'T-5', 'T-6']);
    expect((await ready(p2)).checks.redis?.ok).toBe(true);

    const metrics = await (await fetch(`${p1.url}/metrics`)).text();
    expect(metrics).toMatch(/^portwatch_fanout_redis_shared 1$/m);
    expect(metrics).toMatch(/^portwatch_fanout_outages_total 1$/m);
    // T-3 only (published under the owner's scope and the admin scope: two events)
    expect(metrics).toMatch(/^portwatch_fanout_events_total\{path="local_only"\} 2$/m);
  }, 60_000);

  it('starts without Redis (local delivery), shares once it answers, and unsubscribes', async () => {
    const cut = await proxiedRedis();
    cleanups.push(() => cut.proxy.close());
    cut.proxy.cutOff();
    const a = createFanout({ url: cut.env.REDIS_URL, prefix: cut.env.REDIS_PREFIX });
    const b = createFanout({ url: cut.env.REDIS_URL, prefix: cut.env.REDIS_PREFIX });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const t0 = Date.now();
    expect(await a.start(500)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2_000);
    const got: unknown[] = [];
    const listener = (e: CustomEvent) => got.push(e.detail);
    a.eventTarget.addEventListener('topic', listener);
    a.eventTarget.dispatchEvent(new CustomEvent('topic', { detail: { n: 1 } }));
    expect(got).toEqual([{ n: 1 }]); // at once, in this process
    cut.proxy.restore();
    await until('a to share', () => a.status().ok);
    await b.start(5_000);
    b.eventTarget.dispatchEvent(new CustomEvent('topic', { detail: { n: 2 } }));
    a.eventTarget.dispatchEvent(new CustomEvent('topic', { detail: { n: 3 } }));
    await until('both events', () => got.length === 3);
    expect(got).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    a.eventTarget.removeEventListener('topic', listener);
    b.eventTarget.dispatchEvent(new CustomEvent('topic', { detail: { n: 4 } }));
    await new Promise((r) => setTimeout(r, 300));
    expect(got.length).toBe(3);
    expect(a.stats()).toMatchObject({ shared: true, localOnly: 1, published: 1 });
  });

  it('keeps Date values through its JSON', () => {
    const at = new Date('2031-05-06T07:08:09.010Z');
    const back = dateJson.parse(dateJson.stringify({ at, nested: [{ at }], s: 'x', n: null })) as {
      at: Date;
      nested: { at: Date }[];
    };
    expect(back.at).toBeInstanceOf(Date);
    expect(back.at.getTime()).toBe(at.getTime());
    expect(back.nested[0]!.at.toISOString()).toBe(at.toISOString());
  });
});
