// Issue 13 item 13: change your password (with the current one), language and time zone; an
// admin resets a customer's password (a one-time link by mail, or a generated password shown
// once); "forgot password" mails a one-time, expiring link when SMTP is configured and says so
// when it is not. A real SMTP server (smtp-server) receives the mails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { startSmtpSink, type SmtpSink } from '../notify/fakes/index.ts';
import { customer, PASSWORD } from './api-helpers.ts';

const CHANGE = `mutation($c:String!,$n:String!){ changePassword(currentPassword:$c,newPassword:$n){ __typename
  ... on MutationChangePasswordSuccess { data { endedSessions } }
  ... on Error { code message } ... on AuthError { retryAfterMinutes } ... on ValidationError { fields { path code params } } } }`;
const FORGOT = `mutation($l:String!){ requestPasswordReset(loginId:$l){ __typename
  ... on MutationRequestPasswordResetSuccess { data { mailConfigured } }
  ... on Error { code } ... on AuthError { retryAfterMinutes } ... on ValidationError { fields { path code } } } }`;
const RESET = `mutation($t:String!,$n:String!){ resetPassword(token:$t,newPassword:$n){ __typename
  ... on MutationResetPasswordSuccess { data { loginId } }
  ... on Error { code } ... on ValidationError { fields { path code params } } } }`;
const ADMIN_RESET = `mutation($a:ID!,$m:PasswordResetMethod!){ resetCustomerPassword(account:$a,method:$m){ __typename
  ... on MutationResetCustomerPasswordSuccess { data { method password sentTo expiresAt endedSessions } }
  ... on Error { code message } ... on ValidationError { fields { path code } } } }`;
const VIEWER = `{ viewer { loginId language timeZone } }`;

type Data = Record<
  string,
  {
    __typename: string;
    data?: Record<string, unknown>;
    code?: string;
    fields?: { path: string[]; code: string; params?: Record<string, unknown> }[];
    retryAfterMinutes?: number;
  }
>;

/** The secret of the reset link in `text` (in the URL fragment, never in a query string). */
function tokenIn(text: string, publicUrl: string): string {
  const m = /(\S+\/reset-password)#token=([A-Za-z0-9_-]{43})/.exec(text);
  if (!m) throw new Error(`no reset link in:\n${text}`);
  expect(m[1]).toBe(`${publicUrl}/reset-password`);
  return m[2]!;
}

