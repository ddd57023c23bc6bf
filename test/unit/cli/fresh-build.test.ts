import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-expect-error plain JavaScript without types: it runs before anything could compile TypeScript
import { freshBundle, MANIFEST_VERSION, recordInput } from '../../../bin/fresh-build.js';

const fresh = freshBundle as (root: string) => string | undefined;
type Input = { path: string; size?: number; mtimeMs?: number; ctimeMs?: number; sha256?: string | null };
const record = recordInput as (root: string, path: string, changedBefore: number, now?: number) => Input;

const FILES = ['cli/main.ts', 'cli/replay.ts', 'package.json', 'tsconfig.json'];

/** `cp -p`, `rsync -a`, `tar x`: new content, the old mtime put back. */
function replaceKeepingMtime(path: string, content: string) {
  const { atime, mtime } = statSync(path);
  writeFileSync(path, content);
  utimesSync(path, atime, mtime);
}

describe('bin/cloud-alerts.js: which CLI runs', () => {
  let root: string;
  const built = () => pathToFileURL(join(root, '.build', 'cli', 'main.js')).href;
  const writeManifest = (inputs: Input[]) =>
    writeFileSync(
      join(root, '.build', 'cli', 'inputs.json'),
      JSON.stringify({ version: MANIFEST_VERSION, inputs }),
    );
  // Recorded as a build that started now and finished a minute later: every file counts as settled,
  // so its times are recorded and the stat-only path is the one checked.
  const recordAll = () =>
    writeManifest(FILES.map((f) => record(root, f, Date.now() + 1000, Date.now() + 60_000)));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fresh-build-'));
    mkdirSync(join(root, 'cli'));
    mkdirSync(join(root, '.build', 'cli'), { recursive: true });
    for (const f of FILES) writeFileSync(join(root, f), `// ${f}\n`);
    writeFileSync(join(root, '.build', 'cli', 'main.js'), '');
    recordAll();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('the bundle, when no input changed', () => {
    expect(fresh(root)).toBe(built());
  });

  it('the TypeScript, once a source is edited, even with its old mtime put back (cp -p, touch -r)', () => {
    // Same size, same mtime: only the ctime (which no userland tool can set) and the content differ.
    replaceKeepingMtime(join(root, 'cli/replay.ts'), '// cli/replax.ts\n');
    expect(statSync(join(root, 'cli/replay.ts')).size).toBe('// cli/replay.ts\n'.length);
    expect(fresh(root)).toBeUndefined();
  });

  it('the TypeScript, once tsconfig.json or package.json changes', () => {
    replaceKeepingMtime(join(root, 'tsconfig.json'), '{"compilerOptions":{}}');
    expect(fresh(root)).toBeUndefined();
    writeFileSync(join(root, 'tsconfig.json'), '// tsconfig.json\n');
    expect(fresh(root)).toBe(built());
    writeFileSync(join(root, 'package.json'), '{"version":"9.9.9"}');
    expect(fresh(root)).toBeUndefined();
  });

  it('the bundle, when a file is touched or rewritten with the same content (checked by its hash)', () => {
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, 'cli/main.ts'), later, later);
    writeFileSync(join(root, 'cli/replay.ts'), '// cli/replay.ts\n');
    expect(fresh(root)).toBe(built());
  });

  it('trusts size, mtime and ctime when they all match: a start reads no source', () => {
    const manifest = FILES.map((f) => ({ ...record(root, f, Date.now() + 1000, Date.now() + 60_000) }));
    expect(manifest.every((i) => typeof i.mtimeMs === 'number' && typeof i.ctimeMs === 'number')).toBe(true);
    // A wrong hash goes unnoticed while the times match, so the hash was not computed.
    writeManifest(manifest.map((i) => ({ ...i, sha256: 'not the hash' })));
    expect(fresh(root)).toBe(built());
    utimesSync(join(root, 'cli/main.ts'), new Date(), new Date());
    expect(fresh(root)).toBeUndefined();
  });

  it('never trusts an input that changed after the build started, or times recorded within 2 s', () => {
    const start = Date.now() - 60_000;
    writeManifest(FILES.map((f) => record(root, f, start, Date.now() + 60_000)));
    expect(fresh(root)).toBeUndefined();
    const racy = record(root, 'cli/main.ts', Date.now() + 1000);
    expect(racy.mtimeMs).toBeUndefined();
    expect(typeof racy.sha256).toBe('string');
  });

  it('the TypeScript, when an input is gone, there is no build, or its manifest is old or broken', () => {
    rmSync(join(root, 'cli/replay.ts'));
    expect(fresh(root)).toBeUndefined();
    writeFileSync(join(root, 'cli/replay.ts'), '// cli/replay.ts\n');
    expect(fresh(root)).toBe(built());
    // The mtime-only manifest of the first version: not trusted, whatever it says.
    writeFileSync(
      join(root, '.build', 'cli', 'inputs.json'),
      JSON.stringify({ builtAt: Date.now() + 1e9, inputs: ['cli/main.ts'] }),
    );
    expect(fresh(root)).toBeUndefined();
    writeFileSync(join(root, '.build', 'cli', 'inputs.json'), '{"version": 2, "inputs": ["cli/main.ts"]}');
    expect(fresh(root)).toBeUndefined();
    rmSync(join(root, '.build'), { recursive: true });
    expect(fresh(root)).toBeUndefined();
  });

  it('an input absent at build time must stay absent', () => {
    writeManifest([record(root, 'cli/main.ts', Date.now() + 1000), record(root, 'cli/new.ts', 0)]);
    expect(fresh(root)).toBe(built());
    writeFileSync(join(root, 'cli/new.ts'), '');
    expect(fresh(root)).toBeUndefined();
  });
});

describe('scripts/build-cli.mjs: what the launcher checks', () => {
  const repo = resolve('.');
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'build-cli-'));
    for (const dir of ['cli', 'shared', 'bin', 'scripts/build-cli.mjs', 'package.json', 'tsconfig.json'])
      cpSync(join(repo, dir), join(root, dir), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    const build = spawnSync(process.execPath, [join(root, 'scripts/build-cli.mjs')], { encoding: 'utf8' });
    expect(build.status).toBe(0);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('records every bundled source, package.json, tsconfig.json and the build script itself', () => {
    const manifest = JSON.parse(readFileSync(join(root, '.build', 'cli', 'inputs.json'), 'utf8'));
    const paths = manifest.inputs.map((i: Input) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['cli/main.ts', 'package.json', 'tsconfig.json', 'scripts/build-cli.mjs']),
    );
    expect(paths.some((p: string) => p.startsWith('shared/'))).toBe(true);
    expect(fresh(root)).toBe(pathToFileURL(join(root, '.build', 'cli', 'main.js')).href);
  });

  it('a tsconfig.json or build script edited with its mtime put back makes the bundle stale', () => {
    const tsconfig = readFileSync(join(root, 'tsconfig.json'), 'utf8');
    replaceKeepingMtime(join(root, 'tsconfig.json'), `${tsconfig} `);
    expect(fresh(root)).toBeUndefined();
    replaceKeepingMtime(join(root, 'tsconfig.json'), tsconfig);
    expect(fresh(root)).toBeDefined();
    const script = readFileSync(join(root, 'scripts/build-cli.mjs'), 'utf8');
    replaceKeepingMtime(join(root, 'scripts/build-cli.mjs'), `${script}\n`);
    expect(fresh(root)).toBeUndefined();
  });
});
