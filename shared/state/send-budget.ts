import * as z from 'zod/mini';
import { type Channel, ChannelSchema, SEVERITIES, type Severity, SeveritySchema } from '../events/alert.ts';

/**
 * Send budgets and overflow tallies: what the notifiers share through the state table so that all
 * their concurrent invocations keep one receiver under its vendor's limit together. Ports here,
 * memory and DynamoDB implementations beside them, one contract test for both.
 */

/** A token bucket: `burst` tokens at most, one more every 60000/perMinute ms; `reserve` kept for the urgent lane. */
export interface BudgetLimits {
  perMinute: number;
  burst: number;
  reserve: number;
}

/**
 * Who may take a token. `critical` always gets one, into debt if need be (the others then wait
 * longer); `urgent` may empty the bucket; `bulk` only takes while more than `reserve` remain.
 */
export type Lane = 'critical' | 'urgent' | 'bulk';

export interface TakeInput {
  /** The bucket (see bucketKey in shared/delivery/budget.ts): one per webhook, routing key or topic. */
  key: string;
  lane: Lane;
  limits: BudgetLimits;
  /** The clock, epoch ms. */
  now: number;
}

export interface TakeResult {
  granted: boolean;
  /**
   * After a grant: the bucket's theoretical arrival time (epoch ms). More than `burst` emission
   * intervals past `now` means a critical put the bucket into debt.
   */
  tat?: number;
}

/**
 * GCRA (the generic cell rate algorithm): the bucket is one number, its theoretical arrival time
 * `tat`. A take moves it one emission interval on; it is allowed while `tat` is not too far ahead of
 * the clock, which is how many tokens are left. Every take is one atomic conditional write.
 */
export interface BudgetStore {
  take(input: TakeInput): Promise<TakeResult>;
}

/** Milliseconds per token, rounded up so the rate is never exceeded. */
export function emissionIntervalMs(limits: Pick<BudgetLimits, 'perMinute'>): number {
  return Math.ceil(60_000 / limits.perMinute);
}

/**
 * The latest `tat` a take in `lane` accepts (before it adds one interval): one token left for the
 * urgent lane, more than `reserve` for bulk; critical has no limit.
 */
export function laneLimit(lane: Lane, limits: BudgetLimits, now: number): number {
  const t = emissionIntervalMs(limits);
  if (lane === 'critical') return Number.POSITIVE_INFINITY;
  const keep = lane === 'bulk' ? limits.reserve : 0;
  return now + (limits.burst - keep - 1) * t;
}

/** How long a bucket is remembered after its last take: long past any refill, short enough to stay small. */
export const BUDGET_TTL_SECONDS = 24 * 60 * 60;

/** One folded notification, counted into its receiver's overflow tally. */
export interface FoldInput {
  channel: Channel;
  receiver: string;
  severity: Severity;
  rule: string;
  /** How many alerts the folded notification stood for (`covers ?? 1`). */
  alerts: number;
  title: string;
  /** Where the first folded alert happened: the summary's account and region. */
  account: { id: string; alias?: string | undefined };
  region: string;
  now: number;
}

export interface FoldResult {
  /** Notifications in the tally, this one included. */
  notifications: number;
  /** True when no flush is recorded for this tally yet: the caller schedules one, then calls markScheduled. */
  needsFlush: boolean;
  /** The tally's first fold (epoch ms): names the tally for markScheduled. */
  since: number;
}

/**
 * A tally taken off its receiver and waiting to be sent as one overflow summary. Once taken it never
 * changes, so every send of it says the same thing under the same id and the notifier's idempotency
 * keeps one.
 */
export const PendingOverflowSchema = z.object({
  /** `<since>-<seq>`: unique per receiver across the item's lifetimes. */
  id: z.string(),
  channel: ChannelSchema,
  receiver: z.string(),
  notifications: z.number(),
  alerts: z.number(),
  severities: z.partialRecord(SeveritySchema, z.number()),
  rules: z.array(z.string()),
  examples: z.array(z.string()),
  account: z.object({ id: z.string(), alias: z.optional(z.string()) }),
  region: z.string(),
  /** First and last fold, epoch ms. */
  from: z.number(),
  to: z.number(),
});
export type PendingOverflow = z.infer<typeof PendingOverflowSchema>;

/**
 * Per receiver: what was held back by its send budget since the last flush, and the summaries taken
 * from it that are not yet known to be sent.
 */
