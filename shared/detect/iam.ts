import { iamLink, iamPolicyLink } from '../enrich/links.ts';
import type { Resource } from '../events/alert.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import {
  conditionOf,
  describePin,
  hasNotPrincipal,
  isAllow,
  policyStatements,
  principalAccount,
  readCondition,
  statementPrincipals,
} from './policy.ts';
import type { CloudTrailRule, DetectContext, FindingDraft } from './types.ts';
import { field, parsePolicyDocument, short, statements, str, strings } from './values.ts';

const IAM = 'iam.amazonaws.com';
const FEED = 'iam-changes';

/** AWS managed policies that hand out (near-)full control. */
const ADMIN_POLICIES = new Set(['AdministratorAccess']);
const PRIVILEGED_POLICIES = new Set(['IAMFullAccess', 'PowerUserAccess', 'AWSOrganizationsFullAccess']);

function param(record: CloudTrailRecord, key: string): string | undefined {
  return str(field(record.requestParameters, key));
}

function principalResource(
  record: CloudTrailRecord,
): { resource: Resource; links: FindingDraft['links'] } | undefined {
  const user = param(record, 'userName');
  if (user) return { resource: { type: 'IAM user', name: user }, links: [iamLink('users', user)] };
  const role = param(record, 'roleName');
  if (role) return { resource: { type: 'IAM role', name: role }, links: [iamLink('roles', role)] };
  const group = param(record, 'groupName');
  if (group) return { resource: { type: 'IAM group', name: group }, links: [iamLink('groups', group)] };
  return undefined;
}

export const iamUserCreated: CloudTrailRule = {
  id: 'iam-user-created',
  title: 'IAM user created',
  severity: 'medium',
  description: 'A new IAM user: long-lived credentials are a common persistence step.',
  cis: '4.4',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['CreateUser'],
  check(record) {
    const name = param(record, 'userName') ?? 'unknown';
    return {
      action: `created IAM user ${name}`,
      verdict: 'New long-lived identity: confirm it is expected and has an owner.',
      resource: { type: 'IAM user', name },
      links: [iamLink('users', name)],
    };
  },
};

export const iamAccessKeyCreated: CloudTrailRule = {
  id: 'iam-access-key-created',
  title: 'IAM access key created',
  severity: 'high',
  description: 'A new access key; one created for another user is raised to high (a persistence technique).',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['CreateAccessKey'],
  check(record) {
    const callerName = record.userIdentity.userName;
    // With no userName, CreateAccessKey creates a key for the caller itself.
    const target = param(record, 'userName') ?? callerName ?? 'the caller';
    const forOther = param(record, 'userName') !== undefined && param(record, 'userName') !== callerName;
    const keyId = str(field(field(record.responseElements, 'accessKey'), 'accessKeyId'));
    return {
      action: forOther
        ? `created an access key for another user, ${target}`
        : `created an access key for ${target}`,
      severity: forOther ? 'high' : 'medium',
      verdict: forOther
        ? 'Credentials minted for someone else: confirm the user asked for it.'
        : 'New long-lived credentials: rotate old keys and confirm it is expected.',
      resource: { type: 'IAM user', name: target },
      links: target === 'the caller' ? [] : [iamLink('users', target)],
      facts: keyId ? [{ label: 'Access key', value: keyId }] : [],
    };
  },
};

