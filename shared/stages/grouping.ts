import { type Alert, SEVERITIES, type Severity } from '../events/alert.ts';
import type { AlertStage, StageContext, Suppression } from '../pipeline/stages.ts';
import type { StateStore, WindowTally } from '../state/store.ts';
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

/** What a summary says about its actor, taken from one of the held alerts. */
export type SummarySeed = Pick<Alert, 'kind' | 'account' | 'region' | 'actor' | 'eventId'>;

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
 * (shared/pipeline/group-close.ts), an event-time queue in replay. Asked once per window, by the
 * alert that is held first (and again by whatever releases a window that still holds more).
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

function applies(alert: Alert): boolean {
  return alert.status === 'firing' && alert.kind !== 'alarm' && alert.actor !== undefined;
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
 * The follow-up for a closed window: "and 14 more by role/terraform-ci in 5 minutes". Its id and
 * dedup key derive from the window and from how many earlier summaries of it reported, so a retry
 * repeats the same one and a later summary of late arrivals is a new one.
 */
export function groupSummary(
  alert: SummarySeed,
  key: string,
  previous: WindowTally,
  windowMs: number,
): Alert {
  const who = actorShort(alert);
  const from = new Date(previous.openedAt).toISOString();
  const severity = loudest(previous.severities);
  const n = previous.held;
  const part = previous.summarized > 0 ? `:${previous.summarized}` : '';
  return {
    id: `${key}:${previous.openedAt}${part}`,
    ruleId: GROUP_SUMMARY_RULE_ID,
    title: `${n} more alert${n === 1 ? '' : 's'} by ${who}`,
    severity,
    status: 'firing',
    kind: alert.kind,
    summary:
      previous.summarized > 0
        ? `and ${n} more by ${who} in the ${minutes(windowMs)} from ${from}, delivered after its first summary`
        : `and ${n} more by ${who} in ${minutes(windowMs)} (held back after the first, from ${from})`,
    verdict: 'Grouped: only the first alert of the burst was sent. Search the logs for the ones held back.',
    account: alert.account,
    region: alert.region,
    time: new Date(previous.endsAt).toISOString(),
    ...(alert.actor ? { actor: alert.actor } : {}),
    facts: [
      { label: 'Held back', value: breakdown(previous.severities) },
      { label: 'Rules', value: previous.rules.join(', ') },
      { label: 'First alert sent', value: previous.owner },
    ],
    links: [],
    dedupKey: `cloud-alerts/${GROUP_SUMMARY_RULE_ID}/${key}/${previous.openedAt}${part}`,
    eventId: alert.eventId,
  };
}

/**
 * A burst from one actor: the first alert goes out at once, the rest of the window is held and
 * counted, and one summary of them goes out when the window closes (the scheduler). If the
 * schedule could not be made, the actor's first alert after the window carries the summary
 * instead. Anything louder than what the window sent is never held.
 */
export function createGroupingStage(store: StateStore, scheduler?: GroupCloseScheduler): AlertStage {
  /** Only the alert that makes a window hold its first one asks; a failure leaves the fallback. */
  async function scheduleClose(
    alert: Alert,
    key: string,
    window: WindowTally,
    windowMs: number,
    ctx: StageContext,
  ) {
    if (!scheduler || window.held !== 1) return;
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
      ctx.logger.error("group summary not scheduled: the actor's next alert will carry it", {
        alertId: alert.id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  async function one(
    alert: Alert,
    windowMs: number,
    ctx: StageContext,
  ): Promise<{ out: Alert[]; suppressed?: Suppression }> {
    const key = groupKey(alert);
    const claim = await claimWindow(store, 'grouping', alert, ctx, {
      key,
      windowMs,
      retainMs: SUMMARY_RETAIN_MS,
    });
    if (!claim) return { out: [alert] };
    switch (claim.outcome) {
      case 'opened':
        return {
          out: claim.previous ? [alert, groupSummary(alert, key, claim.previous, windowMs)] : [alert],
        };
      case 'owner':
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
      for (const alert of alerts) {
        if (!applies(alert)) {
          kept.push(alert);
          continue;
        }
        const result = await one(alert, windowMs, ctx);
        kept.push(...result.out);
        if (result.suppressed) suppressed.push(result.suppressed);
      }
      return { alerts: kept, suppressed };
    },
  };
}
