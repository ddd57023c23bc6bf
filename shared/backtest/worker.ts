/**
 * A backtest reader thread (shared/backtest/pool.ts): reads the objects it is handed, one at a
 * time, through the same RecordJudge a one-core run uses, and posts items and totals back.
 */
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './pool.ts';
import { MAX_UNACKED } from './pool.ts';
import { type PartItem, RecordJudge, readLog } from './reader.ts';
import type { LogRef } from './sources.ts';

const port = parentPort;
if (!port) throw new Error('shared/backtest/worker.ts runs as a worker thread');

let judge: RecordJudge | undefined;
const queue: Array<{ seq: number; ref: LogRef }> = [];
let busy = false;
let unacked = 0;
let resume: (() => void) | undefined;
/** Progress is sent in batches: a message per chunk would cost more than the chunk. */
let bytes = 0;
let records = 0;
const post = (m: FromWorker) => port.postMessage(m);

function flushProgress(seq: number): void {
  if (bytes > 0) post({ type: 'bytes', seq, n: bytes });
  if (records > 0) post({ type: 'records', seq, n: records });
  bytes = 0;
  records = 0;
}

/**
 * The items as JSON. One too deeply nested to serialise (JSON.stringify recurses; JSON.parse, which
 * read it, does not) goes as a marker, and the main thread reads that record again itself.
 */
function itemsText(items: PartItem[]): string {
  try {
    return JSON.stringify(items);
  } catch {
    return `[${items
      .map((item) => {
        try {
          return JSON.stringify(item);
        } catch {
          return JSON.stringify({ i: item.i, reread: true });
        }
      })
      .join(',')}]`;
  }
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    // Messages arrive in order, so the patterns always come before the first object.
    for (let job = queue.shift(); job; job = queue.shift()) {
      if (!judge) throw new Error('backtest worker: an object arrived before the patterns');
      const { seq, ref } = job;
      const totals = await readLog(ref, judge, {
        onItems: async (items) => {
          post({ type: 'items', seq, text: itemsText(items) });
          unacked++;
          if (unacked > MAX_UNACKED) {
            await new Promise<void>((r) => {
              resume = r;
            });
          }
        },
        onBytes: (n) => {
          bytes += n;
          if (bytes >= 4 * 1024 * 1024) flushProgress(seq);
        },
        onRecords: (n) => {
          records += n;
        },
      });
      flushProgress(seq);
      post({ type: 'end', seq, totals });
    }
  } finally {
    busy = false;
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'patterns') judge = new RecordJudge(m.patterns);
  else if (m.type === 'ack') {
    unacked--;
    if (unacked <= MAX_UNACKED && resume) {
      const r = resume;
      resume = undefined;
      r();
    }
  } else if (m.type === 'read') {
    queue.push({ seq: m.seq, ref: m.ref });
    void drain();
  }
});