export const iamManagedPolicyAttached: CloudTrailRule = {
  id: 'iam-policy-attached',
  title: 'IAM policy attached',
  severity: 'critical',
  description:
    'A managed policy attached to a user, group or role; AdministratorAccess is critical, IAMFullAccess/PowerUserAccess high.',
  cis: '4.4',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['AttachUserPolicy', 'AttachGroupPolicy', 'AttachRolePolicy'],
  needs: [{ part: 'requestParameters', fields: ['policyArn'] }],
  check(record) {
    const arn = param(record, 'policyArn') ?? 'unknown policy';
    const policyName = arn.split('/').pop() ?? arn;
    const awsManaged = /^arn:aws[a-z-]*:iam::aws:policy\//.test(arn);
    const target = principalResource(record);
    const admin = awsManaged && ADMIN_POLICIES.has(policyName);
    const privileged = awsManaged && PRIVILEGED_POLICIES.has(policyName);
    const severity = admin ? 'critical' : privileged ? 'high' : 'medium';
    return {
      action: `attached ${policyName} to ${target ? `${target.resource.type.replace('IAM ', '')} ${target.resource.name}` : 'a principal'}`,
      severity,
      verdict: admin
        ? `Privilege escalation: ${target?.resource.name ?? 'the principal'} now has full administrator access.`
        : privileged
          ? `Broad privileges granted: ${policyName}.`
          : awsManaged
            ? 'Permissions changed: review what the policy allows.'
            : 'Permissions changed: a customer managed policy, whose document is not in the event; open it to see what it allows.',
      ...(target
        ? { resource: target.resource, links: [...(target.links ?? []), iamPolicyLink(arn)] }
        : { links: [iamPolicyLink(arn)] }),
      facts: [{ label: 'Policy', value: arn }],
    };
  },
};

/** Allow statements with `*` as the action or the resource: what the catalog treats as escalation. */
function wildcardStatements(doc: Record<string, unknown>): string[] {
  const found: string[] = [];
  for (const st of statements(doc)) {
    if (st.Effect !== 'Allow') continue;
    const actions = strings(st.Action);
    const resources = strings(st.Resource);
    if (actions.includes('*')) found.push(`${str(st.Sid) ?? 'statement'}: Action "*"`);
    else if (resources.includes('*'))
      found.push(`${str(st.Sid) ?? 'statement'}: ${actions.join(', ') || 'actions'} on Resource "*"`);
  }
  return found;
}

export const iamInlinePolicyPut: CloudTrailRule = {
  id: 'iam-inline-policy-changed',
  title: 'IAM inline policy changed',
  severity: 'critical',
  description:
    'An inline policy put on a user, group or role; a statement allowing Action "*" or Resource "*" is critical.',
  cis: '4.4',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['PutUserPolicy', 'PutGroupPolicy', 'PutRolePolicy'],
  needs: [{ part: 'requestParameters', fields: ['policyDocument'] }],
  check(record) {
    const policyName = param(record, 'policyName') ?? 'unnamed';
    const target = principalResource(record);
    const doc = parsePolicyDocument(field(record.requestParameters, 'policyDocument'));
    const wild = doc ? wildcardStatements(doc) : [];
    const on = target ? `${target.resource.type.replace('IAM ', '')} ${target.resource.name}` : 'a principal';
    return {
      action: `put inline policy ${policyName} on ${on}`,
      severity: wild.length > 0 ? 'critical' : 'high',
      verdict:
        wild.length > 0
          ? `Privilege escalation: the policy allows ${wild.length === 1 ? 'a wildcard' : 'wildcards'} (${wild.join('; ')}).`
          : doc
            ? 'Permissions changed: no wildcard action or resource.'
            : 'Policy document not readable in the event: review it in the console.',
      ...(target ? { resource: target.resource, links: target.links } : {}),
      facts: wild.length > 0 ? [{ label: 'Wildcard statements', value: wild.join('\n') }] : [],
    };
  },
};

function targetWords(target: ReturnType<typeof principalResource>): string {
  return target ? `${target.resource.type.replace('IAM ', '')} ${target.resource.name}` : 'a principal';
}

export const iamUserDeleted: CloudTrailRule = {
  id: 'iam-user-deleted',
  title: 'IAM user deleted',
  severity: 'low',
  description: 'An IAM user removed: usually clean-up; also how someone erases a persistence user after use.',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['DeleteUser'],
  check(record) {
    const name = param(record, 'userName') ?? 'unknown';
    return {
      action: `deleted IAM user ${name}`,
      verdict: 'Access removed: confirm it was planned.',
      resource: { type: 'IAM user', name },
    };
  },
};

