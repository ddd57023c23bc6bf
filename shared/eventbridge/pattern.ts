/**
 * EventBridge event-pattern engine: compile a pattern once, match many events.
 *
 * Semantics follow Amazon EventBridge and its open-source matcher aws/event-ruler (rulesForJSONEvent,
 * i.e. array-consistent matching). Implementation is split over:
 *   pattern-compile.ts  pattern structure, `$or` expansion, dotted paths
 *   pattern-leaf.ts     matcher lists and operators (validation + predicates)
 *   pattern-values.ts   number quantisation, IP/CIDR, wildcard, case folding
 *   pattern-match.ts    the array-consistent evaluator
 *
 * Known differences from EventBridge
 * ----------------------------------
 * 1. Numbers outside the numeric range (±5.0e9) are compared by value. Event-ruler compares such numbers by
 *    their JSON text, which a parsed JS value no longer has (pattern [1e10] vs event 10000000000 match here).
 * 2. Event-ruler evaluates `exists: false` at the point its sorted field order reaches it, against the array
 *    elements chosen by earlier fields. That is reproduced, but its dedup/short-cut internals are not, so
 *    exotic combinations of `exists: false` with several fields inside the same event array may differ.
 * 3. `cidr` (and literal IP strings) only match string values that parse as an address of the same family.
 *    Event-ruler compares hex-encoded bytes as a range, so in corner cases it also matches numbers, or an
 *    IPv4 value against an IPv6 range, and it skips address conversion altogether when the same field
 *    also has a numeric matcher. Leading-zero IPv4 octets ("010.0.0.1") are not addresses here (current JDKs
 *    reject them as ambiguous). The `/32` (IPv4) and `/128` (IPv6) masks are rejected, as event-ruler does.
 * 4. equals-ignore-case folds per UTF-16 unit like event-ruler; astral characters (surrogate pairs) match
 *    themselves here, whereas event-ruler's UTF-8 encoding of lone surrogates makes them never match.
 * 5. anything-but accepts lists for prefix/suffix/wildcard/equals-ignore-case (current event-ruler); an
 *    empty anything-but list is rejected here even where event-ruler would accept it.
 * 6. Events containing cycles or arrays nested deeper than the JS stack allows return false instead of
 *    raising; EventBridge rejects such payloads before matching.
 * 7. The numeric limits are event-ruler's documented ones (−5.0e9..5.0e9, six decimals). Older EventBridge
 *    documentation states ±1.0e9; newer EventBridge releases may accept a wider range.
 * 8. Event-ruler reads an event only through object keys that are steps of some field name in its machine
 *    (GenericMachine.isFieldStepUsed), which is why an empty name nested last (`{"detail": {"": {"": …}}}`)
 *    never matches the event of the same shape (pattern-compile.ts). Here the steps are the pattern's own,
 *    as when one pattern is tested alone (TestEventPattern); a machine holding several rules may read more.
 */
import { type Branch, compileBranches } from './pattern-compile.ts';
import { fail, isPlainObject, PatternError } from './pattern-leaf.ts';
import { matchBranches } from './pattern-match.ts';

export { PatternError };

export interface CompiledPattern {
  readonly source: unknown;
}

class Compiled implements CompiledPattern {
  constructor(
    readonly source: unknown,
    readonly branches: readonly Branch[],
  ) {}
}

/** Compiles (and validates) a pattern given as an object or a JSON string. Throws PatternError. */
export function compilePattern(pattern: unknown): CompiledPattern {
  return compileInternal(pattern);
}

function compileInternal(pattern: unknown): Compiled {
  let source = pattern;
  if (typeof pattern === 'string') {
    try {
      source = JSON.parse(pattern);
    } catch (err) {
      throw new PatternError(
        `(root): pattern is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  if (!isPlainObject(source)) fail('', 'pattern must be a JSON object');
  return new Compiled(source, compileBranches(source));
}

/**
 * True when the event matches. Accepts a CompiledPattern or anything compilePattern accepts (compiling it
 * on every call, so callers matching many events should compile once). Never throws for any event value.
 */
export function matchPattern(pattern: CompiledPattern | unknown, event: unknown): boolean {
  const compiled = pattern instanceof Compiled ? pattern : compileInternal(pattern);
  return matchBranches(compiled.branches, event);
}
