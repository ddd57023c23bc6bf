/**
 * Value-level helpers for the EventBridge pattern engine: number quantisation, IP parsing, wildcard and
 * case-folding matchers. Everything here is pure and allocation-light because it runs once per leaf value.
 */

/** Numeric matching is limited to this range (event-ruler ComparableNumber). */
export const NUMERIC_LIMIT = 5e9;

/**
 * Event-ruler compares numbers through a fixed-point key: (long)(1e6 * (5e9 + x)). Doing the same double
 * arithmetic here reproduces its behaviour exactly, including the truncation beyond six decimal places
 * (so 0.0000001 is not `> 0`). Returns undefined outside the supported range.
 */
export function quantize(x: number): number | undefined {
  if (!(x >= -NUMERIC_LIMIT && x <= NUMERIC_LIMIT)) return undefined;
  return Math.trunc(1e6 * (NUMERIC_LIMIT + x));
}

export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

// ---------------------------------------------------------------------------------------------- IP

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
// Same loose pre-check event-ruler uses before handing a string to the platform parser.
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Parses an IPv4/IPv6 literal to its bytes; undefined when the string is not an address literal. */
export function parseIp(s: string): number[] | undefined {
  if (IPV4_SHAPE.test(s)) return parseIpv4(s);
  if (IPV6_SHAPE.test(s)) return parseIpv6(s);
  return undefined;
}

function parseIpv4(s: string): number[] | undefined {
  const bytes: number[] = [];
  for (const part of s.split('.')) {
    // Current JDKs reject leading zeros as ambiguous (octal vs decimal), so they are not addresses.
    if (part.length > 3 || (part.length > 1 && part.startsWith('0'))) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

function parseIpv6(s: string): number[] | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string | undefined): string[] | undefined => {
    if (h === undefined || h === '') return [];
    const parts = h.split(':');
    return parts.every((p) => HEX_GROUP.test(p)) ? parts : undefined;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  let all: string[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    all = [...head, ...new Array<string>(missing).fill('0'), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    all = head;
  }
  const bytes: number[] = [];
  for (const g of all) {
    const n = Number.parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  // The JDK turns IPv4-mapped IPv6 literals (::ffff:a.b.c.d) into plain IPv4 addresses.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return bytes.slice(12);
  }
  return bytes;
}

export function ipKey(bytes: readonly number[]): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Event-side conversion: the canonical hex key of an address literal, or undefined. */
export function ipKeyOf(s: string): string | undefined {
  const bytes = parseIp(s);
  return bytes === undefined ? undefined : ipKey(bytes);
}

export interface CidrRange {
  readonly bottom: string;
  readonly top: string;
}

/** Returns the range or an error message (the caller attaches the field path). */
export function parseCidr(cidr: string): CidrRange | string {
  // Java's String.split drops trailing empty strings; "10.0.0.0/" therefore has no mask part.
  const parts = cidr.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) return `malformed CIDR "${cidr}", one '/' required`;
  const [ip, maskText] = parts;
  if (ip === undefined || maskText === undefined || !/^[+-]?[0-9]{1,9}$/.test(maskText)) {
    return `malformed CIDR "${cidr}", mask bits must be an integer`;
  }
  const mask = Number(maskText);
  if (mask < 0) return `malformed CIDR "${cidr}", mask bits must not be negative`;
  const bytes = parseIp(ip);
  if (bytes === undefined) return `invalid IP address in CIDR "${cidr}"`;
  if (bytes.length === 4 && mask > 31) return `invalid CIDR "${cidr}": IPv4 mask bits must be < 32`;
  if (bytes.length === 16 && mask > 127) return `invalid CIDR "${cidr}": IPv6 mask bits must be < 128`;
  // The block is the network the prefix names, whatever host bits were written: "10.0.0.77/24" spans
  // 10.0.0.0-10.0.0.255, as 10.0.0.0/24 does. Event-ruler clears the host bits for the lower bound and
  // sets them for the upper one (CIDR.computeBottomBytes/computeTopBytes, since aws/event-ruler#89; before
  // that it kept the written address as the lower bound).
  // https://github.com/aws/event-ruler/pull/89
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
  let hostBits = bytes.length * 8 - mask;
  const bottom = [...bytes];
  const top = [...bytes];
  for (let i = top.length - 1; i >= 0 && hostBits > 0; i--, hostBits -= 8) {
    const low = hostBits >= 8 ? 0xff : (1 << hostBits) - 1;
    bottom[i] = (bottom[i] ?? 0) & ~low & 0xff;
    top[i] = (top[i] ?? 0) | low;
  }
  return { bottom: ipKey(bottom), top: ipKey(top) };
}

// ---------------------------------------------------------------------------------------- wildcard

/** Literal pieces between the `*`s, or an error message. */
export function parseWildcard(pattern: string): string[] | string {
  const pieces: string[] = [];
  let current = '';
  let lastWasStar = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') {
      if (lastWasStar) return `consecutive wildcard characters are not allowed in "${pattern}"`;
      pieces.push(current);
      current = '';
      lastWasStar = true;
      continue;
    }
    lastWasStar = false;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') {
        return `a backslash may only escape '*' or '\\' in wildcard "${pattern}"`;
      }
      current += next;
      i++;
      continue;
    }
    current += ch;
  }
  pieces.push(current);
  return pieces;
}

export function wildcardMatches(pieces: readonly string[], s: string): boolean {
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return s === first;
  const last = pieces[pieces.length - 1] ?? '';
  if (s.length < first.length + last.length || !s.startsWith(first) || !s.endsWith(last)) return false;
  // Leftmost placement of each middle piece is optimal for `*`-only globs.
  let pos = first.length;
  const end = s.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? '';
    const at = s.indexOf(piece, pos);
    if (at < 0 || at + piece.length > end) return false;
    pos = at + piece.length;
  }
  return true;
}

// ------------------------------------------------------------------------------------ ignore case

/**
 * Event-ruler folds case per UTF-16 unit of the pattern: each unit may be matched by its lower-case or
 * upper-case form (which can be longer than one unit, e.g. ß -> SS). Kept as alternatives per unit.
 */
export type Fold = readonly (readonly string[])[];

export function compileFold(text: string): Fold {
  const out: string[][] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    out.push(lower === upper ? [lower] : [lower, upper]);
  }
  return out;
}

/** True when `t` starts at `pos` with the fold sequence from index `ai`; `whole` requires reaching the end. */
export function foldForward(fold: Fold, ai: number, t: string, pos: number, whole: boolean): boolean {
  if (ai === fold.length) return !whole || pos === t.length;
  const alts = fold[ai] ?? [];
  for (const alt of alts) {
    if (t.startsWith(alt, pos) && foldForward(fold, ai + 1, t, pos + alt.length, whole)) return true;
  }
  return false;
}

/** True when `t` ends at `end` with the fold sequence up to index `ai` (exclusive), matched backwards. */
export function foldBackward(fold: Fold, ai: number, t: string, end: number): boolean {
  if (ai === 0) return true;
  const alts = fold[ai - 1] ?? [];
  for (const alt of alts) {
    const start = end - alt.length;
    if (start >= 0 && t.startsWith(alt, start) && foldBackward(fold, ai - 1, t, start)) return true;
  }
  return false;
}