export const iamAccessKeyChanged: CloudTrailRule = {
  id: 'iam-access-key-changed',
  title: 'IAM access key changed',
  severity: 'medium',
  description: 'An access key deactivated or deleted (low), or reactivated (medium).',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['UpdateAccessKey', 'DeleteAccessKey'],
  needs: ['requestParameters'],
  check(record) {
    const user = param(record, 'userName') ?? record.userIdentity.userName ?? 'the caller';
    const keyId = param(record, 'accessKeyId') ?? 'unknown key';
    const status = param(record, 'status');
    const reactivated = record.eventName === 'UpdateAccessKey' && status === 'Active';
    const verb =
      record.eventName === 'DeleteAccessKey'
        ? 'deleted'
        : reactivated
          ? 'reactivated'
          : status === 'Inactive'
            ? 'deactivated'
            : 'changed';
    return {
      action: `${verb} access key ${keyId} of ${user}`,
      severity: reactivated ? 'medium' : 'low',
      verdict: reactivated
        ? 'A dormant credential works again: confirm the owner asked for it.'
        : 'Credentials taken away: no exposure; check nothing breaks.',
      resource: { type: 'IAM user', name: user },
      links: user === 'the caller' ? [] : [iamLink('users', user)],
      facts: [{ label: 'Access key', value: keyId }],
    };
  },
};

export const iamLoginProfileChanged: CloudTrailRule = {
  id: 'iam-login-profile-changed',
  title: 'IAM console password changed',
  severity: 'high',
  description:
    'A console password created or reset; for another user it is high (taking over an identity), deleting one is low.',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['CreateLoginProfile', 'UpdateLoginProfile', 'DeleteLoginProfile'],
  needs: ['requestParameters'],
  check(record) {
    const caller = record.userIdentity.userName;
    const named = param(record, 'userName');
    const user = named ?? caller ?? 'the caller';
    const links = user === 'the caller' ? [] : [iamLink('users', user)];
    const resource = { type: 'IAM user', name: user };
    if (record.eventName === 'DeleteLoginProfile') {
      return {
        action: `removed the console password of ${user}`,
        severity: 'low',
        verdict: 'Console access removed: no exposure.',
        resource,
        links,
      };
    }
    const forOther = named !== undefined && named !== caller;
    const verb =
      record.eventName === 'CreateLoginProfile'
        ? 'created a console password for'
        : 'reset the console password of';
    return {
      action: `${verb} ${forOther ? 'another user, ' : ''}${user}`,
      severity: forOther ? 'high' : 'medium',
      verdict: forOther
        ? 'Whoever set it can sign in as this user: confirm the user asked for it.'
        : 'Console access changed for the caller itself: confirm it is expected.',
      resource,
      links,
    };
  },
};

/** Group names that usually carry administrator policies. */
const ADMIN_GROUP = /admin/i;

export const iamGroupChanged: CloudTrailRule = {
  id: 'iam-group-changed',
  title: 'IAM group membership changed',
  severity: 'high',
  description:
    'Groups created or deleted (low); a user added to a group (medium, high when the group name says admin) or removed (low).',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['CreateGroup', 'DeleteGroup', 'AddUserToGroup', 'RemoveUserFromGroup'],
  needs: ['requestParameters'],
  check(record) {
    const group = param(record, 'groupName') ?? 'unknown group';
    const user = param(record, 'userName');
    const resource = { type: 'IAM group', name: group };
    const links = [iamLink('groups', group)];
    switch (record.eventName) {
      case 'AddUserToGroup': {
        const admin = ADMIN_GROUP.test(group);
        return {
          action: `added ${user ?? 'a user'} to group ${group}`,
          severity: admin ? 'high' : 'medium',
          verdict: admin
            ? `Likely privilege escalation: ${user ?? 'the user'} now has what ${group} allows.`
            : `${user ?? 'The user'} now has what the group allows: review its policies.`,
          resource,
          links: user ? [...links, iamLink('users', user)] : links,
        };
      }
      case 'RemoveUserFromGroup':
        return {
          action: `removed ${user ?? 'a user'} from group ${group}`,
          severity: 'low',
          verdict: 'Access removed: no exposure.',
          resource,
          links,
        };
      default:
        return {
          action: `${record.eventName === 'CreateGroup' ? 'created' : 'deleted'} IAM group ${group}`,
          severity: 'low',
          verdict: 'No one gains access by this alone.',
          resource,
          links,
        };
    }
  },
};

