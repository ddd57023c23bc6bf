/**
 * Bundle size and module start-up per function, built the way serverless-esbuild builds them
 * (serverless.yml custom.esbuild): minified CommonJS for node22, ESM entry points preferred, the
 * AWS SDK left to the Lambda runtime.
 *
 * Start-up is measured the way hyperfine would, as whole-process wall time: `node -e ""` (a bare
 * start) against `node -e "require(bundle)"`, interleaved, medians over many runs, in one clean
 * environment (no NODE_OPTIONS, no NODE_EXTRA_CA_CERTS, which alone doubles a bare start). What the
 * module adds is reported as a ratio of the bare start. A third run loads the bundle with the AWS SDK
 * stubbed out (bench/preload/stub-aws-sdk.cjs), which splits the cost into our code and libraries
 * versus the SDK clients created at init; a fourth lists the SDK packages a cold start loads.
 *
 * The process exits right after the require, so the secrets prefetch Middy starts at init (pointed at
 * a refused local endpoint: nothing leaves the machine) is not counted.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type BuildOptions, build } from 'esbuild';
import { parse } from 'yaml';
import { compileConfig } from '../shared/config/compiled.ts';
import { loadConfigFile } from '../shared/config/load.ts';
import { isRecord } from '../shared/detect/values.ts';
import { CHANNEL_PLUGINS } from '../shared/notify/channels/registry.ts';

export const FUNCTIONS = [
  'alert',
  ...CHANNEL_PLUGINS.map((plugin) => `notify-${plugin.name}` as const),
  'heartbeat',
] as const;
export type FunctionName = (typeof FUNCTIONS)[number];
export const BUNDLE_LIMIT_BYTES = 300 * 1024;
/** The target: module start-up adds at most half a bare node start. */
export const STARTUP_TARGET_RATIO = 0.5;

const PRELOAD = resolve('bench/preload');
const SDK_MARKER = 'cloud-alerts-aws-sdk-modules:';

export interface BundleFigure {
  fn: FunctionName;
  bytes: number;
  bareMs: number;
  /** Wall time a start with the bundle adds to a bare start. */
  addedMs: number;
  ratio: number;
  /** The same with the AWS SDK stubbed out: our code, zod, Middy, Powertools. */
  ownAddedMs: number;
  /** AWS SDK client packages (@aws-sdk/client-*, lib-*) the bundle loads at init. */
  clientsAtInit: string[];
}

/**
 * serverless.yml's custom.esbuild as esbuild build options, read from the file so that what is
 * measured and tested here is what `serverless package` ships.
 */
export function lambdaBuildOptions(file = 'serverless.yml'): BuildOptions {
  const doc: unknown = parse(readFileSync(file, 'utf8'));
  const custom = isRecord(doc) && isRecord(doc.custom) ? doc.custom : {};
  const o = isRecord(custom.esbuild) ? custom.esbuild : {};
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
  const supported: Record<string, boolean> = {};
  if (isRecord(o.supported)) {
    for (const [k, v] of Object.entries(o.supported)) if (typeof v === 'boolean') supported[k] = v;
  }
  return {
    bundle: o.bundle === true,
    minify: o.minify === true,
    sourcemap: o.sourcemap === true,
    platform: o.platform === 'node' ? 'node' : 'neutral',
    target: typeof o.target === 'string' ? o.target : 'node22',
    format: o.format === 'esm' ? 'esm' : 'cjs',
    mainFields: strings(o.mainFields),
    external: [...strings(o.external), ...strings(o.exclude)],
    supported,
    logLevel: 'error',
  };
}

export interface Bundle {
  file: string;
  /** The source files esbuild put in it, relative to the repository (node_modules/… for packages). */
  inputs: string[];
}

/** One function's bundle, built as serverless.yml says. */
export async function buildFunctionBundle(fn: FunctionName, outDir: string): Promise<Bundle> {
  return bundleEntry(resolve('functions', fn, 'handler.ts'), join(outDir, fn, 'handler.cjs'));
}

/** Any entry point bundled with the functions' options (tests bundle small probes this way). */
export async function bundleEntry(entry: string, outfile: string): Promise<Bundle> {
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({ ...lambdaBuildOptions(), entryPoints: [entry], outfile, metafile: true });
  return { file: outfile, inputs: Object.keys(result.metafile.inputs) };
}

/**
 * What serverless.yml gives the functions, with every AWS endpoint pointed at a refused local port,
 * and the compiled configuration they read at module scope, as in Lambda.
 */
