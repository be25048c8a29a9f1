// Issue 13 item 12: with no address configured, the firewall note shows the addresses the
// prober really connects from (found from this host's routes), marked as found; configured
// addresses win. Checked against the local address of a real TCP connection.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceFor } from '../../server/services/probe-sources.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { signIn, signInAdmin } from '../graphql/api-helpers.ts';

describe(`probe source addresses (${backend})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('the route-picked source equals the local address of a real connection', async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const local = socket.localAddress;
    socket.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    expect(await sourceFor('127.0.0.1')).toBe(local);
    expect(await sourceFor('not-an-ip')).toBeNull();
  });

  it('shows the discovered addresses when none are configured; configured ones replace them', async () => {
    const p = app.db.prisma;
    const c = await makeCustomer(p, 'fw');
    await makeMonitor(p, { accountId: c.id, ports: [22], ip: '127.0.0.1' });
    const customer = await signIn(app, 'fw', 'customer-password');
    const q = `{ probeInfo { sourceAddresses discovered } }`;
    const found = await app.gql<{ probeInfo: { sourceAddresses: string[]; discovered: boolean } }>(q, {}, customer);
    expect(found.body.data?.probeInfo.discovered).toBe(true);
    expect(found.body.data?.probeInfo.sourceAddresses).toContain(await sourceFor('127.0.0.1'));

    const admin = await signInAdmin(app);
    await app.gql(`mutation { setProbeSources(input: { addresses: ["198.51.100.9"] }) { __typename } }`, {}, admin);
    const set = await app.gql<{ probeInfo: { sourceAddresses: string[]; discovered: boolean } }>(q, {}, customer);
    expect(set.body.data?.probeInfo).toEqual({ sourceAddresses: ['198.51.100.9'], discovered: false });
  });
});
