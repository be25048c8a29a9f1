import { describe, expect, it } from 'vitest';
import { renderEmail, renderSms, zonedTime } from '../../server/notify/render.ts';
import { eucKrByteLength, SMS_MAX_BYTES } from '../../server/notify/euckr.ts';
import type { AlertContent, Lang, MessageKind } from '../../server/notify/types.ts';

const at = new Date('2025-11-24T09:20:05Z'); // 18:20:05 in Seoul

function content(over: Partial<AlertContent> = {}): AlertContent {
  return {
    kind: 'DOWN',
    lang: 'en',
    host: '203.0.113.5',
    ports: [80, 22],
    error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 203.0.113.5:22' },
    at,
    incidentId: 'inc_01',
    monitorName: 'web-1',
    logUrl: 'https://pw.example.com/logs/203.0.113.5',
    ackUrl: 'https://pw.example.com/t/ack/TOKEN',
    ...over,
  };
}
const links = {
  trackingPixelUrl: 'https://pw.example.com/t/p/PIX.gif',
  readLinkUrl: 'https://pw.example.com/t/r/READ',
};

describe('renderEmail', () => {
  it('English DOWN names host, ports, OS error, UTC time and the links', () => {
    const m = renderEmail(content(), links);
    expect(m.subject).toBe('[portwatch] DOWN: 203.0.113.5 (web-1) — ports 22, 80');
    for (const part of [m.text, m.html]) {
      expect(part).toContain('203.0.113.5');
      expect(part).toContain('22, 80');
      expect(part).toContain('ECONNREFUSED (connect ECONNREFUSED 203.0.113.5:22)');
      expect(part).toContain('2025-11-24 09:20:05 (UTC+00:00, UTC)');
      expect(part).toContain('inc_01');
    }
    expect(m.text).toContain('View the log: https://pw.example.com/t/r/READ');
    expect(m.text).toContain('Acknowledge: https://pw.example.com/t/ack/TOKEN');
    expect(m.html).toContain('href="https://pw.example.com/t/r/READ"');
    expect(m.html).toContain('href="https://pw.example.com/t/ack/TOKEN"');
    expect(m.html).toContain('<img src="https://pw.example.com/t/p/PIX.gif" width="1" height="1"');
    expect(m.html).toContain('<html lang="en">');
  });

  it('Korean DOWN defaults to Asia/Seoul', () => {
    const m = renderEmail(content({ lang: 'ko' }), links);
    expect(m.subject).toBe('[portwatch] 장애: 203.0.113.5 (web-1) — 포트 22, 80');
    expect(m.text).toContain('호스트: 203.0.113.5');
    expect(m.text).toContain('포트: 22, 80');
    expect(m.text).toContain('오류: ECONNREFUSED');
    expect(m.text).toContain('시각: 2025-11-24 18:20:05 (UTC+09:00, Asia/Seoul)');
    expect(m.text).toContain('로그 보기: https://pw.example.com/t/r/READ');
    expect(m.html).toContain('<html lang="ko">');
  });

  it('RECOVERED and REMINDER have their own words; log link falls back to logUrl', () => {
    const rec = renderEmail(content({ kind: 'RECOVERED', error: undefined, ackUrl: undefined }));
    expect(rec.subject).toContain('RECOVERED');
    expect(rec.text).toContain('The incident is closed');
    expect(rec.text).toContain('View the log: https://pw.example.com/logs/203.0.113.5');
    expect(rec.html).not.toContain('<img');
    expect(renderEmail(content({ kind: 'REMINDER', lang: 'ko' })).subject).toContain('장애 지속');
  });

  it('honours an explicit time zone', () => {
    const m = renderEmail(content({ timeZone: 'America/New_York' }));
    expect(m.text).toContain('2025-11-24 04:20:05 (UTC-05:00, America/New_York)');
  });

  it('HTML-escapes everything user-provided and never links a javascript: URL', () => {
    const m = renderEmail(
      content({
        monitorName: '<script>alert("x")</script>',
        host: 'h"><img src=x onerror=1>',
        error: { code: 'E<1>', message: "it's <b>bad</b> & worse" },
        logUrl: 'javascript:alert(1)',
      }),
    );
    expect(m.html).not.toContain('<script>');
    expect(m.html).not.toContain('<img src=x');
    expect(m.html).not.toContain('<b>bad</b>');
    expect(m.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(m.html).toContain('it&#39;s &lt;b&gt;bad&lt;/b&gt; &amp; worse');
    expect(m.html).not.toContain('href="javascript:');
  });

  it('keeps the subject on one line', () => {
    expect(renderEmail(content({ monitorName: 'a\r\nBcc: evil@example.com' })).subject).not.toMatch(/[\r\n]/);
  });
});

describe('renderSms', () => {
  it('is short and exact (en, UTC)', () => {
    expect(renderSms(content({ ackUrl: undefined }))).toBe(
      '[portwatch] DOWN 203.0.113.5 ports 22,80 ECONNREFUSED 11-24 09:20',
    );
  });

  it('is short and exact (ko, Seoul) and fits one SMS', () => {
    const s = renderSms(content({ lang: 'ko', ackUrl: undefined }));
    expect(s).toBe('[portwatch] 장애 203.0.113.5 포트 22,80 ECONNREFUSED 11-24 18:20');
    expect(eucKrByteLength(s)).toBeLessThanOrEqual(SMS_MAX_BYTES);
  });

  it('every kind in both languages fits one SMS for an IPv4 host with three ports', () => {
    const kinds: MessageKind[] = ['DOWN', 'RECOVERED', 'REMINDER', 'ESCALATION', 'PROBE_DEGRADED', 'PROBE_RECOVERED'];
    for (const lang of ['ko', 'en'] as Lang[]) {
      for (const kind of kinds) {
        const s = renderSms(
          content({
            kind,
            lang,
            host: '203.0.113.255',
            ports: [21, 22, 3306],
            error: { code: 'EHOSTUNREACH', message: 'x' },
            ackUrl: undefined,
          }),
        );
        expect(eucKrByteLength(s), `${lang} ${kind}: ${s}`).toBeLessThanOrEqual(SMS_MAX_BYTES);
      }
    }
  });

  it('omits the error on recovery, drops emoji, and appends an ack link (making it an LMS)', () => {
    expect(renderSms(content({ kind: 'RECOVERED', ackUrl: undefined }))).toBe(
      '[portwatch] RECOVERED 203.0.113.5 ports 22,80 11-24 09:20',
    );
    expect(renderSms(content({ host: 'srv🔥1', ackUrl: undefined }))).toContain(' srv1 ');
    const withAck = renderSms(content());
    expect(withAck.endsWith('\nACK https://pw.example.com/t/ack/TOKEN')).toBe(true);
    expect(eucKrByteLength(withAck)).toBeGreaterThan(SMS_MAX_BYTES);
  });
});

describe('zonedTime', () => {
  it('falls back to UTC for an unknown zone', () => {
    expect(zonedTime(at, 'Nowhere/Nothing')).toMatchObject({ zone: 'UTC', time: '09:20:05', offset: '+00:00' });
  });
});
