import { type Interval, intersect, parseIpRange, size, unionSizeExcluding } from './ip-range.ts';
import { asList, isRecord, short } from './values.ts';

/**
 * Reading IAM policy documents (bucket policies, role trust policies) for one question: can anyone at
 * all get in, or is every Allow pinned to fixed callers or networks? The definition is S3's own,
 * "The meaning of public" in the Block Public Access chapter of the S3 user guide:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
 * A statement is public unless it grants access only to *fixed* values (no wildcard, no policy variable)
 * of a principal or of one of the listed condition keys; an aws:SourceIp range broader than /8 (IPv4) or
 * /32 (IPv6) does not count as fixed.
 *
 * Where a policy is ambiguous, what widens access is read leniently and what narrows it strictly, so that a
 * shape we misread errs towards an alert: `Effect`, `Statement` and `Principal` are found whatever their
 * case, a pinning operator must be spelled exactly, and a Deny is never credited with narrowing an Allow.
 */

/** Values that are patterns rather than fixed values: `*` and `?` wildcards, `${…}` policy variables. */
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
const NOT_FIXED = /[*?]|\$\{/;

function quote(v: unknown): string {
  return short(JSON.stringify(v) ?? String(v), 60);
}

// --------------------------------------------------------------------------------------- elements

/** Every value of a policy element whose name matches `name` in any letter case, exact spelling first. */
function elementValues(obj: Record<string, unknown>, name: string): unknown[] {
  const lower = name.toLowerCase();
  const keys = Object.keys(obj).filter((k) => k.toLowerCase() === lower);
  keys.sort((a, b) => Number(b === name) - Number(a === name));
  return keys.map((k) => obj[k]);
}

/** Statements of a policy, one object or a list, under `Statement` in any letter case. */
export function policyStatements(policy: Record<string, unknown>): Record<string, unknown>[] {
  return elementValues(policy, 'Statement').flatMap(asList).filter(isRecord);
}

/** An Allow in any letter case counts: reading `allow` as "not a statement" could hide a grant. */
export function isAllow(st: Record<string, unknown>): boolean {
  return elementValues(st, 'Effect').some((e) => typeof e === 'string' && e.trim().toLowerCase() === 'allow');
}

export function hasNotPrincipal(st: Record<string, unknown>): boolean {
  return elementValues(st, 'NotPrincipal').some((v) => v !== undefined && v !== null);
}

/**
 * The Condition block as written. Only the exact spelling narrows: a `condition` that AWS ignored would
 * otherwise vouch for a statement that is open.
 */
export function conditionOf(st: Record<string, unknown>): unknown {
  return Object.hasOwn(st, 'Condition') ? st.Condition : undefined;
}

// ------------------------------------------------------------------------------------- principals

export interface PrincipalEntry {
  /** `AWS`, `Service`, `Federated`, `CanonicalUser` (normalised case), or the kind as written. */
  kind: string;
  value: string;
}

export interface StatementPrincipals {
  /** Wildcards and policy variables: anyone, e.g. `*`, `{"AWS": ["*"]}`, `arn:aws:iam::*:root`. */
  anyone: PrincipalEntry[];
  /** Web identity and SAML providers: whoever can sign in there (the S3 guide's first public example). */
  federated: PrincipalEntry[];
  /** Fixed accounts, users, roles, services and canonical users. */
  named: PrincipalEntry[];
}

const PRINCIPAL_KINDS = ['AWS', 'Service', 'Federated', 'CanonicalUser'];

function kindOf(written: string): string {
  return PRINCIPAL_KINDS.find((k) => k.toLowerCase() === written.toLowerCase()) ?? written;
}

/**
 * `"*"` is the same as `{"AWS": "*"}`. IAM rejects partial wildcards in a principal, so one that reaches us
 * (or a policy variable) is read as anyone rather than trusted as a name.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
 */
export function readPrincipals(principal: unknown): StatementPrincipals {
  const out: StatementPrincipals = { anyone: [], federated: [], named: [] };
  const add = (kind: string, value: unknown) => {
    if (typeof value !== 'string') return;
    const entry = { kind, value };
    if (NOT_FIXED.test(value)) out.anyone.push(entry);
    else if (kind === 'Federated') out.federated.push(entry);
    else out.named.push(entry);
  };
  const visit = (p: unknown) => {
    if (typeof p === 'string') add('AWS', p);
    else if (Array.isArray(p)) for (const item of p) visit(item);
    else if (isRecord(p))
      for (const [kind, value] of Object.entries(p)) for (const v of asList(value)) add(kindOf(kind), v);
  };
  visit(principal);
  return out;
}

/** Principals of a statement, `Principal` in any letter case. */
export function statementPrincipals(st: Record<string, unknown>): StatementPrincipals {
  const all: StatementPrincipals = { anyone: [], federated: [], named: [] };
  for (const p of elementValues(st, 'Principal')) {
    const one = readPrincipals(p);
    all.anyone.push(...one.anyone);
    all.federated.push(...one.federated);
    all.named.push(...one.named);
  }
  return all;
}

/** Account id of a principal given as an id or an ARN; undefined for services and canonical ids. */
export function principalAccount(p: string): string | undefined {
  if (/^\d{12}$/.test(p)) return p;
  const m = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(p);
  return m?.[1];
}

// -------------------------------------------------------------------------------------- conditions

/**
 * Condition keys whose fixed value pins a statement, lower-cased (key names are case-insensitive:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html).
 * From the S3 guide's list: the principal keys ("an AWS principal, user, role, or service principal (e.g.
 * aws:PrincipalOrgID)"), aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:SourceAccount,
 * s3:x-amz-server-side-encryption-aws-kms-key-id, aws:userid, s3:DataAccessPointArn, s3:DataAccessPointAccount,
 * and aws:SourceIp (below). aws:SourceOrgID and aws:SourceOrgPaths, newer than that list, pin a calling
 * service's resource to a fixed organization exactly as aws:SourceAccount pins it to an account.
 * aws:username is not here: any account can have a user of that name.
 */
const FIXED_VALUE_KEYS = new Set([
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:principalservicename',
  'aws:userid',
  'aws:sourcearn',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceowner',
  'aws:sourceaccount',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  's3:x-amz-server-side-encryption-aws-kms-key-id',
  's3:dataaccesspointaccount',
]);
const SOURCE_IP = 'aws:sourceip';
const ACCESS_POINT_ARN = 's3:dataaccesspointarn';

/**
 * Operators that narrow to the listed values. Negated operators ("anyone except …") do not narrow; nor do
 * `…IfExists` and `ForAllValues:`, which a request without the key satisfies (an anonymous caller carries
 * no org id or VPC endpoint), nor `Null`. Spelled exactly: a spelling AWS did not read as intended must not
 * vouch for the statement.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 */
const VALUE_OPERATORS = new Set([
  'StringEquals',
  'StringEqualsIgnoreCase',
  'StringLike',
  'ArnEquals',
  'ArnLike',
]);
const IP_OPERATORS = new Set(['IpAddress']);

function baseOperator(op: string): string {
  return op.startsWith('ForAnyValue:') ? op.slice('ForAnyValue:'.length) : op;
}

/**
 * "Bucket policies that grant access conditioned on the aws:SourceIp condition key with very broad IP ranges
 * (for example, 0.0.0.0/1) are evaluated as public. This includes values broader than /8 for IPv4 and /32
 * for IPv6 (excluding RFC1918 private ranges)" (the S3 guide, as above). Stricter than a per-value check in
 * one respect: the values of one condition together must also stay within that breadth, so that
 * 0.0.0.0/1 + 128.0.0.0/1, or 256 /8 blocks, cannot add up to the whole internet.
 */
const MAX_IPV4_ADDRESSES = 1n << 24n; // one /8
const MAX_IPV6_ADDRESSES = 1n << 96n; // one /32
/** RFC 1918 private blocks: 10/8, 172.16/12, 192.168/16. https://www.rfc-editor.org/rfc/rfc1918 */
const RFC1918: readonly Interval[] = [
  [0x0a000000n, 0x0affffffn],
  [0xac100000n, 0xac1fffffn],
  [0xc0a80000n, 0xc0a8ffffn],
];
/** IPv4-mapped IPv6 (::ffff:0:0/96, RFC 4291 §2.5.5.2): counted as the IPv4 range it stands for. */
const IPV4_MAPPED: Interval = [0xffffn << 32n, (0xffffn << 32n) | 0xffffffffn];

function sourceIpProblem(key: string, values: readonly unknown[]): string | undefined {
  const v4: Interval[] = [];
  const v6: Interval[] = [];
  for (const v of values) {
    const range = typeof v === 'string' ? parseIpRange(v) : undefined;
    if (!range) return `${key} ${quote(v)} is not an IP range`;
    const whole: Interval = [range.first, range.last];
    let asIpv4: Interval | undefined = whole;
    if (range.family === 6) {
      if (size(whole) > MAX_IPV6_ADDRESSES) return `${key} ${quote(v)} is broader than an IPv6 /32`;
      v6.push(whole);
      const mapped = intersect(whole, IPV4_MAPPED);
      asIpv4 = mapped && [mapped[0] - IPV4_MAPPED[0], mapped[1] - IPV4_MAPPED[0]];
    }
    if (asIpv4) {
      if (size(asIpv4) > MAX_IPV4_ADDRESSES) return `${key} ${quote(v)} is broader than an IPv4 /8`;
      v4.push(asIpv4);
    }
  }
  if (unionSizeExcluding(v4, RFC1918) > MAX_IPV4_ADDRESSES)
    return `${key} ranges together cover more public IPv4 addresses than a /8`;
  if (unionSizeExcluding(v6, []) > MAX_IPV6_ADDRESSES)
    return `${key} ranges together cover more IPv6 addresses than a /32`;
  return undefined;
}

function fixedValueProblem(key: string, v: unknown): string | undefined {
  if (typeof v === 'number' || typeof v === 'boolean') return undefined;
  if (typeof v !== 'string') return `${key} ${quote(v)} is not a single value`;
  if (v.trim() === '') return `${key} is empty`;
  if (v.includes('${')) return `${key} ${quote(v)} is a policy variable`;
  if (/[*?]/.test(v)) return `${key} ${quote(v)} has a wildcard`;
  return undefined;
}

/**
 * "When used in a bucket policy, this value can contain a wildcard for the access point name without
 * rendering the policy public, as long as the account id is fixed" (the S3 guide, as above).
 */
const ACCESS_POINT_WITH_FIXED_ACCOUNT = /^arn:[a-z-]+:s3:[^:]*:[0-9]{12}:accesspoint\/[^:]*$/;

function accessPointProblem(key: string, v: unknown): string | undefined {
  const problem = fixedValueProblem(key, v);
  if (problem === undefined || typeof v !== 'string') return problem;
  return ACCESS_POINT_WITH_FIXED_ACCOUNT.test(v) ? undefined : problem;
}

/** Why one `operator: {key: values}` entry does not pin, or undefined when it does. */
function entryProblem(operator: string, key: string, value: unknown): string | undefined {
  const k = key.toLowerCase();
  const values = asList(value);
  if (values.length === 0) return `${key} has no values`;
  const base = baseOperator(operator);
  if (k === SOURCE_IP) {
    if (!IP_OPERATORS.has(base)) return `${key} under ${operator} does not narrow who may call`;
    return sourceIpProblem(key, values);
  }
  if (!VALUE_OPERATORS.has(base)) return `${key} under ${operator} does not narrow who may call`;
  const check = k === ACCESS_POINT_ARN ? accessPointProblem : fixedValueProblem;
  // Values of one key are alternatives: a single open one opens the statement.
  for (const v of values) {
    const problem = check(key, v);
    if (problem) return problem;
  }
  return undefined;
}

function isPinningKey(key: string): boolean {
  const k = key.toLowerCase();
  return FIXED_VALUE_KEYS.has(k) || k === SOURCE_IP || k === ACCESS_POINT_ARN;
}

export interface Pin {
  /** The key as written. */
  key: string;
  values: string[];
}

export interface ConditionReading {
  /** The first entry that pins the statement (entries are ANDed: one is enough). */
  pin?: Pin;
  /** Why entries on pinning keys did not pin, for the alert: `aws:PrincipalOrgID "o-*" has a wildcard`. */
  notPinning: string[];
}

/** Names that occur more than once in one letter case or another: AWS's reading of them is not ours to guess. */
function ambiguousNames(obj: Record<string, unknown>): Set<string> {
  const seen = new Map<string, number>();
  for (const k of Object.keys(obj)) seen.set(k.toLowerCase(), (seen.get(k.toLowerCase()) ?? 0) + 1);
  return new Set([...seen].filter(([, n]) => n > 1).map(([k]) => k));
}

export function readCondition(condition: unknown): ConditionReading {
  const notPinning: string[] = [];
  if (!isRecord(condition)) return { notPinning };
  const ambiguousOperators = ambiguousNames(condition);
  for (const [operator, block] of Object.entries(condition)) {
    if (!isRecord(block)) continue;
    const ambiguousKeys = ambiguousNames(block);
    for (const [key, value] of Object.entries(block)) {
      if (!isPinningKey(key)) continue;
      const problem =
        ambiguousOperators.has(operator.toLowerCase()) || ambiguousKeys.has(key.toLowerCase())
          ? `${key} under ${operator} is written more than once in different letter case`
          : entryProblem(operator, key, value);
      if (problem) {
        notPinning.push(problem);
        continue;
      }
      return { pin: { key, values: asList(value).map((v) => String(v)) }, notPinning: [] };
    }
  }
  return { notPinning };
}

/** True when some condition entry pins the statement to fixed callers or networks. */
export function conditionPins(condition: unknown): boolean {
  return readCondition(condition).pin !== undefined;
}

/** `aws:PrincipalOrgID o-a1b2c3d4e5`: one line for a verdict; values are attacker text and shortened. */
export function describePin(pin: Pin): string {
  return short(`${pin.key} ${pin.values.join(', ')}`, 120);
}
