/**
 * "What else happened to this resource?" for a CloudTrail alert: one bounded LookupEvents read of the
 * resource's recent writes, put into one to three lines of our words.
 */

import type { EvidenceConfig } from '../config/evidence.ts';
import { describeActor } from '../enrich/actor.ts';
import { type Alert, type Evidence, type Severity, severityRank } from '../events/alert.ts';
import { readCloudTrailRecord } from '../events/cloudtrail.ts';
import { inlineText, truncate } from '../notify/text.ts';
import type { LogPort } from '../pipeline/logger.ts';
import { containerHistoryLookups, type HistoryLookups, type HistoryRead } from './history-cache.ts';
import { EVIDENCE_LINE_MAX, EVIDENCE_LINES_MAX } from './limits.ts';
import {
  type EvidenceResult,
  NO_EVIDENCE,
  readCode,
  type TrailEvent,
  type TrailLookupPort,
} from './ports.ts';

/** LookupEvents answers at most 50 events a page. https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html */
export const LOOKUP_PAGE_MAX = 50;

/**
 * CloudTrail delivers events typically within about 5 minutes of the call, not guaranteed; event
 * history follows the same delivery. https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html
 */
export const TRAIL_DELIVERY_LAG_MINUTES = 5;

/** Untrusted names in a line (user, role, event name) are cut well below the line cap. */
const NAME_MAX = 80;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Resources named by an account id: every call in the account names it, so its "history" says nothing. */
const NO_HISTORY_TYPES = new Set(['AWS account']);
const CREATES = /^(Create|RunInstances$|Register|Allocate|Import)/;

export interface HistoryEvidenceInput {
  alert: Alert;
  region: string;
  signal?: AbortSignal | undefined;
  /** Epoch ms. */
  now: number;
  /** The alert's own record, for who made it (the same principal as an earlier change?). */
  cloudTrailRecord?: Record<string, unknown> | undefined;
  logger?: LogPort | undefined;
}

export interface HistoryPorts {
  trailLookup?: TrailLookupPort | undefined;
}

/** An untrusted name as one inert, short piece of a line. */
export function safeName(s: string, max = NAME_MAX): string {
  return truncate(inlineText(s), max);
}

function line(s: string): string {
  return truncate(s, EVIDENCE_LINE_MAX);
}

