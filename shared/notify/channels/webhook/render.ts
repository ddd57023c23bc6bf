import { createHash } from 'node:crypto';
import type { Alert, Evidence, NotificationRequest } from '../../../events/alert.ts';
import { truncate, utf8ByteLength, wellFormed } from '../../text.ts';
import {
  WEBHOOK_BODY_MAX_BYTES,
  WEBHOOK_BODY_VERSION,
  WEBHOOK_DELIVERY_ID_MAX,
  WEBHOOK_ENVELOPE_RESERVE_BYTES,
  WEBHOOK_STRING_MIN,
} from './limits.ts';
import type { WebhookSettings } from './settings.ts';

export type WebhookEventType = 'alert.firing' | 'alert.resolved' | 'alert.summary';

/**
 * The alert as the body carries it. Names are stable within a version (docs: "Webhook body").
 * Every string is the alert's text as detected, attacker-influenced and unescaped: a receiver that
 * shows it escapes it for its own markup.
 */
export interface WebhookAlert {
  id: string;
  rule: string;
  title: string;
  severity: Alert['severity'];
  status: Alert['status'];
  kind: Alert['kind'];
  summary: string;
  verdict?: string;
  account: { id: string; alias?: string };
  region: string;
  time: string;
  actor?: {
    kind: NonNullable<Alert['actor']>['kind'];
    display: string;
    name?: string;
    arn?: string;
    session?: string;
    issuerArn?: string;
    accountId?: string;
    crossAccount: boolean;
  };
  resource?: { type: string; name: string; arn?: string };
  facts: { label: string; value: string }[];
  links: { text: string; url: string }[];
  /** What AWS showed when the alert was raised, as the alert carries it; absent when nothing was read. */
  evidence?: { kind: Evidence['kind']; title: string; chart?: string; lines: string[] }[];
  dedupKey: string;
  eventId: string;
  cloudTrailEventId?: string;
  tags: Record<string, string>;
  attempted: boolean;
  covers: number;
}

/** What render decides: everything of the JSON document but the three fields known only at send time. */
export interface WebhookPayload {
  version: typeof WEBHOOK_BODY_VERSION;
  type: WebhookEventType;
  /** Some text was cut or some items dropped to keep the body within {@link WEBHOOK_BODY_MAX_BYTES}. */
  truncated: boolean;
  alert: WebhookAlert;
}

/**
 * The rendered body: the document and where it goes with which static headers (from the receiver's
 * settings, none of it secret), so replay and the report show the whole request.
 */
export interface WebhookBody {
  url: string;
  headers: [string, string][];
  payload: WebhookPayload;
  /**
   * The delivery's id and receiver, when rendered for a request (RenderContext.request): the previews
   * show them as sent. The sender takes both from its target, so a body without them sends the same.
   */
  delivery?: { id: string; receiver: string };
}

/** The JSON document as sent; key order is fixed, so the same delivery serialises the same. */
export interface WebhookDocument {
  version: typeof WEBHOOK_BODY_VERSION;
  type: WebhookEventType;
  /** The delivery id: stable per (alert, receiver), equal to the X-Cloud-Alerts-Delivery header. */
  id: string;
  receiver: string;
  /** When this attempt was sent (ISO 8601, UTC); the signature's timestamp is the same instant. */
  sentAt: string;
  truncated: boolean;
  alert: WebhookAlert;
}

export function webhookEventType(alert: Alert): WebhookEventType {
  // Grouping and send-budget summaries, and only they, say how many alerts they stand for.
  if (alert.covers !== undefined) return 'alert.summary';
  return alert.status === 'resolved' ? 'alert.resolved' : 'alert.firing';
}

const PRINTABLE_ASCII = /^[\x21-\x7E]+$/;
const HASH_MARK = ':sha256:';

/**
 * The request key (`<alert id>/<receiver>`) as the delivery id: itself when it is short printable
 * ASCII, as it always is for ids we make; else a printable prefix and a SHA-256 of the whole key, so it
 * stays stable, distinct and fit for a header when a CloudTrail eventID forged by a record is in it.
 */
