import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
// @ts-expect-error plain JavaScript without types (it decides whether anything needs compiling)
import { freshBundle } from '../bin/fresh-build.js';

/** The bar for `cloud-alerts --help`, whole process, on this machine. */
export const CLI_STARTUP_TARGET_MS = 300;

export interface CliStartup {
  /** `node bin/cloud-alerts.js --help` running the bundle npm install builds (.build/cli). */
  builtMs: number;
  /** The same through tsx (CLOUD_ALERTS_CLI_TS=1): what runs when there is no build or a source changed since it. */
  typescriptMs: number;
  /** `node -e ""` in the same environment. */
  bareMs: number;
  runs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function wallMs(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0)
    throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
  return ms;
}

/**
 * Whole-process wall time of `cloud-alerts --help` as a user starts it: in this shell's environment
 * (minus NODE_OPTIONS, the bench's or Jest's own), medians of `runs` interleaved runs after a warm-up.
 * Builds the bundle first when it is missing or stale, so the figure is the built CLI's and not the
 * TypeScript fallback's.
 */
export function measureCliStartup(runs = 21): CliStartup {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.CLOUD_ALERTS_CLI_TS;
  // Rebuilt only when stale: a CLI started meanwhile (tests run in parallel) keeps a build to load.
  if (!freshBundle(process.cwd())) {
    const build = spawnSync(process.execPath, ['scripts/build-cli.mjs'], { env, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`scripts/build-cli.mjs failed: ${build.stderr}`);
  }
  const tsEnv = { ...env, CLOUD_ALERTS_CLI_TS: '1' };
  const cli = ['bin/cloud-alerts.js', '--help'];
  const built: number[] = [];
  const typescript: number[] = [];
  const bare: number[] = [];
  wallMs(cli, env);
  wallMs(cli, tsEnv);
  for (let i = 0; i < runs; i++) {
    built.push(wallMs(cli, env));
    typescript.push(wallMs(cli, tsEnv));
    bare.push(wallMs(['-e', ''], env));
  }
  return { builtMs: median(built), typescriptMs: median(typescript), bareMs: median(bare), runs };
}

/** BENCHMARKS.md rows: figure, value, target. */
export function cliStartupRows(s: CliStartup): Array<[string, string, string]> {
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  return [
    [
      `CLI start-up: \`cloud-alerts --help\`, whole process, built JavaScript (.build/cli, built by npm install); bare node ${ms(s.bareMs)}`,
      ms(s.builtMs),
      `< ${CLI_STARTUP_TARGET_MS} ms`,
    ],
    [
      '… the same through tsx, when there is no build or a source changed since it was built',
      ms(s.typescriptMs),
      '—',
    ],
  ];
}
