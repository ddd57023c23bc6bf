import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { budgetLimits } from '../delivery/budget.ts';
import { FlushMessageSchema, flushMessage, overflowSummaryRequest } from '../delivery/overflow.ts';
import { emissionIntervalMs } from '../state/send-budget.ts';
import { type NotifyDeps, processRequest } from './notify.ts';
import { delaySecondsUntil, recordBody } from './sqs.ts';

/** SQS delays are whole seconds and a message may come a little early: within a second is due. */
const EARLY_TOLERANCE_MS = 1000;

/**
 * A notifier's handler for its flush queue. Per message: the receiver's tally is taken into a
 * pending summary (folds from then on start the next tally), and every summary pending for it is
 * sent, each in the urgent lane of the receiver's budget (the critical lane when it holds a
 * critical), then cleared. With no token left the
 * summary stays pending and the flush is scheduled again for when the bucket has refilled: never
 * folded into itself, never dropped. A record that is not a flush message for this channel is
 * reported failed, never acknowledged: it reaches the dead-letter queue intact. A permanent failure is dead-lettered like any request (and then
 * cleared: the dead letter holds it, redrivable); anything else fails the message alone
 * (ReportBatchItemFailures), so SQS retries it and finally moves it to the channel's dead-letter queue.
 */
export async function handleFlushBatch(event: SQSEvent, deps: NotifyDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  const sendBudget = deps.sendBudget;
  for (const record of event.Records) {
    const parsed = FlushMessageSchema.safeParse(recordBody(record));
    if (!parsed.success || parsed.data.channel !== deps.plugin.name) {
      // Not ours to drop: someone's alert may be in it (a dead letter moved here by hand). Failed, it
      // goes back to the queue and after its receives to the channel's dead-letter queue, where
      // `cloud-alerts dlq list` shows it.
      deps.logger.error('flush message unreadable or for another channel: left to the dead-letter queue', {
        messageId: record.messageId,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    const message = parsed.data;
    const receiver = deps.config.receivers.find((r) => r.name === message.receiver);
    try {
      if (!sendBudget) throw new Error('this notifier has no send budget: it cannot flush');
      const now = sendBudget.now();
      if (message.dueAt - now > EARLY_TOLERANCE_MS) {
        await sendBudget.flush.schedule(message, delaySecondsUntil(message.dueAt, now));
        continue;
      }
      const pending = await sendBudget.overflow.take(message.channel, message.receiver, now);
      const done: string[] = [];
      try {
        for (const p of pending) {
          const request = overflowSummaryRequest(p);
          // A summary that holds a critical goes like one: it may wait for its slot in the debt.
          const lane = request.alert.severity === 'critical' ? 'critical' : 'urgent';
          // From here on it may reach someone: a later take no longer merges into it.
          if (!p.attempted) await sendBudget.overflow.markAttempted(message.channel, message.receiver, p.id);
          const outcome = await processRequest(request, deps, { fold: false, lane });
          if (outcome.status === 'deferred') {
            // A whole bucket's refill: by then the urgent lane has a token unless criticals keep it
            // empty. Only a configured receiver has a budget to find empty.
            const limits = receiver ? budgetLimits(receiver, deps.plugin) : undefined;
            const refillMs = limits ? limits.burst * emissionIntervalMs(limits) : 1000;
            const wait = Math.max(1, Math.ceil(refillMs / 1000));
            await sendBudget.flush.schedule(
              flushMessage(message.channel, message.receiver, now + wait * 1000),
              wait,
            );
            deps.logger.warn('overflow summary found no token: flush scheduled again', {
              receiver: message.receiver,
              summary: request.key,
              waitSeconds: wait,
            });
            break;
          }
          done.push(p.id);
          deps.logger.info('overflow summary sent', {
            receiver: message.receiver,
            key: request.key,
            status: outcome.status,
            alerts: p.alerts,
          });
        }
      } finally {
        await sendBudget.overflow.clear(message.channel, message.receiver, done);
      }
    } catch (err) {
      // Two flushes of one tally (its regular one and a critical's early one) can meet on the same
      // summary: the one already sending it owns it, and its own message is retried if it fails.
      if (err instanceof Error && err.name === 'IdempotencyAlreadyInProgressError') {
        deps.logger.info('overflow summary already being sent by another flush', {
          receiver: message.receiver,
          messageId: record.messageId,
        });
        continue;
      }
      deps.logger.error('overflow flush failed: SQS will retry it', {
        receiver: message.receiver,
        messageId: record.messageId,
        error: err instanceof Error ? err.message : String(err),
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