export function webhookDeliveryId(requestKey: string): string {
  if (requestKey.length <= WEBHOOK_DELIVERY_ID_MAX && PRINTABLE_ASCII.test(requestKey)) return requestKey;
  const digest = createHash('sha256').update(wellFormed(requestKey), 'utf8').digest('hex');
  const prefix = requestKey
    .replace(/[^\x21-\x7E]/g, '')
    .slice(0, WEBHOOK_DELIVERY_ID_MAX - HASH_MARK.length - digest.length);
  return `${prefix}${HASH_MARK}${digest}`;
}

/** Plain assignment of a key spelled "__proto__" would set the object's prototype and lose the value. */
function setOwn(record: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Items that can grow without bound in number: the last ones go first when the body is still too big. */
interface Counts {
  facts: number;
  links: number;
  tags: number;
  evidence: number;
}

/**
 * The alert with every text value cut to `cap` code units (marker included) and only the first
 * `counts` items. Lone surrogates become U+FFFD: some JSON parsers refuse their `\udXXX` escapes.
 */
function webhookAlert(alert: Alert, cap: number, counts: Counts): WebhookAlert {
  const t = (s: string): string => truncate(s, cap);
  const out: WebhookAlert = {
    id: t(alert.id),
    rule: t(alert.ruleId),
    title: t(alert.title),
    severity: alert.severity,
    status: alert.status,
    kind: alert.kind,
    summary: t(alert.summary),
    ...(alert.verdict !== undefined ? { verdict: t(alert.verdict) } : {}),
    account: {
      id: t(alert.account.id),
      ...(alert.account.alias !== undefined ? { alias: t(alert.account.alias) } : {}),
    },
    region: t(alert.region),
    time: t(alert.time),
    facts: [],
    links: [],
    dedupKey: t(alert.dedupKey),
    eventId: t(alert.eventId),
    tags: {},
    attempted: alert.attempted === true,
    covers: alert.covers ?? 1,
  };
  const { actor, resource } = alert;
  if (actor !== undefined) {
    out.actor = {
      kind: actor.kind,
      display: t(actor.display),
      ...(actor.name !== undefined ? { name: t(actor.name) } : {}),
      ...(actor.arn !== undefined ? { arn: t(actor.arn) } : {}),
      ...(actor.session !== undefined ? { session: t(actor.session) } : {}),
      ...(actor.issuerArn !== undefined ? { issuerArn: t(actor.issuerArn) } : {}),
      ...(actor.accountId !== undefined ? { accountId: t(actor.accountId) } : {}),
      crossAccount: actor.crossAccount,
    };
  }
  if (resource !== undefined) {
    out.resource = {
      type: t(resource.type),
      name: t(resource.name),
      ...(resource.arn !== undefined ? { arn: t(resource.arn) } : {}),
    };
  }
  out.facts = alert.facts.slice(0, counts.facts).map((f) => ({ label: t(f.label), value: t(f.value) }));
  out.links = alert.links.slice(0, counts.links).map((l) => ({ text: t(l.text), url: t(l.url) }));
  // Last in the document, after the other optional fields; only when the alert has it, so an alert
  // without evidence serialises byte for byte as before.
  if (alert.evidence !== undefined) {
    out.evidence = alert.evidence.slice(0, counts.evidence).map((e) => ({
      kind: e.kind,
      title: t(e.title),
      ...(e.chart !== undefined ? { chart: t(e.chart) } : {}),
      lines: e.lines.map(t),
    }));
  }
  if (alert.cloudTrailEventId !== undefined) out.cloudTrailEventId = t(alert.cloudTrailEventId);
  // Two keys cut to the same prefix keep the first value: tags are a map, not a list.
  for (const [key, value] of Object.entries(alert.tags ?? {}).slice(0, counts.tags)) {
    const k = t(key);
    if (!Object.hasOwn(out.tags, k)) setOwn(out.tags, k, t(value));
  }
  return out;
}

/** The longest string anywhere in the alert, in UTF-16 code units: no cap at or above it cuts anything. */
function longestString(alert: Alert): number {
  let longest = 0;
  const visit = (value: unknown): void => {
    if (typeof value === 'string') longest = Math.max(longest, value.length);
    else if (Array.isArray(value)) for (const item of value) visit(item);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        longest = Math.max(longest, key.length);
        visit(item);
      }
    }
  };
  visit(alert);
  return longest;
}

