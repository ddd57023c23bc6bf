import { createHash } from 'node:crypto';
import { type Alert, SEVERITIES, type Severity } from '../events/alert.ts';
import type { AlertStage, StageContext, Suppression } from '../pipeline/stages.ts';
import type { PendingSummary, StateStore, SummarySeed, SummarySlot, WindowTally } from '../state/store.ts';
import { actorShort, alertTimeMs, claimWindow, minutes, stateKey } from './common.ts';
import { callOf } from './dedupe.ts';

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

/** A group that holds something, to be summarised at the end of the slot its held alert fell in. */
export interface GroupCloseRequest {
  key: string;
  openedAt: number;
  /** The group interval. */
  windowMs: number;
  /** The slot of the group interval the summary reports (event time, epoch ms). */
  slot: SummarySlot;
  /** When the alert that asked for it happened (epoch ms, event time). */
  at: number;
  /** How long from that alert until the summary is due; replay adds it to `at`, Lambda to the clock. */
  dueInMs: number;
  seed: SummarySeed;
}

/**
 * Sends the summary when its slot ends: an SQS message delayed until then in Lambda
 * (shared/pipeline/group-close.ts), an event-time queue in replay. Asked once per summary (see
 * StateStore.markScheduled), by the first held alert that wins the mark.
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
 * Alarms stay out of grouping (flapping and the send budgets handle them); so do resolves and
 * alerts with no actor to group by.
 */
function applies(alert: Alert): boolean {
  return alert.status === 'firing' && alert.kind !== 'alarm' && alert.actor !== undefined;
}

export function groupKey(alert: Alert): string {
  return stateKey('group', [alert.account.id, alert.actor?.arn ?? alert.actor?.name ?? alert.actor?.display]);
}

/**
 * One PagerDuty incident per group: its opener and every summary carry this dedup key, so the
 * summaries land on the incident the opener raised. Under PagerDuty's 255 characters
 * (https://developer.pagerduty.com/docs/events-api-v2-overview#alert-de-duplication): the group key
 * is a fixed-length hash.
 */
export function groupDedupKey(key: string, openedAt: number): string {
  return `cloud-alerts/group/${key}/${openedAt}`;
}

/**
 * What a critical alert says, without where: rule, verdict and whether the call was denied, and the
 * API call, because some rules give every call one generic verdict (root-usage: a root console
 * sign-in and a root LeaveOrganization must be two pages). Six hundred buckets made public by one
 * user share it (one page, then summaries); a bucket made public after a trust policy opened to
 * anyone does not (two pages). Never the resource. Hashed: the verdict is attacker-shaped text, and
 * the window item keeps only a bounded number of these.
 */
export function verdictSignature(alert: Alert, call?: string): string {
  return createHash('sha256')
    .update(JSON.stringify([alert.ruleId, alert.verdict ?? null, alert.attempted === true, call ?? null]))
    .digest('hex')
    .slice(0, 16);
}

/**
 * The slot of the group interval an alert held at `at` falls in: openedAt + k·interval up to the
 * next boundary, never past the group's cap (the repeat interval).
 */
export function slotOf(openedAt: number, at: number, intervalMs: number, maxMs: number): SummarySlot {
  const k = Math.max(0, Math.floor((at - openedAt) / intervalMs));
  const startsAt = openedAt + k * intervalMs;
  return { startsAt, endsAt: Math.min(startsAt + intervalMs, openedAt + maxMs) };
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
 * The follow-up for a slot of a group: "14 more alerts by role/terraform-ci". Its id derives from the
 * group and from how many earlier summaries of it took; its dedup key is the group's, so PagerDuty
 * adds it to the group's incident; its content comes only from the pending summary, which never
 * changes once taken: every send of it is the same alert.
 */
export function summaryAlert(key: string, p: PendingSummary): Alert {
  const seed = p.seed;
  const who = actorShort(seed);
  const startsAt = p.startsAt ?? p.openedAt;
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
    summary: `and ${n} more by ${who} in the ${minutes(p.endsAt - startsAt)} from ${new Date(startsAt).toISOString()} (held back: the group's first alert went out at ${new Date(p.openedAt).toISOString()})`,
    verdict:
      'Grouped: these repeat what the group already sent (its first alert, anything louder, each new critical verdict). Search the logs for the ones held back.',
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
    dedupKey: groupDedupKey(key, p.openedAt),
    eventId: seed.eventId,
    covers: n,
  };
}

/**
 * Grouping with Alertmanager's timers, per actor. A group opens with the actor's first alert, which
 * goes out at once (group_wait is 0). It stays open while it keeps holding alerts: it closes after
 * the group interval with nothing held, and at the latest the repeat interval after it opened.
 * Held alerts are summarised per slot of the group interval (openedAt + k·interval, plus a grace for
 * late CloudTrail), by a close the scheduler sends. If the schedule could not be made, the actor's
 * first alert after the group carries the summary instead. Either way the summary is taken off the
 * group before it is sent and cleared only once it is on the bus, so a failure in between repeats it
 * unchanged rather than losing or recounting it.
 *
 * Never held: anything louder than what the group sent, and a critical alert whose verdict
 * signature the group has not sent (an attacker cannot open a group with a denied probe and hide the
 * changes that matter behind it). A critical alert that repeats a verdict the group already paged
 * for is held and counted: 600 buckets made public by one user are one page and its summaries.
 */
