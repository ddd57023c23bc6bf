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
import { requirePlugin } from '../shared/notify/channels/registry.ts';
import { renderNotification } from '../shared/notify/deliver.ts';
import { evaluate } from '../shared/pipeline/evaluate.ts';
import { listFiles } from '../shared/replay/load.ts';
import { benchAthenaSelectivity, selectivityRows } from './athena.ts';
import { benchBacktest } from './backtest.ts';
import { benchBacktestS3, s3Rows } from './backtest-s3.ts';
import { BUNDLE_LIMIT_BYTES, bareStartInShellEnv, measureBundles, STARTUP_TARGET_RATIO } from './bundles.ts';
import { cliStartupRows, measureCliStartup } from './cli.ts';
import { benchPatterns } from './pattern.ts';
import { benchStorm } from './storm.ts';

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
      for (const n of result.notifications) renderNotification(n, config, ctx, requirePlugin(n.channel));
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

// Backtest over generated CloudTrail logs: ≥ 1 GB of JSON by default; BENCH_BACKTEST_MB for a quick run.
const backtestBytes = Number(process.env.BENCH_BACKTEST_MB ?? 1100) * 1e6;
const bt = benchBacktest(backtestBytes, 2);
const mb = (b: number) => `${(b / 1e6).toLocaleString('en-US', { maximumFractionDigits: 0 })} MB`;
const perSecond = (x: number) => `${Math.round(x).toLocaleString('en-US')} records/s`;
const share = bt.backtestRecordsPerSecond / bt.floorRecordsPerSecond;
const singleShare = bt.singleCoreRecordsPerSecond / bt.floorRecordsPerSecond;
rows.push(
  [
    `Backtest throughput on every core (\`cloud-alerts backtest <dir> --json\`, ${bt.cores} reader threads, whole process)`,
    perSecond(bt.backtestRecordsPerSecond),
    '—',
  ],
  [
    'Backtest throughput on one core (`--workers 1`, whole process)',
    perSecond(bt.singleCoreRecordsPerSecond),
    '—',
  ],
  [
    'Floor on the same files: gunzip + JSON.parse + iterate on one core (whole process)',
    perSecond(bt.floorRecordsPerSecond),
    '—',
  ],
  ['Backtest on every core as a share of the single-core floor', `${(share * 100).toFixed(0)}%`, '≥ 160%'],
  ['Backtest on one core as a share of the floor', `${(singleShare * 100).toFixed(0)}%`, '≥ 50%'],
  [
    `Backtest peak RSS over ${mb(bt.uncompressedBytes)} of logs, every core (whole process, all threads)`,
    mb(bt.peakRssBytes),
    `≤ ${bt.cores + 1} × 256 MB`,
  ],
  [`Backtest peak RSS, one core`, mb(bt.singleCorePeakRssBytes), '≤ 256 MB'],
);
// `backtest s3://…` against moto's S3 on 127.0.0.1 (bench/backtest-s3.ts).
const s3 = s3Rows(await benchBacktestS3());
rows.push(...s3.rows);
rows.push(...selectivityRows(await benchAthenaSelectivity(defaultBusPatterns)));
const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
const bundles = await measureBundles();
for (const b of bundles) {
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  rows.push(
    [`Bundle size: ${b.fn} (minified, AWS SDK from the runtime)`, kb(b.bytes), `< ${kb(BUNDLE_LIMIT_BYTES)}`],
    [
      `Module start-up: ${b.fn}, added to a bare node start of ${ms(b.bareMs)}`,
      `${ms(b.addedMs)} = ${b.ratio.toFixed(2)}× bare`,
      `≤ ${STARTUP_TARGET_RATIO}× bare`,
    ],
    [
      `… of which our code and libraries (zod, Middy, Powertools; AWS SDK stubbed out)`,
      `${ms(b.ownAddedMs)} = ${(b.ownAddedMs / b.bareMs).toFixed(2)}× bare`,
      '—',
    ],
    [
      `… of which AWS SDK clients created at init: ${b.clientsAtInit.map((c) => c.replace('@aws-sdk/', '')).join(', ')}`,
      ms(b.addedMs - b.ownAddedMs),
      '—',
    ],
  );
}
rows.push(...cliStartupRows(measureCliStartup()));
// The storm of test/integration/storm.test.ts: about 50 s of wall time, vendors on 127.0.0.1.
const storm = await benchStorm();
rows.push(...storm.rows);
const shellBare = bareStartInShellEnv();
rows.push([
  `Bare node start in the shell environment the bench ran from${shellBare.extraCaCerts ? ' (NODE_EXTRA_CA_CERTS set)' : ''}, for comparison`,
  `${shellBare.ms.toFixed(0)} ms`,
  '—',
]);
const backtestNote = `Backtest figures: ${bt.files.toLocaleString('en-US')} generated CloudTrail files (shared/backtest/generate.ts, seeded), ${bt.records.toLocaleString('en-US')} records, ${mb(bt.uncompressedBytes)} of JSON (${mb(bt.compressedBytes)} gzipped, level 1); ${bt.matched.toLocaleString('en-US')} records matched a rule and raised ${bt.alerts.toLocaleString('en-US')} alerts. The floor, every core and one core each ran ${bt.runs} times as a child process, alternating; throughput is the best run, RSS the highest (\`/usr/bin/time -v\`); the two backtests' JSON summaries were checked identical on every run. The files are deleted afterwards. The floor parses every record with JSON.parse; backtest reads CloudTrail files with its byte reader (docs/backtest.md, Memory and speed), which checks every record's JSON and UTF-8 in WebAssembly and parses only those a rule may match.`;

const bundleNote =
  'Start-up figures: whole-process wall time of `node -e "require(bundle)"` minus that of `node -e ""`, in the same clean environment (no NODE_OPTIONS or NODE_EXTRA_CA_CERTS), medians of 21 interleaved runs. "Our code and libraries" is the same with every @aws-sdk and @smithy module replaced by an inert stand-in (bench/preload/stub-aws-sdk.cjs); the SDK line is the difference. The clients listed are the ones each function creates at init; the others load on first use (docs/deploy.md, "Cold starts"). The ratios use the clean bare start because Lambda\'s Node.js 20 and later runtimes no longer set NODE_EXTRA_CA_CERTS; the last row is a bare start with this shell\'s own environment, where that variable makes node read a CA bundle at start-up.';

const machine = `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const table = [
  '| figure | value | target |',
  '| --- | --- | --- |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const doc = `# Benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}.
Machine: ${machine}.
Command: \`npm run bench\`${process.env.BENCH_BACKTEST_MB ? ` with BENCH_BACKTEST_MB=${process.env.BENCH_BACKTEST_MB}` : ''}.

${table}

${backtestNote}

${s3.note}

${bundleNote}

${storm.note}
`;
writeFileSync('BENCHMARKS.md', doc);
console.log(doc);
