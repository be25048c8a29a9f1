import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app.ts';
import { makeCustomer } from '../helpers/fixtures.ts';
import { startSmtpSink, type SmtpSink } from '../notify/fakes/index.ts';
import { buildClient, chromiumAvailable, launchBrowser, newUser } from './browser.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'docs/screenshots');

describe.skipIf(!chromiumAvailable())('passwords in Chromium, in Korean', () => {
  let app: TestApp;
  let smtp: SmtpSink;
  let browser: Browser;
  let customerId: string;

  beforeAll(async () => {
    buildClient();
    smtp = await startSmtpSink();
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    app = await startTestApp({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'portwatch <alerts@portwatch.test>',
    });
    const c = await makeCustomer(app.db.prisma, 'hanbit');
    await app.db.prisma.account.update({ where: { id: c.id }, data: { language: 'ko', name: '한빛호스팅' } });
    await app.db.prisma.account.updateMany({ where: { loginId: ADMIN.loginId }, data: { language: 'ko' } });
    customerId = c.id;
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await app?.close();
    await smtp?.close();
  }, 60_000);

  async function korean(): Promise<Page> {
    const { page } = await newUser(browser, { locale: 'ko-KR' });
    page.on('pageerror', (e) => console.error(`[browser] ${e.message}`));
    return page;
  }
  async function signIn(page: Page, loginId: string, password: string) {
    await page.goto(`${app.url}/login`);
    await page.fill('#loginId', loginId);
    await page.fill('#password', password);
    await page.click('[data-testid=login-form] button[type=submit]');
    await page.waitForSelector('[data-testid=logout]');
  }
  async function shot(page: Page, name: string) {
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  }

  test('forgot password: from the sign-in page to the mailed link to a new password', async () => {
    const page = await korean();
    await page.goto(`${app.url}/login`);
    await page.click('[data-testid=forgot-link]');
    await page.waitForURL('**/forgot-password');
    expect(await page.textContent('main h1')).toBe('비밀번호 찾기');
    const before = smtp.received.length;
    await page.fill('#who', 'hanbit');
    await page.click('[data-testid=forgot-form] button[type=submit]');
    const outcome = page.locator('[data-testid=forgot-outcome]');
    await outcome.waitFor();
    expect(await outcome.getAttribute('data-outcome')).toBe('sent');
    expect(await outcome.innerText()).toContain('링크를 보냈습니다');
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    const link = /(http\S+\/reset-password#token=[A-Za-z0-9_-]{43})/.exec(mail!.parsed.text ?? '')?.[1];
    expect(link).toBeTruthy();

    await page.goto(link!);
    await page.waitForSelector('[data-testid=reset-form]');
    await page.fill('#new', 'hanbit-new-password');
    await page.fill('#repeat', 'hanbit-new-password');
    await shot(page, 'reset-password-ko');
    await page.click('[data-testid=reset-form] button[type=submit]');
    await page.waitForSelector('[data-testid=reset-done]');
    expect(await page.textContent('[data-testid=reset-done]')).toContain('hanbit');
    expect(new URL(page.url()).hash).toBe(''); // the used secret left the address bar
    // the same link a second time: a Korean, coded refusal
    await page.goto(`${app.url}/login`);
    await page.goto(link!);
    await page.fill('#new', 'yet-another-password');
    await page.fill('#repeat', 'yet-another-password');
    await page.click('[data-testid=reset-form] button[type=submit]');
    const err = page.locator('[data-testid=reset-error]');
    await err.waitFor();
    expect(await err.innerText()).toContain('이미 사용했거나');
    await signIn(page, 'hanbit', 'hanbit-new-password');
    await page.context().close();
  }, 120_000);

  test('the profile page: a wrong current password is a Korean field error; then the change', async () => {
    const page = await korean();
    await signIn(page, 'hanbit', 'hanbit-new-password');
    await page.click('[data-testid=viewer]');
    await page.waitForURL('**/profile');
    expect(await page.textContent('main h1')).toBe('내 정보');
    await page.fill('#pw-current', 'not-the-password');
    await page.fill('#pw-new', 'hanbit-third-password');
    await page.fill('#pw-repeat', 'hanbit-third-password');
    await page.click('[data-testid=password-form] button[type=submit]');
    const fieldError = page.locator('[data-field-error=pw-current]');
    await fieldError.waitFor();
    expect(await fieldError.innerText()).toBe('비밀번호가 틀렸습니다');
    await shot(page, 'profile-ko');
    await page.fill('#pw-current', 'hanbit-new-password');
    await page.click('[data-testid=password-form] button[type=submit]');
    await page.waitForSelector('[data-testid=password-changed]');
    expect(await page.textContent('[data-testid=password-changed]')).toContain('비밀번호를 바꿨습니다');
    // the time zone: an unknown one is refused in Korean, a real one is kept
    await page.fill('#pref-tz', 'Mars/Olympus');
    await page.click('[data-testid=prefs-form] button[type=submit]');
    await page.locator('[data-field-error=pref-tz]').waitFor();
    expect(await page.locator('[data-field-error=pref-tz]').innerText()).toContain('알 수 없는 시간대');
    await page.fill('#pref-tz', 'Europe/Berlin');
    await page.click('[data-testid=prefs-form] button[type=submit]');
    await expect
      .poll(async () => (await app.db.prisma.account.findUniqueOrThrow({ where: { id: customerId } })).timeZone)
      .toBe('Europe/Berlin');
    expect(await page.locator('main').innerText()).not.toMatch(/\b(Wrong password|Unknown time zone|Required)\b/);
    await page.context().close();
  }, 120_000);

  test('the admin generates a password for the customer, shown once', async () => {
    const page = await korean();
    await signIn(page, ADMIN.loginId, ADMIN.password);
    const { encodeGlobalID } = await import('@pothos/plugin-relay');
    await page.goto(`${app.url}/admin/customers/${encodeURIComponent(encodeGlobalID('Account', customerId))}`);
    await page.waitForSelector('[data-testid=admin-reset]');
    await page.click('[data-testid=reset-generate]');
    await page.click('dialog[open] [data-testid=confirm-ok]');
    const pw = page.locator('[data-testid=generated-password]');
    await pw.waitFor();
    const password = (await pw.innerText()).trim();
    expect(password).toMatch(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
    await page.locator('[data-testid=admin-reset]').scrollIntoViewIfNeeded();
    await shot(page, 'admin-customer-password-ko');
    // the mail button sends a link to the customer's address
    const before = smtp.received.length;
    await page.click('[data-testid=reset-mail]');
    await page.waitForSelector('[data-testid=reset-sent]');
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail!.rcptTo.map((r) => r.address)).toEqual(['hanbit@example.com']);
    expect(mail!.parsed.subject).toBe('[portwatch] 비밀번호 재설정 링크');
    // the generated password works
    const other = await korean();
    await signIn(other, 'hanbit', password);
    await Promise.all([page.context().close(), other.context().close()]);
  }, 120_000);
});
