import * as z from 'zod/mini';
import { SEVERITIES, type Severity } from '../events/alert.ts';

/**
 * What one window remembers: who opened it (and was sent), until when it runs, and what it held
 * back since. Shared by dedupe, grouping and flapping; each uses its own key prefix.
 */
export interface WindowTally {
  /** Alert id that opened the window: a Lambda retry of that alert must be sent again, not held. */
  owner: string;
  /** Epoch milliseconds. */
  openedAt: number;
  endsAt: number;
  /** Rank (severityRank) of the loudest alert sent in this window; louder ones are never held. */
  rank: number;
  /** How many alerts were held back in this window. */
  held: number;
  /** Held alerts per severity, for the summary. */
  severities: Partial<Record<Severity, number>>;
  /** Rule ids of the held alerts. */
  rules: string[];
  /**
   * How many of this window's held alerts earlier summaries already reported (see release): a
   * summary covers `held` more, and numbers itself from here so each one has its own id.
   */
  summarized: number;
}

export type Claim =
  /** No open window: this alert opened one and goes out. `previous` is the closed window it replaced, if it held anything. */
  | { outcome: 'opened'; previous?: WindowTally }
  /** The window's opener again (a retry or redelivery): send it again; the first send may not have finished. */
  | { outcome: 'owner'; window: WindowTally }
  /** Louder than anything sent in the window: goes out, and the window now holds only what is not louder still. */
  | { outcome: 'louder'; window: WindowTally }
  /** Happened a whole window before the open one began (a late or replayed event): goes out, uncounted. */
  | { outcome: 'outside'; window: WindowTally }
  /** Held back and counted into the open window (returned with this alert counted). */
  | { outcome: 'held'; window: WindowTally };

export interface ClaimInput {
  /** Already bounded and free of untrusted characters (see stateKey). */
  key: string;
  owner: string;
  /** When the alert happened, epoch ms: windows follow event time, so replays of old logs group as they happened. */
  at: number;
  windowMs: number;
  rank: number;
  severity: Severity;
  rule: string;
  /** Epoch seconds after which the store may forget the window (DynamoDB TTL). */
  expiresAt: number;
}

/**
 * Windows that several Lambdas can share: every transition is one atomic conditional write, so
 * of two concurrent alerts for the same key exactly one opens the window and the other is held.
 */
export interface StateStore {
  claim(input: ClaimInput): Promise<Claim>;
  /** The window under `key` as it is now (a strongly consistent read), if there is one. */
  window(key: string): Promise<WindowTally | undefined>;
  /**
   * After a summary of `reported` went out: take its counts off the window, so that what is held
   * later (a late delivery) is summarised on its own. Returns how many are held now, or undefined
   * when the window was replaced meanwhile or the counts were already taken (a repeated summary).
   */
  release(key: string, reported: WindowTally): Promise<{ held: number } | undefined>;
}

export class StateStoreError extends Error {
  override readonly name = 'StateStoreError';
}

const SEVERITY_ATTRIBUTES = SEVERITIES.map((s) => `held_${s}` as const);

/** A stored window, parsed: the table is ours, but an item written by an older version must not crash us. */
export const WindowItemSchema = z.object({
  owner: z.string(),
  openedAt: z.number(),
  endsAt: z.number(),
  rank: z._default(z.number(), 0),
  held: z._default(z.number(), 0),
  summarized: z._default(z.number(), 0),
  rules: z.optional(z.union([z.set(z.string()), z.array(z.string())])),
  held_critical: z.optional(z.number()),
  held_high: z.optional(z.number()),
  held_medium: z.optional(z.number()),
  held_low: z.optional(z.number()),
  held_info: z.optional(z.number()),
});
export type WindowItem = z.infer<typeof WindowItemSchema>;

export function tallyOf(item: WindowItem): WindowTally {
  const severities: Partial<Record<Severity, number>> = {};
  for (const [i, attr] of SEVERITY_ATTRIBUTES.entries()) {
    const n = item[attr];
    const severity = SEVERITIES[i];
    if (severity && n) severities[severity] = n;
  }
  return {
    owner: item.owner,
    openedAt: item.openedAt,
    endsAt: item.endsAt,
    rank: item.rank,
    held: item.held,
    severities,
    rules: [...(item.rules ?? [])].sort(),
    summarized: item.summarized,
  };
}

export function severityAttribute(s: Severity): `held_${Severity}` {
  return `held_${s}`;
}

export { SEVERITY_ATTRIBUTES };
