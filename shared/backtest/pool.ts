/**
 * Reading on every core: worker threads (shared/backtest/worker.ts) each read one log object at a
 * time through the same RecordJudge the main thread uses, and the main thread takes their parts in
 * the order the objects were listed, so grouping windows, dedupe and suppressions see records in
 * exactly the order a one-core run does. Memory stays bounded: workers read at most `lookahead`
 * objects ahead of the one being applied, and a worker stops reading once it has `MAX_UNACKED`
 * chunks of items the main thread has not taken yet.
 */
import { Worker } from 'node:worker_threads';
import type { PartItem, PartTotals, ReadHooks } from './reader.ts';
import { type LogRef, logName } from './sources.ts';

/** Messages between the pool and its workers. */
export type ToWorker =
  | { type: 'patterns'; patterns: unknown[] }
  | { type: 'read'; seq: number; ref: LogRef }
  | { type: 'ack' };
export type FromWorker =
  /** The items as JSON text (a worker's own serialising, so a value too deep to copy is caught there). */
  | { type: 'items'; seq: number; text: string }
  | { type: 'bytes'; seq: number; n: number }
  | { type: 'records'; seq: number; n: number }
  | { type: 'end'; seq: number; totals: PartTotals };

/** Chunks of items a worker may have in flight before it waits for the main thread. */
export const MAX_UNACKED = 16;

/** A part begins (`start`), hands over items, ends with its totals; parts come in listed order. */
export type PartEvent =
  | { seq: number; start: true }
  | { seq: number; items: PartItem[] }
  | { seq: number; totals: PartTotals };

/** Progress, as a one-core read reports it (its items come back through `read` instead). */
export type ProgressHooks = Omit<ReadHooks, 'onItems'>;

export interface ReaderPool {
  readonly size: number;
  /** Every object's items and totals, object after object in the order given. */
  read(refs: LogRef[], patterns: unknown[], hooks?: ProgressHooks): AsyncGenerator<PartEvent>;
  close(): Promise<void>;
}

/** The worker's entry: built JavaScript next to the CLI bundle, or the TypeScript through tsx. */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('./worker-boot.mjs', here) : new URL('./backtest-worker.js', here);
}

interface Slot {
  worker: Worker;
  /**
   * The objects handed to this worker, in the order it reads them: the first is the one it reads
   * now. It holds the next one too, so it never waits for the main thread (busy replaying) to be
   * told what to read after the current one.
   */
  seqs: number[];
}

/** Objects a worker holds at once: the one it reads and the next. */
const QUEUED_PER_WORKER = 2;

interface PartState {
  chunks: PartItem[][];
  totals?: PartTotals;
  slot: Slot;
  /** Progress read ahead of the part being applied, reported when its turn comes. */
  bytes: number;
  records: number;
}

/**
 * Starts `size` workers now (they load while the caller reads its configuration); `read` hands
 * them objects. `close` ends them: the caller must call it, or the process stays up.
 */
