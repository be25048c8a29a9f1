// An operation id that is completed and subscribed again while its first operation is still being
// set up (credential check, tenancy check, current state): the first operation must end, not run on
// beside the second under the same id. Before, the first was installed under the id too, then
// overwritten by the second: an orphan that no `complete` or close reached — its hub listener and
// its /metrics count stayed after the socket closed, and a client could pile them up past
// WS_MAX_SUBSCRIPTIONS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { gid } from '../graphql/api-helpers.ts';
import { downEvent, rawConnect, activeSubscriptions } from '../helpers/raw-ws.ts';

const TOKEN = 'metrics-token-ws-id-reuse-0123';
const ONE = 'subscription($id: ID) { monitorStatus(monitorId: $id) { monitorId port phase lastErrorCode } }';
type Frame = { id?: string; type: string; payload?: unknown };

describe(`WebSocket id reused while its operation is set up (${backend})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ NODE_ENV: 'production', METRICS_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await app?.close();
  });

  const activeGauge = () => activeSubscriptions(app.url, TOKEN);

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
      expect(c.frames.slice(before).map((f) => (JSON.parse(f) as Frame).type)).toEqual(['next', 'next']);
      expect(c.closed).toBeNull();
    } finally {
      c.close();
    }
    await expect.poll(() => c.closed?.code, { timeout: 10_000 }).toBeDefined();
    await expect.poll(() => app.services.events.live.listeners('portStatus', gil.id), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => activeGauge(), { timeout: 10_000 }).toBe(gauge);
  });
});
