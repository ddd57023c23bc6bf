/**
 * Bundle size and module start-up per function, built the way serverless-esbuild builds them
 * (serverless.yml custom.esbuild): minified CommonJS for node22, ESM entry points preferred, the
 * AWS SDK left to the Lambda runtime. Start-up is the time `require(bundle)` takes inside a fresh
 * node process (module init: config, clients, Middy chain), against the wall time of a bare
 * `node -e ""`; medians over repeated runs, reported as a ratio of the bare start. The process
 * exits right after the require, so the secrets prefetch Middy starts at init (pointed at a
 * refused local endpoint: nothing leaves the machine) is not counted.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import { loadConfigFile } from '../shared/config/load.ts';

export const FUNCTIONS = ['alert', 'notify-slack', 'notify-pagerduty', 'notify-email'] as const;
export const BUNDLE_LIMIT_BYTES = 300 * 1024;

export interface BundleFigure {
  fn: string;
  bytes: number;
  startupMs: number;
  bareMs: number;
  ratio: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function bareStart(env: NodeJS.ProcessEnv, runs: number): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', ''], { env, stdio: 'ignore' });
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

function requireTime(file: string, env: NodeJS.ProcessEnv, runs: number): number {
  const code = `const t=performance.now();require(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));process.exit(0)`;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['-e', code], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`loading ${file} failed: ${r.stderr.toString().slice(0, 500)}`);
    samples.push(Number(r.stdout.toString()));
  }
  return median(samples);
}

export async function measureBundles(runs = 15): Promise<BundleFigure[]> {
  const root = resolve('.');
  const out = mkdtempSync(join(tmpdir(), 'cloud-alerts-bundles-'));
  try {
    // The functions read the compiled JSON configuration at module scope, as in Lambda.
    const runtimeConfig = join(out, 'cloud-alerts.json');
    writeFileSync(runtimeConfig, JSON.stringify(loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' })));
    const env: NodeJS.ProcessEnv = {
      CLOUD_ALERTS_RUNTIME_CONFIG: runtimeConfig,
      PATH: process.env.PATH,
      NODE_PATH: join(root, 'node_modules'),
      LAMBDA_TASK_ROOT: root,
      AWS_REGION: 'eu-west-1',
      STAGE: 'dev',
      ALERTS_BUS_NAME: 'bench',
      ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:bench',
      STATE_TABLE_NAME: 'bench-state',
      IDEMPOTENCY_TABLE_NAME: 'bench-idempotency',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const bareMs = bareStart(env, runs);
    const figures: BundleFigure[] = [];
    for (const fn of FUNCTIONS) {
      const file = join(out, fn, 'handler.cjs');
      mkdirSync(join(out, fn), { recursive: true });
      await build({
        entryPoints: [join(root, 'functions', fn, 'handler.ts')],
        outfile: file,
        bundle: true,
        minify: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        mainFields: ['module', 'main'],
        external: ['@aws-sdk/*', '@smithy/*'],
        logLevel: 'error',
      });
      const startupMs = requireTime(file, env, runs);
      figures.push({ fn, bytes: statSync(file).size, startupMs, bareMs, ratio: startupMs / bareMs });
    }
    return figures;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
