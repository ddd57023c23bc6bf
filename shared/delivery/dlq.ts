import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { NOTIFIER_DEPLOYMENTS } from '../deploy/deployments.ts';
import {
  ALERTS_SOURCE,
  type Channel,
  NOTIFICATION_REQUESTED,
  type NotificationRequest,
  NotificationRequestSchema,
} from '../events/alert.ts';
import { EnvelopeSchema } from '../events/envelope.ts';
import { oneLine, truncate } from '../notify/text.ts';
import { GroupCloseMessageSchema } from '../pipeline/group-close.ts';
import { PUT_EVENTS_MAX_ENTRIES } from '../pipeline/publish.ts';
import { DeadLetterRecordSchema, sqsSafeJson } from './dead-letter.ts';
import { type FlushMessage, FlushMessageSchema } from './overflow.ts';

/** Where a dead-lettered message came from, which decides how its reason is read. */
export type DlqSource =
  | 'notifier'
  | 'lambda-on-failure'
  | 'eventbridge-target'
  | 'unknown'
  | 'group-close'
  | 'overflow-flush';

export interface DlqEntry {
  messageId: string;
  receiptHandle: string;
  source: DlqSource;
  /** One line, control characters removed: it is printed to a terminal and may quote an attacker. */
  reason: string;
  failedAt?: string;
  /** Present when the message holds a notification request that can be put back on the bus. */
  request?: NotificationRequest;
  /** Present when the message is a notifier's overflow flush, moved back to its flush queue. */
  flush?: FlushMessage;
}

/**
 * Lambda's invocation record for an asynchronous invocation that failed every attempt.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
const LambdaFailureRecordSchema = z.object({
  timestamp: z.string().optional(),
  requestContext: z.object({
    condition: z.string(),
    approximateInvokeCount: z.number().optional(),
    functionArn: z.string().optional(),
  }),
  requestPayload: z.unknown(),
  responsePayload: z
    .object({ errorType: z.string().optional(), errorMessage: z.string().optional() })
    .nullish()
    .catch(undefined),
});

const REASON_MAX = 500;

function clean(s: string): string {
  return truncate(oneLine(s), REASON_MAX, '…');
}

function requestIn(event: unknown): NotificationRequest | undefined {
  const envelope = EnvelopeSchema.safeParse(event);
  if (!envelope.success || envelope.data['detail-type'] !== NOTIFICATION_REQUESTED) return undefined;
  const request = NotificationRequestSchema.safeParse(envelope.data.detail);
  return request.success ? request.data : undefined;
}

function attribute(message: Message, name: string): string | undefined {
  return message.MessageAttributes?.[name]?.StringValue;
}

/** Reads one message in any of the three shapes our queues receive. Never throws: it is someone's alert. */
export function parseDlqMessage(message: Message): DlqEntry {
  const base = { messageId: message.MessageId ?? '?', receiptHandle: message.ReceiptHandle ?? '' };
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    return { ...base, source: 'unknown', reason: 'message body is not JSON' };
  }
  const direct = DeadLetterRecordSchema.safeParse(body);
  if (direct.success) {
    return {
      ...base,
      source: 'notifier',
      reason: clean(direct.data.reason),
      failedAt: clean(direct.data.failedAt),
      request: direct.data.request,
    };
  }
  const lambda = LambdaFailureRecordSchema.safeParse(body);
  if (lambda.success) {
    const { requestContext, responsePayload, timestamp } = lambda.data;
    const attempts =
      requestContext.approximateInvokeCount === undefined
        ? ''
        : ` after ${requestContext.approximateInvokeCount} attempt(s)`;
    const error = [responsePayload?.errorType, responsePayload?.errorMessage].filter(Boolean).join(': ');
    const request = requestIn(lambda.data.requestPayload);
    return {
      ...base,
      source: 'lambda-on-failure',
      reason: clean(`${requestContext.condition}${attempts}${error === '' ? '' : `: ${error}`}`),
      ...(timestamp === undefined ? {} : { failedAt: clean(timestamp) }),
      ...(request === undefined ? {} : { request }),
    };
  }
  // EventBridge's target DLQ keeps the event as the body and the error in message attributes.
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
  const request = requestIn(body);
  if (request !== undefined || attribute(message, 'ERROR_CODE') !== undefined) {
    const code = attribute(message, 'ERROR_CODE') ?? 'unknown error';
    const detail = attribute(message, 'ERROR_MESSAGE');
    return {
      ...base,
      source: 'eventbridge-target',
      reason: clean(detail === undefined ? code : `${code}: ${detail}`),
      ...(request === undefined ? {} : { request }),
    };
  }
  // The group-close queue's own dead-letter queue: a grouping summary that failed five times. Its
  // redrive is SQS's (StartMessageMoveTask back to the group-close queue), not the alerts bus.
  const summary = GroupCloseMessageSchema.safeParse(body);
  if (summary.success) {
    return {
      ...base,
      source: 'group-close',
      reason: clean(
        `grouping summary not sent after retries (window opened ${new Date(summary.data.openedAt).toISOString()}); move it back with aws sqs start-message-move-task`,
      ),
    };
  }
  // A notifier's flush queue redrives to the channel's dead-letter queue: an overflow summary that
  // failed five times. Its counts wait in the state table; `redrive` sends the message back to the
  // channel's flush queue (not the bus: it is not a request), one message at a time, because the
  // queue's other dead letters are requests that belong on the bus.
  const flush = FlushMessageSchema.safeParse(body);
  if (flush.success) {
    return {
      ...base,
      source: 'overflow-flush',
      reason: clean(
        `overflow summary for ${flush.data.channel} receiver ${flush.data.receiver} not sent after retries; its counts wait in the state table: redrive moves it back to the ${flush.data.channel} flush queue`,
      ),
      flush: flush.data,
    };
  }
  return { ...base, source: 'unknown', reason: 'not a dead-lettered notification' };
}

