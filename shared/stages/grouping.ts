import { type Alert, SEVERITIES, type Severity } from '../events/alert.ts';
import type { AlertStage, StageContext, Suppression } from '../pipeline/stages.ts';
import type { PendingSummary, StateStore, SummarySeed, WindowTally } from '../state/store.ts';
import { actorShort, alertTimeMs, claimWindow, minutes, stateKey } from './common.ts';

export const GROUP_SUMMARY_RULE_ID = 'alert-group-summary';

/**
 * How long a window outlives its end in the store: the summary is normally sent when the window
 * closes (see GroupCloseScheduler); if that was never scheduled, the actor's next alert within
 * this time still carries it.
 */
export const SUMMARY_RETAIN_MS = 24 * 60 * 60 * 1000;

/**
 * How long after a window's end (in event time, so after as much delivery lag as the held alert
 * itself had) its summary is sent: CloudTrail events reach EventBridge minutes late and not in
 * order, and stragglers that still fall in the window should be in the same summary.
 */
export const SUMMARY_GRACE_MS = 60_000;

export type { SummarySeed };

/** A window that holds something, to be summarised when it closes. */
export interface GroupCloseRequest {
  key: string;
  openedAt: number;
  windowMs: number;
  /** When the alert that asked for it happened (epoch ms, event time). */
  at: number;
  /** How long from that alert until the summary is due; replay adds it to `at`, Lambda to the clock. */
  dueInMs: number;
  seed: SummarySeed;
}

/**
 * Sends the summary when the window closes: an SQS message delayed until then in Lambda
 * (shared/pipeline/group-close.ts), an event-time queue in replay. Asked once per window and
 * summary (see StateStore.markScheduled), by the first held alert that wins the mark.
 */
export interface GroupCloseScheduler {
  schedule(request: GroupCloseRequest): Promise<void>;
}

export function seedOf(alert: Alert): SummarySeed {
  return {
    kind: alert.kind,
    account: alert.account,
    region: alert.region,
    ...(alert.actor ? { actor: alert.actor } : {}),
    eventId: alert.eventId,
  };
}

/**
 * Critical alerts are never held for a summary: a page folded into "3 more alerts by user/mallory"
 * five minutes later is a page lost, and an attacker can open the window on purpose with a denied
 * probe (critical when denied) before the changes that matter. True repeats of a critical alert are
 * still folded, by dedupe, which compares what changed.
 */
function applies(alert: Alert): boolean {
  return (
    alert.status === 'firing' &&
    alert.kind !== 'alarm' &&
    alert.actor !== undefined &&
    alert.severity !== 'critical'
  );
}

export function groupKey(alert: Alert): string {
  return stateKey('group', [alert.account.id, alert.actor?.arn ?? alert.actor?.name ?? alert.actor?.display]);
}

function loudest(severities: Partial<Record<Severity, number>>): Severity {
  return SEVERITIES.find((s) => (severities[s] ?? 0) > 0) ?? 'info';
}

function breakdown(severities: Partial<Record<Severity, number>>): string {
  return SEVERITIES.filter((s) => (severities[s] ?? 0) > 0)
    .map((s) => `${severities[s]} ${s}`)
    .join(', ');
}

/**
 * The follow-up for a closed window: "14 more alerts by role/terraform-ci". Its id and dedup key
 * derive from the window and from how many earlier summaries of it took, and its content only from
 * the pending summary, which never changes once taken: every send of it is the same alert.
 */
export function summaryAlert(key: string, p: PendingSummary): Alert {
  const seed = p.seed;
  const who = actorShort(seed);
  const from = new Date(p.openedAt).toISOString();
  const windowMs = p.endsAt - p.openedAt;
  const severity = loudest(p.severities);
  const n = p.held;
  const part = p.from > 0 ? `:${p.from}` : '';
  return {
    id: `${key}:${p.openedAt}${part}`,
    ruleId: GROUP_SUMMARY_RULE_ID,
    title: `${n} more alert${n === 1 ? '' : 's'} by ${who}`,
    severity,
    status: 'firing',
    kind: seed.kind,
    summary:
      p.from > 0
        ? `and ${n} more by ${who} in the ${minutes(windowMs)} from ${from}, delivered after its first summary`
        : `and ${n} more by ${who} in ${minutes(windowMs)} (held back after the first, from ${from})`,
    verdict: 'Grouped: only the first alert of the burst was sent. Search the logs for the ones held back.',
    account: seed.account,
    region: seed.region,
    time: new Date(p.endsAt).toISOString(),
    ...(seed.actor ? { actor: seed.actor } : {}),
    facts: [
      { label: 'Held back', value: breakdown(p.severities) },
      { label: 'Rules', value: p.rules.join(', ') },
      { label: 'First alert sent', value: p.owner },
    ],
    links: [],
    dedupKey: `cloud-alerts/${GROUP_SUMMARY_RULE_ID}/${key}/${p.openedAt}${part}`,
    eventId: seed.eventId,
  };
}

