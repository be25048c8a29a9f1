import { describe, expect, it } from 'vitest';
import { parseTrustProxy } from '../../server/config.ts';
import { clientAddress } from '../../server/http/client-address.ts';

describe('client address behind proxies (TRUST_PROXY)', () => {
  it('off: the socket address, whatever X-Forwarded-For says', () => {
    expect(clientAddress(parseTrustProxy(undefined), '::ffff:10.0.0.5', '1.2.3.4')).toBe('10.0.0.5');
    expect(clientAddress(parseTrustProxy('false'), '10.0.0.5', '1.2.3.4')).toBe('10.0.0.5');
  });
  it('a hop count: that many proxies from the right are trusted', () => {
    const one = parseTrustProxy('1');
    expect(clientAddress(one, '10.0.0.5', '203.0.113.9')).toBe('203.0.113.9');
    // a client that sends its own X-Forwarded-For cannot choose: the proxy appended the real one
    expect(clientAddress(one, '10.0.0.5', '6.6.6.6, 203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddress(parseTrustProxy('2'), '10.0.0.5', '6.6.6.6, 203.0.113.9, 10.0.0.9')).toBe('203.0.113.9');
    expect(clientAddress(one, '10.0.0.5', undefined)).toBe('10.0.0.5');
  });
  it('a CIDR list: the first address from the right outside the list', () => {
    const cidrs = parseTrustProxy('10.0.0.0/8, ::1');
    expect(clientAddress(cidrs, '::1', '6.6.6.6, 203.0.113.9, 10.1.2.3')).toBe('203.0.113.9');
    // a direct client (not a trusted proxy) is taken as is, its header ignored
    expect(clientAddress(cidrs, '198.51.100.1', '6.6.6.6')).toBe('198.51.100.1');
    expect(clientAddress(cidrs, '10.0.0.1', ['[2001:db8::1]:443'])).toBe('2001:db8::1');
  });
  it('refuses nonsense', () => {
    expect(() => parseTrustProxy('yes-please')).toThrow(/hop count/);
    expect(() => parseTrustProxy('11')).toThrow(/hop count/);
    expect(() => parseTrustProxy('10.0.0.0/40')).toThrow(/CIDR/);
  });
});
