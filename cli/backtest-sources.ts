import { DEFAULT_S3_CONCURRENCY } from '../shared/backtest/s3.ts';
import { isS3Url, type S3Selection } from '../shared/backtest/s3-layout.ts';
import { terminalLine } from '../shared/util/terminal.ts';
import { parseTime } from '../shared/util/time.ts';

/** GetObject requests at once, at most: beyond this the machine's bandwidth, not S3, is the limit. */
const MAX_S3_CONCURRENCY = 64;

export interface SourceFlags {
  since?: string | undefined;
  until?: string | undefined;
  account?: string[] | undefined;
  region?: string[] | undefined;
  's3-concurrency'?: string | undefined;
}

export interface SourceOptions {
  selection: S3Selection;
  s3Concurrency: number;
}

/** `--account 1,2 --account 3` → ['1', '2', '3']. */
export function list(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/**
 * backtest's flags that select S3 keys, checked: a usage error's words, or the selection. They
 * select by key (CloudTrail's layout and file names), so they need an s3:// path to act on.
 */
export function readSourceOptions(
  paths: readonly string[],
  flags: SourceFlags,
  nowMs: number,
): SourceOptions | string {
  const accounts = list(flags.account);
  const regions = list(flags.region);
  const selecting =
    flags.since !== undefined || flags.until !== undefined || accounts.length > 0 || regions.length > 0;
  if (selecting && !paths.some(isS3Url))
    return '--since, --until, --account and --region select S3 keys: give an s3:// path (e.g. s3://bucket/AWSLogs/), or --athena TABLE';
  const selection: S3Selection = {};
  if (flags.since !== undefined) {
    const t = parseTime(flags.since, nowMs);
    if (t === undefined)
      return `--since ${terminalLine(flags.since)}: give a duration (7d, 12h, 30m) or an ISO time`;
    selection.sinceMs = t;
  }
  if (flags.until !== undefined) {
    const t = parseTime(flags.until, nowMs);
    if (t === undefined)
      return `--until ${terminalLine(flags.until)}: give a duration (7d, 12h, 30m) or an ISO time`;
    selection.untilMs = t;
  } else if (selection.sinceMs !== undefined) selection.untilMs = nowMs;
  if (
    selection.sinceMs !== undefined &&
    selection.untilMs !== undefined &&
    selection.sinceMs >= selection.untilMs
  )
    return '--since must be before --until';
  const badAccount = accounts.find((a) => !/^\d{12}$/.test(a));
  if (badAccount !== undefined) return `--account ${terminalLine(badAccount)}: an account ID is 12 digits`;
  const badRegion = regions.find((r) => !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(r));
  if (badRegion !== undefined) return `--region ${terminalLine(badRegion)}: a Region looks like eu-west-1`;
  if (accounts.length > 0) selection.accounts = accounts;
  if (regions.length > 0) selection.regions = regions;
  let s3Concurrency = DEFAULT_S3_CONCURRENCY;
  const c = flags['s3-concurrency'];
  if (c !== undefined) {
    s3Concurrency = Number(c);
    if (!/^\d+$/.test(c.trim()) || s3Concurrency < 1 || s3Concurrency > MAX_S3_CONCURRENCY)
      return `--s3-concurrency ${terminalLine(c)}: a whole number from 1 to ${MAX_S3_CONCURRENCY}`;
  }
  return { selection, s3Concurrency };
}
