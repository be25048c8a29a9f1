// Signed tokens for the read-tracking pixel / link and the acknowledgement link.
// Format: base64url(JSON {v:1, l: ledgerId, p: purpose}) "." base64url(HMAC-SHA256(secret, payloadPart)).
// The purpose is inside the signed payload, so a 'read' token can never be used as an 'ack'.
// Tokens do not expire: a customer may open an old alert mail; the ledger row decides what to do.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LEDGER_ID_PATTERN } from './types.ts';

export type TokenPurpose = 'read' | 'ack';

export const MIN_SECRET_LENGTH = 16;

function mac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data, 'utf8').digest();
}

function checkSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`tracking secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
}

export function signToken(secret: string, payload: { ledgerId: string; purpose: TokenPurpose }): string {
  checkSecret(secret);
  if (!LEDGER_ID_PATTERN.test(payload.ledgerId)) throw new TypeError('invalid ledger id');
  const body = Buffer.from(JSON.stringify({ v: 1, l: payload.ledgerId, p: payload.purpose }), 'utf8').toString(
    'base64url',
  );
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

/** Returns the ledger id when the token is authentic and made for `purpose`; null otherwise. Never throws on bad input. */
export function verifyToken(secret: string, token: string, purpose: TokenPurpose): { ledgerId: string } | null {
  checkSecret(secret);
  if (typeof token !== 'string' || token.length > 512) return null;
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const body = token.slice(0, dot);
  const sigPart = token.slice(dot + 1);
  if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(sigPart)) return null;
  const given = Buffer.from(sigPart, 'base64url');
  const expected = mac(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { v, l, p } = parsed as { v?: unknown; l?: unknown; p?: unknown };
  if (v !== 1 || p !== purpose || typeof l !== 'string' || !LEDGER_ID_PATTERN.test(l)) return null;
  return { ledgerId: l };
}

/** Path of the incident's log page in the dashboard (the read link redirects there). */
export function incidentLogPath(incidentId: string): string {
  return `/incidents/${encodeURIComponent(incidentId)}`;
}
