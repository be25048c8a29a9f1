// Issue 12 items 3, 5, 6, 7, 8, 9, 15, 16, 17 at the edge of the API, against a production-mode
// server: coded errors from one list, validated inputs, caps on lists, sockets and
// subscriptions, idle connections closed, security headers, token scopes, the SDL for token
// holders, the CSRF rule that lets token clients use GET.
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../server/graphql/error-codes.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { customer, gid, ok, signIn, type Auth } from '../graphql/api-helpers.ts';

type Body = { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };

describe(`the API's edge (${backend}, production mode)`, () => {
  let app: TestApp;
  let alice: Auth;
  let readToken: string;
  let writeToken: string;
  const logged: { level: string; msg: string; extra?: Record<string, unknown> }[] = [];
  const codesSeen = new Set<string>();

  async function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Body }> {
    const res = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Body;
    for (const e of json.errors ?? []) codesSeen.add(String(e.extensions?.code));
    return { status: res.status, body: json };
  }
  const code = (b: Body) => b.errors?.[0]?.extensions?.code;

  beforeAll(async () => {
    app = await startTestApp(
      {
        NODE_ENV: 'production',
        CORS_ORIGINS: 'https://partner.example.com',
        WS_MAX_CONNECTIONS_PER_ADDRESS: '5',
        WS_MAX_CONNECTIONS_PER_ACCOUNT: '3',
        WS_MAX_SUBSCRIPTIONS: '2',
        HTTP_REQUEST_TIMEOUT_SECONDS: '1',
        WS_INIT_TIMEOUT_SECONDS: '1',
      },
      { log: (level, msg, extra) => logged.push({ level, msg, ...(extra ? { extra } : {}) }) },
    );
    await customer(app.db.prisma, 'edge-alice', { ips: ['203.0.113.10'], allowPrivate: true });
    alice = await signIn(app, 'edge-alice');
    const mk = async (scope: string) =>
      (
        await ok<{ createApiToken: { data: { secret: string } } }>(
          app,
          alice,
          `mutation($s: ApiTokenScope) { createApiToken(name: "t", scope: $s) { ... on MutationCreateApiTokenSuccess { data { secret token { scope } } } } }`,
          { s: scope },
        )
      ).createApiToken.data.secret;
    readToken = await mk('READ');
    writeToken = await mk('READ_WRITE');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('NUL characters, bad dates, time zones and years are typed input errors, never a logged crash', async () => {
    const before = logged.filter((l) => l.level === 'error').length;
    const nul = await post({
      query: 'mutation($l: String!) { login(loginId: $l, password: "x") { __typename } }',
      variables: { l: 'ad\u0000min' },
    });
    expect(code(nul.body)).toBe('BAD_USER_INPUT');
    const nulLiteral = await post({ query: 'mutation { login(loginId: "a\\u0000b", password: "x") { __typename } }' });
    expect(code(nulLiteral.body)).toBe('BAD_USER_INPUT');
    for (const from of ['99999-01-01T00:00:00Z', '2026-02-31T00:00:00Z', 'yesterday', '0000-01-01T00:00:00Z']) {
      const r = await app.gql(
        `query($f: DateTime!) { monitorLog(monitor: "TW9uaXRvcjpub3Bl", granularity: DAY, from: $f, to: "2026-12-01T00:00:00Z") { __typename } }`,
        { f: from },
        alice,
      );
      expect(r.body.errors?.[0]?.extensions?.code, from).toBe('BAD_USER_INPUT');
    }
    const monitor = await ok<{ registerMonitor: { data: { id: string } } }>(
      app,
      alice,
      `mutation { registerMonitor(input: { host: "203.0.113.10", ports: "22", useAccountContact: true }) { ... on MutationRegisterMonitorSuccess { data { id } } } }`,
    );
    const mid = monitor.registerMonitor.data.id;
    for (const [args, field] of [
      ['year: 99999', 'year'],
      ['timeZone: "Mars/Olympus"', 'timeZone'],
      ['timeZone: "Asia/Seoul\u0000"', null],
    ] as const) {
      const r = await app.gql(
        `query($id: ID!) { monitor(id: $id) { yearlyStatistics(${args}) { __typename } } }`,
        { id: mid },
        alice,
      );
      expect(r.body.errors?.[0]?.extensions?.code, args).toBe('BAD_USER_INPUT');
      if (field) expect(r.body.errors?.[0]?.extensions?.fields, args).toMatchObject([{ path: [field] }]);
    }
    const tz = await app.gql(
      `query($id: ID!) { monitorLog(monitor: $id, granularity: DAY, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", timeZone: "Nowhere/Land") { __typename } }`,
      { id: mid },
      alice,
    );
    expect(tz.body.data).toEqual({ monitorLog: { __typename: 'ValidationError' } });
    expect(logged.filter((l) => l.level === 'error').length).toBe(before);
  });

  it('caps list arguments and variables; a refused query is cheap', async () => {
    const ids = Array.from({ length: 15_000 }, (_, i) => gid('Monitor', `m${i}`));
    const t0 = performance.now();
    const r = await post(
      { query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids } },
      { cookie: alice.cookie },
    );
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(r.status).toBe(200);
    expect(code(r.body)).toBe('QUERY_TOO_COMPLEX');
    expect(
      (await post({ query: '{ monitors(first: -1) { nodes { id } } }' }, { cookie: alice.cookie })).body.errors?.[0]
        ?.extensions?.code,
    ).toBe('BAD_USER_INPUT');
    expect(
      code((await post({ query: '{ monitors(first: 5000) { nodes { id } } }' }, { cookie: alice.cookie })).body),
    ).toBe('QUERY_TOO_COMPLEX');
    expect(
      code(
        (
          await post(
            { query: '{ monitors(first: 5, after: "not-a-cursor") { nodes { id } } }' },
            { cookie: alice.cookie },
          )
        ).body,
      ),
    ).toBe('BAD_USER_INPUT');
    expect(
      code((await post({ query: '{ node(id: "@@@") { id } }' }, { cookie: alice.cookie })).body) ?? 'none',
    ).not.toBe('INTERNAL_SERVER_ERROR');
  });

  it('gives every refusal a code from the documented list, with 400 for request errors under graphql-response+json, and no suggestions', async () => {
    const json = { accept: 'application/graphql-response+json' };
    const syntax = await post({ query: '{ monitors(' }, json);
    expect([syntax.status, code(syntax.body)]).toEqual([400, 'GRAPHQL_PARSE_FAILED']);
    const unknown = await post({ query: '{ monitorz { id } }' }, json);
    expect([unknown.status, code(unknown.body)]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
    expect(unknown.body.errors?.[0]?.message).not.toMatch(/did you mean/i);
    const enumTypo = await post({ query: '{ monitors(status: DOWNN) { totalCount } }' }, json);
    expect(code(enumTypo.body)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(enumTypo.body)).not.toMatch(/did you mean/i);
    const inputTypo = await post(
      {
        query: 'mutation($i: RegisterMonitorInput!) { registerMonitor(input: $i) { __typename } }',
        variables: { i: { hots: '1.2.3.4', ports: '22' } },
      },
      json,
    );
    expect(code(inputTypo.body)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(inputTypo.body)).not.toMatch(/did you mean/i);
    const deep = `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`;
    const tooMany = await post({ query: deep }, json);
    expect([tooMany.status, code(tooMany.body)]).toEqual([400, 'QUERY_TOO_COMPLEX']);
    expect(tooMany.body.errors?.[0]?.message).not.toMatch(/^Syntax Error/);
    const coercion = await post(
      { query: 'query($n: Int) { monitors(first: $n) { totalCount } }', variables: { n: 'ten' } },
      json,
    );
    expect(code(coercion.body)).toBe('BAD_USER_INPUT');
    const csrf = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ viewer { loginId } }')}`, {
      headers: { cookie: alice.cookie },
    });
    const csrfBody = (await csrf.json()) as Body;
    expect([csrf.status, code(csrfBody)]).toEqual([403, 'CSRF_HEADER_REQUIRED']);
    codesSeen.add(String(code(csrfBody)));
    const anon = await post({ query: '{ monitors { totalCount } }' });
    expect(code(anon.body)).toBe('UNAUTHENTICATED');
    for (const c of codesSeen) expect(Object.keys(ERROR_CODES), c).toContain(c);
  });

  it('a bad or revoked token is said so on viewer; tokens read the SDL, anonymous callers do not', async () => {
    const bad = await post({ query: '{ viewer { loginId } }' }, { authorization: `Bearer pwt_${'x'.repeat(43)}` });
    expect(code(bad.body)).toBe('TOKEN_INVALID');
    expect((await post({ query: '{ viewer { loginId } }' })).body.data).toEqual({ viewer: null });
    const sdl = await fetch(`${app.url}/schema.graphql`, { headers: { authorization: `Bearer ${readToken}` } });
    expect(sdl.status).toBe(200);
    expect(await sdl.text()).toBe(await readFile(new URL('../../server/schema.graphql', import.meta.url), 'utf8'));
    expect((await fetch(`${app.url}/schema.graphql`)).status).toBe(401);
  });

  it('token scopes: READ runs queries only; no token manages tokens; READ_WRITE changes monitors', async () => {
    const read = await post(
      { query: '{ viewer { loginId apiTokens { nodes { scope } } } }' },
      { authorization: `Bearer ${readToken}` },
    );
    expect(read.body.data).toMatchObject({ viewer: { loginId: 'edge-alice' } });
    const pause = 'mutation { pauseMonitor(id: "TW9uaXRvcjpub3Bl") { __typename } }';
    expect(code((await post({ query: pause }, { authorization: `Bearer ${readToken}` })).body)).toBe(
      'INSUFFICIENT_SCOPE',
    );
    expect((await post({ query: pause }, { authorization: `Bearer ${writeToken}` })).body.data).toEqual({
      pauseMonitor: { __typename: 'NotFoundError' },
    });
    const mint = 'mutation { createApiToken(name: "sibling") { __typename } }';
    expect(code((await post({ query: mint }, { authorization: `Bearer ${writeToken}` })).body)).toBe(
      'INSUFFICIENT_SCOPE',
    );
    expect(await app.db.prisma.apiToken.count({ where: { name: 'sibling' } })).toBe(0);
    // a token client may use GET (Authorization is a header no cross-site page can send without a preflight)
    const get = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ viewer { loginId } }')}`, {
      headers: { authorization: `Bearer ${readToken}` },
    });
    expect(await get.json()).toEqual({ data: { viewer: { loginId: 'edge-alice' } } });
  });

  it('sends security headers: no framing, no sniffing, no referrer, a CSP on the dashboard', async () => {
    for (const path of ['/', '/graphql?query=%7B__typename%7D', '/health']) {
      const res = await fetch(`${app.url}${path}`, { headers: { 'x-graphql-yoga-csrf': '1' } });
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
    }
    const page = await fetch(`${app.url}/`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/unsafe-eval/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('refuses other origins, and gives them no CORS headers', async () => {
    const r = await post({ query: '{ viewer { loginId } }' }, { origin: 'http://127.0.0.1:1', cookie: alice.cookie });
    expect([r.status, code(r.body)]).toEqual([403, 'ORIGIN_NOT_ALLOWED']);
    const pre = await fetch(`${app.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    // a partner's browser app listed in CORS_ORIGINS may, with credentials
    const partner = await fetch(`${app.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://partner.example.com', 'access-control-request-method': 'POST' },
    });
    expect(partner.headers.get('access-control-allow-origin')).toBe('https://partner.example.com');
    expect(partner.headers.get('access-control-allow-credentials')).toBe('true');
    const fromPartner = await post(
      { query: '{ viewer { loginId } }' },
      { origin: 'https://partner.example.com', authorization: `Bearer ${readToken}` },
    );
    expect(fromPartner.body.data).toEqual({ viewer: { loginId: 'edge-alice' } });
    // the server's own pages (the Host it is reached on) are same-origin
    expect(
      (await post({ query: '{ viewer { loginId } }' }, { origin: app.url, cookie: alice.cookie })).body.data,
    ).toEqual({ viewer: { loginId: 'edge-alice' } });
  });

  const wsUrl = () => `${app.url.replace('http', 'ws')}/graphql`;
  /** A raw graphql-ws socket: its messages, and its close code and reason once closed. */
  async function rawSocket(headers: Record<string, string>, init = true) {
    const ws = new WebSocket(wsUrl(), 'graphql-transport-ws', { headers });
    const msgs: { type: string; id?: string; payload?: unknown }[] = [];
    const closed = { code: 0, reason: '' };
    ws.on('message', (d) => msgs.push(JSON.parse(String(d)) as never));
    ws.on('close', (c, r) => Object.assign(closed, { code: c, reason: String(r) }));
    await new Promise((r) => ws.once('open', r));
    if (init) {
      ws.send(JSON.stringify({ type: 'connection_init' }));
      await expect
        .poll(() => msgs.some((m) => m.type === 'connection_ack') || closed.code !== 0, { timeout: 20_000 })
        .toBe(true);
    }
    return { ws, msgs, closed };
  }

  it('caps sockets per account and per address (4429, with the reason) and operations per socket (TOO_MANY_SUBSCRIPTIONS, the socket stays)', async () => {
    const mine = [
      await rawSocket({ cookie: alice.cookie }),
      await rawSocket({ cookie: alice.cookie }),
      await rawSocket({ cookie: alice.cookie }),
    ];
    expect(mine.map((x) => x.closed.code)).toEqual([0, 0, 0]);
    const fourth = await rawSocket({ cookie: alice.cookie });
    await expect
      .poll(() => fourth.closed, { timeout: 5_000 })
      .toEqual({ code: 4429, reason: 'Too many connections for this account' });
    // the address's cap (5) counts every open socket, signed in or not
    const anon = [await rawSocket({}), await rawSocket({})];
    expect(anon.map((x) => x.closed.code)).toEqual([0, 0]);
    const sixth = await rawSocket({});
    await expect
      .poll(() => sixth.closed, { timeout: 5_000 })
      .toEqual({ code: 4429, reason: 'Too many connections from this address' });
    const s = mine[0]!;
    for (const id of ['a', 'b', 'c'])
      s.ws.send(
        JSON.stringify({ id, type: 'subscribe', payload: { query: 'subscription { incidentChanged { change } }' } }),
      );
    await expect
      .poll(() => s.msgs.find((m) => m.id === 'c' && m.type === 'error')?.payload, { timeout: 10_000 })
      .toMatchObject([{ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } }]);
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
    for (const x of [...mine, ...anon]) x.ws.close();
    await expect.poll(() => [...mine, ...anon].every((x) => x.closed.code !== 0), { timeout: 5_000 }).toBe(true);
  });

  it('closes a WebSocket that never sends connection_init (4408), and counts it against the address until then', async () => {
    const silent = await Promise.all(Array.from({ length: 5 }, () => rawSocket({}, false)));
    const over = await rawSocket({}, false);
    await expect.poll(() => over.closed.code, { timeout: 2_000 }).toBe(4429);
    const t0 = Date.now();
    await expect.poll(() => silent.every((x) => x.closed.code === 4408), { timeout: 5_000 }).toBe(true);
    expect(Date.now() - t0).toBeLessThan(3_000);
    // the places are free again
    const again = await rawSocket({});
    expect(again.closed.code).toBe(0);
    again.ws.close();
  });

  it('closes a connection that sends its request too slowly (one byte at a time)', async () => {
    const sock = net.connect(Number(new URL(app.url).port), '127.0.0.1');
    sock.on('error', () => {}); // the server's close may meet a write in flight (EPIPE)
    await new Promise((r) => sock.once('connect', r));
    const request = `GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}`;
    let i = 0;
    const drip = setInterval(() => {
      if (!sock.destroyed && i < request.length) sock.write(request[i++]!);
    }, 100);
    const t0 = Date.now();
    await new Promise<void>((resolve) => sock.once('close', () => resolve()));
    clearInterval(drip);
    // HTTP_REQUEST_TIMEOUT_SECONDS is 1: closed well before the 20 s the request would take
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(i).toBeLessThan(request.length);
  });

  it('closes a connection that never sends a request', async () => {
    const sock = net.connect(Number(new URL(app.url).port), '127.0.0.1');
    const t0 = Date.now();
    await new Promise<void>((resolve) => sock.once('close', () => resolve()));
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
