// Issue 14: portwatch runs graphql-transport-ws `subscribe` messages itself (graphql/ws-subscribe.ts)
// instead of graphql-ws and envelop's per-operation machinery. Checked on the wire, frame by
// frame, against what graphql-ws sends: a query's `next` then `complete`; a parse failure's
// `error` with the socket left open; a refused subscription's coded `next` then `complete`; a
// live subscription's frames until the client's `complete`, nothing after it, the id free
// again; the protocol's closes (4401 before the acknowledgement, 4409 for an id in use, 4400 for
// an id over 256 characters); and the
// /metrics gauge of live subscriptions going up and back down; an event whose execution fails
// masked and coded, the subscription going on. (Every case passes against the graphql-ws and
// envelop implementation before it too: the same behaviour on the wire.)
// Also an operation id completed and subscribed again while its first operation is still being
// set up: the first must end, not run on beside the second under the same id (before, it was an
// orphan that no `complete` or close reached: its hub listener and /metrics count stayed after the
// socket closed, and a client could pile them up past WS_MAX_SUBSCRIPTIONS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { gid } from '../graphql/api-helpers.ts';
import { downEvent, rawConnect, activeSubscriptions } from '../helpers/raw-ws.ts';

const TOKEN = 'metrics-token-ws-subscribe-0123';
const ONE = 'subscription($id: ID) { monitorStatus(monitorId: $id) { monitorId port phase lastErrorCode } }';
type Frame = { id?: string; type: string; payload?: unknown };
const parsed = (f: string) => JSON.parse(f) as Frame;

