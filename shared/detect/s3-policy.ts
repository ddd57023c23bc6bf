import { ownValue } from '../util/own.ts';
import {
  conditionOf,
  hasNotPrincipal,
  isAllow,
  policyStatements,
  principalAccount,
  principalScope,
  readCondition,
  statementPrincipals,
} from './policy.ts';
import { asList, field, short, str, strings } from './values.ts';

export interface PolicyStatementSummary {
  sid?: string;
  actions: string[];
  resources: string[];
  /** Who the statement opens to: `Principal "*"`, `NotPrincipal`, `federated graph.facebook.com`. */
  opensTo: string[];
  /** Conditions on pinning keys that did not pin, and why: `aws:PrincipalOrgID "o-*" has a wildcard`. */
  notPinning: string[];
}

export interface BucketPolicyAnalysis {
  /** Allow statements that open the bucket to anyone. */
  publicStatements: PolicyStatementSummary[];
  /**
   * Other AWS accounts granted access by Allow statements: named as principals, or a `*` pinned to them by
   * aws:PrincipalAccount / aws:PrincipalArn (the same grant, written another way).
   */
  otherAccounts: string[];
  /**
   * Organizations a `*` is pinned to by aws:PrincipalOrgID / aws:PrincipalOrgPaths. cloud-alerts does not
   * know your organization's id, so it names them rather than assume they are yours.
   */
  otherOrganizations: string[];
  statementCount: number;
}

function summarise(
  st: Record<string, unknown>,
  opensTo: string[],
  notPinning: string[],
): PolicyStatementSummary {
  const sid = str(st.Sid);
  return {
    ...(sid ? { sid } : {}),
    actions: strings(st.Action ?? st.NotAction),
    resources: strings(st.Resource ?? st.NotResource),
    opensTo,
    notPinning,
  };
}

/**
 * S3's definition of a public bucket policy (see policy.ts for the source): an Allow is public when it
 * grants to anyone (`*`, a wildcard or variable principal, `NotPrincipal`) or to a federated identity
 * provider, unless a condition pins it with fixed values. Deny statements never widen access, and are not
 * credited with narrowing it either: S3 itself judges a policy by what its grants name.
 */
export function analyzeBucketPolicy(
  policy: Record<string, unknown>,
  ownerAccount: string,
): BucketPolicyAnalysis {
  const publicStatements: PolicyStatementSummary[] = [];
  const otherAccounts = new Set<string>();
  const otherOrganizations = new Set<string>();
  const all = policyStatements(policy);
  for (const st of all) {
    if (!isAllow(st)) continue;
    const who = statementPrincipals(st);
    const opensTo = [
      ...who.anyone.map((p) =>
        p.value === '*' ? 'Principal "*"' : `Principal ${p.kind} "${short(p.value, 60)}"`,
      ),
      ...who.federated.map((p) => `federated ${short(p.value, 60)}`),
      ...(hasNotPrincipal(st) ? ['NotPrincipal (everyone but the named)'] : []),
    ];
    if (opensTo.length > 0) {
      const condition = conditionOf(st);
      const { pin, notPinning } = readCondition(condition);
      if (!pin) publicStatements.push(summarise(st, [...new Set(opensTo)], notPinning));
      else {
        const scope = principalScope(condition, ownerAccount);
        for (const a of scope?.otherAccounts ?? []) otherAccounts.add(a);
        for (const o of scope?.organizations ?? []) otherOrganizations.add(o);
      }
    }
    for (const { value } of who.named) {
      const acct = principalAccount(value);
      if (acct && acct !== ownerAccount) otherAccounts.add(acct);
    }
  }
  return {
    publicStatements,
    otherAccounts: [...otherAccounts].sort(),
    otherOrganizations: [...otherOrganizations].sort(),
    statementCount: all.length,
  };
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
  // The canned ACL and grantee URI are the caller's text: only our own keys may answer.
  const cannedMeaning = canned ? ownValue(PUBLIC_CANNED, canned) : undefined;
  if (canned && cannedMeaning) publicGrants.push(`canned ACL ${canned}: ${cannedMeaning}`);
  const acl = field(field(requestParameters, 'AccessControlPolicy'), 'AccessControlList');
  for (const grant of asList(field(acl, 'Grant'))) {
    const uri = str(field(field(grant, 'Grantee'), 'URI'));
    const who = uri ? ownValue(PUBLIC_GROUPS, uri) : undefined;
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
