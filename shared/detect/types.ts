import type { Fact, Link, Resource, Severity } from '../events/alert.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';

/** What one rule concludes about one event; enrichment turns it into an Alert. */
export interface Finding {
  ruleId: string;
  title: string;
  severity: Severity;
  /** Verb phrase that follows the actor: "made bucket example-data public with ACL public-read". */
  action: string;
  /** Is it dangerous now, in one sentence. */
  verdict?: string;
  resource?: Resource;
  facts?: Fact[];
  links?: Link[];
  /** Tampering and root use keep their severity when denied: the attempt itself is the signal. */
  keepSeverityWhenDenied?: boolean;
  /** For rules about denials themselves: the verdict to show instead of the generic "Denied: …" line. */
  deniedVerdict?: string;
  /**
   * The record lacked a part the rule's verdict depends on (see CloudTrailRule.needs): the rule could
   * not rule out its worst case, so it is raised at the rule's own severity, saying so.
   */
  incomplete?: readonly string[];
}

/** The parts of a record a verdict can depend on, which exporters and size limits sometimes drop. */
export type RecordPart = 'requestParameters' | 'responseElements' | 'additionalEventData' | 'userIdentity';

/**
 * A part needed only for some of a rule's calls (`calls`, names as in `eventNames`: exact, or
 * `Prefix*`), or only with one of some fields inside it (`fields`: at least one present, non-empty and,
 * for a policy document written as text, readable), named in the alert as `what`.
 */
export interface PartForCalls {
  part: RecordPart;
  calls?: readonly string[];
  fields?: readonly string[];
  what?: string;
}

/**
 * How a rule tells cloud-alerts' resources from the account's others. serverless.yml names every
 * resource `<service>-<stage>-…` (custom.prefix); the secrets are whatever SSM parameters the
 * configuration names; e-mail receivers may publish to topics the configuration names.
 */
export interface OwnResources {
  /** Name prefixes of rules, bus, archive, functions, queues, topic and alarms, each ending in `-`. */
  namePrefixes: readonly string[];
  /** SSM paths under which parameters are ours, each ending in `/`. */
  parameterPrefixes: readonly string[];
  /** The SSM parameters the configuration reads, with the receiver each belongs to. */
  secrets: readonly { parameter: string; receiver: string }[];
  /** Topic ARNs of e-mail receivers that publish to a topic of their own instead of the stack's. */
  topicArns: readonly string[];
}

export interface DetectContext {
  /** Account the event happened in (EventBridge `account`). */
  account: string;
  region: string;
  /** cloud-alerts' own resources, for the rules about switching it off; DEFAULT_OWN in alerting.ts when absent. */
  own?: OwnResources;
}

export type FindingDraft = Omit<Finding, 'ruleId' | 'title' | 'severity'> & {
  severity?: Severity;
  title?: string;
};

/**
 * A catalog entry. The data (id, title, severity, which EventBridge rule feeds it, which calls it
 * looks at) is what the README table, the coverage tests and replay read; `check` holds what a
 * pattern cannot say, as a pure function.
 */
export interface CloudTrailRule {
  id: string;
  title: string;
  /** The severity it raises (the loudest, when `check` can choose). */
  severity: Severity;
  description: string;
  /** CIS AWS Foundations Benchmark control, when the rule implements one. */
  cis?: string;
  /** Key of the serverless.yml EventBridge rule (name without the service-stage prefix) that must deliver its events. */
  feed: string;
  /** `*` for rules that look at every call (root usage, unauthorized calls). */
  eventSource: string;
  /**
   * Exact CloudTrail eventNames; a name ending in `*` matches by prefix, for APIs whose recorded
   * name carries a version suffix (Lambda's `PutFunctionConcurrency20171031`). `['*']` is every call.
   */
  eventNames: readonly string[];
  /**
   * Runs only when no other rule raised anything for the event: "a denied call nothing else
   * explains" (CIS 4.1 unauthorized calls).
   */
  fallback?: boolean;
  /**
   * Parts every genuine record of the watched calls carries and the verdict depends on. When one is
   * missing (an export trimmed it, or it was too large for CloudTrail to keep) the rule does not
   * guess from the rest: it raises "could not rule out" at its own severity instead, so a missing
   * field can never turn a public bucket into a quiet "ACL changed". Leave a part out where AWS
   * itself records null for a legitimate call (CreateAccessKey for oneself has no requestParameters).
   */
  needs?: readonly (RecordPart | PartForCalls)[];
  /**
   * Every finding of this rule keeps its severity when the call was denied (tampering: the attempt is
   * the signal). Used where the rule cannot run its check, for a "could not rule out" finding.
   */
  attemptKeepsSeverity?: boolean;
  check(record: CloudTrailRecord, ctx: DetectContext): FindingDraft | null;
}
