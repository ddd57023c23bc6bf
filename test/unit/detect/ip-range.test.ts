import {
  breadthProblem,
  mergeIntervals,
  parseIpRange,
  unionSizeExcluding,
} from '../../../shared/detect/ip-range.ts';

describe('parseIpRange', () => {
  it.each([
    ['203.0.113.0/24', 4, 0xcb007100n, 0xcb0071ffn],
    ['203.0.113.7', 4, 0xcb007107n, 0xcb007107n],
    ['0.0.0.0/0', 4, 0n, 0xffffffffn],
    // Host bits are ignored, as a CIDR block means the whole network.
    ['10.0.0.77/8', 4, 0x0a000000n, 0x0affffffn],
    [' 198.51.100.0/24 ', 4, 0xc6336400n, 0xc63364ffn],
    ['::/0', 6, 0n, (1n << 128n) - 1n],
    ['2001:db8::/32', 6, 0x20010db8n << 96n, (0x20010db8n << 96n) | ((1n << 96n) - 1n)],
    ['::1', 6, 1n, 1n],
    ['::ffff:192.0.2.1', 6, (0xffffn << 32n) | 0xc0000201n, (0xffffn << 32n) | 0xc0000201n],
    ['2001:db8:0:0:0:0:0:1/128', 6, (0x20010db8n << 96n) | 1n, (0x20010db8n << 96n) | 1n],
  ])('reads %s', (text, family, first, last) => {
    expect(parseIpRange(text)).toEqual({ family, first, last });
  });

  it.each([
    ['anywhere'],
    [''],
    ['10.0.0.0/33'],
    ['::/129'],
    ['256.0.0.0/8'],
    ['010.0.0.0/8'],
    ['10.0.0/8'],
    ['10.0.0.0/'],
    ['10.0.0.0/8/8'],
    ['1::2::3'],
    ['1:2:3:4:5:6:7:8:9'],
    ['1:2:3:4:5:6:7'],
    ['fe80::1%eth0'],
    ['::ffff:1.2.3'],
    ['12345::'],
  ])('refuses %p', (text) => {
    expect(parseIpRange(text)).toBeUndefined();
  });
});

describe('mergeIntervals', () => {
  it('merges overlapping and adjacent intervals and keeps gaps', () => {
    expect(
      mergeIntervals([
        [10n, 20n],
        [0n, 4n],
        [21n, 25n],
        [5n, 5n],
        [15n, 18n],
        [30n, 31n],
      ]),
    ).toEqual([
      [0n, 5n],
      [10n, 25n],
      [30n, 31n],
    ]);
  });
});

describe('unionSizeExcluding', () => {
  it('counts each address once and leaves out the excluded blocks', () => {
    const half: [bigint, bigint] = [0n, 0x7fffffffn];
    const otherHalf: [bigint, bigint] = [0x80000000n, 0xffffffffn];
    expect(unionSizeExcluding([half, half, otherHalf], [])).toBe(1n << 32n);
    expect(unionSizeExcluding([half], [[0x0a000000n, 0x0affffffn]])).toBe((1n << 31n) - (1n << 24n));
  });
});

/** The S3 guide's breadth rule ("broader than /8 for IPv4 and /32 for IPv6 (excluding RFC1918)"), taken over a set. */
describe('breadthProblem', () => {
  it.each([
    [['0.0.0.0/0'], '"0.0.0.0/0" is broader than an IPv4 /8'],
    [['10.0.0.0/7'], '"10.0.0.0/7" is broader than an IPv4 /8'],
    [['::/0'], '"::/0" is broader than an IPv6 /32'],
    [['::ffff:0:0/96'], '"::ffff:0:0/96" is broader than an IPv4 /8'],
    [['0.0.0.0/1', '128.0.0.0/1'], '"0.0.0.0/1" is broader than an IPv4 /8'],
    [['52.0.0.0/8', '53.0.0.0/8'], 'ranges together cover more public IPv4 addresses than a /8'],
    [['2001:db8::/32', '2001:db9::/32'], 'ranges together cover more IPv6 addresses than a /32'],
    [['anywhere'], '"anywhere" is not an IP range'],
  ])('finds %j too broad: %s', (texts, why) => {
    expect(breadthProblem(texts)).toBe(why);
  });

  it.each([
    [['52.0.0.0/8']],
    [['52.0.0.0/8', '52.0.0.0/9']],
    [['52.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
    [['2001:db8::/32']],
    [['203.0.113.7', '2001:db8::1']],
    [[]],
  ])('accepts %j as a fixed network', (texts) => {
    expect(breadthProblem(texts)).toBeUndefined();
  });
});
