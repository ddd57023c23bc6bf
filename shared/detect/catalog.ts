import { severityRank } from '../events/alert.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import { ALERTING_RULES } from './alerting.ts';
import { CIS_RULES, FALLBACK_RULES } from './cis.ts';
import { IAM_RULES } from './iam.ts';
import { NETWORK_RULES } from './network.ts';
import { ORG_RULES } from './org.ts';
import { RESOURCE_RULES } from './resources.ts';
import { S3_RULES } from './s3.ts';
import { TAMPER_RULES } from './tamper.ts';
import type { CloudTrailRule, DetectContext, Finding, PartForCalls } from './types.ts';
import { field, isRecord, parsePolicyDocument } from './values.ts';

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

/**
 * Raised for an event that claims to be AWS's (CloudTrail or alarm detail-type) with a source AWS
 * did not set (shared/events/trust.ts). Medium: the claim is attacker text and must not page, but
 * someone writing fake AWS events onto the bus is worth a look the same day.
 */
export const FORGED_RULE = {
  id: 'forged-aws-event',
  title: 'Fake AWS event on the event bus',
  severity: 'medium',
  description:
    'An event with a CloudTrail or CloudWatch alarm detail-type whose source is not aws.* (or is a SaaS partner): someone who may put events on the bus wrote it. Its content is shown as a claim and never judged.',
  feed: 'forged-aws-events',
} as const;

/** Raised when an event reached the alert function but no rule knows its shape. */
export const GENERIC_RULE = {
  id: 'generic-event',
  title: 'Unrecognised event',
  severity: 'low',
  description:
    'An event matched a deployed EventBridge rule but no catalog rule understands it; shown as is.',
} as const;

/**
 * Rule ids the pipeline raises itself, after detection (flapping, group and overflow summaries, the
 * doctor's test). Written out here because their stages sit above detect/ (imports flow one way);
 * test/unit/detect/rule-ids.test.ts ties each to its constant.
 */
export const PIPELINE_RULE_IDS = [
  'cloudwatch-alarm-flapping',
  'alert-group-summary',
  'delivery-overflow-summary',
  'cloud-alerts-test',
] as const;

/** Every rule id an alert may carry: what a route, silence or allow-list entry may name. */
export const RULE_IDS: readonly string[] = [
  ...CLOUDTRAIL_RULES.map((rule) => rule.id),
  ALARM_RULE.id,
  FORGED_RULE.id,
  GENERIC_RULE.id,
  ...PIPELINE_RULE_IDS,
];

/** A catalog call name against a recorded one: exact, `Prefix*`, or every call (`*`). */
function namesCall(name: string, eventName: string): boolean {
  return name === '*'
    ? true
    : name.endsWith('*')
      ? eventName.startsWith(name.slice(0, -1))
      : name === eventName;
}

/** True when the rule looks at this call: exact name, `Prefix*`, or every call (`*`). */
export function watches(rule: CloudTrailRule, eventSource: string, eventName: string): boolean {
  if (rule.eventSource !== '*' && rule.eventSource !== eventSource) return false;
  return rule.eventNames.some((n) => namesCall(n, eventName));
}

/**
 * What this record lacks of what the rule needs for this call (see CloudTrailRule.needs), in words for
 * the alert. A refused or failed call has no response (AWS records `responseElements: null` with the
 * errorCode), so a response is never needed then.
 */
function missingParts(rule: CloudTrailRule, record: CloudTrailRecord): string[] {
  const missing: string[] = [];
  for (const need of rule.needs ?? []) {
    const n: PartForCalls = typeof need === 'string' ? { part: need } : need;
    if (n.calls && !n.calls.some((c) => namesCall(c, record.eventName))) continue;
    if (n.part === 'responseElements' && record.errorCode !== undefined) continue;
    const value = record[n.part];
    const what = absent(value)
      ? n.part
      : n.fields && !n.fields.some((f) => present(field(value, f)))
        ? (n.what ?? `${n.part}.${n.fields.join(' or ')}`)
        : undefined;
    if (what && !missing.includes(what)) missing.push(what);
  }
  return missing;
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

/** Missing, null, empty, or not an object (an unparsed or truncated string): nothing to judge by. */
function absent(part: unknown): boolean {
  return !isRecord(part) || Object.keys(part).length === 0;
}

/** A field inside a part that says something: not empty, and a policy written as text that parses. */
function present(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isRecord(v)) return Object.keys(v).length > 0;
  // A document cut short ("{", or '{"Statement": [') is no document: an exporter's truncation.
  if (typeof v === 'string' && /^\s*(\{|%7B)/i.test(v)) return parsePolicyDocument(v) !== undefined;
  return true;
}

/** What a rule says when the record lacks what its verdict needs: its worst case, not ruled out. */
function couldNotTell(rule: CloudTrailRule, record: CloudTrailRecord, missing: string[]): Finding {
  const service = record.eventSource.replace(/\.amazonaws\.com$/, '');
  return {
    ruleId: rule.id,
    title: `Could not rule out: ${rule.title}`,
    severity: rule.severity,
    action: `called ${service}:${record.eventName}, and the record does not say what it changed`,
    verdict: `The record has no ${missing.join(' or ')} (an export trimmed it, or it was too large for CloudTrail), so "${rule.title}" cannot be ruled out: open the event in CloudTrail and check.`,
    facts: [{ label: 'Missing from the record', value: missing.join(', ') }],
    keepSeverityWhenDenied: rule.attemptKeepsSeverity === true,
    incomplete: missing,
  };
}

/**
 * Of the "could not rule out" findings for one call, keep only the loudest, and only when it is
 * louder than everything the other rules could tell: paired rules (ACL public / ACL changed) would
 * otherwise say the same thing twice, and a root sign-in already critical needs no "maybe" beside it.
 */
function keepLoudestUnknown(known: Finding[], unknown: Finding[]): Finding[] {
  const loudest = unknown.reduce<Finding | undefined>(
    (best, f) => (!best || severityRank(f.severity) > severityRank(best.severity) ? f : best),
    undefined,
  );
  if (!loudest) return known;
  const knownRank = Math.max(-1, ...known.map((f) => severityRank(f.severity)));
  return severityRank(loudest.severity) > knownRank ? [...known, loudest] : known;
}

/** Run every rule that looks at this call; a rule that throws on an odd shape is reported, not fatal. */
export function detectCloudTrail(
  record: CloudTrailRecord,
  ctx: DetectContext,
): { findings: Finding[]; known: boolean; errors: string[] } {
  const rules = rulesFor(record.eventSource, record.eventName);
  let findings: Finding[] = [];
  const unknown: Finding[] = [];
  const errors: string[] = [];
  const run = (rule: CloudTrailRule) => {
    try {
      const missing = missingParts(rule, record);
      if (missing.length > 0) {
        unknown.push(couldNotTell(rule, record, missing));
        return;
      }
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
  findings = keepLoudestUnknown(findings, unknown);
  if (findings.length === 0) for (const rule of rules) if (rule.fallback) run(rule);
  return { findings, known: rules.some(specific), errors };
}
