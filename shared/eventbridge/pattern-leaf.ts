/**
 * Compiles the matcher list of one pattern field (e.g. `["a", {"prefix": "b"}, {"numeric": [">", 0]}]`)
 * into a single predicate over one event leaf value, validating it the way PutRule does.
 */
import {
  type CidrRange,
  compileFold,
  foldBackward,
  foldForward,
  ipKey,
  ipKeyOf,
  isFiniteNumber,
  NUMERIC_LIMIT,
  parseCidr,
  parseIp,
  parseWildcard,
  quantize,
  wildcardMatches,
} from './pattern-values.ts';

export class PatternError extends Error {
  override name = 'PatternError';
}

/** A JSON leaf of the event: the only values patterns compare against. */
export type LeafValue = string | number | boolean | null;

export interface Leaf {
  /** At least one matcher can be satisfied by a present value. */
  readonly hasPositive: boolean;
  /** `{"exists": false}` is in the list: an absent field satisfies it. */
  readonly allowAbsent: boolean;
  readonly test: (v: LeafValue) => boolean;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function fail(path: string, reason: string): never {
  throw new PatternError(`${path === '' ? '(root)' : path}: ${reason}`);
}

type StringPred = (s: string) => boolean;
type NumberPred = (q: number) => boolean;
type AnyPred = (v: LeafValue) => boolean;

interface Parts {
  strings: Set<string>;
  ips: Set<string>;
  quantized: Set<number>;
  rawNumbers: Set<number>;
  literals: Set<boolean | null>;
  stringPreds: StringPred[];
  numberPreds: NumberPred[];
  anyPreds: AnyPred[];
  existsTrue: boolean;
  existsFalse: boolean;
}

export function compileLeaf(list: readonly unknown[], path: string): Leaf {
  if (list.length === 0) fail(path, 'empty list is not allowed');
  const parts: Parts = {
    strings: new Set(),
    ips: new Set(),
    quantized: new Set(),
    rawNumbers: new Set(),
    literals: new Set(),
    stringPreds: [],
    numberPreds: [],
    anyPreds: [],
    existsTrue: false,
    existsFalse: false,
  };
  for (const item of list) {
    if (typeof item === 'string') {
      // A literal that is an IP address is matched as an address, so "2001:db8::1" equals "2001:DB8:0:0:0:0:0:1".
      const ip = parseIp(item);
      if (ip === undefined) parts.strings.add(item);
      else parts.ips.add(ipKey(ip));
    } else if (typeof item === 'number') {
      if (!Number.isFinite(item)) fail(path, 'match value must be a finite number');
      const q = quantize(item);
      if (q === undefined) parts.rawNumbers.add(item);
      else parts.quantized.add(q);
    } else if (typeof item === 'boolean' || item === null) {
      parts.literals.add(item);
    } else if (isPlainObject(item)) {
      compileOperator(item, path, parts);
    } else {
      fail(path, 'match value must be a string, number, true, false, null or an operator object');
    }
  }
  return buildLeaf(parts);
}

function buildLeaf(p: Parts): Leaf {
  const hasPositive =
    p.existsTrue ||
    p.strings.size + p.ips.size + p.quantized.size + p.rawNumbers.size + p.literals.size > 0 ||
    p.stringPreds.length + p.numberPreds.length + p.anyPreds.length > 0;
  const base = { hasPositive, allowAbsent: p.existsFalse };
  if (p.existsTrue) return { ...base, test: () => true };

  const onlyStrings =
    p.ips.size + p.quantized.size + p.rawNumbers.size + p.literals.size === 0 &&
    p.stringPreds.length + p.numberPreds.length + p.anyPreds.length === 0;
  // The overwhelmingly common shape (a list of literal strings) gets a dedicated fast predicate.
  if (onlyStrings) {
    const strings = p.strings;
    if (strings.size === 1) {
      const [only] = strings;
      return { ...base, test: (v) => v === only };
    }
    return { ...base, test: (v) => typeof v === 'string' && strings.has(v) };
  }

  const { strings, ips, quantized, rawNumbers, literals, stringPreds, numberPreds, anyPreds } = p;
  const test = (v: LeafValue): boolean => {
    if (typeof v === 'string') {
      if (strings.has(v)) return true;
      if (ips.size > 0) {
        const key = ipKeyOf(v);
        if (key !== undefined && ips.has(key)) return true;
      }
      for (const pred of stringPreds) if (pred(v)) return true;
    } else if (typeof v === 'number') {
      const q = quantize(v);
      if (q === undefined) {
        if (rawNumbers.has(v)) return true;
      } else {
        if (quantized.has(q)) return true;
        for (const pred of numberPreds) if (pred(q)) return true;
      }
    } else if (literals.has(v)) {
      return true;
    }
    for (const pred of anyPreds) if (pred(v)) return true;
    return false;
  };
  return { ...base, test };
}

// ------------------------------------------------------------------------------------- operators

function compileOperator(obj: Record<string, unknown>, path: string, parts: Parts): void {
  const keys = Object.keys(obj);
  const [op] = keys;
  if (op === undefined) fail(path, 'match expression must name an operator, got {}');
  if (keys.length > 1) fail(path, `only one key allowed in match expression, got ${keys.join(', ')}`);
  const value = obj[op];
  switch (op) {
    case 'prefix':
    case 'suffix': {
      const isPrefix = op === 'prefix';
      if (typeof value === 'string') {
        parts.stringPreds.push(isPrefix ? prefixPred(value) : suffixPred(value));
        return;
      }
      const text = ignoreCaseOperand(value, path, op);
      const fold = compileFold(text);
      parts.stringPreds.push(
        isPrefix
          ? (s) => foldForward(fold, 0, `${s}"`, 0, false)
          : (s) => foldBackward(fold, fold.length, `"${s}`, s.length + 1),
      );
      return;
    }
    case 'equals-ignore-case': {
      if (typeof value !== 'string') fail(path, 'equals-ignore-case match pattern must be a string');
      parts.stringPreds.push(equalsIgnoreCasePred(value));
      return;
    }
    case 'wildcard': {
      if (typeof value !== 'string') fail(path, 'wildcard match pattern must be a string');
      const pieces = wildcardPieces(value, path);
      parts.stringPreds.push((s) => wildcardMatches(pieces, s));
      return;
    }
    case 'anything-but':
      parts.anyPreds.push(compileAnythingBut(value, path));
      return;
    case 'numeric':
      parts.numberPreds.push(compileNumeric(value, path));
      return;
    case 'exists':
      if (typeof value !== 'boolean') fail(path, 'exists match pattern must be either true or false');
      if (value) parts.existsTrue = true;
      else parts.existsFalse = true;
      return;
    case 'cidr': {
      if (typeof value !== 'string') fail(path, 'cidr match pattern must be a string');
      const range = parseCidr(value);
      if (typeof range === 'string') fail(path, range);
      parts.stringPreds.push(cidrPred(range));
      return;
    }
    default:
      fail(path, `unrecognized match type "${op}"`);
  }
}

/** Operand of `{"prefix": {"equals-ignore-case": "..."}}` (and suffix). */
function ignoreCaseOperand(value: unknown, path: string, op: string): string {
  if (!isPlainObject(value)) fail(path, `${op} match pattern must be a string`);
  const keys = Object.keys(value);
  const [inner] = keys;
  if (inner === undefined) fail(path, `${op} expression must name an operator, got {}`);
  if (inner !== 'equals-ignore-case') fail(path, `unsupported ${op} pattern: "${inner}"`);
  if (keys.length > 1) fail(path, `only one key allowed in ${op} expression`);
  const text = value[inner];
  if (typeof text !== 'string') fail(path, 'equals-ignore-case match pattern must be a string');
  return text;
}

/*
 * Event-ruler matches prefixes against the quoted JSON text ("value"), so a prefix ending in a quote can
 * consume the closing quote: prefix `ab"` matches the string `ab`. Reproduced for fidelity.
 */
function prefixPred(prefix: string): StringPred {
  const quoteAlt = prefix.endsWith('"') ? prefix.slice(0, -1) : undefined;
  return (s) => s.startsWith(prefix) || s === quoteAlt;
}

function suffixPred(suffix: string): StringPred {
  const quoteAlt = suffix.startsWith('"') ? suffix.slice(1) : undefined;
  return (s) => s.endsWith(suffix) || s === quoteAlt;
}

function equalsIgnoreCasePred(text: string): StringPred {
  const fold = compileFold(text);
  return (s) => foldForward(fold, 0, s, 0, true);
}

function wildcardPieces(value: string, path: string): string[] {
  const pieces = parseWildcard(value);
  if (typeof pieces === 'string') fail(path, pieces);
  return pieces;
}

function cidrPred(range: CidrRange): StringPred {
  return (s) => {
    const key = ipKeyOf(s);
    return key !== undefined && key.length === range.bottom.length && key >= range.bottom && key <= range.top;
  };
}

// ---------------------------------------------------------------------------------- anything-but

/**
 * anything-but matches any present leaf value (of any JSON type) that the excluded set does not match;
 * strings never exclude numbers and vice versa, exactly like event-ruler's typed comparison.
 */
function compileAnythingBut(value: unknown, path: string): AnyPred {
  if (typeof value === 'string') return (v) => v !== value;
  if (typeof value === 'number') {
    const q = checkedQuantize(value, path);
    return (v) => typeof v !== 'number' || quantize(v) !== q;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) fail(path, 'anything-but list must not be empty');
    if (value.every((x) => typeof x === 'string')) {
      const set = new Set<unknown>(value);
      return (v) => !set.has(v);
    }
    if (value.every((x) => typeof x === 'number')) {
      const set = new Set<number | undefined>(value.map((x) => checkedQuantize(x, path)));
      return (v) => typeof v !== 'number' || !set.has(quantize(v));
    }
    fail(
      path,
      'anything-but list values must be all strings or all numbers (null, booleans and mixed types are not supported)',
    );
  }
  if (!isPlainObject(value))
    fail(path, 'value of anything-but must be a string, a number, a list or an operator object');
  const keys = Object.keys(value);
  const [op] = keys;
  if (op === undefined) fail(path, 'anything-but expression must name an operator, got {}');
  if (keys.length > 1) fail(path, 'only one key allowed in anything-but expression');
  if (!['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(op)) {
    fail(path, `unsupported anything-but pattern: "${op}"`);
  }
  const operand = value[op];
  const texts = Array.isArray(operand) ? operand : [operand];
  if (texts.length === 0) fail(path, `anything-but ${op} list must not be empty`);
  const strings: string[] = [];
  for (const t of texts) {
    if (typeof t !== 'string') fail(path, `anything-but ${op} values must be strings`);
    strings.push(t);
  }
  let excluded: StringPred[];
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (strings.some((s) => s === '')) fail(path, `anything-but ${op} must not be empty`);
      excluded = strings.map(op === 'prefix' ? prefixPred : suffixPred);
      break;
    case 'equals-ignore-case':
      excluded = strings.map(equalsIgnoreCasePred);
      break;
    case 'wildcard':
      excluded = strings.map((s) => {
        const pieces = wildcardPieces(s, path);
        return (x: string) => wildcardMatches(pieces, x);
      });
      break;
    default:
      fail(path, `unsupported anything-but pattern: "${op}"`);
  }
  return (v) => typeof v !== 'string' || !excluded.some((pred) => pred(v));
}

