import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import { ALERTING_RULES } from './alerting.ts';
import { CIS_RULES, FALLBACK_RULES } from './cis.ts';
import { IAM_RULES } from './iam.ts';
import { NETWORK_RULES } from './network.ts';
import { ORG_RULES } from './org.ts';
import { RESOURCE_RULES } from './resources.ts';
import { S3_RULES } from './s3.ts';
import { TAMPER_RULES } from './tamper.ts';
import type { CloudTrailRule, DetectContext, Finding } from './types.ts';

/** Every CloudTrail rule, in the order alerts are raised when several fire on one event. */
export const CLOUDTRAIL_RULES: readonly CloudTrailRule[] = [
  ...S3_RULES,
  ...IAM_RULES,
  ...CIS_RULES,
  ...TAMPER_RULES,
  ...NETWORK_RULES,
  ...ORG_RULES,
  ...RESOURCE_RULES,
  ...ALERTING_RULES,
  ...FALLBACK_RULES,
];

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

/** True when the rule looks at this call: exact name, `Prefix*`, or every call (`*`). */
export function watches(rule: CloudTrailRule, eventSource: string, eventName: string): boolean {
  if (rule.eventSource !== '*' && rule.eventSource !== eventSource) return false;
  return rule.eventNames.some((n) =>
    n === '*' ? true : n.endsWith('*') ? eventName.startsWith(n.slice(0, -1)) : n === eventName,
  );
}

/** Rules that name this call specifically: what makes a call "known" to the catalog. */
const specific = (r: CloudTrailRule) => r.eventSource !== '*';

const byCall = new Map<string, readonly CloudTrailRule[]>();

export function rulesFor(eventSource: string, eventName: string): readonly CloudTrailRule[] {
  const key = `${eventSource}|${eventName}`;
  let rules = byCall.get(key);
  if (!rules) {
    rules = CLOUDTRAIL_RULES.filter((r) => watches(r, eventSource, eventName));
    // Bounded: keys come from eventSource/eventName pairs, a few hundred in practice.
    if (byCall.size < 5000) byCall.set(key, rules);
  }
  return rules;
}

/** Run every rule that looks at this call; a rule that throws on an odd shape is reported, not fatal. */
export function detectCloudTrail(
  record: CloudTrailRecord,
  ctx: DetectContext,
): { findings: Finding[]; known: boolean; errors: string[] } {
  const rules = rulesFor(record.eventSource, record.eventName);
  const findings: Finding[] = [];
  const errors: string[] = [];
  const run = (rule: CloudTrailRule) => {
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
  };
  for (const rule of rules) if (!rule.fallback) run(rule);
  if (findings.length === 0) for (const rule of rules) if (rule.fallback) run(rule);
  return { findings, known: rules.some(specific), errors };
}