const PAYLOAD_MAX_BYTES = WEBHOOK_BODY_MAX_BYTES - WEBHOOK_ENVELOPE_RESERVE_BYTES;

function payloadBytes(payload: WebhookPayload): number {
  return utf8ByteLength(JSON.stringify(payload));
}

/**
 * The document for `alert`, within {@link WEBHOOK_BODY_MAX_BYTES} once the sender adds its fields.
 * Deterministic: when the alert is too big, every string longer than a cap C is cut to C (marker
 * included), C the largest that fits; if even {@link WEBHOOK_STRING_MIN} does not fit, the last tags,
 * evidence sections, links and facts are dropped, in that order. Either way `truncated` is true.
 */
export function renderWebhookPayload(alert: Alert): WebhookPayload {
  const type = webhookEventType(alert);
  const full: Counts = {
    facts: alert.facts.length,
    links: alert.links.length,
    tags: Object.keys(alert.tags ?? {}).length,
    evidence: alert.evidence?.length ?? 0,
  };
  const build = (cap: number, counts: Counts, truncated: boolean): WebhookPayload => ({
    version: WEBHOOK_BODY_VERSION,
    type,
    truncated,
    alert: webhookAlert(alert, cap, counts),
  });
  const whole = build(Number.POSITIVE_INFINITY, full, false);
  if (payloadBytes(whole) <= PAYLOAD_MAX_BYTES) return whole;

  // Largest cap that fits, by bisection: a smaller cap never makes the document bigger.
  let low = WEBHOOK_STRING_MIN;
  let high = longestString(alert);
  if (payloadBytes(build(low, full, true)) <= PAYLOAD_MAX_BYTES) {
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (payloadBytes(build(mid, full, true)) <= PAYLOAD_MAX_BYTES) low = mid;
      else high = mid - 1;
    }
    return build(low, full, true);
  }

  // Too many items even with short strings: halve the tags kept, then the evidence sections (cut
  // before the facts, as every channel does), then the links, then the facts.
  const counts = { ...full };
  let payload = build(WEBHOOK_STRING_MIN, counts, true);
  while (payloadBytes(payload) > PAYLOAD_MAX_BYTES) {
    const list = (['tags', 'evidence', 'links', 'facts'] as const).find((name) => counts[name] > 0);
    if (list === undefined) break;
    counts[list] = Math.floor(counts[list] / 2);
    payload = build(WEBHOOK_STRING_MIN, counts, true);
  }
  return payload;
}

/** The body for one receiver: its URL and static headers, and the document. */
export function renderWebhook(
  alert: Alert,
  settings: WebhookSettings,
  request?: NotificationRequest | undefined,
): WebhookBody {
  return {
    url: settings.url,
    headers: Object.entries(settings.headers ?? {}),
    payload: renderWebhookPayload(alert),
    ...(request !== undefined
      ? { delivery: { id: webhookDeliveryId(request.key), receiver: request.receiver } }
      : {}),
  };
}

export interface SendTimeFields {
  id: string;
  receiver: string;
  sentAt: string;
}

/** The document as sent: the payload and the send-time fields, in the documented key order. */
export function webhookDocument(payload: WebhookPayload, fields: SendTimeFields): WebhookDocument {
  return {
    version: payload.version,
    type: payload.type,
    id: fields.id,
    receiver: fields.receiver,
    sentAt: fields.sentAt,
    truncated: payload.truncated,
    alert: payload.alert,
  };
}
