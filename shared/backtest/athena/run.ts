/**
 * Runs the prefilter query in Athena and turns its rows back into CloudTrail records: start, poll
 * with backoff to a final state, read the results page by page.
 * API: https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html,
 * API_GetQueryExecution.html, API_GetQueryResults.html (same folder).
 */
import type {
  GetQueryResultsCommandOutput,
  QueryExecution,
  StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { errorText } from '../files.ts';
import { ARRAY_COLUMNS, SELECTED, STRUCT_COLUMNS, type StructShape } from './sql.ts';

/** The three calls the run makes; the SDK behind it in use, a fake in unit tests. */
export interface AthenaApi {
  start(input: StartQueryExecutionCommandInput): Promise<string>;
  execution(id: string): Promise<QueryExecution>;
  results(id: string, nextToken?: string): Promise<GetQueryResultsCommandOutput>;
}

/** The SDK client, loaded on first use: other commands never pay for it. */
export async function sdkAthenaApi(env: NodeJS.ProcessEnv): Promise<AthenaApi> {
  const sdk = await import('@aws-sdk/client-athena');
  const endpoint = env.AWS_ENDPOINT_URL_ATHENA ?? env.AWS_ENDPOINT_URL;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const client = new sdk.AthenaClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) });
  return {
    async start(input) {
      const out = await client.send(new sdk.StartQueryExecutionCommand(input));
      if (!out.QueryExecutionId)
        throw new AthenaError('Athena started the query but returned no QueryExecutionId');
      return out.QueryExecutionId;
    },
    async execution(id) {
      const out = await client.send(new sdk.GetQueryExecutionCommand({ QueryExecutionId: id }));
      return out.QueryExecution ?? {};
    },
    results: (id, nextToken) =>
      client.send(
        new sdk.GetQueryResultsCommand({
          QueryExecutionId: id,
          // The most rows one page holds: https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html
          MaxResults: 1000,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      ),
  };
}

export class AthenaError extends Error {
  override name = 'AthenaError';
}

/** What the caller must be allowed, named when Athena or S3 says access is denied. */
export const ATHENA_PERMISSIONS = [
  'athena:StartQueryExecution, athena:GetQueryExecution, athena:GetQueryResults (on the workgroup)',
  'glue:GetDatabase, glue:GetTable, glue:GetPartitions (on the database and table)',
  's3:GetBucketLocation, s3:ListBucket, s3:GetObject (on the trail bucket)',
  's3:GetBucketLocation, s3:ListBucket, s3:GetObject, s3:PutObject, s3:AbortMultipartUpload (on the output location)',
  'kms:Decrypt (if the trail or the results are encrypted with a KMS key)',
];

/** Athena's and S3's reasons in plain words, naming the fix. */
export function plainReason(reason: string, where: { table: string; database?: string }): string {
  const db = where.database ?? 'the default database';
  if (/TABLE_NOT_FOUND|Table .* does not exist|EntityNotFound.*[Tt]able/.test(reason)) {
    return `table ${where.table} not found in ${db}: create it with the DDL in docs/backtest.md ("Through Athena"), or name the right --database (Athena: ${reason})`;
  }
  if (
    /SCHEMA_NOT_FOUND|Schema .* does not exist|Database .* (does not exist|not found)|EntityNotFound.*[Dd]atabase/.test(
      reason,
    )
  ) {
    return `database ${db} not found: name it with --database (Athena: ${reason})`;
  }
  if (/COLUMN_NOT_FOUND|cannot be resolved/.test(reason)) {
    return `the table lacks a column the backtest reads: recreate it with the current DDL in docs/backtest.md (Athena: ${reason})`;
  }
  if (/[Nn]o output location|output location.*(required|not (provided|specified))/.test(reason)) {
    return `Athena needs somewhere to write results: give --athena-output s3://bucket/prefix/, or a --workgroup that sets one (Athena: ${reason})`;
  }
  if (/access ?denied|permission denied|not authorized|unauthorizedoperation/i.test(reason)) {
    return `access denied (${reason}). The backtest needs:\n  ${ATHENA_PERMISSIONS.join('\n  ')}`;
  }
  return reason;
}

export interface QueryRun {
  id: string;
  /** Bytes Athena scanned (Statistics.DataScannedInBytes). */
  bytesScanned: number;
  /** The records, page by page. */
  batches: AsyncIterable<Record<string, unknown>[]>;
}

export interface RunOptions {
  sql: string;
  database?: string;
  workgroup?: string;
  outputLocation?: string;
  api: AthenaApi;
  /** Where the names in error messages come from. */
  table: string;
  sleep?: (ms: number) => Promise<void>;
}

const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 5_000;

/** Starts the query and waits for it; throws AthenaError with plain words when it does not succeed. */
export async function runQuery(opts: RunOptions): Promise<QueryRun> {
  const sleep = opts.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const where = { table: opts.table, ...(opts.database ? { database: opts.database } : {}) };
  let id: string;
  try {
    id = await opts.api.start({
      QueryString: opts.sql,
      ...(opts.database ? { QueryExecutionContext: { Database: opts.database } } : {}),
      ...(opts.workgroup ? { WorkGroup: opts.workgroup } : {}),
      ...(opts.outputLocation ? { ResultConfiguration: { OutputLocation: opts.outputLocation } } : {}),
    });
  } catch (err) {
    throw new AthenaError(`Athena refused the query: ${plainReason(errorText(err), where)}`, { cause: err });
  }
  let delay = FIRST_POLL_MS;
  for (;;) {
    let execution: QueryExecution;
    try {
      execution = await opts.api.execution(id);
    } catch (err) {
      throw new AthenaError(`cannot read the state of query ${id}: ${plainReason(errorText(err), where)}`, {
        cause: err,
      });
    }
    const state = execution.Status?.State;
    if (state === 'SUCCEEDED') {
      return {
        id,
        bytesScanned: execution.Statistics?.DataScannedInBytes ?? 0,
        batches: pages(opts.api, id, where),
      };
    }
    if (state === 'FAILED' || state === 'CANCELLED') {
      const reason =
        execution.Status?.StateChangeReason ??
        execution.Status?.AthenaError?.ErrorMessage ??
        'no reason given';
      throw new AthenaError(
        `query ${id} ${state === 'FAILED' ? 'failed' : 'was cancelled'}: ${plainReason(reason, where)}`,
      );
    }
    await sleep(delay);
    delay = Math.min(MAX_POLL_MS, Math.round(delay * 1.6));
  }
}

async function* pages(
  api: AthenaApi,
  id: string,
  where: { table: string; database?: string },
): AsyncGenerator<Record<string, unknown>[]> {
  let token: string | undefined;
  let first = true;
  do {
    let page: GetQueryResultsCommandOutput;
    try {
      page = await api.results(id, token);
    } catch (err) {
      throw new AthenaError(`cannot read the results of query ${id}: ${plainReason(errorText(err), where)}`, {
        cause: err,
      });
    }
    const names = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) =>
      (c.Name ?? '').toLowerCase(),
    );
    let rows = (page.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue));
    // A SELECT's first page starts with the column labels.
    if (first && rows[0] && names.length > 0 && rows[0].every((v, i) => v?.toLowerCase() === names[i]))
      rows = rows.slice(1);
    first = false;
    yield rows.map((values) => recordFromRow(names, values));
    token = page.NextToken;
  } while (token);
}

