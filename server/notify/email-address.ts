// The product's one rule for an e-mail address a person types (a monitor's contact, a
// customer's e-mail, an admin alert recipient): something@something without spaces, at most
// 254 characters (RFC 5321's limit on a path). Whether the address really receives mail is the
// mail server's answer, which the ledger records (bounces included).
export const EMAIL_MAX_LENGTH = 254;

const SHAPE = /^[^\s@]+@[^\s@]+$/;

/** The shape alone (one @, something on each side, no spaces), whatever the length. */
export function hasEmailShape(s: string): boolean {
  return SHAPE.test(s);
}

/** The shape and the length. */
export function isEmailAddress(s: string): boolean {
  return s.length <= EMAIL_MAX_LENGTH && SHAPE.test(s);
}