export interface ReceiveOptions {
  sqs: Pick<SQSClient, 'send'>;
  queueUrl: string;
  /** How long received messages stay hidden from other consumers (SQS has no peek). */
  visibilitySeconds: number;
  max: number;
}

/** Walks the queue until it answers empty or `max` messages were seen, each message once. */
export async function receiveAll(options: ReceiveOptions): Promise<DlqEntry[]> {
  const seen = new Map<string, DlqEntry>();
  while (seen.size < options.max) {
    const out = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(10, options.max - seen.size),
        VisibilityTimeout: options.visibilitySeconds,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const fresh = (out.Messages ?? []).filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
    if (fresh.length === 0) break;
    for (const m of fresh) seen.set(m.MessageId ?? '', parseDlqMessage(m));
  }
  return [...seen.values()];
}

export type RedriveResult =
  | { entry: DlqEntry; outcome: 'moved' }
  | { entry: DlqEntry; outcome: 'skipped' }
  | { entry: DlqEntry; outcome: 'failed'; error: string };

export interface RedriveOptions {
  sqs: Pick<SQSClient, 'send'>;
  eventBridge: Pick<EventBridgeClient, 'send'>;
  queueUrl: string;
  busName: string;
  /** The flush queue of a channel's notifier, for overflow flushes found in its dead-letter queue. */
  flushQueueUrl?: ((channel: Channel) => string | undefined) | undefined;
}

/** A notifier's dead-letter queue URL, of any channel the stack deploys (shared/deploy/notifiers.ts). */
const NOTIFIER_DLQ_URL = new RegExp(
  `^(.*/)([^/]+)-notify-(?:${NOTIFIER_DEPLOYMENTS.map((d) => d.name).join('|')})-dlq$`,
);

/**
 * `https://sqs.<region>.amazonaws.com/<account>/<prefix>-notify-<channel>-dlq` → the same prefix's
 * `<prefix>-notify-<flushChannel>-flush` (shared/deploy/notifiers.ts names both queues so).
 */
export function flushQueueUrlBeside(dlqUrl: string, channel: Channel): string | undefined {
  const match = NOTIFIER_DLQ_URL.exec(dlqUrl);
  return match ? `${match[1]}${match[2]}-notify-${channel}-flush` : undefined;
}

