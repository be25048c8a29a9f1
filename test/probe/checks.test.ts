// The check kinds against real local servers: every verdict and every failure reason.
import { describe, expect, it } from 'vitest';
import { runCheck, type CheckTarget } from '../../server/probe/checks/index.ts';
import type { BannerSpec, HttpSpec, TlsSpec } from '../../server/probe/checks/spec.ts';
import type { ProbeResult } from '../../server/probe/types.ts';
import { issue } from './certs.ts';
import { httpServer, lineServer, startTlsServer, tlsServer } from './check-servers.ts';

const DAY = 86_400_000;
const banner = (b: Partial<BannerSpec>): BannerSpec => ({
  kind: 'BANNER',
  preset: null,
  send: null,
  match: 'STARTS_WITH',
  expect: '',
  maxBytes: 1024,
  ...b,
});
const tlsSpec = (t: Partial<TlsSpec> = {}): TlsSpec => ({
  kind: 'TLS',
  serverName: 'svc.example.test',
  verifyChain: true,
  verifyName: true,
  starttls: null,
  ...t,
});
const httpSpec = (h: Partial<HttpSpec> = {}): HttpSpec => ({
  kind: 'HTTP',
  method: 'GET',
  path: '/',
  hostHeader: null,
  tls: false,
  verifyChain: true,
  verifyName: true,
  statusMin: 200,
  statusMax: 399,
  keyword: null,
  maxBodyBytes: 65_536,
  followRedirects: 0,
  ...h,
});

function failed(r: ProbeResult) {
  if (r.ok) throw new Error(`expected a failure, got ok ${JSON.stringify(r)}`);
  return r;
}

const ca = issue({ cn: 'portwatch test CA', ca: true });
const good = issue({
  cn: 'svc.example.test',
  names: ['svc.example.test', '127.0.0.1'],
  issuer: ca,
  notAfter: new Date(Date.now() + 40 * DAY),
});
const expired = issue({
  cn: 'svc.example.test',
  names: ['svc.example.test'],
  issuer: ca,
  notBefore: new Date(Date.now() - 90 * DAY),
  notAfter: new Date(Date.UTC(2026, 0, 15)),
});
const otherName = issue({ cn: 'other.example.test', names: ['other.example.test'], issuer: ca });
const withCa = { timeoutMs: 5000, ca: [ca.cert] }; // generous: the machine may be loaded
const run = (
  t: { host: string; port: number },
  check: CheckTarget['check'],
  opts: { timeoutMs: number; ca?: string[] } = withCa,
) => runCheck({ host: t.host, port: t.port, check }, opts);

