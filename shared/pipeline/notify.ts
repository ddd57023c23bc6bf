import type { Config } from '../config/schema.ts';
import {
  admit,
  budgetIdentity,
  budgetLimits,
  laneBySeverity,
  type SendBudgetDeps,
} from '../delivery/budget.ts';
import type { DeadLetterPort } from '../delivery/dead-letter.ts';
import type { OncePort } from '../delivery/idempotency.ts';
import { type RetryClock, type RetryPolicy, withRetries } from '../delivery/retry.ts';
import { type NotificationRequest, NotificationRequestSchema } from '../events/alert.ts';
import { EnvelopeSchema } from '../events/envelope.ts';
import type { AnyChannelPlugin, ChannelSender } from '../notify/channels/types.ts';
import { type DeliveryContext, deliverNotification } from '../notify/deliver.ts';
import { isDeliveryError } from '../notify/errors.ts';
import { incidentKey } from '../state/incidents.ts';
import { emissionIntervalMs, type Lane } from '../state/send-budget.ts';
import type { LogPort } from './logger.ts';

export interface NotifyDeps {
  /** The notifier's own channel: the only one it renders and sends (its bundle holds no other). */
  plugin: AnyChannelPlugin;
  config: Config;
  /** plugin.createSender(), or a stand-in (invoke local, replay, tests). */
  // biome-ignore lint/suspicious/noExplicitAny: a sender of the plug-in's own body and settings types
  sender: ChannelSender<any, any>;
  context: DeliveryContext;
  logger: LogPort;
  /** Retries within the invocation; without it each delivery is tried once (replay). */
  retry?: { policy: RetryPolicy; clock: RetryClock } | undefined;
  /** Where permanent failures go. Without it they are thrown like any other failure. */
  deadLetter?: DeadLetterPort | undefined;
  /** At most one completed delivery per request key (Powertools idempotency in Lambda). */
  once?: OncePort | undefined;
  now?: (() => Date) | undefined;
  /**
   * The receivers' send budgets, shared by every invocation (shared/delivery/budget.ts). Without it
   * every request is sent (replay, `invoke local`).
   */
  sendBudget?: SendBudgetDeps | undefined;
}

export interface NotifyOutcome {
  /**
   * `duplicate`: this request key was already handled; nothing was sent again. `folded`: over the
   * receiver's send budget, counted into its overflow summary. `deferred`: an overflow summary found
   * no token; it stays pending and its flush is scheduled again.
   */
  status: 'rejected' | 'delivered' | 'duplicate' | 'dead-lettered' | 'folded' | 'deferred';
  receiver?: string;
  /** Why a request was dead-lettered. */
  reason?: string;
}

/**
 * What the idempotency store remembers about a finished request; JSON, as Powertools stores it. A
 * folded request is finished too: redelivered, it is not counted again.
 */
type Completed = { status: 'delivered' | 'folded'; receiver: string };

/**
 * Thrown out of the idempotent section after a permanent failure was dead-lettered, so that Powertools
 * deletes its record: a redrive after the receiver is fixed must deliver, not replay "failed".
 */
