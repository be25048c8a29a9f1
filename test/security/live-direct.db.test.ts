// Issue 14: a live event reaches a WebSocket subscriber that waits for it directly — one loop per
// topic and scope writes the audience's shared frame bytes to each socket, with no Repeater,
// iterator step or execution per subscriber (events/live-hub.ts, live-stream.ts,
// graphql/live-direct.ts). Checked on the wire (raw graphql-transport-ws frames): the direct
// frames are graphql-ws's own message text, byte-identical payloads within an audience, no event
// of another customer, publish order kept, and a subscription completed by its client in the
// middle of a broadcast gets nothing more while the others go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directWrites } from '../../server/graphql/live-direct.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import type { PortStatusEvent } from '../../server/events/events.ts';
import { gid } from '../graphql/api-helpers.ts';
import { downEvent, rawSubscribe } from '../helpers/raw-ws.ts';

const ONE = 'subscription($id: ID) { monitorStatus(monitorId: $id) { monitorId port phase lastErrorCode } }';

const payloadBytes = (frame: string) => frame.slice(frame.indexOf('"payload":'));
const codeOf = (frame: string) =>
  (JSON.parse(frame) as { payload: { data: { monitorStatus: { lastErrorCode: string | null } } } }).payload.data
    .monitorStatus.lastErrorCode;

