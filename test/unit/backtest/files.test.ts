import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { scanFile } from '../../../shared/backtest/files.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'backtest-files-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Records big enough that the gunzip stream cuts inside them, multi-byte characters included. */
function records(n: number): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    eventName: 'PutBucketTagging',
    eventID: `id-${i}`,
    tag: `${'é😀✓'.repeat(700 + (i % 13))} "quoted" [${i}] {x}`,
  }));
}

async function collect(file: string) {
  const values: unknown[] = [];
  let bytes = 0;
  const outcome = await scanFile(file, (v) => void values.push(...v), { onBytes: (b) => (bytes += b) });
  return { outcome, values, bytes };
}

describe('scanFile', () => {
  it('streams a gzipped log file record by record, multi-byte characters across chunks intact', async () => {
    const rs = records(300);
    const gz = gzipSync(JSON.stringify({ Records: rs }));
    const file = join(dir, 'log.json.gz');
    writeFileSync(file, gz);
    const { outcome, values, bytes } = await collect(file);
    expect(outcome).toEqual({ records: 300 });
    expect(values).toEqual(rs);
    expect(bytes).toBe(gz.length);
  });

  it('reads an uncompressed .json file the same way', async () => {
    const rs = records(40);
    const file = join(dir, 'log.json');
    writeFileSync(file, JSON.stringify({ Records: rs }, null, 1));
    const { outcome, values } = await collect(file);
    expect(outcome).toEqual({ records: 40 });
    expect(values).toEqual(rs);
  });

  it('reports a truncated uncompressed file after the records before the cut', async () => {
    const text = JSON.stringify({ Records: records(5) });
    const file = join(dir, 'cut.json');
    writeFileSync(file, text.slice(0, Math.floor(text.length * 0.7)));
    const { outcome, values } = await collect(file);
    expect(values.length).toBe(outcome.records);
    expect(outcome.records).toBeLessThan(5);
    expect(outcome.error).toMatch(/^truncated: the file ends inside/);
  });

  it('reports a .gz file that is not gzip', async () => {
    const file = join(dir, 'plain.json.gz');
    writeFileSync(file, '{"Records": []}');
    const { outcome } = await collect(file);
    expect(outcome).toEqual({ records: 0, error: 'cannot read: not a gzip file' });
  });

  it('reports a file that is not JSON', async () => {
    const file = join(dir, 'notes.json');
    writeFileSync(file, 'hello');
    expect((await collect(file)).outcome).toEqual({
      records: 0,
      error: 'expected a JSON object or array at character 0',
    });
  });
});
