import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { writeLogFiles } from '../shared/backtest/generate.ts';
import { DEFAULT_S3_CONCURRENCY } from '../shared/backtest/s3.ts';
import { BOOTSTRAP_KEYS } from '../test/aws/kit/clients.ts';
import { REGION, startMoto } from '../test/aws/kit/moto.ts';
import { spawnCli } from '../test/helpers/cli-process.ts';

export interface S3BacktestFigures {
  files: number;
  records: number;
  compressedBytes: number;
  bytesPerSecond: number;
  recordsPerSecond: number;
  runs: number;
  concurrency: number;
}

const BUCKET = 'bench-org-trail';
const ORG = 'o-bench00001';
/** A busy account's five-minute file, as in bench/backtest.ts. */
const RECORDS_PER_FILE = 2000;

/** `files` generated files (2,000 records each, default gzip level, as CloudTrail writes them). */
export async function benchBacktestS3(
  files = 40,
  runs = 2,
  concurrency = DEFAULT_S3_CONCURRENCY,
): Promise<S3BacktestFigures> {
  const moto = await startMoto();
  const dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-s3-bench-'));
  try {
    const set = writeLogFiles(dir, {
      seed: 20261205,
      files,
      recordsPerFile: RECORDS_PER_FILE,
      start: new Date(Date.UTC(2026, 10, 1)),
    });
    const s3 = new S3Client({
      endpoint: moto.endpoint,
      region: REGION,
      credentials: BOOTSTRAP_KEYS,
      forcePathStyle: true,
    });
    await s3.send(
      new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    for (const file of set.files) {
      const key = relative(dir, file).replace(/^AWSLogs\//, `AWSLogs/${ORG}/`);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(file) }));
    }
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
    Object.assign(env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: BOOTSTRAP_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: BOOTSTRAP_KEYS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NO_COLOR: '1',
    });
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < runs; i++) {
      const run = await spawnCli(
        ['backtest', `s3://${BUCKET}/AWSLogs/`, '--json', '--s3-concurrency', String(concurrency)],
        env,
      );
      if (run.code !== 0)
        throw new Error(`backtest s3:// failed (${run.code}): ${run.stderr.slice(0, 2000)}`);
      const summary: { records: { read: number } } = JSON.parse(run.stdout);
      if (summary.records.read !== set.records)
        throw new Error(`backtest s3:// read ${summary.records.read} records, expected ${set.records}`);
      best = Math.min(best, run.ms);
    }
    return {
      files: set.files.length,
      records: set.records,
      compressedBytes: set.compressedBytes,
      bytesPerSecond: (set.compressedBytes * 1000) / best,
      recordsPerSecond: (set.records * 1000) / best,
      runs,
      concurrency,
    };
  } finally {
    await moto.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The BENCHMARKS.md row and the note with its method. */
export function s3Rows(f: S3BacktestFigures): { rows: Array<[string, string, string]>; note: string } {
  const mbps = (f.bytesPerSecond / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 });
  return {
    rows: [
      [
        'S3 read throughput against moto (`cloud-alerts backtest s3://… --json`, whole process)',
        `${mbps} MB/s gzipped · ${Math.round(f.recordsPerSecond).toLocaleString('en-US')} records/s`,
        '—',
      ],
    ],
    note: `S3 figure: ${f.files} generated CloudTrail files (${f.records.toLocaleString('en-US')} records, ${(f.compressedBytes / 1e6).toFixed(1)} MB gzipped) uploaded to moto_server on 127.0.0.1 under an organisation trail's layout, read by the CLI as a child process with ${f.concurrency} GetObject requests in flight (--s3-concurrency); bytes and records over the whole wall time (listing and start-up included), best of ${f.runs} runs. moto is one Python process on the same machine, so this measures our reader and pipeline against a slow local S3, not AWS's network.`,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const figures = await benchBacktestS3(
    Number(process.env.BENCH_S3_FILES ?? 40),
    2,
    Number(process.env.BENCH_S3_CONCURRENCY ?? DEFAULT_S3_CONCURRENCY),
  );
  const { rows, note } = s3Rows(figures);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log(note);
}
