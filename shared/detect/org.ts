import { serviceLink } from '../enrich/links.ts';
import type { Severity } from '../events/alert.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import type { CloudTrailRule } from './types.ts';
import { field, str } from './values.ts';

/**
 * AWS Organizations changes (CIS 4.15). Organizations is global: its events appear in us-east-1.
 * Service control policies are the guardrails of every member account, so removing or weakening
 * them ranks above adding accounts.
 */
const ORGS = 'organizations.amazonaws.com';

const CHANGES: Record<string, [string, Severity, string]> = {
  LeaveOrganization: [
    'took this account out of its organization',
    'critical',
    'Service control policies and central security services no longer apply to this account.',
  ],
  DeleteOrganization: [
    'deleted the organization',
    'high',
    'Every guardrail set by the organization is gone.',
  ],
  RemoveAccountFromOrganization: [
    'removed an account from the organization',
    'high',
    'That account is no longer covered by the organization’s guardrails.',
  ],
  DetachPolicy: ['detached an organization policy', 'high', 'A guardrail no longer applies to the target.'],
  DeletePolicy: ['deleted an organization policy', 'high', 'A guardrail is gone.'],
  UpdatePolicy: ['changed an organization policy', 'high', 'A guardrail changed: read the new document.'],
  DisablePolicyType: [
    'disabled a policy type in the organization',
    'high',
    'Every policy of that type stops applying under this root.',
  ],
  DisableAWSServiceAccess: [
    'disabled an AWS service’s access to the organization',
    'high',
    'An organization-wide service (often a security one) stops working across accounts.',
  ],
  AttachPolicy: ['attached an organization policy', 'medium', 'What member accounts may do changed.'],
  CreatePolicy: ['created an organization policy', 'medium', 'Not attached yet.'],
  EnablePolicyType: [
    'enabled a policy type in the organization',
    'medium',
    'Policies of that type can now apply.',
  ],
  CreateAccount: [
    'created a member account',
    'medium',
    'A new account: confirm it has an owner and a baseline.',
  ],
  InviteAccountToOrganization: [
    'invited an account to the organization',
    'medium',
    'An outside account may join: confirm it is expected.',
  ],
  AcceptHandshake: [
    'accepted an organization handshake',
    'medium',
    'This account joined or changed its organization.',
  ],
  MoveAccount: [
    'moved an account between organizational units',
    'medium',
    'Different guardrails now apply to it.',
  ],
  CreateOrganizationalUnit: ['created an organizational unit', 'medium', 'Check which policies it inherits.'],
  DeleteOrganizationalUnit: ['deleted an organizational unit', 'medium', 'Check where its accounts went.'],
  EnableAWSServiceAccess: [
    'enabled an AWS service’s access to the organization',
    'medium',
    'That service can act across member accounts.',
  ],
};

function target(record: CloudTrailRecord): string | undefined {
  const rp = record.requestParameters;
  return (
    str(field(rp, 'accountId')) ??
    str(field(rp, 'policyId')) ??
    str(field(rp, 'targetId')) ??
    str(field(rp, 'name')) ??
    str(field(rp, 'accountName')) ??
    str(field(rp, 'servicePrincipal')) ??
    str(field(rp, 'policyType'))
  );
}

export const organizationsChanged: CloudTrailRule = {
  id: 'organizations-changed',
  title: 'AWS Organizations changed',
  severity: 'critical',
  description:
    'Organization structure and policies (CIS 4.15): LeaveOrganization critical (even when denied); removing guardrails high; the rest medium.',
  cis: '4.15',
  feed: 'organizations',
  eventSource: ORGS,
  eventNames: Object.keys(CHANGES),
  check(record, ctx) {
    const [verb, severity, verdict] = CHANGES[record.eventName] ?? [
      `called ${record.eventName}`,
      'medium',
      'Check the change.',
    ];
    const what = target(record);
    const policyId = str(field(record.requestParameters, 'policyId'));
    const targetId = str(field(record.requestParameters, 'targetId'));
    const facts = [];
    if (policyId) facts.push({ label: 'Policy', value: policyId });
    if (targetId) facts.push({ label: 'Target', value: targetId });
    return {
      action: `${verb}${what && !policyId ? ` (${what})` : policyId ? ` (${policyId}${targetId ? ` on ${targetId}` : ''})` : ''}`,
      severity,
      verdict,
      resource: policyId
        ? { type: 'organization policy', name: policyId }
        : record.eventName === 'LeaveOrganization'
          ? { type: 'AWS account', name: ctx.account }
          : str(field(record.requestParameters, 'accountId')) ||
              str(field(record.requestParameters, 'accountName'))
            ? { type: 'AWS account', name: what ?? 'unknown' }
            : { type: 'AWS organization', name: what ?? ctx.account },
      links: [serviceLink('us-east-1', 'organizations')],
      facts,
      ...(record.eventName === 'LeaveOrganization' ? { keepSeverityWhenDenied: true } : {}),
    };
  },
};

export const ORG_RULES: readonly CloudTrailRule[] = [organizationsChanged];
