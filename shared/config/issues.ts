import type * as z from 'zod';
import { globalRegistry } from 'zod/v4/core';
import { SEVERITIES } from '../events/alert.ts';
import { nearestKey } from './near.ts';

export { nearestKey } from './near.ts';

/**
 * zod's own messages are written for programmers ("Invalid input", "Too big: expected number to be
 * <=900", "Unrecognized key"). A configuration's reader gets words instead: what was expected, what
 * was found, and for a misspelt key the nearest one the section knows.
 */

type Path = ReadonlyArray<PropertyKey>;

export interface Problem {
  path: PropertyKey[];
  message: string;
  /** Report at the key itself (an unknown key), not at its value. */
  atKey?: boolean;
}

/** zod's default wording; a message the schema wrote itself is kept as it is. */
const ZOD_DEFAULT =
  /^(Invalid input|Invalid option|Invalid key|Invalid element|Invalid string|Too small|Too big|Unrecognized key)/;

/** Named sets of values, so "crit" reads "is not a severity (…)" rather than "is not one of …". */
const VALUE_SETS: Array<{ values: readonly string[]; what: string }> = [
  { values: SEVERITIES, what: 'a severity' },
  { values: ['cloudtrail', 'alarm', 'generic'], what: 'a source' },
  { values: ['firing', 'resolved'], what: 'a status' },
];

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/** What was written, in the reader's words; strings are shown only when short and plain (never a pasted secret). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return shownString(value) ?? 'a string';
  return typeof value;
}

/** A short, plain string quoted; undefined for anything that could be a URL, key or token. */
function shownString(value: string): string | undefined {
  return value.length <= 24 && /^[A-Za-z0-9_.*<>=\- ]*$/.test(value) ? JSON.stringify(value) : undefined;
}

interface Def {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  getter?: () => unknown;
  element?: unknown;
  valueType?: unknown;
  options?: unknown[];
}

function defOf(schema: unknown): Def | undefined {
  const zod = (schema as { _zod?: { def?: Def } } | undefined)?._zod;
  return zod?.def;
}

/** The schemas an object at `path` may be checked against: optional, default, pipes and lazies unwrapped. */
function schemasAt(schema: unknown, path: Path): unknown[] {
  const def = defOf(schema);
  if (def === undefined) return [];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return schemasAt(def.innerType, path);
    case 'pipe':
      return schemasAt(def.in, path);
    case 'lazy':
      return def.getter ? schemasAt(def.getter(), path) : [];
    case 'union':
      return (def.options ?? []).flatMap((option) => schemasAt(option, path));
  }
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  if (def.type === 'object' && typeof head === 'string' && def.shape && head in def.shape)
    return schemasAt(def.shape[head], rest);
  if (def.type === 'array' && typeof head === 'number') return schemasAt(def.element, rest);
  if (def.type === 'record') return schemasAt(def.valueType, rest);
  return [];
}

/**
 * The union's own explanation (its `error` option) of an input that mixes its options, e.g. a Slack
 * receiver in both modes, when the section at `path` is such a union.
 */
function unionMessageAt(schema: unknown, path: Path, input: unknown): string | undefined {
  const def = defOf(schema) as (Def & { error?: unknown }) | undefined;
  if (def === undefined) return undefined;
  if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'].includes(def.type))
    return unionMessageAt(def.innerType, path, input);
  if (def.type === 'pipe') return unionMessageAt(def.in, path, input);
  if (def.type === 'lazy') return def.getter ? unionMessageAt(def.getter(), path, input) : undefined;
  if (def.type === 'union' && path.length === 0) {
    if (typeof def.error !== 'function') return undefined;
    const message: unknown = def.error({ code: 'invalid_union', input, errors: [], path: [] });
    return typeof message === 'string' ? message : undefined;
  }
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const message = unionMessageAt(option, path, input);
      if (message !== undefined) return message;
    }
    return undefined;
  }
  const [head, ...rest] = path;
  if (def.type === 'object' && typeof head === 'string' && def.shape && head in def.shape)
    return unionMessageAt(def.shape[head], rest, input);
  if (def.type === 'array' && typeof head === 'number') return unionMessageAt(def.element, rest, input);
  if (def.type === 'record') return unionMessageAt(def.valueType, rest, input);
  return undefined;
}

/**
 * What the value at `path` is for, from the schema's own description (`z.describe`), so a missing
 * setting reads "missing: the Slack channel ID …" instead of "expected a string".
 */
function descriptionAt(root: unknown, path: Path): string | undefined {
  const key = path.at(-1);
  if (typeof key !== 'string') return undefined;
  for (const parent of schemasAt(root, path.slice(0, -1))) {
    const about = describedIn(defOf(parent)?.shape?.[key]);
    if (about !== undefined) return about;
  }
  return undefined;
}

