import type { Config } from '../config/schema.ts';
import type { DeclaredRule } from '../eventbridge/serverless.ts';
import { createReplayer, eventTimeMs, type ReplayerOptions } from '../replay/replay.ts';
import type { ReaderPool } from './pool.ts';
import { type PartItem, type PartTotals, RecordJudge, readLog, readRecords } from './reader.ts';
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

export interface RunLogsOptions {
  pool?: ReaderPool;
  onBytes?: (bytes: number) => void;
  onRecords?: (n: number) => void;
  /** Called as each object's part starts being applied (progress counts files). */
  onObject?: (ref: LogRef) => void;
  /** Called once each object has been applied, with what it held. */
  onDone?: (ref: LogRef, outcome: LogOutcome) => void;
}

export interface Backtest {
  /**
   * Streams one file through the pipeline (a bad file is recorded in the summary, never thrown);
   * says how many records it read, how many were events, and why it stopped early, if it did.
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
  /**
   * Every object in order; with a pool, read on its workers (every core), with exactly the result
   * one core gives: parts are applied in the order of `refs`.
   */
  runLogs(refs: LogRef[], opts?: RunLogsOptions): Promise<void>;
  /** A path that could not even be listed. */
  pathFailed(path: string, error: string): void;
  /** Sends the grouping summaries still due when the records ran out (as their windows close). */
  finish(): Promise<void>;
  summary(): BacktestSummary;
  previews(): AlertPreview[];
}

/**
 * The alert function's EventBridge rules decide whether it runs at all; most of a trail is
 * read-only noise no rule matches, so the reader (shared/backtest/reader.ts) counts those records
 * and drops them; the replayer matches again, authoritatively, and runs exactly what Lambda runs.
 */
export function createBacktest(opts: BacktestOptions): Backtest {
  const acc = new SummaryBuilder();
  const replay = createReplayer({
    ...opts.replayer,
    rules: opts.rules,
    config: opts.config,
    // Only the first alert of each kind keeps what each channel would receive (the previews): the
    // others' notifications are counted, not rendered. The result is the same; the time is not.
    needsBodies: (alerts) => alerts.some((a) => !acc.hasPreview(a)),
  });
  const patterns = opts.rules.filter((r) => r.bus === 'default').map((r) => r.pattern);
  const judge = new RecordJudge(patterns);

  async function applyItems(name: string, items: PartItem[], ref?: LogRef): Promise<void> {
    for (const found of items) {
      const item = 'reread' in found && ref ? await reread(ref, found.i) : found;
      const source = `${name}#${item.i}`;
      if ('bad' in item) {
        acc.recordFailed(item.bad, source);
        continue;
      }
      if ('reread' in item) {
        acc.recordFailed('malformed record: could not be read again', source);
        continue;
      }
      const event = item.event;
      try {
        await closeDueBy(eventTimeMs(event));
        acc.result(event, await replay(source, event));
      } catch (err) {
        acc.recordFailed(`pipeline error: ${err instanceof Error ? err.message : String(err)}`, source);
      }
    }
  }

  function applyTotals(name: string, totals: PartTotals): LogOutcome {
    acc.records(totals);
    if (totals.error !== undefined) acc.fileFailed(name, totals.error, totals.elements);
    else acc.fileDone();
    return { records: totals.elements, events: totals.records, error: totals.error };
  }

  /**
   * Record `i` of `ref`, read again on this thread (a reader thread could not hand it over): the
   * object is read whole once more, as rare as a record nested deeper than JSON.stringify goes.
   */
  async function reread(ref: LogRef, i: number): Promise<PartItem> {
    let item: PartItem | undefined;
    await readLog(ref, new RecordJudge(patterns), {
      onItems: (items) => {
        item ??= items.find((it) => it.i === i);
      },
    });
    return item ?? { i, reread: true };
  }

  /** Summaries of grouping windows that closed before `t` (event time), counted like any alert. */
  async function closeDueBy(t: number | undefined): Promise<void> {
    if (t === undefined) return;
    for (const s of await replay.closeDue(t)) acc.result({ time: s.time }, s);
  }

  async function runLog(
    ref: LogRef,
    onBytes?: (bytes: number) => void,
    onRecords?: (n: number) => void,
  ): Promise<LogOutcome> {
    const name = logName(ref);
    const totals = await readLog(ref, judge, {
      onItems: (items) => applyItems(name, items),
      ...(onBytes ? { onBytes } : {}),
      ...(onRecords ? { onRecords } : {}),
    });
    return applyTotals(name, totals);
  }

  return {
    async finish() {
      for (const s of await replay.closeDue()) acc.result({ time: s.time }, s);
    },
    runFile(file, onBytes, onRecords) {
      return runLog(fileRef(file), onBytes, onRecords);
    },
    runLog,
    async runRecords(name, batches) {
      const totals = await readRecords(batches, judge, { onItems: (items) => applyItems(name, items) });
      applyTotals(name, totals);
    },
    async runLogs(refs, o = {}) {
      if (!o.pool) {
        for (const ref of refs) {
          o.onObject?.(ref);
          // Not inside `onDone?.(…)`: an optional call skips its arguments when there is no callback.
          const outcome = await runLog(ref, o.onBytes, o.onRecords);
          o.onDone?.(ref, outcome);
        }
        return;
      }
      const hooks = {
        ...(o.onBytes ? { onBytes: o.onBytes } : {}),
        ...(o.onRecords ? { onRecords: o.onRecords } : {}),
      };
      for await (const event of o.pool.read(refs, patterns, hooks)) {
        const ref = refs[event.seq] as LogRef;
        if ('start' in event) o.onObject?.(ref);
        else if ('items' in event) await applyItems(logName(ref), event.items, ref);
        else {
          const outcome = applyTotals(logName(ref), event.totals);
          o.onDone?.(ref, outcome);
        }
      }
    },
    pathFailed(path, error) {
      acc.fileFailed(path, error, 0);
    },
    summary: () => acc.summary(),
    previews: () => acc.alertPreviews(),
  };
}
