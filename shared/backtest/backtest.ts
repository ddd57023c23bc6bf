import type { Config } from '../config/schema.ts';
import { isRecord } from '../detect/values.ts';
import { type CompiledPattern, compilePattern, matchPattern } from '../eventbridge/pattern.ts';
import type { DeclaredRule } from '../eventbridge/serverless.ts';
import { wrapCloudTrailRecord } from '../replay/load.ts';
import { createReplayer, eventTimeMs, type ReplayerOptions } from '../replay/replay.ts';
import { errorText, scanLog } from './files.ts';
import { MalformedRecord } from './records.ts';
import { fileRef, type LogRef, logName } from './sources.ts';
import { type AlertPreview, type BacktestSummary, SummaryBuilder } from './summary.ts';

export interface BacktestOptions {
  rules: DeclaredRule[];
  config: Config;
  /** Passed on to the replayer (alarm lookup, stages); sending is never enabled here. */
  replayer?: Omit<ReplayerOptions, 'rules' | 'config' | 'send' | 'secret'>;
}

/** What reading one object found: records (malformed ones included), events among them, why it stopped. */
export interface LogOutcome {
  records: number;
  events: number;
  error?: string | undefined;
}

export interface Backtest {
  /** Stream one file through the pipeline; a bad file is recorded in the summary, never thrown. */
  /**
   * Streams one file; says how many records it read, how many of them were events (CloudTrail
   * records or EventBridge events, not malformed), and why it stopped early, if it did.
   */
  runFile(
    file: string,
    onBytes?: (bytes: number) => void,
    onRecords?: (n: number) => void,
  ): Promise<LogOutcome>;
  /** runFile for any log object (shared/backtest/sources.ts). */
  runLog(
    ref: LogRef,
    onBytes?: (bytes: number) => void,
    onRecords?: (n: number) => void,
  ): Promise<LogOutcome>;
  /**
   * Records that arrive already parsed (a query's results), in batches; counted as one source named
   * `name`. A batch iterator that throws ends that source as a failed one, with what it had read.
   */
  runRecords(name: string, batches: AsyncIterable<unknown[]>): Promise<void>;
  /** A path that could not even be listed. */
  pathFailed(path: string, error: string): void;
  /** Sends the grouping summaries still due when the records ran out (as their windows close). */
  finish(): Promise<void>;
  summary(): BacktestSummary;
  previews(): AlertPreview[];
}

/** A CloudTrail record, not an EventBridge event around one. */
export function isCloudTrailRecord(v: Record<string, unknown>): boolean {
  return typeof v.eventSource === 'string' && typeof v.eventName === 'string' && !('detail-type' in v);
}

/** What a pattern's `source` admits, when it is a list of strings, prefixes or anything-but prefixes. */
type SourceTest = (source: string) => boolean;

function sourceTest(source: unknown): SourceTest | undefined {
  if (!Array.isArray(source) || source.length === 0) return undefined;
  const tests: SourceTest[] = [];
  for (const leaf of source) {
    if (typeof leaf === 'string') {
      tests.push((s) => s === leaf);
      continue;
    }
    const op = isRecord(leaf) && Object.keys(leaf).length === 1 ? leaf : undefined;
    const prefix = op?.prefix;
    const but = isRecord(op?.['anything-but']) ? op['anything-but'] : undefined;
    const butPrefix = but && Object.keys(but).length === 1 ? but.prefix : undefined;
    if (typeof prefix === 'string') tests.push((s) => s.startsWith(prefix));
    else if (typeof butPrefix === 'string') tests.push((s) => !s.startsWith(butPrefix));
    // Anything else (equals-ignore-case, wildcard, exists…): try the pattern on every event.
    else return undefined;
  }
  return (s) => tests.some((t) => t(s));
}

/**
 * EventBridge matches `source` values exactly, by prefix or anything-but prefix, and most of a trail
 * comes from a few sources: each distinct source is judged once against every pattern's `source`, and
 * an event is then tried only against the patterns that admit its source (the rest cannot match).
 * Exported for the test that checks it never drops a pattern the full match would take.
 */
