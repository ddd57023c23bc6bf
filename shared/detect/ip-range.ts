/**
 * IP ranges as policies write them in `aws:SourceIp` (an IPv4 or IPv6 address with an optional prefix
 * length), reduced to numbers so that their breadth and their union can be measured.
 * IAM: "The aws:SourceIp IPv4 values use the standard CIDR notation", IPv6 likewise.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
 */

import { short } from './values.ts';

export interface IpRange {
  family: 4 | 6;
  /** First and last address, host bits of the written address ignored. */
  first: bigint;
  last: bigint;
}

/** [first, last], inclusive. */
export type Interval = readonly [bigint, bigint];

const IPV4_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    // Leading zeros are refused: some parsers read them as octal, so their meaning is not fixed.
    if (!IPV4_OCTET.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseGroups(text: string): bigint[] | undefined {
  if (text === '') return [];
  const out: bigint[] = [];
  const parts = text.split(':');
  for (const [i, p] of parts.entries()) {
    // An embedded IPv4 address (::ffff:192.0.2.1) stands for the last two groups.
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIpv4(p);
      if (v4 === undefined) return undefined;
      out.push(v4 >> 16n, v4 & 0xffffn);
    } else if (IPV6_GROUP.test(p)) {
      out.push(BigInt(Number.parseInt(p, 16)));
    } else {
      return undefined;
    }
  }
  return out;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let n = 0n;
  for (const g of [...head, ...new Array<bigint>(missing).fill(0n), ...tail]) n = (n << 16n) | g;
  return n;
}

/** An address or CIDR block; undefined for anything else (zone ids, bad prefixes, stray text). */
export function parseIpRange(text: string): IpRange | undefined {
  const m = /^([0-9a-fA-F:.]+)(?:\/([0-9]{1,3}))?$/.exec(text.trim());
  if (!m?.[1]) return undefined;
  const family = m[1].includes(':') ? 6 : 4;
  const address = family === 4 ? parseIpv4(m[1]) : parseIpv6(m[1]);
  if (address === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? bits : Number(m[2]);
  if (prefix > bits) return undefined;
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const first = address & ~hostMask;
  return { family, first, last: first | hostMask };
}

export function size([first, last]: Interval): bigint {
  return last - first + 1n;
}

/** Overlapping and adjacent intervals merged, sorted: disjoint, so their sizes add up. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [first, last] of sorted) {
    const prev = out[out.length - 1];
    if (prev && first <= prev[1] + 1n) {
      if (last > prev[1]) prev[1] = last;
    } else {
      out.push([first, last]);
    }
  }
  return out;
}

export function intersect(a: Interval, b: Interval): Interval | undefined {
  // BigInt has no Math.max/Math.min.
  let [first, last] = a;
  if (b[0] > first) first = b[0];
  if (b[1] < last) last = b[1];
  return first <= last ? [first, last] : undefined;
}

/** Addresses in the union of `intervals` that are not in the (disjoint) `excluded` blocks. */
export function unionSizeExcluding(intervals: readonly Interval[], excluded: readonly Interval[]): bigint {
  let total = 0n;
  for (const iv of mergeIntervals(intervals)) {
    total += size(iv);
    for (const ex of excluded) {
      const overlap = intersect(iv, ex);
      if (overlap) total -= size(overlap);
    }
  }
  return total;
}

// ------------------------------------------------------------------------------------ breadth

/**
 * How broad a set of ranges may be and still name a fixed network rather than "the internet". The rule is
 * the S3 guide's, from "The meaning of public": "Bucket policies that grant access conditioned on the
 * aws:SourceIp condition key with very broad IP ranges (for example, 0.0.0.0/1) are evaluated as public.
 * This includes values broader than /8 for IPv4 and /32 for IPv6 (excluding RFC1918 private ranges)."
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
 * Stricter in one respect: the ranges of one set together must also stay within that breadth, so that
 * 0.0.0.0/1 + 128.0.0.0/1, or 256 separate /8 blocks, cannot add up to the whole internet. Bucket policies
 * (aws:SourceIp) and security group rules (ingress CIDRs) are both judged by it.
 */
export const MAX_IPV4_ADDRESSES = 1n << 24n; // one /8
export const MAX_IPV6_ADDRESSES = 1n << 96n; // one /32
/** RFC 1918 private blocks: 10/8, 172.16/12, 192.168/16. https://www.rfc-editor.org/rfc/rfc1918 */
export const RFC1918: readonly Interval[] = [
  [0x0a000000n, 0x0affffffn],
  [0xac100000n, 0xac1fffffn],
  [0xc0a80000n, 0xc0a8ffffn],
];
/** IPv4-mapped IPv6 (::ffff:0:0/96, RFC 4291 §2.5.5.2): counted as the IPv4 range it stands for. */
const IPV4_MAPPED: Interval = [0xffffn << 32n, (0xffffn << 32n) | 0xffffffffn];

/** A range as written, for messages: JSON-quoted and shortened, since it is attacker text. */
function quoteRange(text: string): string {
  return short(JSON.stringify(text), 60);
}

/**
 * Why these ranges, taken together, are broader than a fixed network (a phrase such as
 * `"0.0.0.0/1" is broader than an IPv4 /8`), or undefined when they are not. A value that is not an IP
 * range is a reason too: it cannot be shown to be narrow.
 */
export function breadthProblem(texts: readonly string[]): string | undefined {
  const v4: Interval[] = [];
  const v6: Interval[] = [];
  for (const text of texts) {
    const range = parseIpRange(text);
    if (!range) return `${quoteRange(text)} is not an IP range`;
    const whole: Interval = [range.first, range.last];
    let asIpv4: Interval | undefined = whole;
    if (range.family === 6) {
      if (size(whole) > MAX_IPV6_ADDRESSES) return `${quoteRange(text)} is broader than an IPv6 /32`;
      v6.push(whole);
      const mapped = intersect(whole, IPV4_MAPPED);
      asIpv4 = mapped && [mapped[0] - IPV4_MAPPED[0], mapped[1] - IPV4_MAPPED[0]];
    }
    if (asIpv4) {
      if (size(asIpv4) > MAX_IPV4_ADDRESSES) return `${quoteRange(text)} is broader than an IPv4 /8`;
      v4.push(asIpv4);
    }
  }
  if (unionSizeExcluding(v4, RFC1918) > MAX_IPV4_ADDRESSES)
    return 'ranges together cover more public IPv4 addresses than a /8';
  if (unionSizeExcluding(v6, []) > MAX_IPV6_ADDRESSES)
    return 'ranges together cover more IPv6 addresses than a /32';
  return undefined;
}
