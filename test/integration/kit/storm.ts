import { loadEvent } from '../../helpers/events.ts';
import { seededRandom } from './prng.ts';

/**
 * The storm of issue 18, built from the samples under events/ with fresh ids, times, callers and
 * resources: one SSO user making hundreds of buckets public, many people and roles changing things at
 * once, a hundred alarms flapping through a regional outage, and in the middle one critical change by
 * somebody else, the one alert that must not wait behind the rest.
 */

export type StormPart = 'one-actor' | 'many-actors' | 'alarms' | 'critical';

export interface StormEvent {
  /** Milliseconds after the storm's start (event time). */
  offsetMs: number;
  part: StormPart;
  event: Record<string, unknown>;
}

export interface StormOptions {
  seed: number;
  /** Epoch ms of the storm's first moment (event time). */
  startMs: number;
  /** Over how long the storm's events are spread. */
  durationMs: number;
  /** Buckets the one SSO user makes public. */
  buckets: number;
  actors: number;
  eventsPerActor: number;
  alarms: number;
  /** State changes per alarm: ALARM, OK, ALARM, … */
  transitionsPerAlarm: number;
  /** When the critical change happens, as a share of the duration. */
  criticalAt: number;
}

/** The issue's storm: 600 + 40 × 10 + 100 × 10 = 2,000 events, and the critical one half-way. */
export const ISSUE_STORM: Omit<StormOptions, 'startMs'> = {
  seed: 20261218,
  durationMs: 5 * 60_000,
  buckets: 600,
  actors: 40,
  eventsPerActor: 10,
  alarms: 100,
  transitionsPerAlarm: 10,
  criticalAt: 0.5,
};

export interface Storm {
  events: StormEvent[];
  /** The critical change by another actor, also in `events`. */
  critical: StormEvent;
  /** Who the critical change names, to find it in what the vendors received. */
  criticalMarker: string;
}

const ACCOUNT = '123456789012';

/** Everyday changes by many callers; `resource` is the template's own resource id, replaced per event. */
const ACTOR_TEMPLATES = [
  { file: 'ec2/authorize-security-group-ingress-ssh-open.json', resource: 'sg-0a1b2c3d4e5f67890' },
  { file: 'ec2/create-vpc-peering-connection.json', resource: 'pcx-0a1b2c3d4e5f67890' },
  { file: 'ec2/replace-route-table-association.json', resource: 'rtb-0fedcba9876543210' },
  { file: 'ec2/create-network-acl-entry-open.json', resource: 'acl-0a1b2c3d4e5f67890' },
  { file: 'iam/delete-user-policy.json', resource: 'example-ci-bot' },
  { file: 'iam/update-access-key-reactivate.json', resource: 'example-ci-bot' },
  { file: 'iam/create-access-key.json', resource: 'example-ci-bot' },
  { file: 's3/put-bucket-cors.json', resource: 'example-assets' },
  { file: 's3/put-bucket-ownership-controls-object-writer.json', resource: 'example-uploads' },
] as const;

const BUCKET_TEMPLATE = { file: 's3/put-bucket-policy-public.json', resource: 'example-website' };
const ALARM_TEMPLATES = {
  ALARM: 'cloudwatch/lambda-errors-alarm.json',
  OK: 'cloudwatch/lambda-errors-ok.json',
};
const ALARM_NAME = 'example-orders-api-errors';
const ALARM_FUNCTION = 'example-orders-api';
const CRITICAL_TEMPLATE = 'iam/attach-user-policy-admin.json';
const CRITICAL_TARGET = 'example-contractor';

function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** An AWS-style id with the same prefix and length: sg-0a1b… → sg-<n in hex>. */
function variant(id: string, n: number): string {
  const hexId = /^([a-z]+-)([0-9a-f]+)$/.exec(id);
  if (hexId?.[1] && hexId[2]) return `${hexId[1]}${n.toString(16).padStart(hexId[2].length, '0')}`;
  return `${id}-${n}`;
}

/** Replaces every occurrence of each string, longest first, anywhere in the event. */
function replaced(event: Record<string, unknown>, pairs: ReadonlyArray<[string, string]>) {
  let text = JSON.stringify(event);
  for (const [from, to] of [...pairs].sort((a, b) => b[0].length - a[0].length))
    text = text.split(from).join(to);
  return JSON.parse(text) as Record<string, unknown>;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function detailOf(event: Record<string, unknown>): Record<string, unknown> {
  const detail = event.detail;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) throw new Error('no detail');
  return detail as Record<string, unknown>;
}