describe('BANNER', () => {
  it('SSH preset: an SSH-2.0 banner passes; a server that accepts and closes at once fails BANNER_CLOSED', async () => {
    const sshd = await lineServer('SSH-2.0-OpenSSH_9.6p1 Debian-3\r\n');
    expect(await run(sshd, banner({ preset: 'SSH' }))).toMatchObject({ ok: true });
    const closing = await lineServer(null, { closeAfterGreeting: true });
    const r = failed(await run(closing, banner({ preset: 'SSH' })));
    expect(r.code).toBe('BANNER_CLOSED');
    expect(r.message).toBe('closed by the server before answering (expected /^SSH-(2\\.0|1\\.99)-/)');
  });

  it("SMTP preset: 220 passes, 421 fails with the server's words", async () => {
    const ok = await lineServer('220 mail.example.test ESMTP Postfix\r\n');
    expect(await run(ok, banner({ preset: 'SMTP' }))).toMatchObject({ ok: true });
    const busy = await lineServer('421 Service not available\r\n', { closeAfterGreeting: true });
    const r = failed(await run(busy, banner({ preset: 'SMTP' })));
    expect(r.code).toBe('BANNER_MISMATCH');
    expect(r.message).toBe('expected 220, got 421 Service not available');
  });

  it('a silent server fails BANNER_TIMEOUT after the timeout, saying nothing arrived', async () => {
    const silent = await lineServer(null);
    const r = failed(await run(silent, banner({ preset: 'FTP' }), { timeoutMs: 300 }));
    expect(r.code).toBe('BANNER_TIMEOUT');
    expect(r.message).toBe('no banner within 300 ms (nothing received)');
    expect(r.latencyMs).toBeGreaterThanOrEqual(290);
  });

  it('Redis preset sends PING and wants +PONG (or -NOAUTH); anything else fails', async () => {
    const redis = await lineServer(null, { reply: (l) => (l === 'PING' ? '+PONG\r\n' : null) });
    expect(await run(redis, banner({ preset: 'REDIS' }))).toMatchObject({ ok: true });
    const locked = await lineServer(null, { reply: () => '-NOAUTH Authentication required.\r\n' });
    expect(await run(locked, banner({ preset: 'REDIS' }))).toMatchObject({ ok: true });
    const other = await lineServer(null, { reply: () => '-ERR unknown command\r\n' });
    expect(failed(await run(other, banner({ preset: 'REDIS' })))).toMatchObject({
      code: 'BANNER_MISMATCH',
      message: 'expected /^(\\+PONG|-NOAUTH)/, got -ERR unknown command',
    });
  });

  it('MySQL preset reads the binary handshake; an error packet is reported with its number and text', async () => {
    const body = Buffer.concat([Buffer.from([0x0a]), Buffer.from('8.0.36\0'), Buffer.alloc(20)]);
    const hello = Buffer.concat([Buffer.from([body.length, 0, 0, 0]), body]);
    expect(await run(await lineServer(hello), banner({ preset: 'MYSQL' }))).toMatchObject({ ok: true });
    const text = Buffer.from("Host '10.0.0.9' is not allowed to connect to this MySQL server");
    const errBody = Buffer.concat([Buffer.from([0xff, 0x6a, 0x04]), text]);
    const err = Buffer.concat([Buffer.from([errBody.length, 0, 0, 0]), errBody]);
    const r = failed(await run(await lineServer(err, { closeAfterGreeting: true }), banner({ preset: 'MYSQL' })));
    expect(r.code).toBe('BANNER_MISMATCH');
    expect(r.message).toBe(
      "expected a MySQL handshake (protocol 10), got MySQL error 1130: Host '10.0.0.9' is not allowed to connect to this MySQL server",
    );
  });

  it('custom send + contains, and reading stops at maxBytes', async () => {
    const srv = await lineServer(null, { reply: (l) => (l === 'STATUS' ? `${'x'.repeat(5000)} ready\r\n` : null) });
    expect(
      await run(srv, banner({ send: 'STATUS\r\n', match: 'CONTAINS', expect: 'ready', maxBytes: 8192 })),
    ).toMatchObject({ ok: true });
    const r = failed(await run(srv, banner({ send: 'STATUS\r\n', match: 'CONTAINS', expect: 'ready', maxBytes: 64 })));
    expect(r.code).toBe('BANNER_MISMATCH');
    expect(r.message).toBe(`expected text containing "ready", got ${'x'.repeat(64)}`);
  });

  it('a catastrophic regular expression is cut off by its time bound (BANNER_REGEX), not the probe loop', async () => {
    const srv = await lineServer(`${'a'.repeat(40)}!\r\n`);
    const t0 = performance.now();
    const r = failed(await run(srv, banner({ match: 'REGEX', expect: '^(a+)+$' })));
    expect(r.code).toBe('BANNER_REGEX');
    expect(r.message).toBe('the regular expression /^(a+)+$/ ran out of time on the answer (43 bytes)');
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('unprintable bytes are shown escaped', async () => {
    const r = failed(
      await run(await lineServer(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x0a])), banner({ preset: 'SSH' })),
    );
    expect(r.message).toBe('expected /^SSH-(2\\.0|1\\.99)-/, got \\x15\\x03\\x01\\x00\\x02');
  });
});

