/**
 * The part of a backtest that reads: one log object in, its records classified. It runs the same
 * way on the main thread (one core) and in a worker thread (every core), so a run on many cores
 * gives exactly what a run on one gives: each object yields a `LogPart` (the records that matched
 * a rule and the malformed ones, in record order, plus counts that do not depend on order), and
 * the main thread applies parts in the order the objects were listed.
 */
import { isRecord, str } from '../detect/values.ts';
import { matchPattern } from '../eventbridge/pattern.ts';
import { eventBridgeSource, wrapCloudTrailRecord } from '../replay/load.ts';
import { BoundedCounter } from './counter.ts';
import { errorText, scanLog } from './files.ts';
import { type Candidate, type CandidateLookup, patternsFor } from './prefilter.ts';
import { MalformedRecord } from './records.ts';
import { skimLog } from './skim.ts';
import type { LogRef } from './sources.ts';

/** One record the main thread must see, by its index in the object. */
export type PartItem =
  /** Not a record the pipeline can take: why, as the summary lists it. */
  | { i: number; bad: string }
  /** Matched at least one of the alert function's rules: the event as EventBridge would deliver it. */
  | { i: number; event: Record<string, unknown> }
  /**
   * Matched, but too deeply nested to hand from a reader thread to the main thread: the main thread
   * reads the record again itself (shared/backtest/backtest.ts), as one core would have.
   */
  | { i: number; reread: true };

/** What reading one object found, apart from its items. */
export interface PartTotals {
  /** Well-formed records (CloudTrail records and EventBridge events). */
  records: number;
  /** Earliest and latest event time among them (EventBridge `time`). */
  first?: string;
  last?: string;
  /** Records per caller, in first-seen order. */
  actors: Array<[string, number]>;
  actorsApproximate: boolean;
  /** Elements read before `error` (malformed ones included). */
  elements: number;
  /** Why the object could not be read to the end. */
  error?: string;
}

/** Distinct callers one object may count before its tally becomes approximate (counter.ts). */
const ACTORS_PER_PART = 10_000;
const EPOCH = new Date(0).toISOString();

/** Who made the call, as CloudTrail names them, from a record's userIdentity. */
export function actorOfIdentity(identity: Record<string, unknown>): string {
  return (
    str(identity.arn) ??
    (identity.type === 'AWSService' ? str(identity.invokedBy) : undefined) ??
    str(identity.principalId) ??
    str(identity.type) ??
    'unknown'
  );
}

/** A CloudTrail record, as opposed to an EventBridge event (which has a detail-type). */
export function isCloudTrailRecord(v: Record<string, unknown>): boolean {
  return typeof v.eventSource === 'string' && typeof v.eventName === 'string' && !('detail-type' in v);
}

/** Classifies records one by one, keeping the order-free counts of the object being read. */
export class RecordJudge {
  private readonly candidates: CandidateLookup;
  private totals!: PartTotals;
  private actors!: BoundedCounter;
  constructor(patterns: unknown[]) {
    this.candidates = patternsFor(patterns);
    this.reset();
  }

  /** Starts a new object. */
  reset(): void {
    this.totals = { records: 0, actors: [], actorsApproximate: false, elements: 0 };
    this.actors = new BoundedCounter(ACTORS_PER_PART);
  }

  /** The item for the main thread, or undefined for a well-formed record no rule matches (most of them). */
  judge(value: unknown, i: number): PartItem | undefined {
    if (value instanceof MalformedRecord) return { i, bad: `malformed record: ${value.reason}` };
    if (!isRecord(value)) return { i, bad: 'malformed record: not a JSON object' };
    let event: Record<string, unknown> | undefined;
    let time: unknown;
    let source: unknown;
    let eventName: unknown;
    /** What the patterns call `detail`: the record itself, or the event's detail. */
    let detail: unknown;
    if (isCloudTrailRecord(value)) {
      // The envelope (wrapCloudTrailRecord) is built only for the few records a rule may match.
      time = str(value.eventTime) ?? EPOCH;
      if (isRecord(value.userIdentity)) this.actors.add(actorOfIdentity(value.userIdentity));
      source = this.sourceOf(value.eventSource as string);
      eventName = value.eventName;
      detail = value;
    } else if ('detail-type' in value) {
      event = value;
      time = value.time;
      detail = value.detail;
      if (isRecord(detail) && isRecord(detail.userIdentity))
        this.actors.add(actorOfIdentity(detail.userIdentity));
      source = value.source;
      eventName = isRecord(detail) ? detail.eventName : undefined;
    } else {
      return { i, bad: 'malformed record: neither a CloudTrail record nor an EventBridge event' };
    }
    this.count(time);
    let e: Record<string, unknown> | undefined = event;
    for (const p of this.candidates(source, eventName)) {
      if (!p.mayMatch(detail)) continue;
      e ??= wrapCloudTrailRecord(value);
      if (matchPattern(p.compiled, e)) return { i, event: e };
    }
    return undefined;
  }

