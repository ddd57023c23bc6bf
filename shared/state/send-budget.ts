import * as z from 'zod/mini';
import { type Channel, ChannelSchema, SEVERITIES, type Severity, SeveritySchema } from '../events/alert.ts';
import type { ChannelDeploy } from '../notify/channels/types.ts';
import { truncate } from '../notify/text.ts';

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
 * Who may take a token. `critical` may go into debt, up to `debtMs` past an empty bucket (the others
 * then wait longer, and the critical waits for its own slot); `urgent` may empty the bucket; `bulk`
 * only takes while more than `reserve` remain.
 */
export type Lane = 'critical' | 'urgent' | 'bulk';

export interface TakeInput {
  /** The bucket (see bucketKey in shared/delivery/budget.ts): one per webhook, routing key or topic. */
  key: string;
  lane: Lane;
  limits: BudgetLimits;
  /** The clock, epoch ms. */
  now: number;
  /** Critical lane only: how far past an empty bucket it may go, in ms of refill (0 when absent). */
  debtMs?: number | undefined;
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
 * urgent lane, more than `reserve` for bulk; critical up to `debtMs` further.
 */
export function laneLimit(lane: Lane, limits: BudgetLimits, now: number, debtMs = 0): number {
  const t = emissionIntervalMs(limits);
  if (lane === 'critical') return now + (limits.burst - 1) * t + Math.max(0, debtMs);
  const keep = lane === 'bulk' ? limits.reserve : 0;
  return now + (limits.burst - keep - 1) * t;
}

/**
 * How long a granted take must wait before its send keeps the vendor's rate: zero within the burst,
 * the time its token comes due when a critical took one in debt.
 */
export function waitForSlotMs(tat: number, limits: BudgetLimits, now: number): number {
  return Math.max(0, tat - limits.burst * emissionIntervalMs(limits) - now);
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
  /**
   * A flush scheduled longer ago than this (ms) that has not taken the tally is presumed lost (dead-
   * lettered before it ran): the next fold asks for another.
   */
  staleAfterMs: number;
}

export interface FoldResult {
  /** Notifications in the tally, this one included. */
  notifications: number;
  /** True when no flush is recorded for this tally yet: the caller schedules one, then calls markScheduled. */
  needsFlush: boolean;
  /** The tally's first fold (epoch ms): names the tally for markScheduled. */
  since: number;
  /** True when this fold brought the tally its first critical alert (its flush is then due at once). */
  firstCritical: boolean;
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
  /**
   * The first fold of the storm this summary belongs to (epoch ms): tallies that follow each other
   * with less than OVERFLOW_STORM_GAP_MS between them share it, and with it one PagerDuty incident.
   */
  storm: z.optional(z.number()),
  /**
   * Set just before its first send. Until then nothing of it can have reached anyone, so a later
   * take merges the next tally into it rather than adding one more pending summary to the item.
   */
  attempted: z.optional(z.boolean()),
});
export type PendingOverflow = z.infer<typeof PendingOverflowSchema>;

/**
 * Per receiver: what was held back by its send budget since the last flush, and the summaries taken
 * from it that are not yet known to be sent.
 */
export interface OverflowStore {
  fold(input: FoldInput): Promise<FoldResult>;
  /**
   * Records that a flush was scheduled at `now` for the tally that began at `since`; false when one
   * already was, less than `staleAfterMs` ago.
   */
  markScheduled(
    channel: Channel,
    receiver: string,
    since: number,
    at: { now: number; staleAfterMs: number },
  ): Promise<boolean>;
  /**
   * Moves the tally (if it holds anything) into a pending summary in one write, and returns every
   * summary pending for the receiver, ones taken earlier and not cleared included. Folds from then
   * on start a new tally, which schedules its own flush.
   */
  take(channel: Channel, receiver: string, now: number): Promise<PendingOverflow[]>;
  /**
   * Records that a pending summary is about to be sent: from then on it never changes. A summary
   * already cleared is not an error.
   */
  markAttempted(channel: Channel, receiver: string, id: string): Promise<void>;
  /** Forgets summaries that were sent (or dead-lettered). Clearing one already gone is not an error. */
  clear(channel: Channel, receiver: string, ids: readonly string[]): Promise<void>;
}

/** At most this many example titles per summary. */
export const OVERFLOW_EXAMPLES_MAX = 3;
/** Example titles are cut to this length (they are alert titles; rendering escapes them). */
export const OVERFLOW_EXAMPLE_MAX_CHARS = 150;
/**
 * A tally that begins within this long of the previous one's last fold continues its storm: its
 * summary keeps the storm's PagerDuty dedup key, so a long storm is one incident that each summary
 * updates, not a new incident every flush.
 */
export const OVERFLOW_STORM_GAP_MS = 60 * 60 * 1000;

/**
 * One example title as the tally keeps it: its severity's rank (0 = critical), when it was folded,
 * and the title cut without splitting a character. The loudest, then the newest, are kept: an
 * attacker who folds noise first cannot crowd out the alert that matters.
 */
export const OverflowExampleSchema = z.object({ r: z.number(), at: z.number(), t: z.string() });
export type OverflowExample = z.infer<typeof OverflowExampleSchema>;

export function overflowExample(input: Pick<FoldInput, 'severity' | 'now' | 'title'>): OverflowExample {
  return {
    r: SEVERITIES.indexOf(input.severity),
    at: input.now,
    t: truncate(input.title, OVERFLOW_EXAMPLE_MAX_CHARS, '…'),
  };
}