export const iamPolicyDetached: CloudTrailRule = {
  id: 'iam-policy-detached',
  title: 'IAM policy detached',
  severity: 'low',
  description: 'A managed policy detached from a user, group or role (CIS 4.4).',
  cis: '4.4',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['DetachUserPolicy', 'DetachGroupPolicy', 'DetachRolePolicy'],
  check(record) {
    const arn = param(record, 'policyArn') ?? 'unknown policy';
    const target = principalResource(record);
    return {
      action: `detached ${arn.split('/').pop() ?? arn} from ${targetWords(target)}`,
      verdict: 'Permissions taken away: no escalation, but a Deny guardrail may be gone.',
      ...(target ? { resource: target.resource, links: target.links } : {}),
      facts: [{ label: 'Policy', value: arn }],
    };
  },
};

export const iamInlinePolicyDeleted: CloudTrailRule = {
  id: 'iam-inline-policy-deleted',
  title: 'IAM inline policy deleted',
  severity: 'low',
  description: 'An inline policy removed from a user, group or role (CIS 4.4).',
  cis: '4.4',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['DeleteUserPolicy', 'DeleteGroupPolicy', 'DeleteRolePolicy'],
  check(record) {
    const target = principalResource(record);
    return {
      action: `deleted inline policy ${param(record, 'policyName') ?? 'unnamed'} from ${targetWords(target)}`,
      verdict: 'Permissions taken away: no escalation, but a Deny guardrail may be gone.',
      ...(target ? { resource: target.resource, links: target.links } : {}),
    };
  },
};

export const iamManagedPolicyChanged: CloudTrailRule = {
  id: 'iam-managed-policy-changed',
  title: 'IAM managed policy changed',
  severity: 'critical',
  description:
    'Customer managed policies and their versions. A new default version allowing Action "*" or Resource "*" is critical; SetDefaultPolicyVersion is high (the document is not in the event).',
  cis: '4.4',
  feed: FEED,
  eventSource: IAM,
  eventNames: [
    'CreatePolicy',
    'DeletePolicy',
    'CreatePolicyVersion',
    'DeletePolicyVersion',
    'SetDefaultPolicyVersion',
  ],
  needs: [
    'requestParameters',
    { part: 'requestParameters', calls: ['CreatePolicy', 'CreatePolicyVersion'], fields: ['policyDocument'] },
  ],
  check(record) {
    const arn = param(record, 'policyArn') ?? str(field(field(record.responseElements, 'policy'), 'arn'));
    const name = param(record, 'policyName') ?? arn?.split('/').pop() ?? 'unknown policy';
    const resource: Resource = { type: 'IAM policy', name, ...(arn ? { arn } : {}) };
    const links = arn ? [iamPolicyLink(arn)] : [];
    const version = param(record, 'versionId');
    const doc = parsePolicyDocument(field(record.requestParameters, 'policyDocument'));
    const wild = doc ? wildcardStatements(doc) : [];
    const wildFacts = wild.length > 0 ? [{ label: 'Wildcard statements', value: wild.join('\n') }] : [];
    switch (record.eventName) {
      case 'CreatePolicyVersion': {
        const setDefault = field(record.requestParameters, 'setAsDefault');
        const isDefault = setDefault === true || setDefault === 'true';
        const severity = !isDefault
          ? wild.length > 0
            ? 'medium'
            : 'low'
          : wild.length > 0
            ? 'critical'
            : doc
              ? 'medium'
              : 'high';
        return {
          action: `created a new ${isDefault ? 'default ' : ''}version of policy ${name}`,
          severity,
          verdict: !isDefault
            ? 'Not in effect: the new version is not the default.'
            : wild.length > 0
              ? `Privilege escalation: the policy now allows ${wild.length === 1 ? 'a wildcard' : 'wildcards'} (${wild.join('; ')}) to everyone it is attached to.`
              : doc
                ? 'In effect now for everyone the policy is attached to: no wildcard action or resource.'
                : 'In effect now; the document is not readable in the event: open the policy.',
          resource,
          links,
          facts: wildFacts,
        };
      }
      case 'SetDefaultPolicyVersion':
        return {
          action: `made version ${version ?? '?'} the default of policy ${name}`,
          severity: 'high',
          verdict:
            'In effect now, and the event does not carry the document: open the policy and read that version (rolling back to an older, broader version is a known escalation).',
          resource,
          links,
          ...(version ? { facts: [{ label: 'Default version', value: version }] } : {}),
        };
      case 'CreatePolicy':
        return {
          action: `created managed policy ${name}`,
          severity: wild.length > 0 ? 'medium' : 'low',
          verdict:
            wild.length > 0
              ? `Not attached yet, but allows ${wild.length === 1 ? 'a wildcard' : 'wildcards'}: watch where it is attached.`
              : 'Not attached to anyone yet.',
          resource,
          links,
          facts: wildFacts,
        };
      default:
        return {
          action: `${record.eventName === 'DeletePolicy' ? 'deleted managed policy' : `deleted version ${version ?? '?'} of policy`} ${name}`,
          severity: 'low',
          verdict: 'Permissions taken away: no escalation.',
          resource,
          links,
        };
    }
  },
};

