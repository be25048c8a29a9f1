// Issue 12.1: access that ends. An open WebSocket (and an SSE stream) of a credential is closed
// (4403) within a second of the token's revocation, the session's logout or expiry, or the
// account being disabled; in another process too (through Redis when it answers). Operations
// on a socket re-check the credential.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { haveRedis, redisTestUrl, testPrefix } from '../scale/redis.ts';
import { customer, gid, ok, signIn, signInAdmin, type Auth } from '../graphql/api-helpers.ts';

const SUB = 'subscription { incidentChanged { change } }';

/** A raw graphql-transport-ws socket: connects, acks, subscribes; resolves its close code and when it closed. */
async function openSocket(url: string, opts: { cookie?: string; token?: string }) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
    headers: opts.cookie ? { cookie: opts.cookie } : {},
  });
  const closed = new Promise<{ code: number; at: number }>((resolve) =>
    ws.once('close', (code) => resolve({ code, at: Date.now() })),
  );
  const messages: { type: string; id?: string; payload?: unknown }[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d)) as never));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  ws.send(
    JSON.stringify({ type: 'connection_init', payload: opts.token ? { authorization: `Bearer ${opts.token}` } : {} }),
  );
  await expect.poll(() => messages.some((m) => m.type === 'connection_ack'), { timeout: 20_000 }).toBe(true);
  ws.send(JSON.stringify({ id: 's1', type: 'subscribe', payload: { query: SUB } }));
  return { ws, closed, messages };
}

async function createToken(app: TestApp, auth: Auth, name: string): Promise<{ secret: string; id: string }> {
  const d = await ok<{ createApiToken: { data: { secret: string; token: { id: string } } } }>(
    app,
    auth,
    `mutation($n: String!) { createApiToken(name: $n) { ... on MutationCreateApiTokenSuccess { data { secret token { id } } } } }`,
    { n: name },
  );
  return { secret: d.createApiToken.data.secret, id: d.createApiToken.data.token.id };
}