// ------------------------------------------------------------------------ rows back to records

const BY_COLUMN = new Map(SELECTED.map((s) => [s.column, s]));
/** CloudTrail booleans the table keeps as 'true'/'false'. */
const BOOLEANS = new Set(['readOnly']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A struct as JSON back under CloudTrail's names: Athena (Trino) writes an object keyed by the lowercase
 * field names, older engines a positional array (in the DDL's field order); a NULL field is dropped, as
 * CloudTrail leaves out what it does not know.
 */
function fromStruct(value: unknown, shape: StructShape): unknown {
  const entries = Object.entries(shape);
  if (!Array.isArray(value) && !isObject(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [i, [camel, sub]] of entries.entries()) {
    const lower = typeof sub === 'string' ? sub : camel.toLowerCase();
    const v = Array.isArray(value) ? value[i] : isObject(value) ? value[lower] : undefined;
    if (v === null || v === undefined) continue;
    const rebuilt = typeof sub === 'string' ? v : fromStruct(v, sub);
    if (rebuilt !== undefined) out[camel] = rebuilt;
  }
  return out;
}

const RESOURCE_SHAPE: StructShape = { ARN: 'arn', accountId: 'accountid', type: 'type' };

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One result row (column name → text, undefined for NULL) as the CloudTrail record it came from. */
export function recordFromRow(
  names: readonly string[],
  values: ReadonlyArray<string | undefined>,
): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [i, column] of names.entries()) {
    const text = values[i];
    const spec = BY_COLUMN.get(column);
    if (text === undefined || spec === undefined) continue;
    if (spec.kind === 'string') {
      record[spec.name] =
        BOOLEANS.has(spec.name) && (text === 'true' || text === 'false') ? text === 'true' : text;
    } else if (spec.kind === 'json-text') {
      // CloudTrail writes these as objects; the table holds their JSON text.
      const parsed = parseJson(text);
      record[spec.name] = parsed === undefined ? text : parsed;
    } else {
      const parsed = parseJson(text);
      const struct = Object.hasOwn(STRUCT_COLUMNS, spec.name) ? STRUCT_COLUMNS[spec.name] : undefined;
      if (struct) {
        const rebuilt = fromStruct(parsed, struct.fields);
        if (rebuilt !== undefined) record[spec.name] = rebuilt;
      } else if (Object.hasOwn(ARRAY_COLUMNS, spec.name) && Array.isArray(parsed)) {
        record[spec.name] = parsed.map((r) => fromStruct(r, RESOURCE_SHAPE) ?? {});
      }
    }
  }
  return record;
}

// ---------------------------------------------------------------------------------------- cost

/**
 * Athena's list price for SQL queries: $5.00 per TB scanned, each query rounded up to the next megabyte
 * with a 10 MB minimum (https://aws.amazon.com/athena/pricing/; the same terms at
 * https://athena.guide/articles/athena-basics-pricing-model). Taken in binary units (1 MB = 2^20 bytes,
 * 1 TB = 2^20 MB), as AWS bills data.
 */
export const USD_PER_TB_SCANNED = 5;
export const MIN_BILLED_MB = 10;
const MB = 2 ** 20;
const MB_PER_TB = 2 ** 20;

export function queryCostUsd(bytesScanned: number): number {
  const mb = Math.max(MIN_BILLED_MB, Math.ceil(bytesScanned / MB));
  return (mb / MB_PER_TB) * USD_PER_TB_SCANNED;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}
