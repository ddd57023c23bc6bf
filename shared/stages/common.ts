import { createHash } from 'node:crypto';
import { type Alert, severityRank } from '../events/alert.ts';
import type { StageContext } from '../pipeline/stages.ts';
import type { Claim, StateStore, SummarySeed } from '../state/store.ts';

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
function expiresAtSeconds(windowEndMs: number, ctx: StageContext, retainMs: number): number {
  return Math.ceil((Math.max(windowEndMs, ctx.now.getTime()) + retainMs) / 1000);
}

/** Who the actor is, in the fewest words: role/terraform-ci, user/alice, or the display text. */
export function actorShort(alert: Pick<Alert, 'actor'>): string {
  const actor = alert.actor;
  if (!actor) return 'an unknown caller';
  if (actor.kind === 'assumed-role' && actor.name) return `role/${actor.name}`;
  if (actor.kind === 'iam-user' && actor.name) return `user/${actor.name}`;
  return actor.display;
}

export interface WindowRequest {
  key: string;
  windowMs: number;
  /** How long the item outlives its window (for summaries that come later). */
  retainMs: number;
  /** Defaults to the alert's severity rank: a louder alert may break through a window. */
  rank?: number;
  /** Grouping: what a summary of the window this alert replaces says about its actor (see ClaimInput). */
  summarize?: SummarySeed;
  /** Grouping: the longest the window stays open (see ClaimInput.maxMs). */
  maxMs?: number;
  /** Grouping, critical alerts: the verdict signature (see ClaimInput.signature). */
  signature?: string;
}

/**
 * Claims the alert's place in a window. A state store that fails must not silence anything: the
 * result is then undefined, logged, and the caller sends the alert, possibly twice. Better a
 * duplicate in Slack than a missed page.
 */
export async function claimWindow(
  store: StateStore,
  stage: string,
  alert: Alert,
  ctx: StageContext,
  req: WindowRequest,
): Promise<Claim | undefined> {
  const at = alertTimeMs(alert, ctx);
  try {
    return await store.claim({
      key: req.key,
      owner: alert.id,
      at,
      windowMs: req.windowMs,
      rank: req.rank ?? severityRank(alert.severity),
      severity: alert.severity,
      rule: alert.ruleId,
      // A window held open by its alerts can last up to maxMs: the item must outlive that.
      expiresAt: expiresAtSeconds(at + Math.max(req.windowMs, req.maxMs ?? 0), ctx, req.retainMs),
      now: ctx.now.getTime(),
      ...(req.summarize ? { summarize: req.summarize } : {}),
      ...(req.maxMs !== undefined ? { maxMs: req.maxMs } : {}),
      ...(req.signature !== undefined ? { signature: req.signature } : {}),
    });
  } catch (err) {
    ctx.logger.warn('state store failed; sending the alert without noise control', {
      stage,
      alertId: alert.id,
      rule: alert.ruleId,
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}

export function minutes(ms: number): string {
  const m = Math.round(ms / 60000);
  return m === 1 ? '1 minute' : `${m} minutes`;
}
