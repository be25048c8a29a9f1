// The alert mail composed in one string (server/notify/mime.ts) reads, to a mail parser, exactly as
// nodemailer's own composition of the same message: addresses, subject (as written), text, HTML,
// Message-ID, date and the extra header fields; and what it does not cover is left to nodemailer (null).
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { composeAlertMail, encodeWords, type AlertMail } from '../../server/notify/mime.ts';
import { renderEmail } from '../../server/notify/render.ts';

const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

async function viaNodemailer(m: AlertMail): Promise<ParsedMail> {
  const info = await transport.sendMail({
    from: m.from,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: m.messageId,
    headers: m.headers,
    date: m.date,
  });
  return simpleParser(info.message as Buffer);
}

function seen(p: ParsedMail) {
  return {
    from: p.from?.value,
    to: Array.isArray(p.to) ? p.to.flatMap((a) => a.value) : p.to?.value,
    subject: p.subject,
    text: p.text,
    html: p.html,
    messageId: p.messageId,
    date: p.date?.toISOString(),
    ledger: p.headers.get('x-portwatch-ledger'),
    auto: p.headers.get('auto-submitted'),
  };
}

const alert = renderEmail(
  {
    kind: 'DOWN',
    lang: 'ko',
    host: '198.18.0.1',
    ports: [22, 80, 443],
    error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 198.18.0.1:22' },
    at: new Date('2026-12-02T04:05:06Z'),
    incidentId: 'inc-1',
    monitorName: '웹 서버 (본사) — 아주 긴 이름이 붙은 서버라서 제목이 여러 줄로 접힙니다',
    logUrl: 'https://pw.example.com/i/inc-1',
    ackUrl: 'https://pw.example.com/t/a/token',
    timeZone: 'Asia/Seoul',
    openedAt: new Date('2026-12-02T04:05:06Z'),
  },
  { trackingPixelUrl: 'https://pw.example.com/t/r/x.gif', readLinkUrl: 'https://pw.example.com/t/l/x' },
);

const base: AlertMail = {
  from: 'portwatch <alerts@pw.example.com>',
  to: 'ops1@example.com',
  subject: alert.subject,
  text: alert.text,
  html: alert.html,
  messageId: '<0b0e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b@pw.example.com>',
  headers: { 'X-Portwatch-Ledger': '0b0e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b', 'Auto-Submitted': 'auto-generated' },
  date: new Date('2026-12-02T04:05:07Z'),
};

describe('alert mail composed in one string', () => {
  it.each([
    ['a Korean alert with a long folded subject', base],
    [
      'an English ASCII subject and a quoted display name',
      { ...base, subject: 'DOWN: host a.b (ports 22, 80)', from: 'Ops, Inc. <alerts@pw.example.com>' },
    ],
    [
      'a Korean display name and a bare address',
      { ...base, from: '포트워치 알림 <alerts@pw.example.com>', to: 'o.p-s+1@sub.example.co.kr' },
    ],
    ['an empty HTML part and text with a dot line', { ...base, text: 'a\n.\n..b\n', html: '' }],
    ['a subject that looks like an encoded word', { ...base, subject: 'literal =?UTF-8?B?eA==?= text' }],
  ])('%s reads as nodemailer composes it', async (_name, m) => {
    const raw = composeAlertMail(m);
    expect(raw).not.toBeNull();
    expect(raw).not.toMatch(/(?<!\r)\n/); // CRLF line ends only
    for (const line of (raw ?? '').split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    // the subject as written (nodemailer leaves a literal "=?…?=" unencoded, and parsers then decode it)
    expect(seen(await simpleParser(raw ?? ''))).toEqual({ ...seen(await viaNodemailer(m)), subject: m.subject });
  });

  it('leaves to nodemailer what it does not cover', () => {
    expect(composeAlertMail({ ...base, to: '사용자@example.com' })).toBeNull();
    expect(composeAlertMail({ ...base, to: 'a@b.example, c@d.example' })).toBeNull();
    expect(composeAlertMail({ ...base, subject: 'two\r\nlines' })).toBeNull();
    expect(composeAlertMail({ ...base, from: 'Weird "name" <a@b.example>' })).toBeNull();
    expect(composeAlertMail({ ...base, headers: { 'X-Note': '한글' } })).toBeNull();
  });

  it('encoded words hold whole characters and stay within the line limit', () => {
    const folded = encodeWords('가'.repeat(100));
    const words = folded.split('\r\n ');
    expect(words.length).toBeGreaterThan(1);
    for (const w of words) {
      expect(w.length).toBeLessThanOrEqual(76);
      const b64 = /^=\?UTF-8\?B\?(.*)\?=$/.exec(w)?.[1] ?? '';
      expect(Buffer.from(b64, 'base64').toString('utf8')).toMatch(/^가+$/);
    }
    expect(words.map((w) => Buffer.from(/\?B\?(.*)\?=/.exec(w)?.[1] ?? '', 'base64').toString('utf8')).join('')).toBe(
      '가'.repeat(100),
    );
  });
});
