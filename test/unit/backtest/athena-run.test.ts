import { readFileSync } from 'node:fs';
import type { GetQueryResultsCommandOutput, QueryExecution } from '@aws-sdk/client-athena';
import { athenaBacktest } from '../../../cli/backtest-athena.ts';
import type { CliIo } from '../../../cli/io.ts';
import {
  type AthenaApi,
  AthenaError,
  plainReason,
  queryCostUsd,
  recordFromRow,
  runQuery,
} from '../../../shared/backtest/athena/run.ts';
import { SELECTED } from '../../../shared/backtest/athena/sql.ts';
import { runCli } from '../../helpers/cli.ts';

const NAMES = SELECTED.map((s) => s.column);

/** The row Athena returns for a record: strings as text, structs as JSON objects keyed in lowercase. */
function rowOf(record: Record<string, unknown>): Array<string | undefined> {
  const lower = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(lower)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toLowerCase(), lower(x)]))
        : v;
  return SELECTED.map((s) => {
    const v = record[s.name];
    if (v === undefined || v === null) return undefined;
    if (s.kind === 'json') return JSON.stringify(lower(v));
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

function page(rows: Array<Array<string | undefined>>, next?: string): GetQueryResultsCommandOutput {
  return {
    $metadata: {},
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: NAMES.map((Name) => ({ Name, Type: 'varchar' })) },
      Rows: rows.map((r) => ({ Data: r.map((v) => (v === undefined ? {} : { VarCharValue: v })) })),
    },
    ...(next ? { NextToken: next } : {}),
  };
}

function fakeApi(states: QueryExecution[], pages: GetQueryResultsCommandOutput[]) {
  const calls: string[] = [];
  const api: AthenaApi = {
    async start(input) {
      calls.push(`start ${input.WorkGroup ?? '-'} ${input.QueryExecutionContext?.Database ?? '-'}`);
      return 'q-1';
    },
    async execution() {
      calls.push('execution');
      return states.shift() ?? { Status: { State: 'SUCCEEDED' } };
    },
    async results(_id, token) {
      calls.push(`results ${token ?? '-'}`);
      const next = pages.shift();
      if (!next) throw new Error('no more pages');
      return next;
    },
  };
  return { api, calls };
}

const rootLogin = JSON.parse(readFileSync('events/signin/console-login-root.json', 'utf8')).detail as Record<
  string,
  unknown
>;
const trailStop = JSON.parse(readFileSync('events/cloudtrail/stop-logging.json', 'utf8')).detail as Record<
  string,
  unknown
>;

describe('recordFromRow', () => {
  it('rebuilds the CloudTrail record under its own field names', () => {
    const rebuilt = recordFromRow(NAMES, rowOf(trailStop));
    expect(rebuilt.eventSource).toBe(trailStop.eventSource);
    expect(rebuilt.userIdentity).toEqual(
      JSON.parse(JSON.stringify(trailStop.userIdentity), (_k, v) => (v === null ? undefined : v)),
    );
    expect(rebuilt.requestParameters).toEqual(trailStop.requestParameters);
  });

  it('reads a struct written as a positional array (older engines) and readOnly as a boolean', () => {
    const names = ['eventsource', 'eventname', 'useridentity', 'readonly'];
    const rebuilt = recordFromRow(names, [
      's3.amazonaws.com',
      'PutBucketAcl',
      '["Root","p","arn:aws:iam::1:root","111122223333",null]',
      'false',
    ]);
    expect(rebuilt).toEqual({
      eventSource: 's3.amazonaws.com',
      eventName: 'PutBucketAcl',
      userIdentity: { type: 'Root', principalId: 'p', arn: 'arn:aws:iam::1:root', accountId: '111122223333' },
      readOnly: false,
    });
  });
});

describe('runQuery', () => {
  it('polls to a final state, then reads every page, skipping the header row', async () => {
    const { api, calls } = fakeApi(
      [
        { Status: { State: 'QUEUED' } },
        { Status: { State: 'RUNNING' } },
        { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 123_456_789 } },
      ],
      [page([NAMES, rowOf(rootLogin)], 't2'), page([rowOf(trailStop)])],
    );
    const slept: number[] = [];
    const run = await runQuery({
      sql: 'SELECT 1',
      table: 't',
      database: 'db',
      workgroup: 'wg',
      api,
      sleep: async (ms) => void slept.push(ms),
    });
    expect(run.bytesScanned).toBe(123_456_789);
    const records = [];
    for await (const batch of run.batches) records.push(...batch);
    expect(records.map((r) => r.eventName)).toEqual(['ConsoleLogin', 'StopLogging']);
    expect(calls).toEqual(['start wg db', 'execution', 'execution', 'execution', 'results -', 'results t2']);
    expect(slept).toEqual([250, 400]);
  });

  it('a failed query ends with its reason in plain words', async () => {
    const { api } = fakeApi(
      [
        {
          Status: {
            State: 'FAILED',
            StateChangeReason: "TABLE_NOT_FOUND: line 3:6: Table 'awsdatacatalog.db.trail' does not exist",
          },
        },
      ],
      [],
    );
    await expect(
      runQuery({ sql: 'x', table: 'trail', database: 'db', api, sleep: async () => {} }),
    ).rejects.toThrow(
      /query q-1 failed: table trail not found in db: create it with the DDL in docs\/backtest.md/,
    );
  });

  it('access denied names the permissions needed', () => {
    const text = plainReason('Access denied when writing output to url: s3://results/x.csv', { table: 't' });
    for (const action of [
      'athena:StartQueryExecution',
      'athena:GetQueryResults',
      'glue:GetTable',
      's3:PutObject',
      's3:GetObject',
    ]) {
      expect(text).toContain(action);
    }
  });

  it('a refused start is an AthenaError', async () => {
    const api: AthenaApi = {
      start: async () => {
        throw Object.assign(
          new Error('User: arn:aws:iam::1:user/x is not authorized to perform: athena:StartQueryExecution'),
          { name: 'AccessDeniedException' },
        );
      },
      execution: async () => ({}),
      results: async () => page([]),
    };
    await expect(runQuery({ sql: 'x', table: 't', api })).rejects.toBeInstanceOf(AthenaError);
  });
});

