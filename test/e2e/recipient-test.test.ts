import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app.ts';
import { startSmtpSink, type SmtpSink } from '../notify/fakes/index.ts';
import { buildClient, chromiumAvailable, launchBrowser, newUser } from './browser.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe.skipIf(!chromiumAvailable())('a test message per admin recipient, in Korean', () => {
  let app: TestApp;
  let smtp: SmtpSink;
  let browser: Browser;

  beforeAll(async () => {
    buildClient();
    smtp = await startSmtpSink();
    app = await startTestApp({
      DISPATCH_ENABLED: 'true',
      SMTP_URL: smtp.url,
      MAIL_FROM: 'portwatch <alerts@portwatch.test>',
      ADMIN_EMAIL: 'noc@hosting.example',
      ADMIN_PHONE: '+821099998888',
    });
    await app.db.prisma.account.updateMany({ where: { loginId: ADMIN.loginId }, data: { language: 'ko' } });
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await app?.close();
    await smtp?.close();
  }, 60_000);

  test('the first admin is a recipient out of the box; its mail test is sent, its SMS test says why not', async () => {
    const { page } = await newUser(browser, { locale: 'ko-KR' });
    await page.goto(`${app.url}/login`);
    await page.fill('#loginId', ADMIN.loginId);
    await page.fill('#password', ADMIN.password);
    await page.click('[data-testid=login-form] button[type=submit]');
    await page.waitForSelector('[data-testid=logout]');
    await page.goto(`${app.url}/admin/settings`);
    const row = page.locator('tr', { hasText: 'noc@hosting.example' });
    await row.locator('[data-testid=recipient-test-EMAIL]').click();
    const mail = row.locator('[data-testid=recipient-test-result][data-channel=EMAIL]');
    // read from the ledger as it moves: sent ("발송"), with the attempt's note in Korean
    await expect.poll(() => mail.getAttribute('data-status'), { timeout: 15_000 }).toBe('YES');
    expect(await mail.innerText()).toContain('1번째 시도: 발송');
    const [received] = await smtp.waitFor(1);
    expect(received!.rcptTo.map((r) => r.address)).toEqual(['noc@hosting.example']);
    // no SMS provider in this installation: "not sent", with the reason, in Korean
    await row.locator('[data-testid=recipient-test-SMS]').click();
    const sms = row.locator('[data-testid=recipient-test-result][data-channel=SMS]');
    await expect.poll(() => sms.getAttribute('data-status'), { timeout: 15_000 }).toBe('NOT_SENT');
    expect(await sms.innerText()).toContain('SMS 업체가 설정되지 않았습니다');
    // the status is said once: not "발송 안 함 — 발송 안 함: …"
    expect((await sms.innerText()).match(/발송 안 함/g)?.length).toBe(1);
    expect(await row.innerText()).not.toMatch(/not sent|no SMS provider/);
    await page.evaluate(() => {
      window.scrollTo(0, 0);
      return document.fonts.ready;
    });
    await page.screenshot({ path: path.join(root, 'docs/screenshots/admin-settings-test-ko.png'), fullPage: true });
  }, 120_000);
});
