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
  const drafts = compileObject(pattern, '', [new Map()], false);
  return drafts.map(finishBranch);
}

function compileObject(
  obj: Record<string, unknown>,
  prefix: string,
  drafts: Draft[],
  inOr: boolean,
): Draft[] {
  const keys = Object.keys(obj);
  if (keys.length === 0) fail(prefix, 'empty object is not allowed');
  let current = drafts;
  for (const key of keys) {
    const value = obj[key];
    if (key === '$or') {
      current = compileOr(value, prefix, current);
      continue;
    }
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (inOr && RESERVED_IN_OR.has(key))
      fail(path, `"${key}" is a reserved name and cannot be a field inside $or`);
    if (Array.isArray(value)) {
      const leaf = compileLeaf(value, path);
      // Repeated paths (e.g. "a.b" next to {"a": {"b": …}}) keep the last definition, like duplicate keys.
      for (const draft of current) draft.set(path, leaf);
    } else if (isPlainObject(value)) {
      current = compileObject(value, path, current, inOr);
    } else {
      fail(path, 'value must be an object or an array of matchers');
    }
  }
  return current;
}

function compileOr(value: unknown, prefix: string, drafts: Draft[]): Draft[] {
  const path = prefix === '' ? '$or' : `${prefix}.$or`;
  if (!Array.isArray(value)) fail(path, '$or must be an array of at least two objects');
  if (value.length < 2) fail(path, '$or must contain at least two objects');
  const out: Draft[] = [];
  for (const alternative of value) {
    if (!isPlainObject(alternative)) fail(path, 'only objects are allowed in a $or array');
    const copies = drafts.map((d) => new Map(d));
    out.push(...compileObject(alternative, prefix, copies, true));
  }
  return out;
}

function finishBranch(draft: Draft): Branch {
  const paths = [...draft.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return paths.map((path) => {
    const leaf = draft.get(path);
    if (leaf === undefined) throw new Error('unreachable: path without leaf');
    const segs = path.split('.');
    const keys = segs.map((_, s) => segs.slice(s).map((__, k) => segs.slice(s, s + k + 1).join('.')));
    const inherited = keys.map((row) => row.map((key) => key in Object.prototype));
    return { path, leaf, depth: segs.length, keys, inherited };
  });
}
