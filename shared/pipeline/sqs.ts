import type { SQSRecord } from 'aws-lambda';

/**
 * SQS holds a message back for at most 15 minutes; a longer wait is done in hops.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-delay-queues.html
 */
export const SQS_MAX_DELAY_SECONDS = 900;

/** Whole seconds SQS should hold a message that is due at `dueAt`, 0 when it is due already. */
export function delaySecondsUntil(dueAt: number, nowMs: number): number {
  return Math.min(SQS_MAX_DELAY_SECONDS, Math.max(0, Math.ceil((dueAt - nowMs) / 1000)));
}

/** A record's body as JSON, undefined when it is not JSON: the caller's schema then rejects it. */
export function recordBody(record: Pick<SQSRecord, 'body'>): unknown {
  try {
    return JSON.parse(record.body);
  } catch {
    return undefined;
  }
}
