import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { listenLocal, readBody } from '../../helpers/http.ts';

/**
 * Stand-ins for Slack, PagerDuty and SNS on 127.0.0.1 that enforce the vendors' own rate limits, for
 * the storm test (test/integration/storm.test.ts). Unlike fake-vendor.ts, which answers whatever a
 * test scripts, these answer like the vendor would under load: a sender that ignores the limits sees
 * the 429s a real storm would get.
 */

/** One request a stand-in answered. `at` is the stand-in's clock (epoch ms) when it answered. */
export interface VendorCall {
  at: number;
  /** What the limit is counted per: the webhook path, the routing key, the topic ARN. */
  key: string;
  status: number;
  body: string;
}

interface StandIn {
  url: string;
  /** Every request, answered or refused, in arrival order. */
  calls: VendorCall[];
  /** The calls answered with a 2xx: what the vendor took. */
  accepted(): VendorCall[];
  /** The calls refused for the rate limit. */
  throttled(): VendorCall[];
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

async function listen(
  handle: (path: string, body: string) => { key: string; reply: Reply },
  calls: VendorCall[],
  now: () => number,
): Promise<Omit<StandIn, 'accepted' | 'throttled'>> {
  const server: Server = createServer((req, res: ServerResponse) => {
    readBody(req)
      .then((body) => {
        const { key, reply } = handle(req.url ?? '', body);
        calls.push({ at: now(), key, status: reply.status, body });
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body);
      })
      .catch(() => res.destroy());
  });
  // Hundreds of notifier invocations post at once in a storm: Node's default backlog would do, but
  // keep-alive sockets must not outlive the test.
  server.keepAliveTimeout = 1000;
  const url = await listenLocal(server, 511);
  return {
    url,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function summarise(base: Omit<StandIn, 'accepted' | 'throttled'>): StandIn {
  return {
    ...base,
    accepted: () => base.calls.filter((c) => c.status >= 200 && c.status < 300),
    throttled: () => base.calls.filter((c) => c.status === 429),
  };
}

/** The largest number of `calls` inside any window of `windowMs` (closed on the left, open on the right). */
export function busiestWindow(calls: ReadonlyArray<Pick<VendorCall, 'at'>>, windowMs: number): number {
  const times = calls.map((c) => c.at).sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

// --- Slack ------------------------------------------------------------------------------------------

/**
 * Slack incoming webhooks: "1 per second, short bursts allowed"; over it, HTTP 429 with Retry-After
 * in seconds. https://api.slack.com/docs/rate-limits
 * Slack does not say how short a burst; 3 is what the send budget assumes (docs/failure-handling.md).
 */
export const SLACK_WEBHOOK_PER_SECOND = 1;
export const SLACK_WEBHOOK_BURST = 3;

export interface SlackStandIn extends StandIn {
  /** A webhook URL on this stand-in; each distinct `name` is its own webhook with its own bucket. */
  webhookUrl(name: string): string;
}

export interface SlackStandInOptions {
  perSecond?: number;
  burst?: number;
  now?: () => number;
}

/**
 * A token bucket per webhook path: `burst` posts at once, then one per `1 / perSecond` s. A refused
 * post takes no token and says, in Retry-After, when the next one will be there. The body must be a
 * Block Kit message with a `text` fallback, or Slack answers 400 invalid_payload.
 */
export async function startSlackStandIn(options: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const perSecond = options.perSecond ?? SLACK_WEBHOOK_PER_SECOND;
  const burst = options.burst ?? SLACK_WEBHOOK_BURST;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const base = await listen(
    (path, body) => {
      const key = path;
      if (!path.startsWith('/services/')) return { key, reply: { status: 404, body: 'no_service' } };
      if (!isSlackMessage(body)) return { key, reply: { status: 400, body: 'invalid_payload' } };
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) {
        const wait = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
        return {
          key,
          reply: { status: 429, body: 'rate_limited', headers: { 'retry-after': String(wait) } },
        };
      }
      bucket.tokens -= 1;
      return { key, reply: { status: 200, body: 'ok' } };
    },
    [],
    now,
  );
  return {
    ...summarise(base),
    webhookUrl: (name) => `${base.url}/services/T0STORM00/B0STORM00/${name}`,
  };
}

function isSlackMessage(body: string): boolean {
  try {
    const parsed: unknown = JSON.parse(body);
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof Reflect.get(parsed, 'text') === 'string' &&
      Array.isArray(Reflect.get(parsed, 'blocks'))
    );
  } catch {
    return false;
  }
}

// --- PagerDuty --------------------------------------------------------------------------------------

/**
 * PagerDuty Events API v2: "approximately 120 calls/minute per integration key", counted "over a 60
 * second window looking back from the current time"; over it, "429 - Request Limit Exceeded" and the
 * event is not ingested. No Retry-After is promised, so none is sent.
 * https://github.com/PagerDuty/developer-docs/blob/main/docs/events-API-v2/05-Rate-Limits.md
 */
export const PAGERDUTY_EVENTS_PER_WINDOW = 120;
export const PAGERDUTY_WINDOW_MS = 60_000;

export interface PagerDutyIncident {
  dedupKey: string;
  /** Triggers taken for this key while it was open (the first opens it). */
  triggers: number;
  open: boolean;
}

export interface PagerDutyStandIn extends StandIn {
  /** The Events API URL to give the sender (PAGERDUTY_EVENTS_URL). */
  eventsUrl: string;
  /** Incidents by dedup key, as PagerDuty would keep them: a trigger opens, a resolve closes. */
  incidents(): Map<string, PagerDutyIncident>;
  /** How many incidents were opened (a trigger on a key that was not open), over the whole run. */
  incidentsOpened(): number;
}

export interface PagerDutyStandInOptions {
  perWindow?: number;
  windowMs?: number;
  now?: () => number;
}

interface PagerDutyEventShape {
  routing_key: string;
  event_action: string;
  dedup_key?: string;
  payload?: { summary?: unknown; source?: unknown; severity?: unknown };
}

function parsePagerDutyEvent(body: string): PagerDutyEventShape | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'Event object is invalid: not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null) return 'Event object is invalid';
  const routingKey = Reflect.get(parsed, 'routing_key');
  const action = Reflect.get(parsed, 'event_action');
  const dedupKey = Reflect.get(parsed, 'dedup_key');
  const payload = Reflect.get(parsed, 'payload');
  if (typeof routingKey !== 'string' || routingKey.length !== 32) return 'routing_key is invalid';
  if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve')
    return 'event_action is invalid';
  if (dedupKey !== undefined && (typeof dedupKey !== 'string' || dedupKey.length > 255))
    return 'dedup_key is invalid';
  if (action !== 'trigger' && typeof dedupKey !== 'string') return 'dedup_key is required';
  if (action === 'trigger') {
    if (typeof payload !== 'object' || payload === null) return 'payload is missing';
    for (const field of ['summary', 'source', 'severity'])
      if (typeof Reflect.get(payload, field) !== 'string') return `payload.${field} is missing`;
  }
  return parsed as PagerDutyEventShape;
}

