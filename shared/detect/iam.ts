import { iamLink } from '../enrich/links.ts';
import type { Resource } from '../events/alert.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import type { CloudTrailRule, FindingDraft } from './types.ts';
import { field, parsePolicyDocument, statements, str, strings } from './values.ts';

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
  if (group) return { resource: { type: 'IAM group', name: group }, links: [] };
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
    'A managed policy attached to a user or role; AdministratorAccess is critical, IAMFullAccess/PowerUserAccess high.',
  cis: '4.4',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['AttachUserPolicy', 'AttachRolePolicy'],
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
          : 'Permissions changed: review what the policy allows.',
      ...(target ? { resource: target.resource, links: target.links } : {}),
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
    'An inline policy put on a user or role; a statement allowing Action "*" or Resource "*" is critical.',
  cis: '4.4',
  feed: FEED,
  eventSource: IAM,
  eventNames: ['PutUserPolicy', 'PutRolePolicy'],
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

export const IAM_RULES: readonly CloudTrailRule[] = [
  iamUserCreated,
  iamAccessKeyCreated,
  iamManagedPolicyAttached,
  iamInlinePolicyPut,
];
