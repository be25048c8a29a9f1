import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer } from '../../server/services/accounts.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';

const VIEWER = `{ viewer { loginId role kind } }`;
const LOGIN = `mutation($l:String!,$p:String!){ login(loginId:$l,password:$p){
  __typename
  ... on MutationLoginSuccess { data { expiresAt account { loginId } } }
  ... on Error { code message }
  ... on AuthError { retryAfterSeconds }
  ... on ValidationError { fields { path message } } } }`;

describe(`accounts and auth (${backend})`, () => {
  let app: TestApp;
  let clock = Date.now();
  beforeAll(async () => {
    app = await startTestApp({ LOGIN_MAX_FAILURES: '3', SESSION_TTL_HOURS: '1' }, { now: () => new Date(clock) });
    await createCustomer(app.services, null, {
      loginId: 'alice',
      password: 'alice-password',
      name: 'Alice',
      email: 'alice@example.com',
      kind: 'HOSTING',
    });
    await createCustomer(app.services, null, {
      loginId: 'mallory',
      password: 'mallory-password',
      name: 'M',
      email: 'm@example.com',
      kind: 'HOSTING',
    });
  });
  afterAll(() => app?.close());

  it('creates the first admin from ADMIN_LOGIN / ADMIN_PASSWORD', async () => {
    const cookie = await app.login(ADMIN.loginId, ADMIN.password);
    const r = await app.gql(VIEWER, {}, { cookie });
    expect(r.body.data).toEqual({ viewer: { loginId: ADMIN.loginId, role: 'ADMIN', kind: null } });
  });

  it('signs in with an HttpOnly SameSite=Lax cookie, and out again', async () => {
    const r = await app.gql(LOGIN, { l: 'alice', p: 'alice-password' });
    expect(r.body.data).toMatchObject({
      login: { __typename: 'MutationLoginSuccess', data: { account: { loginId: 'alice' } } },
    });
    const setCookie = r.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^pw_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    const cookie = setCookie.split(';')[0]!;
    expect((await app.gql(VIEWER, {}, { cookie })).body.data).toEqual({
      viewer: { loginId: 'alice', role: 'CUSTOMER', kind: 'HOSTING' },
    });

    const out = await app.gql(`mutation { logout }`, {}, { cookie });
    expect(out.body.data).toEqual({ logout: true });
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await app.gql(VIEWER, {}, { cookie })).body.data).toEqual({ viewer: null });
    expect(await app.db.prisma.session.count({ where: { account: { loginId: 'alice' } } })).toBe(0);
  });

  it('answers a wrong password and an unknown login with the same typed error, writing nothing', async () => {
    const before = await app.db.prisma.session.count();
    for (const [l, p] of [
      ['alice', 'nope-nope'],
      ['nobody', 'whatever1'],
    ]) {
      const r = await app.gql(LOGIN, { l, p });
      expect(r.body.data).toMatchObject({ login: { __typename: 'AuthError', code: 'INVALID_CREDENTIALS' } });
      expect(r.headers.get('set-cookie')).toBeNull();
    }
    const empty = await app.gql(LOGIN, { l: '', p: 'x' });
    expect(empty.body.data).toMatchObject({
      login: { __typename: 'ValidationError', fields: [{ path: ['loginId'] }] },
    });
    expect(await app.db.prisma.session.count()).toBe(before);
  });

  it('rate-limits failed sign-ins per login id, even with the right password', async () => {
    for (let i = 0; i < 3; i++) await app.gql(LOGIN, { l: 'mallory', p: 'wrong-password' });
    const r = await app.gql(LOGIN, { l: 'mallory', p: 'mallory-password' });
    expect(r.body.data).toMatchObject({ login: { __typename: 'AuthError', code: 'RATE_LIMITED' } });
    const retry = (r.body.data as { login: { retryAfterSeconds: number } }).login.retryAfterSeconds;
    expect(retry).toBeGreaterThan(0);
    clock += (retry + 1) * 1000;
    const again = await app.gql(LOGIN, { l: 'mallory', p: 'mallory-password' });
    expect(again.body.data).toMatchObject({ login: { __typename: 'MutationLoginSuccess' } });
  });

  it('expires sessions after SESSION_TTL_HOURS', async () => {
    const cookie = await app.login('alice', 'alice-password');
    expect((await app.gql(VIEWER, {}, { cookie })).body.data).toMatchObject({ viewer: { loginId: 'alice' } });
    clock += 61 * 60 * 1000;
    const r = await app.gql(`{ viewer { loginId } apiTokens: viewer { apiTokens { nodes { id } } } }`, {}, { cookie });
    expect(r.body.data).toEqual({ viewer: null, apiTokens: null });
    const needsAuth = await app.gql(`mutation { createApiToken(name:"x") { __typename } }`, {}, { cookie });
    expect(needsAuth.body.errors?.[0]?.extensions?.code).toBe('SESSION_EXPIRED');
  });

  it('creates, uses, lists and revokes API tokens; the secret is stored only as a hash', async () => {
    const cookie = await app.login('alice', 'alice-password');
    const created = await app.gql<{
      createApiToken: { data: { secret: string; token: { id: string; prefix: string } } };
    }>(
      `mutation { createApiToken(name:"partner") { ... on MutationCreateApiTokenSuccess { data { secret token { id prefix } } } } }`,
      {},
      { cookie },
    );
    const { secret, token } = created.body.data!.createApiToken.data;
    expect(secret).toMatch(/^pwt_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(token.prefix)).toBe(true);
    const stored = await app.db.prisma.apiToken.findFirstOrThrow({ where: { name: 'partner' } });
    expect(JSON.stringify(stored)).not.toContain(secret.slice(4));

    expect((await app.gql(VIEWER, {}, { token: secret })).body.data).toMatchObject({ viewer: { loginId: 'alice' } });
    const list = await app.gql(`{ viewer { apiTokens { nodes { name revokedAt } } } }`, {}, { token: secret });
    expect(list.body.data).toEqual({ viewer: { apiTokens: { nodes: [{ name: 'partner', revokedAt: null }] } } });

    const revoked = await app.gql(
      `mutation($id:ID!){ revokeApiToken(id:$id){ ... on MutationRevokeApiTokenSuccess { data { revokedAt } } } }`,
      { id: token.id },
      { cookie },
    );
    expect(revoked.body.data).toMatchObject({ revokeApiToken: { data: { revokedAt: expect.any(String) } } });
    const after = await app.gql(`mutation { createApiToken(name:"y") { __typename } }`, {}, { token: secret });
    expect(after.body.errors?.[0]?.extensions?.code).toBe('TOKEN_REVOKED');
    expect((await app.gql(VIEWER, {}, { token: secret })).body.data).toEqual({ viewer: null });
  });

  it("refuses malformed tokens and another account's token ids", async () => {
    const r = await app.gql(`mutation { createApiToken(name:"y") { __typename } }`, {}, { token: 'not-a-token' });
    expect(r.body.errors?.[0]?.extensions?.code).toBe('TOKEN_INVALID');
    const alice = await app.login('alice', 'alice-password');
    const mallory = await app.login('mallory', 'mallory-password');
    const made = await app.gql<{ createApiToken: { data: { token: { id: string } } } }>(
      `mutation { createApiToken(name:"mine") { ... on MutationCreateApiTokenSuccess { data { token { id } } } } }`,
      {},
      { cookie: alice },
    );
    const id = made.body.data!.createApiToken.data.token.id;
    const steal = await app.gql(
      `mutation($id:ID!){ revokeApiToken(id:$id){ __typename ... on Error { code } } }`,
      { id },
      { cookie: mallory },
    );
    expect(steal.body.data).toEqual({ revokeApiToken: { __typename: 'NotFoundError', code: 'NOT_FOUND' } });
    expect(
      (
        await app.db.prisma.apiToken.findUniqueOrThrow({
          where: { id: Buffer.from(id, 'base64').toString().split(':')[1]! },
        })
      ).revokedAt,
    ).toBeNull();
  });
});