export function functionEnv(outDir: string): NodeJS.ProcessEnv {
  const runtimeConfig = join(outDir, 'cloud-alerts.json');
  writeFileSync(
    runtimeConfig,
    JSON.stringify(compileConfig(loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' }), 'dev')),
  );
  return {
    CLOUD_ALERTS_RUNTIME_CONFIG: runtimeConfig,
    PATH: process.env.PATH,
    NODE_PATH: resolve('node_modules'),
    LAMBDA_TASK_ROOT: resolve('.'),
    AWS_REGION: 'eu-west-1',
    STAGE: 'dev',
    ALERTS_BUS_NAME: 'bench',
    ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:bench',
    STATE_TABLE_NAME: 'bench-state',
    GROUP_CLOSE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench-group-close',
    ACCOUNT_ID: '123456789012',
    CLOUD_ALERTS_PREFIX: 'cloud-alerts-dev',
    HEARTBEAT_PARAMETER: '/cloud-alerts/dev/heartbeat',
    IDEMPOTENCY_TABLE_NAME: 'bench-idempotency',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench',
    // Every channel's flush queue (shared/aws/notifier.ts, flushQueueEnv), so a new plug-in needs no line here.
    ...Object.fromEntries(
      CHANNEL_PLUGINS.map((plugin) => [
        `${plugin.name.toUpperCase()}_FLUSH_QUEUE_URL`,
        `https://sqs.eu-west-1.amazonaws.com/123456789012/bench-${plugin.name}-flush`,
      ]),
    ),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function requireCode(file: string): string {
  return `require(${JSON.stringify(file)});process.exit(0)`;
}

/** The AWS SDK clients (@aws-sdk/client-*, lib-*) a bundle requires while it loads (its cold start), sorted. */
export function awsSdkClientsAtInit(file: string, env: NodeJS.ProcessEnv): string[] {
  const r = spawnSync(
    process.execPath,
    ['-r', join(PRELOAD, 'record-aws-sdk.cjs'), '-e', requireCode(file)],
    {
      env,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`loading ${file} failed: ${r.stderr.slice(0, 500)}`);
  const line = r.stderr.split('\n').find((l) => l.startsWith(SDK_MARKER));
  if (!line) throw new Error(`no module list from ${file}`);
  const modules = JSON.parse(line.slice(SDK_MARKER.length)) as string[];
  return modules.filter((m) => /^@aws-sdk\/(client|lib)-/.test(m));
}

function wallMs(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr.toString().slice(0, 500)}`);
  return ms;
}

/**
 * A bare `node -e ""` in the environment the bench itself was started from. On this machine the
 * shell sets NODE_EXTRA_CA_CERTS, which makes node read a CA bundle at start-up and roughly doubles
 * a bare start (this is the "≈ 60 ms here"). Lambda's Node.js 20+ runtimes no longer set it,
 * so the ratios use the clean start; this figure is reported beside them so both are on the page.
 */
export function bareStartInShellEnv(runs = 21): { ms: number; extraCaCerts: boolean } {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // the bench's own loader flags are not part of a bare start
  const times: number[] = [];
  wallMs(['-e', ''], env);
  for (let i = 0; i < runs; i++) times.push(wallMs(['-e', ''], env));
  return { ms: median(times), extraCaCerts: Boolean(env.NODE_EXTRA_CA_CERTS) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export async function measureBundles(runs = 21): Promise<BundleFigure[]> {
  const out = mkdtempSync(join(tmpdir(), 'cloud-alerts-bundles-'));
  try {
    const env = functionEnv(out);
    const figures: BundleFigure[] = [];
    for (const fn of FUNCTIONS) {
      const { file } = await buildFunctionBundle(fn, out);
      const bare: number[] = [];
      const full: number[] = [];
      const own: number[] = [];
      const stub = join(PRELOAD, 'stub-aws-sdk.cjs');
      // Warm the file cache, then interleave so drift on a shared machine hits all three alike.
      wallMs(['-e', requireCode(file)], env);
      for (let i = 0; i < runs; i++) {
        bare.push(wallMs(['-e', ''], env));
        full.push(wallMs(['-e', requireCode(file)], env));
        own.push(wallMs(['-r', stub, '-e', requireCode(file)], env) - wallMs(['-r', stub, '-e', ''], env));
      }
      const bareMs = median(bare);
      const addedMs = median(full) - bareMs;
      figures.push({
        fn,
        bytes: statSync(file).size,
        bareMs,
        addedMs,
        ratio: addedMs / bareMs,
        ownAddedMs: median(own),
        clientsAtInit: awsSdkClientsAtInit(file, env),
      });
    }
    return figures;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
