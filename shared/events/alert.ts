import * as z from 'zod/mini';
import type { Channel } from '../notify/channels/registry.ts';

/** Ordered from loudest to quietest; the index is used for "≥ high" style comparisons. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

/** Rank where a larger number is more severe: critical 4 … info 0. */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(s);
}

/** One step quieter (used for denied "attempted" calls); info stays info. */
export function lowerSeverity(s: Severity): Severity {
  return SEVERITIES[Math.min(SEVERITIES.indexOf(s) + 1, SEVERITIES.length - 1)] ?? 'info';
}

export const ActorKindSchema = z.enum([
  'iam-user',
  'assumed-role',
  'sso-user',
  'root',
  'federated',
  'web-identity',
  'aws-service',
  'aws-account',
  'unknown',
]);
export type ActorKind = z.infer<typeof ActorKindSchema>;

export const ActorSchema = z.object({
  kind: ActorKindSchema,
  /** Human words: "IAM user alice", "role deploy (session ci-42)", "SSO user jane@example.com (AdministratorAccess)". */
  display: z.string(),
  /** The principal's name for allow-lists: user name, role name, or service principal. */
  name: z.optional(z.string()),
  arn: z.optional(z.string()),
  /**
   * For a session (assumed role, federated user): the name its caller chose, the last segment of
   * `arn`. Never an identity: allow-lists match it only through an explicit `session` field.
   */
  session: z.optional(z.string()),
  /** For a session: the role (or user) that issued it, `sessionContext.sessionIssuer.arn`. */
  issuerArn: z.optional(z.string()),
  accountId: z.optional(z.string()),
  /** The caller's account is not the account the event happened in. */
  crossAccount: z.boolean(),
});
export type Actor = z.infer<typeof ActorSchema>;

export const FactSchema = z.object({ label: z.string(), value: z.string() });
export type Fact = z.infer<typeof FactSchema>;

/** Links are built by us from AWS identifiers; only they may render as clickable links. */
export const LinkSchema = z.object({ text: z.string(), url: z.string() });
export type Link = z.infer<typeof LinkSchema>;

/**
 * What AWS said beyond the event, fetched when the alert was raised (shared/evidence): the alarm's
 * metric over its last periods, the children a composite alarm fired on, the errors in the failing
 * function's logs, who else changed the resource. Every string is built by us: AWS names and
 * attacker-influenced text (log lines, user names) went through inlineText with secret-looking
 * values masked, so a channel renders each line as one inert line, escaped for its markup.
 */
export const EVIDENCE_KINDS = ['metric', 'children', 'logs', 'history'] as const;
export const EvidenceSchema = z.object({
  kind: z.enum(EVIDENCE_KINDS),
  /** Our words, e.g. "Errors (Sum per minute), 09:32–10:02 UTC". */
  title: z.string(),
  /**
   * A sparkline: one row of block characters (U+2581–U+2588; "·" where there was no data), oldest
   * first. Monospace where the channel has it; read on its own it still makes sense.
   */
  chart: z.optional(z.string()),
  /** One line each, already inert: the legend, the figures, one error or one change per line. */
  lines: z.array(z.string()),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

export const ResourceSchema = z.object({
  type: z.string(),
  name: z.string(),
  arn: z.optional(z.string()),
});
export type Resource = z.infer<typeof ResourceSchema>;

/**
 * What the alert function decides and every channel renders. It travels on the alerts bus inside
 * a "Notification Requested" event, so it is a schema (the notify functions parse it back) and it
 * stays small: facts are short strings, never the raw event.
 */
export const AlertSchema = z.object({
  /** Stable per occurrence: same input event → same id, so retries and redeliveries are idempotent. */
  id: z.string(),
  ruleId: z.string(),
  title: z.string(),
  severity: SeveritySchema,
  status: z.enum(['firing', 'resolved']),
  kind: z.enum(['cloudtrail', 'alarm', 'generic']),
  /** First line: who did what to which resource. */
  summary: z.string(),
  /** Second line: is it dangerous now. */
  verdict: z.optional(z.string()),
  account: z.object({ id: z.string(), alias: z.optional(z.string()) }),
  region: z.string(),
  time: z.string(),
  actor: z.optional(ActorSchema),
  resource: z.optional(ResourceSchema),
  facts: z.array(FactSchema),
  links: z.array(LinkSchema),
  /** What AWS showed when the alert was raised (metric, logs, history); absent when nothing was read. */
  evidence: z.optional(z.array(EvidenceSchema)),
  /** PagerDuty dedup_key and the grouping identity; a resolve reuses the trigger's key. */
  dedupKey: z.string(),
  /** EventBridge event id of the event that raised it. */
  eventId: z.string(),
  /** CloudTrail eventID, when the alert comes from CloudTrail. */
  cloudTrailEventId: z.optional(z.string()),
  tags: z.optional(z.record(z.string(), z.string())),
  /** The call was denied: nothing changed, but someone tried. */
  attempted: z.optional(z.boolean()),
  /**
   * A digest of what the alert says changed (action, verdict and the rule's own facts; for a
   * critical alert also the source IP, session and client): two alerts fold as repeats only when
   * it is equal (shared/stages/dedupe.ts).
   */
  change: z.optional(z.string()),
  /**
   * How many alerts this one stands for, when it is a summary (a grouping window's or a send
   * budget's): absent means 1. Folding a summary counts what it covers, so nothing is counted twice
   * and nothing goes uncounted.
   */
  covers: z.optional(z.number()),
});
export type Alert = z.infer<typeof AlertSchema>;

export type { Channel };

/**
 * A channel's name as it travels on the bus: the form every plug-in's name has. Which channels exist
 * is the registry's to say (shared/notify/channels/registry.ts), and no function may load the
 * registry: each notifier checks the name against its own plug-in (shared/pipeline/notify.ts), the
 * alert function writes only the channels of configured receivers.
 */
export const ChannelSchema = z.pipe(
  z.string().check(z.regex(/^[a-z][a-z0-9-]{0,31}$/)),
  z.transform((name) => name as Channel),
);

/** detail of the "Notification Requested" events on the alerts bus: one per (alert, receiver). */
export const NotificationRequestSchema = z.object({
  channel: ChannelSchema,
  receiver: z.string(),
  /** Idempotency key for this delivery: `${alert.id}/${receiver}`. */
  key: z.string(),
  alert: AlertSchema,
});
export type NotificationRequest = z.infer<typeof NotificationRequestSchema>;

export const ALERTS_SOURCE = 'cloud-alerts';
export const NOTIFICATION_REQUESTED = 'Notification Requested';
export const ALERT_RAISED = 'Alert Raised';

export function notificationKey(alertId: string, receiver: string): string {
  return `${alertId}/${receiver}`;
}
