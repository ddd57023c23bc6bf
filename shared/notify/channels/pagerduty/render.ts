import { createHash } from 'node:crypto';
import type { Alert, Severity } from '../../../events/alert.ts';
import { moreLinesNote, shownEvidence } from '../../evidence.ts';
import {
  factItems,
  inlineText,
  TRUNCATION_MARKER,
  truncate,
  truncateBytes,
  utf8ByteLength,
} from '../../text.ts';
import { PAGERDUTY_DEDUP_KEY_MAX, PAGERDUTY_EVENT_MAX_BYTES, PAGERDUTY_SUMMARY_MAX } from './limits.ts';

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** A section's title → its chart (if any) and its lines, each a line of plain text. */
export type PagerDutyEvidence = Record<string, string[]>;

export type PagerDutyDetails = Record<string, string | boolean | Record<string, string> | PagerDutyEvidence>;

export interface PagerDutyPayload {
  summary: string;
  source: string;
  severity: PagerDutySeverity;
  timestamp?: string;
  component?: string;
  group: string;
  class: string;
  custom_details: PagerDutyDetails;
}

export interface PagerDutyLink {
  href: string;
  text: string;
}

export interface PagerDutyTriggerEvent {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: PagerDutyPayload;
  links: PagerDutyLink[];
  client: string;
}

export interface PagerDutyResolveEvent {
  routing_key: string;
  event_action: 'resolve';
  dedup_key: string;
}

export type PagerDutyEvent = PagerDutyTriggerEvent | PagerDutyResolveEvent;

const SEVERITY_MAP: Readonly<Record<Severity, PagerDutySeverity>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

export const PAGERDUTY_CLIENT = 'cloud-alerts';
const HASH_MARK = ':sha256:';

/**
 * The dedup_key as sent. A key over 255 characters keeps a readable prefix and ends in a SHA-256 of
 * the whole key, so the trigger and its resolve still agree and distinct keys stay distinct.
 */
export function pagerDutyDedupKey(key: string): string {
  // The key can hold a CloudTrail eventID, which a record can set to anything: one inert line.
  const inertKey = inlineText(key);
  if (inertKey.length <= PAGERDUTY_DEDUP_KEY_MAX) return inertKey;
  const digest = createHash('sha256').update(inertKey, 'utf8').digest('hex');
  const prefix = truncate(inertKey, PAGERDUTY_DEDUP_KEY_MAX - HASH_MARK.length - digest.length, '');
  return `${prefix}${HASH_MARK}${digest}`;
}

/** Plain assignment of a key spelled "__proto__" would set the object's prototype and lose the value. */
function setOwn<V>(record: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A multi-item fact on one line, its items apart. */
const ITEM_SEPARATOR = ' • ';

function factsObject(alert: Alert): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const fact of alert.facts) {
    const label = inlineText(fact.label) || 'fact';
    let key = label;
    for (let n = 2; Object.hasOwn(facts, key); n++) key = `${label} (${n})`;
    setOwn(facts, key, factItems(fact.value).join(ITEM_SEPARATOR));
  }
  return facts;
}

/**
 * `{ [title]: [chart?, ...lines] }`, titles made unique as fact labels are. PagerDuty shows custom
 * details as a list of keys and values, an array as its items: the chart is its own line.
 */
function evidenceObject(alert: Alert): PagerDutyEvidence | undefined {
  const sections = shownEvidence(alert);
  if (sections.length === 0) return undefined;
  const evidence: PagerDutyEvidence = {};
  for (const section of sections) {
    let key = section.title;
    for (let n = 2; Object.hasOwn(evidence, key); n++) key = `${section.title} (${n})`;
    setOwn(evidence, key, [
      ...(section.chart === undefined ? [] : [section.chart]),
      ...section.lines,
      ...(section.omitted > 0 ? [moreLinesNote(section.omitted)] : []),
    ]);
  }
  return evidence;
}

/** Every string PagerDuty shows went through {@link inlineText}: one line, no control characters, no live URL. */
function customDetails(alert: Alert): PagerDutyDetails {
  const details: PagerDutyDetails = {};
  if (alert.facts.length > 0) details.facts = factsObject(alert);
  // After the facts: who and what first, then why (shared/notify/evidence.ts).
  const evidence = evidenceObject(alert);
  if (evidence !== undefined) details.evidence = evidence;
  if (alert.verdict !== undefined) details.verdict = inlineText(alert.verdict);
  if (alert.actor !== undefined) {
    details.actor = inlineText(
      alert.actor.arn === undefined ? alert.actor.display : `${alert.actor.display} (${alert.actor.arn})`,
    );
  }
  if (alert.resource !== undefined) {
    details.resource = inlineText(
      alert.resource.arn === undefined
        ? alert.resource.name
        : `${alert.resource.name} (${alert.resource.arn})`,
    );
  }
  details.account = inlineText(
    alert.account.alias === undefined ? alert.account.id : `${alert.account.alias} (${alert.account.id})`,
  );
  details.region = inlineText(alert.region);
  details.rule = inlineText(alert.ruleId);
  details.event_id = inlineText(alert.eventId);
  if (alert.cloudTrailEventId !== undefined)
    details.cloudtrail_event_id = inlineText(alert.cloudTrailEventId);
  if (alert.attempted === true) details.attempted = true;
  return details;
}

