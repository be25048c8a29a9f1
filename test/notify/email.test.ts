import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import nodemailer, { type Transporter } from 'nodemailer';
import { createEmailChannel, type EmailChannel } from '../../server/notify/email.ts';
import { renderEmail } from '../../server/notify/render.ts';
import { closedPort, startSmtpSink, type SmtpSink } from './fakes/index.ts';

const from = 'portwatch <alerts@portwatch.test>';
const rendered = renderEmail(
  {
    kind: 'DOWN',
    lang: 'ko',
    host: '203.0.113.5',
    ports: [22, 80],
    error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 203.0.113.5:22' },
    at: new Date('2025-11-24T09:20:05Z'),
    incidentId: 'inc_01',
    logUrl: 'https://pw.example.com/logs/1',
  },
  { readLinkUrl: 'https://pw.example.com/t/r/TOKEN', trackingPixelUrl: 'https://pw.example.com/t/p/TOKEN.gif' },
);

describe('e-mail channel over real SMTP', () => {
  let sink: SmtpSink;
  let channel: EmailChannel;
  let transporter: Transporter;

  beforeAll(async () => {
    sink = await startSmtpSink();
    transporter = nodemailer.createTransport(sink.transportOptions);
    channel = createEmailChannel({ transporter, from, envelopeFrom: 'bounces@portwatch.test' });
  });
  afterAll(async () => {
    transporter.close();
    await sink.close();
  });
  beforeEach(() => {
    sink.setBehaviour({});
    sink.received.length = 0;
  });

  it('delivers the message with DSN parameters, a deterministic Message-ID and the ledger header', async () => {
    const out = await channel.send({ ledgerId: 'cm3ledger01', to: 'ops@example.com', ...rendered });
    expect(out).toMatchObject({ status: 'SENT', providerMessageId: '<cm3ledger01@portwatch>' });
    expect(out.status === 'SENT' && out.detail).toMatch(/^250/);
    const [m] = sink.received;
    expect(m).toBeDefined();
    if (!m) return;
    expect(m.mailFrom).toBe('bounces@portwatch.test');
    expect(m.envid).toBe('cm3ledger01');
    expect(m.ret).toBe('HDRS');
    expect(m.rcptTo).toEqual([{ address: 'ops@example.com', notify: ['FAILURE'], orcpt: 'rfc822;ops@example.com' }]);
    expect(m.parsed.messageId).toBe('<cm3ledger01@portwatch>');
    expect(m.parsed.headers.get('x-portwatch-ledger')).toBe('cm3ledger01');
    expect(m.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(m.parsed.subject).toBe(rendered.subject);
    expect(m.parsed.from?.text).toContain('alerts@portwatch.test');
    expect(m.parsed.text).toContain('호스트: 203.0.113.5');
    expect(m.parsed.html).toContain('https://pw.example.com/t/p/TOKEN.gif');
  });

  it('a resend after a crash carries the same Message-ID', async () => {
    await channel.send({ ledgerId: 'cm3ledger02', to: 'ops@example.com', ...rendered });
    await channel.send({ ledgerId: 'cm3ledger02', to: 'ops@example.com', ...rendered });
    const ids = sink.received.map((m) => m.parsed.messageId);
    expect(ids).toEqual(['<cm3ledger02@portwatch>', '<cm3ledger02@portwatch>']);
  });

  it('550 at RCPT → FAILED with the server text', async () => {
    sink.setBehaviour({
      rcpt: { code: 550, message: '5.1.1 <nobody@example.com>: Recipient address rejected: User unknown' },
    });
    const out = await channel.send({ ledgerId: 'cm3ledger03', to: 'nobody@example.com', ...rendered });
    expect(out.status).toBe('FAILED');
    expect(out.detail).toContain('550');
    expect(out.detail).toContain('User unknown');
    expect(sink.received).toHaveLength(0);
  });

  it('452 at RCPT → RETRY', async () => {
    sink.setBehaviour({ rcpt: { code: 452, message: '4.2.2 Mailbox full, try again later' } });
    const out = await channel.send({ ledgerId: 'cm3ledger04', to: 'full@example.com', ...rendered });
    expect(out).toMatchObject({ status: 'RETRY' });
    expect(out.detail).toContain('452');
  });

  it('554 at end of DATA → FAILED; 451 at DATA → RETRY', async () => {
    sink.setBehaviour({ data: { code: 554, message: '5.7.1 Message rejected as spam' } });
    const failed = await channel.send({ ledgerId: 'cm3ledger05', to: 'ops@example.com', ...rendered });
    expect(failed.status).toBe('FAILED');
    expect(failed.detail).toContain('rejected as spam');
    sink.setBehaviour({ data: { code: 451, message: '4.3.0 Temporary local problem' } });
    expect((await channel.send({ ledgerId: 'cm3ledger06', to: 'ops@example.com', ...rendered })).status).toBe('RETRY');
  });

  it('one of two recipients rejected → FAILED naming it', async () => {
    sink.setBehaviour({ rcpt: (a) => (a.startsWith('bad') ? { code: 550, message: '5.1.1 no such user' } : null) });
    const out = await channel.send({ ledgerId: 'cm3ledger07', to: 'ok@example.com, bad@example.com', ...rendered });
    expect(out.status).toBe('FAILED');
    expect(out.detail).toContain('no such user');
  });

  it('server down (closed port) → RETRY', async () => {
    const port = await closedPort();
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port,
      secure: false,
      ignoreTLS: true,
      connectionTimeout: 2000,
    });
    const out = await createEmailChannel({ transporter: t, from }).send({
      ledgerId: 'cm3ledger08',
      to: 'ops@example.com',
      ...rendered,
    });
    t.close();
    expect(out.status).toBe('RETRY');
    expect(out.detail).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
  });

  it('a server that stalls → RETRY (socket timeout)', async () => {
    sink.setBehaviour({ dataDelayMs: 1500 });
    const t = nodemailer.createTransport({ ...sink.transportOptions, socketTimeout: 300 });
    const out = await createEmailChannel({ transporter: t, from }).send({
      ledgerId: 'cm3ledger09',
      to: 'ops@example.com',
      ...rendered,
    });
    t.close();
    expect(out.status).toBe('RETRY');
    expect(out.detail).toMatch(/ETIMEDOUT|timeout/i);
  });

  it('refuses a ledger id that cannot travel in a Message-ID', async () => {
    await expect(channel.send({ ledgerId: 'bad id<>', to: 'ops@example.com', ...rendered })).rejects.toThrow(
      /ledger id/,
    );
  });
});
