import { readFileSync } from 'node:fs';
import { AthenaClient, GetQueryExecutionCommand, ListQueryExecutionsCommand } from '@aws-sdk/client-athena';
import { SELECTED } from '../../shared/backtest/athena/sql.ts';
import { runCli } from '../helpers/cli.ts';
import { BOOTSTRAP_KEYS } from './kit/clients.ts';
import { MOTO_ACCOUNT, type Moto, REGION, startMoto } from './kit/moto.ts';

/**
 * `cloud-alerts backtest --athena` against moto's Athena (moto_server on 127.0.0.1, started here). moto
 * runs no SQL: GetQueryResults returns the rows queued through /moto-api/static/athena/query-results
 * (https://docs.getmoto.org/en/latest/docs/services/athena.html), so the rows here stand for what the
 * prefilter would select; that the prefilter selects the right rows is test/unit/backtest/athena-sql.test.ts.
 */
const detail = (file: string) => JSON.parse(readFileSync(file, 'utf8')).detail as Record<string, unknown>;
const records = [
  detail('events/signin/console-login-root.json'),
  detail('events/cloudtrail/stop-logging.json'),
  detail('events/s3/delete-bucket-policy.json'),
];

function lowerKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(lowerKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toLowerCase(), lowerKeys(x)]));
}

/** A record as Athena returns it: each selected column's text, structs as JSON objects in lowercase. */
function row(record: Record<string, unknown>) {
  return {
    Data: SELECTED.map((s) => {
      const v = record[s.name];
      if (v === undefined || v === null) return {};
      if (s.kind === 'json') return { VarCharValue: JSON.stringify(lowerKeys(v)) };
      return { VarCharValue: typeof v === 'string' ? v : JSON.stringify(v) };
    }),
  };
}

async function queueResults(moto: Moto, rows: unknown[]): Promise<void> {
  const response = await fetch(`${moto.endpoint}/moto-api/static/athena/query-results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      account_id: MOTO_ACCOUNT,
      region: REGION,
      results: [
        { rows, column_info: SELECTED.map((s) => ({ Name: s.column, Label: s.column, Type: 'varchar' })) },
      ],
    }),
  });
  if (response.status !== 201) throw new Error(`moto refused the seeded results: HTTP ${response.status}`);
}

/** The AWS settings of the caller's environment (the SDK's own warning switch stays). */
const awsSettings = () =>
  Object.keys(process.env).filter(
    (k) => k.startsWith('AWS_') && k !== 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
  );

describe('backtest --athena against moto', () => {
  let moto: Moto;
  const saved = { ...process.env };

  beforeAll(async () => {
    moto = await startMoto();
    // The SDK's default chain reads the process environment: point it at moto only, with moto's keys.
    for (const key of awsSettings()) delete process.env[key];
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: BOOTSTRAP_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: BOOTSTRAP_KEYS.secretAccessKey,
      AWS_MAX_ATTEMPTS: '1',
    });
  });
  afterAll(async () => {
    for (const key of awsSettings()) delete process.env[key];
    Object.assign(process.env, saved);
    await moto?.stop();
  });

  it('sends the query, rebuilds the rows into records and runs them through the rules', async () => {
    await queueResults(moto, [
      { Data: SELECTED.map((s) => ({ VarCharValue: s.column })) },
      ...records.map(row),
    ]);
    const args = [
      'backtest',
      '--athena',
      'cloudtrail_logs',
      '--database',
      'trails',
      '--athena-output',
      's3://athena-results/backtest/',
    ];
    const { code, stdout, stderr } = await runCli([...args, '--json'], { env: process.env });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const summary = JSON.parse(stdout);
    expect(summary.records).toEqual({ read: 3, matched: 3, malformed: 0 });
    expect(summary.alerts.total).toBeGreaterThanOrEqual(3);
    expect(summary.athena).toEqual({
      queryExecutionId: expect.any(String),
      bytesScanned: 0,
      costUsd: (10 / 2 ** 20) * 5,
    });

    // What reached moto is the query --print-sql shows, in the database and output location given.
    const client = new AthenaClient({ endpoint: moto.endpoint, region: REGION, credentials: BOOTSTRAP_KEYS });
    const execution = (
      await client.send(new GetQueryExecutionCommand({ QueryExecutionId: summary.athena.queryExecutionId }))
    ).QueryExecution;
    const printed = await runCli([...args, '--print-sql'], { env: process.env });
    expect(`${execution?.Query};\n`).toBe(printed.stdout);
    expect(execution?.QueryExecutionContext?.Database).toBe('trails');
    expect(execution?.ResultConfiguration?.OutputLocation).toMatch(/^s3:\/\/athena-results\/backtest\//);
    expect((await client.send(new ListQueryExecutionsCommand({}))).QueryExecutionIds).toHaveLength(1);
  });

  it('prints the cost line in text mode', async () => {
    await queueResults(moto, [
      { Data: SELECTED.map((s) => ({ VarCharValue: s.column })) },
      row(records[0] as Record<string, unknown>),
    ]);
    const { code, stdout } = await runCli(['backtest', '--athena', 'cloudtrail_logs'], { env: process.env });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^1 record\(s\) in 1 file\(s\)/);
    expect(stdout).toMatch(
      /Athena: query \S+ scanned 0 B, \$0\.0000 at the list price \(\$5 per TB, 10 MB minimum\)/,
    );
  });

  it('a query Athena refuses ends with exit 1 and the reason', async () => {
    const { code, stdout, stderr } = await runCli(
      ['backtest', '--athena', 'cloudtrail_logs', '--workgroup', 'no-such-group'],
      {
        env: process.env,
      },
    );
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toMatch(/^backtest: Athena refused the query: .*WorkGroup does not exist/);
  });
});
