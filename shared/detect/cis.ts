import { iamLink, kmsKeyLink, rootCredentialsLink } from '../enrich/links.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import type { CloudTrailRule } from './types.ts';
import { field, str } from './values.ts';

/**
 * The CIS AWS Foundations monitoring controls that are about who called, not what they touched:
 * root use (4.3), console sign-in (4.3, 4.6), unauthorized calls (4.1), and KMS keys (4.7).
 * https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html
 */

const SIGNIN = 'signin.amazonaws.com';

/** CloudTrail's stand-in when the typed user name does not exist (it may be a mistyped password). */
const HIDDEN_USER = 'HIDDEN_DUE_TO_SECURITY_REASONS';

function service(record: CloudTrailRecord): string {
  return record.eventSource.replace(/\.amazonaws\.com$/, '');
}

export const rootUsage: CloudTrailRule = {
  id: 'root-usage',
  title: 'Root user used',
  severity: 'critical',
  description:
    'Any call made with the root user’s own credentials (not by an AWS service on its behalf); kept critical when denied.',
  cis: '4.3',
  feed: 'root-usage',
  eventSource: '*',
  eventNames: ['*'],
  check(record, ctx) {
    const id = record.userIdentity;
    if (id.type !== 'Root' || id.invokedBy !== undefined || record.eventType === 'AwsServiceEvent')
      return null;
    const login = record.eventName === 'ConsoleLogin';
    const outcome = str(field(record.responseElements, 'ConsoleLogin'));
    const mfa = str(field(record.additionalEventData, 'MFAUsed'));
    return {
      action: login
        ? outcome === 'Failure'
          ? 'failed to sign in to the console'
          : `signed in to the console${mfa === 'No' ? ' without MFA' : ''}`
        : `called ${service(record)}:${record.eventName}`,
      verdict:
        'Root credentials bypass every IAM policy and guardrail: confirm who holds them and why they were used.',
      // The envelope's account (ctx), which EventBridge set: the record's own fields are only claims.
      resource: { type: 'AWS account', name: ctx.account },
      links: [rootCredentialsLink()],
      keepSeverityWhenDenied: true,
    };
  },
};

function signInOutcome(record: CloudTrailRecord): string | undefined {
  return str(field(record.responseElements, 'ConsoleLogin'));
}

export const consoleLoginWithoutMfa: CloudTrailRule = {
  id: 'console-login-without-mfa',
  title: 'Console sign-in without MFA',
  severity: 'high',
  description:
    'An IAM user signed in to the console with a password alone. SSO and assumed-role sign-ins carry MFA elsewhere and are not this.',
  cis: '4.2',
  feed: 'console-sign-in',
  eventSource: SIGNIN,
  eventNames: ['ConsoleLogin'],
  needs: ['responseElements', 'userIdentity'],
  check(record) {
    if (record.userIdentity.type !== 'IAMUser' || signInOutcome(record) !== 'Success') return null;
    if (str(field(record.additionalEventData, 'MFAUsed')) === 'Yes') return null;
    const user = record.userIdentity.userName ?? 'unknown';
    return {
      action: 'signed in to the console without MFA',
      verdict: 'Only a password protects this user: enforce MFA, and check the source IP is theirs.',
      resource: { type: 'IAM user', name: user },
      links: user === 'unknown' ? [] : [iamLink('users', user)],
    };
  },
};

export const consoleLoginFailed: CloudTrailRule = {
  id: 'console-login-failed',
  title: 'Console sign-in failed',
  severity: 'medium',
  description: 'A failed console sign-in (CIS 4.6): repeated ones from one IP suggest password guessing.',
  cis: '4.6',
  feed: 'console-sign-in',
  eventSource: SIGNIN,
  eventNames: ['ConsoleLogin'],
  needs: ['responseElements', 'userIdentity'],
  check(record) {
    const outcome = signInOutcome(record);
    if (outcome === 'Success') return null;
    // Neither outcome: an odd record. Throwing turns it into a readable generic alert, not silence.
    if (outcome !== 'Failure') throw new Error('ConsoleLogin without a Success/Failure outcome');
    const named = record.userIdentity.userName;
    const user = named === HIDDEN_USER ? undefined : named;
    return {
      action: `failed to sign in to the console${record.errorMessage ? ` (${record.errorMessage})` : ''}`,
      verdict:
        'Nothing accessed. Many failures from one IP, or for a user who did not try, mean someone is guessing.',
      ...(user ? { resource: { type: 'IAM user', name: user }, links: [iamLink('users', user)] } : {}),
    };
  },
};

export const kmsKeyDisabled: CloudTrailRule = {
  id: 'kms-key-disabled',
  title: 'KMS key disabled or scheduled for deletion',
  severity: 'high',
  description:
    'A customer managed key disabled or scheduled for deletion (CIS 4.7): data encrypted under it becomes unreadable.',
  cis: '4.7',
  feed: 'cis-monitoring',
  eventSource: 'kms.amazonaws.com',
  eventNames: ['DisableKey', 'ScheduleKeyDeletion'],
  check(record, ctx) {
    const given = str(field(record.requestParameters, 'keyId')) ?? 'unknown key';
    // Key ARNs and ids both appear; people recognise the id (or alias).
    const keyId = given.includes(':key/') ? (given.split(':key/')[1] ?? given) : given;
    const region = record.awsRegion ?? ctx.region;
    const deletion = record.eventName === 'ScheduleKeyDeletion';
    const days = field(record.requestParameters, 'pendingWindowInDays');
    const when = str(field(record.responseElements, 'deletionDate'));
    const facts = [];
    if (deletion && (typeof days === 'number' || typeof days === 'string'))
      facts.push({ label: 'Pending window', value: `${days} days` });
    if (when) facts.push({ label: 'Deletion date', value: when });
    return {
      action: deletion ? `scheduled KMS key ${keyId} for deletion` : `disabled KMS key ${keyId}`,
      verdict: deletion
        ? 'Data encrypted under this key is lost for good once the window ends: cancel the deletion if unplanned.'
        : 'Everything encrypted under this key is unreadable until it is enabled again.',
      resource: { type: 'KMS key', name: keyId, ...(given.startsWith('arn:') ? { arn: given } : {}) },
      links: [kmsKeyLink(region, keyId)],
      facts,
    };
  },
};

/** CIS 4.1: error codes of calls refused for lack of permission. */
const DENIED = /^AccessDenied|UnauthorizedOperation$/;

export const unauthorizedCall: CloudTrailRule = {
  id: 'unauthorized-call',
  title: 'Unauthorized API call',
  severity: 'medium',
  description:
    'A call refused with AccessDenied* or *UnauthorizedOperation that no other rule explains (CIS 4.1).',
  cis: '4.1',
  feed: 'unauthorized-calls',
  eventSource: '*',
  eventNames: ['*'],
  fallback: true,
  check(record) {
    if (!record.errorCode || !DENIED.test(record.errorCode)) return null;
    return {
      action: `tried ${service(record)}:${record.eventName} and was denied`,
      deniedVerdict:
        'Denied: nothing changed. One denial is often a misconfigured tool; many, or from an unknown principal, suggest probing.',
      // The attempt is the signal: lowering it would make every denial low.
      keepSeverityWhenDenied: true,
    };
  },
};

export const CIS_RULES: readonly CloudTrailRule[] = [
  rootUsage,
  consoleLoginWithoutMfa,
  consoleLoginFailed,
  kmsKeyDisabled,
];

/** Runs last: only when nothing else raised an alert for the event. */
export const FALLBACK_RULES: readonly CloudTrailRule[] = [unauthorizedCall];
