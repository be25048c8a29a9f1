import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { CUSTOMER_PASSWORD, makeCustomer } from '../helpers/fixtures.ts';
import { buildClient, chromiumAvailable, launchBrowser, signedIn } from './browser.ts';
import { insertFailures } from '../helpers/failure-runs.ts';
import { insertHourlyRollups } from '../helpers/rollups.ts';

/** The colour a CSS variable of the dashboard's stylesheet computes to on this page. */
function cssColor(page: Page, variable: string): Promise<string> {
  return page.evaluate((v) => {
    const probe = document.createElement('span');
    probe.style.color = `var(${v})`;
    document.body.append(probe);
    const c = getComputedStyle(probe).color;
    probe.remove();
    return c;
  }, variable);
}

const DOWN_HOST = '10.0.9.250'; // by IP order the last of 61 servers: page 2 at 50 a page
const FLIP_HOST = '10.0.1.7';

describe.skipIf(!chromiumAvailable())('screens tell the truth (Chromium, Korean)', () => {
  let app: TestApp;
  let browser: Browser;
  let accountId = '';
  const ids = new Map<string, string>();
  let downSince = new Date();
  let incidentId = '';

  beforeAll(async () => {
    buildClient();
    app = await startTestApp({ PROBE_ENABLED: 'false' });
    const p = app.db.prisma;
    const owner = await makeCustomer(p, 'screens');
    accountId = owner.id;
    await p.account.update({ where: { id: owner.id }, data: { language: 'ko', timeZone: 'Asia/Seoul' } });
    const now = Date.now();
    downSince = new Date(now - 7 * 60_000);
    const hosts = [...Array.from({ length: 60 }, (_, i) => `10.0.1.${i + 1}`), DOWN_HOST, '10.0.0.99'];
    for (const host of hosts) {
      const server = await p.server.create({
        data: { ip: host, accountId: owner.id, source: 'HOSTING_INVENTORY', allowPrivate: true },
      });
      const m = await p.monitor.create({
        data: {
          accountId: owner.id,
          serverId: server.id,
          activeServerId: server.id,
          host,
          ports: [22, 80],
          contactName: '담당자',
          contactEmail: 'ops@example.com',
          contactPhone: null,
          mailEnabled: true,
          smsEnabled: false,
          intervalSec: 60,
          timeoutMs: 1000,
        },
      });
      ids.set(host, m.id);
      const down = host === DOWN_HOST;
      await p.portState.createMany({
        data: [22, 80].map((port) => ({
          monitorId: m.id,
          port,
          phase: down ? ('DOWN' as const) : ('UP' as const),
          since: down ? new Date(downSince.getTime() + (port === 80 ? 30_000 : 0)) : new Date(now - 3_600_000),
          lastCheckAt: new Date(now - 5_000),
          lastOk: !down,
          lastLatencyMs: down ? null : 1,
          lastErrorCode: down ? 'ECONNREFUSED' : null,
        })),
      });
    }
    // 10.0.0.99 was deleted while port 80 was SUSPECT
    await p.portState.update({
      where: { monitorId_port: { monitorId: ids.get('10.0.0.99')!, port: 80 } },
      data: { phase: 'SUSPECT' },
    });
    await p.monitor.update({
      where: { id: ids.get('10.0.0.99')! },
      data: { deletedAt: new Date(now - 60_000), activeServerId: null },
    });

    // the DOWN host's open incident: the mail was not sent (no SMTP), there is no SMS (no mobile number)
    const downId = ids.get(DOWN_HOST)!;
    const inc = await p.incident.create({
      data: {
        monitorId: downId,
        accountId: owner.id,
        host: DOWN_HOST,
        ports: [22, 80],
        reason: 'ECONNREFUSED',
        openedAt: downSince,
        openMonitorId: downId,
      },
    });
    incidentId = inc.id;
    await p.notification.create({
      data: {
        incidentId: inc.id,
        accountId: owner.id,
        kind: 'DOWN',
        channel: 'EMAIL',
        recipient: 'ops@example.com',
        recipientRole: 'CONTACT',
        language: 'ko',
        status: 'NOT_SENT',
        statusDetail: 'not sent: no SMTP server configured',
      },
    });
    await insertFailures(p, [
      {
        monitorId: downId,
        port: 22,
        at: new Date(downSince.getTime() - 60_000),
        code: 'ECONNREFUSED',
        message: 'connect ECONNREFUSED',
        incidentId: null,
      },
      {
        monitorId: downId,
        port: 22,
        at: downSince,
        code: 'ECONNREFUSED',
        message: 'connect ECONNREFUSED',
        incidentId: inc.id,
      },
    ]);
    // statistics: in this hour one check of 10.0.1.1 failed, nothing was DOWN
    const hour = new Date(Math.floor(now / 3_600_000) * 3_600_000);
    await insertHourlyRollups(p, [
      { monitorId: ids.get('10.0.1.1')!, port: 22, hour, checks: 1, failures: 1, downSeconds: 0 },
    ]);
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close().catch(() => {});
    await app?.close();
  });

  const signIn = () => signedIn(browser, app.url, 'screens', CUSTOMER_PASSWORD);

  test('the list: the DOWN host first, in red, its monitoring line not green; cards over the whole account, live', async () => {
    const { page, close } = await signIn();
    await page.goto(`${app.url}/monitors`);
    const first = page.locator('[data-testid=monitor-row]').first();
    await first.waitFor({ timeout: 60_000 });
    expect(await first.getAttribute('data-host')).toBe(DOWN_HOST);
    // the prober is checking (the seed's line stays), and the host is DOWN: both are said
    const line = first.locator('[data-testid=status-line]');
    expect(await line.getAttribute('data-state')).toBe('NORMAL');
    const host = first.locator('[data-testid=host-state]');
    expect(await host.getAttribute('data-phase')).toBe('DOWN');
    const hm = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Seoul',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(downSince);
    expect((await host.textContent())?.replace(/\s+/g, ' ').trim()).toBe(`${hm}부터 장애(DOWN) (포트 22, 80)`);
    expect(await host.evaluate((el) => getComputedStyle(el).color)).toBe(await cssColor(page, '--down'));
    // and the monitoring line beside that red is not green (never green next to red)
    expect(await line.evaluate((el) => getComputedStyle(el).color)).not.toBe(await cssColor(page, '--up'));
    // an UP host has no state beside its line
    expect(await page.locator(`[data-testid=monitor-row][data-host="10.0.1.1"] [data-testid=host-state]`).count()).toBe(
      0,
    );

    // the cards count all 61 live servers (the deleted one left out), not the 50 on this page
    expect(await page.textContent('[data-testid=monitor-count]')).toBe('61');
    expect(await page.textContent('[data-testid=ports-failing]')).toBe('2');
    expect(await page.textContent('[data-testid=ports-up]')).toBe('120');

    // a port goes DOWN while the page is open: its row says so and the cards follow
    const flipId = ids.get(FLIP_HOST)!;
    const at = new Date();
    await app.db.prisma.portState.update({
      where: { monitorId_port: { monitorId: flipId, port: 80 } },
      data: { phase: 'DOWN', since: at, lastCheckAt: at, lastOk: false },
    });
    app.services.events.portStatus({
      monitorId: flipId,
      accountId,
      host: FLIP_HOST,
      port: 80,
      phase: 'DOWN',
      since: at,
      lastCheckAt: at,
      lastOk: false,
      lastLatencyMs: null,
      lastErrorCode: 'ETIMEDOUT',
      lastErrorMessage: 'timed out',
    });
    const flipped = page.locator(`[data-testid=monitor-row][data-host="${FLIP_HOST}"] [data-testid=host-state]`);
    await flipped.waitFor({ timeout: 10_000 });
    expect((await flipped.textContent())?.replace(/\s+/g, ' ').trim()).toMatch(/부터 장애\(DOWN\) \(포트 80\)$/);
    await expect.poll(() => page.textContent('[data-testid=ports-failing]'), { timeout: 10_000 }).toBe('3');
    expect(await page.textContent('[data-testid=ports-up]')).toBe('119');
    // and the list is read again in the server's order: both failing hosts first, by IP
    await expect
      .poll(
        async () =>
          page
            .locator('[data-testid=monitor-row]')
            .evaluateAll((rows) => rows.slice(0, 3).map((r) => r.getAttribute('data-host'))),
        { timeout: 10_000 },
      )
      .toEqual([FLIP_HOST, DOWN_HOST, '10.0.1.1']);

    // search by the start of an IP
    await page.fill('#search', '10.0.9.');
    await page.click('form[role=search] button[type=submit]');
    await expect
      .poll(
        async () =>
          page.locator('[data-testid=monitor-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-host'))),
        { timeout: 10_000 },
      )
      .toEqual([DOWN_HOST]);
    // the cards still count the whole account
    expect(await page.textContent('[data-testid=monitor-count]')).toBe('61');
    await close();
  }, 120_000);

  test('a deleted monitor: no frozen SUSPECT, no ON switches, no Edit', async () => {
    const { page, close } = await signIn();
    await page.goto(`${app.url}/monitors?status=DELETED`);
    const row = page.locator('[data-testid=monitor-row][data-host="10.0.0.99"]');
    await row.waitFor();
    expect(await row.locator('.badge[data-phase=SUSPECT]').count()).toBe(0);
    expect(await row.locator('[data-phase=STOPPED]').count()).toBe(2);
    expect((await row.locator('[data-phase=STOPPED]').first().textContent())?.replace(/\s+/g, ' ').trim()).toBe(
      '22 점검 안 함: 삭제됨',
    );
    expect(await row.locator('[data-testid=mail-switch]').textContent()).not.toContain('ON');
    expect(await row.locator('[data-testid=sms-switch]').textContent()).not.toContain('ON');
    expect(await row.locator('a[href$="/edit"]').count()).toBe(0);
    await page.goto(`${app.url}/monitors/${encodeURIComponent(encodeGlobalID('Monitor', ids.get('10.0.0.99')!))}`);
    await page.locator('[data-testid=status-line][data-state=DELETED]').waitFor();
    expect(await page.locator('a[href$="/edit"]').count()).toBe(0);
    expect(await page.locator('[data-testid=detail-port] .badge[data-phase=SUSPECT]').count()).toBe(0);
    await close();
  }, 60_000);

  test('statistics: the hour in progress, figures that agree, each with its definition', async () => {
    const { page, close } = await signIn();
    await page.goto(`${app.url}/statistics`);
    await page.locator('[data-testid=stats-table]').waitFor();
    // the page's status line is the failing host's, with its state (not a green line alone)
    await page.locator('[data-testid=host-state][data-phase=DOWN]').waitFor();
    const row = page.locator('[data-testid=stats-table] tbody tr', { hasText: '10.0.1.1' }).first();
    // 1 of 1 checks failed: 0 %, never 100 %
    expect((await row.locator('[data-testid=availability]').textContent())?.trim()).toBe('0%');
    const legend = await page.textContent('[data-testid=stats-legend]');
    expect(legend).toContain('가용률: 응답한 점검의 비율');
    expect(legend).toContain('장애 시간: 하나 이상의 포트가 장애(DOWN');
    expect(await page.getAttribute('th[title^="가용률"]', 'title')).toContain('(전체 점검 − 실패) ÷ 전체 점검');
    await close();
  }, 60_000);

  test('the log: "not sent" with its reason, never a bare NO; no message for a failure below the threshold', async () => {
    const { page, close } = await signIn();
    await page.goto(`${app.url}/monitors/${encodeURIComponent(encodeGlobalID('Monitor', ids.get(DOWN_HOST)!))}/logs`);
    // the status line of the log page says DOWN as well
    await page.locator('[data-testid=host-state][data-phase=DOWN]').waitFor();
    const mail = page.locator('[data-testid=mail-cell]');
    await mail.first().waitFor();
    const texts = await mail.evaluateAll((cells) => cells.map((c) => c.textContent?.replace(/\s+/g, ' ').trim() ?? ''));
    expect(texts.some((x) => x.startsWith('발송 안 함'))).toBe(true);
    const sms = await page
      .locator('[data-testid=sms-cell]')
      .evaluateAll((cells) => cells.map((c) => c.textContent?.replace(/\s+/g, ' ').trim() ?? ''));
    expect(sms).toContain(
      '발송 안 함 발송 안 함: 이 장애 건에 이 채널의 메시지가 없습니다(SMS: 담당자 휴대폰 번호 없음).',
    );
    expect(sms).toContain('—');
    expect([...texts, ...sms].some((x) => /^NO\b/.test(x))).toBe(false);
    await close();
  }, 60_000);

  test("a toast names the host and ports; an open incident's duration keeps ticking", async () => {
    const { page, close } = await signIn();
    const gidInc = encodeGlobalID('Incident', incidentId);
    // the incident opened 7 minutes before the seeding; on a loaded machine the test may run
    // minutes later: the duration shown lies between the whole minutes elapsed before and after
    const minutesSince = () => (Date.now() - downSince.getTime()) / 60_000;
    const low = Math.floor(minutesSince());
    await page.clock.install(); // the page's own clock, moved on below instead of waiting minutes
    await page.goto(`${app.url}/incidents/${encodeURIComponent(gidInc)}`);
    const dur = page.locator('[data-testid=incident-duration]');
    await dur.waitFor();
    const before = await dur.textContent();
    const high = Math.ceil(minutesSince());
    const shown = (text: string | null, plus: number): boolean => {
      const m = /^(\d+)분$/.exec(text ?? '');
      return m !== null && Number(m[1]) >= low + plus && Number(m[1]) <= high + plus;
    };
    app.services.events.incident({ incidentId, accountId, change: 'UPDATED' });
    const toast = page.locator('[data-testid=toast]').first();
    await toast.waitFor({ timeout: 10_000 });
    expect(await toast.textContent()).toContain(`${DOWN_HOST}`);
    expect(await toast.textContent()).toContain('22, 80');
    expect(before).toMatch(/^\d+분$/);
    expect(shown(before, 0), `${before} within ${low}–${high} minutes`).toBe(true);
    await page.clock.fastForward('02:00');
    await expect.poll(async () => shown(await dur.textContent(), 2), { timeout: 15_000, interval: 500 }).toBe(true);
    await close();
  }, 60_000);
});
