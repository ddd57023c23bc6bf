#!/usr/bin/env node
// Bundles the CLI (cli/main.ts and what it imports from shared/) into .build/cli/, so
// `cloud-alerts` starts as plain JavaScript instead of compiling TypeScript on every run.
// Run by npm's `prepare` (every `npm install` on a clone) and by `npm run build:cli`.
// Plain JavaScript on purpose: it runs before anything could compile TypeScript for it.
//
// --optional (prepare): a failed build (no esbuild, as with `npm install --omit=dev`) warns and
// exits 0: bin/cloud-alerts.js then runs the TypeScript through tsx, slower but the same CLI.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_VERSION, recordInput } from '../bin/fresh-build.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outRoot = join(root, '.build');
const out = join(outRoot, 'cli');
const tmp = join(outRoot, `cli.tmp-${process.pid}`);

async function buildCli() {
  const { build } = await import('esbuild');
  rmSync(tmp, { recursive: true, force: true });
  // A source saved while esbuild reads it changed after this: recorded without a hash, never fresh.
  const started = Date.now();
  const result = await build({
    absWorkingDir: root,
    // The backtest's reader threads start from their own entry (shared/backtest/pool.ts finds it here).
    entryPoints: ['cli/main.ts', { in: 'shared/backtest/worker.ts', out: 'backtest-worker' }],
    bundle: true,
    // Commands are imported on first use: `--help` loads only the command table.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // node_modules stay where npm put them: the bundle holds only this project's code.
    packages: 'external',
    outdir: tmp,
    metafile: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // The launcher runs the bundle only while every input has the content it was built from
  // (bin/fresh-build.js): the sources, and what else decides the output: package.json (the version,
  // "type"), tsconfig.json (esbuild reads it) and this script.
  const sources = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/'));
  const inputs = [...sources, 'package.json', 'tsconfig.json', 'scripts/build-cli.mjs'].map((p) =>
    recordInput(root, p, started),
  );
  writeFileSync(join(tmp, 'inputs.json'), `${JSON.stringify({ version: MANIFEST_VERSION, inputs })}\n`);
  // Swapped in whole, so a CLI started meanwhile sees the old build or the new one, never half of one.
  rmSync(out, { recursive: true, force: true });
  mkdirSync(outRoot, { recursive: true });
  renameSync(tmp, out);
  return sources.length;
}

try {
  const sources = await buildCli();
  console.log(`cloud-alerts CLI built: ${relative(root, out)}/main.js (${sources} sources)`);
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  if (!process.argv.includes('--optional')) throw err;
  console.warn(
    `cloud-alerts CLI not built (${err instanceof Error ? err.message : String(err)}); it will run from TypeScript, slower to start`,
  );
}