  private count(time: unknown): void {
    this.totals.records++;
    if (typeof time === 'string') this.noteTimes(time, time);
  }

  /** Every pattern's candidate, for the byte reader's choice of fields to read. */
  get patterns(): readonly Candidate[] {
    return this.candidates.all;
  }

  /** The patterns a CloudTrail record from this eventSource with this name could match. */
  candidatesFor(eventSource: string, eventName: string): Candidate[] {
    return this.candidates(this.sourceOf(eventSource), eventName);
  }

  /**
   * A well-formed CloudTrail record no pattern can match, read by the byte reader without being
   * parsed (shared/backtest/skim.ts): counted as judge() counts it. `actor` is undefined when its
   * userIdentity is not an object; its time goes in through noteTimes.
   */
  countRead(actor: string | undefined): void {
    this.totals.records++;
    if (actor !== undefined) this.actors.add(actor);
  }

  /** Event times seen (the earliest and latest of some records): the object's range takes them in. */
  noteTimes(first: string, last: string): void {
    const t = this.totals;
    if (t.first === undefined || first < t.first) t.first = first;
    if (t.last === undefined || last > t.last) t.last = last;
  }

  private readonly sources = new Map<string, string>();

  /** eventBridgeSource, remembered: a regular expression per record costs more than the lookup. */
  private sourceOf(eventSource: string): string {
    let source = this.sources.get(eventSource);
    if (source === undefined) {
      source = eventBridgeSource(eventSource);
      // Bounded: a hostile file cannot grow it past this.
      if (this.sources.size < 2000) this.sources.set(eventSource, source);
    }
    return source;
  }

  /** The object's totals; `reset` before the next one. */
  finish(elements: number, error?: string): PartTotals {
    const t = this.totals;
    t.elements = elements;
    t.actors = this.actors.entries();
    t.actorsApproximate = this.actors.approximate;
    if (error !== undefined) t.error = error;
    return t;
  }
}

/** The items among `records`, whose first has index `from`; undefined when there are none. */
function judgeAll(judge: RecordJudge, records: unknown[], from: number): PartItem[] | undefined {
  let items: PartItem[] | undefined;
  for (let k = 0; k < records.length; k++) {
    const item = judge.judge(records[k], from + k);
    if (!item) continue;
    if (!items) items = [];
    items.push(item);
  }
  return items;
}

export interface ReadHooks {
  /** Items in record order, a chunk at a time; awaited, so a slow consumer holds the reading back. */
  onItems: (items: PartItem[]) => Promise<void> | void;
  onBytes?: (bytes: number) => void;
  onRecords?: (n: number) => void;
}

/** Judges a batch of records, the first at index `from`, and hands its items and count to the hooks. */
export async function judgeBatch(
  judge: RecordJudge,
  records: unknown[],
  from: number,
  hooks: ReadHooks,
): Promise<void> {
  const items = judgeAll(judge, records, from);
  if (items) await hooks.onItems(items);
  hooks.onRecords?.(records.length);
}

/**
 * Reads one object through the judge: items go out as they are found, the totals come back. A
 * CloudTrail file goes through the byte reader (shared/backtest/skim.ts), which parses only the
 * records a pattern may match; `characters: true` reads every record with JSON.parse instead (the
 * same result, checked by test/unit/backtest/skim.test.ts).
 */
export async function readLog(
  ref: LogRef,
  judge: RecordJudge,
  hooks: ReadHooks,
  opts: { characters?: boolean } = {},
): Promise<PartTotals> {
  if (!opts.characters) return skimLog(ref, judge, hooks);
  judge.reset();
  let index = 0;
  const outcome = await scanLog(
    ref,
    async (records) => {
      const from = index;
      index += records.length;
      await judgeBatch(judge, records, from, hooks);
    },
    hooks.onBytes ? { onBytes: hooks.onBytes } : {},
  );
  return judge.finish(outcome.records, outcome.error);
}

/** The same for records that arrive parsed (a query's results); a failing iterator ends the source. */
export async function readRecords(
  batches: AsyncIterable<unknown[]>,
  judge: RecordJudge,
  hooks: ReadHooks,
): Promise<PartTotals> {
  judge.reset();
  let index = 0;
  try {
    for await (const records of batches) {
      const from = index;
      index += records.length;
      await judgeBatch(judge, records, from, hooks);
    }
  } catch (err) {
    return judge.finish(index, errorText(err));
  }
  return judge.finish(index);
}