describe(`live events written directly to waiting sockets (${backend})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ NODE_ENV: 'production' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('graphql-ws message bytes, one payload per audience, tenancy, order, complete mid-broadcast', async () => {
    const p = app.db.prisma;
    const alice = await makeCustomer(p, 'direct-alice');
    const bob = await makeCustomer(p, 'direct-bob');
    const aliceMonitor = await makeMonitor(p, { accountId: alice.id, ip: '198.51.100.31', ports: [443] });
    const bobMonitor = await makeMonitor(p, { accountId: bob.id, ip: '198.51.100.32', ports: [443] });
    const aliceCookie = await app.login('direct-alice', CUSTOMER_PASSWORD);
    const bobCookie = await app.login('direct-bob', CUSTOMER_PASSWORD);
    const adminCookie = await app.login(ADMIN.loginId, ADMIN.password);
    const aliceVars = { id: gid('Monitor', aliceMonitor.id) };
    // bob asks for alice's monitor with the very same text and variables: refused, never fed
    const sockets = {
      alice1: await rawSubscribe(app.url, aliceCookie, 'a-1', ONE, aliceVars),
      alice2: await rawSubscribe(app.url, aliceCookie, 'a-2', ONE, aliceVars),
      alice3: await rawSubscribe(app.url, aliceCookie, 'a-3', ONE, aliceVars),
      bobOwn: await rawSubscribe(app.url, bobCookie, 'b-1', ONE, { id: gid('Monitor', bobMonitor.id) }),
      bobPeek: await rawSubscribe(app.url, bobCookie, 'b-2', ONE, aliceVars),
      admin: await rawSubscribe(app.url, adminCookie, 'x-1', ONE, aliceVars),
    };
    const all = Object.values(sockets);
    try {
      const live = [sockets.alice1, sockets.alice2, sockets.alice3, sockets.bobOwn, sockets.admin];
      for (const s of live) await expect.poll(() => s.frames.length, { timeout: 20_000 }).toBe(1);
      await expect.poll(() => sockets.bobPeek.other.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(sockets.bobPeek.other.join()).toContain('NOT_FOUND');

      // 60 changes of alice's monitor, one of bob's beside each; alice2 completes after ~20
      const total = 60;
      const before = directWrites();
      for (let i = 0; i < total; i++) {
        app.services.events.portStatus(downEvent(aliceMonitor.id, alice.id, `E_ALICE_${i}`));
        app.services.events.portStatus(downEvent(bobMonitor.id, bob.id, `E_BOB_${i}`));
        if (i === 20) sockets.alice2.send({ id: 'a-2', type: 'complete' });
        await new Promise((r) => setTimeout(r, 5));
      }
      for (const s of [sockets.alice1, sockets.alice3, sockets.bobOwn, sockets.admin])
        await expect.poll(() => s.frames.length, { timeout: 10_000 }).toBe(1 + total);
      await new Promise((r) => setTimeout(r, 200));

      // the changes went the direct way (not one per subscriber through the iterator path)
      const cut = sockets.alice2.frames.length - 1;
      expect(directWrites() - before).toBeGreaterThanOrEqual(4 * total + cut - 4);
      // graphql-ws's message text exactly: id, type, payload in that order, nothing else
      for (const f of sockets.alice1.frames) {
        const m = JSON.parse(f) as { payload: unknown };
        expect(f).toBe(JSON.stringify({ id: 'a-1', type: 'next', payload: m.payload }));
      }
      // one audience, one payload: alice's three sockets get the same bytes for every change
      for (let i = 1; i <= total; i++) {
        expect(payloadBytes(sockets.alice3.frames[i]!)).toBe(payloadBytes(sockets.alice1.frames[i]!));
        if (i <= cut) expect(payloadBytes(sockets.alice2.frames[i]!)).toBe(payloadBytes(sockets.alice1.frames[i]!));
      }
      // publish order, none missing
      expect(sockets.alice1.frames.slice(1).map(codeOf)).toEqual(
        Array.from({ length: total }, (_, i) => `E_ALICE_${i}`),
      );
      expect(sockets.admin.frames.slice(1).map(codeOf)).toEqual(
        Array.from({ length: total }, (_, i) => `E_ALICE_${i}`),
      );
      expect(sockets.bobOwn.frames.slice(1).map(codeOf)).toEqual(Array.from({ length: total }, (_, i) => `E_BOB_${i}`));
      // tenancy: no customer hears another's change
      for (const s of [sockets.alice1, sockets.alice2, sockets.alice3]) expect(s.frames.join()).not.toContain('E_BOB');
      expect(sockets.bobOwn.frames.join()).not.toContain('E_ALICE');
      expect(sockets.bobPeek.frames).toEqual([]);
      // completed mid-broadcast: a gapless prefix, nothing after its complete, and the id free again
      expect(cut).toBeGreaterThanOrEqual(1);
      expect(cut).toBeLessThan(total);
      expect(sockets.alice2.frames.slice(1).map(codeOf)).toEqual(Array.from({ length: cut }, (_, i) => `E_ALICE_${i}`));
      expect(sockets.alice2.other).toEqual([]);
      sockets.alice2.send({ id: 'a-2', type: 'subscribe', payload: { query: ONE, variables: aliceVars } });
      await expect.poll(() => sockets.alice2.frames.length, { timeout: 10_000 }).toBe(cut + 2);
      app.services.events.portStatus(downEvent(aliceMonitor.id, alice.id, 'E_ALICE_AGAIN'));
      await expect.poll(() => sockets.alice2.frames.length, { timeout: 10_000 }).toBe(cut + 3);
      expect(codeOf(sockets.alice2.frames.at(-1)!)).toBe('E_ALICE_AGAIN');
      // a stream leaves its topic when its subscription ends
      expect(app.services.events.live.listeners('portStatus', alice.id)).toBe(3);
    } finally {
      for (const s of all) s.close();
    }
    await expect.poll(() => app.services.events.live.listeners('portStatus', alice.id), { timeout: 10_000 }).toBe(0);
  });
  it('the first change equal to the current state just sent is the overlap and is not sent again', async () => {
    const p = app.db.prisma;
    const carol = await makeCustomer(p, 'direct-carol');
    const monitor = await makeMonitor(p, { accountId: carol.id, ip: '198.51.100.33', ports: [22] });
    const cookie = await app.login('direct-carol', CUSTOMER_PASSWORD);
    const FULL =
      'subscription($id: ID) { monitorStatus(monitorId: $id) { host port phase since lastCheckAt lastErrorCode } }';
    const s = await rawSubscribe(app.url, cookie, 'c-1', FULL, { id: gid('Monitor', monitor.id) });
    try {
      await expect.poll(() => s.frames.length, { timeout: 20_000 }).toBe(1);
      type State = { host: string; port: number; phase: string; since: string; lastCheckAt: string | null };
      const cur = (JSON.parse(s.frames[0]!) as { payload: { data: { monitorStatus: State } } }).payload.data
        .monitorStatus;
      const same: PortStatusEvent = {
        monitorId: monitor.id,
        accountId: carol.id,
        host: cur.host,
        port: cur.port,
        phase: cur.phase,
        since: new Date(cur.since),
        lastCheckAt: cur.lastCheckAt ? new Date(cur.lastCheckAt) : null,
        lastOk: null,
        lastLatencyMs: null,
        lastErrorCode: null,
        lastErrorMessage: null,
      };
      app.services.events.portStatus(same); // the overlap: dropped
      app.services.events.portStatus({ ...same, phase: 'DOWN', lastErrorCode: 'E_ONE' });
      app.services.events.portStatus(same); // a real change back: sent
      await expect.poll(() => s.frames.length, { timeout: 10_000 }).toBe(3);
      await new Promise((r) => setTimeout(r, 100));
      expect(s.frames).toHaveLength(3);
      const phases = s.frames.map(
        (f) => (JSON.parse(f) as { payload: { data: { monitorStatus: State } } }).payload.data.monitorStatus.phase,
      );
      expect(phases).toEqual([cur.phase, 'DOWN', cur.phase]);
    } finally {
      s.close();
    }
  });
});