/** The description of a schema or of what it wraps (optional, default, pipe…). */
function describedIn(schema: unknown): string | undefined {
  const def = defOf(schema);
  if (def === undefined) return undefined;
  const meta = globalRegistry.get(schema as z.core.$ZodType);
  if (typeof meta?.description === 'string') return meta.description;
  if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'].includes(def.type))
    return describedIn(def.innerType);
  if (def.type === 'pipe') return describedIn(def.in);
  return undefined;
}

/** The keys an object schema declares, when `schema` is one. */
function shapeKeys(schema: unknown): string[] | undefined {
  const def = defOf(schema);
  if (def === undefined) return undefined;
  if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'].includes(def.type))
    return shapeKeys(def.innerType);
  if (def.type === 'pipe') return shapeKeys(def.in);
  if (def.type === 'lazy') return def.getter ? shapeKeys(def.getter()) : undefined;
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
}

/**
 * The option of the union at `path` the input was meant for: the one object option that knows more
 * of the input's keys than any other (a Slack receiver with botTokenParameter is the app mode, even
 * with its channel missing). Undefined when options tie, e.g. none of the keys is known.
 */
function meantOption(root: unknown, path: Path, input: unknown): number | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const keys = Object.keys(input);
  let best: { index: number; known: number; tie: boolean } | undefined;
  for (const [index, option] of optionsAt(root, path).entries()) {
    const shape = shapeKeys(option);
    if (shape === undefined) return undefined;
    const known = keys.filter((k) => shape.includes(k)).length;
    if (best === undefined || known > best.known) best = { index, known, tie: false };
    else if (known === best.known) best.tie = true;
  }
  return best && !best.tie && best.known > 0 ? best.index : undefined;
}

/** The options of the union at `path`, wrappers unwrapped; empty when it is not a union. */
function optionsAt(schema: unknown, path: Path): unknown[] {
  const def = defOf(schema);
  if (def === undefined) return [];
  if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'].includes(def.type))
    return optionsAt(def.innerType, path);
  if (def.type === 'pipe') return optionsAt(def.in, path);
  if (def.type === 'lazy') return def.getter ? optionsAt(def.getter(), path) : [];
  if (def.type === 'union' && path.length === 0) return def.options ?? [];
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const found = optionsAt(option, path);
      if (found.length > 0) return found;
    }
    return [];
  }
  const [head, ...rest] = path;
  if (def.type === 'object' && typeof head === 'string' && def.shape && head in def.shape)
    return optionsAt(def.shape[head], rest);
  if (def.type === 'array' && typeof head === 'number') return optionsAt(def.element, rest);
  if (def.type === 'record') return optionsAt(def.valueType, rest);
  return [];
}

/** Every key the object at `path` may have, across the union options it may be checked against. */
export function knownKeysAt(root: unknown, path: Path): string[] {
  const keys = new Set<string>();
  for (const schema of schemasAt(root, path)) {
    const shape = defOf(schema)?.shape;
    if (shape) for (const key of Object.keys(shape)) keys.add(key);
  }
  return [...keys];
}

function valueAt(value: unknown, path: Path): unknown {
  let at = value;
  for (const p of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = Reflect.get(at, p);
  }
  return at;
}

/** "a string", "a list", or for a union "a string or a list". */
function expectedOf(issues: readonly z.core.$ZodIssue[]): string | undefined {
  const root = issues.find((i) => i.path.length === 0);
  if (root === undefined) return undefined;
  if (root.code === 'invalid_type') return TYPE_WORDS[root.expected] ?? `a ${root.expected}`;
  if (root.code === 'invalid_value') return oneOf(root.values.map(String));
  return undefined;
}

function oneOf(values: readonly string[]): string {
  const set = VALUE_SETS.find(
    (s) => s.values.length === values.length && values.every((v) => s.values.includes(v)),
  );
  if (set) return `${set.what} (${values.join(', ')})`;
  return values.length === 1 ? JSON.stringify(values[0]) : `one of ${values.join(', ')}`;
}

/** An issue of a union branch that says the input is not that branch's kind of thing at all. */
function shapeMismatch(issue: z.core.$ZodIssue, input: unknown): boolean {
  // A key this option does not know may be a typo; the option can still be the one meant.
  if (issue.path.length === 0) return issue.code !== 'custom' && issue.code !== 'unrecognized_keys';
  // A key the branch requires is missing: the input is another branch's object.
  return issue.path.length === 1 && valueAt(input, issue.path) === undefined;
}

