/**
 * Turns a pattern object into branches (one per `$or` alternative, like event-ruler's sub-rules), each a
 * list of field constraints sorted by dotted path. Sorting matters: event-ruler evaluates fields in that
 * order, which decides how `exists: false` interacts with array elements chosen by earlier fields.
 */
import { compileLeaf, fail, isPlainObject, type Leaf } from './pattern-leaf.ts';

export interface Constraint {
  readonly path: string;
  readonly leaf: Leaf;
  /** Number of dot-separated segments in `path`. */
  readonly depth: number;
  /** keys[s][e] is the event key made of segments s..e joined by dots (events may use dotted keys too). */
  readonly keys: readonly (readonly string[])[];
  /** Same shape as keys: true when the key also names an Object.prototype member and needs an own-check. */
  readonly inherited: readonly (readonly boolean[])[];
  /** Same shape as keys: false when event-ruler would not read the event through that key (see `readable`). */
  readonly readable: readonly (readonly boolean[])[];
}

export type Branch = readonly Constraint[];

/** Field names event-ruler reserves inside `$or` (operators and comparison keywords). */
const RESERVED_IN_OR = new Set([
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
]);

type Draft = Map<string, Leaf>;

export function compileBranches(pattern: Record<string, unknown>): Branch[] {
  const drafts = compileObject(pattern, [], [new Map()], false);
  const used = new Set<string>();
  for (const draft of drafts) {
    for (const path of draft.keys()) for (const step of javaSplitDots(path)) used.add(step);
  }
  return drafts.map((d) => finishBranch(d, used));
}

/**
 * A field's name as event-ruler spells it (Path.extendedName): the names of the enclosing objects
 * joined by dots, then the field's own name, with no dot when the enclosing part is empty. So one
 * empty name at the top vanishes (`{"": {"a": …}}` is field `a`) while two do not (`{"": {"": {"a": …}}}`
 * is `..a`); an event's fields are spelled with every dot (Path.name), so such patterns only meet
 * events with dotted keys. https://github.com/aws/event-ruler/blob/main/src/main/software/amazon/event/ruler/Path.java
 */
function fieldName(enclosing: readonly string[], key: string): string {
  const base = enclosing.join('.');
  return base === '' ? key : `${base}.${key}`;
}

/**
 * Java's String.split on "\\.": trailing empty strings are dropped ("detail.." → ["detail"], "." → []),
 * except that splitting "" gives [""]. Event-ruler records the steps of each field name this way.
 */
function javaSplitDots(name: string): string[] {
  if (name === '') return [''];
  const parts = name.split('.');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * Whether event-ruler reads an event through an object key at all (GenericMachine.isFieldStepUsed): only
 * if the key is a step of some field name of the pattern, or contains dots and each of its steps is.
 * Because trailing empty steps are dropped, an empty key nested last (`{"detail": {"": {"": …}}}`, field
 * `detail..`) is never a step: such a pattern does not match the event of the same shape, only the
 * dotted spellings (`{"detail..": …}`, `{"detail": {".": …}}`), and `exists: false` there always holds.
 * https://github.com/aws/event-ruler/blob/main/src/main/software/amazon/event/ruler/GenericMachine.java
 */
function readable(key: string, used: ReadonlySet<string>): boolean {
  return used.has(key) || (key.includes('.') && javaSplitDots(key).every((step) => used.has(step)));
}

function compileObject(
  obj: Record<string, unknown>,
  enclosing: readonly string[],
  drafts: Draft[],
  inOr: boolean,
): Draft[] {
  const prefix = enclosing.join('.');
  const keys = Object.keys(obj);
  if (keys.length === 0) fail(prefix, 'empty object is not allowed');
  let current = drafts;
  for (const key of keys) {
    const value = obj[key];
    if (key === '$or') {
      current = compileOr(value, enclosing, current);
      continue;
    }
    const path = fieldName(enclosing, key);
    if (inOr && RESERVED_IN_OR.has(key))
      fail(path, `"${key}" is a reserved name and cannot be a field inside $or`);
    if (Array.isArray(value)) {
      const leaf = compileLeaf(value, path);
      // Repeated paths (e.g. "a.b" next to {"a": {"b": …}}) keep the last definition, like duplicate keys.
      for (const draft of current) draft.set(path, leaf);
    } else if (isPlainObject(value)) {
      current = compileObject(value, [...enclosing, key], current, inOr);
    } else {
      fail(path, 'value must be an object or an array of matchers');
    }
  }
  return current;
}

function compileOr(value: unknown, enclosing: readonly string[], drafts: Draft[]): Draft[] {
  const path = fieldName(enclosing, '$or');
  if (!Array.isArray(value)) fail(path, '$or must be an array of at least two objects');
  if (value.length < 2) fail(path, '$or must contain at least two objects');
  const out: Draft[] = [];
  for (const alternative of value) {
    if (!isPlainObject(alternative)) fail(path, 'only objects are allowed in a $or array');
    const copies = drafts.map((d) => new Map(d));
    out.push(...compileObject(alternative, enclosing, copies, true));
  }
  return out;
}

function finishBranch(draft: Draft, used: ReadonlySet<string>): Branch {
  const paths = [...draft.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return paths.map((path) => {
    const leaf = draft.get(path);
    if (leaf === undefined) throw new Error('unreachable: path without leaf');
    const segs = path.split('.');
    const keys = segs.map((_, s) => segs.slice(s).map((__, k) => segs.slice(s, s + k + 1).join('.')));
    const inherited = keys.map((row) => row.map((key) => key in Object.prototype));
    const reads = keys.map((row) => row.map((key) => readable(key, used)));
    return { path, leaf, depth: segs.length, keys, inherited, readable: reads };
  });
}
