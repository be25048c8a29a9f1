// The SMTP pool (server/notify/smtp-pool.ts) against real SMTP servers (smtp-server): many messages
// per connection, the connection cap, DSN parameters, refusals that leave the connection usable,
// a server that drops an idle connection, AUTH, and the e-mail channel's message through the pool
// equal to the one through a nodemailer transporter.
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { classifySmtpError, createEmailChannel, type SmtpErrorLike } from '../../server/notify/email.ts';
import { createSmtpPool, type SmtpPool } from '../../server/notify/smtp-pool.ts';
import { DEFAULT_EMAIL_MAX } from '../../server/dispatch/lane-size.ts';
import { closedPort, startSmtpSink, type SmtpSink } from './fakes/index.ts';

interface Counted {
  url: string;
  connections: () => number;
  messages: string[];
  server: SMTPServer;
  close(): Promise<void>;
}

/** An SMTP server that counts connections and keeps each message's text. */
async function counted(extra: Partial<SMTPServerOptions> = {}): Promise<Counted> {
  let connections = 0;
  const messages: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', ...(extra.onAuth ? [] : ['AUTH'])],
    logger: false,
    // no reverse DNS of 127.0.0.1 before the greeting (up to 1.5 s on a machine without a resolver)
    disableReverseLookup: true,
    onConnect(_s, cb) {
      connections += 1;
      cb();
    },
    onData(stream, _s, cb) {
      let text = '';
      stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
      stream.on('end', () => {
        messages.push(text);
        cb();
      });
    },
    ...extra,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    connections: () => connections,
    messages,
    server,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const mail = (n: number) =>
  `From: a@pw.test\r\nTo: b${n}@example.com\r\nSubject: m${n}\r\nMessage-ID: <m${n}@pw.test>\r\n\r\nbody ${n}\r\n.leading dot\r\n`;

describe('SMTP pool', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  function pool(url: string, o: Partial<Parameters<typeof createSmtpPool>[0]> = {}): SmtpPool {
    const p = createSmtpPool({ url, maxConnections: 3, ...o });
    cleanups.push(() => p.close());
    return p;
  }

  it('sends many messages over at most maxConnections connections, with the DSN envelope', async () => {
    const sink: SmtpSink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const p = pool(sink.url);
    const sent = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        p.send(
          {
            from: 'bounces@pw.test',
            to: `b${i}@example.com`,
            dsn: { ret: 'HDRS', envid: `env${i}`, notify: ['FAILURE'], orcpt: `b${i}@example.com` },
          },
          mail(i),
        ),
      ),
    );
    expect(sent.every((s) => s.response.startsWith('250') && s.accepted.length === 1)).toBe(true);
    expect(sink.received).toHaveLength(30);
    const m = sink.received.find((r) => r.envid === 'env7')!;
    expect(m.mailFrom).toBe('bounces@pw.test');
    expect(m.ret).toBe('HDRS');
    expect(m.rcptTo).toEqual([{ address: 'b7@example.com', notify: ['FAILURE'], orcpt: 'rfc822;b7@example.com' }]);
    expect(m.parsed.text).toContain('.leading dot'); // dot-stuffed on the way, restored by the server
    expect(m.parsed.messageId).toBe('<m7@pw.test>');

    const c = await counted();
    cleanups.push(() => c.close());
    const q = pool(c.url, { maxConnections: 2 });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => q.send({ from: 'a@pw.test', to: `x${i}@example.com` }, mail(i))),
    );
    expect(c.messages).toHaveLength(20);
    expect(c.connections()).toBeLessThanOrEqual(2);
  });

  it('connections beyond what the server accepts (421 too many clients) fail no message', async () => {
    const c = await counted({ maxClients: 2 });
    cleanups.push(() => c.close());
    const p = pool(c.url, { maxConnections: 6 });
    // one connection first, then a burst that asks for more than the server allows
    await p.send({ from: 'a@pw.test', to: 'first@example.com' }, mail(0));
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => p.send({ from: 'a@pw.test', to: `b${i}@example.com` }, mail(i + 1))),
    );
    expect(sent.every((s) => s.response.startsWith('250'))).toBe(true);
    expect(c.messages).toHaveLength(21);
    // and from a cold start, every connection attempt at once
    const cold = pool(c.url, { maxConnections: 6 });
    await p.close();
    const more = await Promise.all(
      Array.from({ length: 12 }, (_, i) => cold.send({ from: 'a@pw.test', to: `c${i}@example.com` }, mail(i))),
    );
    expect(more.every((s) => s.response.startsWith('250'))).toBe(true);
    expect(c.messages).toHaveLength(33);
  });

  it('a relay that allows N connections, against the default cap: every message once, and no more than N tried after its first refusals', async () => {
    // it answers a connection over its limit 421 at once, and greets the ones it accepts a little later
    let accepted = 0;
    const relay = await counted({
      maxClients: 4,
      onConnect(_s, cb) {
        accepted += 1;
        setTimeout(cb, 300);
      },
    });
    cleanups.push(() => relay.close());
    let attempts = 0; // TCP connections, refused ones included
    relay.server.server.on('connection', () => (attempts += 1));
    const p = pool(relay.url, { maxConnections: DEFAULT_EMAIL_MAX });
    const burst = (tag: string, n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) => {
          const to = `${tag}${i}@example.com`;
          return p.send({ from: 'a@pw.test', to }, `From: a@pw.test\r\nTo: ${to}\r\nSubject: s\r\n\r\nbody\r\n`);
        }),
      );
    // from a cold start the pool asks for as many connections as messages wait, up to its cap:
    // the relay greets 4 and answers the others 421 at once
    const first = await burst('a', 200);
    expect(first.every((s) => s.response.startsWith('250'))).toBe(true);
    expect(accepted).toBeLessThanOrEqual(4);
    expect(attempts).toBeLessThanOrEqual(DEFAULT_EMAIL_MAX); // one round of refusals, not a second
    // and while the refusals are remembered, a further burst opens nothing beyond what the relay took
    const before = attempts;
    const second = await burst('b', 200);
    expect(second.every((s) => s.response.startsWith('250'))).toBe(true);
    expect(attempts).toBe(before);
    const to = relay.messages.map((m) => /^To: (\S+)/m.exec(m)?.[1]);
    expect(to).toHaveLength(400);
    expect(new Set(to).size).toBe(400); // each message exactly once
  });

  it('a refused recipient fails that message only; the connection goes on (RSET)', async () => {
    const c = await counted({
      onRcptTo(address, _s, cb) {
        if (address.address.startsWith('gone'))
          cb(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
        else if (address.address.startsWith('busy'))
          cb(Object.assign(new Error('4.2.1 try later'), { responseCode: 451 }));
        else cb();
      },
    });
    cleanups.push(() => c.close());
    const p = pool(c.url, { maxConnections: 1 });
    const gone = await p.send({ from: 'a@pw.test', to: 'gone@example.com' }, mail(1)).catch((e: unknown) => e);
    const busy = await p.send({ from: 'a@pw.test', to: 'busy@example.com' }, mail(2)).catch((e: unknown) => e);
    const ok = await p.send({ from: 'a@pw.test', to: 'ok@example.com' }, mail(3));
    expect(classifySmtpError(gone as SmtpErrorLike)).toMatchObject({
      status: 'FAILED',
      detail: expect.stringContaining('550'),
    });
    expect(classifySmtpError(busy as SmtpErrorLike)).toMatchObject({
      status: 'RETRY',
      detail: expect.stringContaining('451'),
    });
    expect(ok.response).toMatch(/^250/);
    expect(c.messages).toHaveLength(1);
    expect(c.connections()).toBe(1);
  });

  it('a connection the server dropped while idle is replaced without failing the next message', async () => {
    const c = await counted({ socketTimeout: 300 });
    cleanups.push(() => c.close());
    const p = pool(c.url, { maxConnections: 1 });
    await p.send({ from: 'a@pw.test', to: 'one@example.com' }, mail(1));
    await new Promise((r) => setTimeout(r, 700)); // the server closes the idle connection (421)
    const second = await p.send({ from: 'a@pw.test', to: 'two@example.com' }, mail(2));
    expect(second.response).toMatch(/^250/);
    expect(c.messages).toHaveLength(2);
    expect(c.connections()).toBe(2);
  });

  it('maxMessages: a connection is replaced after that many messages', async () => {
    const c = await counted();
    cleanups.push(() => c.close());
    const p = pool(c.url, { maxConnections: 1, maxMessages: 2 });
    for (let i = 0; i < 5; i++) await p.send({ from: 'a@pw.test', to: `m${i}@example.com` }, mail(i));
    expect(c.messages).toHaveLength(5);
    expect(c.connections()).toBe(3);
  });

  it('no server: the message fails with a connection error (retried by the dispatcher)', async () => {
    const p = pool(`smtp://127.0.0.1:${await closedPort()}`, { connectionTimeoutMs: 2000 });
    const err = await p.send({ from: 'a@pw.test', to: 'x@example.com' }, mail(1)).catch((e: unknown) => e);
    expect(classifySmtpError(err as SmtpErrorLike).status).toBe('RETRY');
    await expect(p.verify()).rejects.toBeDefined();
  });

  it('authenticates with the URL credentials; a wrong password is an authentication error (retried)', async () => {
    const c = await counted({
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: true,
      authOptional: false,
      onAuth(auth, _s, cb) {
        if (auth.username === 'pw' && auth.password === 's3cret') cb(null, { user: 'pw' });
        else cb(Object.assign(new Error('bad credentials'), { responseCode: 535 }));
      },
    });
    cleanups.push(() => c.close());
    const port = new URL(c.url).port;
    const good = pool(`smtp://pw:s3cret@127.0.0.1:${port}`);
    expect(await good.verify()).toBe(true);
    expect((await good.send({ from: 'a@pw.test', to: 'x@example.com' }, mail(1))).response).toMatch(/^250/);
    const bad = pool(`smtp://pw:wrong@127.0.0.1:${port}`);
    const err = await bad.send({ from: 'a@pw.test', to: 'x@example.com' }, mail(2)).catch((e: unknown) => e);
    expect(classifySmtpError(err as SmtpErrorLike)).toMatchObject({
      status: 'RETRY',
      detail: expect.stringContaining('authentication failed'),
    });
    expect(c.messages).toHaveLength(1);
  });

  it('the e-mail channel sends the same message through the pool as through a nodemailer transporter', async () => {
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const transporter = nodemailer.createTransport(sink.transportOptions);
    cleanups.push(() => transporter.close());
    const from = 'portwatch 알림 <alerts@pw.test>';
    const viaPool = createEmailChannel({ smtp: pool(sink.url), from, envelopeFrom: 'bounces@pw.test' });
    const viaTransporter = createEmailChannel({ transporter, from, envelopeFrom: 'bounces@pw.test' });
    const content = {
      subject: '[portwatch] 장애: 203.0.113.5',
      text: '호스트: 203.0.113.5\n.점',
      html: '<p>호스트</p>',
    };
    // an ASCII recipient (composed by mime.ts) and a non-ASCII one (composed by nodemailer)
    for (const to of ['ops@example.com', 'öps@exämple.com']) {
      sink.received.length = 0;
      const a = await viaPool.send({ ledgerId: 'cm3ledgerpool1', to, ...content });
      const b = await viaTransporter.send({ ledgerId: 'cm3ledgerpool1', to, ...content });
      expect(a.status).toBe('SENT');
      expect(b.status).toBe('SENT');
      const [x, y] = sink.received;
      expect(x && y).toBeTruthy();
      if (!x || !y) return;
      const strip = (m: typeof x) => ({
        mailFrom: m.mailFrom,
        rcptTo: m.rcptTo,
        envid: m.envid,
        ret: m.ret,
        subject: m.parsed.subject,
        from: m.parsed.from?.text,
        to: m.parsed.to && !Array.isArray(m.parsed.to) ? m.parsed.to.text : null,
        text: m.parsed.text,
        html: m.parsed.html,
        messageId: m.parsed.messageId,
        ledger: m.parsed.headers.get('x-portwatch-ledger'),
      });
      expect(strip(x)).toEqual(strip(y));
      expect((await simpleParser(x.raw)).text).toContain('.점');
    }
  });
});
