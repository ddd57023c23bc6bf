import {
  type InlinePolicy,
  NOTIFIER_CHANNELS,
  NOTIFIER_ROLES,
  type ReceiverAccess,
  receiverPolicy,
} from '../config/access.ts';
import { isRecord } from '../detect/values.ts';

/**
 * Rewrites of the CloudFormation template `serverless package` compiles, applied by the project's
 * plugin before the template is written (scripts/finalize-template.ts). Each one removes something
 * cfn-lint warns about at its source, so every generated template lints clean (`.ci/run`), and the
 * emulated-AWS tier, whose ValidateTemplate rejects any finding, accepts it.
 */

export type Template = Record<string, unknown>;

const NO_VALUE = Symbol('AWS::NoValue');

function isNoValue(v: unknown): boolean {
  return isRecord(v) && Object.keys(v).length === 1 && v.Ref === 'AWS::NoValue';
}

function singleKey(v: unknown): [string, unknown] | undefined {
  if (!isRecord(v)) return undefined;
  const keys = Object.keys(v);
  const [key] = keys;
  return keys.length === 1 && key !== undefined ? [key, v[key]] : undefined;
}

/**
 * A condition's value when every input is a literal, else undefined. Stage parameters are resolved
 * into the template at package time, so a condition on one (`organizationId` empty or not) is already
 * decided: cfn-lint W8003 says so ("will always return True or False").
 */
function decide(
  expr: unknown,
  conditions: Record<string, unknown>,
  visiting: Set<string>,
): boolean | undefined {
  const fn = singleKey(expr);
  if (!fn) return undefined;
  const [name, args] = fn;
  if (name === 'Condition' && typeof args === 'string') {
    if (visiting.has(args) || !Object.hasOwn(conditions, args)) return undefined;
    visiting.add(args);
    const value = decide(conditions[args], conditions, visiting);
    visiting.delete(args);
    return value;
  }
  if (!Array.isArray(args)) return undefined;
  if (name === 'Fn::Equals') {
    const [a, b] = args;
    const literal = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    return args.length === 2 && literal(a) && literal(b) ? String(a) === String(b) : undefined;
  }
  const values = args.map((a) => decide(a, conditions, visiting));
  if (name === 'Fn::Not') return values.length === 1 && values[0] !== undefined ? !values[0] : undefined;
  if (name === 'Fn::And') {
    if (values.includes(false)) return false;
    return values.every((v) => v === true) ? true : undefined;
  }
  if (name === 'Fn::Or') {
    if (values.includes(true)) return true;
    return values.every((v) => v === false) ? false : undefined;
  }
  return undefined;
}

/** Replaces every `Fn::If` on a decided condition by its branch; a NoValue branch removes the member. */
function resolveIfs(node: unknown, decided: ReadonlyMap<string, boolean>): unknown {
  const fn = singleKey(node);
  if (fn && fn[0] === 'Fn::If' && Array.isArray(fn[1]) && fn[1].length === 3) {
    const [condition, whenTrue, whenFalse] = fn[1];
    const value = typeof condition === 'string' ? decided.get(condition) : undefined;
    if (value !== undefined) {
      const branch = value ? whenTrue : whenFalse;
      return isNoValue(branch) ? NO_VALUE : resolveIfs(branch, decided);
    }
  }
  if (Array.isArray(node)) {
    return node.map((item) => resolveIfs(item, decided)).filter((item) => item !== NO_VALUE);
  }
  if (isRecord(node)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      const resolved = resolveIfs(value, decided);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }
  return node;
}

/** Logical ids a node refers to through Ref, Fn::GetAtt and Fn::Sub (pseudo parameters excluded). */
export function referencedIds(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) referencedIds(item, out);
    return out;
  }
  if (!isRecord(node)) return out;
  const fn = singleKey(node);
  if (fn) {
    const [name, args] = fn;
    if (name === 'Ref' && typeof args === 'string' && !args.startsWith('AWS::')) out.add(args);
    if (name === 'Fn::GetAtt') {
      const target = Array.isArray(args)
        ? args[0]
        : typeof args === 'string'
          ? args.split('.')[0]
          : undefined;
      if (typeof target === 'string') out.add(target);
    }
    if (name === 'Fn::Sub') {
      const [text, vars] = Array.isArray(args) ? args : [args, undefined];
      const local = isRecord(vars) ? new Set(Object.keys(vars)) : new Set<string>();
      if (typeof text === 'string') {
        for (const m of text.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g)) {
          const id = m[1];
          if (id !== undefined && !local.has(id)) out.add(id);
        }
      }
    }
  }
  for (const value of Object.values(node)) referencedIds(value, out);
  return out;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

