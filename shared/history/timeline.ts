/**
 * `cloud-alerts history`: the writes to one resource, or by one actor, as a timeline with our rules'
 * verdict beside each. The records come from CloudTrail event history (LookupEvents) or from archive
 * files; either way each becomes one TimelineEntry.
 */
import type { Config } from '../config/schema.ts';
import { FORGED_RULE, GENERIC_RULE } from '../detect/catalog.ts';
import { isRecord } from '../detect/values.ts';
import { describeActor } from '../enrich/actor.ts';
import { describeClient } from '../enrich/client.ts';
import { type Severity, severityRank } from '../events/alert.ts';
import { readCloudTrailRecord } from '../events/cloudtrail.ts';
import type { TrailEvent } from '../evidence/ports.ts';
import { evaluate } from '../pipeline/evaluate.ts';
import { wrapCloudTrailRecord } from '../replay/load.ts';

export type HistoryMode = 'resource' | 'actor' | 'either';

export interface TimelineEntry {
  /** ISO 8601, UTC. */
  time: string;
  eventName: string;
  eventSource: string;
  /** Our words for the caller ("role deploy (session ci-42)"). */
  actor: string;
  sourceIp: string | null;
  /** Our words for the user agent ("Terraform 1.7.5", "AWS console (browser)"). */
  client: string | null;
  /** The loudest alert our rules raise on this record, or null when no rule judged it. */
  verdict: { ruleId: string; severity: Severity } | null;
  eventId: string;
  region: string | null;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function lastSegment(arn: string): string {
  return arn.split(/[/:]/).pop() ?? arn;
}

/** An ARN naming `target` as its last segment, or `target` itself. */
function namesTarget(value: string, target: string): boolean {
  if (value === target) return true;
  return value.startsWith('arn:') && (value.endsWith(`/${target}`) || value.endsWith(`:${target}`));
}

/** String values inside a request, depth- and count-bounded: a hostile record cannot make this slow. */
function* stringsIn(v: unknown, depth = 0, budget = { left: 500 }): Generator<string> {
  if (budget.left-- <= 0) return;
  if (typeof v === 'string') yield v;
  else if (depth >= 6) return;
  else if (Array.isArray(v)) for (const x of v) yield* stringsIn(x, depth + 1, budget);
  else if (isRecord(v)) for (const x of Object.values(v)) yield* stringsIn(x, depth + 1, budget);
}

/** The record's `resources` (ARN or name) or a request parameter names the resource. */
export function touchesResource(record: Record<string, unknown>, target: string): boolean {
  if (Array.isArray(record.resources)) {
    for (const r of record.resources) {
      if (!isRecord(r)) continue;
      const arn = text(r.ARN) ?? text(r.arn);
      const name = text(r.resourceName) ?? text(r.ResourceName);
      if ((arn && namesTarget(arn, target)) || name === target) return true;
    }
  }
  for (const s of stringsIn(record.requestParameters)) if (namesTarget(s, target)) return true;
  return false;
}

/** The caller is `target`: user name, ARN, principal id, session name, or the role that issued the session. */
export function madeBy(record: Record<string, unknown>, target: string): boolean {
  const id = isRecord(record.userIdentity) ? record.userIdentity : undefined;
  if (!id) return false;
  const issuer =
    isRecord(id.sessionContext) && isRecord(id.sessionContext.sessionIssuer)
      ? id.sessionContext.sessionIssuer
      : undefined;
  const arn = text(id.arn);
  const candidates = [
    text(id.userName),
    arn,
    arn ? lastSegment(arn) : undefined,
    text(id.principalId),
    text(issuer?.userName),
    text(issuer?.arn),
  ];
  return candidates.some((c) => c === target);
}

export function matches(record: Record<string, unknown>, target: string, mode: HistoryMode): boolean {
  if (mode === 'resource') return touchesResource(record, target);
  if (mode === 'actor') return madeBy(record, target);
  return touchesResource(record, target) || madeBy(record, target);
}

/** A record CloudTrail marks read-only (boolean or "true"), which is no change. */
export function isReadOnly(record: Record<string, unknown>): boolean {
  const r = record.readOnly;
  return r === true || (typeof r === 'string' && r.trim().toLowerCase() === 'true');
}

/**
 * What our rules say about the record, exactly as the alert function would: the record goes through
 * evaluate() in its EventBridge envelope, as backtest and replay send it. The generic "no rule for
 * this call" alert is no verdict; of several alerts, the loudest speaks.
 */
export function verdictFor(
  record: Record<string, unknown>,
  config: Config | undefined,
): TimelineEntry['verdict'] {
  if (!config) return null;
  const { alerts } = evaluate(wrapCloudTrailRecord(record), config);
  let best: TimelineEntry['verdict'] = null;
  for (const a of alerts) {
    if (a.ruleId === GENERIC_RULE.id || a.ruleId === FORGED_RULE.id) continue;
    if (!best || severityRank(a.severity) > severityRank(best.severity))
      best = { ruleId: a.ruleId, severity: a.severity };
  }
  return best;
}

/** A CloudTrail record (or an EventBridge event carrying one) as a timeline entry; undefined when it is not one. */
export function entryFromRecord(
  value: Record<string, unknown>,
  config: Config | undefined,
  fallback: { eventId?: string; username?: string; region?: string } = {},
): TimelineEntry | undefined {
  const raw = 'detail-type' in value && isRecord(value.detail) ? value.detail : value;
  const read = readCloudTrailRecord(raw);
  if (!read.ok) return undefined;
  const r = read.record;
  const timeMs = r.eventTime ? Date.parse(r.eventTime) : Number.NaN;
  const eventId = r.eventID ?? fallback.eventId;
  if (!Number.isFinite(timeMs) || !eventId) return undefined;
  const account = r.recipientAccountId ?? r.userIdentity?.accountId ?? '';
  const identity = r.userIdentity;
  const hasIdentity = identity && (identity.type || identity.arn || identity.principalId);
  return {
    time: new Date(timeMs).toISOString(),
    eventName: r.eventName,
    eventSource: r.eventSource,
    actor: hasIdentity ? describeActor(identity, account).display : (fallback.username ?? 'unknown caller'),
    sourceIp: r.sourceIPAddress ?? null,
    client: describeClient(r.userAgent) ?? null,
    verdict: verdictFor(raw, config),
    eventId,
    region: r.awsRegion ?? fallback.region ?? null,
  };
}

/** A LookupEvents event: its record when readable, else what LookupEvents says around it. */
export function entryFromTrailEvent(
  event: TrailEvent,
  region: string,
  config: Config | undefined,
): TimelineEntry {
  const fromRecord = event.record
    ? entryFromRecord(event.record, config, {
        eventId: event.eventId,
        region,
        ...(event.username ? { username: event.username } : {}),
      })
    : undefined;
  return (
    fromRecord ?? {
      time: new Date(event.timeMs).toISOString(),
      eventName: event.eventName,
      eventSource: event.eventSource,
      actor: event.username ?? 'unknown caller',
      sourceIp: null,
      client: null,
      verdict: null,
      eventId: event.eventId,
      region,
    }
  );
}

/**
 * Oldest first: the timeline reads as the story happened (created, then changed, then made public),
 * and the latest change ends next to the prompt, where a terminal leaves it in view. One entry per
 * eventId: the resource and actor lookups overlap, and archives may hold a record twice.
 */
export function orderTimeline(entries: Iterable<TimelineEntry>): TimelineEntry[] {
  const byId = new Map<string, TimelineEntry>();
  for (const e of entries) if (!byId.has(e.eventId)) byId.set(e.eventId, e);
  return [...byId.values()].sort(
    (a, b) => a.time.localeCompare(b.time) || a.eventId.localeCompare(b.eventId),
  );
}
