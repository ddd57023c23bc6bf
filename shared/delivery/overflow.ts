import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import {
  type Alert,
  type Channel,
  ChannelSchema,
  type Fact,
  type NotificationRequest,
  notificationKey,
  SEVERITIES,
  type Severity,
} from '../events/alert.ts';
import type { PendingOverflow } from '../state/send-budget.ts';

export const OVERFLOW_SUMMARY_RULE_ID = 'delivery-overflow-summary';

/**
 * The body of a message on a notifier's flush queue: send `receiver`'s overflow summary at `dueAt`
 * (wall-clock epoch ms). Nothing in it is secret: the counts wait in the state table.
 */
export const FlushMessageSchema = z.object({
  v: z.literal(1),
  type: z.literal('overflow-flush'),
  channel: ChannelSchema,
  receiver: z.string(),
  dueAt: z.number(),
});
export type FlushMessage = z.infer<typeof FlushMessageSchema>;

export function flushMessage(channel: Channel, receiver: string, dueAt: number): FlushMessage {
  return { v: 1, type: 'overflow-flush', channel, receiver, dueAt };
}

/**
 * Delivers a flush message after `delaySeconds` to the notifier of its channel: the channel's SQS
 * flush queue in Lambda (shared/aws/flush-queue.ts), a list a test or harness drains itself.
 */
export interface FlushScheduler {
  schedule(message: FlushMessage, delaySeconds: number): Promise<void>;
}

const RULES_SHOWN = 10;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function loudest(severities: Partial<Record<Severity, number>>): Severity {
  return SEVERITIES.find((s) => (severities[s] ?? 0) > 0) ?? 'info';
}

/**
 * The longest storm key kept readable. Short enough for a vendor's own alert key as it is: PagerDuty's
 * dedup_key is at most 255 characters
 * (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). Kept here rather than imported
 * from the PagerDuty plug-in, whose folder only notify-pagerduty bundles.
 */
const STORM_KEY_MAX = 255;

/**
 * One PagerDuty incident per receiver per storm: each summary of it updates the open incident. A
 * receiver name long enough to push the key past PagerDuty's limit is replaced by its digest.
 */
export function stormDedupKey(p: Pick<PendingOverflow, 'channel' | 'receiver' | 'storm' | 'from'>): string {
  const key = `cloud-alerts/overflow/${p.channel}/${p.receiver}/storm-${p.storm ?? p.from}`;
  if (key.length <= STORM_KEY_MAX) return key;
  return `cloud-alerts/overflow/${createHash('sha256').update(key).digest('hex')}`;
}

/**
 * The alert that stands for everything a receiver's budget held back: one per taken tally, its id
 * and text fixed by the tally, so a resend is the same alert and idempotency keeps one. Its dedup key
 * is the storm's, shared by the tallies that follow each other closely.
 */
export function overflowSummaryAlert(p: PendingOverflow): Alert {
  const from = new Date(p.from).toISOString();
  const to = new Date(p.to).toISOString();
  const bySeverity = SEVERITIES.filter((s) => (p.severities[s] ?? 0) > 0)
    .map((s) => `${s} ${p.severities[s]}`)
    .join(', ');
  const rules =
    p.rules.length > RULES_SHOWN
      ? `${p.rules.slice(0, RULES_SHOWN).join(', ')} and ${p.rules.length - RULES_SHOWN} more`
      : p.rules.join(', ');
  const facts: Fact[] = [
    {
      label: 'Held back',
      value: `${plural(p.alerts, 'alert')} in ${plural(p.notifications, 'notification')}`,
    },
    { label: 'By severity', value: bySeverity || 'none' },
    { label: 'Rules', value: rules || 'none' },
    ...(p.examples.length > 0 ? [{ label: 'Examples', value: p.examples.join(' | ') }] : []),
    { label: 'From', value: from },
    { label: 'To', value: to },
  ];
  const id = `overflow/${p.channel}/${p.receiver}/${p.id}`;
  return {
    id,
    ruleId: OVERFLOW_SUMMARY_RULE_ID,
    title: `${plural(p.alerts, 'more alert')} held back by the ${p.receiver} send budget`,
    severity: loudest(p.severities),
    status: 'firing',
    kind: 'generic',
    summary: `${plural(p.notifications, 'notification')} to ${p.receiver} came faster than its send budget allows between ${from} and ${to}; this summary stands for them (see docs/failure-handling.md, "Send budgets").`,
    account: p.account,
    region: p.region,
    time: to,
    facts,
    links: [],
    dedupKey: stormDedupKey(p),
    eventId: id,
    covers: p.alerts,
  };
}

export function overflowSummaryRequest(p: PendingOverflow): NotificationRequest {
  const alert = overflowSummaryAlert(p);
  return { channel: p.channel, receiver: p.receiver, key: notificationKey(alert.id, p.receiver), alert };
}

/** A flush message waiting in a memory scheduler, and when it becomes visible (epoch ms). */
export interface ScheduledFlush {
  message: FlushMessage;
  visibleAt: number;
}

/**
 * Flush messages kept in memory on a clock, for tests, replay and harnesses: `due(now)` hands over
 * (and forgets) those whose delay is over; `sqsEvent` wraps them the way the SQS event source does.
 */
export function createMemoryFlushScheduler(now: () => number = Date.now): FlushScheduler & {
  waiting(): ScheduledFlush[];
  due(at?: number): FlushMessage[];
} {
  let queue: ScheduledFlush[] = [];
  return {
    async schedule(message, delaySeconds) {
      queue.push({ message, visibleAt: now() + delaySeconds * 1000 });
    },
    waiting: () => queue.map((q) => ({ ...q })),
    due(at = now()) {
      const ready = queue.filter((q) => q.visibleAt <= at);
      queue = queue.filter((q) => q.visibleAt > at);
      return ready.map((q) => q.message);
    },
  };
}

let flushRecords = 0;

/** Flush messages as the SQS event a notifier receives from its flush queue. */
export function flushSqsEvent(
  messages: readonly FlushMessage[],
  queueArn = 'arn:aws:sqs:eu-west-1:123456789012:flush',
) {
  return {
    Records: messages.map((message) => {
      const id = `flush-${++flushRecords}`;
      return {
        messageId: id,
        receiptHandle: id,
        body: JSON.stringify(message),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: queueArn.split(':')[3] ?? 'eu-west-1',
      };
    }),
  };
}