describe(`WebSocket operations run by portwatch's own loop (${backend})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ NODE_ENV: 'production', METRICS_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await app?.close();
  });

  const activeGauge = () => activeSubscriptions(app.url, TOKEN);

  it('answers queries, failures and subscriptions with graphql-ws message text, and counts live ones', async () => {
    const p = app.db.prisma;
    const dora = await makeCustomer(p, 'wsop-dora');
    const monitor = await makeMonitor(p, { accountId: dora.id, ip: '198.51.100.41', ports: [443] });
    const cookie = await app.login('wsop-dora', CUSTOMER_PASSWORD);
    const vars = { id: gid('Monitor', monitor.id) };
    const c = await rawConnect(app.url, cookie);
    try {
      // a query: its result, then complete
      c.send({ id: 'q-1', type: 'subscribe', payload: { query: '{ __typename }' } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(2);
      expect(c.frames).toEqual([
        JSON.stringify({ id: 'q-1', type: 'next', payload: { data: { __typename: 'Query' } } }),
        JSON.stringify({ id: 'q-1', type: 'complete' }),
      ]);
      // a syntax error: one coded `error`, no complete, the socket stays open
      c.send({ id: 'bad', type: 'subscribe', payload: { query: 'subscription {' } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(3);
      const bad = parsed(c.frames[2]!);
      expect(bad).toMatchObject({ id: 'bad', type: 'error' });
      expect(JSON.stringify(bad.payload)).toContain('GRAPHQL_PARSE_FAILED');
      expect(Object.keys(bad)).toEqual(['id', 'type', 'payload']);
      // inputs refused before the subscription starts: a coded `next`, then complete
      c.send({ id: 'nul', type: 'subscribe', payload: { query: ONE, variables: { id: 'a\u0000b' } } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(5);
      expect(parsed(c.frames[3]!)).toMatchObject({ id: 'nul', type: 'next', payload: { errors: [{}] } });
      expect(c.frames[3]).toContain('BAD_USER_INPUT');
      expect(c.frames[4]).toBe(JSON.stringify({ id: 'nul', type: 'complete' }));
      expect(c.closed).toBeNull();

      // a live subscription: the current state, each change, nothing after the client's complete
      const gauge = await activeGauge();
      c.send({ id: 's-1', type: 'subscribe', payload: { query: ONE, variables: vars } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(6);
      expect(await activeGauge()).toBe(gauge + 1);
      app.services.events.portStatus(downEvent(monitor.id, dora.id, 'E_ONE'));
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(7);
      expect(parsed(c.frames[6]!)).toEqual({
        id: 's-1',
        type: 'next',
        payload: { data: { monitorStatus: { monitorId: vars.id, port: 443, phase: 'DOWN', lastErrorCode: 'E_ONE' } } },
      });
      c.send({ id: 's-1', type: 'complete' });
      await expect.poll(() => activeGauge(), { timeout: 10_000 }).toBe(gauge);
      app.services.events.portStatus(downEvent(monitor.id, dora.id, 'E_TWO'));
      // the id is free again: a new subscription under it gets the current state and what follows
      c.send({ id: 's-1', type: 'subscribe', payload: { query: ONE, variables: vars } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(8);
      // the current state (read from the database), not the change published after the complete
      expect(c.frames[7]).not.toContain('E_TWO');
      expect(c.frames[7]).not.toContain('E_ONE');
      app.services.events.portStatus(downEvent(monitor.id, dora.id, 'E_THREE'));
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(9);
      expect(c.frames.slice(6).map((f) => parsed(f).id)).toEqual(['s-1', 's-1', 's-1']);
      expect(c.frames.slice(6).map((f) => parsed(f).type)).toEqual(['next', 'next', 'next']);
      expect(c.frames[8]).toContain('E_THREE');

      // an id that is in use: 4409, as graphql-ws closes it
      c.send({ id: 's-1', type: 'subscribe', payload: { query: ONE, variables: vars } });
      await expect.poll(() => c.closed?.code, { timeout: 10_000 }).toBe(4409);
      // the closed socket's subscription ended with it
      await expect.poll(() => activeGauge(), { timeout: 10_000 }).toBe(gauge);
      await expect.poll(() => app.services.events.live.listeners('portStatus', dora.id), { timeout: 10_000 }).toBe(0);
    } finally {
      c.close();
    }
  });

  it('masks and codes an event whose execution fails, and the subscription goes on', async () => {
    const p = app.db.prisma;
    const fay = await makeCustomer(p, 'wsop-fay');
    const monitor = await makeMonitor(p, { accountId: fay.id, ip: '198.51.100.42', ports: [443] });
    const cookie = await app.login('wsop-fay', CUSTOMER_PASSWORD);
    const c = await rawConnect(app.url, cookie);
    try {
      c.send({ id: 'f-1', type: 'subscribe', payload: { query: ONE, variables: { id: gid('Monitor', monitor.id) } } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(1);
      // a non-null field without a value: an execution error, not the caller's mistake
      app.services.events.portStatus(downEvent(monitor.id, fay.id, 'E_BROKEN', { phase: null as unknown as 'DOWN' }));
      app.services.events.portStatus(downEvent(monitor.id, fay.id, 'E_AFTER'));
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(3);
      const broken = parsed(c.frames[1]!) as {
        id: string;
        type: string;
        payload: { errors: { message: string; extensions: { code: string } }[] };
      };
      expect(broken).toMatchObject({ id: 'f-1', type: 'next' });
      expect(broken.payload.errors.map((e) => [e.message, e.extensions.code])).toEqual([
        ['Unexpected error.', 'INTERNAL_SERVER_ERROR'],
      ]);
      expect(c.frames[1]).not.toContain('Cannot return null');
      expect(c.frames[2]).toContain('E_AFTER');
    } finally {
      c.close();
    }
  });

  it('closes 4400 for an operation id over 256 characters, and takes one of 256', async () => {
    await makeCustomer(app.db.prisma, 'wsop-gil');
    const cookie = await app.login('wsop-gil', CUSTOMER_PASSWORD);
    const c = await rawConnect(app.url, cookie);
    try {
      c.send({ id: 'a'.repeat(256), type: 'subscribe', payload: { query: '{ __typename }' } });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(2);
      expect(c.frames.map((f) => parsed(f).type)).toEqual(['next', 'complete']);
      c.send({ id: 'b'.repeat(257), type: 'subscribe', payload: { query: '{ __typename }' } });
      await expect.poll(() => c.closed?.code, { timeout: 10_000 }).toBe(4400);
      expect(c.closed?.reason).toBe('Operation id over 256 characters');
      expect(c.frames).toHaveLength(2);
    } finally {
      c.close();
    }
  });

  it('closes 4401 for a subscribe before the connection is acknowledged', async () => {
    await makeCustomer(app.db.prisma, 'wsop-eve');
    const cookie = await app.login('wsop-eve', CUSTOMER_PASSWORD);
    const c = await rawConnect(app.url, cookie, false);
    try {
      c.send({ id: 'early', type: 'subscribe', payload: { query: '{ __typename }' } });
      await expect.poll(() => c.closed?.code, { timeout: 10_000 }).toBe(4401);
      expect(c.frames).toEqual([]);
    } finally {
      c.close();
    }
  });

  it('ends the first operation: one stream under the id, nothing left once the socket closes', async () => {
    const p = app.db.prisma;
    const gil = await makeCustomer(p, 'wsid-gil');
    const monitor = await makeMonitor(p, { accountId: gil.id, ip: '198.51.100.43', ports: [443] });
    const cookie = await app.login('wsid-gil', CUSTOMER_PASSWORD);
    const vars = { id: gid('Monitor', monitor.id) };
    const gauge = await activeGauge();
    const c = await rawConnect(app.url, cookie);
    const rounds = 5;
    try {
      for (let i = 0; i < rounds; i++) {
        c.send({ id: 'r', type: 'subscribe', payload: { query: ONE, variables: vars } });
        c.send({ id: 'r', type: 'complete' });
      }
      c.send({ id: 'r', type: 'subscribe', payload: { query: ONE, variables: vars } });
      // the last subscription's current state arrives; the completed ones send nothing
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
      await expect.poll(() => activeGauge(), { timeout: 10_000 }).toBe(gauge + 1);
      await expect.poll(() => app.services.events.live.listeners('portStatus', gil.id), { timeout: 10_000 }).toBe(1);
      const before = c.frames.length;
      app.services.events.portStatus(downEvent(monitor.id, gil.id, 'E_ONCE'));
      await expect.poll(() => c.frames.filter((f) => f.includes('E_ONCE')).length, { timeout: 10_000 }).toBe(1);
      // one `next` per event for the id, never two
      app.services.events.portStatus(downEvent(monitor.id, gil.id, 'E_LAST'));
      await expect.poll(() => c.frames.filter((f) => f.includes('E_LAST')).length, { timeout: 10_000 }).toBe(1);
      expect(c.frames.filter((f) => f.includes('E_ONCE')).length).toBe(1);
      expect(c.frames.slice(before).map((f) => parsed(f).type)).toEqual(['next', 'next']);
      expect(c.closed).toBeNull();
    } finally {
      c.close();
    }
    await expect.poll(() => c.closed?.code, { timeout: 10_000 }).toBeDefined();
    await expect.poll(() => app.services.events.live.listeners('portStatus', gil.id), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => activeGauge(), { timeout: 10_000 }).toBe(gauge);
  });
});
