// What a status page's owner may write: the slug (its address), the title, item labels and
// public notes. Bad input is a ValidationError with a code per field (docs/api.md).
import type { FieldProblem } from '../errors.ts';

export const SLUG_MIN = 3;
export const SLUG_MAX = 40;
export const TITLE_MAX = 120;
export const DESCRIPTION_MAX = 1000;
export const LABEL_MAX = 80;
export const NOTE_MAX = 2000;
export const MAX_ITEMS = 50;
export const MAX_PAGES_PER_ACCOUNT = 20;

/** Path segments of /status/… that are the route's own (never a page's slug). */
const RESERVED = new Set(['assets', 'admin', 'api', 'new', 'edit', 'events', 'badge', 'static', 'status']);

const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** The slug's canonical form (trimmed, lower case), or the field problem. */
export function checkSlug(raw: string, path: string[]): { slug: string } | FieldProblem {
  const slug = raw.trim().toLowerCase();
  if (!slug) return { path, message: 'Enter the address', code: 'REQUIRED' };
  if (slug.length < SLUG_MIN || slug.length > SLUG_MAX)
    return {
      path,
      message: `The address is ${SLUG_MIN} to ${SLUG_MAX} characters`,
      code: 'LENGTH',
      params: { min: SLUG_MIN, max: SLUG_MAX },
    };
  if (!SLUG_RE.test(slug) || slug.includes('--'))
    return {
      path,
      message: 'Use lower-case letters, digits and single hyphens (not at the start or end)',
      code: 'SLUG_FORMAT',
    };
  if (RESERVED.has(slug)) return { path, message: `"${slug}" is reserved`, code: 'SLUG_RESERVED', params: { slug } };
  return { slug };
}

/** True when `s` could be a slug (the public route answers 404 at once otherwise, like any unknown page). */
export const slugShaped = (s: string): boolean =>
  s.length >= SLUG_MIN && s.length <= SLUG_MAX && SLUG_RE.test(s) && !s.includes('--');

/** Control characters (but not tab and newline where allowed) are refused, not stored. */
const CONTROL_LINE = /[\u0000-\u001f\u007f]/;
const CONTROL_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f]/;

export function checkText(
  raw: string,
  path: string[],
  max: number,
  opts: { multiline?: boolean; required?: boolean } = {},
): { text: string } | FieldProblem {
  const text = raw.trim();
  if (!text && opts.required !== false) return { path, message: 'Required', code: 'REQUIRED' };
  if (text.length > max) return { path, message: `At most ${max} characters`, code: 'TOO_LONG', params: { max } };
  if ((opts.multiline ? CONTROL_TEXT : CONTROL_LINE).test(text))
    return { path, message: 'Control characters are not allowed', code: 'CONTROL_CHARACTERS' };
  return { text };
}

export function checkTimeZone(raw: string, path: string[]): { timeZone: string } | FieldProblem {
  try {
    const timeZone = new Intl.DateTimeFormat('en', { timeZone: raw.trim() }).resolvedOptions().timeZone;
    return { timeZone };
  } catch {
    return { path, message: 'Unknown time zone', code: 'UNKNOWN_TIME_ZONE' };
  }
}

export const isProblem = (v: object): v is FieldProblem => 'message' in v && 'path' in v;
