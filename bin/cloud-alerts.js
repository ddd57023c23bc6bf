#!/usr/bin/env node
// Runs the CLI bundle that `npm install` builds (scripts/build-cli.mjs): plain JavaScript starts in a
// fraction of the time tsx takes to compile the TypeScript. Without a bundle, or when a source it was
// built from changed since, the TypeScript runs through tsx: an edited cli/*.ts never runs stale.
// CLOUD_ALERTS_CLI_TS=1 forces the TypeScript path.
import { fileURLToPath } from 'node:url';
import { freshBundle } from './fresh-build.js';

const built =
  process.env.CLOUD_ALERTS_CLI_TS === '1'
    ? undefined
    : freshBundle(fileURLToPath(new URL('..', import.meta.url)));
let main;
if (built) {
  try {
    ({ main } = await import(built));
  } catch (err) {
    // Removed between the check and the import (a rebuild swapping it in): the TypeScript is current.
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
}
if (!main) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