/** An example slot's value as stored; a bare title (older items) ranks below any example. */
function readExample(value: unknown): OverflowExample | undefined {
  if (typeof value === 'string') return { r: SEVERITIES.length, at: 0, t: value };
  const ex = OverflowExampleSchema.safeParse(value);
  return ex.success ? ex.data : undefined;
}

function louderOrNewer(a: OverflowExample, b: OverflowExample): boolean {
  return a.r < b.r || (a.r === b.r && a.at >= b.at);
}

/**
 * Where `ex` goes among the tally's examples: a free slot, else the place of the quietest (then
 * oldest) one if `ex` is louder or newer; undefined when it is not kept. `was` is the value it
 * replaces, as stored, for a conditional write.
 */
export function exampleSlot(
  examples: Record<string, unknown> | undefined,
  ex: OverflowExample,
): { slot: string; was?: unknown } | undefined {
  let weakest: { slot: string; value: unknown; ex: OverflowExample } | undefined;
  for (let i = 0; i < OVERFLOW_EXAMPLES_MAX; i++) {
    const slot = `e${i}`;
    const value = examples?.[slot];
    if (value === undefined) return { slot };
    const kept = readExample(value) ?? { r: SEVERITIES.length + 1, at: 0, t: '' };
    if (!weakest || louderOrNewer(weakest.ex, kept)) weakest = { slot, value, ex: kept };
  }
  return weakest && louderOrNewer(ex, weakest.ex) ? { slot: weakest.slot, was: weakest.value } : undefined;
}

/**
 * As long as a dead-letter queue keeps a message (14 days, resources/core.yml): a flush message that
 * failed into the channel's dead-letter queue and is moved back still finds its summary.
 */
export const OVERFLOW_RETAIN_SECONDS = 14 * 24 * 60 * 60;

export function overflowKey(channel: Channel, receiver: string): string {
  return `overflow#${channel}#${receiver}`;
}

/** What the state layer needs of a channel's plug-in: its name and the keys its notifier keeps. */
export interface ChannelStateKeys {
  name: string;
  deploy: Pick<ChannelDeploy, 'stateKeyPrefixes'>;
}

/**
 * The state-table key prefixes a notifier of `channel` may touch (IAM dynamodb:LeadingKeys): its
 * budgets, its overflow tallies, and what its plug-in keeps (deploy.stateKeyPrefixes: PagerDuty's
 * ledger of the incidents it opened, shared/state/incidents.ts).
 */
export function sendBudgetKeyPrefixes(channel: ChannelStateKeys): string[] {
  return [`budget#${channel.name}#`, `overflow#${channel.name}#`, ...(channel.deploy.stateKeyPrefixes ?? [])];
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
  examples: z.optional(z.record(z.string(), z.unknown())),
  since: z.optional(z.number()),
  lastAt: z.optional(z.number()),
  seq: z.optional(z.number()),
  scheduled: z.optional(z.number()),
  scheduledAt: z.optional(z.number()),
  account: z.optional(z.object({ id: z.string(), alias: z.optional(z.string()) })),
  region: z.optional(z.string()),
  pending: z.optional(z.record(z.string(), z.unknown())),
  storm: z.optional(z.number()),
  stormLast: z.optional(z.number()),
  expiresAt: z.optional(z.number()),
});
export type TallyItem = z.infer<typeof TallyItemSchema>;

/** Whether a fold into `item` (as it is after the fold) must schedule a flush. */
export function flushNeeded(
  item: Pick<TallyItem, 'scheduled' | 'scheduledAt'>,
  since: number,
  now: number,
  staleAfterMs: number,
): boolean {
  if (item.scheduled !== since || item.scheduledAt === undefined) return true;
  return now - item.scheduledAt > staleAfterMs;
}

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
  const examples = Object.values(item.examples ?? {})
    .map(readExample)
    .filter((e): e is OverflowExample => e !== undefined)
    .sort((a, b) => a.r - b.r || b.at - a.at)
    .slice(0, OVERFLOW_EXAMPLES_MAX)
    .map((e) => e.t);
  const from = item.since ?? now;
  const continues =
    item.storm !== undefined &&
    item.stormLast !== undefined &&
    from - item.stormLast <= OVERFLOW_STORM_GAP_MS;
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
    storm: continues ? (item.storm ?? from) : from,
  };
  // Plain data, so the DynamoDB marshaller and the memory store keep exactly what was built.
  return JSON.parse(JSON.stringify(p));
}

/**
 * Where a take puts the tally `p`: merged into the newest pending summary when that one was never
 * attempted (an outage keeps summaries pending; merged, they stay one, and the item stays far from
 * DynamoDB's 400 KB), else a slot of its own.
 */
export function placeTaken(
  pending: readonly PendingOverflow[],
  p: PendingOverflow,
): { summary: PendingOverflow; merged?: PendingOverflow } {
  const newest = pending.at(-1);
  if (!newest || newest.attempted) return { summary: p };
  const severities: Partial<Record<Severity, number>> = { ...newest.severities };
  for (const s of SEVERITIES) {
    const n = p.severities[s];
    if (n) severities[s] = (severities[s] ?? 0) + n;
  }
  const summary: PendingOverflow = {
    ...newest,
    notifications: newest.notifications + p.notifications,
    alerts: newest.alerts + p.alerts,
    severities,
    rules: [...new Set([...newest.rules, ...p.rules])].sort(),
    // The newer tally's examples are already its loudest; the older ones fill what is left.
    examples: [...new Set([...p.examples, ...newest.examples])].slice(0, OVERFLOW_EXAMPLES_MAX),
    to: Math.max(newest.to, p.to),
  };
  return { summary: JSON.parse(JSON.stringify(summary)), merged: newest };
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
