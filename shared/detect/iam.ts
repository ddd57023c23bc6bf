import { iamLink, iamPolicyLink } from '../enrich/links.ts';
import type { Resource } from '../events/alert.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import {
  conditionOf,
  describePin,
  elementStrings,
  hasElement,
  hasNotPrincipal,
  isAllow,
  policyStatements,
  principalAccount,
  principalScope,
  readCondition,
  readFederated,
  statementPrincipals,
} from './policy.ts';
import type { CloudTrailRule, DetectContext, FindingDraft } from './types.ts';
import { field, parsePolicyDocument, short, str } from './values.ts';

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
    // The response names the key's owner too: an export that dropped the request must not turn a key
    // minted for someone else into one the caller made for itself.
    const owner =
      param(record, 'userName') ?? str(field(field(record.responseElements, 'accessKey'), 'userName'));
    const target = owner ?? callerName ?? 'the caller';
    const forOther = owner !== undefined && owner !== callerName;
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
    'A managed policy attached to a user, group or role; AdministratorAccess is critical, IAMFullAccess/PowerUserAccess high, others medium (a customer managed policy’s document is not in the event: the verdict says to check it).',
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
            : // Only the ARN is recorded: an administrator document raised its own alert when it was
              // created or made the default (iam-managed-policy-changed), if that happened while we watched.
              `Permissions changed: a customer managed policy, whose document is not in the event; open it and check what it allows: if it grants administrator access, ${target?.resource.name ?? 'the principal'} is now an administrator.`,
      ...(target
        ? { resource: target.resource, links: [...(target.links ?? []), iamPolicyLink(arn)] }
        : { links: [iamPolicyLink(arn)] }),
      facts: [{ label: 'Policy', value: arn }],
    };
  },
};

/**
 * What an identity policy's Allow statements hand out, read for two questions.
 *
 * **Administrator-equivalent** (`admin`): a statement that, on every resource (`Resource "*"`, or any
 * `NotResource`), allows
 * - every action (`"*"`, `"*:*"`), or
 * - every action but the few a `NotAction` lists: everything except those, which is how an administrator
 *   policy is written to look narrow (`NotAction: "iam:DeleteUser"`), or
 * - every IAM action (`iam:*`, or a pattern covering it such as `ia*`): whoever holds it can attach any
 *   other policy to themselves, so it is administrator access one call away.
 * **Wildcard** (`wildcard`): any other statement allowing every action (`"*"` or `NotAction`) on some
 * resources, or some actions on every resource (`Resource "*"` or `NotResource`).
 * Action and resource names are matched without regard to case, as IAM matches action names.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
 */
interface PolicyReach {
  /** `statement: every action except iam:DeleteUser (NotAction) on Resource "*"`, one per statement. */
  admin: string[];
  wildcard: string[];
}

/** A pattern that matches every action: `*`, `**`, `*:*`. */
function coversAllActions(pattern: string): boolean {
  return /^\*+(?::\*+)?$/.test(pattern.trim());
}

/** Glob match, `*` any run and `?` one character, without regard to case. */
function globMatches(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  // Dynamic programming over prefixes: no regular expression built from attacker text.
  let row = new Array<boolean>(t.length + 1).fill(false);
  row[0] = true;
  for (const c of p) {
    const next = new Array<boolean>(t.length + 1).fill(false);
    if (c === '*') {
      let any = false;
      for (let j = 0; j <= t.length; j++) {
        any = any || (row[j] ?? false);
        next[j] = any;
      }
    } else {
      for (let j = 1; j <= t.length; j++) next[j] = (row[j - 1] ?? false) && (c === '?' || c === t[j - 1]);
    }
    row = next;
  }
  return row[t.length] ?? false;
}

/**
 * A pattern that matches every IAM action: it ends in `*` and what comes before matches a beginning of
 * `iam:` (`iam:*`, `iam*`, `i*`, `*`), so any action name after `iam:` fits.
 */
