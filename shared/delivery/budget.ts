import { createHash } from 'node:crypto';
import { receiverChannel, receiverSettings } from '../config/receivers.ts';
import type { Config, Receiver } from '../config/schema.ts';
import type { Channel, NotificationRequest } from '../events/alert.ts';
import type { AnyChannelPlugin } from '../notify/channels/types.ts';
import type { DeliveryContext } from '../notify/deliver.ts';
import type { LogPort } from '../pipeline/logger.ts';
import type { IncidentLedger } from '../state/incidents.ts';
import {
  type BudgetLimits,
  type BudgetStore,
  type FoldResult,
  type Lane,
  type OverflowStore,
  type TakeResult,
  waitForSlotMs,
} from '../state/send-budget.ts';
import { type FlushScheduler, flushMessage, OVERFLOW_SUMMARY_RULE_ID } from './overflow.ts';
import type { RetryClock } from './retry.ts';

/** The receiver's own `budget`, else its channel's default (the plug-in's `budget`). */
export function budgetLimits(receiver: Receiver, plugin: AnyChannelPlugin): BudgetLimits {
  return receiver.budget ?? plugin.budget;
}

/**
 * One bucket per thing the vendor limits: the webhook URL, the routing key, the topic. Only a short
 * digest of it is stored, never the secret, and two receivers naming the same webhook share one.
 */
export function bucketKey(channel: Channel, identity: string): string {
  const digest = createHash('sha256').update(identity).digest('hex').slice(0, 20);
  return `budget#${channel}#${digest}`;
}

/** What the vendor counts for this receiver, or undefined when it is not known (delivery fails anyway). */
export function budgetIdentity(
  receiver: Receiver,
  plugin: AnyChannelPlugin,
  ctx: DeliveryContext,
): string | undefined {
  const settings = receiverSettings(receiver, plugin);
  if (settings === undefined) return undefined;
  const secret = plugin.secret(settings) === undefined ? undefined : ctx.secret(receiver);
  return plugin.budgetIdentity(settings, { secret, stackTopicArn: ctx.stackTopicArn });
}

/** The rule id of `cloud-alerts doctor --send-test` (shared/doctor/send-test.ts TEST_RULE_ID). */
export const DELIVERY_TEST_RULE_ID = 'cloud-alerts-test';

/**
 * Critical alerts are always sent, and so are the resolves of a channel that opens incidents
 * (plugin.incidentKey, PagerDuty): folded, a resolve would leave its incident open. An overflow summary that arrives as a request (a dead letter redriven by hand) is
 * never folded into another summary, and the doctor's delivery test, one per receiver, asks whether
 * the path works, which a fold would not answer. High may take the last token; the rest only above
 * the reserve.
 */
export function laneOf(request: NotificationRequest, plugin: AnyChannelPlugin): Lane {
  const { alert } = request;
  if (alert.severity === 'critical') return 'critical';
  if (plugin.incidentKey !== undefined && alert.status === 'resolved') return 'critical';
  return laneBySeverity(request);
}

/** The lane an alert's own severity earns, whatever its status: critical first, high next, the rest last. */
export function laneBySeverity(request: NotificationRequest): Lane {
  const { alert } = request;
  if (alert.severity === 'critical') return 'critical';
  if (alert.ruleId === OVERFLOW_SUMMARY_RULE_ID || alert.ruleId === DELIVERY_TEST_RULE_ID) return 'critical';
  return alert.severity === 'high' ? 'urgent' : 'bulk';
}

/** The ports that share one receiver's budget between every invocation of its notifier. */
export interface SendBudgetDeps {
  budget: BudgetStore;
  overflow: OverflowStore;
  flush: FlushScheduler;
  /** Epoch ms. Budgets run on this clock (a harness can run it virtually); vendors on theirs. */
  now: () => number;
  /** How long after a tally's first fold its summary is sent (config delivery.overflowSummarySeconds). */
  flushDelaySeconds: number;
  /**
   * PagerDuty: the incidents this deployment opened. With it, a resolve goes first only when its
   * incident was opened (a trigger reached PagerDuty); a resolve of a trigger that was folded or never
   * sent closes nothing and waits its turn like any alert of its severity. Without it every resolve
   * goes first (laneOf).
   */
  incidents?: IncidentLedger | undefined;
}

export type Admission = 'send' | 'folded' | 'no-token';

/**
 * How far past an empty bucket criticals may go: about 20 s of refill. Within it a critical waits in
 * its invocation for its own slot, so even a burst of criticals reaches the vendor at its rate (a
 * Slack 429, or SNS e-mail above 10 a second, which suspends the subscription); past it the critical
 * is folded into an overflow summary that is flushed at once, in the critical lane.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html
 */
export const CRITICAL_DEBT_MS = 20_000;
/** Kept back from the invocation's remaining time for the send itself and its retries. */
export const SEND_TIME_RESERVE_MS = 10_000;
/** The earliest an SQS delay can bring a flush back (whole seconds): a folded critical's flush. */
export const CRITICAL_FLUSH_DELAY_SECONDS = 1;
/**
 * A flush queue message is received at most 5 times, each hidden 180 s (resources/core.yml
 * Notify<Channel>FlushQueue); a flush scheduled longer ago than that plus its delay, whose tally is
 * still there, died before it took it: the next fold schedules another.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 */
