/**
 * The cheap first look at a record: which patterns it could match, from its source and event name.
 */
import { isRecord } from '../detect/values.ts';
import { type CompiledPattern, compilePattern } from '../eventbridge/pattern.ts';

/**
 * The names a pattern's `detail.eventName` admits, when it is a plain list of strings: a string
 * value matches such a list only by equality (EventBridge compares leaves exactly).
 */
function eventNames(pattern: Record<string, unknown>): Set<string> | undefined {
  const detail = pattern.detail;
  if (!isRecord(detail)) return undefined;
  const names = detail.eventName;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string'))
    return undefined;
  return new Set(names);
}

/** A pattern, with a quick test on the event's detail that is false only when the pattern cannot match. */
export interface Candidate {
  compiled: CompiledPattern;
  mayMatch: (detail: unknown) => boolean;
  /** The detail's paths mayMatch reads; undefined when it reads none (it admits every record). */
  reads?: string[][];
}

type LeafTest = (value: string) => boolean;

/**
 * A leaf list of strings, prefixes and suffixes (and, with `butPrefix`, anything-but prefixes) as a
 * test on a string value; undefined for any other list (equals-ignore-case, wildcard, exists…), which
 * is left to the full match.
 */
function leafTest(leaves: unknown, opts: { butPrefix?: boolean } = {}): LeafTest | undefined {
  if (!Array.isArray(leaves) || leaves.length === 0) return undefined;
  const tests: LeafTest[] = [];
  for (const leaf of leaves) {
    if (typeof leaf === 'string') {
      tests.push((v) => v === leaf);
      continue;
    }
    const op = isRecord(leaf) && Object.keys(leaf).length === 1 ? leaf : undefined;
    const but = opts.butPrefix && isRecord(op?.['anything-but']) ? op['anything-but'] : undefined;
    const butPrefix = but && Object.keys(but).length === 1 ? but.prefix : undefined;
    if (typeof op?.prefix === 'string') {
      const prefix = op.prefix;
      tests.push((v) => v.startsWith(prefix));
    } else if (typeof op?.suffix === 'string') {
      const suffix = op.suffix;
      tests.push((v) => v.endsWith(suffix));
    } else if (typeof butPrefix === 'string') tests.push((v) => !v.startsWith(butPrefix));
    else return undefined;
  }
  return (v) => tests.some((t) => t(v));
}

/** A quick test on a value, and the paths (from that value) it reads. */
interface ReadingTest {
  test: (value: unknown) => boolean;
  reads: string[][];
}

/**
 * The conditions a pattern's `detail` puts on plain fields, `$or` included, as one test. Exact where
 * it says no: a leaf list of strings, prefixes and suffixes matches only a string it admits (or an
 * array holding one), never a missing field, and an `$or` needs one branch that can match; anything
 * else it cannot judge (an array, a number, null, other operators) is left to the full match.
 *
 * It also says which paths of the detail it reads: the byte reader (shared/backtest/skim.ts) runs
 * the test on a record it has not parsed only when it has read every one of them. A path read as a
 * container ([key, child]) reads the container's kind too (object, other, missing).
 */
function detailTest(node: unknown): ReadingTest | undefined {
  if (!isRecord(node)) return undefined;
  const parts: Array<(value: Record<string, unknown>) => boolean> = [];
  const reads: string[][] = [];
  for (const [key, spec] of Object.entries(node)) {
    // Dotted names are matched another way by the engine: left to it.
    if (key.includes('.')) continue;
    if (key === '$or') {
      if (!Array.isArray(spec)) continue;
      const branches = spec.map(detailTest);
      // A branch with nothing to check admits everything, and so does the $or.
      if (branches.length === 0 || branches.some((b) => b === undefined)) continue;
      const tests = (branches as ReadingTest[]).map((b) => b.test);
      parts.push((v) => tests.some((t) => t(v)));
      for (const b of branches as ReadingTest[]) reads.push(...b.reads);
    } else if (isRecord(spec)) {
      const sub = detailTest(spec);
      if (!sub) continue;
      const test = sub.test;
      parts.push((v) => test(v[key]));
      for (const path of sub.reads) reads.push([key, ...path]);
    } else {
      const leaf = leafTest(spec);
      if (!leaf) continue;
      parts.push((v) => {
        const x = v[key];
        return x !== undefined && (typeof x !== 'string' || leaf(x));
      });
      reads.push([key]);
    }
  }
  if (parts.length === 0) return undefined;
  // Every part needs its field: a missing one fails; a value that is not an object is not judged here.
  return {
    test: (value) => (isRecord(value) ? parts.every((part) => part(value)) : value !== undefined),
    reads,
  };
}

const always = () => true;

/**
 * The patterns an event could match, judged from its `source` and `detail.eventName` only. Most of
 * a trail comes from a few sources and names, so each distinct pair is judged once against every
 * pattern, and an event is then tried only against the patterns that admit both (the rest cannot
 * match). Exported for the test that checks it never drops a pattern the full match would take.
 */
/** Candidates by source and event name; `all` is every pattern's, in the order given. */
export type CandidateLookup = ((source: unknown, eventName: unknown) => Candidate[]) & { all: Candidate[] };

export function patternsFor(patterns: unknown[]): CandidateLookup {
  const all = patterns.map((pattern) => {
    const p = isRecord(pattern) ? pattern : undefined;
    const quick = detailTest(p?.detail);
    const candidate: Candidate = { compiled: compilePattern(pattern), mayMatch: quick?.test ?? always };
    if (quick) candidate.reads = quick.reads;
    return {
      candidate,
      // EventBridge always sets a string source, so an anything-but prefix can be judged on it.
      source: leafTest(p?.source, { butPrefix: true }),
      names: p ? eventNames(p) : undefined,
    };
  });
  // An event whose source is not a string (hand-made: EventBridge always sets one) is tried against
  // every pattern: `exists: false`, numbers and arrays are for the full match to judge.
  const anySource = all.map((p) => p.candidate);
  /** source → eventName → the patterns that admit both; `any` for a record whose name is not a string. */
  const bySource = new Map<string, { any?: Candidate[]; byName: Map<string, Candidate[]> }>();
  let pairs = 0;
  const select = (source: string, name: string | undefined) =>
    all
      .filter(
        (p) =>
          (p.source === undefined || p.source(source)) &&
          (p.names === undefined || name === undefined || p.names.has(name)),
      )
      .map((p) => p.candidate);
  const lookup = (source: unknown, eventName: unknown): Candidate[] => {
    if (typeof source !== 'string') return anySource;
    let entry = bySource.get(source);
    if (!entry) {
      entry = { byName: new Map() };
      // Bounded: sources and names are AWS's, a few thousand pairs; a hostile file cannot grow it past this.
      if (pairs < 20_000) {
        bySource.set(source, entry);
        pairs++;
      }
    }
    if (typeof eventName !== 'string') {
      entry.any ??= select(source, undefined);
      return entry.any;
    }
    let found = entry.byName.get(eventName);
    if (!found) {
      found = select(source, eventName);
      if (pairs < 20_000) {
        entry.byName.set(eventName, found);
        pairs++;
      }
    }
    return found;
  };
  return Object.assign(lookup, { all: anySource });
}
