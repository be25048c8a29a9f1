// Issue 14: a live event is executed and serialised once per audience (operation, variables,
// viewer's role, account and language) and the same payload bytes go to every subscriber of the
// audience. Checked on the wire (raw graphql-transport-ws frames): two sockets of one customer
// get byte-identical payloads, two admins watching one monitor too, and a customer whose subscription has the very
// same operation text and variables never gets another customer's event through the shared path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { gid } from '../graphql/api-helpers.ts';
import { downEvent, rawSubscribe } from '../helpers/raw-ws.ts';

// the same text and variables for every subscriber: only the viewer tells the audiences apart
const ALL_MINE = 'subscription { monitorStatus { monitorId port phase lastErrorCode } }';
// admins watch one monitor (its current state first tells that the subscription is live)
const ONE = 'subscription($id: ID) { monitorStatus(monitorId: $id) { monitorId port phase lastErrorCode } }';

/** The payload's bytes of a `next` frame (what follows the subscription id and type). */
const payloadBytes = (frame: string) => frame.slice(frame.indexOf('"payload":'));
const dataOf = (frame: string) =>
  (JSON.parse(frame) as { payload: { data: { monitorStatus: { monitorId: string; lastErrorCode: string | null } } } })
    .payload.data.monitorStatus;

describe(`live events: one serialisation per audience, never across tenants (${backend})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ NODE_ENV: 'production' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('same audience: identical payload bytes; another customer with the same operation: nothing of it', async () => {
    const p = app.db.prisma;
    const alice = await makeCustomer(p, 'json-alice');
    const bob = await makeCustomer(p, 'json-bob');
    const aliceMonitor = await makeMonitor(p, { accountId: alice.id, ip: '198.51.100.21', ports: [443] });
    const bobMonitor = await makeMonitor(p, { accountId: bob.id, ip: '198.51.100.22', ports: [443] });
    const aliceCookie = await app.login('json-alice', CUSTOMER_PASSWORD);
    const bobCookie = await app.login('json-bob', CUSTOMER_PASSWORD);
    const adminCookie = await app.login(ADMIN.loginId, ADMIN.password);
    const sockets = {
      alice1: await rawSubscribe(app.url, aliceCookie, 'a-1', ALL_MINE),
      alice2: await rawSubscribe(app.url, aliceCookie, 'a-2', ALL_MINE),
      bob: await rawSubscribe(app.url, bobCookie, 'b-1', ALL_MINE),
      admin1: await rawSubscribe(app.url, adminCookie, 'x-1', ONE, { id: gid('Monitor', aliceMonitor.id) }),
      admin2: await rawSubscribe(app.url, adminCookie, 'x-2', ONE, { id: gid('Monitor', aliceMonitor.id) }),
    };
    try {
      // the current state first (one port each)
      for (const s of Object.values(sockets)) await expect.poll(() => s.frames.length, { timeout: 20_000 }).toBe(1);
      app.services.events.portStatus(downEvent(aliceMonitor.id, alice.id, 'E_ALICE'));
      app.services.events.portStatus(downEvent(bobMonitor.id, bob.id, 'E_BOB'));
      for (const s of Object.values(sockets)) await expect.poll(() => s.frames.length, { timeout: 10_000 }).toBe(2);

      // each subscriber's own id on its frames
      expect(sockets.alice1.frames.every((f) => f.startsWith('{"id":"a-1"'))).toBe(true);
      expect(sockets.alice2.frames.every((f) => f.startsWith('{"id":"a-2"'))).toBe(true);
      // one audience: the same bytes
      expect(payloadBytes(sockets.alice1.frames[1]!)).toBe(payloadBytes(sockets.alice2.frames[1]!));
      expect(payloadBytes(sockets.admin1.frames[1]!)).toBe(payloadBytes(sockets.admin2.frames[1]!));
      // each customer hears its own monitor only, though the operation and variables are the same
      expect(dataOf(sockets.alice1.frames[1]!)).toMatchObject({
        monitorId: gid('Monitor', aliceMonitor.id),
        lastErrorCode: 'E_ALICE',
      });
      expect(dataOf(sockets.bob.frames[1]!)).toMatchObject({
        monitorId: gid('Monitor', bobMonitor.id),
        lastErrorCode: 'E_BOB',
      });
      for (const s of [sockets.alice1, sockets.alice2]) expect(s.frames.join()).not.toContain('E_BOB');
      expect(sockets.bob.frames.join()).not.toContain('E_ALICE');
      expect(sockets.bob.frames.join()).not.toContain(gid('Monitor', aliceMonitor.id));
      // the admins hear alice's monitor's change (their own audience: the same data, executed apart)
      expect(dataOf(sockets.admin1.frames[1]!).lastErrorCode).toBe('E_ALICE');
      for (const s of Object.values(sockets)) expect(s.errors).toEqual([]);
    } finally {
      for (const s of Object.values(sockets)) s.close();
    }
  });
});
