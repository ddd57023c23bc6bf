import { asList, field, isRecord, statements, str, strings } from './values.ts';

/**
 * Condition keys that pin an Allow to a known network, caller or organisation, so that a `*`
 * principal is no longer "anyone on the internet".
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
 */
const PINNING_KEYS = new Set(
  [
    'aws:SourceIp',
    'aws:SourceVpc',
    'aws:SourceVpce',
    'aws:SourceArn',
    'aws:SourceAccount',
    'aws:SourceOrgID',
    'aws:SourceOrgPaths',
    'aws:SourceOwner',
    'aws:PrincipalOrgID',
    'aws:PrincipalOrgPaths',
    'aws:PrincipalAccount',
    'aws:PrincipalArn',
    'aws:userid',
    'aws:username',
    's3:DataAccessPointAccount',
    's3:DataAccessPointArn',
  ].map((k) => k.toLowerCase()),
);

/**
 * Negated operators ("anyone except …") do not narrow who may call, and neither do `…IfExists` or
 * `ForAllValues:` forms: both count as satisfied when the key is absent, and an anonymous caller
 * carries no org id, VPC endpoint or principal account.
 */
const NARROWING_OPERATOR =
  /^(ForAnyValue:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike|IpAddress)$/;

const OPEN_CIDRS = new Set(['0.0.0.0/0', '::/0', '::0/0']);

function valueNarrows(key: string, values: string[]): boolean {
  if (values.length === 0) return false;
  return values.every((v) => {
    if (v === '*' || v === '') return false;
    if (key === 'aws:sourceip' && OPEN_CIDRS.has(v.trim())) return false;
    return true;
  });
}

/** True when some condition pins the statement down to a known set of callers or networks. */
export function conditionPins(condition: unknown): boolean {
  if (!isRecord(condition)) return false;
  for (const [operator, block] of Object.entries(condition)) {
    if (!NARROWING_OPERATOR.test(operator) || !isRecord(block)) continue;
    for (const [key, value] of Object.entries(block)) {
      const k = key.toLowerCase();
      if (PINNING_KEYS.has(k) && valueNarrows(k, strings(value))) return true;
    }
  }
  return false;
}

export interface PolicyPrincipals {
  everyone: boolean;
  /** Account ids, ARNs and service names named as principals. */
  named: string[];
}

export function principalsOf(principal: unknown): PolicyPrincipals {
  if (principal === '*') return { everyone: true, named: [] };
  const named: string[] = [];
  let everyone = false;
  if (isRecord(principal)) {
    for (const [kind, value] of Object.entries(principal)) {
      for (const p of strings(value)) {
        if (p === '*' && (kind === 'AWS' || kind === 'CanonicalUser')) everyone = true;
        else named.push(p);
      }
    }
  }
  return { everyone, named };
}

/** Account id of a principal given as an id or an ARN; undefined for services and canonical ids. */
export function principalAccount(p: string): string | undefined {
  if (/^\d{12}$/.test(p)) return p;
  const m = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(p);
  return m?.[1];
}

export interface PolicyStatementSummary {
  sid?: string;
  actions: string[];
  resources: string[];
}

export interface BucketPolicyAnalysis {
  /** Allow statements that open the bucket to anyone. */
  publicStatements: PolicyStatementSummary[];
  /** Other AWS accounts granted access by Allow statements. */
  otherAccounts: string[];
  statementCount: number;
}

function summarise(st: Record<string, unknown>): PolicyStatementSummary {
  const sid = str(st.Sid);
  return {
    ...(sid ? { sid } : {}),
    actions: strings(st.Action ?? st.NotAction),
    resources: strings(st.Resource ?? st.NotResource),
  };
}

/**
 * Deny statements never widen access, so only Allow statements are read. `NotPrincipal` with
 * Allow grants everyone but the named principals: treated as public.
 */
export function analyzeBucketPolicy(
  policy: Record<string, unknown>,
  ownerAccount: string,
): BucketPolicyAnalysis {
  const publicStatements: PolicyStatementSummary[] = [];
  const otherAccounts = new Set<string>();
  const all = statements(policy);
  for (const st of all) {
    if (st.Effect !== 'Allow') continue;
    const pinned = conditionPins(st.Condition);
    if (st.NotPrincipal !== undefined) {
      if (!pinned) publicStatements.push(summarise(st));
      continue;
    }
    const { everyone, named } = principalsOf(st.Principal);
    if (everyone && !pinned) publicStatements.push(summarise(st));
    for (const p of named) {
      const acct = principalAccount(p);
      if (acct && acct !== ownerAccount) otherAccounts.add(acct);
    }
  }
  return { publicStatements, otherAccounts: [...otherAccounts].sort(), statementCount: all.length };
}

const PUBLIC_GROUPS: Record<string, string> = {
  'http://acs.amazonaws.com/groups/global/AllUsers': 'everyone (AllUsers)',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers': 'any AWS account (AuthenticatedUsers)',
};

/** Canned ACLs and who they open the bucket to. https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl */
const PUBLIC_CANNED: Record<string, string> = {
  'public-read': 'everyone can read',
  'public-read-write': 'everyone can read and write',
  'authenticated-read': 'any AWS account can read',
};

export interface AclAnalysis {
  canned?: string;
  /** Human descriptions of each public grant: "READ to everyone (AllUsers)". */
  publicGrants: string[];
}

/** `x-amz-acl` is recorded as a list; grants may be one object or a list. */
export function analyzeBucketAcl(requestParameters: unknown): AclAnalysis {
  const canned = strings(field(requestParameters, 'x-amz-acl'))[0];
  const publicGrants: string[] = [];
  if (canned && PUBLIC_CANNED[canned]) publicGrants.push(`canned ACL ${canned}: ${PUBLIC_CANNED[canned]}`);
  const acl = field(field(requestParameters, 'AccessControlPolicy'), 'AccessControlList');
  for (const grant of asList(field(acl, 'Grant'))) {
    const uri = str(field(field(grant, 'Grantee'), 'URI'));
    const who = uri ? PUBLIC_GROUPS[uri] : undefined;
    if (who) publicGrants.push(`${str(field(grant, 'Permission')) ?? 'access'} to ${who}`);
  }
  // Grant headers (x-amz-grant-read: uri="http://acs.amazonaws.com/groups/global/AllUsers").
  for (const header of [
    'x-amz-grant-read',
    'x-amz-grant-write',
    'x-amz-grant-read-acp',
    'x-amz-grant-write-acp',
    'x-amz-grant-full-control',
  ]) {
    for (const value of strings(field(requestParameters, header))) {
      for (const [uri, who] of Object.entries(PUBLIC_GROUPS)) {
        if (value.includes(uri))
          publicGrants.push(`${header.slice('x-amz-grant-'.length).toUpperCase()} to ${who}`);
      }
    }
  }
  return { ...(canned ? { canned } : {}), publicGrants };
}
