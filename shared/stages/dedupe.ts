import * as z from 'zod/mini';
import type { Alert } from '../events/alert.ts';
import type { AlertStage, StageContext, Suppression } from '../pipeline/stages.ts';
import type { StateStore } from '../state/store.ts';
import { claimWindow, minutes, stateKey } from './common.ts';

const RETAIN_MS = 60 * 60 * 1000;

const CallSchema = z.object({ eventSource: z.string(), eventName: z.string() });

/** The API call behind the event (`s3.amazonaws.com:PutBucketAcl`), when it is a CloudTrail record. */
export function callOf(ctx: StageContext): string | undefined {
  const call = CallSchema.safeParse(ctx.envelope.detail);
  return call.success ? `${call.data.eventSource}:${call.data.eventName}` : undefined;
}

/**
 * What makes two alerts "the same": rule, account, actor, resource and API call, and also severity
 * and whether the call was denied, so a louder repeat or a success after a denied try is news. The
 * call keeps apart two different actions that one rule covers (root: ListBuckets, then a sign-in).
 * The alert's `change` keeps apart two verdicts about one resource: trust opened to another account,
 * then to anyone, or a public-read ACL, then WRITE for AuthenticatedUsers, are escalations, never
 * repeats; and for critical alerts it keeps apart a second source IP, session or client.
 * Only the same verdict about the same effective change folds (Terraform re-applying a policy).
 */
export function dedupeKey(alert: Alert, call?: string): string {
  return stateKey(`dedupe#${alert.ruleId}`, [
    alert.account.id,
    call,
    alert.actor?.arn ?? alert.actor?.name ?? alert.actor?.display,
    alert.resource?.arn ?? (alert.resource ? `${alert.resource.type}:${alert.resource.name}` : undefined),
    alert.severity,
    alert.attempted ? 'attempted' : 'done',
    alert.change,
  ]);
}

/** Alarms are left to the flapping stage: they only send transitions, and a held trigger would leave a resolve unpaired. */
function applies(alert: Alert): boolean {
  return alert.status === 'firing' && alert.kind !== 'alarm' && (alert.actor ?? alert.resource) !== undefined;
}

/** The same alert within the window is sent once; the repeats are held and counted. */
export function createDedupeStage(store: StateStore): AlertStage {
  return {
    name: 'dedupe',
    async run(alerts, ctx) {
      const windowMs = ctx.config.dedupe.windowMinutes * 60_000;
      if (windowMs === 0) return { alerts, suppressed: [] };
      const call = callOf(ctx);
      const kept: Alert[] = [];
      const suppressed: Suppression[] = [];
      for (const alert of alerts) {
        if (!applies(alert)) {
          kept.push(alert);
          continue;
        }
        const claim = await claimWindow(store, 'dedupe', alert, ctx, {
          key: dedupeKey(alert, call),
          windowMs,
          retainMs: RETAIN_MS,
        });
        if (claim?.outcome !== 'held') {
          kept.push(alert);
          continue;
        }
        suppressed.push({
          alertId: alert.id,
          ruleId: alert.ruleId,
          kind: 'dedupe',
          reason: `same rule, actor, resource and verdict as ${claim.window.owner}, sent at ${new Date(claim.window.openedAt).toISOString()}; repeat ${claim.window.held} within ${minutes(windowMs)}`,
        });
      }
      return { alerts: kept, suppressed };
    },
  };
}
