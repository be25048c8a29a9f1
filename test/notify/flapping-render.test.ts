// FLAPPING and STABLE messages, in both languages: the window's figures are quoted, the closing
// message says the ports stopped flapping (never "recovered"), reminders do not say "down" only.
import { describe, expect, it } from 'vitest';
import { renderEmail, renderSms } from '../../server/notify/render.ts';
import { eucKrByteLength } from '../../server/notify/euckr.ts';
import type { AlertContent } from '../../server/notify/types.ts';

const content = (over: Partial<AlertContent>): AlertContent => ({
  kind: 'FLAPPING',
  lang: 'en',
  host: '203.0.113.5',
  ports: [22],
  error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 203.0.113.5:22' },
  at: new Date('2025-11-24T09:20:05Z'),
  incidentId: 'inc_01',
  logUrl: 'https://pw.example.com/incidents/inc_01',
  flap: [{ port: 22, failed: 9, checks: 21 }],
  ...over,
});

describe('flapping messages', () => {
  it('FLAPPING (en): subject, lead and the figures of the window', () => {
    const m = renderEmail(content({}));
    expect(m.subject).toBe('[portwatch] FLAPPING: 203.0.113.5 — ports 22');
    expect(m.text).toContain('Flapping: port 22 failed 9 of the last 21 checks');
    expect(m.text).toContain('failing and answering by turns');
    expect(m.html).toContain('port 22 failed 9 of the last 21 checks');
    expect(renderSms(content({}))).toBe('[portwatch] FLAPPING 203.0.113.5 ports 22 22: 9 of 21 failed 11-24 09:20');
  });

  it('FLAPPING (ko): Korean only, the figures in Korean', () => {
    const m = renderEmail(content({ lang: 'ko' }));
    expect(m.subject).toBe('[portwatch] 불안정: 203.0.113.5 — 포트 22');
    expect(m.text).toContain('불안정: 포트 22: 최근 21회 점검 중 9회 실패');
    expect(m.text).not.toMatch(/flapping|failed|checks/i);
    const sms = renderSms(content({ lang: 'ko' }));
    expect(sms).toBe('[portwatch] 불안정 203.0.113.5 포트 22 22: 21회 중 9회 실패 11-24 18:20');
    expect(eucKrByteLength(sms)).toBeLessThanOrEqual(90);
  });

  it('STABLE closes without "recovered" and without the old figures (the SMS without the error code)', () => {
    for (const lang of ['en', 'ko'] as const) {
      const m = renderEmail(content({ kind: 'STABLE', lang }));
      const sms = renderSms(content({ kind: 'STABLE', lang }));
      for (const text of [m.subject, m.text, sms]) expect(text).not.toMatch(/recovered|복구/i);
      expect(sms).not.toContain('ECONNREFUSED');
      expect(m.text).not.toMatch(/failed 9|9회 실패/);
    }
    expect(renderEmail(content({ kind: 'STABLE' })).subject).toBe('[portwatch] STABLE AGAIN: 203.0.113.5 — ports 22');
    expect(renderEmail(content({ kind: 'STABLE', lang: 'ko' })).text).toContain('더 이상 불안정하지 않습니다');
  });

  it('a reminder of a flapping incident says "still flapping", a plain one "still down"', () => {
    expect(renderEmail(content({ kind: 'REMINDER' })).subject).toContain('STILL FLAPPING');
    expect(renderEmail(content({ kind: 'REMINDER', lang: 'ko' })).subject).toContain('불안정 지속');
    expect(renderEmail(content({ kind: 'REMINDER', flap: [] })).subject).toContain('STILL DOWN');
  });
});