export function startReaderPool(size: number, opts: { workerUrl?: URL } = {}): ReaderPool {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`a reader pool needs at least one worker; got ${size}`);
  // Tests start a reader that fails on purpose (test/fixtures/backtest/crashing-worker.mjs).
  const url = opts.workerUrl ?? workerUrl();
  const slots: Slot[] = [];
  let onMessage: (slot: Slot, m: FromWorker) => void = () => {};
  let onFailure: (slot: Slot, err: Error) => void = () => {};

  function spawn(): Slot {
    // No heap ceiling of its own: Node ends the whole process, not the thread, when a worker reaches
    // one (found in review, a 15 KB gzip of nested empty objects), and one core reads such a file fine.
    const worker = new Worker(url);
    const slot: Slot = { worker, seqs: [] };
    let error: Error | undefined;
    worker.on('message', (m: FromWorker) => onMessage(slot, m));
    // 'error' can come before messages the thread sent ahead of dying (an object's end among them),
    // and the thread's objects would be misjudged; by 'exit' Node has delivered every one.
    worker.on('error', (err) => {
      error ??= err;
    });
    worker.on('exit', (code) => {
      if (!closing) onFailure(slot, error ?? new Error(`it exited with code ${code}`));
    });
    return slot;
  }
  let closing = false;
  for (let k = 0; k < size; k++) slots.push(spawn());

  return {
    size,
    async *read(refs, patterns, hooks = {}) {
      for (const s of slots) s.worker.postMessage({ type: 'patterns', patterns } satisfies ToWorker);
      const parts = new Map<number, PartState>();
      const lookahead = size * QUEUED_PER_WORKER * 2;
      let next = 0;
      let current = 0;
      let wake: (() => void) | undefined;
      const signal = () => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      const assign = () => {
        // Round by round, so the objects are spread over the workers.
        for (let round = 1; round <= QUEUED_PER_WORKER; round++) {
          for (const slot of slots) {
            if (slot.seqs.length >= round || next >= refs.length || next >= current + lookahead) continue;
            const seq = next++;
            slot.seqs.push(seq);
            parts.set(seq, { chunks: [], slot, bytes: 0, records: 0 });
            slot.worker.postMessage({ type: 'read', seq, ref: refs[seq] as LogRef } satisfies ToWorker);
          }
        }
      };
      // Progress follows the part being applied, so it never runs ahead of the results.
      let started = -1;
      onMessage = (slot, m) => {
        if (m.type === 'bytes') {
          if (m.seq === started) hooks.onBytes?.(m.n);
          else {
            const part = parts.get(m.seq);
            if (part) part.bytes += m.n;
          }
        } else if (m.type === 'records') {
          if (m.seq === started) hooks.onRecords?.(m.n);
          else {
            const part = parts.get(m.seq);
            if (part) part.records += m.n;
          }
        } else if (m.type === 'items') parts.get(m.seq)?.chunks.push(JSON.parse(m.text) as PartItem[]);
        else if (m.type === 'end') {
          const part = parts.get(m.seq);
          if (part) part.totals = m.totals;
          // A worker ends its objects in the order it was given them.
          slot.seqs = slot.seqs.filter((seq) => seq !== m.seq);
          assign();
        }
        signal();
      };
      onFailure = (slot, err) => {
        // The object this worker was reading fails alone (as an unreadable file does); a fresh
        // worker takes its place and the run goes on.
        const index = slots.indexOf(slot);
        const [seq, ...waiting] = slot.seqs;
        const fresh = spawn();
        fresh.worker.postMessage({ type: 'patterns', patterns } satisfies ToWorker);
        if (index >= 0) slots[index] = fresh;
        // The objects it had not started go to the fresh worker, in the same order.
        for (const queued of waiting) {
          const part = parts.get(queued);
          if (!part) continue;
          part.slot = fresh;
          fresh.seqs.push(queued);
          fresh.worker.postMessage({
            type: 'read',
            seq: queued,
            ref: refs[queued] as LogRef,
          } satisfies ToWorker);
        }
        if (seq !== undefined) {
          const part = parts.get(seq);
          const ref = refs[seq];
          if (part && ref) {
            part.totals = {
              records: 0,
              actors: [],
              actorsApproximate: false,
              elements: 0,
              error: `the reader stopped: ${workerFailure(err)} (${logName(ref)})`,
            };
          }
        }
        assign();
        signal();
      };
      assign();
      try {
        while (current < refs.length) {
          const part = parts.get(current);
          if (!part) throw new Error(`backtest pool: object ${current} was never handed to a worker`);
          if (started !== current) {
            started = current;
            yield { seq: current, start: true };
            if (part.bytes > 0) hooks.onBytes?.(part.bytes);
            if (part.records > 0) hooks.onRecords?.(part.records);
            part.bytes = 0;
            part.records = 0;
          }
          const chunk = part.chunks.shift();
          if (chunk) {
            part.slot.worker.postMessage({ type: 'ack' } satisfies ToWorker);
            yield { seq: current, items: chunk };
            continue;
          }
          if (part.totals) {
            const totals = part.totals;
            parts.delete(current);
            current++;
            assign();
            yield { seq: current - 1, totals };
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      } finally {
        onMessage = () => {};
        onFailure = () => {};
      }
    },
    async close() {
      closing = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

function workerFailure(err: Error): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'it ran out of memory';
  return err.message;
}