export interface OverflowStore {
  fold(input: FoldInput): Promise<FoldResult>;
  /** Records that a flush was scheduled for the tally that began at `since`; false when one already was. */
  markScheduled(channel: Channel, receiver: string, since: number): Promise<boolean>;
  /**
   * Moves the tally (if it holds anything) into a pending summary in one write, and returns every
   * summary pending for the receiver, ones taken earlier and not cleared included. Folds from then
   * on start a new tally, which schedules its own flush.
   */
  take(channel: Channel, receiver: string, now: number): Promise<PendingOverflow[]>;
  /** Forgets summaries that were sent (or dead-lettered). Clearing one already gone is not an error. */
  clear(channel: Channel, receiver: string, ids: readonly string[]): Promise<void>;
}

/** At most this many example titles per summary. */
export const OVERFLOW_EXAMPLES_MAX = 3;
/** Example titles are cut to this length (they are alert titles; rendering escapes them). */
export const OVERFLOW_EXAMPLE_MAX_CHARS = 150;

/**
 * As long as a dead-letter queue keeps a message (14 days, resources/core.yml): a flush message that
 * failed into the channel's dead-letter queue and is moved back still finds its summary.
 */
export const OVERFLOW_RETAIN_SECONDS = 14 * 24 * 60 * 60;

export function overflowKey(channel: Channel, receiver: string): string {
  return `overflow#${channel}#${receiver}`;
}

/** The state-table key prefixes a notifier of `channel` may touch (IAM dynamodb:LeadingKeys). */
export function sendBudgetKeyPrefixes(channel: Channel): string[] {
  return [`budget#${channel}#`, `overflow#${channel}#`];
}

export class SendBudgetStoreError extends Error {
  override readonly name = 'SendBudgetStoreError';
}

export const SEVERITY_COUNT_ATTRIBUTES = SEVERITIES.map((s) => `alerts_${s}` as const);

/** A stored tally, parsed: the table is ours, but a malformed item must not crash a notifier. */
export const TallyItemSchema = z.object({
  notifications: z.optional(z.number()),
  alerts: z.optional(z.number()),
  alerts_critical: z.optional(z.number()),
  alerts_high: z.optional(z.number()),
  alerts_medium: z.optional(z.number()),
  alerts_low: z.optional(z.number()),
  alerts_info: z.optional(z.number()),
  rules: z.optional(z.union([z.set(z.string()), z.array(z.string())])),
  examples: z.optional(z.record(z.string(), z.string())),
  since: z.optional(z.number()),
  lastAt: z.optional(z.number()),
  seq: z.optional(z.number()),
  scheduled: z.optional(z.number()),
  account: z.optional(z.object({ id: z.string(), alias: z.optional(z.string()) })),
  region: z.optional(z.string()),
  pending: z.optional(z.record(z.string(), z.unknown())),
  expiresAt: z.optional(z.number()),
});
export type TallyItem = z.infer<typeof TallyItemSchema>;

/** The summary the tally in `item` becomes when taken as number `seq`; undefined when it holds nothing. */
export function pendingOfTally(
  item: TallyItem,
  channel: Channel,
  receiver: string,
  seq: number,
  now: number,
): PendingOverflow | undefined {
  if (!item.notifications) return undefined;
  const severities: Partial<Record<Severity, number>> = {};
  for (const s of SEVERITIES) {
    const n = item[`alerts_${s}`];
    if (n) severities[s] = n;
  }
  const examples = Object.entries(item.examples ?? {})
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([, title]) => title);
  const from = item.since ?? now;
  const p: PendingOverflow = {
    id: `${from}-${seq}`,
    channel,
    receiver,
    notifications: item.notifications,
    alerts: item.alerts ?? item.notifications,
    severities,
    rules: [...(item.rules ?? [])].sort(),
    examples,
    account: item.account ?? { id: 'unknown' },
    region: item.region ?? 'unknown',
    from,
    to: item.lastAt ?? from,
  };
  // Plain data, so the DynamoDB marshaller and the memory store keep exactly what was built.
  return JSON.parse(JSON.stringify(p));
}

/** The item's pending summaries, oldest first; one that does not parse is left out, not fatal. */
export function pendingOverflows(item: Pick<TallyItem, 'pending'>): PendingOverflow[] {
  const list: PendingOverflow[] = [];
  for (const value of Object.values(item.pending ?? {})) {
    const p = PendingOverflowSchema.safeParse(value);
    if (p.success) list.push(p.data);
  }
  return list.sort((a, b) => a.from - b.from || a.id.localeCompare(b.id));
}

/** Where a pending summary sits in the item's `pending` map. */
export function pendingOverflowSlot(id: string): string {
  return `p${id}`;
}

/** The account as stored: no undefined alias, which neither store would keep the same way. */
export function accountOf(account: { id: string; alias?: string | undefined }): {
  id: string;
  alias?: string;
} {
  return account.alias === undefined ? { id: account.id } : { id: account.id, alias: account.alias };
}
