/**
 * IP ranges as policies write them in `aws:SourceIp` (an IPv4 or IPv6 address with an optional prefix
 * length), reduced to numbers so that their breadth and their union can be measured.
 * IAM: "The aws:SourceIp IPv4 values use the standard CIDR notation", IPv6 likewise.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
 */

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
