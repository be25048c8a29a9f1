// Mobile number normalisation. "010-1234-5678", "01012345678" and "+82 10 1234 5678" are the
// same number (+821012345678). What cannot be a mobile number is refused with a reason — an SMS
// is never skipped silently. Type detection needs the "max" metadata.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type NormalizedMobile = { ok: true; e164: string; national: string } | { ok: false; reason: string };

/** Thrown by `requireMobile`; carries the input and the reason (typed, for field-level errors). */
export class InvalidMobileNumberError extends Error {
  readonly code = 'INVALID_MOBILE_NUMBER';
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`not a mobile number: ${reason}`);
    this.name = 'InvalidMobileNumberError';
  }
}

const MOBILE_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/**
 * Normalises `input` to E.164 and a digits-only national form ("01012345678" for Korea).
 * Accepts types MOBILE and FIXED_LINE_OR_MOBILE (the latter is how e.g. US numbers are typed,
 * since their ranges are shared). Refuses landlines, VoIP (070), toll-free, UAN (1588-…),
 * extensions, invalid or unparseable input.
 */
export function normalizeMobile(input: string, defaultRegion: CountryCode = 'KR'): NormalizedMobile {
  const raw = typeof input === 'string' ? input.trim() : '';
  if (!raw) return { ok: false, reason: 'empty phone number' };
  if (raw.length > 40) return { ok: false, reason: 'phone number too long' };
  if (/[^0-9+\-().\s]/.test(raw))
    return { ok: false, reason: 'phone number may contain only digits, spaces, "+", "-", "(", ")" and "."' };
  const pn = parsePhoneNumberFromString(raw, defaultRegion);
  if (!pn) return { ok: false, reason: 'not a phone number' };
  if (pn.ext) return { ok: false, reason: 'a mobile number has no extension' };
  if (!pn.isValid())
    return { ok: false, reason: `not a valid phone number for ${pn.country ?? `+${pn.countryCallingCode}`}` };
  const type = pn.getType();
  if (!type || !MOBILE_TYPES.has(type)) {
    return { ok: false, reason: `not a mobile number (${(type ?? 'unknown type').toLowerCase().replace(/_/g, ' ')})` };
  }
  return { ok: true, e164: pn.number, national: pn.formatNational().replace(/\D/g, '') };
}

/** Like normalizeMobile but throws InvalidMobileNumberError; returns the E.164 form. */
export function requireMobile(input: string, defaultRegion: CountryCode = 'KR'): string {
  const r = normalizeMobile(input, defaultRegion);
  if (!r.ok) throw new InvalidMobileNumberError(input, r.reason);
  return r.e164;
}
