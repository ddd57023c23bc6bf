import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createBacktest } from '../../../shared/backtest/backtest.ts';
import { writeLogFiles } from '../../../shared/backtest/generate.ts';
import { MAX_UNACKED, type ReaderPool, startReaderPool } from '../../../shared/backtest/pool.ts';
import { fileRef, type LogRef } from '../../../shared/backtest/sources.ts';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { ConfigSchema } from '../../../shared/config/schema.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { listFiles } from '../../../shared/replay/load.ts';
import { detailOf, loadEvent } from '../../helpers/events.ts';

/**
 * A backtest on every core must give exactly what one core gives: the same counts, alerts,
 * suppressions, grouping summaries and previews, whatever order the workers finish in.
 */
const rules = readServerlessRules('serverless.yml', { stage: 'dev' });
// Grouping and dedupe windows span files, so the order records are applied in changes the result.
const config = ConfigSchema.parse({
  ...loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' }),
  grouping: { windowMinutes: 10 },
});

let dir: string;
let pool: ReaderPool | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'backtest-parallel-'));
  // Many small files, a high share of dangerous calls: workers race, and items outnumber the
  // chunks a worker may send ahead (MAX_UNACKED).
  writeLogFiles(join(dir, 'gen'), {
    seed: 7,
    files: 14,
    recordsPerFile: 400,
    dangerShare: 0.2,
    start: new Date(Date.UTC(2026, 9, 1)),
  });
  const burst = detailOf(loadEvent('iam/create-user.json'));
  const t0 = Date.parse(String(burst.eventTime));
  // A burst split over two files: one grouping window whose summary depends on both, in order.
  const users = (from: number, n: number) =>
    Array.from({ length: n }, (_, k) => ({
      ...burst,
      eventID: `burst-${from + k}`,
      eventTime: new Date(t0 + (from + k) * 20_000).toISOString(),
      requestParameters: { userName: `user-${from + k}` },
    }));
  mkdirSync(join(dir, 'odd'));
  writeFileSync(join(dir, 'odd', 'a-burst.json'), JSON.stringify({ Records: users(0, 6) }));
  writeFileSync(join(dir, 'odd', 'b-burst.json.gz'), gzipSync(JSON.stringify({ Records: users(6, 6) })));
  // Malformed records, a truncated file, a file that is not JSON, an EventBridge event.
  writeFileSync(
    join(dir, 'odd', 'c-malformed.json'),
    `{"Records":[${JSON.stringify(burst)},42,{"unrelated":true},{"eventSource":1},${JSON.stringify(burst)}]}`,
  );
  const whole = gzipSync(JSON.stringify({ Records: users(20, 30) }));
  writeFileSync(join(dir, 'odd', 'd-truncated.json.gz'), whole.subarray(0, whole.length - 40));
  writeFileSync(join(dir, 'odd', 'e-not-json.json'), 'not json at all');
  writeFileSync(
    join(dir, 'odd', 'f-alarm.json'),
    JSON.stringify(loadEvent('cloudwatch/lambda-errors-alarm.json')),
  );
});
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(refs: LogRef[], withPool?: ReaderPool) {
  const backtest = createBacktest({ rules, config });
  const objects: string[] = [];
  let bytes = 0;
  let records = 0;
  await backtest.runLogs(refs, {
    ...(withPool ? { pool: withPool } : {}),
    onObject: (ref) => objects.push(ref.kind === 'file' ? ref.path : '?'),
    onBytes: (n) => {
      bytes += n;
    },
    onRecords: (n) => {
      records += n;
    },
  });
  await backtest.finish();
  return { summary: backtest.summary(), previews: backtest.previews(), objects, bytes, records };
}

