/**
 * The cheap first look at a record: which patterns it could match, from its source and event name.
 */
import { isRecord } from '../detect/values.ts';
import { type CompiledPattern, compilePattern } from '../eventbridge/pattern.ts';

/** What a pattern's leaf list admits, when it is a list of strings, prefixes or anything-but prefixes. */
type StringTest = (value: string) => boolean;

function sourceTest(source: unknown): StringTest | undefined {
  if (!Array.isArray(source) || source.length === 0) return undefined;
  const tests: StringTest[] = [];
  for (const leaf of source) {
    if (typeof leaf === 'string') {
      tests.push((s) => s === leaf);
      continue;
    }
    const op = isRecord(leaf) && Object.keys(leaf).length === 1 ? leaf : undefined;
    const prefix = op?.prefix;
    const but = isRecord(op?.['anything-but']) ? op['anything-but'] : undefined;
    const butPrefix = but && Object.keys(but).length === 1 ? but.prefix : undefined;
    if (typeof prefix === 'string') tests.push((s) => s.startsWith(prefix));
    else if (typeof butPrefix === 'string') tests.push((s) => !s.startsWith(butPrefix));
    // Anything else (equals-ignore-case, wildcard, exists…): try the pattern on every event.
    else return undefined;
  }
  return (s) => tests.some((t) => t(s));
}

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

/**
 * The patterns an event could match, judged from its `source` and `detail.eventName` only. Most of
 * a trail comes from a few sources and names, so each distinct pair is judged once against every
 * pattern, and an event is then tried only against the patterns that admit both (the rest cannot
 * match). Exported for the test that checks it never drops a pattern the full match would take.
 */
export function patternsFor(patterns: unknown[]): (source: unknown, eventName: unknown) => CompiledPattern[] {
  const all = patterns.map((pattern) => {
    const p = isRecord(pattern) ? pattern : undefined;
    return {
      compiled: compilePattern(pattern),
      source: sourceTest(p?.source),
      names: p ? eventNames(p) : undefined,
      // A pattern that names a source cannot match an event without one.
      namesSource: p !== undefined && p.source !== undefined,
    };
  });
  const noSource = all.filter((p) => !p.namesSource).map((p) => p.compiled);
  /** source → eventName → the patterns that admit both; `any` for a record whose name is not a string. */
  const bySource = new Map<string, { any?: CompiledPattern[]; byName: Map<string, CompiledPattern[]> }>();
  let pairs = 0;
  const select = (source: string, name: string | undefined) =>
    all
      .filter(
        (p) =>
          (p.source === undefined || p.source(source)) &&
          (p.names === undefined || name === undefined || p.names.has(name)),
      )
      .map((p) => p.compiled);
  return (source, eventName) => {
    if (typeof source !== 'string') return noSource;
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
}
