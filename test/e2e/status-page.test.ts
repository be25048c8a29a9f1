// A public status page in real Chromium: without JavaScript it shows the chosen host (by its
// label, no address) and never the unpublished one; with JavaScript its inline script runs under
// the page's CSP and the page follows a status change over SSE without a reload, still without
// the unpublished one.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { chromiumAvailable, launchBrowser } from './browser.ts';

describe.runIf(chromiumAvailable())('a status page in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let shownId: string;

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    const p = app.db.prisma;
    const acme = await makeCustomer(p, 'acme');
    const shown = await makeMonitor(p, { accountId: acme.id, ip: '203.0.113.20', ports: [443] });
    const hidden = await makeMonitor(p, { accountId: acme.id, ip: '203.0.113.21', ports: [22] });
    shownId = shown.id;
    await p.portState.create({ data: { monitorId: shown.id, port: 443, phase: 'UP' } });
    await p.portState.create({ data: { monitorId: hidden.id, port: 22, phase: 'DOWN' } });
    const page = await p.statusPage.create({
      data: { accountId: acme.id, slug: 'acme', title: 'Acme status', published: true, language: 'en' },
    });
    await p.statusPageItem.create({ data: { pageId: page.id, monitorId: shown.id, label: 'Web shop', ports: [] } });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows the chosen host without JavaScript, and never the unpublished one', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-US' });
    const page = await context.newPage();
    const r = await page.goto(`${app.url}/status/acme`);
    expect(r?.status()).toBe(200);
    const text = await page.locator('body').innerText();
    expect(text).toContain('Acme status');
    expect(text).toContain('Web shop');
    expect(text).toContain('All systems operational');
    expect(text).not.toContain('203.0.113.20');
    expect(text).not.toContain('203.0.113.21');
    expect(await page.locator('.item').count()).toBe(1);
    await context.close();
  });

  it('follows a status change over SSE with JavaScript, under its CSP', async () => {
    const context = await browser.newContext({ locale: 'ko-KR' });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const stream = page.waitForResponse((res) => res.url().includes('/status/acme/events'));
    await page.goto(`${app.url}/status/acme`);
    expect(await page.locator('.banner').innerText()).toBe('모든 서비스가 정상입니다');
    await stream;
    await app.db.prisma.portState.update({
      where: { monitorId_port: { monitorId: shownId, port: 443 } },
      data: { phase: 'DOWN' },
    });
    app.services.events.portStatus({
      monitorId: shownId,
      accountId: 'x',
      host: 'x',
      port: 443,
      phase: 'DOWN',
      since: new Date(),
      lastCheckAt: new Date(),
      lastOk: false,
      lastLatencyMs: null,
      lastErrorCode: null,
      lastErrorMessage: null,
    });
    await page.locator('.banner', { hasText: '서비스 장애가 발생했습니다' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#status').getAttribute('data-state')).toBe('DOWN');
    // the live update shows only the chosen host: never the unpublished monitor or an address
    const text = await page.locator('body').innerText();
    expect(text).toContain('Web shop');
    expect(text).not.toContain('203.0.113.20');
    expect(text).not.toContain('203.0.113.21');
    expect(await page.locator('.item').count()).toBe(1);
    expect(violations).toEqual([]);
    await context.close();
  });
});
