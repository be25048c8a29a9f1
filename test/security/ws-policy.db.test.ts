// What Yoga's plugins refuse over HTTP is refused over the WebSocket too, now that portwatch runs
// `subscribe` messages itself (graphql/ws-subscribe.ts): a READ API token runs no mutation,
// introspection is off in production, armor's limits apply to subscriptions, and a subscription
// stream that fails for an unexpected reason says nothing of it (masked, coded), while a
// subscription's own refusal (NOT_FOUND) keeps its message and code. WS_MAX_SUBSCRIPTIONS operations
// run at once on one socket (before: one fewer, the new operation counting against itself).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { gid } from '../graphql/api-helpers.ts';
import { downEvent, rawConnect } from '../helpers/raw-ws.ts';

type Frame = { id?: string; type: string; payload?: { message: string; extensions?: { code?: string } }[] | unknown };
const ONE = 'subscription($id: ID) { monitorStatus(monitorId: $id) { monitorId phase } }';

const codesOf = (f: string): (string | undefined)[] => {
  const m = JSON.parse(f) as Frame;
  const errors = (m.type === 'error' ? m.payload : (m.payload as { errors?: unknown[] }).errors) as
    | { extensions?: { code?: string } }[]
    | undefined;
  return (errors ?? []).map((e) => e.extensions?.code);
};

