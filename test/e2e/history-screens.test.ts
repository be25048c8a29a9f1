// The issue-17 screens in Chromium, in Korean, over a hand-built history (written to
// docs/screenshots for the README): the monitor list with its uptime columns, the detail page
// with the 90-day strip and the 1-year response-time chart, the statistics' month and day views,
// the monthly SLA report and a public status page. Each shot is taken after the figures it shows
// are checked against the history (a red bar where the day lost hours, amber where it lost
// minutes), so the pictures tell the truth.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { insertHourlyRollups, type HourlyFixture } from '../helpers/rollups.ts';
import { buildClient, chromiumAvailable, launchBrowser, signedIn } from './browser.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'docs/screenshots');
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** YYYY-MM-DD of `t` in Seoul. */
const seoulDay = (t: number) => new Date(t + 9 * HOUR).toISOString().slice(0, 10);

describe.skipIf(!chromiumAvailable())('the uptime, SLA and status screens (Chromium, Korean)', () => {
  let app: TestApp;
  let browser: Browser;
  const ids = new Map<string, string>();
  // a 3-hour outage 20 days ago (a red bar) and a 10-minute one 5 days ago (an amber bar) on WEB
  let redDay = '';
  let amberDay = '';
  const WEB = '10.20.0.1';
  const HIDDEN = '10.20.0.9'; // never published

  beforeAll(async () => {
    buildClient();
    mkdirSync(shots, { recursive: true });
    app = await startTestApp({ PROBE_ENABLED: 'false' });
    const p = app.db.prisma;
    const owner = await makeCustomer(p, 'history');
    await p.account.update({ where: { id: owner.id }, data: { language: 'ko', timeZone: 'Asia/Seoul' } });
    const now = Date.now();
    for (const [ip, ports] of [
      [WEB, [80, 443]],
      ['10.20.0.2', [22, 3306]],
      ['10.20.0.3', [25, 587]],
      [HIDDEN, [22]],
    ] as const) {
      const m = await makeMonitor(p, { accountId: owner.id, ip, ports: [...ports] });
      await p.monitor.update({ where: { id: m.id }, data: { createdAt: new Date(now - 400 * DAY) } });
      await p.portState.createMany({
        data: ports.map((port) => ({
          monitorId: m.id,
          port,
          phase: 'UP' as const,
          since: new Date(now - 2 * DAY),
          lastCheckAt: new Date(now - 5_000),
          lastOk: true,
          lastLatencyMs: 12 + (port % 7),
        })),
      });
      await p.monitor.update({
        where: { id: m.id },
        data: { contactName: '김담당', contactEmail: 'ops@hanbit.example' },
      });
      ids.set(ip, m.id);
    }
    const incident = async (ip: string, openedAt: number, minutes: number, reason: string, port = 443) =>
      p.incident.create({
        data: {
          monitorId: ids.get(ip)!,
          accountId: owner.id,
          host: ip,
          ports: [port],
          reason,
          openedAt: new Date(openedAt),
          resolvedAt: new Date(openedAt + minutes * 60_000),
          closeReason: 'RECOVERED',
        },
      });
    // at Seoul noon, so neither crosses a day boundary
    const noon = (daysAgo: number) => Date.parse(`${seoulDay(now - daysAgo * DAY)}T03:00:00Z`);
    redDay = seoulDay(noon(20));
    amberDay = seoulDay(noon(5));
    await incident(WEB, noon(20), 180, 'ETIMEDOUT');
    await incident(WEB, noon(5), 10, 'ECONNREFUSED');
    await incident('10.20.0.2', noon(40), 45, 'ETIMEDOUT', 3306);
    await incident(HIDDEN, noon(3), 600, 'ETIMEDOUT', 22);
    // a year of hourly checks of WEB (a daily rhythm, slower for a few weeks in the spring), as the
    // prober writes them: every check of port 443 failed during the two outages
    const failed = (hour: number) => (hour >= noon(20) && hour < noon(20) + 3 * HOUR ? 60 : hour === noon(5) ? 10 : 0);
    const rows: HourlyFixture[] = [];
    const first = Math.floor((now - 365 * DAY) / HOUR) * HOUR;
    for (let hour = first; hour < now - HOUR; hour += HOUR)
      for (const port of [80, 443]) {
        const season = 1 + 0.8 * Math.max(0, Math.sin((2 * Math.PI * (hour - first)) / (365 * DAY)) - 0.6);
        const base = season * (20 + 10 * Math.sin((2 * Math.PI * ((hour / HOUR) % 24)) / 24) + (port === 443 ? 8 : 0));
        const failures = port === 443 ? failed(hour) : 0;
        rows.push({
          monitorId: ids.get(WEB)!,
          port,
          hour: new Date(hour),
          checks: 60,
          failures,
          latencySumMs: Math.round(base * (60 - failures)),
          latencyCount: 60 - failures,
          latencyMinMs: failures === 60 ? null : Math.round(base * 0.7),
          latencyMaxMs: failures === 60 ? null : Math.round(base * 1.8),
          downSeconds: failures === 60 ? 3600 : failures * 60,
        });
      }
    await insertHourlyRollups(p, rows);
    // a published status page (Korean) with two hosts; the HIDDEN host is on no published page
    const page = await p.statusPage.create({
      data: {
        accountId: owner.id,
        slug: 'history',
        title: '한빛 서비스 상태',
        published: true,
        language: 'ko',
        timeZone: 'Asia/Seoul',
      },
    });
    await p.statusPageItem.createMany({
      data: [
        { pageId: page.id, monitorId: ids.get(WEB)!, label: '웹 서비스', ports: [], position: 0 },
        { pageId: page.id, monitorId: ids.get('10.20.0.2')!, label: '데이터베이스', ports: [3306], position: 1 },
      ],
    });
    const draft = await p.statusPage.create({
      data: { accountId: owner.id, slug: 'history-draft', title: '초안', published: false, language: 'ko' },
    });
    await p.statusPageItem.create({
      data: { pageId: draft.id, monitorId: ids.get(HIDDEN)!, label: '비공개 서버', ports: [], position: 0 },
    });
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close().catch(() => {});
    await app?.close();
  });

  const signIn = () => signedIn(browser, app.url, 'history', CUSTOMER_PASSWORD, { locale: 'ko-KR' });

  async function shot(page: Page, name: string) {
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  }

  test('the list: each host with its 24 h and 30 d uptime', async () => {
    const { page, close } = await signIn();
    await page.goto(`${app.url}/monitors`);
    const row = page.locator(`[data-testid=monitor-row][data-host="${WEB}"]`);
    await row.waitFor({ timeout: 60_000 });
    const cell = row.locator('[data-testid=uptime-cell]').first();
    // 24 h: nothing; 30 d: the 3-hour and the 10-minute outages, 190 of 43,200 minutes
    await expect
      .poll(async () => (await cell.textContent())?.replace(/\s+/g, ' ').trim(), { timeout: 15_000 })
      .toBe(`100% · ${(100 * (1 - 190 / 43_200)).toFixed(2)}%`);
    await shot(page, 'monitors-uptime-ko');
    await close();
  }, 120_000);

  test('the detail page: a red bar on the 3-hour day, amber on the 10-minute day, the 1-year chart', async () => {
    const { page, close } = await signIn();
    await page.goto(`${app.url}/monitors/${encodeURIComponent(encodeGlobalID('Monitor', ids.get(WEB)!))}`);
    const strip = page.locator('[data-testid=day-strip]');
    await strip.waitFor({ timeout: 60_000 });
    expect(await strip.locator('button.bar').count()).toBe(90);
    expect(await strip.locator(`[data-day="${redDay}"]`).getAttribute('class')).toContain('b-poor');
    expect(await strip.locator(`[data-day="${amberDay}"]`).getAttribute('class')).toContain('b-fair');
    expect(await strip.locator('.b-poor').count()).toBe(1);
    expect(await strip.locator('.b-fair').count()).toBe(1);
    await page.locator('[data-testid=uptime-panel] button[aria-pressed]').last().click(); // 1 year
    await page.locator('[data-testid=latency-chart]').waitFor({ timeout: 30_000 });
    await strip.locator(`[data-day="${redDay}"]`).hover(); // the day's incidents under the strip
    await shot(page, 'monitor-detail-uptime-ko');
    await close();
  }, 120_000);

  test('statistics: the month view and the day view of one host', async () => {
    const { page, close } = await signIn();
    await page.goto(`${app.url}/statistics`);
    await page.locator('[data-testid=stats-table]').waitFor({ timeout: 60_000 });
    await page.selectOption('#st-host', WEB);
    const periods = page.locator('[data-testid=stats-periods]');
    await periods.locator('tbody tr').first().waitFor({ timeout: 30_000 });
    await shot(page, 'statistics-month-ko');
    await periods.locator('button[aria-pressed]').nth(1).click(); // by day
    await periods.locator('select').selectOption(redDay.slice(0, 7));
    const red = periods.locator('tbody tr', { hasText: redDay });
    await red.waitFor();
    expect(await red.textContent()).toContain('87.5');
    await shot(page, 'statistics-day-ko');
    await close();
  }, 120_000);

  test('the monthly SLA report', async () => {
    const { page, close } = await signIn();
    await page.goto(`${app.url}/sla`);
    await page.locator('[data-testid=sla-report]').waitFor({ timeout: 60_000 });
    await page.selectOption('[data-testid=sla-month]', redDay.slice(0, 7)); // the month of the outages
    // the months are named in the page's language, not the browser's
    expect(await page.locator('[data-testid=sla-month] option:checked').textContent()).toMatch(/^\d{4}년 \d{1,2}월$/);
    await page.locator('[data-testid=sla-incident]').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid=sla-host]').count()).toBe(4);
    await page.locator('[data-testid=sla-month]').blur();
    // the 3-hour outage breaks 99.9 % in a month (≤ 44 minutes), the 10-minute one alone does not
    expect(await page.locator(`[data-testid=sla-host][data-host="${WEB}"]`).getAttribute('data-breached')).toBe('true');
    expect(await page.locator('[data-testid=sla-host][data-host="10.20.0.3"]').getAttribute('data-breached')).toBe(
      'false',
    );
    await shot(page, 'sla-report-ko');
    await close();
  }, 120_000);

  test('the public status page: the chosen hosts by label, never the unpublished one', async () => {
    for (const javaScriptEnabled of [false, true]) {
      const context = await browser.newContext({
        javaScriptEnabled,
        locale: 'ko-KR',
        viewport: { width: 1000, height: 800 },
      });
      const page = await context.newPage();
      const r = await page.goto(`${app.url}/status/history`);
      expect(r?.status()).toBe(200);
      const text = await page.locator('body').innerText();
      expect(text).toContain('웹 서비스');
      expect(text).toContain('데이터베이스');
      expect(text).not.toContain('비공개 서버');
      for (const ip of [WEB, '10.20.0.2', HIDDEN]) expect(text).not.toContain(ip);
      expect(await page.locator('.item').count()).toBe(2);
      // the unpublished page answers like an address that does not exist
      const draft = await page.goto(`${app.url}/status/history-draft`);
      expect(draft?.status()).toBe(404);
      expect(await page.locator('body').innerText()).not.toContain('비공개 서버');
      if (javaScriptEnabled) {
        await page.goto(`${app.url}/status/history`);
        await page.evaluate(() => document.fonts.ready);
        await page.screenshot({ path: path.join(shots, 'status-page-ko.png'), fullPage: true });
      }
      await context.close();
    }
  }, 120_000);
});
