// Whether the CLI bundle (.build/cli, from scripts/build-cli.mjs) may run: plain JavaScript, since
// it decides whether anything needs compiling.
//
// Each input the bundle was built from is recorded with its size, mtime, ctime and content hash.
// Times alone are not enough: `cp -p`, `touch -r`, `rsync -a` and `tar x` give a changed file an old
// mtime. They cannot give it an old ctime (only the kernel sets it, to now, on any write or utimes), so
// a file whose size, mtime and ctime all match is unchanged; one whose times differ is hashed, and the
// bundle runs only when its content is what was built. After a checkout that rewrote every file
// (new ctimes, same content) that is every input hashed on each start, about 8 ms for 1.2 MB, until
// the next `npm run build:cli` records the new times.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const MANIFEST_VERSION = 2;

/**
 * A file changed this close to its recording could change again within the same timestamp tick
 * (Linux stamps files from a clock that advances in jiffies, not nanoseconds), keeping times that
 * match: its times are not recorded, so it is always hashed (git's "racily clean" rule).
 */
const RACY_MS = 2000;

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const sameStat = (a, b) => a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;

/**
 * How an input is recorded. It gets no hash, so the bundle never counts as fresh until it is built
 * again, when it changed after `changedBefore` (the build's start: esbuild may have read the old
 * content) or while it was being hashed (stat, read, stat again).
 */
export function recordInput(root, path, changedBefore, now = Date.now()) {
  const full = join(root, path);
  const stat = statSync(full, { throwIfNoEntry: false });
  if (!stat) return { path, absent: true };
  const hash = sha256(full);
  const after = statSync(full, { throwIfNoEntry: false });
  const changed = Math.max(stat.mtimeMs, stat.ctimeMs);
  return {
    path,
    size: stat.size,
    ...(changed < now - RACY_MS && { mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs }),
    sha256: changed < changedBefore && after && sameStat(stat, after) ? hash : null,
  };
}

function unchanged(root, input) {
  if (typeof input?.path !== 'string') return false;
  const path = join(root, input.path);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (input.absent === true) return !stat;
  if (!stat || typeof input.sha256 !== 'string' || stat.size !== input.size) return false;
  if (sameStat(stat, input)) return true;
  try {
    return sha256(path) === input.sha256;
  } catch {
    return false;
  }
}

/**
 * The bundle's URL when every input it was built from (sources, package.json, tsconfig.json, the
 * build script) still has the content it was built from, and is still absent if it was absent;
 * undefined when there is no bundle, its manifest is from another version or broken, or an input
 * changed or is gone.
 */
export function freshBundle(root) {
  const dir = join(root, '.build', 'cli');
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (manifest?.version !== MANIFEST_VERSION || !Array.isArray(manifest.inputs)) return undefined;
  if (!manifest.inputs.every((input) => unchanged(root, input))) return undefined;
  const main = join(dir, 'main.js');
  return statSync(main, { throwIfNoEntry: false }) ? pathToFileURL(main).href : undefined;
}
