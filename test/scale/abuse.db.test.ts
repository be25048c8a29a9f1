// The abuse suite: 3,000 operations on each backend generated from the printed schema (fast-check,
// fixed seeds, PostgreSQL's other than PGlite's, so the two runs together send 6,000 different
// operations; ABUSE_SEED / ABUSE_OPS override) over HTTP and WebSocket, as anonymous, customer and admin,
// against a production-mode server. Every answer must be a well-formed GraphQL response, never a
// 5xx, never an internal (masked) error, never another tenant's data; the WebSocket connections
// must survive every refused operation. Then the limits one by one: deep, aliased, directive and
// token floods, oversized bodies, login brute force, and IPs nobody may monitor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, ADMIN, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { customer, gid, signIn, type Auth } from '../graphql/api-helpers.ts';
import { emptyReport, httpOp, pool, rawSocket, summary, wsOp, type RawSocket, type RunReport } from './abuse-run.ts';
import { generateOps, printedSchema } from './gen-ops.ts';

const OPS = Number(process.env.ABUSE_OPS ?? 3_000);
// HTTP takes SEED, WebSocket SEED + 1: PostgreSQL's run starts two seeds further
const SEED = Number(process.env.ABUSE_SEED ?? 20260707) + (backend === 'postgres' ? 2 : 0);
const BOB = ['bob-x7q', '203.0.113.77', 'bob-contact-x7q'];
const ALICE = ['alice-k2m', '203.0.113.66', 'alice-contact-k2m'];

async function tenant(app: TestApp, loginId: string, ip: string, contact: string) {
  const p = app.db.prisma;
  const { account, servers } = await customer(p, loginId, { ips: [ip] });
  const server = servers[0]!;
  const m = await p.monitor.create({
    data: {
      accountId: account.id,
      serverId: server.id,
      activeServerId: server.id,
      host: ip,
      ports: [22, 80],
      contactName: contact,
      contactEmail: `${contact}@example.com`,
    },
  });
  const inc = await p.incident.create({
    data: {
      monitorId: m.id,
      accountId: account.id,
      openMonitorId: m.id,
      host: ip,
      ports: [22],
      reason: 'ECONNREFUSED',
    },
  });
  const note = await p.notification.create({
    data: {
      incidentId: inc.id,
      accountId: account.id,
      kind: 'DOWN',
      channel: 'EMAIL',
      recipient: `${contact}@example.com`,
      recipientRole: 'CONTACT',
      status: 'YES',
    },
  });
  await p.failureRun.create({
    data: {
      monitorId: m.id,
      port: 22,
      firstAt: new Date(),
      lastAt: new Date(),
      count: 1,
      slots: [1],
      code: 'ECONNREFUSED',
      message: `connect ECONNREFUSED ${ip}:22`,
      incidentId: inc.id,
    },
  });
  return [
    gid('Account', account.id),
    gid('Server', server.id),
    gid('Monitor', m.id),
    gid('Incident', inc.id),
    gid('Notification', note.id),
  ];
}

