import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { type Alert, AlertSchema } from '../events/alert.ts';
import {
  type GroupCloseRequest,
  type GroupCloseScheduler,
  groupSummary,
  SUMMARY_GRACE_MS,
  type SummarySeed,
} from '../stages/grouping.ts';
import type { StateStore } from '../state/store.ts';
import type { LogPort } from './logger.ts';

/** SQS holds a message back for at most 15 minutes; a longer wait is done in hops. */
export const SQS_MAX_DELAY_SECONDS = 900;

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
  seed: z.pick(AlertSchema, { kind: true, account: true, region: true, actor: true, eventId: true }),
});
export type GroupCloseMessage = z.infer<typeof GroupCloseMessageSchema>;

/** Whole seconds SQS should hold a message that is due at `dueAt`, 0 when it is due already. */
export function delaySecondsUntil(dueAt: number, nowMs: number): number {
  return Math.min(SQS_MAX_DELAY_SECONDS, Math.max(0, Math.ceil((dueAt - nowMs) / 1000)));
}

export interface CloseResult {
  /** The summary to send, when the window still held anything of its own. */
  summary?: Alert;
  /** Call after the summary went out: takes its counts off the window; says how many are held now. */
  release?: () => Promise<number>;
}

/**
 * What a closing window has to say. Nothing when the window was replaced (the actor's next alert
 * opened a new one and carried the summary) or nothing is held any more (a repeated message).
 * The summary is built from the window as it is now, so stragglers held since the request count.
 */
export async function closeGroupWindow(
  request: { key: string; openedAt: number; windowMs: number; seed: SummarySeed },
  store: StateStore,
): Promise<CloseResult> {
  const window = await store.window(request.key);
  if (!window || window.openedAt !== request.openedAt || window.held === 0) return {};
  return {
    summary: groupSummary(request.seed, request.key, window, request.windowMs),
    release: async () => (await store.release(request.key, window))?.held ?? 0,
  };
}

export interface GroupCloseBatchDeps {
  store: StateStore;
  /** Puts the summary on the alerts bus the way the alert function puts any alert (publishAlerts). */
  publish: (alerts: Alert[]) => Promise<unknown>;
  /** Sends a message (again) with the delay SQS should hold it for. */
  requeue: (message: GroupCloseMessage, delaySeconds: number) => Promise<void>;
  logger: LogPort;
  now?: () => number;
}

/**
 * The alert function's handler for the group-close queue. Per message: not due yet (a window
 * longer than SQS's 15-minute delay) → sent again for the rest; due → the summary goes out, then
 * its counts are taken off the window, and anything held meanwhile gets a message of its own.
 *
 * Sending comes before releasing: if the function dies in between, the message comes back and the
 * same summary (same id, so the notifiers' idempotency drops it) is sent again rather than lost. A
 * message that fails is reported alone (ReportBatchItemFailures) and retried by SQS, then moved to
 * the queue's dead-letter queue; an unreadable message is logged and dropped, as retrying cannot
 * fix it.
 */
export async function handleGroupCloseBatch(
  event: SQSEvent,
  deps: GroupCloseBatchDeps,
): Promise<SQSBatchResponse> {
  const now = deps.now ?? Date.now;
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const parsed = GroupCloseMessageSchema.safeParse(body);
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
      const closed = await closeGroupWindow(message, deps.store);
      if (!closed.summary || !closed.release) {
        deps.logger.info('group window already summarised', {
          key: message.key,
          messageId: record.messageId,
        });
        continue;
      }
      await deps.publish([closed.summary]);
      const stillHeld = await closed.release();
      if (stillHeld > 0) {
        const dueAt = now() + SUMMARY_GRACE_MS;
        await deps.requeue({ ...message, dueAt }, delaySecondsUntil(dueAt, now()));
      }
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
    seed: request.seed,
  };
}

/** True for the event SQS hands a function (as opposed to an EventBridge event). */
export function isSqsEvent(event: unknown): event is SQSEvent {
  if (typeof event !== 'object' || event === null || !('Records' in event)) return false;
  const records = (event as { Records: unknown }).Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every(
      (r) =>
        typeof r === 'object' && r !== null && (r as { eventSource?: unknown }).eventSource === 'aws:sqs',
    )
  );
}

export type { GroupCloseScheduler };