describe(`revocation closes sockets and streams (${backend})`, () => {
  let app: TestApp;
  let admin: Auth;

  beforeAll(async () => {
    app = await startTestApp({ NODE_ENV: 'production' });
    for (const l of ['rv-token', 'rv-logout', 'rv-disable', 'rv-expiry']) await customer(app.db.prisma, l);
    admin = await signInAdmin(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('revoking an API token closes its WebSocket within 1 s and ends its SSE stream; a sibling token keeps working', async () => {
    const auth = await signIn(app, 'rv-token');
    const token = await createToken(app, auth, 'script');
    const other = await createToken(app, auth, 'other script');
    const sock = await openSocket(app.url, { token: token.secret });
    const sibling = await openSocket(app.url, { token: other.secret });
    const sse = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${token.secret}`,
      },
      body: JSON.stringify({ query: SUB }),
    });
    expect(sse.status).toBe(200);
    const reader = sse.body!.getReader();
    const ended = (async () => {
      try {
        while (!(await reader.read()).done);
      } catch {
        /* reset: ended too */
      }
      return Date.now();
    })();
    await new Promise((r) => setTimeout(r, 200));

    await ok(app, auth, `mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }`, { id: token.id });
    const t0 = Date.now(); // the revocation is committed when the mutation answers (the close may even come first)
    const { code, at } = await sock.closed;
    expect(code).toBe(4403);
    expect(at - t0).toBeLessThan(1_000);
    expect((await ended) - t0).toBeLessThan(1_000);
    // the sibling token's socket stays open and usable
    expect(sibling.ws.readyState).toBe(WebSocket.OPEN);
    sibling.ws.send(JSON.stringify({ id: 'q', type: 'subscribe', payload: { query: '{ viewer { loginId } }' } }));
    await expect
      .poll(() => sibling.messages.find((m) => m.id === 'q' && m.type === 'next')?.payload, { timeout: 10_000 })
      .toEqual({ data: { viewer: { loginId: 'rv-token' } } });
    sibling.ws.close();
    // and the revoked token reads as revoked, not as anonymous
    const r = await app.gql(`{ viewer { loginId } }`, {}, { token: token.secret });
    expect(r.body.errors?.[0]?.extensions?.code).toBe('TOKEN_REVOKED');
  });

  it("logging out closes the session's sockets within 1 s", async () => {
    const auth = await signIn(app, 'rv-logout');
    const sock = await openSocket(app.url, { cookie: auth.cookie });
    await ok(app, auth, `mutation { logout }`);
    const t0 = Date.now();
    const { code, at } = await sock.closed;
    expect(code).toBe(4403);
    expect(at - t0).toBeLessThan(1_000);
  });

  it('disabling a customer closes every socket of the account (session and token) within 1 s; re-enabling restores nothing', async () => {
    const auth = await signIn(app, 'rv-disable');
    const token = await createToken(app, auth, 'partner');
    const bySession = await openSocket(app.url, { cookie: auth.cookie });
    const byToken = await openSocket(app.url, { token: token.secret });
    const account = await app.db.prisma.account.findUniqueOrThrow({ where: { loginId: 'rv-disable' } });
    await ok(app, admin, `mutation($id: ID!) { disableCustomer(id: $id) { __typename } }`, {
      id: gid('Account', account.id),
    });
    const t0 = Date.now();
    const [a, b] = await Promise.all([bySession.closed, byToken.closed]);
    expect([a.code, b.code]).toEqual([4403, 4403]);
    expect(Math.max(a.at, b.at) - t0).toBeLessThan(1_000);
    // a new socket with the token is refused
    const again = new WebSocket(`${app.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => {
      again.once('open', () =>
        again.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token.secret}` } })),
      );
      again.once('close', (c) => resolve(c));
    });
    expect(code).toBe(4403);
  });

  it("closes a session's socket when the session expires", async () => {
    const auth = await signIn(app, 'rv-expiry');
    const id = (await app.db.prisma.session.findFirstOrThrow({ where: { account: { loginId: 'rv-expiry' } } })).id;
    const expiresAt = new Date(Date.now() + 2_500);
    await app.db.prisma.session.update({ where: { id }, data: { expiresAt } });
    const sock = await openSocket(app.url, { cookie: auth.cookie });
    const { code, at } = await sock.closed;
    expect(code).toBe(4403);
    expect(at - expiresAt.getTime()).toBeGreaterThanOrEqual(-50);
    expect(at - expiresAt.getTime()).toBeLessThan(1_000);
  });

  it('re-checks the credential for every operation on an open socket', async () => {
    const auth = await signIn(app, 'rv-token');
    const token = await createToken(app, auth, 'recheck');
    const sock = await openSocket(app.url, { token: token.secret });
    // revoke behind the server's back (no event): the next operation finds out and closes the socket
    await app.db.prisma.apiToken.update({ where: { id: decodeId(token.id) }, data: { revokedAt: new Date() } });
    sock.ws.send(
      JSON.stringify({
        id: 'm',
        type: 'subscribe',
        payload: { query: 'mutation { createApiToken(name: "minted") { __typename } }' },
      }),
    );
    const { code } = await sock.closed;
    expect(code).toBe(4403);
    expect(sock.messages.some((m) => m.id === 'm' && m.type === 'next')).toBe(false);
    expect(await app.db.prisma.apiToken.count({ where: { name: 'minted' } })).toBe(0);
  });
});

function decodeId(globalId: string): string {
  return Buffer.from(globalId, 'base64').toString('utf8').split(':').slice(1).join(':');
}

describe.runIf(await haveRedis())(`revocation reaches another process through Redis (${backend})`, () => {
  let one: TestApp;
  let two: TestApp;
  beforeAll(async () => {
    const env = { NODE_ENV: 'production', REDIS_URL: redisTestUrl.toString(), REDIS_PREFIX: testPrefix() };
    one = await startTestApp(env);
    two = await startTestApp(env, { shareDatabaseWith: one });
    await customer(one.db.prisma, 'rv-multi');
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  it('a token revoked on process 1 closes its socket on process 2 within 1 s', async () => {
    const auth = await signIn(one, 'rv-multi');
    const token = await createToken(one, auth, 'multi');
    const sock = await openSocket(two.url, { token: token.secret });
    await ok(one, auth, `mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }`, { id: token.id });
    const t0 = Date.now();
    const { code, at } = await sock.closed;
    expect(code).toBe(4403);
    expect(at - t0).toBeLessThan(1_000);
  });
});
