// Delivery updates through the real HTTP routes of a running app: read pixel and link,
// acknowledgement link, NHN and Twilio delivery reports (signed and forged), bounces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import {
  bounceReceived,
  startNhnFake,
  startSmtpSink,
  startTwilioFake,
  type NhnFake,
  type ReceivedMail,
  type SmtpSink,
  type TwilioFake,
} from '../notify/fakes/index.ts';
import { makeIncident, queueRows, statusOf, waitFor } from './helpers.ts';

const PUBLIC_URL = 'https://pw.example.com';

/** Path + token of a link in an HTML mail, e.g. /t/r/<token>.gif */
function linkPath(mail: ReceivedMail, re: RegExp): string {
  const m = re.exec(mail.parsed.html || '');
  if (!m?.[1]) throw new Error(`no link ${re} in the mail`);
  return m[1];
}
const PIXEL = /https:\/\/pw\.example\.com(\/t\/r\/[A-Za-z0-9._-]+\.gif)/;
const READ_LINK = /https:\/\/pw\.example\.com(\/t\/l\/[A-Za-z0-9._-]+)/;
const ACK_LINK = /https:\/\/pw\.example\.com(\/t\/a\/[A-Za-z0-9._-]+)/;

function forge(path: string): string {
  // flip one character of the signature
  const i = path.lastIndexOf('.') - 3;
  return path.slice(0, i) + (path[i] === 'A' ? 'B' : 'A') + path.slice(i + 1);
}