/** A CloudTrail event happening at `at`, with its own EventBridge id, eventID and requestID. */
function cloudTrail(event: Record<string, unknown>, at: number, random: () => number) {
  event.id = uuid(random);
  event.time = iso(at);
  const detail = detailOf(event);
  detail.eventTime = iso(at);
  detail.eventID = uuid(random);
  detail.requestID = uuid(random).replace(/-/g, '').slice(0, 16).toUpperCase();
  return event;
}

function iamUser(name: string, n: number): Record<string, unknown> {
  return {
    type: 'IAMUser',
    principalId: `AIDAXQ3ZJ7KDSTORM${n.toString().padStart(4, '0')}`,
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    accountId: ACCOUNT,
    accessKeyId: `AKIAXQ3ZJ7KDSTRM${n.toString().padStart(4, '0')}`,
    userName: name,
  };
}

function alarmTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** One alarm state change: the template for its state, renamed, with both states' times set. */
function alarmChange(
  alarm: number,
  state: 'ALARM' | 'OK',
  at: number,
  previousAt: number,
  random: () => number,
) {
  const name = `storm-svc-${alarm.toString().padStart(3, '0')}`;
  const event = replaced(loadEvent(ALARM_TEMPLATES[state]), [
    [ALARM_NAME, `${name}-errors`],
    [ALARM_FUNCTION, name],
  ]);
  event.id = uuid(random);
  event.time = iso(at);
  const detail = detailOf(event);
  const current = detail.state as Record<string, unknown>;
  const previous = detail.previousState as Record<string, unknown>;
  current.timestamp = alarmTimestamp(at);
  previous.timestamp = alarmTimestamp(previousAt);
  return event;
}

/**
 * The storm, sorted by time. Seeded: the same options give the same events, ids included, so a
 * failing run can be repeated.
 */
export function buildStorm(options: StormOptions): Storm {
  const random = seededRandom(options.seed);
  const { startMs, durationMs } = options;
  const events: StormEvent[] = [];
  const spread = (i: number, n: number) => Math.floor((i * durationMs) / n);

  for (let i = 0; i < options.buckets; i++) {
    const offsetMs = spread(i, options.buckets);
    const event = replaced(loadEvent(BUCKET_TEMPLATE.file), [
      [BUCKET_TEMPLATE.resource, `storm-site-${i.toString().padStart(4, '0')}`],
    ]);
    events.push({ offsetMs, part: 'one-actor', event: cloudTrail(event, startMs + offsetMs, random) });
  }

  let resourceN = 0;
  for (let a = 0; a < options.actors; a++) {
    const name = `storm-dev-${a.toString().padStart(2, '0')}`;
    for (let k = 0; k < options.eventsPerActor; k++) {
      const template = ACTOR_TEMPLATES[Math.floor(random() * ACTOR_TEMPLATES.length)] ?? ACTOR_TEMPLATES[0];
      const offsetMs = Math.floor(random() * durationMs);
      const event = replaced(loadEvent(template.file), [
        [template.resource, variant(template.resource, ++resourceN)],
      ]);
      detailOf(event).userIdentity = iamUser(name, a);
      events.push({ offsetMs, part: 'many-actors', event: cloudTrail(event, startMs + offsetMs, random) });
    }
  }

  // A regional outage: every alarm goes off within the first tenth of the storm, then flaps.
  for (let alarm = 0; alarm < options.alarms; alarm++) {
    let at = Math.floor(random() * durationMs * 0.1);
    let previousAt = at - 60 * 60_000;
    const step = Math.floor((durationMs * 0.9) / options.transitionsPerAlarm);
    for (let k = 0; k < options.transitionsPerAlarm; k++) {
      const state = k % 2 === 0 ? 'ALARM' : 'OK';
      events.push({
        offsetMs: at,
        part: 'alarms',
        event: alarmChange(alarm, state, startMs + at, startMs + previousAt, random),
      });
      previousAt = at;
      at += Math.floor(step * (0.5 + random() * 0.8));
    }
  }

  const criticalOffset = Math.floor(durationMs * options.criticalAt);
  const critical: StormEvent = {
    offsetMs: criticalOffset,
    part: 'critical',
    event: cloudTrail(loadEvent(CRITICAL_TEMPLATE), startMs + criticalOffset, random),
  };
  events.push(critical);
  events.sort((x, y) => x.offsetMs - y.offsetMs);
  return { events, critical, criticalMarker: CRITICAL_TARGET };
}
