import { readSourceOptions } from '../../../cli/backtest-sources.ts';
import { runCli } from '../../helpers/cli.ts';

const NOW = Date.UTC(2026, 11, 5, 12, 0);
const S3 = ['s3://trail/AWSLogs/'];

describe('backtest flags that select S3 keys', () => {
  it('reads durations and ISO times in UTC, accounts and Regions as repeatable comma lists', () => {
    expect(
      readSourceOptions(
        S3,
        { since: '7d', account: ['111122223333,444455556666', '777788889999'], region: ['eu-west-1'] },
        NOW,
      ),
    ).toEqual({
      selection: {
        sinceMs: NOW - 7 * 86_400_000,
        untilMs: NOW,
        accounts: ['111122223333', '444455556666', '777788889999'],
        regions: ['eu-west-1'],
      },
      s3Concurrency: 8,
    });
    expect(readSourceOptions(S3, { until: '2026-12-01T02:00', 's3-concurrency': '3' }, NOW)).toEqual({
      selection: { untilMs: Date.UTC(2026, 11, 1, 2, 0) },
      s3Concurrency: 3,
    });
  });

  it.each([
    [{ since: 'yesterday' }, '--since yesterday: give a duration (7d, 12h, 30m) or an ISO time'],
    [{ since: '1d', until: '2d' }, '--since must be before --until'],
    [{ account: ['12345'] }, '--account 12345: an account ID is 12 digits'],
    [{ region: ['Ireland'] }, '--region Ireland: a Region looks like eu-west-1'],
    [{ 's3-concurrency': '0' }, '--s3-concurrency 0: a whole number from 1 to 64'],
  ])('refuses %j', (flags, message) => {
    expect(readSourceOptions(S3, flags, NOW)).toBe(message);
  });

  it('needs an s3:// path to select from', () => {
    expect(readSourceOptions(['./AWSLogs'], { since: '7d' }, NOW)).toMatch(
      /^--since, --until, --account and --region select S3 keys/,
    );
  });

  it('the CLI exits 2 with the reason and its usage, before reading anything', async () => {
    const { code, stdout, stderr } = await runCli(['backtest', 'events', '--region', 'eu-west-1']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^backtest: --since, --until, --account and --region select S3 keys: .*\nUsage: cloud-alerts backtest/,
    );
  });

  it('an s3:// path without a bucket is bad input (exit 2), counted like a missing local path', async () => {
    const { code, stdout, stderr } = await runCli(['backtest', 's3://', '--json']);
    expect(code).toBe(2);
    expect(stderr).toBe('backtest: s3://: give s3://bucket or s3://bucket/prefix\n');
    expect(JSON.parse(stdout).errors.files).toEqual([
      { file: 's3://', error: 's3://: give s3://bucket or s3://bucket/prefix', recordsBefore: 0 },
    ]);
  });
});