describe(`notification routes with NHN (${backend})`, () => {
  let app: TestApp;
  let sink: SmtpSink;
  let nhn: NhnFake;

  beforeAll(async () => {
    [sink, nhn] = await Promise.all([startSmtpSink(), startNhnFake()]);
    app = await startTestApp({
      DISPATCH_ENABLED: 'true',
      PUBLIC_URL,
      SMTP_URL: sink.url,
      BOUNCE_SMTP_PORT: '0',
      BOUNCE_ADDRESS: 'bounces@pw.example.com',
      SMS_PROVIDER: 'nhn',
      NHN_BASE_URL: nhn.url,
      NHN_APP_KEY: nhn.appKey,
      NHN_SECRET_KEY: nhn.secretKey,
      NHN_SEND_NO: '15446859',
      NHN_WEBHOOK_SECRET: nhn.webhookSecret,
      NHN_WEBHOOK_SIGNATURE_MODE: 'hmac-sha256',
    });
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([sink.close(), nhn.close()]);
  });

  async function sendPair() {
    const prisma = app.testDb.db.prisma;
    const { incident } = await makeIncident(prisma);
    const [email, sms] = await queueRows(prisma, incident, [
      { channel: 'EMAIL', recipient: `ops-${incident.id.slice(-6)}@example.com` },
      { channel: 'SMS', recipient: '+821012345678' },
    ]);
    const before = sink.received.length;
    app.services.signals.notificationsQueued.emit();
    const mails = await sink.waitFor(before + 1);
    await waitFor(
      async () =>
        (await prisma.notification.count({ where: { id: { in: [email!.id, sms!.id] }, status: 'YES' } })) === 2,
      10_000,
      'both sent',
    );
    return { incident, email: email!, sms: sms!, mail: mails[before]!, nhnReceived: nhn.received.at(-1)! };
  }

  it('read pixel: the first fetch marks READ, a second changes nothing, a forged token gets 404', async () => {
    const { email, mail } = await sendPair();
    const pixel = linkPath(mail, PIXEL);
    const forged = await fetch(`${app.url}${forge(pixel)}`);
    expect(forged.status).toBe(404);
    expect((await statusOf(app.testDb.db.prisma, email.id)).status).toBe('YES');

    const first = await fetch(`${app.url}${pixel}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/gif');
    expect(first.headers.get('cache-control')).toContain('no-store');
    expect(
      Buffer.from(await first.arrayBuffer())
        .subarray(0, 6)
        .toString('latin1'),
    ).toBe('GIF89a');
    const read = await statusOf(app.testDb.db.prisma, email.id);
    expect(read.status).toBe('READ');
    expect(read.readAt).toBeInstanceOf(Date);

    expect((await fetch(`${app.url}${pixel}`)).status).toBe(200);
    const again = await statusOf(app.testDb.db.prisma, email.id);
    expect(again.readAt).toEqual(read.readAt);
    expect(again.events.filter((e) => e.status === 'READ')).toHaveLength(1);
  });

  it('read link: READ, then 302 to the incident log; an ack token is no read token', async () => {
    const { email, mail, incident } = await sendPair();
    const ackAsRead = `${linkPath(mail, ACK_LINK).replace('/t/a/', '/t/r/')}.gif`;
    expect((await fetch(`${app.url}${ackAsRead}`)).status).toBe(404);
    const res = await fetch(`${app.url}${linkPath(mail, READ_LINK)}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${PUBLIC_URL}/incidents/${incident.id}`);
    expect((await statusOf(app.testDb.db.prisma, email.id)).events.map((e) => e.detail)).toContain(
      'read: log link opened',
    );
  });

  it('ack link: opening shows a page and acknowledges nothing; the button acknowledges once', async () => {
    const prisma = app.testDb.db.prisma;
    const { email, mail, incident } = await sendPair();
    const ack = linkPath(mail, ACK_LINK);
    expect((await fetch(`${app.url}${forge(`${ack}.x`).slice(0, -2)}`)).status).toBe(404);
    const page = await fetch(`${app.url}${ack}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).toContain('<form method="post">');
    expect(html).toContain(incident.host!);
    expect((await prisma.incident.findUniqueOrThrow({ where: { id: incident.id } })).acknowledgedAt).toBeNull();

    const done = await fetch(`${app.url}${ack}`, { method: 'POST' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Acknowledged.');
    const acked = await prisma.incident.findUniqueOrThrow({ where: { id: incident.id } });
    expect(acked.acknowledgedAt).toBeInstanceOf(Date);
    expect(acked.acknowledgedBy).toBe(`link: ${email.recipient}`);
    expect((await statusOf(prisma, email.id)).status).toBe('READ');

    const twice = await (await fetch(`${app.url}${ack}`, { method: 'POST' })).text();
    expect(twice).toContain('Already acknowledged');
    expect((await prisma.incident.findUniqueOrThrow({ where: { id: incident.id } })).acknowledgedAt).toEqual(
      acked.acknowledgedAt,
    );
  });

  it('NHN delivery reports: forged → 401 and nothing changes; signed → DELIVERED; late reports change nothing', async () => {
    const prisma = app.testDb.db.prisma;
    const { sms } = await sendPair();
    const hook = `${app.url}/hooks/sms/nhn`;
    expect((await nhn.postReport(hook, { signature: 'forged' })).status).toBe(401);
    expect((await nhn.postReport(hook, { signature: 'missing' })).status).toBe(401);
    expect((await statusOf(prisma, sms.id)).status).toBe('YES');

    expect((await nhn.postReport(hook, { messageStatus: 'COMPLETED', resultCode: '1000' })).status).toBe(200);
    const delivered = await statusOf(prisma, sms.id);
    expect(delivered).toMatchObject({ status: 'DELIVERED', statusDetail: 'nhn report: COMPLETED: 1000 delivered' });
    expect(delivered.deliveredAt).toBeInstanceOf(Date);
    // a replayed report (the same signed body again) adds nothing to the timeline (issue 12.11)
    for (let i = 0; i < 3; i++)
      expect((await nhn.postReport(hook, { messageStatus: 'COMPLETED', resultCode: '1000' })).status).toBe(200);
    expect((await statusOf(prisma, sms.id)).events.length).toBe(delivered.events.length);

    // a late "still sending" report and a contradicting failure: recorded, status stays DELIVERED
    expect((await nhn.postReport(hook, { messageStatus: 'SENDING', resultCode: '' })).status).toBe(200);
    expect((await nhn.postReport(hook, { messageStatus: 'FAILED', resultCode: '3001' })).status).toBe(200);
    const after = await statusOf(prisma, sms.id);
    expect(after.status).toBe('DELIVERED');
    expect(after.events.slice(-2).map((e) => e.status)).toEqual(['DELIVERED', 'DELIVERED']);
    expect(after.events.at(-1)?.detail).toMatch(/^ignored \(already DELIVERED\): nhn report: FAILED: 3001/);
  });

  it('NHN report of a carrier failure → FAILED with the carrier meaning; other provider path → 404', async () => {
    const prisma = app.testDb.db.prisma;
    const { sms } = await sendPair();
    expect(
      (await nhn.postReport(`${app.url}/hooks/sms/nhn`, { messageStatus: 'FAILED', resultCode: '3001' })).status,
    ).toBe(200);
    expect(await statusOf(prisma, sms.id)).toMatchObject({
      status: 'FAILED',
      statusDetail: 'nhn report: FAILED: 3001 no such subscriber',
    });
    expect((await fetch(`${app.url}/hooks/sms/twilio`, { method: 'POST', body: 'x=1' })).status).toBe(404);
  });

  it('bounce to the built-in receiver → FAILED with the diagnostic; a bounce after READ keeps READ', async () => {
    const prisma = app.testDb.db.prisma;
    const port = app.notifications.bouncePort()!;
    const first = await sendPair();
    await bounceReceived(first.mail, { port });
    const failed = await waitFor(async () => {
      const r = await statusOf(prisma, first.email.id);
      return r.status === 'FAILED' ? r : null;
    });
    expect(failed.statusDetail).toBe(
      `bounced (5.1.1): 550 5.1.1 <${first.email.recipient}>: Recipient address rejected: User unknown in virtual mailbox table`,
    );
    expect(first.mail.mailFrom).toBe('bounces@pw.example.com');

    const second = await sendPair();
    expect((await fetch(`${app.url}${linkPath(second.mail, PIXEL)}`)).status).toBe(200);
    await bounceReceived(second.mail, { port });
    const kept = await waitFor(async () => {
      const r = await statusOf(prisma, second.email.id);
      return r.events.some((e) => e.detail?.startsWith('ignored')) ? r : null;
    });
    expect(kept.status).toBe('READ');
  });
});

describe(`notification routes with Twilio (${backend})`, () => {
  let app: TestApp;
  let twilio: TwilioFake;
  const CALLBACK = `${PUBLIC_URL}/hooks/sms/twilio`;

  beforeAll(async () => {
    twilio = await startTwilioFake();
    app = await startTestApp({
      DISPATCH_ENABLED: 'true',
      PUBLIC_URL,
      SMS_PROVIDER: 'twilio',
      TWILIO_BASE_URL: twilio.url,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15005550006',
    });
  });
  afterAll(async () => {
    await app?.close();
    await twilio.close();
  });

  async function sendSms() {
    const prisma = app.testDb.db.prisma;
    const { incident } = await makeIncident(prisma);
    const [sms] = await queueRows(prisma, incident, [{ channel: 'SMS', recipient: '+821012345678' }]);
    app.services.signals.notificationsQueued.emit();
    return waitFor(async () => {
      const r = await statusOf(prisma, sms!.id);
      return r.status === 'YES' ? r : null;
    });
  }

  it('signed status callbacks move the row; forged and unsigned ones get 401 and change nothing', async () => {
    const prisma = app.testDb.db.prisma;
    const sms = await sendSms();
    expect(twilio.received.at(-1)?.form.StatusCallback).toBe(CALLBACK);
    const hook = `${app.url}/hooks/sms/twilio`;
    expect(
      (await twilio.postStatus(hook, { MessageStatus: 'delivered', signature: 'forged', signUrl: CALLBACK })).status,
    ).toBe(401);
    expect(
      (await twilio.postStatus(hook, { MessageStatus: 'delivered', signature: 'missing', signUrl: CALLBACK })).status,
    ).toBe(401);
    // signed over another URL than the configured one: refused too
    expect((await twilio.postStatus(hook, { MessageStatus: 'delivered' })).status).toBe(401);
    expect((await statusOf(prisma, sms.id)).status).toBe('YES');

    expect((await twilio.postStatus(hook, { MessageStatus: 'sent', signUrl: CALLBACK })).status).toBe(200);
    expect((await twilio.postStatus(hook, { MessageStatus: 'delivered', signUrl: CALLBACK })).status).toBe(200);
    // the same "sent" report again (a replay or Twilio's retry) is answered and adds nothing (issue 12.11)
    expect((await twilio.postStatus(hook, { MessageStatus: 'sent', signUrl: CALLBACK })).status).toBe(200);
    const after = await statusOf(prisma, sms.id);
    expect(after.status).toBe('DELIVERED');
    expect(after.events.map((e) => e.status)).toEqual(['YES', 'YES', 'DELIVERED']);
  });

  it('undelivered → FAILED with the error code meaning', async () => {
    const sms = await sendSms();
    const hook = `${app.url}/hooks/sms/twilio`;
    expect(
      (await twilio.postStatus(hook, { MessageStatus: 'undelivered', ErrorCode: '30003', signUrl: CALLBACK })).status,
    ).toBe(200);
    expect(await statusOf(app.testDb.db.prisma, sms.id)).toMatchObject({
      status: 'FAILED',
      statusDetail: 'twilio report: undelivered (ErrorCode 30003: unreachable destination handset)',
    });
  });
});
