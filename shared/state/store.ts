import * as z from 'zod/mini';
import { AlertSchema, SEVERITIES, type Severity, SeveritySchema } from '../events/alert.ts';

/** What a grouping summary says about its actor, taken from one of the window's alerts. */
export const SummarySeedSchema = z.pick(AlertSchema, {
  kind: true,
  account: true,
  region: true,
  actor: true,
  eventId: true,
});
export type SummarySeed = z.infer<typeof SummarySeedSchema>;

/**
 * A grouping summary taken off its window and waiting to be sent. Once taken it never changes, so
 * every send of it (a retry, the close message and the actor's next alert racing) says the same
 * thing under the same id, and the notifiers' idempotency keeps exactly one.
 */
export const PendingSummarySchema = z.object({
  openedAt: z.number(),
  endsAt: z.number(),
  /** The alert that opened the window and was sent. */
  owner: z.string(),
  /** How many of the window's held alerts earlier summaries reported: 0 for the first summary. */
  from: z.number(),
  /**
   * Where the span this summary reports starts (epoch ms): its slot of the group interval, or where
   * the previous summary's slot ended. Absent in summaries taken before slots existed: the opening.
   */
  startsAt: z.optional(z.number()),
  held: z.number(),
  severities: z.partialRecord(SeveritySchema, z.number()),
  rules: z.array(z.string()),
  seed: SummarySeedSchema,
});
export type PendingSummary = z.infer<typeof PendingSummarySchema>;

/** Where a pending summary lives in its window's item: one per window and starting count. */
export function pendingSlot(p: Pick<PendingSummary, 'openedAt' | 'from'>): string {
  return `${p.openedAt}_${p.from}`;
}

/** Pending summaries in the order they were taken. */
export function sortPending(list: PendingSummary[]): PendingSummary[] {
  return list.sort((a, b) => a.openedAt - b.openedAt || a.from - b.from);
}

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
   * How many of this window's held alerts earlier summaries took (see takeSummary): the next
   * summary covers `held` more, and numbers itself from here so each one has its own id.
   */
  summarized: number;
  /** The `summarized` count a close was last scheduled for: a close is due again once it moves. */
  scheduled?: number;
  /** Summaries taken and not yet known to be sent, this window's or the one it replaced. */
  pending: PendingSummary[];
  /** Grouping: where the slot of the last summary taken ended (epoch ms); the next one starts there. */
  summarizedTo?: number;
  /**
   * Grouping: the hashed verdict signatures of the critical alerts this window sent (see
   * ClaimInput.signature), at most MAX_SIGNATURES.
   */
  signatures: string[];
}

/**
 * How many verdict signatures a window remembers. Each is 16 hex characters, so the item stays
 * small (DynamoDB items are at most 400 KB, and every write to one is billed by its size:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html). Once full,
 * a critical alert with a new signature is still sent, but not remembered: its repeats are sent too.
 * More pages, never fewer.
 */
export const MAX_SIGNATURES = 50;

export type Claim =
  /**
   * No open window: this alert opened one and goes out. With `summarize`, what the closed window
   * still held was taken into a pending summary, and `pending` lists every summary waiting.
   */
  | { outcome: 'opened'; pending?: PendingSummary[] }
  /**
   * The window's opener again (a retry or redelivery): send it again, the first send may not have
   * finished; so may the summaries in `window.pending`.
   */
  | { outcome: 'owner'; window: WindowTally }
  /** Louder than anything sent in the window: goes out, and the window now holds only what is not louder still. */
  | { outcome: 'louder'; window: WindowTally }
  /**
   * A critical alert whose verdict signature the window has not sent yet: goes out, and its signature
   * is recorded, so its repeats are held.
   */
  | { outcome: 'news'; window: WindowTally }
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
  /**
   * The clock (epoch ms): a window past its expiry is treated as gone, since TTL may delete it at
   * any moment and take anything counted into it along.
   */
  now: number;
  /**
   * Grouping: when this alert replaces a closed window that still holds alerts, take them into a
   * pending summary about this actor instead of dropping them. Dedupe and flapping leave it out.
   */
  summarize?: SummarySeed;
  /**
   * Grouping: the longest the window stays open, from its opening (the repeat interval). With it,
   * each alert held keeps the window open `windowMs` past itself (it closes after `windowMs` with
   * nothing held), but never past `openedAt + maxMs`. Without it, a window ends `windowMs` after it opened.
   */
  maxMs?: number;
  /**
   * Grouping, for a critical alert: a short hash of what it says (rule, verdict, denied or not). It is
   * held only when the window already sent an alert with the same signature; otherwise it goes out
   * ('news' or 'louder') and the signature is recorded.
   */
  signature?: string;
}

