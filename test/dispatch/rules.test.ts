// The pure parts of the delivery side: backoff, outcome decisions, transitions, message content.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { ackPage } from '../../server/http/notify-pages.ts';
import { verifyToken } from '../../server/notify/tracking.ts';
import { retryDelayMs } from '../../server/dispatch/backoff.ts';
import type { ClaimedRow } from '../../server/dispatch/claim.ts';
import { alertContent, errorFromReason, trackingUrls, type IncidentForMessage } from '../../server/dispatch/content.ts';
import { decideOutcome } from '../../server/dispatch/outcomes.ts';
import { notificationSettings } from '../../server/notification-settings.ts';
import { canApply } from '../../server/services/notifications/transitions.ts';

const policy = { retryBaseMs: 10_000, retryMaxMs: 900_000, maxAttempts: 5 };
const at = new Date('2025-11-24T09:00:00Z');

describe('retryDelayMs', () => {
  it('doubles per attempt, stays within [half, full] of the step, caps, and honours Retry-After as a floor', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, undefined, () => 1))).toEqual([
      10_000, 20_000, 40_000, 80_000,
    ]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, undefined, () => 0))).toEqual([
      5_000, 10_000, 20_000, 40_000,
    ]);
    expect(retryDelayMs(20, policy, undefined, () => 1)).toBe(900_000);
    expect(retryDelayMs(1, policy, 60_000, () => 0)).toBe(60_000);
    expect(retryDelayMs(1, policy, 10 * 3_600_000, () => 0)).toBe(900_000);
  });
});

describe('decideOutcome', () => {
  const row = (attempts: number) => ({ id: 'n1', attempts });
  it('SENT → YES with the provider id; FAILED → FAILED; NOT_SENT → NOT_SENT (NO is the switch only)', () => {
    expect(
      decideOutcome(row(1), { status: 'SENT', providerMessageId: '<n1@x>', detail: '250 OK', raw: {} }, at, policy),
    ).toMatchObject({
      status: 'YES',
      providerMessageId: '<n1@x>',
      statusDetail: '250 OK',
      eventDetail: 'attempt 1: sent — 250 OK',
      attempt: 1,
    });
    expect(
      decideOutcome(row(2), { status: 'FAILED', detail: '550 no such user', raw: null }, at, policy),
    ).toMatchObject({ status: 'FAILED', statusDetail: '550 no such user' });
    expect(
      decideOutcome(row(1), { status: 'NOT_SENT', detail: 'not sent: no SMS provider configured' }, at, policy),
    ).toMatchObject({ status: 'NOT_SENT', raw: null });
  });
  it('RETRY → QUEUED at the backoff time, then FAILED "gave up after N attempts" at the limit', () => {
    const r = decideOutcome(row(2), { status: 'RETRY', detail: '452 mailbox full', raw: null }, at, policy, () => 1);
    expect(r).toMatchObject({
      status: 'QUEUED',
      nextAttemptAt: new Date(at.getTime() + 20_000),
      statusDetail: 'retrying (attempt 2 of 5 failed temporarily): 452 mailbox full',
    });
    expect(decideOutcome(row(5), { status: 'RETRY', detail: '452 mailbox full', raw: null }, at, policy)).toMatchObject(
      {
        status: 'FAILED',
        statusDetail: 'gave up after 5 attempts: 452 mailbox full',
        nextAttemptAt: null,
      },
    );
  });
});

describe('transitions', () => {
  it('moves forward only', () => {
    expect(canApply('report-delivered', 'YES', true)).toBe(true);
    expect(canApply('report-delivered', 'SENDING', false)).toBe(true); // the report overtook our own write
    expect(canApply('report-failed', 'DELIVERED', true)).toBe(false);
    expect(canApply('report-delivered', 'FAILED', true)).toBe(false);
    expect(canApply('bounce', 'READ', true)).toBe(false);
    expect(canApply('bounce', 'NO', false)).toBe(false);
    expect(canApply('read', 'READ', true)).toBe(false);
    expect(canApply('read', 'DELIVERED', true)).toBe(true);
    expect(canApply('read', 'FAILED', true)).toBe(true); // bounced, yet read: evidence wins
    expect(canApply('read', 'FAILED', false)).toBe(false); // never handed over
    expect(canApply('read', 'QUEUED', false)).toBe(false);
    expect(canApply('read', 'NO', false)).toBe(false);
  });
});

