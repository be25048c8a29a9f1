import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app.ts';
import { startSmtpSink, type SmtpSink } from '../notify/fakes/index.ts';
import { buildClient, chromiumAvailable, launchBrowser, newUser } from './browser.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'docs/screenshots');

const HOSTING = { loginId: 'hanbit', password: 'hanbit-password-1', name: 'Hanbit Hosting' };
const COLO = { loginId: 'saebyeok', password: 'saebyeok-password-1', name: 'Saebyeok Colo' };
// Filed and approved only: it joins the colocation customer's inventory but is never
// registered, so nothing ever connects to it (tests probe loopback addresses only).
const REQUESTED_IP = '1.2.3.4';

let app: TestApp;
let smtp: SmtpSink;
let browser: Browser;
let listener: net.Server;
let listenerPort: number;
const contexts: BrowserContext[] = [];
let adminCookie: string;

async function gqlAsAdmin<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const r = await app.gql<T>(query, variables, { cookie: adminCookie });
  if (r.body.errors?.length || !r.body.data) throw new Error(JSON.stringify(r.body));
  return r.body.data;
}

async function createCustomer(input: Record<string, unknown>): Promise<string> {
  const d = await gqlAsAdmin<{ createCustomer: { __typename: string; data?: { id: string }; message?: string } }>(
    `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename ... on MutationCreateCustomerSuccess { data { id } } ... on Error { message } } }`,
    { input },
  );
  if (!d.createCustomer.data) throw new Error(`createCustomer: ${d.createCustomer.message}`);
  return d.createCustomer.data.id;
}

async function user(opts: { phone?: boolean } = {}): Promise<Page> {
  const { context, page } = await newUser(browser, opts);
  contexts.push(context);
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

async function shot(page: Page, name: string, fullPage = true) {
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage });
}

const sel = {
  port: (p: number, phase?: string) => `[data-testid=port][data-port="${p}"]${phase ? `[data-phase=${phase}]` : ''}`,
};

