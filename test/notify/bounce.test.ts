import { afterAll, afterEach, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { parseBounce, startBounceReceiver, type BounceInfo, type BounceReceiver } from '../../server/notify/bounce.ts';
import { createEmailChannel } from '../../server/notify/email.ts';
import { bounceReceived, buildDsn, deliverRaw, startSmtpSink } from './fakes/index.ts';

describe('parseBounce', () => {
  it('reads ENVID, original Message-ID, recipient, action, status and the diagnostic (unfolded)', async () => {
    const b = await parseBounce(
      buildDsn({ envid: 'cm3ledger01', originalMessageId: '<cm3ledger01@portwatch>', recipient: 'nobody@example.org' }),
    );
    expect(b).toEqual({
      ledgerId: 'cm3ledger01',
      messageId: '<cm3ledger01@portwatch>',
      recipient: 'nobody@example.org',
      action: 'failed',
      status: '5.1.1',
      diagnostic: '550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table',
    });
  });

  it('without ENVID falls back to X-Portwatch-Ledger, then to the Message-ID', async () => {
    const viaHeader = await parseBounce(
      buildDsn({
        originalMessageId: '<other@elsewhere>',
        originalHeaders: ['X-Portwatch-Ledger: cm3ledger02'],
        recipient: 'a@example.org',
      }),
    );
    expect(viaHeader?.ledgerId).toBe('cm3ledger02');
    const viaId = await parseBounce(
      buildDsn({ originalMessageId: '<cm3ledger03@portwatch>', recipient: 'a@example.org' }),
    );
    expect(viaId?.ledgerId).toBe('cm3ledger03');
    const foreign = await parseBounce(buildDsn({ originalMessageId: '<x@other.example>', recipient: 'a@example.org' }));
    expect(foreign).toMatchObject({ ledgerId: null, messageId: '<x@other.example>' });
  });

  it('reads a delivery-status part sent as an attachment, and decodes xtext', async () => {
    const b = await parseBounce(
      buildDsn({
        envid: 'cm3+2Eledger04',
        originalMessageId: '<m@x>',
        recipient: 'a@example.org',
        statusAsAttachment: true,
        action: 'delayed',
        status: '4.4.7',
        diagnosticCode: 'smtp; 451 4.4.7 delivery time expired',
      }),
    );
    expect(b).toMatchObject({
      ledgerId: 'cm3.ledger04',
      action: 'delayed',
      status: '4.4.7',
      diagnostic: '451 4.4.7 delivery time expired',
    });
  });

  it('returns null for ordinary mail', async () => {
    const plain =
      'From: a@example.org\r\nTo: b@example.org\r\nSubject: hello\r\nMessage-ID: <cm3ledger01@portwatch>\r\n\r\nFinal-Recipient: rfc822; x@y\r\nAction: failed\r\n';
    expect(await parseBounce(plain)).toBeNull();
  });
});

describe('bounce receiver (smtp-server)', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  async function receiver(onBounce: (b: BounceInfo) => void | Promise<void>): Promise<BounceReceiver> {
    const r = await startBounceReceiver({ port: 0, onBounce });
    open.push(r);
    return r;
  }

  it('turns an injected DSN into onBounce(ledgerId, diagnostic)', async () => {
    const got: BounceInfo[] = [];
    const r = await receiver((b) => void got.push(b));
    await deliverRaw({
      host: '127.0.0.1',
      port: r.port,
      to: 'bounces@portwatch.test',
      raw: buildDsn({
        envid: 'cm3ledger05',
        originalMessageId: '<cm3ledger05@portwatch>',
        recipient: 'gone@example.org',
      }),
    });
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ ledgerId: 'cm3ledger05', recipient: 'gone@example.org', status: '5.1.1' });
    expect(got[0]?.diagnostic).toContain('User unknown');
  });

  it('accepts and drops non-DSN mail; answers 451 when the handler fails so the MTA retries', async () => {
    const got: BounceInfo[] = [];
    const r = await receiver((b) => void got.push(b));
    await deliverRaw({
      host: '127.0.0.1',
      port: r.port,
      to: 'bounces@portwatch.test',
      raw: 'From: x@y\r\nTo: bounces@portwatch.test\r\nSubject: out of office\r\n\r\nback monday\r\n',
    });
    expect(got).toHaveLength(0);
    const failing = await receiver(() => {
      throw new Error('db down');
    });
    await expect(
      deliverRaw({
        host: '127.0.0.1',
        port: failing.port,
        to: 'b@portwatch.test',
        raw: buildDsn({ envid: 'cm3ledger06', originalMessageId: '<m@x>', recipient: 'a@b.c' }),
      }),
    ).rejects.toMatchObject({ responseCode: 451 });
  });

  it('closes the loop: a message sent by the channel, bounced from its own headers, finds its ledger row', async () => {
    const sink = await startSmtpSink();
    open.push(sink);
    const t = nodemailer.createTransport(sink.transportOptions);
    await createEmailChannel({ transporter: t, from: 'portwatch <alerts@portwatch.test>' }).send({
      ledgerId: 'cm3ledger07',
      to: 'nobody@example.org',
      subject: 's',
      text: 't',
      html: '<p>t</p>',
    });
    t.close();
    const sent = sink.received[0];
    expect(sent).toBeDefined();
    if (!sent) return;
    const got: BounceInfo[] = [];
    const r = await receiver((b) => void got.push(b));
    await bounceReceived(sent, { port: r.port });
    expect(got[0]).toMatchObject({
      ledgerId: 'cm3ledger07',
      messageId: '<cm3ledger07@portwatch>',
      recipient: 'nobody@example.org',
    });
  });
});
