// The one e-mail address rule (server/notify/email-address.ts), used by a monitor's contact, a
// customer's e-mail and an admin alert recipient alike.
import { describe, expect, it } from 'vitest';
import { EMAIL_MAX_LENGTH, hasEmailShape, isEmailAddress } from '../../server/notify/email-address.ts';

describe('e-mail address rule', () => {
  it('takes something@something without spaces', () => {
    for (const ok of ['ops@example.com', 'root@localhost', 'a@b', 'first.last+tag@sub.example.co.kr'])
      expect([ok, isEmailAddress(ok)]).toEqual([ok, true]);
  });

  it('refuses no @, two @, an empty side or a space', () => {
    for (const bad of ['no-at', 'a@b@c', '@example.com', 'ops@', 'o ps@example.com', 'ops@exa mple.com', ''])
      expect([bad, isEmailAddress(bad)]).toEqual([bad, false]);
  });

  it('limits the length to 254 characters, apart from the shape', () => {
    const at = (n: number) => `${'a'.repeat(n - '@example.com'.length)}@example.com`;
    expect(isEmailAddress(at(EMAIL_MAX_LENGTH))).toBe(true);
    expect(isEmailAddress(at(EMAIL_MAX_LENGTH + 1))).toBe(false);
    expect(hasEmailShape(at(EMAIL_MAX_LENGTH + 1))).toBe(true);
  });
});
