import { ownValue } from '../util/own.ts';
import { breadthProblem } from './ip-range.ts';
import { asList, isRecord, short, strings } from './values.ts';

/**
 * Reading IAM policy documents (bucket policies, role trust policies) for one question: can anyone at
 * all get in, or is every Allow pinned to fixed callers or networks? The definition is S3's own,
 * "The meaning of public" in the Block Public Access chapter of the S3 user guide:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
 * A statement is public unless it grants access only to *fixed* values (no wildcard, no policy variable)
 * of a principal or of one of the listed condition keys; an aws:SourceIp range broader than /8 (IPv4) or
 * /32 (IPv6) does not count as fixed. A `*` is a wildcard only under an operator that matches patterns
 * (StringLike, ArnLike, ArnEquals): under StringEquals it is the character `*`, which no caller has.
 *
 * Role trust policies (iam.ts) are read the same way, and further: a `*` pinned by the principal keys to
 * another account or an organization is trusted by that account (principalScope), and a web identity
 * provider is open unless its subject claim is pinned (readFederated).
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

/** The strings of an element (`Action`, `NotResource`…) written in any letter case. */
export function elementStrings(st: Record<string, unknown>, name: string): string[] {
  return elementValues(st, name).flatMap(strings);
}

/** Whether an element is written at all (in any letter case), with any value but null. */
export function hasElement(st: Record<string, unknown>, name: string): boolean {
  return elementValues(st, name).some((v) => v !== undefined && v !== null);
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
  return hasElement(st, 'NotPrincipal');
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
/**
 * Operators under which `*` and `?` are wildcards. StringEquals and StringEqualsIgnoreCase compare exactly
 * ("Exact matching"), so there `*` is the character `*` and matches only itself: a fixed value. The ARN
 * operators take wildcards in every ARN component, ArnEquals included, as the operator reference says.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
 */
const WILDCARD_OPERATORS = new Set(['StringLike', 'ArnEquals', 'ArnLike']);
const IP_OPERATORS = new Set(['IpAddress']);

function baseOperator(op: string): string {
  return op.startsWith('ForAnyValue:') ? op.slice('ForAnyValue:'.length) : op;
}

function sourceIpProblem(key: string, values: readonly unknown[]): string | undefined {
  const texts: string[] = [];
  for (const v of values) {
    if (typeof v !== 'string') return `${key} ${quote(v)} is not an IP range`;
    texts.push(v);
  }
  const problem = breadthProblem(texts);
  return problem === undefined ? undefined : `${key} ${problem}`;
}

/**
 * `${*}`, `${?}` and `${$}` are how a policy writes a literal `*`, `?` or `$`: not variables, not wildcards.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars
 */
const LITERAL_ESCAPES = /\$\{[*?$]\}/g;

/**
 * Wildcard forms the S3 guide (or the key's own reference) still counts as fixed, because the part that
 * names who may call is fixed and only what lies inside it is open:
 * - aws:userid "AROLEID:*": every session of one role ("a fixed value of aws:userid outside the pattern
 *   AROLEID:*" is the guide's wording; a role's unique id starts AROA).
 * - aws:PrincipalOrgPaths / aws:SourceOrgPaths "o-…/r-…/ou-…/*": a fixed organization path and everything
 *   under it, the form the key's reference documents
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgpaths).
 * - s3:DataAccessPointArn with a wildcard access point name and a fixed account, in the guide's words
 *   "as long as the account id is fixed".
 */
const FIXED_PATTERNS: Record<string, RegExp> = {
  'aws:userid': /^AROA[0-9A-Z]+:\*$/,
  'aws:principalorgpaths': /^o-[a-z0-9]+\/(?:r-[a-z0-9]+\/(?:ou-[a-z0-9-]+\/)*)?\*$/,
  'aws:sourceorgpaths': /^o-[a-z0-9]+\/(?:r-[a-z0-9]+\/(?:ou-[a-z0-9-]+\/)*)?\*$/,
  [ACCESS_POINT_ARN]: /^arn:[a-z-]+:s3:[^:]*:[0-9]{12}:accesspoint\/[^:]*$/,
};

function fixedValueProblem(key: string, v: unknown, operator: string): string | undefined {
  if (typeof v === 'number' || typeof v === 'boolean') return undefined;
  if (typeof v !== 'string') return `${key} ${quote(v)} is not a single value`;
  const text = v.replace(LITERAL_ESCAPES, '_');
  if (text.trim() === '') return `${key} is empty`;
  if (text.includes('${')) return `${key} ${quote(v)} is a policy variable`;
  if (WILDCARD_OPERATORS.has(operator) && /[*?]/.test(text)) {
    const allowed = ownValue(FIXED_PATTERNS, key.toLowerCase());
    return allowed?.test(text) ? undefined : `${key} ${quote(v)} has a wildcard`;
  }
  return undefined;
}

/** Why one `operator: {key: values}` entry does not narrow to fixed values, or undefined when it does. */
function valuesProblem(
  operator: string,
  key: string,
  value: unknown,
  check: (key: string, v: unknown, operator: string) => string | undefined = fixedValueProblem,
): string | undefined {
  const values = asList(value);
  if (values.length === 0) return `${key} has no values`;
  const base = baseOperator(operator);
  if (!VALUE_OPERATORS.has(base)) return `${key} under ${operator} does not narrow who may call`;
  // Values of one key are alternatives: a single open one opens the statement.
  for (const v of values) {
    const problem = check(key, v, base);
    if (problem) return problem;
  }
  return undefined;
}

/** Why one `operator: {key: values}` entry on a pinning key does not pin, or undefined when it does. */
function entryProblem(operator: string, key: string, value: unknown): string | undefined {
  if (key.toLowerCase() !== SOURCE_IP) return valuesProblem(operator, key, value);
  const values = asList(value);
  if (values.length === 0) return `${key} has no values`;
  if (!IP_OPERATORS.has(baseOperator(operator)))
    return `${key} under ${operator} does not narrow who may call`;
  return sourceIpProblem(key, values);
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

interface Entry {
  operator: string;
  key: string;
  value: unknown;
  /** Written twice in different letter case (operator or key): never credited with narrowing. */
  ambiguous: boolean;
}

/** Every `operator: {key: value}` entry of a Condition block, in order. */
function conditionEntries(condition: unknown): Entry[] {
  const out: Entry[] = [];
  if (!isRecord(condition)) return out;
  const ambiguousOperators = ambiguousNames(condition);
  for (const [operator, block] of Object.entries(condition)) {
    if (!isRecord(block)) continue;
    const ambiguousKeys = ambiguousNames(block);
    for (const [key, value] of Object.entries(block)) {
      const ambiguous =
        ambiguousOperators.has(operator.toLowerCase()) || ambiguousKeys.has(key.toLowerCase());
      out.push({ operator, key, value, ambiguous });
    }
  }
  return out;
}

function ambiguity(e: Entry): string {
  return `${e.key} under ${e.operator} is written more than once in different letter case`;
}

export function readCondition(condition: unknown): ConditionReading {
  const notPinning: string[] = [];
  for (const e of conditionEntries(condition)) {
    if (!isPinningKey(e.key)) continue;
    const problem = e.ambiguous ? ambiguity(e) : entryProblem(e.operator, e.key, e.value);
    if (problem) {
      notPinning.push(problem);
      continue;
    }
    return { pin: { key: e.key, values: asList(e.value).map((v) => String(v)) }, notPinning: [] };
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

// -------------------------------------------------------------------------- whose accounts a pin names

export interface PrincipalScope {
  /** Accounts other than the owner that the principal keys let in (ids as written, attacker text). */
  otherAccounts: string[];
  /**
   * Organizations the principal keys let in, when no account key narrows further. cloud-alerts does not
   * know your organization's id, so an organization is never assumed to be yours.
   */
  organizations: string[];
}

const ACCOUNT_KEYS = new Set(['aws:principalaccount', 'aws:principalarn']);
const ORG_KEYS = new Set(['aws:principalorgid', 'aws:principalorgpaths']);

function intersectAll(sets: readonly Set<string>[]): Set<string> {
  const [first, ...rest] = sets;
  return new Set([...(first ?? [])].filter((x) => rest.every((s) => s.has(x))));
}

/**
 * Whose principals a `*` is narrowed to by the principal keys that pin (aws:PrincipalAccount,
 * aws:PrincipalArn, aws:PrincipalOrgID, aws:PrincipalOrgPaths), or undefined when none of them pins and the
 * statement is narrowed by other keys (a network, a source ARN) or not at all. Entries are ANDed, so the
 * accounts are those every account entry allows; an account entry decides over an organization entry.
 * A `*` narrowed to another account is that account's to use, exactly like `{"AWS": "<account>"}`.
 */
export function principalScope(condition: unknown, ownerAccount: string): PrincipalScope | undefined {
  const accountSets: Set<string>[] = [];
  const orgSets: Set<string>[] = [];
  for (const e of conditionEntries(condition)) {
    const k = e.key.toLowerCase();
    if (!ACCOUNT_KEYS.has(k) && !ORG_KEYS.has(k)) continue;
    if (e.ambiguous || entryProblem(e.operator, e.key, e.value) !== undefined) continue;
    const values = asList(e.value).map((v) => String(v));
    if (k === 'aws:principalaccount') accountSets.push(new Set(values.filter((v) => /^\d{12}$/.test(v))));
    else if (k === 'aws:principalarn')
      accountSets.push(new Set(values.flatMap((v) => principalAccount(v) ?? [])));
    else orgSets.push(new Set(values.map((v) => v.split('/')[0] ?? v)));
  }
  if (accountSets.length > 0) {
    const accounts = [...intersectAll(accountSets)].filter((a) => a !== ownerAccount).sort();
    return { otherAccounts: accounts, organizations: [] };
  }
  if (orgSets.length > 0) return { otherAccounts: [], organizations: [...intersectAll(orgSets)].sort() };
  return undefined;
}

// --------------------------------------------------------------------------- federated principals

export type FederatedReading =
  /** An identity provider defined in another account: that account decides who signs in. */
  | { kind: 'other-account'; account: string }
  /** A SAML provider of this account: your identity provider decides who gets an assertion for the role. */
  | { kind: 'saml' }
  /** A web identity provider whose subject the conditions pin to fixed values. */
  | { kind: 'pinned'; provider: string; pins: string[] }
  /** A web identity provider anyone with a token from it can use: why it is not pinned. */
  | { kind: 'open'; provider: string; why: string };

const PROVIDER_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):(oidc-provider|saml-provider)\/(.+)$/;
const GITHUB_ACTIONS = 'token.actions.githubusercontent.com';
const COGNITO = 'cognito-identity.amazonaws.com';

/**
 * The claim that names the user of each web identity provider, as IAM's keys for web identity federation
 * name them; `<provider>:sub` for any other OIDC provider.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
 */
const SUBJECT_CLAIM: Record<string, string> = {
  'graph.facebook.com': 'id',
  'www.amazon.com': 'user_id',
};

/**
 * GitHub Actions' subject is `repo:<owner>/<repo>:<context>`; a wildcard after the repository (any branch,
 * environment or pull request of one repository) still names one repository, whose writers you chose.
 * A wildcard in the owner or repository lets any repository on GitHub in.
 * https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws
 */
const GITHUB_FIXED_REPOSITORY = /^repo:[^:*?]+\/[^:*?]+(?::|$)/;

function githubSubjectProblem(key: string, v: unknown, operator: string): string | undefined {
  const problem = fixedValueProblem(key, v, operator);
  if (problem === undefined || typeof v !== 'string') return problem;
  if (v.includes('${')) return problem;
  return GITHUB_FIXED_REPOSITORY.test(v)
    ? undefined
    : `${key} ${quote(v)} has a wildcard in the owner or repository`;
}

/** Values of `key` (any letter case) under operators that narrow, and why each entry on it does not pin. */
function claimEntries(
  condition: unknown,
  key: string,
  check?: (key: string, v: unknown, operator: string) => string | undefined,
): { pins: string[]; problems: string[] } {
  const pins: string[] = [];
  const problems: string[] = [];
  for (const e of conditionEntries(condition)) {
    if (e.key.toLowerCase() !== key) continue;
    const problem = e.ambiguous ? ambiguity(e) : valuesProblem(e.operator, e.key, e.value, check);
    if (problem) problems.push(problem);
    else pins.push(describePin({ key: e.key, values: asList(e.value).map((v) => String(v)) }));
  }
  return { pins, problems };
}

function cognitoAmrProblem(key: string, v: unknown, operator: string): string | undefined {
  const problem = fixedValueProblem(key, v, operator);
  if (problem) return problem;
  return String(v).toLowerCase() === 'unauthenticated'
    ? `${key} allows unauthenticated (guest) identities`
    : undefined;
}

/**
 * A Cognito identity pool hands tokens to whoever opens your app, signed in or not. The role is pinned
 * when `aud` names your identity pool and `amr` requires a signed-in identity ("authenticated", or the
 * provider it signed in with), as Cognito's role trust example shows; `amr` "unauthenticated", or no `amr`
 * at all, lets guests in.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html
 */
function readCognito(condition: unknown): FederatedReading {
  const aud = claimEntries(condition, `${COGNITO}:aud`);
  const amr = claimEntries(condition, `${COGNITO}:amr`, cognitoAmrProblem);
  if (aud.pins.length === 0)
    return {
      kind: 'open',
      provider: COGNITO,
      why: aud.problems[0] ?? `no condition pins ${COGNITO}:aud to your identity pool`,
    };
  if (amr.pins.length === 0)
    return {
      kind: 'open',
      provider: COGNITO,
      why: amr.problems[0] ?? `no condition on ${COGNITO}:amr, so unauthenticated (guest) identities get in`,
    };
  return { kind: 'pinned', provider: COGNITO, pins: [...aud.pins, ...amr.pins] };
}

/**
 * Who can use a federated principal (`Principal.Federated`). A web identity provider (an OIDC provider,
 * Cognito, Google, Facebook, Login with Amazon) gives a token to anyone who signs in there, and for GitHub
 * Actions to any workflow in any repository: the role is open to all of them unless a condition pins the
 * provider's subject claim to fixed values. A SAML provider in this account is your own identity provider:
 * the trust policy's usual `SAML:aud` condition only checks the assertion was meant for AWS, and who gets
 * one is your IdP's decision.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_saml.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
 */
export function readFederated(provider: string, condition: unknown, ownerAccount: string): FederatedReading {
  const arn = PROVIDER_ARN.exec(provider);
  if (arn?.[1] && arn[1] !== ownerAccount) return { kind: 'other-account', account: arn[1] };
  if (arn?.[2] === 'saml-provider') return { kind: 'saml' };
  // Condition keys are case-insensitive; the provider is shown as written.
  const written = arn?.[3] ?? provider;
  const name = written.toLowerCase();
  if (name === COGNITO) return readCognito(condition);
  const github = name === GITHUB_ACTIONS || name.startsWith(`${GITHUB_ACTIONS}/`);
  const claim = ownValue(SUBJECT_CLAIM, name) ?? 'sub';
  const subject = claimEntries(condition, `${name}:${claim}`, github ? githubSubjectProblem : undefined);
  const shown = short(written, 80);
  if (subject.pins.length > 0) return { kind: 'pinned', provider: shown, pins: subject.pins };
  return {
    kind: 'open',
    provider: shown,
    why: subject.problems[0] ?? `no condition pins ${short(`${written}:${claim}`, 100)}`,
  };
}
