/**
 * The CloudTrail table AWS documents for Athena, built in DuckDB from records, so the prefilter SQL
 * (shared/backtest/athena/sql.ts) can be evaluated locally: the same column names and types (STRING
 * columns, the userIdentity / tlsDetails / addendum structs, JSON-text columns), filled the way the Hive
 * JSON SerDe fills them: a JSON string is its text, absent or null is NULL, any other value its JSON
 * text, a struct whose field is not an object NULL.
 * https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table.html
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { SELECTED, STRUCT_COLUMNS, type StructShape } from '../../shared/backtest/athena/sql.ts';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function structType(shape: StructShape): string {
  const fields = Object.entries(shape).map(([camel, sub]) =>
    typeof sub === 'string'
      ? `"${sub}" ${camel === 'attributes' ? 'MAP(VARCHAR, VARCHAR)' : 'VARCHAR'}`
      : `"${camel.toLowerCase()}" ${structType(sub)}`,
  );
  return `STRUCT(${fields.join(', ')})`;
}

function structValue(v: unknown, shape: StructShape): Record<string, unknown> | null {
  if (!isObject(v)) return null;
  const out: Record<string, unknown> = {};
  for (const [camel, sub] of Object.entries(shape)) {
    if (typeof sub === 'string') {
      // The one map (webIdFederationData.attributes) holds nothing the prefilter reads.
      out[sub] = camel === 'attributes' ? null : text(v[camel]);
    } else out[camel.toLowerCase()] = structValue(v[camel], sub);
  }
  return out;
}

/** Column name → DuckDB type, in the table's order, plus `row_id` (the record's index). */
function columnTypes(): Record<string, string> {
  const types: Record<string, string> = { row_id: 'INTEGER' };
  for (const s of SELECTED) {
    if (s.kind !== 'json') types[s.column] = 'VARCHAR';
    else if (s.column === 'resources')
      types[s.column] = 'STRUCT(arn VARCHAR, accountid VARCHAR, type VARCHAR)[]';
    else {
      const struct = Object.values(STRUCT_COLUMNS).find((x) => x.column === s.column);
      types[s.column] = struct ? structType(struct.fields) : 'VARCHAR';
    }
  }
  return types;
}

function row(record: unknown, index: number): Record<string, unknown> {
  const r = isObject(record) ? record : {};
  const out: Record<string, unknown> = { row_id: index };
  for (const s of SELECTED) {
    if (s.kind !== 'json') out[s.column] = text(r[s.name]);
    else if (s.column === 'resources') out[s.column] = null;
    else {
      const struct = Object.values(STRUCT_COLUMNS).find((x) => x.column === s.column);
      out[s.column] = struct ? structValue(r[s.name], struct.fields) : null;
    }
  }
  return out;
}

export interface LocalTable {
  /** Runs a query and returns its rows as arrays of JS values. */
  query(sql: string): Promise<unknown[][]>;
  /** row_id of the records a WHERE condition selects. */
  selected(where: string): Promise<Set<number>>;
  close(): void;
}

/** A DuckDB table named `table` holding `records` (row_id = index in `records`). */
export async function cloudTrailTable(
  records: readonly unknown[],
  table = 'cloudtrail_logs',
): Promise<LocalTable> {
  const dir = mkdtempSync(join(tmpdir(), 'athena-duckdb-'));
  const file = join(dir, 'rows.ndjson');
  writeFileSync(file, records.map((r, i) => JSON.stringify(row(r, i))).join('\n'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const columns = Object.entries(columnTypes())
    .map(([name, type]) => `"${name}": '${type.replaceAll("'", "''")}'`)
    .join(', ');
  await connection.run(
    `CREATE TABLE ${table} AS SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {${columns}}, maximum_object_size = 67108864)`,
  );
  rmSync(dir, { recursive: true, force: true });
  const query = async (sql: string) => (await connection.runAndReadAll(sql)).getRows() as unknown[][];
  return {
    query,
    async selected(where) {
      const rows = await query(`SELECT row_id FROM ${table} WHERE ${where}`);
      return new Set(rows.map((r) => Number(r[0])));
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
