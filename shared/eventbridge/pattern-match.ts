/**
 * Evaluates compiled branches against an event without flattening it: each constraint walks only the path
 * it names. Array consistency (event-ruler's rulesForJSONEvent) is enforced by remembering which element of
 * each event array an earlier constraint went through; later constraints reaching the same array may only
 * use that element. Search is depth-first with backtracking over array elements, in sorted-path order.
 */
import type { Branch, Constraint } from './pattern-compile.ts';
import type { LeafValue } from './pattern-leaf.ts';

// Module-level stacks instead of per-call allocations: matching is synchronous, and the entry point
// restores the stack height, so re-entrant or throwing calls cannot leak bindings.
const boundArrays: unknown[] = [];
const boundIndex: number[] = [];

export function matchBranches(branches: readonly Branch[], event: unknown): boolean {
  const base = boundArrays.length;
  try {
    for (const branch of branches) {
      if (matchFrom(branch, 0, event)) return true;
    }
    return false;
  } catch {
    // Only pathological inputs get here (cyclic or absurdly deep arrays, throwing getters).
    return false;
  } finally {
    boundArrays.length = base;
    boundIndex.length = base;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isLeafValue(v: unknown): v is LeafValue {
  return (
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    v === null ||
    (typeof v === 'number' && Number.isFinite(v))
  );
}

function boundAt(arr: readonly unknown[]): number {
  for (let i = boundArrays.length - 1; i >= 0; i--) {
    if (boundArrays[i] === arr) return boundIndex[i] ?? -1;
  }
  return -1;
}

function matchFrom(branch: Branch, i: number, root: unknown): boolean {
  const c = branch[i];
  if (c === undefined) return true;
  if (c.leaf.hasPositive && walk(root, 0, c, branch, i, root)) return true;
  return c.leaf.allowAbsent && !present(root, 0, c) && matchFrom(branch, i + 1, root);
}

/** Looks up segments s.. of constraint c under `node`; on every matching leaf, continues with constraint i+1. */
function walk(node: unknown, s: number, c: Constraint, branch: Branch, i: number, root: unknown): boolean {
  if (Array.isArray(node)) {
    const bound = boundAt(node);
    if (bound >= 0) return walk(node[bound], s, c, branch, i, root);
    for (let k = 0; k < node.length; k++) {
      boundArrays.push(node);
      boundIndex.push(k);
      const ok = walk(node[k], s, c, branch, i, root);
      boundArrays.pop();
      boundIndex.pop();
      if (ok) return true;
    }
    return false;
  }
  if (!isRecord(node)) return false;
  const keys = c.keys[s] ?? [];
  const inherited = c.inherited[s] ?? [];
  const readable = c.readable[s] ?? [];
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k] ?? '';
    const v = node[key];
    if (v === undefined || readable[k] !== true || (inherited[k] === true && !Object.hasOwn(node, key)))
      continue;
    const next = s + k + 1;
    if (next === c.depth ? walkLeaf(v, c, branch, i, root) : walk(v, next, c, branch, i, root)) return true;
  }
  return false;
}

function walkLeaf(v: unknown, c: Constraint, branch: Branch, i: number, root: unknown): boolean {
  if (Array.isArray(v)) {
    const bound = boundAt(v);
    if (bound >= 0) return walkLeaf(v[bound], c, branch, i, root);
    for (let k = 0; k < v.length; k++) {
      boundArrays.push(v);
      boundIndex.push(k);
      const ok = walkLeaf(v[k], c, branch, i, root);
      boundArrays.pop();
      boundIndex.pop();
      if (ok) return true;
    }
    return false;
  }
  return isLeafValue(v) && c.leaf.test(v) && matchFrom(branch, i + 1, root);
}

/** Whether any leaf exists at constraint c's path that is consistent with the current array bindings. */
function present(node: unknown, s: number, c: Constraint): boolean {
  if (Array.isArray(node)) {
    const bound = boundAt(node);
    if (bound >= 0) return present(node[bound], s, c);
    for (const el of node) if (present(el, s, c)) return true;
    return false;
  }
  if (!isRecord(node)) return false;
  const keys = c.keys[s] ?? [];
  const inherited = c.inherited[s] ?? [];
  const readable = c.readable[s] ?? [];
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k] ?? '';
    const v = node[key];
    if (v === undefined || readable[k] !== true || (inherited[k] === true && !Object.hasOwn(node, key)))
      continue;
    const next = s + k + 1;
    if (next === c.depth ? leafPresent(v) : present(v, next, c)) return true;
  }
  return false;
}

function leafPresent(v: unknown): boolean {
  if (Array.isArray(v)) {
    const bound = boundAt(v);
    if (bound >= 0) return leafPresent(v[bound]);
    for (const el of v) if (leafPresent(el)) return true;
    return false;
  }
  return isLeafValue(v);
}