/** Summaries are about slots of the group interval: the one a close message was asked for. */
export interface SummarySlot {
  startsAt: number;
  endsAt: number;
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
   * When the window opened at `openedAt` closes: moves what it holds into a pending summary in one
   * write (alerts held later start the next one), and returns every summary pending under `key`,
   * including ones taken before and not yet cleared. Empty when there is nothing to send.
   */
  takeSummary(
    key: string,
    openedAt: number,
    seed: SummarySeed,
    now: number,
    slot?: SummarySlot,
  ): Promise<PendingSummary[]>;
  /** After the summaries went out: forget them. Clearing one that is already gone is not an error. */
  clearPending(key: string, sent: ReadonlyArray<Pick<PendingSummary, 'openedAt' | 'from'>>): Promise<void>;
  /**
   * Records that a close was scheduled for the window at its current `summarized` count, so later
   * held alerts need not ask again. False when it was already recorded or the window was replaced.
   */
  markScheduled(key: string, openedAt: number, summarized: number): Promise<boolean>;
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
  scheduled: z.optional(z.number()),
  /** Grouping: the latest the window stays open (openedAt + maxMs); `endsAt` may pass it. */
  capAt: z.optional(z.number()),
  summarizedTo: z.optional(z.number()),
  sigs: z.optional(z.union([z.set(z.string()), z.array(z.string())])),
  /** Pending summaries by pendingSlot; each entry is parsed on its own (see pendingOf). */
  pending: z.optional(z.record(z.string(), z.unknown())),
  expiresAt: z.optional(z.number()),
});
export type WindowItem = z.infer<typeof WindowItemSchema>;

/** When the window stops holding alerts: its idle end, or its cap if that comes first. */
export function closesAt(item: Pick<WindowItem, 'endsAt' | 'capAt'>): number {
  return item.capAt === undefined ? item.endsAt : Math.min(item.endsAt, item.capAt);
}

export function signaturesOf(item: Pick<WindowItem, 'sigs'>): string[] {
  return [...(item.sigs ?? [])].sort();
}

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
    endsAt: closesAt(item),
    rank: item.rank,
    held: item.held,
    severities,
    rules: [...(item.rules ?? [])].sort(),
    summarized: item.summarized,
    ...(item.scheduled !== undefined ? { scheduled: item.scheduled } : {}),
    pending: pendingOf(item),
    ...(item.summarizedTo !== undefined ? { summarizedTo: item.summarizedTo } : {}),
    signatures: signaturesOf(item),
  };
}

/** The item's pending summaries; one that does not parse (it never should) is left out, not fatal. */
export function pendingOf(item: Pick<WindowItem, 'pending'>): PendingSummary[] {
  const list: PendingSummary[] = [];
  for (const value of Object.values(item.pending ?? {})) {
    const p = PendingSummarySchema.safeParse(value);
    if (p.success) list.push(p.data);
  }
  return sortPending(list);
}

/**
 * A summary of what the window holds now, about to be taken off it: about `slot` when a close
 * message asked for one, else about the span since the last summary's slot up to the window's end.
 * Plain data (no undefined, no Set), so the DynamoDB marshaller and the memory store keep it exactly
 * as built.
 */
export function summaryOfWindow(window: WindowTally, seed: SummarySeed, slot?: SummarySlot): PendingSummary {
  const p: PendingSummary = {
    openedAt: window.openedAt,
    startsAt: slot?.startsAt ?? window.summarizedTo ?? window.openedAt,
    endsAt: slot?.endsAt ?? window.endsAt,
    owner: window.owner,
    from: window.summarized,
    held: window.held,
    severities: window.severities,
    rules: window.rules,
    seed,
  };
  return JSON.parse(JSON.stringify(p));
}

/** True when TTL may already have removed the item: it is treated as gone. */
export function expired(item: { expiresAt?: number | undefined }, now: number): boolean {
  return item.expiresAt !== undefined && item.expiresAt * 1000 <= now;
}

export function severityAttribute(s: Severity): `held_${Severity}` {
  return `held_${s}`;
}

export { SEVERITY_ATTRIBUTES };

/** How long a window with a summary taken off it is kept at least, so the summary's retries find it. */
export const PENDING_RETAIN_SECONDS = 24 * 60 * 60;