function sizeMessage(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall, value: unknown): string {
  const small = issue.code === 'too_small';
  const bound = Number(
    small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum,
  );
  const exclusive = issue.inclusive === false;
  if (issue.origin === 'array' || issue.origin === 'set') {
    if (small && bound === 1) return 'must not be an empty list';
    return `must list ${small ? 'at least' : 'at most'} ${exclusive ? bound + (small ? 1 : -1) : bound} items`;
  }
  if (issue.origin === 'string') {
    if (small && bound === 1) return 'must not be empty';
    return `must be ${small ? 'at least' : 'at most'} ${bound} characters long`;
  }
  const relation = small ? (exclusive ? 'greater than' : 'at least') : exclusive ? 'less than' : 'at most';
  return `must be ${relation} ${bound}; got ${describeValue(value)}`;
}

/**
 * The problems one zod issue stands for, each with the path it belongs to. A union none of whose
 * options fit is explained by the option the input was meant for (a receiver naming slack: slack's
 * own problems, at their own keys), else by what the options expect, in words.
 */
export function explainIssue(
  issue: z.core.$ZodIssue,
  root: unknown,
  value: unknown,
  prefix: PropertyKey[] = [],
): Problem[] {
  const path = [...prefix, ...issue.path];
  const input = valueAt(value, path);
  if (input === undefined && ['invalid_type', 'invalid_value', 'invalid_union'].includes(issue.code)) {
    const about = descriptionAt(root, path);
    if (about !== undefined) return [{ path, message: `missing: ${about}` }];
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(root, path);
      // A key another option of the section knows (the other Slack mode) is no typo: the section's
      // own message says which it must choose.
      if (issue.keys.some((key) => known.includes(key))) {
        const message = unionMessageAt(root, path, input);
        if (message !== undefined) return [{ path, message }];
      }
      return issue.keys.map((key) => {
        const near = nearestKey(key, known);
        return {
          path: [...path, key],
          atKey: true,
          message: near
            ? `unknown key "${key}"; did you mean "${near}"?`
            : `unknown key "${key}"; expected one of ${known.join(', ')}`,
        };
      });
    }
    case 'invalid_union': {
      // A key another option knows (a second channel, the other Slack mode) is no typo: the input
      // mixes options, and the union's own message says which it must choose.
      const known = knownKeysAt(root, path);
      const mixes = (inner: z.core.$ZodIssue) =>
        inner.path.length === 0 &&
        inner.code === 'unrecognized_keys' &&
        inner.keys.some((k) => known.includes(k));
      const fitting = issue.errors.filter(
        (branch) => branch.length > 0 && !branch.some((inner) => shapeMismatch(inner, input) || mixes(inner)),
      );
      const [only] = fitting;
      if (fitting.length === 1 && only !== undefined)
        return only.flatMap((inner) => explainIssue(inner, root, value, path));
      // No option fits, but the input's keys say which one it was meant for: that option's problems.
      const meant = meantOption(root, path, input);
      const branch = meant === undefined ? undefined : issue.errors[meant];
      if (branch !== undefined && branch.length > 0 && !branch.some(mixes))
        return branch.flatMap((inner) => explainIssue(inner, root, value, path));
      if (!ZOD_DEFAULT.test(issue.message)) return [{ path, message: issue.message }];
      const expected = issue.errors.map(expectedOf);
      if (expected.every((e) => e !== undefined))
        return [
          { path, message: `expected ${[...new Set(expected)].join(' or ')}; got ${describeValue(input)}` },
        ];
      // Options of the same kind that each fail for their own reasons: the first one's problems.
      const [first] = issue.errors;
      return (first ?? []).flatMap((inner) => explainIssue(inner, root, value, path));
    }
    case 'invalid_type': {
      const expected = TYPE_WORDS[issue.expected] ?? `a ${issue.expected}`;
      if (input === undefined) return [{ path, message: `missing: expected ${expected}` }];
      return [{ path, message: `expected ${expected}; got ${describeValue(input)}` }];
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      if (input === undefined) return [{ path, message: `missing: expected ${oneOf(values)}` }];
      return [{ path, message: `${describeValue(input)} is not ${oneOf(values)}` }];
    }
    case 'too_big':
    case 'too_small':
      return [{ path, message: ZOD_DEFAULT.test(issue.message) ? sizeMessage(issue, input) : issue.message }];
    case 'invalid_key':
      return issue.issues.flatMap((inner) =>
        ZOD_DEFAULT.test(inner.message)
          ? explainIssue(inner, root, value, path)
          : [{ path, message: inner.message }],
      );
    case 'invalid_element':
      return issue.issues.flatMap((inner) => explainIssue(inner, root, value, path));
    case 'not_multiple_of':
      return [{ path, message: `must be a multiple of ${issue.divisor}; got ${describeValue(input)}` }];
    case 'invalid_format':
      return [
        {
          path,
          message: ZOD_DEFAULT.test(issue.message)
            ? `not a valid ${issue.format}: ${describeValue(input)}`
            : issue.message,
        },
      ];
    default:
      return [{ path, message: issue.message }];
  }
}