describe.skipIf(!chromiumAvailable())('dashboard in Chromium', () => {
  beforeAll(async () => {
    // The server serves build/client: build it when missing or older than its sources.
    buildClient();
    mkdirSync(shots, { recursive: true });

    smtp = await startSmtpSink();
    app = await startTestApp({
      PROBE_ENABLED: 'true',
      DISPATCH_ENABLED: 'true',
      SMTP_URL: smtp.url,
      MAIL_FROM: 'portwatch <alerts@portwatch.test>',
    });
    adminCookie = await app.login(ADMIN.loginId, ADMIN.password);

    const hostingId = await createCustomer({
      loginId: HOSTING.loginId,
      password: HOSTING.password,
      name: HOSTING.name,
      kind: 'HOSTING',
      email: 'ops@hanbit.example',
      phone: '010-2345-6789',
      language: 'ko',
      timeZone: 'Asia/Seoul',
    });
    await createCustomer({
      loginId: COLO.loginId,
      password: COLO.password,
      name: COLO.name,
      kind: 'COLOCATION',
      email: 'noc@saebyeok.example',
      phone: '010-3456-7890',
      language: 'ko',
      representativeIp: '127.0.0.10',
      allowPrivate: true,
    });
    for (const [ip, label] of [
      ['127.0.0.1', 'web-1 (this machine)'],
      ['127.0.0.2', 'db-1 (this machine)'],
    ] as const) {
      await gqlAsAdmin(`mutation($input: AddServerInput!) { addServer(input: $input) { __typename } }`, {
        input: { account: hostingId, ip, label, allowPrivate: true },
      });
    }

    listener = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerPort = (listener.address() as net.AddressInfo).port;

    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    if (listener?.listening) await new Promise((r) => listener.close(r));
    await app?.close();
    await smtp?.close();
  }, 60_000);

  let hosting: Page;
  let admin: Page;

  test('sign in: the account language by default, switchable, remembered', async () => {
    hosting = await user();
    await hosting.goto(`${app.url}/`);
    await hosting.waitForSelector('[data-testid=login-form]');
    expect(await hosting.evaluate(() => document.documentElement.lang)).toBe('en'); // the browser's
    await shot(hosting, 'login', false);

    await signIn(hosting, HOSTING.loginId, HOSTING.password);
    await hosting.waitForURL('**/monitors');
    expect(await hosting.evaluate(() => document.documentElement.lang)).toBe('ko'); // the account's
    await expect.poll(() => hosting.textContent('main h1')).toBe('포트 모니터링 목록');
    await hosting.waitForSelector('[data-testid=connection][data-status=online]');
    await hosting.waitForSelector('[data-testid=empty]');

    await hosting.click('[data-testid=lang-en]');
    await expect.poll(() => hosting.textContent('main h1')).toBe('Port monitoring list');
    expect(await hosting.evaluate(() => document.documentElement.lang)).toBe('en');
    await hosting.reload();
    await expect.poll(() => hosting.textContent('main h1')).toBe('Port monitoring list');
  }, 60_000);

  test('register a monitor; its port turns DOWN live when the listener closes; the log shows the failure with MAIL', async () => {
    admin = await user();
    await signIn(admin, ADMIN.loginId, ADMIN.password);
    await admin.waitForURL('**/admin');
    await admin.click('[data-testid=lang-en]');

    // the seed's drop-down of servers not yet registered → Register
    await hosting.waitForSelector('[data-testid=unregistered-select] option:nth-child(3)', { state: 'attached' });
    await hosting.selectOption('[data-testid=unregistered-select]', { label: '127.0.0.1 — web-1 (this machine)' });
    await hosting.click('[data-testid=register-button]');
    await hosting.waitForURL('**/monitors/new?server=*');

    // a typed field error from the API, shown at the field
    await hosting.fill('[data-testid=form-ports]', `${listenerPort},70000`);
    await hosting.check('[data-testid=form-use-existing]');
    await hosting.click('[data-testid=form-submit]');
    const portsError = await hosting.waitForSelector('[data-field-error=ports]');
    expect(await portsError.textContent()).toMatch(/70000/);
    expect(await hosting.getAttribute('#ports', 'aria-invalid')).toBe('true');
    await shot(hosting, 'register-field-error');

    await hosting.fill('[data-testid=form-ports]', String(listenerPort));
    await hosting.click('details summary');
    await hosting.fill('#policy-intervalSec', '10');
    await hosting.fill('#policy-retryIntervalSec', '2');
    await hosting.fill('#policy-timeoutMs', '1000');
    await hosting.click('[data-testid=form-submit]');
    await hosting.waitForURL(/\/monitors$/);
    await hosting.waitForSelector('[data-testid=monitor-row][data-host="127.0.0.1"]');
    await hosting.waitForSelector(sel.port(listenerPort, 'UP'), { timeout: 25_000 });
    await hosting.waitForTimeout(1_500); // a few checks for the sparkline
    await shot(hosting, 'monitors');

    // a second tab of the same person on the SSE fallback (urql fetchSubscriptions)
    const sseTab = await hosting.context().newPage();
    await sseTab.goto(`${app.url}/monitors?transport=sse`);
    await sseTab.waitForSelector('[data-testid=connection][data-status=online]');
    await sseTab.waitForSelector(sel.port(listenerPort, 'UP'));

    // close the listener: SUSPECT, then DOWN after 3 failures, pushed live (no reload)
    await admin.waitForSelector('[data-testid=connection][data-status=online]');
    const closedAt = Date.now();
    await new Promise((r) => listener.close(r));
    await hosting.waitForSelector(sel.port(listenerPort, 'DOWN'), { timeout: 40_000 });
    const downAfterMs = Date.now() - closedAt;
    expect(downAfterMs).toBeLessThan(40_000);
    await sseTab.waitForSelector(sel.port(listenerPort, 'DOWN'), { timeout: 5_000 });
    expect(await sseTab.textContent('[data-testid=connection]')).toContain('SSE');
    await sseTab.close();
    await hosting.waitForSelector('[data-testid=toast]');
    // the cards are counted on the server and follow the live phase change (within a second)
    await expect.poll(() => hosting.textContent('[data-testid=ports-failing]'), { timeout: 10_000 }).toBe('1');
    await shot(hosting, 'monitors-down');

    // the incident reached the admin's live feed without a reload
    await admin.waitForSelector('[data-testid=incident][data-open=true][data-host="127.0.0.1"]', { timeout: 10_000 });
    await expect.poll(() => admin.textContent('[data-testid=open-incidents]'), { timeout: 10_000 }).toBe('1');
    await shot(admin, 'admin-overview');

    // the monitor's detail: live checks
    await hosting.click('[data-testid=monitor-row] a.host');
    await hosting.waitForSelector(`[data-testid=detail-port][data-port="${listenerPort}"][data-phase=DOWN]`);
    await hosting.waitForTimeout(2_500);
    await shot(hosting, 'monitor-detail');

    // the log: the failure with its OS error and the MAIL column (the DOWN mail reached the sink)
    await smtp.waitFor(1, 20_000);
    const monitorPath = new URL(hosting.url()).pathname;
    await hosting.goto(`${app.url}${monitorPath}/logs`);
    await hosting.waitForSelector('[data-testid=failure-row]');
    expect(await hosting.textContent('[data-testid=failure-table]')).toContain('ECONNREFUSED');
    await expect
      .poll(
        async () => {
          await hosting.reload();
          await hosting.waitForSelector('[data-testid=failure-row]');
          return hosting.$$eval('[data-testid=mail-cell] [data-delivery]', (els) =>
            els.map((e) => e.getAttribute('data-delivery')),
          );
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toContain('YES');
    // repeated failures of the port are one run that grows: "ECONNREFUSED × n" with its time range
    await expect
      .poll(
        async () => {
          await hosting.reload();
          await hosting.waitForSelector('[data-testid=failure-row]');
          return hosting.$$eval('[data-testid=run-count]', (els) => els.map((e) => e.textContent ?? ''));
        },
        { timeout: 30_000, interval: 2_000 },
      )
      .toEqual(expect.arrayContaining([expect.stringMatching(/^× \d+/)]));
    await hosting.waitForSelector('[data-testid=delivery-legend]');
    await shot(hosting, 'logs');

    // drill down: year → month → day → hour
    await hosting.click('[data-testid=log-buckets] a');
    await hosting.waitForSelector('[data-testid=log-crumbs] li:nth-child(2)');
    await hosting.click('[data-testid=log-buckets] a');
    await hosting.waitForSelector('[data-testid=log-crumbs] li:nth-child(3)');
    await hosting.click('[data-testid=log-buckets] a');
    await hosting.waitForSelector('[data-testid=log-crumbs] li:nth-child(4)');
    await shot(hosting, 'logs-by-hour');
  }, 150_000);

  test('a colocation customer files an IP approval request; an admin approves it; the customer sees it live', async () => {
    const colo = await user();
    await signIn(colo, COLO.loginId, COLO.password);
    await colo.waitForURL('**/monitors');
    await colo.click('[data-testid=lang-en]');
    await colo.goto(`${app.url}/requests`);
    await colo.click('[data-testid=request-write]');
    await colo.fill('#req-ip', REQUESTED_IP);
    await colo.click('[data-testid=request-form] button[type=submit]');
    await colo.waitForSelector('[data-field-error=req-title]'); // empty title: typed field error
    await colo.fill('#req-title', 'New web server');
    await colo.fill('#req-content', 'Our second web server in rack B-12; please add it for monitoring.');
    await colo.click('[data-testid=request-form] button[type=submit]');
    await colo.waitForSelector('[data-testid=request-view][data-status=REQUESTED]');
    const requestUrl = colo.url();

    await admin.goto(`${app.url}/admin/requests`);
    await admin.waitForSelector('[data-testid=request-row]');
    await shot(admin, 'admin-requests');
    await admin.click('[data-testid=request-row] a');
    await admin.waitForSelector('[data-testid=request-view][data-status=SEEN]'); // opening marks it SEEN
    await colo.waitForSelector('[data-testid=request-view][data-status=SEEN]', { timeout: 10_000 }); // live
    await admin.click('[data-testid=approve]');
    await admin.waitForSelector('[data-testid=request-view][data-status=APPROVED]');
    await shot(admin, 'admin-request-approved');

    await colo.waitForSelector('[data-testid=request-view][data-status=APPROVED]', { timeout: 10_000 });
    expect(colo.url()).toBe(requestUrl);
    await colo.goto(`${app.url}/requests`);
    await colo.waitForSelector('[data-testid=request-row]');
    await shot(colo, 'requests');
    await colo.goto(`${app.url}/monitors`);
    await colo.waitForSelector(`[data-testid=unregistered-select] option:has-text("${REQUESTED_IP}")`, {
      state: 'attached',
    });
  }, 60_000);

  test('the other pages render', async () => {
    for (const [p, name, ready] of [
      ['/admin/monitors', 'admin-monitors', '[data-testid=admin-monitor-row]'],
      ['/admin/customers', 'admin-customers', '[data-testid=customer-table]'],
      ['/admin/inventory', 'admin-inventory', '[data-testid=inventory-table]'],
      ['/admin/settings', 'admin-settings', 'main form'],
      ['/admin/audit', 'admin-audit', '[data-testid=audit-table]'],
      ['/admin/console', 'admin-console', '[data-testid=console-run]'],
    ] as const) {
      await admin.goto(`${app.url}${p}`);
      await admin.waitForSelector(ready);
      if (name === 'admin-console') {
        await admin.click('[data-testid=console-run]');
        await expect.poll(() => admin.textContent('[data-testid=console-result]')).toContain('"loginId"');
      }
      await shot(admin, name);
    }
    await hosting.goto(`${app.url}/statistics`);
    await hosting.waitForSelector('main h1');
    await hosting.waitForSelector('[data-testid=stats-table], [data-testid=empty]');
    await shot(hosting, 'statistics');
    await hosting.goto(`${app.url}/tokens`);
    await hosting.fill('#token-name', 'billing sync');
    await hosting.click('main form button.primary');
    await hosting.waitForSelector('[data-testid=token-secret]');
    await shot(hosting, 'tokens');
    await hosting.goto(`${app.url}/firewall`);
    await hosting.waitForSelector('main h1');
    await shot(hosting, 'firewall');

    // Korean, and the phone width
    const phone = await user({ phone: true });
    await signIn(phone, HOSTING.loginId, HOSTING.password);
    await phone.click('[data-testid=lang-ko]');
    await phone.waitForSelector('[data-testid=monitor-row]');
    await shot(phone, 'phone-monitors-ko');
  }, 90_000);
});
