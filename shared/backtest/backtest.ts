import type { Config } from '../config/schema.ts';
import { isRecord } from '../detect/values.ts';
import { type CompiledPattern, compilePattern, matchPattern } from '../eventbridge/pattern.ts';
import type { DeclaredRule } from '../eventbridge/serverless.ts';
import { wrapCloudTrailRecord } from '../replay/load.ts';
import { createReplayer, eventTimeMs, type ReplayerOptions } from '../replay/replay.ts';
import { scanFile } from './files.ts';
import { MalformedRecord } from './records.ts';
import { type AlertPreview, type BacktestSummary, SummaryBuilder } from './summary.ts';

export interface BacktestOptions {
  rules: DeclaredRule[];
  config: Config;
  /** Passed on to the replayer (alarm lookup, stages); sending is never enabled here. */
  replayer?: Omit<ReplayerOptions, 'rules' | 'config' | 'send' | 'secret'>;
}

export interface Backtest {
  /** Stream one file through the pipeline; a bad file is recorded in the summary, never thrown. */
  runFile(file: string, onBytes?: (bytes: number) => void, onRecords?: (n: number) => void): Promise<void>;
  /** A path that could not even be listed. */
  pathFailed(path: string, error: string): void;
  /** Sends the grouping summaries still due when the records ran out (as their windows close). */
  finish(): Promise<void>;
  summary(): BacktestSummary;
  previews(): AlertPreview[];
}

function isCloudTrailRecord(v: Record<string, unknown>): boolean {
  return typeof v.eventSource === 'string' && typeof v.eventName === 'string' && !('detail-type' in v);
}

interface SourceIndex {
  /** source → patterns that can match it (those naming it plus those naming no source). */
  bySource: Map<string, CompiledPattern[]>;
  /** Patterns with no plain list of sources: they must be tried on every event. */
  anySource: CompiledPattern[];
}

/**
 * Most patterns pin `source` to a list of strings, and EventBridge matches such a list by exact
 * equality, so an event need only be tried against the patterns naming its source.
 */
function indexBySource(patterns: unknown[]): SourceIndex {
  const anySource: CompiledPattern[] = [];
  const named: Array<[string[], CompiledPattern]> = [];
  for (const pattern of patterns) {
    const compiled = compilePattern(pattern);
    const source = isRecord(pattern) ? pattern.source : undefined;
    if (Array.isArray(source) && source.length > 0 && source.every((s) => typeof s === 'string')) {
      named.push([source, compiled]);
    } else anySource.push(compiled);
  }
  const bySource = new Map<string, CompiledPattern[]>();
  for (const [sources, compiled] of named) {
    for (const s of sources) bySource.set(s, [...(bySource.get(s) ?? anySource), compiled]);
  }
  return { bySource, anySource };
}

/**
 * The alert function's EventBridge rules decide whether it runs at all; most of a trail is
 * read-only noise no rule matches, so those records are counted and dropped before the replayer
 * (which matches again, authoritatively, and runs exactly what Lambda runs).
 */
export function createBacktest(opts: BacktestOptions): Backtest {
  const replay = createReplayer({ ...opts.replayer, rules: opts.rules, config: opts.config });
  const prefilter = indexBySource(opts.rules.filter((r) => r.bus === 'default').map((r) => r.pattern));
  const acc = new SummaryBuilder();

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
    const candidates =
      (typeof event.source === 'string' && prefilter.bySource.get(event.source)) || prefilter.anySource;
    if (!candidates.some((p) => matchPattern(p, event))) return;
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
    async runFile(file, onBytes, onRecords) {
      let index = 0;
      const outcome = await scanFile(
        file,
        async (records) => {
          for (const record of records) {
            const pending = one(record, `${file}#${index++}`);
            if (pending) await pending;
          }
          onRecords?.(records.length);
        },
        onBytes ? { onBytes } : {},
      );
      if (outcome.error) acc.fileFailed(file, outcome.error, outcome.records);
      else acc.fileDone();
    },
    pathFailed(path, error) {
      acc.fileFailed(path, error, 0);
    },
    summary: () => acc.summary(),
    previews: () => acc.alertPreviews(),
  };
}
