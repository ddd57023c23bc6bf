import { createHash } from 'node:crypto';
import { receiverChannel } from '../config/receivers.ts';
import type { Config, Receiver } from '../config/schema.ts';
import type { Channel, NotificationRequest } from '../events/alert.ts';
import type { DeliveryContext } from '../notify/deliver.ts';
import { EMAIL_BUDGET, PAGERDUTY_BUDGET, SLACK_BUDGET } from '../notify/limits.ts';
import type { LogPort } from '../pipeline/logger.ts';
import type { BudgetLimits, BudgetStore, Lane, OverflowStore } from '../state/send-budget.ts';
import { type FlushScheduler, flushMessage, OVERFLOW_SUMMARY_RULE_ID } from './overflow.ts';

export const CHANNEL_BUDGETS: Readonly<Record<Channel, Readonly<BudgetLimits>>> = {
  slack: SLACK_BUDGET,
  pagerduty: PAGERDUTY_BUDGET,
  email: EMAIL_BUDGET,
};

/** The receiver's own `budget`, else its channel's default. */
export function budgetLimits(receiver: Receiver): BudgetLimits {
  return receiver.budget ?? CHANNEL_BUDGETS[receiverChannel(receiver)];
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
export function budgetIdentity(receiver: Receiver, ctx: DeliveryContext): string | undefined {
  if ('email' in receiver) {
    return receiver.email.topicArn === 'stack' ? ctx.stackTopicArn : receiver.email.topicArn;
  }
  return ctx.secret(receiver);
}

/** The rule id of `cloud-alerts doctor --send-test` (shared/doctor/send-test.ts TEST_RULE_ID). */
export const DELIVERY_TEST_RULE_ID = 'cloud-alerts-test';

/**
 * Critical alerts are always sent, and so are PagerDuty resolves: folded, a resolve would leave its
 * incident open. An overflow summary that arrives as a request (a dead letter redriven by hand) is
 * never folded into another summary, and the doctor's delivery test, one per receiver, asks whether
 * the path works, which a fold would not answer. High may take the last token; the rest only above
 * the reserve.
 */
export function laneOf(request: NotificationRequest): Lane {
  const { alert } = request;
  if (alert.severity === 'critical') return 'critical';
  if (request.channel === 'pagerduty' && alert.status === 'resolved') return 'critical';
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
}

export type Admission = 'send' | 'folded' | 'no-token';

/** The receiver a request names, when it is one of this channel's; anything else fails in delivery. */
function receiverOf(request: NotificationRequest, config: Config): Receiver | undefined {
  const receiver = config.receivers.find((r) => r.name === request.receiver);
  return receiver && receiverChannel(receiver) === request.channel ? receiver : undefined;
}

/**
 * Takes a token for one request in `lane`. `fold`: without one, the request is counted into the
 * receiver's overflow tally instead of sent, and the tally's first fold schedules the flush that
 * sends its summary. A request whose receiver or secret is unknown is let through: its delivery
 * fails permanently and is dead-lettered with the reason, as without budgets.
 */
export async function admit(
  request: NotificationRequest,
  deps: { config: Config; context: DeliveryContext; logger: LogPort; sendBudget: SendBudgetDeps },
  options: { lane?: Lane; fold: boolean },
): Promise<Admission> {
  const receiver = receiverOf(request, deps.config);
  const identity = receiver ? budgetIdentity(receiver, deps.context) : undefined;
  if (!receiver || !identity) return 'send';
  const { budget, overflow, flush, now, flushDelaySeconds } = deps.sendBudget;
  const lane = options.lane ?? laneOf(request);
  const limits = budgetLimits(receiver);
  const at = now();
  const taken = await budget.take({ key: bucketKey(request.channel, identity), lane, limits, now: at });
  if (taken.granted) {
    if (taken.tat !== undefined && taken.tat - at > limits.burst * Math.ceil(60_000 / limits.perMinute)) {
      deps.logger.warn('send budget in debt: a critical went over it', {
        key: request.key,
        receiver: request.receiver,
        debtMs: Math.round(taken.tat - at),
      });
    }
    return 'send';
  }
  if (!options.fold) return 'no-token';
  const { alert } = request;
  const folded = await overflow.fold({
    channel: request.channel,
    receiver: request.receiver,
    severity: alert.severity,
    rule: alert.ruleId,
    alerts: alert.covers ?? 1,
    title: alert.title,
    account: alert.account,
    region: alert.region,
    now: at,
  });
  if (folded.needsFlush) {
    // Scheduled before it is marked: a failure here throws, Lambda retries, and the retry schedules
    // (counting this notification once more rather than leaving the tally without a flush).
    await flush.schedule(
      flushMessage(request.channel, request.receiver, at + flushDelaySeconds * 1000),
      flushDelaySeconds,
    );
    await overflow.markScheduled(request.channel, request.receiver, folded.since);
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
