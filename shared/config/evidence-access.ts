import type { InlinePolicy, PolicyStatement } from './access.ts';
import type { EvidenceConfig } from './evidence.ts';

/** The alert role's policy for evidence; `scripts/check-template.ts` checks the packaged role holds exactly it. */
export const EVIDENCE_POLICY_NAME = 'alert-evidence';

/**
 * Log group ARNs for `evidence.logs.logGroups`. FilterLogEvents is authorised on the log group
 * (resource type log-group, `arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}`):
 * an exact name gets the group's ARN with and without the `:*` suffix ARNs of a log group carry; a
 * prefix ending in `*` covers both. Any region: an alarm forwarded from another region of this account
 * is read where it lives.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html
 */
function logGroupArns(patterns: readonly string[]): Array<{ 'Fn::Sub': string }> {
  const arn = (name: string) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:logs:*:\${AWS::AccountId}:log-group:${name}`,
  });
  return patterns.flatMap((p) => (p.endsWith('*') ? [arn(p)] : [arn(p), arn(`${p}:*`)]));
}

/**
 * What the alert function needs to read evidence, and nothing more: only read actions, scoped where
 * IAM allows it. GetMetricData and LookupEvents name no resource type, so they take "*"
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudtrail.html);
 * FilterLogEvents is limited to the configured log groups. DescribeAlarms (composite alarms'
 * children) the role has already, for alarm context. Undefined when evidence is off.
 */
export function evidencePolicy(evidence: EvidenceConfig): InlinePolicy | undefined {
  if (!evidence.enabled) return undefined;
  const statements: PolicyStatement[] = [
    { Sid: 'EvidenceMetrics', Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' },
  ];
  if (evidence.logs.enabled)
    statements.push({
      Sid: 'EvidenceLogs',
      Effect: 'Allow',
      Action: 'logs:FilterLogEvents',
      Resource: logGroupArns(evidence.logs.logGroups),
    });
  if (evidence.history.enabled)
    statements.push({
      Sid: 'EvidenceHistory',
      Effect: 'Allow',
      Action: 'cloudtrail:LookupEvents',
      Resource: '*',
    });
  return {
    PolicyName: EVIDENCE_POLICY_NAME,
    PolicyDocument: { Version: '2012-10-17', Statement: statements },
  };
}

/** A log group name falls inside the configured list: equal to a name, or starting with a prefix's text before its `*`. */
export function logGroupAllowed(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}