function entriesOf(section: unknown): Array<[string, Record<string, unknown>]> {
  return isRecord(section)
    ? Object.entries(section).filter((e): e is [string, Record<string, unknown>] => isRecord(e[1]))
    : [];
}

/**
 * Decides at package time every condition whose inputs are literals: resources and outputs under a
 * false one are left out, `Fn::If`s on it become their branch, and the condition itself goes. What is
 * deployed is what a CloudFormation evaluation would have deployed; the template just says it
 * plainly. A condition on something known only at deploy time (a Ref) is kept as it is.
 */
export function resolveStaticConditions(template: Template): Template {
  const conditions = isRecord(template.Conditions) ? template.Conditions : {};
  const decided = new Map<string, boolean>();
  for (const name of Object.keys(conditions)) {
    const value = decide({ Condition: name }, conditions, new Set());
    if (value !== undefined) decided.set(name, value);
  }
  if (decided.size === 0) return template;

  const removed = new Set<string>();
  const keep = (section: unknown, track: boolean) => {
    const out: Record<string, unknown> = {};
    for (const [id, item] of entriesOf(section)) {
      const condition = typeof item.Condition === 'string' ? decided.get(item.Condition) : undefined;
      if (condition === false) {
        if (track) removed.add(id);
        continue;
      }
      const { Condition, ...rest } = item;
      out[id] = condition === true ? rest : item;
    }
    return out;
  };
  const resources = keep(template.Resources, true);
  const outputs = template.Outputs === undefined ? undefined : keep(template.Outputs, false);

  const resolved = resolveIfs({ Resources: resources, Outputs: outputs }, decided);
  const sections = isRecord(resolved) ? resolved : {};
  const finalResources = isRecord(sections.Resources) ? sections.Resources : {};
  for (const [id, r] of entriesOf(finalResources)) {
    if (r.DependsOn !== undefined) {
      const deps = (Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn]).filter(
        (d) => typeof d !== 'string' || !removed.has(d),
      );
      if (deps.length === 0) delete r.DependsOn;
      else r.DependsOn = deps;
    }
    const dangling = [...referencedIds(r)].filter((ref) => removed.has(ref));
    if (dangling.length > 0)
      throw new TemplateError(
        `${id} refers to ${dangling.join(', ')}, which its condition leaves out of this deployment`,
      );
  }

  // A decided condition still named by an undecided one stays, so that one keeps its meaning.
  const remaining: Record<string, unknown> = {};
  for (const [name, expr] of Object.entries(conditions)) if (!decided.has(name)) remaining[name] = expr;
  const stillNamed = new Set<string>();
  const collect = (node: unknown) => {
    const fn = singleKey(node);
    if (fn && fn[0] === 'Condition' && typeof fn[1] === 'string') stillNamed.add(fn[1]);
    if (Array.isArray(node)) node.forEach(collect);
    else if (isRecord(node)) Object.values(node).forEach(collect);
  };
  collect(remaining);
  for (const name of stillNamed) if (Object.hasOwn(conditions, name)) remaining[name] = conditions[name];

  const out: Template = { ...template, Resources: finalResources };
  if (Object.keys(remaining).length > 0) out.Conditions = remaining;
  else delete out.Conditions;
  if (sections.Outputs !== undefined) out.Outputs = sections.Outputs;
  return out;
}

/**
 * Drops the DependsOn entries a resource's properties already imply through Ref, Fn::GetAtt or
 * Fn::Sub: CloudFormation orders those anyway, and cfn-lint W3005 flags the duplicate (osls writes
 * `DependsOn: [<role>]` next to `Role: !GetAtt <role>.Arn` on every function).
 */