interface TrustAnalysis {
  /** Principals as written, for the facts. */
  principals: string[];
  /** Why the trust is dangerous: anyone, or other accounts. */
  open: string[];
  /** Conditions that pin a `*` principal to fixed callers: `aws:PrincipalOrgID o-a1b2c3d4e5`. */
  pinnedBy: string[];
  /** Conditions on a `*` principal that looked like pins but are not: `aws:PrincipalOrgID "o-*" has a wildcard`. */
  notPinning: string[];
}

/**
 * Who may assume the role, read as the S3 guide reads a bucket policy (policy.ts): a wildcard principal in
 * any spelling (`"*"`, `{"AWS": ["*"]}`, `arn:aws:iam::*:root`), or `NotPrincipal`, is anyone unless a
 * condition pins it with fixed values. Federated and Service principals are identity providers and AWS
 * services, not other accounts.
 */
function analyzeTrust(doc: Record<string, unknown>, account: string): TrustAnalysis {
  const principals: string[] = [];
  const open = new Set<string>();
  const pinnedBy = new Set<string>();
  const notPinning = new Set<string>();
  for (const st of policyStatements(doc)) {
    if (!isAllow(st)) continue;
    const who = statementPrincipals(st);
    const anyone = who.anyone.map((p) =>
      p.value === '*' ? 'Principal "*"' : `Principal ${p.kind} "${short(p.value, 60)}"`,
    );
    if (hasNotPrincipal(st)) anyone.push('NotPrincipal');
    for (const p of who.anyone) principals.push(`${p.kind}: ${p.value}`);
    if (anyone.length > 0) {
      const { pin, notPinning: why } = readCondition(conditionOf(st));
      if (pin) pinnedBy.add(describePin(pin));
      else for (const a of anyone) open.add(`anyone (${a})`);
      for (const w of why) notPinning.add(w);
    }
    for (const p of [...who.federated, ...who.named]) {
      principals.push(`${p.kind}: ${p.value}`);
      const acct = p.kind === 'AWS' ? principalAccount(p.value) : undefined;
      if (acct && acct !== account) open.add(`account ${acct}`);
    }
  }
  return { principals, open: [...open], pinnedBy: [...pinnedBy], notPinning: [...notPinning] };
}