describe('queryCostUsd', () => {
  it('charges $5 per TB, rounded up to the MB, with a 10 MB minimum', () => {
    expect(queryCostUsd(0)).toBeCloseTo((10 / 2 ** 20) * 5, 12);
    expect(queryCostUsd(10 * 2 ** 20 + 1)).toBeCloseTo((11 / 2 ** 20) * 5, 12);
    expect(queryCostUsd(2 ** 40)).toBe(5);
  });
});

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdin: process.stdin,
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s),
    env: {},
    isTTY: false,
    out,
    err,
  };
}

describe('backtest --athena', () => {
  it('--print-sql prints the query and calls nothing', async () => {
    const t = io();
    const api: AthenaApi = {
      start: async () => {
        throw new Error('called');
      },
      execution: async () => ({}),
      results: async () => page([]),
    };
    const code = await athenaBacktest(
      { athena: 'trail', 'print-sql': true, since: '2026-11-01', 'date-partition': 'timestamp' },
      [],
      t,
      { api },
    );
    expect({ code, err: t.err.join('') }).toEqual({ code: 0, err: '' });
    const sql = t.out.join('');
    expect(sql).toMatch(/^SELECT eventversion,/);
    expect(sql).toContain('FROM "trail"');
    expect(sql).toContain(`"timestamp" >= '2026/11/01'`);
    expect(sql).toContain("eventtime >= '2026-11-01T00:00:00Z'");
  });

  it('runs the candidates through the rules and prints bytes scanned and the cost', async () => {
    const t = io();
    const { api } = fakeApi(
      [{ Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 3 * 2 ** 30 } }],
      [page([NAMES, rowOf(rootLogin), rowOf(trailStop)])],
    );
    const code = await athenaBacktest({ athena: 'trail', database: 'db' }, [], t, { api });
    const out = t.out.join('');
    expect({ code, err: t.err.join('') }).toEqual({ code: 0, err: '' });
    expect(out).toMatch(/^2 record\(s\) in 1 file\(s\) .*; 2 matched a rule, 2 alert\(s\)/);
    expect(out).toContain('Athena: query q-1 scanned 3.00 GB, $0.0146 at the list price');
  });

  it('a failed query exits 1 with the reason', async () => {
    const t = io();
    const { api } = fakeApi(
      [{ Status: { State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' } }],
      [],
    );
    expect(await athenaBacktest({ athena: 'trail' }, [], t, { api })).toBe(1);
    expect(t.err.join('')).toBe('backtest: query q-1 was cancelled: Query cancelled by user\n');
  });

  it('refuses paths, a bad output location and a bad account before any call', async () => {
    for (const [flags, paths] of [
      [{ athena: 'trail' }, ['./AWSLogs']],
      [{ athena: 'trail', 'athena-output': 'bucket/x' }, []],
      [{ athena: 'trail', account: ["1' OR '1"] }, []],
      [{ 'print-sql': true }, []],
    ] as const) {
      const t = io();
      expect(await athenaBacktest({ ...flags }, [...paths], t)).toBe(2);
    }
  });

  it('refuses an --html path it cannot write before it queries anything', async () => {
    const { code, stdout, stderr } = await runCli([
      'backtest',
      '--athena',
      'cloudtrail_logs',
      '--database',
      'db',
      '--html',
      '/no-such-folder/report.html',
    ]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(
      /^backtest: cannot write --html \/no-such-folder\/report\.html: no such file or folder/,
    );
  });

  it('without --athena, its flags are refused instead of ignored', async () => {
    const flagOnly = await runCli(['backtest', 'events', '--workgroup', 'wg', '--database', 'db']);
    expect({ code: flagOnly.code, stderr: flagOnly.stderr }).toEqual({
      code: 2,
      stderr: 'backtest: --database, --workgroup need --athena TABLE\n',
    });
    // The selection flags belong to s3:// paths and --athena alike.
    const since = await runCli(['backtest', 'events', '--since', '7d']);
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/give an s3:\/\/ path .*, or --athena TABLE/);
  });
});