export function dropImpliedDependsOn(template: Template): Template {
  const resources: Record<string, unknown> = {};
  for (const [id, r] of entriesOf(template.Resources)) {
    if (r.DependsOn === undefined) {
      resources[id] = r;
      continue;
    }
    const implied = referencedIds(r.Properties);
    const deps = (Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn]).filter(
      (d) => typeof d !== 'string' || !implied.has(d),
    );
    const { DependsOn, ...rest } = r;
    resources[id] = deps.length > 0 ? { ...rest, DependsOn: deps } : rest;
  }
  return { ...template, Resources: resources };
}

/**
 * IAM quota: the inline policies of one role may hold at most 10,240 characters, whitespace not
 * counted (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
 */
export const ROLE_INLINE_POLICIES_MAX_CHARS = 10_240;

/** Longest values of what CloudFormation substitutes at deploy time, so the estimate never falls short. */
const PSEUDO_PARAMETER_MAX: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws-iso-b',
  'AWS::Region': 'ap-southeast-5',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com.cn',
  'AWS::StackName': 'x'.repeat(128),
};
/** A generous stand-in for the ARN or name a Ref or Fn::GetAtt becomes. */
const REFERENCE_MAX = 'x'.repeat(256);

function expanded(node: unknown): unknown {
  const fn = singleKey(node);
  if (fn) {
    const [name, args] = fn;
    if (name === 'Ref' || name === 'Fn::GetAtt') return REFERENCE_MAX;
    if (name === 'Fn::Sub' && typeof args === 'string')
      return args.replace(/\$\{([^}]+)\}/g, (_m, v: string) => PSEUDO_PARAMETER_MAX[v] ?? REFERENCE_MAX);
  }
  if (Array.isArray(node)) return node.map(expanded);
  if (isRecord(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, expanded(v)]));
  return node;
}

/** An upper bound of the characters IAM counts for a role's inline policies once deployed. */
export function inlinePolicyChars(role: unknown): number {
  const props = isRecord(role) && isRecord(role.Properties) ? role.Properties : {};
  const policies = Array.isArray(props.Policies) ? props.Policies : [];
  return policies.reduce<number>((n, p) => {
    const doc = isRecord(p) ? p.PolicyDocument : undefined;
    return n + JSON.stringify(expanded(doc) ?? '').length + (isRecord(p) ? String(p.PolicyName).length : 0);
  }, 0);
}

/** Adds inline policies to a role of the template, refusing a role whose policies IAM would reject. */
export function addRolePolicies(template: Template, roleId: string, policies: unknown[]): Template {
  const resources = isRecord(template.Resources) ? template.Resources : {};
  const role = resources[roleId];
  if (!isRecord(role) || role.Type !== 'AWS::IAM::Role' || !isRecord(role.Properties))
    throw new TemplateError(`the template has no IAM role ${roleId}`);
  const existing = Array.isArray(role.Properties.Policies) ? role.Properties.Policies : [];
  const updated = { ...role, Properties: { ...role.Properties, Policies: [...existing, ...policies] } };
  const chars = inlinePolicyChars(updated);
  if (chars > ROLE_INLINE_POLICIES_MAX_CHARS)
    throw new TemplateError(
      `${roleId}: its inline policies could reach ${chars} characters, over IAM's ${ROLE_INLINE_POLICIES_MAX_CHARS}; the receivers name too many parameters or topics for one role`,
    );
  return { ...template, Resources: { ...resources, [roleId]: updated } };
}

/**
 * The template to deploy: conditions known at package time decided, implied DependsOn dropped, and
 * each notifier role given exactly the parameters, topics and keys its receivers name, and the alert
 * role the read actions its configuration needs (evidence: shared/config/evidence-access.ts).
 */
export function finalizeTemplate(
  input: Template,
  access: ReceiverAccess,
  alertPolicies: InlinePolicy[] = [],
): Template {
  let template = dropImpliedDependsOn(resolveStaticConditions(input));
  if (alertPolicies.length > 0) template = addRolePolicies(template, 'AlertRole', alertPolicies);
  for (const channel of NOTIFIER_CHANNELS) {
    const policy = receiverPolicy(access, channel);
    if (policy) template = addRolePolicies(template, NOTIFIER_ROLES[channel], [policy]);
  }
  return template;
}
