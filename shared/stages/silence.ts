import type { Alert } from '../events/alert.ts';
import type { AlertStage, Suppression } from '../pipeline/stages.ts';
import { silenceActive, silenceMatches } from '../route/silence.ts';
import { alertTimeMs } from './common.ts';

/**
 * Planned work: alerts matching a silence are held back, naming the silence and its author. The
 * window is judged by when the event happened (the clock only when the alert's time is unreadable),
 * so a late delivery from inside the window is still covered and a replay of that night is faithful.
 */
export function createSilenceStage(): AlertStage {
  return {
    name: 'silence',
    async run(alerts, ctx) {
      const silences = ctx.config.silences.map((silence, index) => ({ silence, index }));
      if (silences.length === 0) return { alerts, suppressed: [] };
      const kept: Alert[] = [];
      const suppressed: Suppression[] = [];
      for (const alert of alerts) {
        const at = alertTimeMs(alert, ctx);
        const hit = silences.find(
          ({ silence }) => silenceActive(silence, at) && silenceMatches(silence, alert),
        );
        if (!hit) {
          kept.push(alert);
          continue;
        }
        const { silence, index } = hit;
        suppressed.push({
          alertId: alert.id,
          ruleId: alert.ruleId,
          kind: 'silence',
          reason: `silences[${index}] until ${silence.endsAt} by ${silence.createdBy}: ${silence.comment}`,
        });
      }
      return { alerts: kept, suppressed };
    },
  };
}
