import { createHash } from 'node:crypto';
import type { Alert } from '../events/alert.ts';
import type { StageContext } from '../pipeline/stages.ts';

/**
 * A state key from a readable prefix and the identity's parts, hashed: actor ARNs and resource
 * names come from the caller, and must bound neither the key's size (DynamoDB allows 2048 bytes)
 * nor its characters.
 */
export function stateKey(prefix: string, parts: ReadonlyArray<string | undefined>): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(parts.map((p) => p ?? null)))
    .digest('hex')
    .slice(0, 32);
  return `${prefix}#${digest}`;
}

/**
 * Windows follow when the thing happened, not when we heard of it, so a late CloudTrail delivery
 * or a replay of last week's logs groups as it happened. An unreadable time falls back to the clock.
 */
export function alertTimeMs(alert: Alert, ctx: StageContext): number {
  const t = Date.parse(alert.time);
  return Number.isFinite(t) ? t : ctx.now.getTime();
}

/** Epoch seconds for DynamoDB TTL: the window's end (or now, whichever is later) plus a margin. */
export function expiresAtSeconds(windowEndMs: number, ctx: StageContext, retainMs: number): number {
  return Math.ceil((Math.max(windowEndMs, ctx.now.getTime()) + retainMs) / 1000);
}

/** Who the actor is, in the fewest words: role/terraform-ci, user/alice, or the display text. */
export function actorShort(alert: Alert): string {
  const actor = alert.actor;
  if (!actor) return 'an unknown caller';
  if (actor.kind === 'assumed-role' && actor.name) return `role/${actor.name}`;
  if (actor.kind === 'iam-user' && actor.name) return `user/${actor.name}`;
  return actor.display;
}

/**
 * A state store that fails must not silence anything: the alert goes out, possibly twice. Better
 * a duplicate in Slack than a missed page.
 */
export function storeFailed(ctx: StageContext, stage: string, alert: Alert, err: unknown): void {
  ctx.logger.warn('state store failed; sending the alert without noise control', {
    stage,
    alertId: alert.id,
    rule: alert.ruleId,
    error: err instanceof Error ? err.message : String(err),
  });
}

export function minutes(ms: number): string {
  const m = Math.round(ms / 60000);
  return m === 1 ? '1 minute' : `${m} minutes`;
}