export function patternsBySource(patterns: unknown[]): (source: unknown) => CompiledPattern[] {
  const all = patterns.map((pattern) => ({
    compiled: compilePattern(pattern),
    test: sourceTest(isRecord(pattern) ? pattern.source : undefined),
    // A pattern that names a source cannot match an event without one.
    namesSource: isRecord(pattern) && pattern.source !== undefined,
  }));
  const noSource = all.filter((p) => !p.namesSource).map((p) => p.compiled);
  const cache = new Map<string, CompiledPattern[]>();
  return (source) => {
    if (typeof source !== 'string') return noSource;
    let found = cache.get(source);
    if (!found) {
      found = all.filter((p) => p.test === undefined || p.test(source)).map((p) => p.compiled);
      // Bounded: sources are AWS service names, a few hundred at most.
      if (cache.size < 2000) cache.set(source, found);
    }
    return found;
  };
}

/**
 * The alert function's EventBridge rules decide whether it runs at all; most of a trail is
 * read-only noise no rule matches, so those records are counted and dropped before the replayer
 * (which matches again, authoritatively, and runs exactly what Lambda runs).
 */
export function createBacktest(opts: BacktestOptions): Backtest {
  const replay = createReplayer({ ...opts.replayer, rules: opts.rules, config: opts.config });
  const candidatesFor = patternsBySource(opts.rules.filter((r) => r.bus === 'default').map((r) => r.pattern));
  const acc = new SummaryBuilder();
  let events = 0;

  /** Synchronous for the common unmatched record: awaiting each of millions costs real time. */
  function one(value: unknown, source: string): Promise<void> | undefined {
    if (value instanceof MalformedRecord) {
      acc.recordFailed(`malformed record: ${value.reason}`, source);
      return;
    }
    if (!isRecord(value)) {
      acc.recordFailed('malformed record: not a JSON object', source);
      return;
    }
    let event: Record<string, unknown>;
    if (isCloudTrailRecord(value)) event = wrapCloudTrailRecord(value);
    else if ('detail-type' in value) event = value;
    else {
      acc.recordFailed('malformed record: neither a CloudTrail record nor an EventBridge event', source);
      return;
    }
    acc.record(event);
    events++;
    if (!candidatesFor(event.source).some((p) => matchPattern(p, event))) return;
    return closeDueBy(eventTimeMs(event))
      .then(() => replay(source, event))
      .then(
        (result) => acc.result(event, result),
        (err: unknown) =>
          acc.recordFailed(`pipeline error: ${err instanceof Error ? err.message : String(err)}`, source),
      );
  }

  /** Summaries of grouping windows that closed before `t` (event time), counted like any alert. */
  async function closeDueBy(t: number | undefined): Promise<void> {
    if (t === undefined) return;
    for (const s of await replay.closeDue(t)) acc.result({ time: s.time }, s);
  }

  return {
    async finish() {
      for (const s of await replay.closeDue()) acc.result({ time: s.time }, s);
    },
    runFile(file, onBytes, onRecords) {
      return this.runLog(fileRef(file), onBytes, onRecords);
    },
    async runLog(ref, onBytes, onRecords) {
      const name = logName(ref);
      let index = 0;
      const eventsBefore = events;
      const outcome = await scanLog(
        ref,
        async (records) => {
          for (const record of records) {
            const pending = one(record, `${name}#${index++}`);
            if (pending) await pending;
          }
          onRecords?.(records.length);
        },
        onBytes ? { onBytes } : {},
      );
      if (outcome.error) acc.fileFailed(name, outcome.error, outcome.records);
      else acc.fileDone();
      return { records: outcome.records, events: events - eventsBefore, error: outcome.error };
    },
    async runRecords(name, batches) {
      let index = 0;
      try {
        for await (const records of batches) {
          for (const record of records) {
            const pending = one(record, `${name}#${index++}`);
            if (pending) await pending;
          }
        }
      } catch (err) {
        acc.fileFailed(name, errorText(err), index);
        return;
      }
      acc.fileDone();
    },
    pathFailed(path, error) {
      acc.fileFailed(path, error, 0);
    },
    summary: () => acc.summary(),
    previews: () => acc.alertPreviews(),
  };
}
