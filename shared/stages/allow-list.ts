import type { Alert } from '../events/alert.ts';
import { CloudTrailRecordSchema } from '../events/cloudtrail.ts';
import type { AlertStage, StageContext, Suppression } from '../pipeline/stages.ts';
import { allowEntryExpired, allowEntryMatches, type CallerFacts } from '../route/allow-list.ts';
import { alertTimeMs } from './common.ts';

/** The caller details an allow-list may test, from the CloudTrail record the alert came from. */
function callerFacts(ctx: StageContext): CallerFacts {
  const record = CloudTrailRecordSchema.safeParse(ctx.envelope.detail);
  if (!record.success) return {};
  return {
    userAgent: record.data.userAgent,
    sourceIp: record.data.sourceIPAddress,
    issuerArn: record.data.userIdentity.sessionContext?.sessionIssuer?.arn,
  };
}

/**
 * Known automation (the Terraform CI role changing bucket policies) is expected: its alerts are
 * held back with the entry's reason. Expired entries are ignored (judged by when the event
 * happened), so a forgotten exception lapses instead of hiding things forever.
 */
export function createAllowListStage(): AlertStage {
  return {
    name: 'allow-list',
    async run(alerts, ctx) {
      const entries = ctx.config.allowList.map((entry, index) => ({ entry, index }));
      if (entries.length === 0) return { alerts, suppressed: [] };
      const caller = callerFacts(ctx);
      const kept: Alert[] = [];
      const suppressed: Suppression[] = [];
      for (const alert of alerts) {
        const at = alertTimeMs(alert, ctx);
        const hit = entries.find(
          ({ entry }) => !allowEntryExpired(entry, at) && allowEntryMatches(entry, alert, caller),
        );
        if (!hit) {
          kept.push(alert);
          continue;
        }
        suppressed.push({
          alertId: alert.id,
          ruleId: alert.ruleId,
          kind: 'allow-list',
          reason: `allowList[${hit.index}]: ${hit.entry.reason}`,
        });
      }
      return { alerts: kept, suppressed };
    },
  };
}