describe('message content', () => {
  const incident: IncidentForMessage = {
    id: 'inc1',
    kind: 'HOST_DOWN',
    host: '203.0.113.5',
    ports: [80, 22],
    reason: 'connect ECONNREFUSED 203.0.113.5:22',
    openedAt: at,
    resolvedAt: null,
    closeReason: null,
    acknowledgedAt: null,
    label: 'web-1',
    timeZone: 'Asia/Seoul',
  };
  const row = (over: Partial<ClaimedRow> = {}): ClaimedRow => ({
    id: 'n1',
    incidentId: 'inc1',
    accountId: 'a1',
    kind: 'DOWN',
    seq: 0,
    channel: 'EMAIL',
    recipient: 'x@example.com',
    recipientRole: 'CONTACT',
    language: 'en',
    attempts: 1,
    createdAt: new Date(at.getTime() + 60_000),
    ...over,
  });
  const opts = {
    publicUrl: 'https://pw.example.com/',
    secret: 'test-installation-secret-0123456789',
    smsAckLink: false,
  };
  const urls = trackingUrls(opts.publicUrl, opts.secret, 'n1');

  it('reads the OS error out of the incident reason', () => {
    expect(errorFromReason('connect ECONNREFUSED 203.0.113.5:22')).toEqual({
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED 203.0.113.5:22',
    });
    expect(errorFromReason('ETIMEDOUT: connect timed out after 5000 ms')).toEqual({
      code: 'ETIMEDOUT',
      message: 'connect timed out after 5000 ms',
    });
    expect(errorFromReason('EHOSTUNREACH')).toEqual({ code: 'EHOSTUNREACH', message: 'EHOSTUNREACH' });
    expect(errorFromReason('probe n1: canary targets failing')).toEqual({
      code: '',
      message: 'probe n1: canary targets failing',
    });
    expect(errorFromReason(null)).toBeUndefined();
  });

  it('signs distinct read and ack tokens for the row', () => {
    expect(urls.pixel).toMatch(/^https:\/\/pw\.example\.com\/t\/r\/.+\.gif$/);
    expect(verifyToken(opts.secret, urls.ack.split('/t/a/')[1] ?? '', 'ack')).toEqual({ ledgerId: 'n1' });
    expect(verifyToken(opts.secret, urls.ack.split('/t/a/')[1] ?? '', 'read')).toBeNull();
  });

  it('offers the ack link only while the incident is open and unacknowledged, and in SMS only when enabled', () => {
    expect(alertContent(row(), incident, urls, opts)).toMatchObject({
      ackUrl: urls.ack,
      logUrl: 'https://pw.example.com/incidents/inc1',
      timeZone: 'Asia/Seoul',
      monitorName: 'web-1',
      at,
    });
    expect(alertContent(row({ channel: 'SMS' }), incident, urls, opts).ackUrl).toBeUndefined();
    expect(alertContent(row({ channel: 'SMS' }), incident, urls, { ...opts, smsAckLink: true }).ackUrl).toBe(urls.ack);
    expect(alertContent(row(), { ...incident, acknowledgedAt: at }, urls, opts).ackUrl).toBeUndefined();
    const recovered = alertContent(
      row({ kind: 'RECOVERED' }),
      { ...incident, resolvedAt: new Date(at.getTime() + 5 * 60_000) },
      urls,
      opts,
    );
    expect(recovered.ackUrl).toBeUndefined();
    expect(recovered.at).toEqual(new Date(at.getTime() + 5 * 60_000));
    expect(alertContent(row({ kind: 'REMINDER' }), incident, urls, opts).at).toEqual(new Date(at.getTime() + 60_000));
    expect(alertContent(row({ recipientRole: 'ADMIN' }), incident, urls, opts).timeZone).toBeUndefined();
  });

  it('escapes what it shows on the ack page', () => {
    const html = ackPage({
      language: 'en',
      outcome: null,
      logUrl: 'https://pw.example.com/incidents/x"><script>',
      incident: {
        id: 'x',
        host: '<b>h</b>',
        ports: [22],
        openedAt: at,
        resolvedAt: null,
        acknowledgedAt: null,
        acknowledgedBy: null,
      },
    });
    expect(html).not.toContain('<b>h</b>');
    expect(html).not.toContain('"><script>');
    expect(html).toContain('<form method="post">');
  });
});

describe('notificationSettings (configuration → delivery side)', () => {
  it('maps the variables, with the documented defaults', () => {
    const nhn = notificationSettings(
      loadConfig({
        PUBLIC_URL: 'https://alerts.example.com',
        SMTP_URL: 'smtp://mx.example.com:25',
        SMS_PROVIDER: 'nhn',
        NHN_APP_KEY: 'k',
        NHN_SECRET_KEY: 's',
        NHN_SEND_NO: '15446859',
        NHN_WEBHOOK_SECRET: 'w',
        BOUNCE_SMTP_PORT: '2525',
      }),
    );
    expect(nhn).toMatchObject({
      smtpUrl: 'smtp://mx.example.com:25',
      bounceAddress: undefined,
      messageIdDomain: 'alerts.example.com',
      bounce: { port: 2525, host: '127.0.0.1' },
      sms: { provider: 'nhn', webhookSignatureMode: 'static', webhookSecret: 'w', sendNo: '15446859' },
      dispatch: {
        enabled: true,
        maxAttempts: 10,
        retryBaseMs: 10_000,
        retryMaxMs: 900_000,
        leaseMs: 120_000,
        concurrency: { EMAIL: 8, SMS: 16 },
        smsAckLink: true,
      },
    });
    const twilio = notificationSettings(
      loadConfig({
        PUBLIC_URL: 'https://alerts.example.com/',
        SMS_PROVIDER: 'twilio',
        TWILIO_ACCOUNT_SID: 'AC1',
        TWILIO_AUTH_TOKEN: 't',
        TWILIO_FROM: '+15005550006',
        DISPATCH_MAX_ATTEMPTS: '3',
        SMS_ACK_LINK: 'false',
        BOUNCE_ADDRESS: 'bounces@alerts.example.com',
      }),
    );
    expect(twilio).toMatchObject({
      smtpUrl: undefined,
      bounce: null,
      bounceAddress: 'bounces@alerts.example.com',
      sms: { provider: 'twilio', statusCallbackUrl: 'https://alerts.example.com/hooks/sms/twilio' },
      dispatch: { maxAttempts: 3, smsAckLink: false },
    });
    expect(() => loadConfig({ NHN_WEBHOOK_SIGNATURE_MODE: 'md5' })).toThrow(
      /NHN_WEBHOOK_SIGNATURE_MODE must be static or hmac-sha256/,
    );
    expect(() => loadConfig({ BOUNCE_ADDRESS: 'not an address' })).toThrow(/BOUNCE_ADDRESS must be an e-mail address/);
  });
});
