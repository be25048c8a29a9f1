// Issue 12.2 + 13.2: the sign-in throttle. Attempts are reserved in the database before the
// password is hashed, so a burst evaluates at most LOGIN_MAX_FAILURES passwords (across
// processes); the address limit uses the real client address (TRUST_PROXY) and one login id's
// failures never hold another login id; the wait is told in minutes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { customer, PASSWORD } from '../graphql/api-helpers.ts';

const LOGIN = `mutation($l: String!, $p: String!) { login(loginId: $l, password: $p) { __typename ... on AuthError { code message retryAfterSeconds retryAfterMinutes } } }`;
type Answer = {
  login: {
    __typename: string;
    code?: string;
    message?: string;
    retryAfterSeconds?: number;
    retryAfterMinutes?: number;
  };
};

async function attempt(app: TestApp, loginId: string, password: string, forwardedFor?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (forwardedFor) headers['x-forwarded-for'] = forwardedFor;
  const res = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: LOGIN, variables: { l: loginId, p: password } }),
  });
  const body = (await res.json()) as { data?: Answer; errors?: unknown[] };
  if (!body.data) throw new Error(JSON.stringify(body));
  return body.data.login;
}

/** Evaluated = the password was checked (wrong: INVALID_CREDENTIALS, right: signed in); RATE_LIMITED is refused before the hash. */
const evaluated = (answers: Answer['login'][]) =>
  answers.filter((a) => a.__typename === 'MutationLoginSuccess' || a.code === 'INVALID_CREDENTIALS').length;

describe(`sign-in throttle (${backend})`, () => {
  let app: TestApp;
  let second: TestApp;
  let proxied: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ LOGIN_MAX_FAILURES: '5', LOGIN_ADDRESS_MAX_FAILURES: '12' });
    // a second process on the same database: the reservation is shared through it
    second = await startTestApp(
      { LOGIN_MAX_FAILURES: '5', LOGIN_ADDRESS_MAX_FAILURES: '12' },
      { shareDatabaseWith: app },
    );
    proxied = await startTestApp(
      { LOGIN_MAX_FAILURES: '3', LOGIN_ADDRESS_MAX_FAILURES: '7', TRUST_PROXY: '1' },
      { shareDatabaseWith: app },
    );
    for (const l of ['burst', 'victim', 'bystander', 'p1', 'p2', 'p3', 'p4', 'p5', 'behind-a', 'behind-b'])
      await customer(app.db.prisma, l);
  });
  afterAll(async () => {
    await proxied?.close();
    await second?.close();
    await app?.close();
  });

  it('a burst of 200 parallel sign-ins (199 wrong, 1 right) over two processes evaluates at most 5 passwords', async () => {
    const tries = Array.from({ length: 200 }, (_, i) => (i === 137 ? PASSWORD : `wrong-${i}`));
    const answers = await Promise.all(tries.map((p, i) => attempt(i % 2 ? second : app, 'burst', p)));
    const n = evaluated(answers);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.code === 'RATE_LIMITED').length).toBe(200 - n);
    // the right password, unless it was among the evaluated ones, did not sign in
    const signedIn = answers.filter((a) => a.__typename === 'MutationLoginSuccess').length;
    expect(signedIn).toBeLessThanOrEqual(1);
    expect(await app.db.prisma.session.count({ where: { account: { loginId: 'burst' } } })).toBe(signedIn);
  }, 300_000);

  it("one login id's failures hold that login only, and the wait is told in minutes", async () => {
    for (let i = 0; i < 5; i++) expect((await attempt(app, 'victim', `nope-${i}`)).code).toBe('INVALID_CREDENTIALS');
    const held = await attempt(app, 'victim', PASSWORD);
    expect(held.code).toBe('RATE_LIMITED');
    expect(held.retryAfterMinutes).toBe(15);
    expect(held.retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect(held.message).toMatch(/15 minutes/);
    // the same address, another login id: not held
    expect((await attempt(app, 'bystander', PASSWORD)).__typename).toBe('MutationLoginSuccess');
  });

  it("the address limit needs several login ids' failures (password spraying); behind a trusted proxy it keys on X-Forwarded-For", async () => {
    // `proxied` trusts 1 hop, 3 failures per login id, 7 per address
    const spray = async (l: string, n: number, from: string) => {
      for (let i = 0; i < n; i++)
        expect((await attempt(proxied, l, `spray-${i}`, from)).code, `${l} ${i}`).toBe('INVALID_CREDENTIALS');
    };
    await spray('p1', 3, '198.51.100.7');
    // one login id's failures (its whole allowance) do not hold the address
    expect((await attempt(proxied, 'p1', PASSWORD, '198.51.100.7')).code).toBe('RATE_LIMITED');
    expect((await attempt(proxied, 'behind-a', PASSWORD, '198.51.100.7')).__typename).toBe('MutationLoginSuccess');
    await spray('p2', 3, '198.51.100.7');
    await spray('p3', 1, '198.51.100.7');
    // 7 failures over three login ids: the address is held, for any login id
    const held = await attempt(proxied, 'p4', PASSWORD, '198.51.100.7');
    expect(held.code).toBe('RATE_LIMITED');
    expect(held.retryAfterMinutes).toBe(15);
    // another client behind the same proxy is not
    expect((await attempt(proxied, 'p4', PASSWORD, '198.51.100.8')).__typename).toBe('MutationLoginSuccess');
  });

  it('without TRUST_PROXY a forged X-Forwarded-For changes nothing: the socket address is counted', async () => {
    // each attempt claims another address and login id; the address limit (12) still catches them
    let limitedAt = -1;
    for (let i = 0; i < 14 && limitedAt < 0; i++) {
      const r = await attempt(app, `spoof-${i}`, 'wrong-password', `203.0.113.${i + 1}`);
      if (r.code === 'RATE_LIMITED') limitedAt = i;
      else expect(r.code).toBe('INVALID_CREDENTIALS');
    }
    expect(limitedAt).toBeGreaterThanOrEqual(0);
    expect(limitedAt).toBeLessThanOrEqual(12);
  });
});
