/**
 * The floor for backtest throughput, run as a child process by bench/backtest.ts: the least any
 * JavaScript program must do to look at every record of the same files (read, gunzip, JSON.parse,
 * iterate), with none of the streaming that keeps backtest's memory flat. Prints {records, ms}.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { listFiles } from '../shared/replay/load.ts';

const root = process.argv[2];
if (!root) throw new Error('usage: floor.ts <folder>');
const started = performance.now();
let records = 0;
for (const file of listFiles(root)) {
  const parsed: unknown = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
  const list = typeof parsed === 'object' && parsed !== null && 'Records' in parsed ? parsed.Records : [];
  if (!Array.isArray(list)) continue;
  // Touch each record so the iteration is real work, as a consumer's would be.
  for (const r of list) if (typeof r === 'object' && r !== null) records++;
}
process.stdout.write(`${JSON.stringify({ records, ms: performance.now() - started })}\n`);
