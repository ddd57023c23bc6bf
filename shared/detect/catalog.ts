import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import { IAM_RULES } from './iam.ts';
import { S3_RULES } from './s3.ts';
import type { CloudTrailRule, DetectContext, Finding } from './types.ts';

/** Every CloudTrail rule, in the order alerts are raised when several fire on one event. */
export const CLOUDTRAIL_RULES: readonly CloudTrailRule[] = [...S3_RULES, ...IAM_RULES];

/** Alarm state changes are one rule with a lifecycle rather than a predicate. */
export const ALARM_RULE = {
  id: 'cloudwatch-alarm',
  title: 'CloudWatch alarm',
  severity: 'high',
  description:
    'A CloudWatch alarm entered ALARM (fires) or returned to OK (resolves); INSUFFICIENT_DATA is low.',
  feed: 'alarm-state-change',
} as const;

/** Raised when an event reached the alert function but no rule knows its shape. */
export const GENERIC_RULE = {
  id: 'generic-event',
  title: 'Unrecognised event',
  severity: 'low',
  description:
    'An event matched a deployed EventBridge rule but no catalog rule understands it; shown as is.',
} as const;

const byCall = new Map<string, CloudTrailRule[]>();
for (const rule of CLOUDTRAIL_RULES) {
  for (const name of rule.eventNames) {
    const key = `${rule.eventSource}|${name}`;
    byCall.set(key, [...(byCall.get(key) ?? []), rule]);
  }
}

export function rulesFor(eventSource: string, eventName: string): readonly CloudTrailRule[] {
  return byCall.get(`${eventSource}|${eventName}`) ?? [];
}

/** Run every rule that looks at this call; a rule that throws on an odd shape is reported, not fatal. */
export function detectCloudTrail(
  record: CloudTrailRecord,
  ctx: DetectContext,
): { findings: Finding[]; known: boolean; errors: string[] } {
  const rules = rulesFor(record.eventSource, record.eventName);
  const findings: Finding[] = [];
  const errors: string[] = [];
  for (const rule of rules) {
    try {
      const draft = rule.check(record, ctx);
      if (draft)
        findings.push({
          ...draft,
          ruleId: rule.id,
          title: draft.title ?? rule.title,
          severity: draft.severity ?? rule.severity,
        });
    } catch (err) {
      errors.push(`${rule.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { findings, known: rules.length > 0, errors };
}