class DeadLettered extends Error {
  override readonly name = 'DeadLettered';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Thrown out of the idempotent section when an overflow summary found no token, so no record is kept. */
class NoToken extends Error {
  override readonly name = 'NoToken';
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : 'unknown error';
}

function rejectionReason(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

async function deliverWithRetries(req: NotificationRequest, deps: NotifyDeps): Promise<Completed> {
  let throttled = false;
  const attempt = async () => {
    // After a 429 the vendor is at its limit: the retry first queues for a slot of the send budget
    // (a critical's lane, so it is not folded), or it meets the 429 again against the sends the
    // budget lets through meanwhile, until Lambda's own retries take it.
    if (throttled && deps.sendBudget) {
      await admit(
        req,
        {
          config: deps.config,
          plugin: deps.plugin,
          context: deps.context,
          logger: deps.logger,
          sendBudget: deps.sendBudget,
          clock: deps.retry?.clock,
        },
        { lane: 'critical', fold: false },
      );
    }
    try {
      return await deliverNotification(req, deps.config, deps.context, deps.plugin, deps.sender);
    } catch (err) {
      throttled = isDeliveryError(err) && err.status === 429;
      throw err;
    }
  };
  try {
    if (deps.retry) {
      const { policy, clock } = deps.retry;
      await withRetries(attempt, policy, clock, ({ attempt: n, delayMs, error }) =>
        deps.logger.warn('delivery failed, retrying', {
          key: req.key,
          receiver: req.receiver,
          attempt: n,
          delayMs,
          error: describe(error),
        }),
      );
    } else {
      await attempt();
    }
  } catch (err) {
    const permanent = isDeliveryError(err) && !err.retryable;
    if (permanent && deps.deadLetter) {
      const reason = err.message;
      // A failing SendMessage throws from here: Lambda retries, then its on-failure destination has it.
      await deps.deadLetter({
        reason,
        channel: req.channel,
        receiver: req.receiver,
        key: req.key,
        request: req,
        failedAt: (deps.now?.() ?? new Date()).toISOString(),
      });
      deps.logger.error('delivery failed permanently, dead-lettered', {
        key: req.key,
        receiver: req.receiver,
        error: reason,
      });
      throw new DeadLettered(reason);
    }
    deps.logger.error('delivery failed', {
      key: req.key,
      receiver: req.receiver,
      retryable: isDeliveryError(err) ? err.retryable : undefined,
      error: describe(err),
    });
    throw err;
  }
  return { status: 'delivered', receiver: req.receiver };
}

/**
 * A notifier's work: parse the request, then (once per request key) render and send with retries.
 * A request that cannot be parsed is logged and dropped: retrying cannot fix it. A permanent failure
 * is dead-lettered with its reason and the call returns, so Lambda does not retry it; anything else
 * that fails is thrown, so Lambda retries it and then hands it to the on-failure destination.
 */
export async function handleNotification(event: unknown, deps: NotifyDeps): Promise<NotifyOutcome> {
  const envelope = EnvelopeSchema.safeParse(event);
  const request = envelope.success ? NotificationRequestSchema.safeParse(envelope.data.detail) : undefined;
  if (!envelope.success || !request?.success) {
    const issues = (envelope.success ? request?.error?.issues : envelope.error.issues) ?? [];
    deps.logger.error('notification request rejected', { reason: rejectionReason(issues) });
    return { status: 'rejected' };
  }
  const req = request.data;
  if (req.channel !== deps.plugin.name) {
    deps.logger.error('notification request for another channel', {
      channel: req.channel,
      expected: deps.plugin.name,
      key: req.key,
    });
    return { status: 'rejected' };
  }
  return processRequest(req, deps, { fold: true });
}

/**
 * One request, once per request key: past the send budget (folded when `fold`, else `deferred`),
 * then rendered and sent with retries. A permanent failure is dead-lettered and the call returns;
 * anything else that fails is thrown.
 */
export async function processRequest(
  req: NotificationRequest,
  deps: NotifyDeps,
  options: { fold: boolean; lane?: 'urgent' | 'critical' },
): Promise<NotifyOutcome> {
  let ran = false;
  const work = async (r: NotificationRequest): Promise<Completed> => {
    ran = true;
    const incident = incidentOf(r, deps);
    if (deps.sendBudget) {
      const lane = options.lane ?? (incident ? await resolveLane(r, incident, deps) : undefined);
      const closing = lane === 'critical' && r.alert.status === 'resolved' && r.alert.severity !== 'critical';
      if (!(closing && (await waitForFreeToken(r, deps)))) {
        const admission = await admit(
          r,
          {
            config: deps.config,
            plugin: deps.plugin,
            context: deps.context,
            logger: deps.logger,
            sendBudget: deps.sendBudget,
            clock: deps.retry?.clock,
          },
          { fold: options.fold, ...(lane ? { lane } : {}) },
        );
        if (admission === 'folded') return { status: 'folded', receiver: r.receiver };
        if (admission === 'no-token') throw new NoToken('no token in the send budget');
      }
    }
    const done = await deliverWithRetries(r, deps);
    if (incident) await recordIncident(r, incident, deps);
    return done;
  };
  let completed: Completed;
  try {
    completed = deps.once ? await deps.once.run(req, work) : await work(req);
  } catch (err) {
    if (err instanceof DeadLettered) {
      return { status: 'dead-lettered', receiver: req.receiver, reason: err.reason };
    }
    if (err instanceof NoToken) return { status: 'deferred', receiver: req.receiver };
    throw err;
  }
  if (!ran) {
    deps.logger.info('already delivered, not sent again', { key: req.key, receiver: completed.receiver });
    return { status: 'duplicate', receiver: req.receiver };
  }
  if (completed.status === 'folded') return { status: 'folded', receiver: req.receiver };
  deps.logger.info('delivered', {
    key: req.key,
    receiver: completed.receiver,
    rule: req.alert.ruleId,
    severity: req.alert.severity,
  });
  return { status: 'delivered', receiver: req.receiver };
}

/**
 * The incident a request triggers or resolves (plugin.incidentKey: PagerDuty's), when the notifier
 * keeps a ledger of them.
 */
function incidentOf(
  req: NotificationRequest,
  deps: NotifyDeps,
): { key: string; ledger: NonNullable<SendBudgetDeps['incidents']>; now: () => number } | undefined {
  const ledger = deps.sendBudget?.incidents;
  const { plugin } = deps;
  if (!ledger || !plugin.incidentKey || req.channel !== plugin.name) return undefined;
  const receiver = deps.config.receivers.find((r) => r.name === req.receiver && plugin.name in r);
  const identity = receiver ? budgetIdentity(receiver, plugin, deps.context) : undefined;
  if (!identity) return undefined;
  const now = deps.sendBudget?.now ?? Date.now;
  return { key: incidentKey(identity, plugin.incidentKey(req.alert)), ledger, now };
}

/**
 * A resolve closing an incident that was opened goes first, like a critical: folded, it would leave
 * the incident open. One whose trigger never reached PagerDuty (folded, held, or from before the
 * ledger) closes nothing and takes its severity's lane. If the ledger cannot be read, first.
 */
async function resolveLane(
  req: NotificationRequest,
  incident: NonNullable<ReturnType<typeof incidentOf>>,
  deps: NotifyDeps,
): Promise<Lane | undefined> {
  if (req.alert.status !== 'resolved') return undefined;
  try {
    return (await incident.ledger.isOpen(incident.key, incident.now())) ? 'critical' : laneBySeverity(req);
  } catch (err) {
    deps.logger.warn('incident ledger unreadable: the resolve goes first', {
      key: req.key,
      receiver: req.receiver,
      error: describe(err),
    });
    return 'critical';
  }
}

/** After a send: remember the incident opened, or that it was resolved. A failure here only costs priority. */
async function recordIncident(
  req: NotificationRequest,
  incident: NonNullable<ReturnType<typeof incidentOf>>,
  deps: NotifyDeps,
): Promise<void> {
  try {
    if (req.alert.status === 'resolved') await incident.ledger.closed(incident.key, incident.now());
    else await incident.ledger.opened(incident.key, incident.now());
  } catch (err) {
    deps.logger.warn('incident ledger not updated', {
      key: req.key,
      receiver: req.receiver,
      error: describe(err),
    });
  }
}

/** Left in the invocation when a resolve stops waiting for a free token and takes a critical slot. */
const RESOLVE_WAIT_RESERVE_MS = 15_000;

/**
 * A resolve that closes an open incident must not be folded, but it must not go ahead of a new
 * critical either: first it waits for a free token without reserving a slot (the urgent lane, no
 * debt), so criticals arriving meanwhile take theirs first. True once it has taken a free token;
 * false when the invocation has little time left, and the resolve then takes a critical slot.
 */
async function waitForFreeToken(req: NotificationRequest, deps: NotifyDeps): Promise<boolean> {
  const clock = deps.retry?.clock;
  const budget = deps.sendBudget;
  if (!clock || !budget) return false;
  const receiver = deps.config.receivers.find((r) => r.name === req.receiver);
  const stepMs = receiver ? emissionIntervalMs(budgetLimits(receiver, deps.plugin)) : 1000;
  const admitDeps = {
    config: deps.config,
    plugin: deps.plugin,
    context: deps.context,
    logger: deps.logger,
    sendBudget: budget,
  };
  // Counted from the time left at the start, so a clock that does not move cannot make it spin.
  const steps = Math.floor((clock.remainingMs() - RESOLVE_WAIT_RESERVE_MS) / stepMs);
  for (let i = 0; i < steps && clock.remainingMs() > RESOLVE_WAIT_RESERVE_MS + stepMs; i++) {
    if ((await admit(req, admitDeps, { lane: 'urgent', fold: false })) === 'send') return true;
    await clock.sleep(stepMs);
  }
  return false;
}