function serialisedBytes(value: unknown): number {
  return utf8ByteLength(JSON.stringify(value));
}

interface LongestValue {
  value: string;
  replace: (value: string) => void;
}

/**
 * The longest string among custom_details, its facts and its evidence lines, with a way to put a
 * shorter one back.
 */
function longestValue(details: PagerDutyDetails): LongestValue | undefined {
  let longest: LongestValue | undefined;
  const consider = (value: string, replace: (v: string) => void): void => {
    if (longest === undefined || value.length > longest.value.length) longest = { value, replace };
  };
  for (const [key, value] of Object.entries(details)) {
    if (typeof value === 'string') consider(value, (v) => (details[key] = v));
    else if (typeof value === 'object') {
      const inners: Record<string, string | string[]> = value;
      for (const [inner, innerValue] of Object.entries(inners)) {
        if (typeof innerValue === 'string') consider(innerValue, (v) => setOwn(inners, inner, v));
        else {
          for (const [i, item] of innerValue.entries()) {
            consider(item, (v) => {
              innerValue[i] = v;
            });
          }
        }
      }
    }
  }
  return longest;
}

/** Shortens the longest values until the event fits; false if it still does not after TRIM_ROUNDS. */
function trim(event: PagerDutyTriggerEvent): boolean {
  const details = event.payload.custom_details;
  for (let round = 0; round < TRIM_ROUNDS; round++) {
    const overflow = serialisedBytes(event) - PAGERDUTY_EVENT_MAX_BYTES;
    if (overflow <= 0) return true;
    const longest = longestValue(details);
    if (longest === undefined) break;
    // JSON escaping can make a value larger on the wire than in memory; the next round catches the rest.
    const shorter = truncateBytes(longest.value, Math.max(0, utf8ByteLength(longest.value) - overflow));
    if (shorter.length >= longest.value.length) break;
    longest.replace(shorter);
  }
  return serialisedBytes(event) <= PAGERDUTY_EVENT_MAX_BYTES;
}

const TRIM_ROUNDS = 16;

/**
 * Keeps the serialised event within PagerDuty's 512 KB by shortening the longest custom_details values,
 * each cut marked. When many small values are the problem, the evidence is replaced by a note, and if
 * that is not enough, custom_details.
 */
function fitEvent(event: PagerDutyTriggerEvent): PagerDutyTriggerEvent {
  if (trim(event)) return event;
  // Too many values to shorten: the evidence goes before the facts do, and says so.
  const details = event.payload.custom_details;
  if (details.evidence !== undefined) {
    details.evidence = `evidence removed: the event exceeded ${PAGERDUTY_EVENT_MAX_BYTES} bytes ${TRUNCATION_MARKER}`;
    if (trim(event)) return event;
  }
  event.payload.custom_details = {
    truncated: `custom details removed: the event exceeded ${PAGERDUTY_EVENT_MAX_BYTES} bytes ${TRUNCATION_MARKER}`,
  };
  // Only links (ours, but unbounded in number) can still be too big.
  if (serialisedBytes(event) > PAGERDUTY_EVENT_MAX_BYTES) event.links = [];
  return event;
}

/** Translates an alert into an Events API v2 event: a trigger while firing, a bare resolve after. */
export function renderPagerDuty(alert: Alert, routingKey: string): PagerDutyEvent {
  const dedupKey = pagerDutyDedupKey(alert.dedupKey);
  if (alert.status === 'resolved') {
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  }
  const payload: PagerDutyPayload = {
    // One line, and it starts with our title.
    summary: truncate(`${inlineText(alert.title)}: ${inlineText(alert.summary)}`, PAGERDUTY_SUMMARY_MAX),
    source: `aws:${inlineText(alert.account.id)}:${inlineText(alert.region)}`,
    severity: SEVERITY_MAP[alert.severity],
    group: alert.kind,
    class: inlineText(alert.ruleId),
    custom_details: customDetails(alert),
  };
  // Rebuilt from the parsed instant, so none of the event's own text rides along in the field.
  const time = Date.parse(alert.time);
  if (!Number.isNaN(time)) payload.timestamp = new Date(time).toISOString();
  if (alert.resource !== undefined)
    payload.component = inlineText(`${alert.resource.type} ${alert.resource.name}`);
  return fitEvent({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload,
    links: alert.links.map((link) => ({ href: link.url, text: inlineText(link.text) })),
    client: PAGERDUTY_CLIENT,
  });
}