function coversAllIam(pattern: string): boolean {
  const p = pattern.trim();
  if (!p.endsWith('*')) return false;
  const before = p.slice(0, -1);
  return ['', 'i', 'ia', 'iam', 'iam:'].some((prefix) => globMatches(before, prefix));
}

function coversAllResources(pattern: string): boolean {
  return /^(?:\*+|arn(?::\*+)+)$/.test(pattern.trim());
}

function quoted(list: readonly string[]): string {
  return short(list.map((x) => JSON.stringify(x)).join(', '), 160);
}

function reachOf(doc: Record<string, unknown>): PolicyReach {
  const admin: string[] = [];
  const wildcard: string[] = [];
  const all = policyStatements(doc);
  for (const [i, st] of all.entries()) {
    if (!isAllow(st)) continue;
    const label = short(str(st.Sid) ?? (all.length > 1 ? `statement ${i + 1}` : 'statement'), 60);
    const actions = elementStrings(st, 'Action');
    const notActions = elementStrings(st, 'NotAction');
    const resources = elementStrings(st, 'Resource');
    const notResources = elementStrings(st, 'NotResource');
    // NotAction / NotResource allow everything but what they list; listing "*" leaves nothing.
    const exceptActions = hasElement(st, 'NotAction') && !notActions.some(coversAllActions);
    const exceptResources = hasElement(st, 'NotResource') && !notResources.some(coversAllResources);
    // Nothing allowed: no Action, or a NotAction that lists every action.
    if (actions.length === 0 && !exceptActions) continue;
    const everyAction = actions.some(coversAllActions);
    const everyResource = resources.some(coversAllResources) || exceptResources;
    const iamAll = actions.filter(coversAllIam);
    const actionText = everyAction
      ? 'Action "*"'
      : exceptActions
        ? `every action except ${quoted(notActions)} (NotAction)`
        : short(actions.join(', '), 160) || 'actions';
    const resourceText = exceptResources
      ? `every resource except ${quoted(notResources)} (NotResource)`
      : resources.some(coversAllResources)
        ? 'Resource "*"'
        : short(resources.join(', '), 160) || 'no resource';
    if (everyResource && (everyAction || exceptActions))
      admin.push(`${label}: ${actionText} on ${resourceText}`);
    else if (everyResource && iamAll.length > 0)
      admin.push(
        `${label}: ${short(iamAll.join(', '), 160)} on ${resourceText} (every IAM action: it can grant itself the rest)`,
      );
    else if (everyAction || exceptActions || everyResource)
      wildcard.push(`${label}: ${actionText} on ${resourceText}`);
  }
  return { admin, wildcard };
}

