// Byte length as Korean carriers count it. NHN Cloud SMS sends in EUC-KR: one SMS is 90 bytes
// ("한글 45자, 영문 90자"); an LMS body is 2,000 bytes standard. Node has no EUC-KR encoder, and
// we only need the length: ASCII is 1 byte, every other character (Hangul, Hanja, symbols of
// KS X 1001 / CP949) is 2 bytes.

export const SMS_MAX_BYTES = 90;
export const LMS_MAX_BYTES = 2000;
export const LMS_TITLE_MAX_BYTES = 40;

/** EUC-KR / CP949 byte length of `s` (code points: ASCII 1 byte, others 2 bytes). */
export function eucKrByteLength(s: string): number {
  let n = 0;
  for (const ch of s) n += (ch.codePointAt(0) ?? 0) < 0x80 ? 1 : 2;
  return n;
}

/**
 * True when every character can go through an EUC-KR (CP949) gateway: ASCII, Hangul, and the
 * BMP symbols Korean encodings carry. Characters outside the BMP (emoji) are refused by NHN.
 */
export function isEucKrSafe(s: string): boolean {
  for (const ch of s) if ((ch.codePointAt(0) ?? 0) > 0xffff) return false;
  return true;
}

/** Cuts `s` to at most `maxBytes` EUC-KR bytes without splitting a character. */
export function truncateEucKr(s: string, maxBytes: number): string {
  let n = 0;
  let out = '';
  for (const ch of s) {
    const w = (ch.codePointAt(0) ?? 0) < 0x80 ? 1 : 2;
    if (n + w > maxBytes) break;
    n += w;
    out += ch;
  }
  return out;
}