describe('TLS', () => {
  it('a chain trusted through the test CA passes and records protocol, cipher, subject, issuer, SANs, expiry and fingerprint; SNI is sent', async () => {
    const srv = await tlsServer(good.cert, good.key);
    const r = await run(srv, tlsSpec());
    expect(r.ok).toBe(true);
    expect(r.tls).toMatchObject({
      protocol: 'TLSv1.3',
      subject: 'CN=svc.example.test',
      issuer: 'CN=portwatch test CA',
      sans: ['DNS:svc.example.test', 'IP Address:127.0.0.1'],
      trusted: true,
      trustError: null,
      checkedName: 'svc.example.test',
      nameMatches: true,
    });
    expect(r.tls!.cipher).toMatch(/^TLS_/);
    expect(r.tls!.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(Math.abs(r.tls!.validTo - (Date.now() + 40 * DAY))).toBeLessThan(5 * 60_000);
    expect(srv.servernames).toEqual(['svc.example.test']);
  });

  it('without the CA the chain is untrusted: CERT_UNTRUSTED when verifying, ok (trusted: false) when not', async () => {
    const srv = await tlsServer(good.cert, good.key);
    const r = failed(await run(srv, tlsSpec(), { timeoutMs: 5000 }));
    expect(r.code).toBe('CERT_UNTRUSTED');
    expect(r.message).toBe('certificate not trusted: UNABLE_TO_VERIFY_LEAF_SIGNATURE (issuer CN=portwatch test CA)');
    expect(r.tls?.subject).toBe('CN=svc.example.test');
    const lax = await run(srv, tlsSpec({ verifyChain: false }), { timeoutMs: 5000 });
    expect(lax).toMatchObject({ ok: true, tls: { trusted: false, trustError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' } });
  });

  it('an expired certificate fails CERT_EXPIRED with its date, even when trust is not verified', async () => {
    const srv = await tlsServer(expired.cert, expired.key);
    for (const spec of [tlsSpec(), tlsSpec({ verifyChain: false, verifyName: false })]) {
      const r = failed(await run(srv, spec));
      expect(r.code).toBe('CERT_EXPIRED');
      expect(r.message).toBe('certificate expired 2026-01-15 (CN=svc.example.test)');
      expect(r.tls?.validTo).toBe(Date.UTC(2026, 0, 15));
    }
  });

  it('a name mismatch fails CERT_NAME_MISMATCH when asked, passes when not', async () => {
    const srv = await tlsServer(otherName.cert, otherName.key);
    const r = failed(await run(srv, tlsSpec()));
    expect(r.code).toBe('CERT_NAME_MISMATCH');
    expect(r.message).toBe('certificate does not match svc.example.test: it names DNS:other.example.test');
    expect(await run(srv, tlsSpec({ verifyName: false }))).toMatchObject({ ok: true, tls: { nameMatches: false } });
  });

  it('without a server name no SNI is sent and the name is checked against the IP', async () => {
    const srv = await tlsServer(good.cert, good.key);
    expect(await run(srv, tlsSpec({ serverName: null }))).toMatchObject({
      ok: true,
      tls: { checkedName: '127.0.0.1', nameMatches: true },
    });
    expect(srv.connections()).toBe(1);
    expect(srv.servernames).toEqual([]);
  });

  it('a plain-text port fails TLS_HANDSHAKE', async () => {
    const plain = await lineServer('220 not tls\r\n');
    const r = failed(await run(plain, tlsSpec()));
    expect(r.code).toBe('TLS_HANDSHAKE');
    expect(r.message).toMatch(/^TLS handshake failed: .*(wrong version number|packet length too long|unexpected eof)/i);
  });

  it.each(['SMTP', 'IMAP', 'POP3'] as const)('STARTTLS over %s upgrades and checks the certificate', async (kind) => {
    const srv = await startTlsServer(kind, good.cert, good.key);
    expect(await run(srv, tlsSpec({ starttls: kind }))).toMatchObject({
      ok: true,
      tls: { subject: 'CN=svc.example.test', trusted: true },
    });
    const old = await startTlsServer(kind, expired.cert, expired.key);
    expect(failed(await run(old, tlsSpec({ starttls: kind })))).toMatchObject({ code: 'CERT_EXPIRED' });
  });

  it('a mail server that does not offer STARTTLS fails with the reason', async () => {
    const smtp = await startTlsServer('SMTP', good.cert, good.key, { offer: false });
    expect(failed(await run(smtp, tlsSpec({ starttls: 'SMTP' })))).toMatchObject({
      code: 'STARTTLS_UNSUPPORTED',
      message: 'SMTP STARTTLS: the SMTP server does not offer STARTTLS',
    });
    const pop = await startTlsServer('POP3', good.cert, good.key, { offer: false });
    expect(failed(await run(pop, tlsSpec({ starttls: 'POP3' })))).toMatchObject({
      code: 'STARTTLS_FAILED',
      message: 'POP3 STARTTLS: expected +OK to STLS, got -ERR unknown command',
    });
    const busy = await lineServer('421 too busy\r\n', { closeAfterGreeting: true });
    expect(failed(await run(busy, tlsSpec({ starttls: 'SMTP' })))).toMatchObject({
      code: 'STARTTLS_FAILED',
      message: 'SMTP STARTTLS: expected 220 greeting, got 421 too busy',
    });
  });
});

describe('HTTP', () => {
  const site = () =>
    httpServer((req, res) => {
      if (req.url === '/health') return void res.end('status: ok');
      if (req.url === '/bad') return void res.writeHead(502, 'Bad Gateway').end('upstream down');
      if (req.url === '/slow') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('first part…');
        return; // the rest never comes
      }
      if (req.url === '/big') {
        res.writeHead(200);
        const chunk = Buffer.alloc(65_536, 'a');
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        return pump();
      }
      if (req.url === '/moved') return void res.writeHead(302, { location: '/health' }).end();
      if (req.url === '/away') return void res.writeHead(301, { location: 'http://elsewhere.example.test/' }).end();
      res.writeHead(404).end();
    });

  it('200 passes; 502 fails HTTP_STATUS with the status line; the Host header is the configured name', async () => {
    const srv = await site();
    expect(await run(srv, httpSpec({ path: '/health', hostHeader: 'www.example.test' }))).toMatchObject({ ok: true });
    expect(srv.seen[0]).toEqual({ method: 'GET', url: '/health', host: 'www.example.test' });
    const r = failed(await run(srv, httpSpec({ path: '/bad' })));
    expect(r).toMatchObject({ code: 'HTTP_STATUS', message: 'HTTP 502 Bad Gateway (expected 200–399)' });
    expect(srv.seen[1]!.host).toBe(`127.0.0.1:${srv.port}`);
  });

  it('a slow body fails HTTP_TIMEOUT with what arrived', async () => {
    const srv = await site();
    const r = failed(await run(srv, httpSpec({ path: '/slow' }), { timeoutMs: 400 }));
    expect(r.code).toBe('HTTP_TIMEOUT');
    expect(r.message).toBe('no complete HTTP body within 400 ms (HTTP 200 OK, 13 bytes of the body received)');
  });

  it('the keyword is looked for in the bounded body: found, missing, beyond the bound', async () => {
    const srv = await site();
    expect(await run(srv, httpSpec({ path: '/health', keyword: 'ok' }))).toMatchObject({ ok: true });
    expect(failed(await run(srv, httpSpec({ path: '/health', keyword: 'healthy' })))).toMatchObject({
      code: 'HTTP_KEYWORD',
      message: 'HTTP 200 OK, but the body does not contain "healthy"',
    });
    expect(failed(await run(srv, httpSpec({ path: '/big', keyword: 'zzz', maxBodyBytes: 100_000 })))).toMatchObject({
      code: 'HTTP_KEYWORD',
      message: 'HTTP 200 OK, but the body (first 100000 bytes) does not contain "zzz"',
    });
  });

  it('an endless body is read up to maxBodyBytes, then the connection is dropped', async () => {
    const srv = await site();
    const r = await run(srv, httpSpec({ path: '/big', maxBodyBytes: 10_000 }));
    expect(r.ok).toBe(true);
    await expect.poll(() => srv.aborted()).toBe(1);
  });

  it("HEAD reads no body; the status range is the customer's", async () => {
    const srv = await site();
    expect(await run(srv, httpSpec({ method: 'HEAD', path: '/health', statusMin: 200, statusMax: 200 }))).toMatchObject(
      { ok: true },
    );
    expect(srv.seen[0]!.method).toBe('HEAD');
    expect(failed(await run(srv, httpSpec({ path: '/missing', statusMin: 200, statusMax: 204 })))).toMatchObject({
      message: 'HTTP 404 Not Found (expected 200–204)',
    });
  });

  it('redirects are not followed unless asked; followed only to the same server', async () => {
    const srv = await site();
    expect(failed(await run(srv, httpSpec({ path: '/moved', statusMax: 299 })))).toMatchObject({
      code: 'HTTP_STATUS',
      message: 'HTTP 302 Found (expected 200–299)',
    });
    expect(
      await run(srv, httpSpec({ path: '/moved', statusMax: 299, followRedirects: 2, keyword: 'ok' })),
    ).toMatchObject({ ok: true });
    expect(srv.seen.map((s) => s.url)).toEqual(['/moved', '/moved', '/health']);
    expect(failed(await run(srv, httpSpec({ path: '/away', followRedirects: 2 })))).toMatchObject({
      code: 'HTTP_REDIRECT',
      message: 'redirect to http://elsewhere.example.test/ not followed: another host (elsewhere.example.test)',
    });
  });

  it('HTTPS sends SNI and Host from the name, records TLS facts, and applies the TLS verdicts', async () => {
    const srv = await httpServer((_q, s) => void s.end('hello'), { cert: good.cert, key: good.key });
    const r = await run(srv, httpSpec({ tls: true, hostHeader: 'svc.example.test', keyword: 'hello' }));
    expect(r).toMatchObject({ ok: true, tls: { subject: 'CN=svc.example.test', trusted: true } });
    expect(srv.seen[0]).toMatchObject({ host: 'svc.example.test', servername: 'svc.example.test' });
    const old = await httpServer((_q, s) => void s.end('hello'), { cert: expired.cert, key: expired.key });
    expect(failed(await run(old, httpSpec({ tls: true, hostHeader: 'svc.example.test' })))).toMatchObject({
      code: 'CERT_EXPIRED',
      message: 'certificate expired 2026-01-15 (CN=svc.example.test)',
    });
  });

  it('a non-HTTP answer fails HTTP_PROTOCOL', async () => {
    const ssh = await lineServer('SSH-2.0-OpenSSH_9.6\r\n');
    expect(failed(await run(ssh, httpSpec()))).toMatchObject({ code: 'HTTP_PROTOCOL' });
  });
});

describe('addresses', () => {
  it('a host name is never resolved: every kind refuses anything but an IP literal (EINVAL, no packet)', async () => {
    for (const check of [banner({ preset: 'SSH' }), tlsSpec(), httpSpec(), undefined]) {
      const r = failed(await runCheck({ host: 'localhost', port: 22, check }, { timeoutMs: 500 }));
      expect(r.code).toBe('EINVAL');
    }
  });

  it('a refused port keeps the OS reason for every kind', async () => {
    const srv = await lineServer(null);
    const { port } = srv;
    const { closeAllTargets } = await import('./helpers.ts');
    await closeAllTargets();
    const dead = { host: '127.0.0.1', port: 1 };
    for (const check of [banner({ preset: 'SSH' }), tlsSpec(), httpSpec()]) {
      const r = failed(await runCheck({ ...dead, check }, { timeoutMs: 500 }));
      expect(r).toMatchObject({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' });
    }
    expect(port).toBeGreaterThan(0);
  });
});