/** The facts that list what a policy hands out. */
function reachFacts(r: PolicyReach): { label: string; value: string }[] {
  return [
    ...(r.admin.length > 0 ? [{ label: 'Administrator statements', value: r.admin.join('\n') }] : []),
    ...(r.wildcard.length > 0 ? [{ label: 'Wildcard statements', value: r.wildcard.join('\n') }] : []),
  ];
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

export const iamInlinePolicyPut: CloudTrailRule = {
  id: 'iam-inline-policy-changed',
  title: 'IAM inline policy changed',
  severity: 'critical',
  description:
    'An inline policy put on a user, group or role; an administrator-equivalent statement (every action, all but a NotAction list, or every IAM action, on every resource) or another wildcard (Action "*", NotAction, Resource "*", NotResource) is critical.',
  cis: '4.4',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['PutUserPolicy', 'PutGroupPolicy', 'PutRolePolicy'],
  needs: [{ part: 'requestParameters', fields: ['policyDocument'] }],
  check(record) {
    const policyName = param(record, 'policyName') ?? 'unnamed';
    const target = principalResource(record);
    const doc = parsePolicyDocument(field(record.requestParameters, 'policyDocument'));
    const reach = doc ? reachOf(doc) : { admin: [], wildcard: [] };
    const on = target ? `${target.resource.type.replace('IAM ', '')} ${target.resource.name}` : 'a principal';
    const who = target?.resource.name ?? 'the principal';
    return {
      action: `put inline policy ${policyName} on ${on}`,
      severity: reach.admin.length + reach.wildcard.length > 0 ? 'critical' : 'high',
      verdict:
        reach.admin.length > 0
          ? `Privilege escalation: ${who} now has administrator access (${reach.admin.join('; ')}).`
          : reach.wildcard.length > 0
            ? `Privilege escalation: the policy allows ${plural(reach.wildcard.length, 'a wildcard', 'wildcards')} (${reach.wildcard.join('; ')}).`
            : doc
              ? 'Permissions changed: no wildcard action or resource.'
              : 'Policy document not readable in the event: review it in the console.',
      ...(target ? { resource: target.resource, links: target.links } : {}),
      facts: reachFacts(reach),
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
    'Customer managed policies and their versions. A new default version with a wildcard or administrator-equivalent statement is critical, and so is a new policy that is administrator-equivalent (attaching it will not show the document); SetDefaultPolicyVersion is high (the document is not in the event).',
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
    const reach = doc ? reachOf(doc) : { admin: [], wildcard: [] };
    const admin = reach.admin.length > 0;
    const broad = admin || reach.wildcard.length > 0;
    const wildcards = `${plural(reach.wildcard.length, 'a wildcard', 'wildcards')} (${reach.wildcard.join('; ')})`;
    switch (record.eventName) {
      case 'CreatePolicyVersion': {
        const setDefault = field(record.requestParameters, 'setAsDefault');
        const isDefault = setDefault === true || setDefault === 'true';
        const severity = !isDefault
          ? broad
            ? 'medium'
            : 'low'
          : broad
            ? 'critical'
            : doc
              ? 'medium'
              : 'high';
        return {
          action: `created a new ${isDefault ? 'default ' : ''}version of policy ${name}`,
          severity,
          verdict: !isDefault
            ? admin
              ? `Not in effect: the new version is not the default, but it grants administrator access (${reach.admin.join('; ')}): making it the default would hand that to everyone the policy is attached to.`
              : 'Not in effect: the new version is not the default.'
            : admin
              ? `Privilege escalation: everyone the policy is attached to now has administrator access (${reach.admin.join('; ')}).`
              : broad
                ? `Privilege escalation: the policy now allows ${wildcards} to everyone it is attached to.`
                : doc
                  ? 'In effect now for everyone the policy is attached to: no wildcard action or resource.'
                  : 'In effect now; the document is not readable in the event: open the policy.',
          resource,
          links,
          facts: reachFacts(reach),
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
      // CreatePolicy makes this document version 1 and the default. The attach calls that follow record only
      // the policy's ARN, so this is the one event that can say an administrator policy now exists.
      case 'CreatePolicy':
        return {
          action: `created managed policy ${name}`,
          severity: admin ? 'critical' : broad ? 'medium' : 'low',
          verdict: admin
            ? `An administrator policy now exists (${reach.admin.join('; ')}): whoever it is attached to becomes an administrator, and the attach call will not show this document.`
            : broad
              ? `Not attached yet, but allows ${plural(reach.wildcard.length, 'a wildcard', 'wildcards')}: watch where it is attached.`
              : 'Not attached to anyone yet.',
          resource,
          links,
          facts: reachFacts(reach),
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
  /**
   * Who outside this account can assume it (anyone, other accounts, identity providers anyone can sign in
   * to), each as a short name for the summary and the reason for the verdict.
   */
  open: { who: string; why: string }[];
  /** Conditions that pin a `*` principal to fixed callers: `aws:PrincipalOrgID o-a1b2c3d4e5`. */
  pinnedBy: string[];
  /** Conditions that pin a web identity provider's subject: `token.actions.githubusercontent.com:sub repo:…`. */
  subjectPins: string[];
  /** Conditions that looked like pins but are not: `aws:PrincipalOrgID "o-*" has a wildcard`. */
  notPinning: string[];
}

/**
 * Who may assume the role, read as the S3 guide reads a bucket policy (policy.ts), and further:
 * - a wildcard principal in any spelling (`"*"`, `{"AWS": ["*"]}`, `arn:aws:iam::*:root`), or
 *   `NotPrincipal`, is anyone unless a condition pins it with fixed values;
 * - a `*` pinned by aws:PrincipalAccount / aws:PrincipalArn to another account is trusted by that account,
 *   exactly as `{"AWS": "<account>"}` is; pinned by aws:PrincipalOrgID / aws:PrincipalOrgPaths it is
 *   trusted by every account of that organization, which cloud-alerts cannot tell is yours;
 * - a web identity provider (GitHub Actions, Cognito, any OIDC provider) is open to whoever can get a
 *   token from it unless its subject is pinned; an identity provider of another account is that
 *   account's; a SAML provider of this account is your own identity provider.
 */
function analyzeTrust(doc: Record<string, unknown>, account: string): TrustAnalysis {
  const principals: string[] = [];
  const open = new Map<string, string>();
  const pinnedBy = new Set<string>();
  const subjectPins = new Set<string>();
  const notPinning = new Set<string>();
  const add = (who: string, why = who) => {
    if (!open.has(who)) open.set(who, why);
  };
  for (const st of policyStatements(doc)) {
    if (!isAllow(st)) continue;
    const who = statementPrincipals(st);
    const condition = conditionOf(st);
    const anyone = who.anyone.map((p) =>
      p.value === '*' ? 'Principal "*"' : `Principal ${p.kind} "${short(p.value, 60)}"`,
    );
    if (hasNotPrincipal(st)) anyone.push('NotPrincipal');
    for (const p of who.anyone) principals.push(`${p.kind}: ${p.value}`);
    if (anyone.length > 0) {
      const { pin, notPinning: why } = readCondition(condition);
      for (const w of why) notPinning.add(w);
      const scope = pin ? principalScope(condition, account) : undefined;
      if (!pin) for (const a of anyone) add(`anyone (${a})`);
      else {
        pinnedBy.add(describePin(pin));
        for (const a of scope?.otherAccounts ?? []) add(`account ${short(a, 40)}`);
        for (const o of scope?.organizations ?? [])
          add(
            `organization ${short(o, 40)}`,
            `every account of organization ${short(o, 40)} (cloud-alerts cannot tell whether it is yours)`,
          );
      }
    }
    for (const p of who.named) {
      principals.push(`${p.kind}: ${p.value}`);
      const acct = p.kind === 'AWS' ? principalAccount(p.value) : undefined;
      if (acct && acct !== account) add(`account ${acct}`);
    }
    for (const p of who.federated) {
      principals.push(`${p.kind}: ${p.value}`);
      const f = readFederated(p.value, condition, account);
      if (f.kind === 'other-account')
        add(`account ${f.account}`, `account ${f.account}, through its identity provider`);
      else if (f.kind === 'open') {
        add(`anyone with a token from ${f.provider}`, `anyone with a token from ${f.provider} (${f.why})`);
        notPinning.add(f.why);
      } else if (f.kind === 'pinned') for (const pin of f.pins) subjectPins.add(pin);
    }
  }
  return {
    principals,
    open: [...open].map(([who, why]) => ({ who, why })),
    pinnedBy: [...pinnedBy],
    subjectPins: [...subjectPins],
    notPinning: [...notPinning],
  };
}

export const iamRoleTrustChanged: CloudTrailRule = {
  id: 'iam-role-trust-changed',
  title: 'IAM role trust policy changed',
  severity: 'critical',
  description:
    'A role created or its trust policy updated; trust opened to "*", to another account or organization (also as "*" pinned to it by aws:PrincipalAccount, aws:PrincipalArn or aws:PrincipalOrgID), or to a web identity provider whose subject is not pinned (any GitHub repository, Cognito guests) is critical.',
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
    const pins = [...t.pinnedBy, ...t.subjectPins];
    if (pins.length > 0) facts.push({ label: 'Pinned by', value: pins.join('\n') });
    if (t.open.length > 0) {
      return {
        action: `${action}, trusting ${t.open.map((o) => o.who).join(' and ')}`,
        verdict: `Assumable from outside this account now: ${t.open.map((o) => o.why).join(', ')}.`,
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
