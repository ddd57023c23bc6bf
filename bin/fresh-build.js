// Whether the CLI bundle (.build/cli, from scripts/build-cli.mjs) may run: plain JavaScript, since
// it decides whether anything needs compiling.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The bundle's URL when it was built after every source in it last changed; undefined when there
 * is no bundle, or a source is newer (edited since) or gone (its importer changed too).
 */
export function freshBundle(root) {
  const dir = join(root, '.build', 'cli');
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(manifest?.inputs) || typeof manifest.builtAt !== 'number') return undefined;
  for (const input of manifest.inputs) {
    if (typeof input !== 'string') return undefined;
    const stat = statSync(join(root, input), { throwIfNoEntry: false });
    if (!stat || stat.mtimeMs > manifest.builtAt) return undefined;
  }
  const main = join(dir, 'main.js');
  return statSync(main, { throwIfNoEntry: false }) ? pathToFileURL(main).href : undefined;
}