/** Sends each flush message back to its flush queue, then deletes it here; a failure leaves it. */
async function moveFlushes(
  entries: ReadonlyArray<DlqEntry & { flush: FlushMessage }>,
  options: RedriveOptions,
): Promise<RedriveResult[]> {
  const results: RedriveResult[] = [];
  for (const e of entries) {
    const target = options.flushQueueUrl?.(e.flush.channel);
    if (target === undefined) {
      results.push({ entry: e, outcome: 'failed', error: `no ${e.flush.channel} flush queue known` });
      continue;
    }
    try {
      await options.sqs.send(new SendMessageCommand({ QueueUrl: target, MessageBody: sqsSafeJson(e.flush) }));
    } catch (err) {
      results.push({ entry: e, outcome: 'failed', error: `SendMessage: ${errorName(err)}` });
      continue;
    }
    // Already on the flush queue if the delete fails: a second flush of the same tally finds it
    // taken, no harm.
    results.push(await deleteMoved(e, options));
  }
  return results;
}

/** Deletes a message already copied to its destination; a failed delete is reported, never thrown. */
async function deleteMoved(e: DlqEntry, options: RedriveOptions): Promise<RedriveResult> {
  try {
    await options.sqs.send(
      new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: e.receiptHandle }),
    );
    return { entry: e, outcome: 'moved' };
  } catch (err) {
    return { entry: e, outcome: 'failed', error: `moved, but DeleteMessage failed: ${errorName(err)}` };
  }
}

function entryFor(request: NotificationRequest, busName: string): PutEventsRequestEntry {
  return {
    EventBusName: busName,
    Source: ALERTS_SOURCE,
    DetailType: NOTIFICATION_REQUESTED,
    Detail: JSON.stringify(request),
  };
}

function errorName(e: unknown): string {
  return e instanceof Error ? clean(e.name) : 'unknown error';
}

/**
 * Puts each request back on the alerts bus and deletes its message only once PutEvents accepted that
 * entry: a failure at any point leaves the message in the queue, never lost. An overflow flush goes
 * back to its channel's flush queue the same way. Other messages are left alone. The notifiers'
 * idempotency makes a redrive of an already-delivered request a no-op.
 */
export async function redrive(
  entries: readonly DlqEntry[],
  options: RedriveOptions,
): Promise<RedriveResult[]> {
  const results: RedriveResult[] = [];
  const movable = entries.filter(
    (e): e is DlqEntry & { request: NotificationRequest } => e.request !== undefined,
  );
  const flushes = entries.filter(
    (e): e is DlqEntry & { flush: FlushMessage } => e.request === undefined && e.flush !== undefined,
  );
  for (const e of entries) {
    if (e.request === undefined && e.flush === undefined) results.push({ entry: e, outcome: 'skipped' });
  }
  results.push(...(await moveFlushes(flushes, options)));
  for (let i = 0; i < movable.length; i += PUT_EVENTS_MAX_ENTRIES) {
    const batch = movable.slice(i, i + PUT_EVENTS_MAX_ENTRIES);
    let put: PutEventsCommandOutput;
    try {
      put = await options.eventBridge.send(
        new PutEventsCommand({ Entries: batch.map((e) => entryFor(e.request, options.busName)) }),
      );
    } catch (err) {
      for (const e of batch)
        results.push({ entry: e, outcome: 'failed', error: `PutEvents: ${errorName(err)}` });
      continue;
    }
    for (const [j, e] of batch.entries()) {
      const result = put.Entries?.[j];
      if (result === undefined || result.ErrorCode !== undefined || result.EventId === undefined) {
        results.push({
          entry: e,
          outcome: 'failed',
          error: `PutEvents: ${clean(result?.ErrorCode ?? 'no result')}`,
        });
        continue;
      }
      // Already on the bus if the delete fails: the copy left in the queue would be deduplicated by
      // the notifier.
      results.push(await deleteMoved(e, options));
    }
  }
  return results;
}