describe('backtest on every core', () => {
  it('gives exactly the one-core result, in the listed order, on 1, 2 and 3 workers', async () => {
    const refs = listFiles(dir).map(fileRef);
    expect(refs.length).toBe(20);
    const one = await run(refs);
    // The set exercises what ordering can change: summaries, suppressions, every error kind.
    expect(one.summary.alerts.byRule.some((r) => r.rule === 'alert-group-summary')).toBe(true);
    expect(one.summary.suppressed.total).toBeGreaterThan(0);
    expect(one.summary.records.malformed).toBeGreaterThan(0);
    expect(one.summary.files.failed).toBe(2);
    expect(one.summary.alerts.total).toBeGreaterThan(MAX_UNACKED * 4);
    for (const size of [1, 2, 3]) {
      pool = startReaderPool(size);
      const many = await run(refs, pool);
      expect(many.summary).toEqual(one.summary);
      expect(many.previews).toEqual(one.previews);
      expect(many.objects).toEqual(refs.map((r) => (r.kind === 'file' ? r.path : '?')));
      expect(many.bytes).toBe(one.bytes);
      expect(many.records).toBe(one.records);
      await pool.close();
      pool = undefined;
    }
  });

  it('would differ if the order were not kept: the set is order-sensitive', async () => {
    const refs = listFiles(dir).map(fileRef);
    const inOrder = await run(refs);
    const reversed = await run([...refs].reverse());
    expect(reversed.summary).not.toEqual(inOrder.summary);
  });

  it('counts an object whose reader thread died as a failed file, and goes on', async () => {
    // Empty: the thread may die after handing over what it read, as a truncated file's records count.
    const crash = join(dir, 'crash-me.json');
    writeFileSync(crash, JSON.stringify({ Records: [] }));
    try {
      const refs = [...listFiles(join(dir, 'odd')), crash, ...listFiles(join(dir, 'gen')).slice(0, 3)].map(
        fileRef,
      );
      pool = startReaderPool(2, {
        workerUrl: new URL('../../fixtures/backtest/crashing-worker.mjs', import.meta.url),
      });
      const result = await run(refs, pool);
      const healthy = await run(refs.filter((r) => r.kind === 'file' && r.path !== crash));
      expect(result.summary.files).toEqual({
        read: healthy.summary.files.read,
        failed: healthy.summary.files.failed + 1,
      });
      expect(result.summary.errors.files.find((f) => f.file === crash)?.error).toBe(
        `the reader stopped: reader thread crashed on purpose (${crash})`,
      );
      // Everything after it was still read, in order.
      expect(result.summary.records.read).toBe(healthy.summary.records.read);
      expect(result.summary.alerts).toEqual(healthy.summary.alerts);
    } finally {
      rmSync(crash, { force: true });
    }
  });

  it('hands over a matched record nested too deep to copy, and a huge one, as one core reads them (found in review)', async () => {
    const record = detailOf(loadEvent('iam/create-user.json'));
    const odd = join(dir, 'pathological');
    mkdirSync(odd, { recursive: true });
    try {
      // 200,000 levels: JSON.parse reads it, JSON.stringify and structured cloning overflow the stack.
      const deep = `${JSON.stringify(record).slice(0, -1)},"zz":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
      // 1,000,000 empty objects in one record: the copy between threads is large.
      const wide = `${JSON.stringify({ ...record, eventID: 'wide' }).slice(0, -1)},"zz":[${'{},'.repeat(999_999)}{}]}`;
      writeFileSync(join(odd, 'a-deep.json.gz'), gzipSync(`{"Records":[${JSON.stringify(record)},${deep}]}`));
      writeFileSync(join(odd, 'b-wide.json.gz'), gzipSync(`{"Records":[${wide}]}`));
      writeFileSync(join(odd, 'c-plain.json'), JSON.stringify({ Records: [record] }));
      const refs = listFiles(odd).map(fileRef);
      const one = await run(refs);
      expect(one.summary.files).toEqual({ read: 3, failed: 0 });
      expect(one.summary.records.matched).toBe(4);
      pool = startReaderPool(2);
      const many = await run(refs, pool);
      expect(many.summary).toEqual(one.summary);
      expect(many.previews).toEqual(one.previews);
    } finally {
      rmSync(odd, { recursive: true, force: true });
    }
  });

  it('refuses a pool without workers', () => {
    expect(() => startReaderPool(0)).toThrow('a reader pool needs at least one worker; got 0');
  });

  it('leaves no thread behind: the pool closes', async () => {
    pool = startReaderPool(2);
    const refs = listFiles(join(dir, 'gen')).slice(0, 2).map(fileRef);
    await run(refs, pool);
    await pool.close();
    pool = undefined;
    expect(readdirSync(dir).length).toBeGreaterThan(0);
  });
});