export const iamRoleTrustChanged: CloudTrailRule = {
  id: 'iam-role-trust-changed',
  title: 'IAM role trust policy changed',
  severity: 'critical',
  description:
    'A role created or its trust policy updated; trust opened to "*" or to another account is critical.',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['CreateRole', 'UpdateAssumeRolePolicy'],
  needs: [
    'requestParameters',
    { part: 'requestParameters', calls: ['CreateRole'], fields: ['assumeRolePolicyDocument'] },
    { part: 'requestParameters', calls: ['UpdateAssumeRolePolicy'], fields: ['policyDocument'] },
  ],
  check(record, ctx: DetectContext) {
    const role = param(record, 'roleName') ?? 'unknown';
    const resource = { type: 'IAM role', name: role };
    const links = [iamLink('roles', role)];
    const created = record.eventName === 'CreateRole';
    const raw = field(record.requestParameters, created ? 'assumeRolePolicyDocument' : 'policyDocument');
    const doc = parsePolicyDocument(raw);
    const action = created ? `created role ${role}` : `changed who can assume role ${role}`;
    if (!doc) {
      return {
        action,
        severity: created ? 'low' : 'medium',
        verdict: 'Trust policy not readable in the event: open the role and check who can assume it.',
        resource,
        links,
      };
    }
    // The owner is the envelope's account, which EventBridge sets; recipientAccountId is whatever the record says.
    const t = analyzeTrust(doc, ctx.account);
    const facts =
      t.principals.length > 0 ? [{ label: 'Trusted principals', value: t.principals.join('\n') }] : [];
    if (t.notPinning.length > 0)
      facts.push({ label: 'Conditions that do not pin', value: t.notPinning.join('\n') });
    if (t.pinnedBy.length > 0) facts.push({ label: 'Pinned by', value: t.pinnedBy.join('\n') });
    if (t.open.length > 0) {
      return {
        action: `${action}, trusting ${t.open.join(' and ')}`,
        verdict: `Assumable from outside this account now: ${t.open.join(', ')}.`,
        resource,
        links,
        facts,
      };
    }
    return {
      action,
      severity: t.pinnedBy.length > 0 ? 'high' : created ? 'low' : 'medium',
      verdict:
        t.pinnedBy.length > 0
          ? `Not open to everyone: "*" is pinned by ${t.pinnedBy.join('; ')}. Check that this names only callers you trust.`
          : 'Trust stays inside this account, AWS services or identity providers.',
      resource,
      links,
      facts,
    };
  },
};

export const iamMfaDeactivated: CloudTrailRule = {
  id: 'iam-mfa-deactivated',
  title: 'IAM MFA device removed',
  severity: 'high',
  description:
    'An MFA device deactivated or a virtual MFA device deleted: the user signs in with a password alone.',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['DeactivateMFADevice', 'DeleteVirtualMFADevice'],
  check(record) {
    const serial = param(record, 'serialNumber');
    const user =
      param(record, 'userName') ?? (serial ? /:mfa\/(.+)$/.exec(serial)?.[1] : undefined) ?? 'unknown';
    return {
      action: `${record.eventName === 'DeactivateMFADevice' ? 'deactivated' : 'deleted'} an MFA device of ${user}`,
      verdict: 'Weaker sign-in now: the account is protected by its password alone until MFA is back.',
      resource: { type: 'IAM user', name: user },
      links: user === 'unknown' ? [] : [iamLink('users', user)],
      ...(serial ? { facts: [{ label: 'MFA device', value: serial }] } : {}),
    };
  },
};

export const IAM_RULES: readonly CloudTrailRule[] = [
  iamUserCreated,
  iamAccessKeyCreated,
  iamManagedPolicyAttached,
  iamInlinePolicyPut,
  iamUserDeleted,
  iamAccessKeyChanged,
  iamLoginProfileChanged,
  iamGroupChanged,
  iamPolicyDetached,
  iamInlinePolicyDeleted,
  iamManagedPolicyChanged,
  iamRoleTrustChanged,
  iamMfaDeactivated,
];
