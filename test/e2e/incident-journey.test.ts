import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createProbeRuntime, type ProbeRuntime } from '../../server/monitoring/runtime.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/app.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { startNhnFake, startSmtpSink, type NhnFake, type SmtpSink } from '../notify/fakes/index.ts';
import { buildClient, chromiumAvailable, launchBrowser, newUser } from './browser.ts';
import { until } from '../helpers/poll.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'docs/screenshots');

describe.skipIf(!chromiumAvailable())('from the alert mail to the incident timeline, in Korean', () => {
  let app: TestApp;
  let smtp: SmtpSink;
  let nhn: NhnFake;
  let browser: Browser;
  let incidentId: string;
  let probe: ProbeRuntime | undefined;

  beforeAll(async () => {
    buildClient();
    [smtp, nhn] = await Promise.all([startSmtpSink(), startNhnFake()]);
    // a known port, so that PUBLIC_URL (the mail's links and the read link's redirect) is right
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    app = await startTestApp({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      PROBE_ENABLED: 'true',
      DISPATCH_ENABLED: 'true',
      SMTP_URL: smtp.url,
      MAIL_FROM: 'portwatch <alerts@portwatch.test>',
      SMS_PROVIDER: 'nhn',
      NHN_BASE_URL: nhn.url,
      NHN_APP_KEY: nhn.appKey,
      NHN_SECRET_KEY: nhn.secretKey,
      NHN_SEND_NO: '15446859',
      NHN_WEBHOOK_SECRET: nhn.webhookSecret,
      NHN_WEBHOOK_SIGNATURE_MODE: 'hmac-sha256',
      SMS_ACK_LINK: 'false',
    });
    const p = app.db.prisma;
    await p.account.updateMany({ where: { loginId: ADMIN.loginId }, data: { language: 'ko' } });
    await p.adminRecipient.create({
      data: { name: '관제실', email: 'noc@hosting.example', phone: '+821099998888', language: 'ko' },
    });
    const customer = await makeCustomer(p, 'hanbit');
    await p.account.update({ where: { id: customer.id }, data: { language: 'ko', timeZone: 'Asia/Seoul' } });
    // a port nothing listens on: refused at once, DOWN at the first failure
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const dead = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    await app.probe!.stop(); // a probe that reads the admin recipient when it starts
    probe = createProbeRuntime({
      prisma: p,
      events: app.services.events,
      signals: app.services.signals,
      resyncMs: 1_000,
    });
    await probe.start();
    const running = probe;
    app.services.probe = running;
    const monitor = await makeMonitor(p, {
      accountId: customer.id,
      ports: [dead],
      intervalSec: 60,
      retryIntervalSec: 1,
      timeoutMs: 500,
      failureThreshold: 1,
      smsEnabled: true,
    });
    app.services.signals.monitorChanged.emit(monitor.id);
    const incident = await until('the incident', () => p.incident.findFirst({ where: { monitorId: monitor.id } }));
    incidentId = incident.id;
    // DOWN: mail and SMS to the contact and to the admin recipient, all sent
    await until(
      '4 DOWN messages sent',
      async () => (await p.notification.count({ where: { incidentId, kind: 'DOWN', status: 'YES' } })) === 4,
    );
    // the carrier reports both SMS delivered (signed webhooks)
    for (const r of nhn.received) {
      const rcpt = r.body.recipientList[0]!;
      const rawBody = JSON.stringify({
        hooksId: `hooks-${r.requestId}`,
        webhookConfigId: 'webhook-config-1',
        productName: 'SMS',
        appKey: nhn.appKey,
        event: 'MESSAGE_RESULT_UPDATE',
        hooks: [
          {
            hookId: `hook-${r.requestId}`,
            senderType: r.type === 'mms' ? 'NORMAL_MMS' : 'NORMAL_SMS',
            requestId: r.requestId,
            recipientSeq: r.recipientSeq,
            requestDate: '2025-11-24T18:20:02',
            receiveDate: '2025-11-24T18:20:04',
            sendNo: r.body.sendNo,
            recipientNo: rcpt.recipientNo ?? rcpt.internationalRecipientNo,
            messageStatus: 'COMPLETED',
            recipientGroupingKey: rcpt.recipientGroupingKey ?? null,
            senderGroupingKey: r.body.senderGroupingKey ?? null,
            resultCode: '1000',
            messageCount: 1,
          },
        ],
      });
      const res = await nhn.postReport(`${app.url}/hooks/sms/nhn`, { rawBody });
      expect(res.status).toBe(200);
    }
    await until(
      'SMS delivered',
      async () => (await p.notification.count({ where: { incidentId, channel: 'SMS', status: 'DELIVERED' } })) === 2,
    );
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await probe?.stop();
    await app?.close();
    await Promise.all([smtp?.close(), nhn?.close()]);
  }, 60_000);

  /** The "로그 보기" link of the DOWN mail to `to`, on this server. */
  function logLink(to: string): string {
    const mail = smtp.received.find(
      (m) => m.rcptTo.some((r) => r.address === to) && /장애/.test(m.parsed.subject ?? ''),
    );
    const link = /로그 보기: (\S+)/.exec(mail?.parsed.text ?? '')?.[1];
    if (!link) throw new Error(`no log link in the mail to ${to}`);
    expect(link.startsWith(`${app.url}/t/l/`)).toBe(true);
    return link;
  }

  async function followMail(to: string, loginId: string, password: string, shotName: string): Promise<Page> {
    const { page } = await newUser(browser, { locale: 'ko-KR' });
    page.on('pageerror', (e) => console.error(`[browser] ${e.message}`));
    await page.goto(logLink(to));
    // not signed in yet: the sign-in page, then back to the incident
    await page.waitForSelector('[data-testid=login-form]');
    await page.fill('#loginId', loginId);
    await page.fill('#password', password);
    await page.click('[data-testid=login-form] button[type=submit]');
    await page.waitForURL(`**/incidents/${incidentId}`);
    await page.waitForSelector('[data-testid=ledger-row]');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ko');
    expect(await page.textContent('main h1')).toContain('장애');
    expect(await page.textContent('[data-testid=incident-status]')).toBe('장애 중');
    const row = (channel: string, recipient: string) =>
      page.locator(`[data-testid=ledger-row][data-channel=${channel}]`, { hasText: recipient });
    // the mail: READ (the link just followed is the read signal), timeline YES then READ
    const mailRow = row('EMAIL', to);
    await expect.poll(() => mailRow.getAttribute('data-status'), { timeout: 10_000 }).toBe('READ');
    await mailRow.locator('[data-testid=timeline] summary').click();
    await mailRow.locator('[data-testid=timeline-step][data-status=READ]').waitFor();
    const mailSteps = await mailRow
      .locator('[data-testid=timeline-step]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(mailSteps.indexOf('YES')).toBeGreaterThanOrEqual(0);
    expect(mailSteps.indexOf('READ')).toBeGreaterThan(mailSteps.indexOf('YES'));
    const mailText = await mailRow.locator('[data-testid=timeline]').innerText();
    expect(mailText).toContain('발송');
    expect(mailText).toContain('읽음: 로그 링크를 열었습니다');
    // the SMS: timeline YES then DELIVERED (the carrier's signed report)
    const smsRow = page.locator('[data-testid=ledger-row][data-channel=SMS][data-status=DELIVERED]').first();
    await smsRow.locator('[data-testid=timeline] summary').click();
    await smsRow.locator('[data-testid=timeline-step][data-status=DELIVERED]').waitFor();
    const smsSteps = await smsRow
      .locator('[data-testid=timeline-step]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(smsSteps.indexOf('DELIVERED')).toBeGreaterThan(smsSteps.indexOf('YES'));
    const smsText = await smsRow.locator('[data-testid=timeline]').innerText();
    expect(smsText).toContain('전달됨');
    expect(smsText).toContain('결과 보고');
    // no English sentence of ours in the Korean page
    const body = await page.locator('main').innerText();
    expect(body).not.toMatch(/\b(attempt \d|not sent|Show timeline|Messages \d|accepted by)\b/);
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: path.join(shots, `${shotName}.png`), fullPage: true });
    return page;
  }

  test('the customer follows the DOWN mail link and reads the timeline', async () => {
    const page = await followMail('contact@example.com', 'hanbit', CUSTOMER_PASSWORD, 'incident-timeline-ko');
    // the customer sees its contact's messages only
    const recipients = await page.locator('[data-testid=ledger-row]').allInnerTexts();
    expect(recipients.join(' ')).not.toContain('noc@hosting.example');
  }, 120_000);

  test('the admin follows its own DOWN mail link and reads every timeline', async () => {
    const page = await followMail('noc@hosting.example', ADMIN.loginId, ADMIN.password, 'incident-timeline-admin-ko');
    const recipients = (await page.locator('[data-testid=ledger-row]').allInnerTexts()).join(' ');
    expect(recipients).toContain('contact@example.com');
    expect(recipients).toContain('noc@hosting.example');
  }, 120_000);
});
