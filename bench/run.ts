/**
 * `npm run bench`: every figure in one run, written to BENCHMARKS.md with the machine and command.
 * Timings are medians over many iterations on this machine; they are for comparing changes, not
 * promises about Lambda.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadConfigFile } from '../shared/config/load.ts';
import { readServerlessRules } from '../shared/eventbridge/serverless.ts';
import { renderNotification } from '../shared/notify/deliver.ts';
import { evaluate } from '../shared/pipeline/evaluate.ts';
import { listFiles } from '../shared/replay/load.ts';
import { benchPatterns } from './pattern.ts';

const events: unknown[] = listFiles('events').map((f) => JSON.parse(readFileSync(f, 'utf8')));
const rules = readServerlessRules('serverless.yml');
const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** parse → detect → enrich → route → render every channel's body, per event, in microseconds. */
function pipelineCost(rounds: number): { median: number; p99: number } {
  const ctx = { secret: () => 'x'.repeat(32), stackTopicArn: 'arn:aws:sns:eu-west-1:123456789012:bench' };
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const e of events) {
      const t0 = performance.now();
      const result = evaluate(e, config);
      for (const n of result.notifications) renderNotification(n, config, ctx);
      samples.push((performance.now() - t0) * 1000);
    }
  }
  samples.sort((a, b) => a - b);
  return { median: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
}

const defaultBusPatterns = rules.filter((r) => r.bus === 'default').map((r) => r.pattern);
benchPatterns(defaultBusPatterns, events, 300); // warm-up
const patterns = benchPatterns(defaultBusPatterns, events, 2000);
pipelineCost(50); // warm-up
const pipeline = pipelineCost(400);

const rows: Array<[string, string, string]> = [
  [
    'Pattern evaluations per second (serverless.yml default-bus rules × events/)',
    Math.round(patterns.evaluationsPerSecond).toLocaleString('en-US'),
    '≥ 1,000,000',
  ],
  ['Per-event pipeline cost, median (parse → render, all channels)', `${pipeline.median.toFixed(1)} µs`, '—'],
  ['Per-event pipeline cost, p99', `${pipeline.p99.toFixed(1)} µs`, '—'],
];

const machine = `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const table = [
  '| figure | value | target |',
  '| --- | --- | --- |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const doc = `# Benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}.
Machine: ${machine}.

${table}
`;
writeFileSync('BENCHMARKS.md', doc);
console.log(doc);