describe(`abuse (${backend})`, () => {
  let app: TestApp;
  let alice: Auth;
  let admin: Auth;
  let ids: string[];
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    app = await startTestApp({ NODE_ENV: 'production', LOGIN_MAX_FAILURES: '5' });
    ids = [
      ...(await tenant(app, 'alice-k2m', '203.0.113.66', 'alice-contact-k2m')),
      ...(await tenant(app, 'bob-x7q', '203.0.113.77', 'bob-contact-x7q')),
    ];
    await customer(app.db.prisma, 'carol');
    alice = await signIn(app, 'alice-k2m');
    admin = await signIn(app, ADMIN.loginId, ADMIN.password);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
  });

  const roles = () => [
    { role: 'anonymous', auth: {} as Auth | Record<string, never>, forbidden: [...ALICE, ...BOB] },
    { role: 'customer', auth: alice, forbidden: BOB },
    { role: 'admin', auth: admin, forbidden: [] as string[] },
  ];

  const LIMITS: [string, string, RegExp][] = [
    // (as deep as this, the cost limit may be the first to object)
    [
      'deep',
      `{ monitors { nodes { server { ${'account { servers { nodes { '.repeat(6)}ip${' } } }'.repeat(6)} } } } }`,
      /depth|cost/i,
    ],
    // (graphql-armor lets aliases of __typename through: they cost nothing)
    ['aliases', `{ ${Array.from({ length: 60 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`, /alias/i],
    ['directives', `{ __typename ${'@include(if: true) '.repeat(40)}}`, /directive/i],
    ['tokens', `{ ${'__typename '.repeat(4000)}}`, /token/i],
  ];

  it('refuses deep, aliased, directive and token floods over HTTP with a clean error', async () => {
    for (const [name, query, message] of LIMITS) {
      const r = await app.gql(query, {}, alice);
      expect(r.status, name).toBeLessThan(500);
      expect(r.body.data ?? null, name).toBeNull();
      expect(r.body.errors?.[0]?.message, name).toMatch(message);
    }
  });

  it('refuses them over WebSocket with an error message for that operation; the socket stays open', async () => {
    const socket = await rawSocket(app.url, alice.cookie);
    sockets.push(socket);
    for (const [name, query, message] of LIMITS) {
      const answer = await socket.run({ kind: 'query', shape: name, query });
      expect(
        answer.map((m) => m.type),
        name,
      ).toEqual(['error']);
      expect((answer[0]!.payload as { message: string }[])[0]?.message, name).toMatch(message);
    }
    const after = await socket.run({ kind: 'query', shape: 'fields', query: '{ viewer { loginId } }' });
    expect(after).toEqual([
      { type: 'next', payload: { data: { viewer: { loginId: 'alice-k2m' } } } },
      { type: 'complete' },
    ]);
    expect(socket.closes).toEqual([]);
  });

  it('refuses bodies over 1 MiB (413) and bodies of unknown length (411) before reading them', async () => {
    const big = JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(2 * 1024 * 1024) } });
    const r = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(r.status).toBe(413);
    expect(((await r.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    const stream = new ReadableStream({
      start: (c) => {
        c.enqueue(new TextEncoder().encode('{"query":"{ __typename }"}'));
        c.close();
      },
    });
    const chunked = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(411);
    // just under the limit: parsed, refused by the token limit, not a 5xx
    const nearly = await app.gql(`{ ${'__typename '.repeat(90_000)}}`);
    expect(nearly.status).toBe(200); // application/json: GraphQL errors travel with 200
    expect(nearly.body.errors?.[0]?.message).toMatch(/token/i);
    // WebSocket: a message over the limit closes that socket (1009: there is no operation id to answer)
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'connection_init' }));
    const code = await new Promise<number>((resolve) => {
      ws.once('close', (c) => resolve(c));
      ws.send(
        JSON.stringify({
          id: '1',
          type: 'subscribe',
          payload: { query: '{ __typename }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } },
        }),
      );
    });
    expect(code).toBe(1009);
    expect((await app.gql(`{ __typename }`)).body.data).toEqual({ __typename: 'Query' });
  });

  it('throttles login brute force per login id, without holding other login ids', async () => {
    const LOGIN = `mutation($l: String!, $p: String!) { login(loginId: $l, password: $p) { __typename ... on AuthError { code retryAfterSeconds } } }`;
    const codes: string[] = [];
    for (let i = 0; i < 5; i++)
      codes.push(
        String(
          (await app.gql<{ login: { code: string } }>(LOGIN, { l: 'carol', p: `guess-${i}` })).body.data?.login.code,
        ),
      );
    expect(codes).toEqual(Array(5).fill('INVALID_CREDENTIALS'));
    const right = await app.gql<{ login: { __typename: string; code: string; retryAfterSeconds: number } }>(LOGIN, {
      l: 'carol',
      p: 'customer-password',
    });
    expect(right.body.data?.login).toMatchObject({ __typename: 'AuthError', code: 'RATE_LIMITED' });
    expect(right.body.data?.login.retryAfterSeconds).toBeGreaterThan(0);
    expect(right.headers.get('set-cookie')).toBeNull();
    // one login id's failures never hold another login id from the same address (issue 13.2);
    // the address limit (LOGIN_ADDRESS_MAX_FAILURES) needs several logins' failures
    const other = await app.gql<{ login: { __typename: string } }>(LOGIN, { l: 'alice-k2m', p: 'customer-password' });
    expect(other.body.data?.login.__typename).toBe('MutationLoginSuccess');
  });

  it('refuses to register or request loopback, private, link-local, multicast, reserved and foreign IPs', async () => {
    const REGISTER = `mutation($input: RegisterMonitorInput!) { registerMonitor(input: $input) { __typename ... on ValidationError { fields { path } } } }`;
    const before = await app.db.prisma.monitor.count();
    for (const host of [
      '127.0.0.1',
      '::1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      'fe80::1',
      '224.0.0.1',
      '0.0.0.0',
      '240.0.0.1',
      '255.255.255.255',
      '100.64.0.1',
      '8.8.8.8',
      '203.0.113.77',
    ]) {
      const r = await app.gql<{ registerMonitor: { __typename: string } }>(
        REGISTER,
        { input: { host, ports: '22', contactName: 'K', contactEmail: 'k@example.com' } },
        alice,
      );
      expect(r.body.data?.registerMonitor.__typename, host).toBe('ValidationError');
    }
    expect(await app.db.prisma.monitor.count()).toBe(before);
  });

  it(`answers ${OPS} generated operations over HTTP and WebSocket cleanly, for every role`, async () => {
    const schema = printedSchema();
    // operations that would end the callers' own sessions are left out (they would turn the
    // customer and admin runs into anonymous ones, and close the customer's socket):
    // resetCustomerPassword and changePassword end the customer's sessions by design; and an
    // admin's moveServer may rightly hand Bob's server to Alice, which the run would then count
    // as a leak to Alice
    const gen = {
      ids,
      skipFields: [
        'logout',
        'disableCustomer',
        'updateCustomer',
        'resetCustomerPassword',
        'changePassword',
        'moveServer',
      ],
    };
    const httpOps = generateOps(schema, { ...gen, n: Math.round(OPS * 0.7), seed: SEED, subscriptions: false });
    const wsOps = generateOps(schema, { ...gen, n: OPS - httpOps.length, seed: SEED + 1, subscriptions: true });
    const rs = roles();
    const http = emptyReport();
    const ws = emptyReport();
    const started = Date.now();
    const conns = await Promise.all(
      rs.map(async (r) => {
        const socket = await rawSocket(app.url, 'cookie' in r.auth ? r.auth.cookie : undefined);
        sockets.push(socket);
        return { ...r, socket };
      }),
    );
    await Promise.all([
      pool(
        httpOps.map((op, i) => ({ op, r: rs[i % 3]! })),
        8,
        ({ op, r }) =>
          httpOp(http, app.url, op, r.role, 'cookie' in r.auth ? { cookie: r.auth.cookie } : {}, r.forbidden),
      ),
      pool(
        wsOps.map((op, i) => ({ op, c: conns[i % 3]! })),
        8,
        ({ op, c }) => wsOp(ws, c.socket, op, c.role, c.forbidden),
      ),
    ]);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `abuse (seed ${SEED}): HTTP ${summary(http)}\n  WebSocket ${summary(ws)}\n  ${OPS} operations in ${seconds.toFixed(1)} s`,
    );
    const known = { ...http.known, ...ws.known };
    if (Object.keys(known).length)
      console.warn(`known internal errors still present (reported): ${JSON.stringify(known)}`);
    if (process.env.ABUSE_DUMP)
      (await import('node:fs')).writeFileSync(
        process.env.ABUSE_DUMP,
        JSON.stringify([...http.problems, ...ws.problems], null, 1),
      );
    const show = (r: RunReport) =>
      r.problems
        .slice(0, 5)
        .map(
          (p) =>
            `${p.role} ${p.problem}\n    ${p.op.query.slice(0, 300)} ${JSON.stringify(p.op.variables ?? {}).slice(0, 200)}`,
        );
    expect(show(http)).toEqual([]);
    expect(show(ws)).toEqual([]);
    expect(http.ops + ws.ops).toBe(OPS);
    // the stream is not all rejects: a good share reached the resolvers (a third of the
    // operations are anonymous, and nearly everything needs a sign-in)
    expect(http.withData + ws.withData).toBeGreaterThan(OPS * 0.15);
    expect(http.byStatus[400]).toBeGreaterThan(0);
    // no socket was closed by a refused operation, and each still answers
    for (const c of conns) {
      expect(c.socket.closes, c.role).toEqual([]);
      expect(await c.socket.run({ kind: 'query', shape: 'fields', query: '{ __typename }' }), c.role).toEqual([
        { type: 'next', payload: { data: { __typename: 'Query' } } },
        { type: 'complete' },
      ]);
    }
    // and the server still serves the customer her own data, over HTTP
    const mine = await app.gql<{ viewer: { loginId: string } | null }>(`{ viewer { loginId } }`, {}, alice);
    expect(mine.body.data?.viewer?.loginId).toBe('alice-k2m');
  }, 240_000);
});