/**
 * A burst from one actor: the first alert goes out at once, the rest of the window is held and
 * counted, and one summary of them goes out when the window closes (the scheduler). If the
 * schedule could not be made, the actor's first alert after the window carries the summary
 * instead. Either way the summary is taken off the window before it is sent and cleared only once
 * it is on the bus, so a failure in between repeats it unchanged rather than losing or recounting
 * it. Anything louder than what the window sent is never held.
 */
export function createGroupingStage(store: StateStore, scheduler?: GroupCloseScheduler): AlertStage {
  /**
   * A held alert that finds no close recorded for the window's current summary asks for one, and
   * records it once the message is written. Recording after writing (not before) means no alert
   * skips asking because of an ask that then failed; concurrent alerts may each write a message,
   * and the extra ones find nothing left to send. If every ask fails, the actor's next alert after
   * the window carries the summary.
   */
  async function scheduleClose(
    alert: Alert,
    key: string,
    window: WindowTally,
    windowMs: number,
    ctx: StageContext,
  ) {
    if (!scheduler || window.scheduled === window.summarized) return;
    const at = alertTimeMs(alert, ctx);
    try {
      await scheduler.schedule({
        key,
        openedAt: window.openedAt,
        windowMs,
        at,
        dueInMs: Math.max(0, window.endsAt - at) + SUMMARY_GRACE_MS,
        seed: seedOf(alert),
      });
    } catch (err) {
      ctx.logger.error('group summary not scheduled; the next held alert tries again', {
        alertId: alert.id,
        error: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    try {
      await store.markScheduled(key, window.openedAt, window.summarized);
    } catch (err) {
      ctx.logger.warn('group summary scheduled but not recorded; the next held alert asks again', {
        alertId: alert.id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** Pending summaries go out with this alert, and are forgotten once they are on the bus. */
  function withPending(alert: Alert, key: string, pending: PendingSummary[] | undefined) {
    if (!pending || pending.length === 0) return { out: [alert] };
    return {
      out: [alert, ...pending.map((p) => summaryAlert(key, p))],
      afterPublish: () => store.clearPending(key, pending),
    };
  }

  async function one(
    alert: Alert,
    windowMs: number,
    ctx: StageContext,
  ): Promise<{ out: Alert[]; suppressed?: Suppression; afterPublish?: () => Promise<void> }> {
    const key = groupKey(alert);
    const claim = await claimWindow(store, 'grouping', alert, ctx, {
      key,
      windowMs,
      retainMs: SUMMARY_RETAIN_MS,
      summarize: seedOf(alert),
    });
    if (!claim) return { out: [alert] };
    switch (claim.outcome) {
      case 'opened':
        return withPending(alert, key, claim.pending);
      case 'owner':
        // A retry of the opener: the summaries it carried may not have gone out either.
        return withPending(alert, key, claim.window.pending);
      case 'louder':
      case 'outside':
        return { out: [alert] };
      case 'held':
        await scheduleClose(alert, key, claim.window, windowMs, ctx);
        return {
          out: [],
          suppressed: {
            alertId: alert.id,
            ruleId: alert.ruleId,
            kind: 'group',
            reason: `burst by ${actorShort(alert)}: ${claim.window.held} held since ${claim.window.owner} was sent at ${new Date(claim.window.openedAt).toISOString()}; summarised when the window ends at ${new Date(claim.window.endsAt).toISOString()}`,
          },
        };
    }
  }

  return {
    name: 'grouping',
    async run(alerts, ctx) {
      const windowMs = ctx.config.grouping.windowMinutes * 60_000;
      if (windowMs === 0) return { alerts, suppressed: [] };
      const kept: Alert[] = [];
      const suppressed: Suppression[] = [];
      const afterPublish: Array<() => Promise<void>> = [];
      for (const alert of alerts) {
        if (!applies(alert)) {
          kept.push(alert);
          continue;
        }
        const result = await one(alert, windowMs, ctx);
        kept.push(...result.out);
        if (result.suppressed) suppressed.push(result.suppressed);
        if (result.afterPublish) afterPublish.push(result.afterPublish);
      }
      return { alerts: kept, suppressed, ...(afterPublish.length > 0 ? { afterPublish } : {}) };
    },
  };
}