/**
 * The Events API per routing key: events taken in the last 60 s are counted, and one more than the
 * limit is refused with 429. Refused events are not counted (PagerDuty did not ingest them). A taken
 * event answers 202 with the dedup key, as PagerDuty does.
 */
export async function startPagerDutyStandIn(
  options: PagerDutyStandInOptions = {},
): Promise<PagerDutyStandIn> {
  const perWindow = options.perWindow ?? PAGERDUTY_EVENTS_PER_WINDOW;
  const windowMs = options.windowMs ?? PAGERDUTY_WINDOW_MS;
  const now = options.now ?? Date.now;
  const taken = new Map<string, number[]>();
  const incidents = new Map<string, PagerDutyIncident>();
  let opened = 0;
  const base = await listen(
    (path, body) => {
      if (path !== '/v2/enqueue') return { key: '', reply: { status: 404, body: 'Not Found' } };
      const event = parsePagerDutyEvent(body);
      if (typeof event === 'string') {
        const reply = JSON.stringify({
          status: 'invalid event',
          message: 'Event object is invalid',
          errors: [event],
        });
        return { key: '', reply: { status: 400, body: reply } };
      }
      const key = event.routing_key;
      const t = now();
      const recent = (taken.get(key) ?? []).filter((at) => t - at < windowMs);
      taken.set(key, recent);
      if (recent.length >= perWindow) {
        const reply = JSON.stringify({ status: 'throttle event', message: 'Request Limit Exceeded' });
        return { key, reply: { status: 429, body: reply } };
      }
      recent.push(t);
      const dedupKey = event.dedup_key ?? randomUUID();
      const incident = incidents.get(dedupKey);
      if (event.event_action === 'trigger') {
        if (!incident?.open) opened++;
        incidents.set(dedupKey, {
          dedupKey,
          triggers: incident?.open ? incident.triggers + 1 : 1,
          open: true,
        });
      } else if (event.event_action === 'resolve' && incident) {
        incident.open = false;
      }
      const reply = JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: dedupKey });
      return { key, reply: { status: 202, body: reply } };
    },
    [],
    now,
  );
  return {
    ...summarise(base),
    eventsUrl: `${base.url}/v2/enqueue`,
    incidents: () => incidents,
    incidentsOpened: () => opened,
  };
}

