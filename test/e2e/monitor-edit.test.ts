// The monitor edit and contact pages (one loader, one frame): each fills its form from the
// monitor, shows the API's field error at the field, saves, and says "not found" for a monitor
// that is not the viewer's.
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { buildClient, chromiumAvailable, launchBrowser, signedIn } from './browser.ts';

describe.skipIf(!chromiumAvailable())('monitor edit and contact pages in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let monitorId = '';
  let foreignId = '';

  beforeAll(async () => {
    buildClient();
    app = await startTestApp({ PROBE_ENABLED: 'false' });
    const p = app.db.prisma;
    const owner = await makeCustomer(p, 'editor');
    monitorId = encodeGlobalID(
      'Monitor',
      (await makeMonitor(p, { accountId: owner.id, ip: '127.0.0.5', ports: [22, 80] })).id,
    );
    const other = await makeCustomer(p, 'someone');
    foreignId = encodeGlobalID(
      'Monitor',
      (await makeMonitor(p, { accountId: other.id, ip: '127.0.0.6', ports: [22] })).id,
    );
    browser = await launchBrowser();
  }, 240_000);
  afterAll(async () => {
    await browser?.close().catch(() => {});
    await app?.close();
  });

  const signIn = () => signedIn(browser, app.url, 'editor', CUSTOMER_PASSWORD);

  test('edit: the form holds the monitor, pause and resume, a saved change reaches the detail page', async () => {
    const { page, close } = await signIn();
    await page.goto(`${app.url}/monitors/${encodeURIComponent(monitorId)}/edit`);
    const ports = page.locator('[data-testid=form-ports]');
    await ports.waitFor();
    expect(await ports.inputValue()).toBe('22,80');
    expect(await page.locator('h1').textContent()).toBe('Edit monitor · 127.0.0.5');

    await page.click('[data-testid=pause-toggle]');
    await page.locator('[data-testid=toast]', { hasText: 'Monitoring paused.' }).waitFor();
    await expect.poll(() => page.locator('[data-testid=pause-toggle]').textContent()).toContain('Resume monitoring');
    expect((await app.db.prisma.monitor.findFirstOrThrow({ where: { host: '127.0.0.5' } })).pausedAt).not.toBeNull();
    await page.click('[data-testid=pause-toggle]');
    await expect.poll(() => page.locator('[data-testid=pause-toggle]').textContent()).toContain('Pause monitoring');

    await ports.fill('22');
    await page.click('[data-testid=form-submit]');
    await page.waitForURL(`${app.url}/monitors/${encodeURIComponent(monitorId)}`);
    const saved = await app.db.prisma.monitor.findFirstOrThrow({ where: { host: '127.0.0.5' } });
    expect(saved.ports).toEqual([22]);
    expect(saved.pausedAt).toBeNull();
    await close();
  }, 90_000);

  test("contact: the API's e-mail error at the field, then saved", async () => {
    const { page, close } = await signIn();
    await page.goto(`${app.url}/monitors/${encodeURIComponent(monitorId)}/contact`);
    const email = page.locator('#contactEmail');
    await email.waitFor();
    expect(await email.inputValue()).toBe('contact@example.com');

    await email.fill('no-at-sign');
    await page.click('[data-testid=form-submit]');
    const error = page.locator('[data-field-error=contactEmail]');
    await error.waitFor();
    expect(await error.textContent()).toBe('Enter an e-mail address with @');
    expect(await email.getAttribute('aria-invalid')).toBe('true');

    await email.fill('ops@example.net');
    await page.click('[data-testid=form-submit]');
    await page.waitForURL(`${app.url}/monitors`);
    await page.locator('[data-testid=toast]', { hasText: 'Contact saved.' }).waitFor();
    expect((await app.db.prisma.monitor.findFirstOrThrow({ where: { host: '127.0.0.5' } })).contactEmail).toBe(
      'ops@example.net',
    );
    await close();
  }, 90_000);

  test("another customer's monitor: not found on both pages, no form", async () => {
    const { page, close } = await signIn();
    for (const path of ['edit', 'contact']) {
      await page.goto(`${app.url}/monitors/${encodeURIComponent(foreignId)}/${path}`);
      const notice = page.locator('.notice.bad');
      await notice.waitFor();
      expect(await notice.textContent()).toBe('This monitor does not exist or is not yours.');
      expect(await page.locator('[data-testid=monitor-form]').count()).toBe(0);
    }
    await close();
  }, 60_000);
});