export const FLUSH_QUEUE_MAX_RECEIVES = 5;
export const FLUSH_QUEUE_VISIBILITY_SECONDS = 180;

/** How long after it was scheduled a flush that has not taken its tally is presumed lost. */
export function flushStaleAfterMs(flushDelaySeconds: number): number {
  return (flushDelaySeconds + FLUSH_QUEUE_MAX_RECEIVES * FLUSH_QUEUE_VISIBILITY_SECONDS) * 1000;
}

/** The receiver a request names, when it is one of this channel's; anything else fails in delivery. */
function receiverOf(request: NotificationRequest, config: Config): Receiver | undefined {
  const receiver = config.receivers.find((r) => r.name === request.receiver);
  return receiver && receiverChannel(receiver) === request.channel ? receiver : undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error';
}

/**
 * Takes a token for one request in `lane`. A critical may take one in debt, as far as the debt cap
 * and the invocation's remaining time (`clock`) allow, and then waits for its slot before it is
 * sent. `fold`: without a token, the request is counted into the receiver's overflow tally instead
 * of sent, and the tally's first fold schedules the flush that sends its summary (a folded critical
 * at once). A request whose receiver or secret is unknown is let through: its delivery fails
 * permanently and is dead-lettered with the reason, as without budgets. A failing state table lets
 * the request through too, like the noise control in the alert function: a vendor 429 is retried,
 * but a critical stuck behind a throttled budget item would be lost to the dead-letter queue.
 */
export async function admit(
  request: NotificationRequest,
  deps: {
    config: Config;
    /** The notifier's own channel. */
    plugin: AnyChannelPlugin;
    context: DeliveryContext;
    logger: LogPort;
    sendBudget: SendBudgetDeps;
    clock?: RetryClock | undefined;
  },
  options: { lane?: Lane; fold: boolean },
): Promise<Admission> {
  const receiver = receiverOf(request, deps.config);
  const identity = receiver ? budgetIdentity(receiver, deps.plugin, deps.context) : undefined;
  if (!receiver || !identity) return 'send';
  const { budget, overflow, flush, now, flushDelaySeconds } = deps.sendBudget;
  const lane = options.lane ?? laneOf(request, deps.plugin);
  const limits = budgetLimits(receiver, deps.plugin);
  const at = now();
  const canWaitMs = deps.clock ? Math.max(0, deps.clock.remainingMs() - SEND_TIME_RESERVE_MS) : 0;
  let taken: TakeResult;
  try {
    taken = await budget.take({
      key: bucketKey(request.channel, identity),
      lane,
      limits,
      now: at,
      ...(lane === 'critical' ? { debtMs: Math.min(CRITICAL_DEBT_MS, canWaitMs) } : {}),
    });
  } catch (err) {
    deps.logger.warn('send budget store failed; sending without a send budget', {
      key: request.key,
      receiver: request.receiver,
      error: describe(err),
    });
    return 'send';
  }
  if (taken.granted) {
    const waitMs = taken.tat === undefined ? 0 : waitForSlotMs(taken.tat, limits, at);
    if (waitMs > 0 && deps.clock) {
      deps.logger.warn('send budget in debt: a critical waits for its slot', {
        key: request.key,
        receiver: request.receiver,
        waitMs: Math.round(waitMs),
      });
      await deps.clock.sleep(waitMs);
    }
    return 'send';
  }
  if (!options.fold) return 'no-token';
  const { alert } = request;
  const staleAfterMs = flushStaleAfterMs(flushDelaySeconds);
  let folded: FoldResult;
  try {
    folded = await overflow.fold({
      channel: request.channel,
      receiver: request.receiver,
      severity: alert.severity,
      rule: alert.ruleId,
      alerts: alert.covers ?? 1,
      title: alert.title,
      account: alert.account,
      region: alert.region,
      now: at,
      staleAfterMs,
    });
  } catch (err) {
    deps.logger.warn('overflow tally failed; sending without a send budget', {
      key: request.key,
      receiver: request.receiver,
      error: describe(err),
    });
    return 'send';
  }
  if (folded.needsFlush) {
    // Scheduled before it is marked: a failure here throws, Lambda retries, and the retry schedules
    // (counting this notification once more rather than leaving the tally without a flush).
    await flush.schedule(
      flushMessage(request.channel, request.receiver, at + flushDelaySeconds * 1000),
      flushDelaySeconds,
    );
    await overflow.markScheduled(request.channel, request.receiver, folded.since, { now: at, staleAfterMs });
  }
  if (alert.severity === 'critical' && folded.firstCritical) {
    // A critical past the debt cap is not left for the tally's regular flush: its summary goes as
    // soon as the bucket lets a critical through again, and waits there for its slot.
    await flush.schedule(
      flushMessage(request.channel, request.receiver, at + CRITICAL_FLUSH_DELAY_SECONDS * 1000),
      CRITICAL_FLUSH_DELAY_SECONDS,
    );
  }
  deps.logger.info('over the send budget: folded into the overflow summary', {
    key: request.key,
    receiver: request.receiver,
    severity: alert.severity,
    lane,
    held: folded.notifications,
  });
  return 'folded';
}
