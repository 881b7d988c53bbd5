import { cidrContains, cidrWithin, formatIp, parseCidr, parseIp, sampleAddress } from '../../src/model/cidr';

const ip = (text: string) => {
  const parsed = parseIp(text);
  if (!parsed) {
    throw new Error(`bad ip ${text}`);
  }
  return parsed;
};
const cidr = (text: string) => {
  const parsed = parseCidr(text);
  if (!parsed) {
    throw new Error(`bad cidr ${text}`);
  }
  return parsed;
};

describe('IP addresses', () => {
  test.each([
    ['0.0.0.0', 0n],
    ['10.20.0.1', 0x0a140001n],
    ['255.255.255.255', 0xffffffffn],
  ])('IPv4 %s', (text, value) => {
    expect(parseIp(text)).toEqual({ family: 4, value });
    expect(formatIp({ family: 4, value })).toBe(text);
  });

  test.each([
    ['::', 0n, '::'],
    ['::1', 1n, '::1'],
    ['2001:db8::10', 0x20010db8000000000000000000000010n, '2001:db8::10'],
    ['2001:DB8:0:0:1:0:0:1', 0x20010db8000000000001000000000001n, '2001:db8::1:0:0:1'],
    ['::ffff:192.0.2.1', 0xffffc0000201n, '::ffff:c000:201'],
    ['1:2:3:4:5:6:7:8', 0x00010002000300040005000600070008n, '1:2:3:4:5:6:7:8'],
    ['1:0:0:2:0:0:0:3', 0x00010000000000020000000000000003n, '1:0:0:2::3'],
    ['1:0:2:3:4:5:6:7', 0x00010000000200030004000500060007n, '1:0:2:3:4:5:6:7'],
  ])('IPv6 %s', (text, value, canonical) => {
    expect(parseIp(text)).toEqual({ family: 6, value });
    expect(formatIp({ family: 6, value })).toBe(canonical);
  });

  test.each(['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.-1', 'a.b.c.d', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8', '12345::', 'g::', '1.2.3.4::', '::1.2.3', 'fe80::1%eth0'])('rejects %j', text => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('CIDR blocks', () => {
  test('IPv4 ranges and host-bit masking', () => {
    const block = cidr('10.20.3.4/16');
    expect(block).toMatchObject({ family: 4, prefix: 16, text: '10.20.0.0/16', hadHostBits: true });
    expect(formatIp({ family: 4, value: block.start })).toBe('10.20.0.0');
    expect(formatIp({ family: 4, value: block.end })).toBe('10.20.255.255');
    expect(cidr('0.0.0.0/0')).toMatchObject({ start: 0n, end: 0xffffffffn, hadHostBits: false });
    expect(cidr('1.2.3.4/32')).toMatchObject({ start: 0x01020304n, end: 0x01020304n });
  });

  test('IPv6 ranges', () => {
    const block = cidr('2001:db8:1::/48');
    expect(block.text).toBe('2001:db8:1::/48');
    expect(cidrContains(block, ip('2001:db8:1:ffff::1'))).toBe(true);
    expect(cidrContains(block, ip('2001:db8:2::1'))).toBe(false);
    expect(cidr('::/0').end).toBe(2n ** 128n - 1n);
    expect(cidr('2001:db8::1/64').text).toBe('2001:db8::/64');
  });

  test('families never mix', () => {
    expect(cidrContains(cidr('0.0.0.0/0'), ip('::1'))).toBe(false);
    expect(cidrContains(cidr('::/0'), ip('10.0.0.1'))).toBe(false);
    expect(cidrWithin(cidr('10.0.0.0/8'), cidr('::/0'))).toBe(false);
  });

  test('containment of blocks', () => {
    expect(cidrWithin(cidr('10.20.5.0/24'), cidr('10.20.0.0/16'))).toBe(true);
    expect(cidrWithin(cidr('10.20.0.0/16'), cidr('10.20.0.0/16'))).toBe(true);
    expect(cidrWithin(cidr('10.0.0.0/8'), cidr('10.20.0.0/16'))).toBe(false);
  });

  test.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/08', '::/129', 'x/8', '10.0.0.0/'])('rejects %j', text => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('sample addresses', () => {
  test('prefers the address after the network address', () => {
    expect(formatIp(sampleAddress(cidr('10.20.0.0/16'), [])!)).toBe('10.20.0.1');
    expect(formatIp(sampleAddress(cidr('2001:db8::/32'), [])!)).toBe('2001:db8::1');
  });

  test('single-address blocks use the address itself', () => {
    expect(formatIp(sampleAddress(cidr('192.0.2.7/32'), [])!)).toBe('192.0.2.7');
  });

  test('skips excluded ranges, also overlapping and unordered ones', () => {
    const sample = sampleAddress(cidr('10.20.0.0/16'), [cidr('10.20.1.0/24'), cidr('10.20.0.0/24'), cidr('10.20.1.128/25')]);
    expect(formatIp(sample!)).toBe('10.20.2.0');
    const v6 = sampleAddress(cidr('2001:db8:1::/48'), [cidr('2001:db8:1::/64')]);
    expect(formatIp(v6!)).toBe('2001:db8:1:1::');
  });

  test('falls back to the network address, and gives up when all is excluded', () => {
    expect(formatIp(sampleAddress(cidr('10.0.0.0/31'), [cidr('10.0.0.1/32')])!)).toBe('10.0.0.0');
    expect(sampleAddress(cidr('10.0.0.0/24'), [cidr('10.0.0.0/25'), cidr('10.0.0.128/25')])).toBeUndefined();
  });

  test('ignores exclusions of the other family', () => {
    expect(formatIp(sampleAddress(cidr('0.0.0.0/0'), [cidr('::/0')])!)).toBe('0.0.0.1');
  });
});
