import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app.ts';
import { CUSTOMER_PASSWORD, makeCustomer } from '../helpers/fixtures.ts';
import { buildClient, chromiumAvailable, launchBrowser, newUser } from './browser.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'docs/screenshots');

describe.skipIf(!chromiumAvailable())('private IP requests and the inventory import, in Korean', () => {
  let app: TestApp;
  let browser: Browser;
  let hostingId: string;

  beforeAll(async () => {
    buildClient();
    app = await startTestApp({});
    const p = app.db.prisma;
    const colo = await makeCustomer(p, 'saebyeok', { kind: 'COLOCATION' });
    const hosting = await makeCustomer(p, 'hanbit');
    const other = await makeCustomer(p, 'dalbit');
    hostingId = hosting.id;
    await p.account.updateMany({ data: { language: 'ko' } });
    await p.account.update({ where: { id: colo.id }, data: { representativeIp: '45.67.89.1' } });
    await p.server.create({ data: { ip: '45.67.89.1', accountId: colo.id, source: 'REPRESENTATIVE' } });
    await p.server.create({ data: { ip: '45.67.89.9', accountId: other.id, source: 'HOSTING_INVENTORY' } });
    await p.server.create({ data: { ip: '45.67.89.8', accountId: hosting.id, source: 'HOSTING_INVENTORY' } });
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await app?.close();
  }, 60_000);

  async function signIn(loginId: string, password: string): Promise<Page> {
    const { page } = await newUser(browser, { locale: 'ko-KR' });
    page.on('pageerror', (e) => console.error(`[browser] ${e.message}`));
    await page.goto(`${app.url}/login`);
    await page.fill('#loginId', loginId);
    await page.fill('#password', password);
    await page.click('[data-testid=login-form] button[type=submit]');
    await page.waitForSelector('[data-testid=logout]');
    return page;
  }
  async function shot(page: Page, name: string) {
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  }

  test('a private IP is requested, flagged on the admin page, and approved only with the permission', async () => {
    const customer = await signIn('saebyeok', CUSTOMER_PASSWORD);
    await customer.goto(`${app.url}/requests/new`);
    await customer.fill('#req-ip', '192.168.10.20');
    await customer.fill('#req-title', '관리망 BMC');
    await customer.locator('[data-testid=request-form] textarea').first().fill('랙 관리망의 BMC 입니다.');
    await customer.click('[data-testid=request-form] button[type=submit]');
    await customer.waitForSelector('[data-testid=request-view]');
    expect(await customer.locator('[data-testid=ip-range]').innerText()).toBe('사설 주소');
    expect(await customer.locator('[data-testid=ip-hint]').innerText()).toContain('관리자가 정합니다');

    const admin = await signIn(ADMIN.loginId, ADMIN.password);
    const request = await app.db.prisma.approvalRequest.findFirstOrThrow({ where: { ip: '192.168.10.20' } });
    const { encodeGlobalID } = await import('@pothos/plugin-relay');
    await admin.goto(`${app.url}/admin/requests/${encodeURIComponent(encodeGlobalID('ApprovalRequest', request.id))}`);
    await admin.waitForSelector('[data-testid=request-view]');
    expect(await admin.locator('[data-testid=ip-range]').innerText()).toBe('사설 주소');
    expect(await admin.locator('[data-testid=ip-hint]').innerText()).toContain('공인 주소가 아닙니다');
    // approving without the permission: refused, in Korean, nothing added
    await admin.click('[data-testid=approve]');
    const refusal = admin.locator('[data-testid=request-view] .form-error');
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain('사설 주소 모니터링 허용');
    expect(await app.db.prisma.server.count({ where: { ip: '192.168.10.20' } })).toBe(0);
    await admin.check('[data-testid=allow-private]');
    await shot(admin, 'admin-request-private-ko');
    await admin.click('[data-testid=approve]');
    await admin.waitForSelector('[data-testid=request-view][data-status=APPROVED]');
    expect((await app.db.prisma.server.findUniqueOrThrow({ where: { ip: '192.168.10.20' } })).allowPrivate).toBe(true);
  }, 120_000);

  test('the import labels a dry run as what would happen, explains each refused line, and adds the valid ones', async () => {
    const admin = await signIn(ADMIN.loginId, ADMIN.password);
    await admin.goto(`${app.url}/admin/inventory`);
    await admin.waitForSelector('main h1');
    await admin.click('.modes button:nth-child(2)');
    await admin.fill('#inv-account-search', 'hanbit');
    await admin.locator('#inv-account option', { hasText: 'hanbit — hanbit' }).waitFor({ state: 'attached' });
    await admin.selectOption('#inv-account', { label: 'hanbit — hanbit' });
    await admin.fill(
      '#inv-text',
      '45.67.89.50 web-1\n45.67.89.51 web-2\n45.67.89.8\n45.67.89.9\n10.0.0.5\nnot-an-ip\n45.67.89.50',
    );
    await admin.click('form button[type=submit].primary');
    await admin.waitForSelector('[data-testid=import-line]');
    const rows = await admin
      .locator('[data-testid=import-line]')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-status'), (tr as HTMLElement).innerText]));
    expect(rows.map(([s]) => s)).toEqual([
      'WOULD_CREATE',
      'WOULD_CREATE',
      'UNCHANGED',
      'ERROR',
      'ERROR',
      'ERROR',
      'ERROR',
    ]);
    const text = rows.map(([, t]) => t).join('\n');
    expect(text).toContain('추가 예정');
    expect(text).not.toContain('CREATED');
    expect(text).toContain('다른 고객의 서버입니다');
    expect(text).toContain('사설 주소입니다');
    expect(text).toContain('1번째 줄과 같은 주소입니다');
    expect(text).not.toMatch(/Belongs to another|Same address|Enter an IPv4/);
    expect(await admin.locator('[data-testid=import-now]').innerText()).toContain('2');
    expect(await admin.locator('[data-testid=import-skipped]').innerText()).toContain('4');
    await shot(admin, 'admin-inventory-import-ko');
    await admin.click('[data-testid=import-now]');
    await expect
      .poll(() =>
        app.db.prisma.server.count({ where: { accountId: hostingId, ip: { in: ['45.67.89.50', '45.67.89.51'] } } }),
      )
      .toBe(2);
    expect(await app.db.prisma.server.count({ where: { ip: '10.0.0.5' } })).toBe(0);
    const after = await admin
      .locator('[data-testid=import-line]')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')));
    expect(after.slice(0, 2)).toEqual(['CREATED', 'CREATED']);
  }, 120_000);
});