describe(`passwords (${backend})`, () => {
  let app: TestApp;
  let noMail: TestApp;
  let smtp: SmtpSink;
  let clock = Date.now();
  const PUBLIC = 'https://watch.example.test';

  beforeAll(async () => {
    smtp = await startSmtpSink();
    app = await startTestApp(
      { SMTP_URL: smtp.url, MAIL_FROM: 'portwatch <alerts@portwatch.test>', PUBLIC_URL: PUBLIC },
      { now: () => new Date(clock) },
    );
    noMail = await startTestApp({});
  }, 60_000);
  afterAll(async () => {
    await Promise.all([app?.close(), noMail?.close()]);
    await smtp?.close();
  });

  const gql = async (q: string, v: Record<string, unknown>, cookie?: string) => {
    const r = await app.gql<Data>(q, v, cookie ? { cookie } : undefined);
    if (!r.body.data) throw new Error(JSON.stringify(r.body));
    return Object.values(r.body.data)[0]!;
  };

  it('changes your password with the current one; your other sessions end, this one stays', async () => {
    await customer(app.db.prisma, 'alice');
    const here = await app.login('alice', PASSWORD);
    const elsewhere = await app.login('alice', PASSWORD);
    const wrong = await gql(CHANGE, { c: 'not-my-password', n: 'new-password-1' }, here);
    expect(wrong).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ path: ['currentPassword'], code: 'WRONG_PASSWORD' }],
    });
    const short = await gql(CHANGE, { c: PASSWORD, n: 'short' }, here);
    expect(short).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ path: ['newPassword'], code: 'PASSWORD_TOO_SHORT', params: { min: 8 } }],
    });
    const same = await gql(CHANGE, { c: PASSWORD, n: PASSWORD }, here);
    expect(same.fields?.[0]?.code).toBe('PASSWORD_UNCHANGED');
    // nothing changed so far
    expect(await app.login('alice', PASSWORD)).toMatch(/^pw_session=/);

    const ok = await gql(CHANGE, { c: PASSWORD, n: 'alice-new-password' }, here);
    expect(ok).toMatchObject({ __typename: 'MutationChangePasswordSuccess' });
    expect(ok.data!.endedSessions).toBe(2);
    expect((await app.gql(VIEWER, {}, { cookie: here })).body.data).toMatchObject({ viewer: { loginId: 'alice' } });
    expect((await app.gql(VIEWER, {}, { cookie: elsewhere })).body.data).toEqual({ viewer: null });
    await expect(app.login('alice', PASSWORD)).rejects.toThrow();
    expect(await app.login('alice', 'alice-new-password')).toMatch(/^pw_session=/);
  });

  it('throttles wrong current passwords per account, with the wait in minutes', async () => {
    await customer(app.db.prisma, 'guesser');
    const cookie = await app.login('guesser', PASSWORD);
    const codes: string[] = [];
    for (let i = 0; i < 6; i++)
      codes.push((await gql(CHANGE, { c: `guess-${i}-xxxx`, n: 'whatever-new-1' }, cookie)).__typename);
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('ValidationError'));
    const limited = await gql(CHANGE, { c: PASSWORD, n: 'whatever-new-1' }, cookie);
    expect(limited).toMatchObject({ __typename: 'AuthError', code: 'RATE_LIMITED' });
    expect(limited.retryAfterMinutes).toBeGreaterThanOrEqual(1);
  });

  it('sets language and time zone; an unknown zone is a coded field error that changes nothing', async () => {
    await customer(app.db.prisma, 'bora');
    const cookie = await app.login('bora', PASSWORD);
    const bad = await gql(
      `mutation($i:PreferencesInput!){ updatePreferences(input:$i){ __typename ... on ValidationError { fields { path code } } } }`,
      { i: { language: 'ko', timeZone: 'Mars/Olympus' } },
      cookie,
    );
    expect(bad).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ path: ['input', 'timeZone'], code: 'UNKNOWN_TIME_ZONE' }],
    });
    expect((await app.gql(VIEWER, {}, { cookie })).body.data).toMatchObject({
      viewer: { language: 'en', timeZone: 'Asia/Seoul' },
    });
    const ok = await gql(
      `mutation($i:PreferencesInput!){ updatePreferences(input:$i){ __typename ... on MutationUpdatePreferencesSuccess { data { language timeZone } } } }`,
      { i: { language: 'ko', timeZone: 'Europe/Berlin' } },
      cookie,
    );
    expect(ok.data).toEqual({ language: 'ko', timeZone: 'Europe/Berlin' });
    // a selection without the success type (a partner asking only for errors) is answered too
    const errorsOnly = await gql(
      `mutation { updatePreferences(input: { language: en, timeZone: "Asia/Seoul" }) { __typename ... on ValidationError { code } } }`,
      {},
      cookie,
    );
    expect(errorsOnly.__typename).toBe('MutationUpdatePreferencesSuccess');
  });

  it("forgot password: the same answer for a known and an unknown login; a one-time, expiring link in the account's language", async () => {
    const { account } = await customer(app.db.prisma, 'chul');
    await app.db.prisma.account.update({ where: { id: account.id }, data: { language: 'ko' } });
    const before = smtp.received.length;
    const known = await gql(FORGOT, { l: 'chul' });
    const unknown = await gql(FORGOT, { l: 'nobody-here' });
    expect(known).toEqual(unknown);
    expect(known).toEqual({ __typename: 'MutationRequestPasswordResetSuccess', data: { mailConfigured: true } });
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail!.rcptTo.map((r) => r.address)).toEqual(['chul@example.com']);
    expect(mail!.parsed.subject).toBe('[portwatch] 비밀번호 재설정 링크');
    expect(mail!.parsed.text).toContain('60분');
    const token = tokenIn(mail!.parsed.text ?? '', PUBLIC);
    // only the hash is stored
    const rows = await app.db.prisma.passwordReset.findMany({ where: { accountId: account.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).not.toContain(token);
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.received.length).toBe(before + 1); // nothing for the unknown login

    const short = await gql(RESET, { t: token, n: 'short' });
    expect(short.fields?.[0]).toMatchObject({ path: ['newPassword'], code: 'PASSWORD_TOO_SHORT' });
    const session = await app.login('chul', PASSWORD);
    const done = await gql(RESET, { t: token, n: 'chul-new-password' });
    expect(done).toEqual({ __typename: 'MutationResetPasswordSuccess', data: { loginId: 'chul' } });
    expect((await app.gql(VIEWER, {}, { cookie: session })).body.data).toEqual({ viewer: null });
    expect(await app.login('chul', 'chul-new-password')).toMatch(/^pw_session=/);
    // once only
    const again = await gql(RESET, { t: token, n: 'another-password-2' });
    expect(again).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ path: ['token'], code: 'RESET_LINK_INVALID' }],
    });
    expect(await app.login('chul', 'chul-new-password')).toMatch(/^pw_session=/);
  });

  it('a link expires after 60 minutes; a made-up one is refused the same way', async () => {
    await customer(app.db.prisma, 'dami');
    const before = smtp.received.length;
    await gql(FORGOT, { l: 'dami@example.com' });
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    const token = tokenIn(mail!.parsed.text ?? '', PUBLIC);
    clock += 61 * 60_000;
    try {
      const late = await gql(RESET, { t: token, n: 'dami-new-password' });
      expect(late.fields?.[0]?.code).toBe('RESET_LINK_INVALID');
      const fake = await gql(RESET, { t: 'A'.repeat(43), n: 'dami-new-password' });
      expect(fake.fields?.[0]?.code).toBe('RESET_LINK_INVALID');
    } finally {
      clock -= 61 * 60_000;
    }
    expect(await app.login('dami', PASSWORD)).toMatch(/^pw_session=/);
  });

  it('throttles forgot-password requests per login id, without telling whether it exists', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 4; i++) answers.push((await gql(FORGOT, { l: 'throttled-login' })).__typename);
    expect(answers.slice(0, 3)).toEqual(Array(3).fill('MutationRequestPasswordResetSuccess'));
    expect(answers[3]).toBe('AuthError');
  });

  it('without SMTP, forgot password says honestly that no mail can be sent', async () => {
    const r = await noMail.gql<Data>(FORGOT, { l: 'root' });
    expect(r.body.data?.requestPasswordReset).toEqual({
      __typename: 'MutationRequestPasswordResetSuccess',
      data: { mailConfigured: false },
    });
    const adminCookie = await noMail.login(ADMIN.loginId, ADMIN.password);
    const { gid } = await customer(noMail.db.prisma, 'nomail');
    const link = await noMail.gql<Data>(ADMIN_RESET, { a: gid, m: 'MAIL_LINK' }, { cookie: adminCookie });
    expect(link.body.data?.resetCustomerPassword).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ path: ['method'], code: 'MAIL_NOT_CONFIGURED' }],
    });
  });

  it("admin: a generated password shown once (the customer's sessions end), or a one-time link by mail", async () => {
    const adminCookie = await app.login(ADMIN.loginId, ADMIN.password);
    const { gid } = await customer(app.db.prisma, 'eunji');
    const session = await app.login('eunji', PASSWORD);
    // a customer may not reset anyone
    const refused = await app.gql<Data>(ADMIN_RESET, { a: gid, m: 'GENERATE' }, { cookie: session });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const gen = await gql(ADMIN_RESET, { a: gid, m: 'GENERATE' }, adminCookie);
    const password = gen.data!.password as string;
    expect(password).toMatch(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
    expect(gen.data).toMatchObject({ method: 'GENERATE', sentTo: null, endedSessions: 1 });
    expect((await app.gql(VIEWER, {}, { cookie: session })).body.data).toEqual({ viewer: null });
    expect(await app.login('eunji', password)).toMatch(/^pw_session=/);
    const audit = await app.db.prisma.auditLog.findMany({
      where: { action: 'account.password.generate' },
      select: { detail: true, targetId: true },
    });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(password);

    const before = smtp.received.length;
    const link = await gql(ADMIN_RESET, { a: gid, m: 'MAIL_LINK' }, adminCookie);
    expect(link.data).toMatchObject({ method: 'MAIL_LINK', password: null, sentTo: 'eunji@example.com' });
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail!.parsed.text).toContain('An administrator sent you a password reset link');
    const token = tokenIn(mail!.parsed.text ?? '', PUBLIC);
    // the link still works after a day minus a minute, and sets the password
    clock += 24 * 60 * 60_000 - 60_000;
    try {
      expect(await gql(RESET, { t: token, n: 'eunji-chosen-password' })).toMatchObject({ data: { loginId: 'eunji' } });
    } finally {
      clock -= 24 * 60 * 60_000 - 60_000;
    }
    expect(await app.login('eunji', 'eunji-chosen-password')).toMatch(/^pw_session=/);
    // the admin cannot reset another admin through this (customers only)
    const admin = await app.db.prisma.account.findFirstOrThrow({ where: { role: 'ADMIN' } });
    const { encodeGlobalID } = await import('@pothos/plugin-relay');
    expect(
      (await gql(ADMIN_RESET, { a: encodeGlobalID('Account', admin.id), m: 'GENERATE' }, adminCookie)).__typename,
    ).toBe('NotFoundError');
  });
});