export function createGroupingStage(store: StateStore, scheduler?: GroupCloseScheduler): AlertStage {
  /**
   * A held alert that finds no close recorded for the group's current summary asks for one, and
   * records it once the message is written. Recording after writing (not before) means no alert
   * skips asking because of an ask that then failed; concurrent alerts may each write a message,
   * and the extra ones find nothing left to send. If every ask fails, the actor's next alert after
   * the group carries the summary.
   */
  async function scheduleClose(
    alert: Alert,
    key: string,
    window: WindowTally,
    timers: Timers,
    ctx: StageContext,
  ) {
    if (!scheduler || window.scheduled === window.summarized) return;
    const at = alertTimeMs(alert, ctx);
    const slot = slotOf(window.openedAt, at, timers.intervalMs, timers.maxMs);
    try {
      await scheduler.schedule({
        key,
        openedAt: window.openedAt,
        windowMs: timers.intervalMs,
        slot,
        at,
        dueInMs: Math.max(0, slot.endsAt - at) + SUMMARY_GRACE_MS,
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

  /**
   * The group's opener goes out under the group's dedup key (one PagerDuty incident per group), with
   * the pending summaries, which are forgotten once they are on the bus.
   */
  function opener(alert: Alert, key: string, openedAt: number, pending: PendingSummary[] | undefined) {
    const first = { ...alert, dedupKey: groupDedupKey(key, openedAt) };
    if (!pending || pending.length === 0) return { out: [first] };
    return {
      out: [first, ...pending.map((p) => summaryAlert(key, p))],
      afterPublish: () => store.clearPending(key, pending),
    };
  }

  async function one(
    alert: Alert,
    timers: Timers,
    ctx: StageContext,
  ): Promise<{ out: Alert[]; suppressed?: Suppression; afterPublish?: () => Promise<void> }> {
    const key = groupKey(alert);
    const claim = await claimWindow(store, 'grouping', alert, ctx, {
      key,
      windowMs: timers.intervalMs,
      maxMs: timers.maxMs,
      retainMs: SUMMARY_RETAIN_MS,
      summarize: seedOf(alert),
      ...(alert.severity === 'critical' ? { signature: verdictSignature(alert, callOf(ctx)) } : {}),
    });
    if (!claim) return { out: [alert] };
    switch (claim.outcome) {
      case 'opened':
        // Both stores open the group at the alert's event time.
        return opener(alert, key, alertTimeMs(alert, ctx), claim.pending);
      case 'owner':
        // A retry of the opener: the summaries it carried may not have gone out either.
        return opener(alert, key, claim.window.openedAt, claim.window.pending);
      case 'louder':
      case 'news':
      case 'outside':
        // An escalation is its own incident: it keeps its own dedup key.
        return { out: [alert] };
      case 'held': {
        await scheduleClose(alert, key, claim.window, timers, ctx);
        const slot = slotOf(claim.window.openedAt, alertTimeMs(alert, ctx), timers.intervalMs, timers.maxMs);
        const repeat = alert.severity === 'critical' ? ' (a critical verdict the group already sent)' : '';
        return {
          out: [],
          suppressed: {
            alertId: alert.id,
            ruleId: alert.ruleId,
            kind: 'group',
            severity: alert.severity,
            reason: `burst by ${actorShort(alert)}${repeat}: ${claim.window.held} held since ${claim.window.owner} was sent at ${new Date(claim.window.openedAt).toISOString()}; summarised after ${new Date(slot.endsAt).toISOString()}`,
          },
        };
      }
    }
  }

  return {
    name: 'grouping',
    async run(alerts, ctx) {
      const { groupIntervalMinutes, repeatIntervalMinutes } = ctx.config.grouping;
      const timers: Timers = {
        intervalMs: groupIntervalMinutes * 60_000,
        maxMs: Math.max(groupIntervalMinutes, repeatIntervalMinutes) * 60_000,
      };
      if (timers.intervalMs === 0) return { alerts, suppressed: [] };
      const kept: Alert[] = [];
      const suppressed: Suppression[] = [];
      const afterPublish: Array<() => Promise<void>> = [];
      for (const alert of alerts) {
        if (!applies(alert)) {
          kept.push(alert);
          continue;
        }
        const result = await one(alert, timers, ctx);
        kept.push(...result.out);
        if (result.suppressed) suppressed.push(result.suppressed);
        if (result.afterPublish) afterPublish.push(result.afterPublish);
      }
      return { alerts: kept, suppressed, ...(afterPublish.length > 0 ? { afterPublish } : {}) };
    },
  };
}

interface Timers {
  /** The group interval. */
  intervalMs: number;
  /** The repeat interval: the longest a group stays open. */
  maxMs: number;
}
