import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-expect-error plain JavaScript without types: it runs before anything could compile TypeScript
import { freshBundle } from '../../../bin/fresh-build.js';

const fresh = freshBundle as (root: string) => string | undefined;

describe('bin/cloud-alerts.js: which CLI runs', () => {
  let root: string;
  const builtAt = Date.parse('2026-12-01T12:00:00Z');
  const at = (ms: number) => new Date(ms);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fresh-build-'));
    mkdirSync(join(root, 'cli'));
    mkdirSync(join(root, '.build', 'cli'), { recursive: true });
    for (const f of ['cli/main.ts', 'cli/replay.ts', 'package.json']) {
      writeFileSync(join(root, f), '');
      utimesSync(join(root, f), at(builtAt - 60_000), at(builtAt - 60_000));
    }
    writeFileSync(join(root, '.build', 'cli', 'main.js'), '');
    writeFileSync(
      join(root, '.build', 'cli', 'inputs.json'),
      JSON.stringify({ builtAt, inputs: ['cli/main.ts', 'cli/replay.ts', 'package.json'] }),
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('the bundle, when every source is older than the build', () => {
    expect(fresh(root)).toBe(pathToFileURL(join(root, '.build', 'cli', 'main.js')).href);
  });

  it('the TypeScript, once a source is edited after the build', () => {
    utimesSync(join(root, 'cli/replay.ts'), at(builtAt + 1000), at(builtAt + 1000));
    expect(fresh(root)).toBeUndefined();
  });

  it('the TypeScript, when a source is gone, there is no build, or its manifest is broken', () => {
    rmSync(join(root, 'cli/replay.ts'));
    expect(fresh(root)).toBeUndefined();
    writeFileSync(join(root, 'cli/replay.ts'), '');
    utimesSync(join(root, 'cli/replay.ts'), at(builtAt - 1), at(builtAt - 1));
    expect(fresh(root)).toBeDefined();
    writeFileSync(join(root, '.build', 'cli', 'inputs.json'), '{"inputs": "cli/main.ts"}');
    expect(fresh(root)).toBeUndefined();
    rmSync(join(root, '.build'), { recursive: true });
    expect(fresh(root)).toBeUndefined();
  });
});
