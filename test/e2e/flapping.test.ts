import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { buildClient, chromiumAvailable, launchBrowser, newUser } from './browser.ts';

describe.skipIf(!chromiumAvailable())('FLAPPING badge in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let monitorId = '';
  beforeAll(async () => {
    buildClient();
    app = await startTestApp({ PROBE_ENABLED: 'false' });
    const p = app.db.prisma;
    const owner = await makeCustomer(p, 'flappy');
    await p.account.update({ where: { id: owner.id }, data: { language: 'ko' } });
    const m = await makeMonitor(p, { accountId: owner.id, ports: [22, 80] });
    monitorId = m.id;
    const now = new Date();
    // port 22: UP between failures, FLAPPING (failed 9 of the last 21); port 80: steady UP
    await p.portState.createMany({
      data: [
        {
          monitorId: m.id,
          port: 22,
          phase: 'UP',
          since: now,
          lastCheckAt: now,
          lastOk: true,
          lastLatencyMs: 1,
          flapHistory: '110110110110100000000',
          flapping: true,
          flappingSince: now,
        },
        { monitorId: m.id, port: 80, phase: 'UP', since: now, lastCheckAt: now, lastOk: true, lastLatencyMs: 1 },
      ],
    });
    browser = await launchBrowser();
  }, 240_000);
  afterAll(async () => {
    await browser?.close().catch(() => {});
    await app?.close();
  });

  test('list and detail: FLAPPING instead of UP, with the figures, in Korean', async () => {
    const { context, page } = await newUser(browser);
    await page.goto(`${app.url}/login`);
    await page.fill('#loginId', 'flappy');
    await page.fill('#password', CUSTOMER_PASSWORD);
    await page.click('[data-testid=login-form] button[type=submit]');
    await page.waitForSelector('[data-testid=logout]');

    await page.goto(`${app.url}/monitors`);
    const badge = page.locator('[data-testid=port][data-port="22"] [data-testid=flap-badge]');
    await badge.waitFor();
    expect((await badge.textContent())?.trim()).toBe('22 불안정');
    expect(await badge.getAttribute('title')).toBe('포트 22: 최근 21회 점검 중 9회 실패');
    // no green UP badge next to it; the steady port keeps its UP badge
    expect(await page.locator('[data-testid=port][data-port="22"] .badge[data-phase=UP]').count()).toBe(0);
    expect(await page.locator('[data-testid=port][data-port="80"] .badge[data-phase=UP]').count()).toBe(1);

    await page.goto(`${app.url}/monitors/${encodeURIComponent(encodeGlobalID('Monitor', monitorId))}`);
    const row = page.locator('[data-testid=detail-port][data-port="22"]');
    await row.locator('[data-testid=flap-badge]').waitFor();
    expect(await row.textContent()).toContain('포트 22: 최근 21회 점검 중 9회 실패');
    expect(await row.locator('.badge[data-phase=UP]').count()).toBe(0);
    await context.close();
  }, 60_000);
});