// --- SNS --------------------------------------------------------------------------------------------

/**
 * SNS e-mail subscriptions: "If the email endpoint receives more than 10 messages per second, SNS
 * suspends the subscription". Publish itself takes far more, so the stand-in takes every message and
 * flags the seconds in which more than this many were published to one topic.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html
 */
export const SNS_EMAIL_PER_SECOND = 10;

export interface SnsMessage {
  at: number;
  topicArn: string;
  subject: string | undefined;
  message: string;
  attributes: Record<string, string>;
}

export interface SnsStandIn extends StandIn {
  /** The endpoint to give `new SNSClient({ endpoint })`. */
  endpoint: string;
  published: SnsMessage[];
  /** The most messages published to one topic within any one second. */
  busiestSecond(): number;
  /** True when some second saw more than SNS_EMAIL_PER_SECOND messages to one topic. */
  overEmailLimit(): boolean;
}

function xml(status: number, inner: string): Reply {
  return { status, body: `<?xml version="1.0"?>\n${inner}`, headers: { 'content-type': 'text/xml' } };
}

function snsError(status: number, code: string, message: string): Reply {
  return xml(
    status,
    `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

/** MessageAttributes.entry.N.Name / .Value.StringValue, as the query protocol spells them. */
function attributesOf(form: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const name = form.get(`MessageAttributes.entry.${n}.Name`) ?? '';
    out[name] = form.get(`MessageAttributes.entry.${n}.Value.StringValue`) ?? '';
  }
  return out;
}

/**
 * SNS's Publish action over the query protocol the SDK's SNSClient speaks (form-encoded POST, XML
 * answer). Only Publish is understood; anything else is an InvalidAction, as SNS would answer.
 */
export async function startSnsStandIn(options: { now?: () => number } = {}): Promise<SnsStandIn> {
  const now = options.now ?? Date.now;
  const published: SnsMessage[] = [];
  const base = await listen(
    (_path, body) => {
      const form = new URLSearchParams(body);
      const action = form.get('Action');
      const topicArn = form.get('TopicArn') ?? '';
      if (action !== 'Publish')
        return { key: topicArn, reply: snsError(400, 'InvalidAction', `${action} is not supported`) };
      const message = form.get('Message');
      if (topicArn === '' || message === null)
        return {
          key: topicArn,
          reply: snsError(400, 'InvalidParameter', 'TopicArn and Message are required'),
        };
      published.push({
        at: now(),
        topicArn,
        subject: form.get('Subject') ?? undefined,
        message,
        attributes: attributesOf(form),
      });
      return {
        key: topicArn,
        reply: xml(
          200,
          `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
        ),
      };
    },
    [],
    now,
  );
  const busiestSecond = () => {
    const topics = new Set(published.map((p) => p.topicArn));
    return Math.max(
      0,
      ...[...topics].map((t) =>
        busiestWindow(
          published.filter((p) => p.topicArn === t),
          1000,
        ),
      ),
    );
  };
  return {
    ...summarise(base),
    endpoint: base.url,
    published,
    busiestSecond,
    overEmailLimit: () => busiestSecond() > SNS_EMAIL_PER_SECOND,
  };
}