// --------------------------------------------------------------------------------------- numeric

function checkedQuantize(x: unknown, path: string): number {
  if (!isFiniteNumber(x)) fail(path, 'numeric value must be a number');
  const q = quantize(x);
  if (q === undefined) fail(path, `numeric value ${x} is out of range [-${NUMERIC_LIMIT}, ${NUMERIC_LIMIT}]`);
  return q;
}

function compileNumeric(value: unknown, path: string): NumberPred {
  if (!Array.isArray(value)) fail(path, 'value of numeric must be an array');
  const [op1, v1, op2, v2, ...rest] = value;
  if (typeof op1 !== 'string') fail(path, 'numeric expression must start with an operator');
  if (!['=', '<', '<=', '>', '>='].includes(op1)) fail(path, `unrecognized numeric operator "${op1}"`);
  if (value.length < 2) fail(path, `value of ${op1} must be numeric`);
  const a = checkedQuantize(v1, path);
  if (op1 === '=' || op1 === '<' || op1 === '<=') {
    if (value.length > 2) fail(path, `too many elements in numeric expression after "${op1}"`);
    if (op1 === '=') return (q) => q === a;
    return op1 === '<' ? (q) => q < a : (q) => q <= a;
  }
  if (value.length === 2) return op1 === '>' ? (q) => q > a : (q) => q >= a;
  if (op2 !== '<' && op2 !== '<=')
    fail(path, `bad numeric range operator "${String(op2)}" (expected "<" or "<=")`);
  if (value.length < 4) fail(path, `value of ${op2} must be numeric`);
  if (rest.length > 0) fail(path, 'too many terms in numeric range expression');
  const b = checkedQuantize(v2, path);
  if (!(a < b)) fail(path, 'numeric range bottom must be less than top');
  const lowOpen = op1 === '>';
  const highOpen = op2 === '<';
  return (q) => (lowOpen ? q > a : q >= a) && (highOpen ? q < b : q <= b);
}
