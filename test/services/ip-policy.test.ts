import { describe, expect, it } from 'vitest';
import { checkIp, parseIp, probeRefusal, restrictedRange } from '../../server/services/ip-policy.ts';

describe('parseIp', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7', 4],
    [' 8.8.8.8 ', '8.8.8.8', 4],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1', 6],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6],
    ['2001:db8::0:1', '2001:db8::1', 6],
    ['2001:4860:4860:0:0:0:0:8888', '2001:4860:4860::8888', 6],
    ['[2606:4700::1111]', '2606:4700::1111', 6],
    ['::ffff:1.2.3.4', '1.2.3.4', 4],
    ['::FFFF:0102:0304', '1.2.3.4', 4],
    ['0:0:0:0:0:ffff:8.8.4.4', '8.8.4.4', 4],
    ['::', '::', 6],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1', 6],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', 6],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304', 6],
  ])('%s → %s', (input, ip, family) => {
    expect(parseIp(input)).toEqual({ ip, family });
  });

  it.each([
    '',
    'example.com',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.4/24',
    'fe80::1%eth0',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    'gggg::1',
    '1.2.3.4:80',
  ])('refuses %j', (input) => {
    expect(parseIp(input)).toBeNull();
  });
});

describe('restricted ranges', () => {
  it.each([
    ['127.0.0.1', 'LOOPBACK'],
    ['::1', 'LOOPBACK'],
    ['::ffff:127.0.0.1', 'LOOPBACK'],
    ['169.254.169.254', 'LINK_LOCAL'],
    ['fe80::1', 'LINK_LOCAL'],
    ['224.0.0.1', 'MULTICAST'],
    ['239.255.255.250', 'MULTICAST'],
    ['ff02::1', 'MULTICAST'],
    ['10.1.2.3', 'PRIVATE'],
    ['172.16.0.1', 'PRIVATE'],
    ['172.31.255.255', 'PRIVATE'],
    ['192.168.1.1', 'PRIVATE'],
    ['fc00::1', 'PRIVATE'],
    ['fd12:3456::1', 'PRIVATE'],
    ['100.64.0.1', 'SHARED'],
    ['100.127.255.255', 'SHARED'],
    ['0.0.0.0', 'UNSPECIFIED'],
    ['0.1.2.3', 'UNSPECIFIED'],
    ['::', 'UNSPECIFIED'],
    ['192.0.2.10', 'DOCUMENTATION'],
    ['198.51.100.1', 'DOCUMENTATION'],
    ['203.0.113.255', 'DOCUMENTATION'],
    ['2001:db8::1', 'DOCUMENTATION'],
    ['240.0.0.1', 'RESERVED'],
    ['255.255.255.255', 'BROADCAST'],
  ])('%s is %s', (ip, kind) => {
    expect(restrictedRange(parseIp(ip)!)).toBe(kind);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '172.15.255.255',
    '100.128.0.1',
    '11.0.0.1',
    '2606:4700::1111',
    '2001:4860:4860::8888',
    '223.255.255.255',
  ])('%s is public', (ip) => {
    expect(restrictedRange(parseIp(ip)!)).toBeNull();
  });
});

describe('checkIp', () => {
  it('refuses restricted ranges unless an admin allowed them', () => {
    expect(checkIp('10.0.0.5')).toEqual({
      ok: false,
      message: '10.0.0.5 is a private address; only an administrator can allow monitoring it',
      code: 'IP_NOT_PUBLIC',
      params: { ip: '10.0.0.5', range: 'PRIVATE' },
    });
    expect(checkIp('10.0.0.5', { allowPrivate: true })).toEqual({
      ok: true,
      ip: '10.0.0.5',
      family: 4,
      range: 'PRIVATE',
    });
    expect(checkIp('::ffff:8.8.8.8')).toEqual({ ok: true, ip: '8.8.8.8', family: 4, range: null });
    expect(checkIp('server.example.com')).toMatchObject({
      ok: false,
      message: expect.stringContaining('not a host name'),
    });
  });
});

describe('IPv6 forms that embed an IPv4 address (issue 12.10)', () => {
  it.each([
    ['::127.0.0.1', 'LOOPBACK'],
    ['::7f00:1', 'LOOPBACK'],
    ['64:ff9b::a9fe:a9fe', 'LINK_LOCAL'], // NAT64 of 169.254.169.254
    ['64:ff9b::10.0.0.1', 'PRIVATE'],
    ['64:ff9b:1::c0a8:101', 'PRIVATE'],
    ['2002:7f00:1::1', 'LOOPBACK'], // 6to4 of 127.0.0.1
    ['2002:a9fe:a9fe::1', 'LINK_LOCAL'],
    ['2001:0:a00:1::', 'PRIVATE'], // Teredo server 10.0.0.1
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'LOOPBACK'], // Teredo client ~(80ff:fffe) = 127.0.0.1
  ])('%s is judged by the address it embeds (%s)', (ip, kind) => {
    const parsed = parseIp(ip)!;
    expect(restrictedRange(parsed)).toBe(kind);
    expect(checkIp(ip).ok).toBe(false);
    expect(checkIp(ip, { allowPrivate: true }).ok).toBe(true);
  });
  it('keeps public embedded addresses public', () => {
    expect(checkIp('64:ff9b::808:808').ok).toBe(true); // NAT64 of 8.8.8.8
    expect(checkIp('2002:808:808::1').ok).toBe(true);
    expect(checkIp('2001:4860:4860::8888').ok).toBe(true);
  });
});

describe("probeRefusal (the prober's connect-time check)", () => {
  it("refuses a restricted address without the admin's permission, in any form that embeds it", () => {
    expect(probeRefusal('127.0.0.1', false)).toMatch(/^not checked: 127\.0\.0\.1 is a loopback address/);
    expect(probeRefusal('64:ff9b::a9fe:a9fe', false)).toMatch(/is a link-local address/);
    expect(probeRefusal('::ffff:10.0.0.1', false)).toMatch(/^not checked: 10\.0\.0\.1 is a private address/);
    expect(probeRefusal('db.example.com', true)).toBe('not checked: db.example.com is not an IP address');
  });
  it('lets public addresses and allowed servers through', () => {
    expect(probeRefusal('8.8.8.8', false)).toBeNull();
    expect(probeRefusal('127.0.0.1', true)).toBeNull();
    expect(probeRefusal('2001:4860:4860::8888', false)).toBeNull();
  });
});
