import { ALARM_RULE_ID } from '../enrich/alarm.ts';
import type { Alert } from '../events/alert.ts';
import type { AlertStage, StageContext, Suppression } from '../pipeline/stages.ts';
import type { StateStore } from '../state/store.ts';
import { claimWindow, minutes, stateKey } from './common.ts';

export const FLAPPING_RULE_ID = 'cloudwatch-alarm-flapping';

const RETAIN_MS = 60 * 60 * 1000;

/**
 * The one notice for a flapping alarm. It has its own dedup key, so the alarm's resolves (which
 * keep going through) do not close it: if the alarm ends up stuck in ALARM after its last held
 * trigger, this incident is still open and someone looks.
 */
export function flappingNotice(alert: Alert, transitions: number, windowMs: number, endsAt: number): Alert {
  return {
    ...alert,
    id: `${alert.id}:flapping`,
    ruleId: FLAPPING_RULE_ID,
    title: `Flapping: ${alert.title}`,
    status: 'firing',
    summary: `${transitions} state changes within ${minutes(windowMs)}: further triggers are held until ${new Date(endsAt).toISOString()}; resolves still go through`,
    verdict:
      'The alarm keeps changing state. Check its threshold and period; this incident stays open until someone resolves it.',
    dedupKey: `${alert.dedupKey}/flapping`,
  };
}

/**
 * Counts an alarm's state changes in a window that opens with its first change. Up to the limit
 * every change goes out; the one that crosses it raises the flapping notice instead of paging;
 * after that, triggers are held until the window closes and resolves still go out, so PagerDuty
 * never keeps an incident for an alarm that is back to OK.
 */
export function createFlappingStage(store: StateStore): AlertStage {
  async function one(alert: Alert, ctx: StageContext): Promise<{ out: Alert[]; suppressed?: Suppression }> {
    const { transitions: limit, windowMinutes } = ctx.config.flapping;
    const windowMs = windowMinutes * 60_000;
    const claim = await claimWindow(store, 'flapping', alert, ctx, {
      key: stateKey('flap', [alert.dedupKey]),
      windowMs,
      retainMs: RETAIN_MS,
      // Every transition counts the same: a louder one is not a reason to page a flapping alarm again.
      rank: 0,
    });
    if (claim?.outcome !== 'held') return { out: [alert] };
    const changes = claim.window.held + 1;
    if (changes <= limit) return { out: [alert] };
    const notice =
      changes === limit + 1 ? [flappingNotice(alert, changes, windowMs, claim.window.endsAt)] : [];
    if (alert.status === 'resolved') return { out: [alert, ...notice] };
    return {
      out: notice,
      suppressed: {
        alertId: alert.id,
        ruleId: alert.ruleId,
        kind: 'flapping',
        reason: `flapping: ${changes} state changes since ${new Date(claim.window.openedAt).toISOString()} (more than ${limit} in ${minutes(windowMs)}); triggers held until ${new Date(claim.window.endsAt).toISOString()}`,
      },
    };
  }

  return {
    name: 'flapping',
    async run(alerts, ctx) {
      if (ctx.config.flapping.transitions === 0 || ctx.config.flapping.windowMinutes === 0)
        return { alerts, suppressed: [] };
      const kept: Alert[] = [];
      const suppressed: Suppression[] = [];
      for (const alert of alerts) {
        if (alert.kind !== 'alarm' || alert.ruleId !== ALARM_RULE_ID) {
          kept.push(alert);
          continue;
        }
        const result = await one(alert, ctx);
        kept.push(...result.out);
        if (result.suppressed) suppressed.push(result.suppressed);
      }
      return { alerts: kept, suppressed };
    },
  };
}
