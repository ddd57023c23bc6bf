import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import type { Alert } from '../events/alert.ts';
import { type GroupCloseRequest, type GroupCloseScheduler, summariesOf } from '../stages/grouping.ts';
import { type StateStore, type SummarySeed, SummarySeedSchema, type SummarySlot } from '../state/store.ts';
import type { LogPort } from './logger.ts';
import { delaySecondsUntil, recordBody } from './sqs.ts';

export { delaySecondsUntil, SQS_MAX_DELAY_SECONDS } from './sqs.ts';

/**
 * The body of a message on the group-close queue. `dueAt` is wall-clock epoch ms, fixed when the
 * window asked for its summary, so every hop of a long wait aims at the same moment.
 */
export const GroupCloseMessageSchema = z.object({
  v: z.literal(1),
  key: z.string(),
  openedAt: z.number(),
  windowMs: z.number(),
  dueAt: z.number(),
  /** The slot of the group interval the summary reports; absent in messages sent before slots. */
  slot: z.optional(z.object({ startsAt: z.number(), endsAt: z.number() })),
  seed: SummarySeedSchema,
});
export type GroupCloseMessage = z.infer<typeof GroupCloseMessageSchema>;

export interface CloseResult {
  /** The summaries to send: this window's, and any taken earlier and not yet cleared. */
  summaries: Alert[];
  /** The receivers each summary goes to, by id: its group's (see StageResult.addressed). */
  addressed: ReadonlyMap<string, readonly string[]>;
  /** Call once they are on the bus: forgets them. */
  clear: () => Promise<void>;
}

/**
 * What a closing window has to say. What it holds is first taken off it into a pending summary
 * (alerts held from then on start the next one), so the summary cannot change between sends.
 * Every summary pending under the key comes back: also one taken by an earlier attempt that died
 * before clearing it, or carried by the actor's next alert. Nothing when nothing is held or pending.
 */
export async function closeGroupWindow(
  request: { key: string; openedAt: number; seed: SummarySeed; slot?: SummarySlot | undefined },
  store: StateStore,
  nowMs: number,
): Promise<CloseResult> {
  const pending = await store.takeSummary(request.key, request.openedAt, request.seed, nowMs, request.slot);
  const { alerts, addressed } = summariesOf(request.key, pending);
  return {
    summaries: alerts,
    addressed,
    clear: () => store.clearPending(request.key, pending),
  };
}

export interface GroupCloseBatchDeps {
  store: StateStore;
  /**
   * Puts the summaries on the alerts bus the way the alert function puts any alert (publishAlerts),
   * each to the receivers `addressed` names for it.
   */
  publish: (alerts: Alert[], addressed: ReadonlyMap<string, readonly string[]>) => Promise<unknown>;
  /** Sends a message (again) with the delay SQS should hold it for. */
  requeue: (message: GroupCloseMessage, delaySeconds: number) => Promise<void>;
  logger: LogPort;
  now?: () => number;
}

/**
 * The alert function's handler for the group-close queue. Per message: not due yet (a window
 * longer than SQS's 15-minute delay) → sent again for the rest; due → the window's summary is
 * taken, sent, then cleared. Alerts held after it was taken ask for a close of their own.
 *
 * Taking comes before sending and clearing after: if the function dies anywhere in between, the
 * message comes back and sends the very same summary again (same id and counts, so the notifiers'
 * idempotency drops the repeat) rather than losing or recounting it. A message that fails is
 * reported alone (ReportBatchItemFailures) and retried by SQS, then moved to the queue's dead-letter
 * queue; an unreadable message is logged and dropped, as retrying cannot fix it.
 */
export async function handleGroupCloseBatch(
  event: SQSEvent,
  deps: GroupCloseBatchDeps,
): Promise<SQSBatchResponse> {
  const now = deps.now ?? Date.now;
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const parsed = GroupCloseMessageSchema.safeParse(recordBody(record));
    if (!parsed.success) {
      deps.logger.error('group-close message unreadable: dropped', {
        messageId: record.messageId,
        issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`),
      });
      continue;
    }
    const message = parsed.data;
    try {
      // SQS delays are whole seconds and it may deliver a little early: within a second is due.
      if (message.dueAt - now() > 1000) {
        await deps.requeue(message, delaySecondsUntil(message.dueAt, now()));
        continue;
      }
      const closed = await closeGroupWindow(message, deps.store, now());
      if (closed.summaries.length === 0) {
        deps.logger.info('group window already summarised', {
          key: message.key,
          messageId: record.messageId,
        });
        continue;
      }
      await deps.publish(closed.summaries, closed.addressed);
      await closed.clear();
    } catch (err) {
      deps.logger.error('group summary failed: SQS will retry it', {
        key: message.key,
        messageId: record.messageId,
        error: err instanceof Error ? err.message : String(err),
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

/** The message a window's request becomes, due on the wall clock. */
export function groupCloseMessage(request: GroupCloseRequest, nowMs: number): GroupCloseMessage {
  return {
    v: 1,
    key: request.key,
    openedAt: request.openedAt,
    windowMs: request.windowMs,
    dueAt: nowMs + request.dueInMs,
    slot: request.slot,
    seed: request.seed,
  };
}

export type { GroupCloseScheduler };
