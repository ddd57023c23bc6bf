import { type Alert, SEVERITIES, type Severity } from '../events/alert.ts';
import type { AlertStage, StageContext, Suppression } from '../pipeline/stages.ts';
import type { StateStore, WindowTally } from '../state/store.ts';
import { actorShort, claimWindow, minutes, stateKey } from './common.ts';

export const GROUP_SUMMARY_RULE_ID = 'alert-group-summary';

/**
 * How long a closed window waits for the actor's next alert to carry its summary. After that the
 * held alerts are only in the logs and the AlertsSuppressed metric.
 */
export const SUMMARY_RETAIN_MS = 24 * 60 * 60 * 1000;

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
 * dedup key derive from the window, so a retry of the alert that carries it repeats the same one.
 */
export function groupSummary(alert: Alert, key: string, previous: WindowTally, windowMs: number): Alert {
  const who = actorShort(alert);
  const from = new Date(previous.openedAt).toISOString();
  const severity = loudest(previous.severities);
  const n = previous.held;
  return {
    id: `${key}:${previous.openedAt}`,
    ruleId: GROUP_SUMMARY_RULE_ID,
    title: `${n} more alert${n === 1 ? '' : 's'} by ${who}`,
    severity,
    status: 'firing',
    kind: alert.kind,
    summary: `and ${n} more by ${who} in ${minutes(windowMs)} (held back after the first, from ${from})`,
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
    dedupKey: `cloud-alerts/${GROUP_SUMMARY_RULE_ID}/${key}/${previous.openedAt}`,
    eventId: alert.eventId,
  };
}

/**
 * A burst from one actor: the first alert goes out at once, the rest of the window is held and
 * counted, and the actor's first alert after the window closes carries one summary of them. There
 * is no scheduler, so a burst followed by silence is summarised late or (after a day) never: see
 * docs/configuration.md. Anything louder than what the window sent is never held.
 */
export function createGroupingStage(store: StateStore): AlertStage {
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
        return {
          out: [],
          suppressed: {
            alertId: alert.id,
            ruleId: alert.ruleId,
            kind: 'group',
            reason: `burst by ${actorShort(alert)}: ${claim.window.held} held since ${claim.window.owner} was sent at ${new Date(claim.window.openedAt).toISOString()}; summarised with their next alert after ${new Date(claim.window.endsAt).toISOString()}`,
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