/** "4 minutes earlier", "3 h later", "2 days earlier": from the alert's event time. */
export function relativeTime(eventMs: number, alertMs: number): string {
  const diff = alertMs - eventMs;
  const dir = diff >= 0 ? 'earlier' : 'later';
  const abs = Math.abs(diff);
  const min = Math.floor(abs / 60_000);
  if (min < 1) return `seconds ${dir}`;
  if (min < 60) return `${min} minute${min === 1 ? '' : 's'} ${dir}`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${dir}`;
  const d = Math.floor(h / 24);
  return `${d} day${d === 1 ? '' : 's'} ${dir}`;
}

export interface Principal {
  /** The caller's ARN (for a session, the session's). */
  arn?: string | undefined;
  /** For a session: the role or user that issued it. */
  issuerArn?: string | undefined;
  /** What LookupEvents calls Username (or the record's user name), when there is no ARN. */
  username?: string | undefined;
  /** Our words for the caller: "role terraform-ci (session ci-42)". */
  words: string;
}

/** Who made a call, from its record when readable (actor words as the alert has them), else LookupEvents' Username. */
export function principalOf(
  record: Record<string, unknown> | undefined,
  username: string | undefined,
  account: string,
): Principal {
  const read = record ? readCloudTrailRecord(record) : undefined;
  const identity = read?.ok ? read.record.userIdentity : undefined;
  if (identity && (identity.type || identity.arn || identity.principalId)) {
    const actor = describeActor(identity, account);
    return {
      arn: actor.arn,
      issuerArn: actor.issuerArn,
      username: username ?? actor.name,
      words: safeName(actor.display),
    };
  }
  return username ? { username, words: safeName(username) } : { words: 'an unknown caller' };
}

/** The alert's caller as a Principal: from its record, else from the alert's actor. */
function alertPrincipal(input: HistoryEvidenceInput): Principal | undefined {
  if (input.cloudTrailRecord) return principalOf(input.cloudTrailRecord, undefined, input.alert.account.id);
  const a = input.alert.actor;
  return a ? { arn: a.arn, issuerArn: a.issuerArn, username: a.name, words: safeName(a.display) } : undefined;
}

/** "the same user", "the same role (another session)", or the caller's words. */
export function whoWords(p: Principal, alertCaller: Principal | undefined): string {
  if (alertCaller) {
    if (p.arn && alertCaller.arn && p.arn === alertCaller.arn) return 'the same user';
    if (p.issuerArn && alertCaller.issuerArn && p.issuerArn === alertCaller.issuerArn)
      return `${p.words} (the same role, another session)`;
    if (!p.arn && !alertCaller.arn && p.username && p.username === alertCaller.username)
      return 'the same user';
  }
  return p.words;
}

/** Which part of the resource a call changed, when its name says so plainly. */
function changedPart(eventName: string): string {
  if (/Policy/.test(eventName)) return 'Policy';
  if (/Acl/.test(eventName)) return 'ACL';
  if (/Tag/.test(eventName)) return 'Tags';
  if (/Encryption/.test(eventName)) return 'Encryption';
  if (/PublicAccessBlock/.test(eventName)) return 'Public access block';
  return 'Resource';
}

function sameKey(p: Principal): string {
  return p.arn ?? p.issuerArn ?? p.username ?? p.words;
}

interface Change {
  event: TrailEvent;
  who: Principal;
}

/**
 * The lines: what made the resource (when in range), what last changed it, what else changed it in
 * the day before the alert, or that nothing did; then the caveats that matter.
 */
export function summariseHistory(
  read: Pick<HistoryRead, 'events' | 'complete' | 'readAtMs'>,
  ctx: {
    alert: Alert;
    alertCaller?: Principal | undefined;
    lookbackDays: number;
    /** The read was another alert's, this long ago (from the cache). */
    reusedAgoMs?: number | undefined;
    /**
     * The alert's service (`s3.amazonaws.com`): LookupEvents finds every resource of that name, and a
     * DynamoDB table named like the bucket is not the bucket's history. Anyone may create a namesake.
     */
    eventSource?: string | undefined;
  },
): string[] {
  const { alert } = ctx;
  const alertMs = Date.parse(alert.time);
  const ownId = alert.cloudTrailEventId;
  const seenOwn = ownId !== undefined && read.events.some((e) => e.eventId === ownId);
  const changes: Change[] = read.events
    .filter((e) => e.readOnly !== true && e.eventId !== ownId)
    .filter((e) => ctx.eventSource === undefined || e.eventSource === ctx.eventSource)
    .map((event) => ({ event, who: principalOf(event.record, event.username, alert.account.id) }))
    .sort((a, b) => b.event.timeMs - a.event.timeMs);
  const before = Number.isFinite(alertMs) ? changes.filter((c) => c.event.timeMs <= alertMs) : changes;
  const after = Number.isFinite(alertMs) ? changes.filter((c) => c.event.timeMs > alertMs) : [];
  const at = (ms: number) =>
    Number.isFinite(alertMs) ? relativeTime(ms, alertMs) : new Date(ms).toISOString();
  const by = (c: Change) => whoWords(c.who, ctx.alertCaller);
  const name = (c: Change) => safeName(c.event.eventName);
  const lines: string[] = [];
  const named = new Set<string>();

  const created = before.find((c) => CREATES.test(c.event.eventName));
  if (created) {
    lines.push(`Created ${at(created.event.timeMs)} by ${by(created)} (${name(created)})`);
    named.add(created.event.eventId);
  }
  const last = before.find((c) => !named.has(c.event.eventId));
  if (last) {
    lines.push(
      `${changedPart(last.event.eventName)} last changed by ${by(last)} ${at(last.event.timeMs)} (${name(last)})`,
    );
    named.add(last.event.eventId);
  }
  const recent = Number.isFinite(alertMs)
    ? before.filter((c) => !named.has(c.event.eventId) && alertMs - c.event.timeMs < DAY_MS)
    : [];
  if (recent.length > 0) {
    const people = new Set(recent.map((c) => sameKey(c.who))).size;
    const shown = recent
      .slice(0, 3)
      .map((c) => `${name(c)} by ${by(c)} ${at(c.event.timeMs)}`)
      .join(', ');
    const more = recent.length > 3 ? ', …' : '';
    lines.push(
      `In the 24 h before: ${recent.length} other change${recent.length === 1 ? '' : 's'} by ${people} ${people === 1 ? 'principal' : 'principals'} — ${shown}${more}`,
    );
  }
  if (before.length === 0) {
    lines.push(
      read.complete
        ? `First change to this resource in ${ctx.lookbackDays} days`
        : `No earlier change among the ${read.events.length} most recent events read; older history was not read`,
    );
  } else if (!created && !read.complete) {
    lines.push('Older history was not read (the lookup stopped at its page limit)');
  }
  if (after.length > 0) {
    const latest = after[0] as Change;
    lines.push(
      `${after.length} later change${after.length === 1 ? '' : 's'}, latest ${name(latest)} by ${by(latest)} ${at(latest.event.timeMs)}`,
    );
  }
  // The alert's own call missing from event history means history has not caught up with it: calls
  // made just before it may be missing too.
  if (ctx.reusedAgoMs !== undefined) {
    const seconds = Math.max(1, Math.round(ctx.reusedAgoMs / 1000));
    lines.push(
      `Read from event history ${seconds} s earlier for another alert on this resource: changes since are not in it`,
    );
  } else if (ownId !== undefined && !seenOwn) {
    lines.push(
      `Event history lags the API call (typically about ${TRAIL_DELIVERY_LAG_MINUTES} minutes) and did not yet hold this call: the latest changes may be missing`,
    );
  }
  return lines.slice(0, EVIDENCE_LINES_MAX).map(line);
}

function isEligible(alert: Alert, minSeverity: Severity): boolean {
  return (
    alert.kind === 'cloudtrail' &&
    alert.status === 'firing' &&
    alert.attempted !== true &&
    severityRank(alert.severity) >= severityRank(minSeverity) &&
    alert.resource !== undefined &&
    alert.resource.name.trim() !== '' &&
    !NO_HISTORY_TYPES.has(alert.resource.type)
  );
}

/**
 * The value LookupEvents is asked for. Event history's ResourceName holds the names a service
 * reports in the record's `resources` ("i-1234567", a bucket's or group's name), so the alert's
 * resource name is asked, not its ARN.
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_Resource.html
 * AttributeValue is at most 2,000 characters.
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupAttribute.html
 */
export function lookupResourceName(alert: Alert): string | undefined {
  const name = alert.resource?.name.trim();
  return name && name.length <= 1000 ? name : undefined;
}

async function readHistory(
  input: HistoryEvidenceInput,
  port: TrailLookupPort,
  limits: EvidenceConfig['history'],
  lookups: HistoryLookups,
  value: string,
): Promise<{ read: HistoryRead; cutShort: boolean } | undefined> {
  const { region, signal, now, logger } = input;
  const startMs = now - limits.lookbackDays * DAY_MS;
  const events: TrailEvent[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  let complete = false;
  let cutShort = false;
  while (pages < limits.maxCalls) {
    if (!(await lookups.limiter.acquire(region, signal))) {
      logger?.info('history: no LookupEvents call slot before the evidence deadline; skipped', {
        region,
        pages,
      });
      cutShort = true;
      break;
    }
    try {
      const page = await port({
        region,
        attribute: { key: 'ResourceName', value },
        startMs,
        endMs: now,
        maxResults: LOOKUP_PAGE_MAX,
        ...(nextToken ? { nextToken } : {}),
        ...(signal ? { signal } : {}),
      });
      pages++;
      events.push(...page.events);
      nextToken = page.nextToken;
      if (!nextToken) {
        complete = true;
        break;
      }
    } catch (err) {
      const code = readCode(err);
      const message = err instanceof Error ? err.message : String(err);
      const log = code === 'denied' || code === 'failed' ? logger?.warn : logger?.info;
      log?.call(logger, `history: LookupEvents ${code}; the alert goes without the rest of the history`, {
        region,
        code,
        error: message,
      });
      cutShort = true;
      break;
    }
  }
  return pages === 0 ? undefined : { read: { events, complete, readAtMs: now, startMs }, cutShort };
}

/**
 * The resource's recent changes for a firing CloudTrail alert at or above `limits.minSeverity`. Never
 * throws: a missing port, a denied or throttled lookup, or a passed deadline give NO_EVIDENCE (logged).
 * `lookups` is the container's pacing and cache unless a test passes its own.
 */
export async function resourceHistoryEvidence(
  input: HistoryEvidenceInput,
  ports: HistoryPorts,
  limits: EvidenceConfig['history'],
  lookups: HistoryLookups = containerHistoryLookups,
): Promise<EvidenceResult> {
  const { alert, region } = input;
  const port = ports.trailLookup;
  if (!limits.enabled || !port || !isEligible(alert, limits.minSeverity)) return NO_EVIDENCE;
  const value = lookupResourceName(alert);
  const resource = alert.resource;
  if (!value || !resource) return NO_EVIDENCE;
  try {
    const key = `${alert.account.id}|${region}|${value}`;
    let read = lookups.cache.get(key, input.now, limits.cacheSeconds * 1000);
    const reusedAgoMs = read ? input.now - read.readAtMs : undefined;
    if (!read) {
      const fresh = await readHistory(input, port, limits, lookups, value);
      if (!fresh) return NO_EVIDENCE;
      read = fresh.read;
      // A read cut short by a failure or the deadline is not kept: the next alert may do better.
      if (limits.cacheSeconds > 0 && !fresh.cutShort) lookups.cache.set(key, read);
    }
    const lines = summariseHistory(read, {
      alert,
      alertCaller: alertPrincipal(input),
      lookbackDays: limits.lookbackDays,
      reusedAgoMs,
      eventSource:
        typeof input.cloudTrailRecord?.eventSource === 'string'
          ? input.cloudTrailRecord.eventSource
          : undefined,
    });
    if (lines.length === 0) return NO_EVIDENCE;
    const evidence: Evidence = {
      kind: 'history',
      title: line(
        `Recent changes to ${safeName(resource.type, 40)} ${safeName(resource.name)} (CloudTrail, last ${limits.lookbackDays} days)`,
      ),
      lines,
    };
    return { evidence: [evidence], links: [] };
  } catch (err) {
    input.logger?.warn('history: summarising the resource history failed', {
      error: err instanceof Error ? err.message : String(err),
    });
    return NO_EVIDENCE;
  }
}
