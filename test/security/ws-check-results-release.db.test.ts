// A checkResults subscription (an async generator over the pubsub) completed by the client, or
// whose socket closed, lets go of its pubsub listener at once, also on a monitor with no checks
// coming (paused): before, the generator's return() waited behind its pending next(), i.e. for
// the monitor's next check, so subscribing and completing again and again piled listeners up.
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { gid } from '../graphql/api-helpers.ts';
import { rawConnect } from '../helpers/raw-ws.ts';

const CHECKS = 'subscription($id: ID!) { checkResults(monitorId: $id) { port ok } }';

describe(`checkResults subscriptions release their listener (${backend})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ NODE_ENV: 'production' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('on the client complete and on close, with no event coming', async () => {
    const p = app.db.prisma;
    const hal = await makeCustomer(p, 'wscr-hal');
    const monitor = await makeMonitor(p, { accountId: hal.id, ip: '198.51.100.47', ports: [443] });
    const cookie = await app.login('wscr-hal', CUSTOMER_PASSWORD);
    const target = (app.services.events.live as unknown as { target: EventTarget }).target;
    const listeners = () => getEventListeners(target, `checkResult:${monitor.id}`).length;
    const c = await rawConnect(app.url, cookie);
    try {
      for (const id of ['a', 'b', 'c']) {
        c.send({ id, type: 'subscribe', payload: { query: CHECKS, variables: { id: gid('Monitor', monitor.id) } } });
        await expect.poll(listeners, { timeout: 10_000 }).toBe(1);
        c.send({ id, type: 'complete' });
        await expect.poll(listeners, { timeout: 10_000 }).toBe(0);
      }
      c.send({ id: 'd', type: 'subscribe', payload: { query: CHECKS, variables: { id: gid('Monitor', monitor.id) } } });
      await expect.poll(listeners, { timeout: 10_000 }).toBe(1);
      // the one running still gets the checks (and the completed ones sent nothing)
      const check = { monitorId: monitor.id, port: 443, at: new Date(), ok: true, latencyMs: 3 };
      app.services.events.checkResult({ ...check, errorCode: null, errorMessage: null });
      await expect.poll(() => c.frames.length, { timeout: 10_000 }).toBe(1);
      expect(JSON.parse(c.frames[0]!)).toEqual({
        id: 'd',
        type: 'next',
        payload: { data: { checkResults: { port: 443, ok: true } } },
      });
    } finally {
      c.close();
    }
    await expect.poll(listeners, { timeout: 10_000 }).toBe(0);
  });
});
