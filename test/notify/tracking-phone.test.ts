import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../../server/notify/tracking.ts';
import { InvalidMobileNumberError, normalizeMobile, requireMobile } from '../../server/notify/phone.ts';
import { eucKrByteLength, isEucKrSafe, truncateEucKr } from '../../server/notify/euckr.ts';

const secret = 'tracking-secret-0123456789';

describe('tracking tokens', () => {
  it('round-trips a ledger id for its purpose', () => {
    const t = signToken(secret, { ledgerId: 'cm3ledger01', purpose: 'read' });
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyToken(secret, t, 'read')).toEqual({ ledgerId: 'cm3ledger01' });
  });

  it('rejects the wrong purpose, another secret, a tampered payload and garbage', () => {
    const t = signToken(secret, { ledgerId: 'cm3ledger01', purpose: 'read' });
    expect(verifyToken(secret, t, 'ack')).toBeNull();
    expect(verifyToken('another-secret-0123456789', t, 'read')).toBeNull();
    const [, sig] = t.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ v: 1, l: 'someone-else', p: 'read' })).toString('base64url');
    expect(verifyToken(secret, `${forgedPayload}.${sig}`, 'read')).toBeNull();
    const forgedSig = signToken('attacker-secret-0123456789', { ledgerId: 'cm3ledger01', purpose: 'read' }).split(
      '.',
    )[1];
    expect(verifyToken(secret, `${t.split('.')[0]}.${forgedSig}`, 'read')).toBeNull();
    for (const junk of ['', '.', 'abc', 'a.b.c', `${t}x`, '%%%.%%%'])
      expect(verifyToken(secret, junk, 'read')).toBeNull();
  });

  it('refuses short secrets and odd ledger ids', () => {
    expect(() => signToken('short', { ledgerId: 'x', purpose: 'read' })).toThrow(/at least 16/);
    expect(() => signToken(secret, { ledgerId: 'a b', purpose: 'read' })).toThrow(/ledger id/);
  });
});

describe('normalizeMobile', () => {
  it('treats the three Korean spellings as one number', () => {
    for (const s of ['010-1234-5678', '01012345678', '+82 10 1234 5678']) {
      expect(normalizeMobile(s)).toEqual({ ok: true, e164: '+821012345678', national: '01012345678' });
    }
  });

  it('accepts the old 10-digit mobile format written in the seed manual', () => {
    expect(normalizeMobile('010-123-4567')).toEqual({ ok: true, e164: '+82101234567', national: '0101234567' });
  });

  it('refuses landlines, VoIP, UAN, short and non-numeric input with a reason', () => {
    const cases: [string, RegExp][] = [
      ['02-123-4567', /fixed line/],
      ['070-1234-5678', /voip/],
      ['1588-1234', /uan/],
      ['12345', /not a valid/],
      ['abc', /only digits/],
      ['', /empty/],
      ['010-1234-5678 ext 9', /only digits/],
    ];
    for (const [input, reason] of cases) {
      const r = normalizeMobile(input);
      expect(r.ok, input).toBe(false);
      if (!r.ok) expect(r.reason, input).toMatch(reason);
    }
  });

  it('accepts a US number (typed FIXED_LINE_OR_MOBILE: US ranges are shared) and a UK mobile', () => {
    expect(normalizeMobile('+1 415 555 2671')).toEqual({ ok: true, e164: '+14155552671', national: '4155552671' });
    expect(normalizeMobile('+44 7400 123456')).toMatchObject({ ok: true, e164: '+447400123456' });
  });

  it('requireMobile throws a typed error', () => {
    expect(requireMobile('010 1234 5678')).toBe('+821012345678');
    const err = (() => {
      try {
        requireMobile('02-123-4567');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidMobileNumberError);
    expect(err).toMatchObject({ code: 'INVALID_MOBILE_NUMBER', input: '02-123-4567' });
  });
});

describe('EUC-KR length', () => {
  it('counts Hangul as 2 bytes and ASCII as 1', () => {
    expect(eucKrByteLength('abc')).toBe(3);
    expect(eucKrByteLength('장애 abc')).toBe(8);
    expect(eucKrByteLength('가'.repeat(45))).toBe(90);
    expect(isEucKrSafe('장애 ok')).toBe(true);
    expect(isEucKrSafe('down 🔥')).toBe(false);
    expect(truncateEucKr('가나다', 5)).toBe('가나');
  });
});