describe(`Yoga's refusals hold over the WebSocket (${backend})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ NODE_ENV: 'production', WS_MAX_SUBSCRIPTIONS: '2' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a READ token runs queries but no mutation over the WebSocket', async () => {
    await makeCustomer(app.db.prisma, 'wspol-ada');
    const cookie = await app.login('wspol-ada', CUSTOMER_PASSWORD);
    const made = await app.gql<{ createApiToken: { data: { secret: string } } }>(
      'mutation { createApiToken(name: "r", scope: READ) { ... on MutationCreateApiTokenSuccess { data { secret } } } }',
      {},
      { cookie },
    );
    const secret = made.body.data!.createApiToken.data.secret;
    const c = await rawConnect(app.url, { token: secret });
    try {
      c.send({ id: 'q', type: 'subscribe', payload: { query: '{ viewer { loginId } }' } });
      c.send({
        id: 'm',
        type: 'subscribe',
        payload: { query: 'mutation { pauseMonitor(id: "TW9uaXRvcjpub3Bl") { __typename } }' },
      });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(4);
      const byId = (id: string) => c.frames.filter((f) => (JSON.parse(f) as Frame).id === id);
      expect(byId('q')[0]).toContain('wspol-ada');
      expect(codesOf(byId('m')[0]!)).toEqual(['INSUFFICIENT_SCOPE']);
      expect(byId('m')[0]).not.toContain('pauseMonitor":');
    } finally {
      c.close();
    }
  });

  it('no introspection in production, and armor limits subscriptions', async () => {
    await makeCustomer(app.db.prisma, 'wspol-bea');
    const cookie = await app.login('wspol-bea', CUSTOMER_PASSWORD);
    const c = await rawConnect(app.url, cookie);
    try {
      c.send({ id: 'i', type: 'subscribe', payload: { query: '{ __schema { types { name } } }' } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(1);
      expect(JSON.parse(c.frames[0]!)).toMatchObject({ id: 'i', type: 'error' });
      expect(c.frames[0]).toMatch(/introspection/i);
      const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: monitorId`).join(' ');
      c.send({ id: 'a', type: 'subscribe', payload: { query: `subscription { monitorStatus { ${aliases} } }` } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(2);
      expect(codesOf(c.frames[1]!)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(c.closed).toBeNull();
    } finally {
      c.close();
    }
  });

  it('a stream that fails unexpectedly is masked and coded; a refused monitor keeps NOT_FOUND', async () => {
    const p = app.db.prisma;
    const cy = await makeCustomer(p, 'wspol-cy');
    const monitor = await makeMonitor(p, { accountId: cy.id, ip: '198.51.100.44', ports: [443] });
    const other = await makeCustomer(p, 'wspol-dee');
    const foreign = await makeMonitor(p, { accountId: other.id, ip: '198.51.100.45', ports: [443] });
    const cookie = await app.login('wspol-cy', CUSTOMER_PASSWORD);
    const c = await rawConnect(app.url, cookie);
    try {
      c.send({ id: 'nf', type: 'subscribe', payload: { query: ONE, variables: { id: gid('Monitor', foreign.id) } } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(1);
      expect(JSON.parse(c.frames[0]!)).toMatchObject({ id: 'nf', type: 'error' });
      expect(codesOf(c.frames[0]!)).toEqual(['NOT_FOUND']);
      // the current state's read fails (a database error with internals in its text)
      const spy = vi
        .spyOn(app.services.prisma.monitor, 'findMany')
        .mockRejectedValueOnce(new Error('relation "secret_internal_table" does not exist'));
      try {
        c.send({ id: 'db', type: 'subscribe', payload: { query: ONE, variables: { id: gid('Monitor', monitor.id) } } });
        await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(2);
      } finally {
        spy.mockRestore();
      }
      expect(JSON.parse(c.frames[1]!)).toMatchObject({ id: 'db', type: 'error' });
      expect(c.frames[1]).not.toContain('secret_internal_table');
      expect(codesOf(c.frames[1]!)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(c.closed).toBeNull();
    } finally {
      c.close();
    }
  });

  it('runs WS_MAX_SUBSCRIPTIONS operations at once on one socket, and refuses the next', async () => {
    const p = app.db.prisma;
    const eli = await makeCustomer(p, 'wspol-eli');
    const monitor = await makeMonitor(p, { accountId: eli.id, ip: '198.51.100.46', ports: [443] });
    const cookie = await app.login('wspol-eli', CUSTOMER_PASSWORD);
    const vars = { id: gid('Monitor', monitor.id) };
    const c = await rawConnect(app.url, cookie);
    try {
      for (const id of ['a', 'b', 'c']) c.send({ id, type: 'subscribe', payload: { query: ONE, variables: vars } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(3);
      const seen = c.frames.map((f) => JSON.parse(f) as Frame).map((f) => `${f.id}:${f.type}`);
      expect(seen.sort()).toEqual(['a:next', 'b:next', 'c:error']);
      expect(codesOf(c.frames.find((f) => f.includes('"c"'))!)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
      // one completed: its place is free again
      c.send({ id: 'a', type: 'complete' });
      c.send({ id: 'd', type: 'subscribe', payload: { query: ONE, variables: vars } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(4);
      expect(JSON.parse(c.frames[3]!)).toMatchObject({ id: 'd', type: 'next' });
      expect(c.closed).toBeNull();
    } finally {
      c.close();
    }
  });

  it('a client that stops reading: its subscription ends with SUBSCRIPTION_OVERFLOW, not a masked internal error', async () => {
    const p = app.db.prisma;
    const fay = await makeCustomer(p, 'wspol-fay');
    const monitor = await makeMonitor(p, { accountId: fay.id, ip: '198.51.100.47', ports: [443] });
    const cookie = await app.login('wspol-fay', CUSTOMER_PASSWORD);
    const c = await rawConnect(app.url, cookie);
    const query = 'subscription($id: ID) { monitorStatus(monitorId: $id) { monitorId lastErrorMessage } }';
    try {
      c.send({ id: 's', type: 'subscribe', payload: { query, variables: { id: gid('Monitor', monitor.id) } } });
      const checks = 'subscription($id: ID!) { checkResults(monitorId: $id) { port errorMessage } }';
      c.send({ id: 'c', type: 'subscribe', payload: { query: checks, variables: { id: gid('Monitor', monitor.id) } } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(1); // the current state
      const live = app.services.events.live;
      await expect.poll(() => live.listeners('portStatus', fay.id), { timeout: 10_000 }).toBe(1);
      await expect.poll(() => live.listeners('checkResult', monitor.id), { timeout: 10_000 }).toBe(1);
      c.pause();
      // 16 KB events until the socket's buffers are full and 1,024 more wait in each stream
      const big = 'x'.repeat(16_384);
      const ev = app.services.events;
      for (let i = 0; i < 4_000 && live.listeners('portStatus', fay.id) > 0; i++) {
        ev.portStatus(downEvent(monitor.id, fay.id, 'ECONNREFUSED', { lastErrorMessage: big }));
        const at = new Date();
        ev.checkResult({
          monitorId: monitor.id,
          port: 443,
          at,
          ok: false,
          latencyMs: 1,
          errorCode: 'X',
          errorMessage: big,
        });
      }
      // both streams left their topics (before: the check results' iterator threw at its 1,025th
      // event, uncaught, and the process died)
      expect(live.listeners('portStatus', fay.id)).toBe(0);
      expect(live.listeners('checkResult', monitor.id)).toBe(0);
      c.resume();
      const errors = () => c.frames.filter((f) => (JSON.parse(f) as Frame).type === 'error');
      await expect.poll(() => errors().length, { timeout: 30_000 }).toBe(2);
      for (const f of errors()) {
        expect(codesOf(f)).toEqual(['SUBSCRIPTION_OVERFLOW']);
        expect(f).toMatch(/subscribe again/);
      }
      expect(
        errors()
          .map((f) => (JSON.parse(f) as Frame).id)
          .sort(),
      ).toEqual(['c', 's']);
      expect(c.closed).toBeNull();
      // the socket stays usable: the client subscribes again and gets the current state first
      const before = c.frames.length;
      c.send({ id: 's2', type: 'subscribe', payload: { query, variables: { id: gid('Monitor', monitor.id) } } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(before + 1);
      expect(JSON.parse(c.frames.at(-1)!)).toMatchObject({ id: 's2', type: 'next' });
    } finally {
      c.close();
    }
  });
});
