/**
 * EventBridge patterns → a SQL prefilter over the CloudTrail table AWS documents for Athena
 * (https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table.html, and with partition projection
 * https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table-partition-projection.html).
 *
 * The one promise: a row is left out only when the pattern engine could not match the event
 * wrapCloudTrailRecord makes of it. Every translation is a necessary condition of the match; what SQL
 * cannot say exactly (JSON-string columns, case folding, IP ranges, numbers) becomes TRUE, never a guess.
 * The real rules then run locally on what is selected, so a loose prefilter costs bytes, not alerts.
 *
 * The SQL keeps to what DuckDB and Athena's engine (Trino) read alike, so the superset test can run it in
 * DuckDB: = / <> / IN / LIKE … ESCAPE, IS NULL, TRY_CAST, AND / OR, single-quoted literals.
 *
 * What the table holds, as the superset argument assumes (and the DuckDB test builds): a CloudTrail field
 * that is a JSON string is the column's text; absent or JSON null is NULL; another JSON value (number,
 * boolean, array, object) is its JSON text, as the Hive JSON SerDe renders non-string values into STRING
 * columns; a struct column whose field is not a JSON object is NULL.
 */

import { compilePattern, matchPattern } from '../../eventbridge/pattern.ts';
import { isPlainObject } from '../../eventbridge/pattern-leaf.ts';
import { parseIp, parseWildcard } from '../../eventbridge/pattern-values.ts';
import { CLOUDTRAIL_API_CALL, CONSOLE_SIGNIN_DETAIL_TYPES } from '../../events/envelope.ts';

/** The detail-types wrapCloudTrailRecord can give a record (shared/replay/load.ts). */
const SIGNIN_TYPE = CONSOLE_SIGNIN_DETAIL_TYPES[0];
const SERVICE_TYPE = 'AWS Service Event via CloudTrail';

/** CloudTrail's top-level fields the documented table holds as plain STRING columns. */
const STRING_COLUMNS: Readonly<Record<string, string>> = {
  eventVersion: 'eventversion',
  eventTime: 'eventtime',
  eventSource: 'eventsource',
  eventName: 'eventname',
  awsRegion: 'awsregion',
  sourceIPAddress: 'sourceipaddress',
  userAgent: 'useragent',
  errorCode: 'errorcode',
  errorMessage: 'errormessage',
  requestID: 'requestid',
  eventID: 'eventid',
  readOnly: 'readonly',
  eventType: 'eventtype',
  apiVersion: 'apiversion',
  recipientAccountId: 'recipientaccountid',
  sharedEventID: 'sharedeventid',
  vpcEndpointId: 'vpcendpointid',
  vpcEndpointAccountId: 'vpcendpointaccountid',
  eventCategory: 'eventcategory',
  sessionCredentialFromConsole: 'sessioncredentialfromconsole',
};

/** Fields the table keeps as JSON text (STRING): patterns under them cannot be checked in SQL. */
export const JSON_TEXT_COLUMNS: Readonly<Record<string, string>> = {
  requestParameters: 'requestparameters',
  responseElements: 'responseelements',
  additionalEventData: 'additionaleventdata',
  serviceEventDetails: 'serviceeventdetails',
  edgeDeviceDetails: 'edgedevicedetails',
};

/** The STRUCT columns, with CloudTrail's field names for each struct field (Athena lowercases them). */
export interface StructShape {
  readonly [camel: string]: string | StructShape;
}
export const STRUCT_COLUMNS: Readonly<Record<string, { column: string; fields: StructShape }>> = {
  userIdentity: {
    column: 'useridentity',
    fields: {
      type: 'type',
      principalId: 'principalid',
      arn: 'arn',
      accountId: 'accountid',
      invokedBy: 'invokedby',
      accessKeyId: 'accesskeyid',
      userName: 'username',
      onBehalfOf: { userId: 'userid', identityStoreArn: 'identitystorearn' },
      sessionContext: {
        attributes: { mfaAuthenticated: 'mfaauthenticated', creationDate: 'creationdate' },
        sessionIssuer: {
          type: 'type',
          principalId: 'principalid',
          arn: 'arn',
          accountId: 'accountid',
          userName: 'username',
        },
        ec2RoleDelivery: 'ec2roledelivery',
        webIdFederationData: { federatedProvider: 'federatedprovider', attributes: 'attributes' },
      },
    },
  },
  tlsDetails: {
    column: 'tlsdetails',
    fields: {
      tlsVersion: 'tlsversion',
      cipherSuite: 'ciphersuite',
      clientProvidedHostHeader: 'clientprovidedhostheader',
    },
  },
  addendum: {
    column: 'addendum',
    fields: {
      reason: 'reason',
      updatedFields: 'updatedfields',
      originalRequestID: 'originalrequestid',
      originalEventID: 'originaleventid',
    },
  },
};

/** The array column: patterns under it become TRUE (array elements are not SQL-comparable here). */
export const ARRAY_COLUMNS: Readonly<Record<string, string>> = { resources: 'resources' };

const TRUE = 'TRUE';
const FALSE = 'FALSE';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A SQL string literal; undefined for text a literal should not carry (control characters, lone surrogates). */
export function sqlString(s: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(s) || LONE_SURROGATE.test(s)) return undefined;
  return `'${s.replaceAll("'", "''")}'`;
}

/** A quoted identifier (`db.table` → "db"."table"); a double quote inside is doubled. */
export function sqlIdentifier(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}

/** LIKE patterns escape with `!`: both engines accept ESCAPE '!', and it needs no care in a literal. */
function likeText(s: string): string {
  return s.replace(/[!%_]/g, (c) => `!${c}`);
}

function like(column: string, pattern: string): string | undefined {
  const lit = sqlString(pattern);
  return lit === undefined ? undefined : `${column} LIKE ${lit} ESCAPE '!'`;
}

function or(parts: string[]): string {
  if (parts.includes(TRUE)) return TRUE;
  const kept = [...new Set(parts.filter((p) => p !== FALSE))];
  if (kept.length === 0) return FALSE;
  return kept.length === 1 ? (kept[0] as string) : `(${kept.join(' OR ')})`;
}

function and(parts: string[]): string {
  if (parts.includes(FALSE)) return FALSE;
  const kept = [...new Set(parts.filter((p) => p !== TRUE))];
  if (kept.length === 0) return TRUE;
  return kept.length === 1 ? (kept[0] as string) : `(${kept.join(' AND ')})`;
}

/** The column holds something other than a JSON string: an array, an object, a number or a boolean. */
function notAString(c: string): string {
  return `(${c} LIKE '[%' OR ${c} LIKE '{%' OR ${c} IN ('true', 'false') OR TRY_CAST(${c} AS DOUBLE) IS NOT NULL)`;
}

/**
 * One matcher list against a column that holds the field as described at the top. `stringOnly`: the
 * value the pattern sees is always this column's text when it is a string (awsRegion for `region`), so
 * no array or non-string case needs admitting.
 */
function leafOnColumn(list: readonly unknown[], c: string, stringOnly = false): string {
  const present = `${c} IS NOT NULL`;
  const parts: string[] = [];
  const exact: string[] = [];
  for (const item of list) {
    const m = matcherOnColumn(item, c, present);
    if (m.startsWith(`${c} = '`)) exact.push(m.slice(c.length + 3));
    else parts.push(m);
  }
  if (exact.length === 1) parts.push(`${c} = ${exact[0]}`);
  if (exact.length > 1) parts.push(`${c} IN (${exact.join(', ')})`);
  // An array value matches when one element does: its JSON text starts with '['.
  if (!stringOnly) parts.push(`${c} LIKE '[%'`);
  return or(parts);
}

function matcherOnColumn(item: unknown, c: string, present: string): string {
  if (typeof item === 'string') {
    // An IP literal matches other spellings of the same address; not worth reproducing in SQL.
    if (parseIp(item) !== undefined) return present;
    const lit = sqlString(item);
    return lit === undefined ? present : `${c} = ${lit}`;
  }
  // Numbers compare after quantisation and in any JSON spelling: admit every numeric text.
  if (typeof item === 'number') return `TRY_CAST(${c} AS DOUBLE) IS NOT NULL`;
  if (item === true) return `${c} = 'true'`;
  if (item === false) return `${c} = 'false'`;
  // JSON null and an absent field are both NULL here.
  if (item === null) return `${c} IS NULL`;
  if (!isPlainObject(item)) return TRUE;
  const [op] = Object.keys(item);
  const value = op === undefined ? undefined : item[op];
  switch (op) {
    case 'prefix':
    case 'suffix': {
      if (typeof value !== 'string') return present; // {"prefix": {"equals-ignore-case": …}}: case folding
      const pattern = op === 'prefix' ? `${likeText(value)}%` : `%${likeText(value)}`;
      // Event-ruler matches against the quoted text, so prefix `ab"` also takes `ab` (pattern-leaf.ts).
      const quoted =
        op === 'prefix' ? value.endsWith('"') && value.slice(0, -1) : value.startsWith('"') && value.slice(1);
      const alt = typeof quoted === 'string' ? sqlString(quoted) : undefined;
      const base = like(c, pattern) ?? present;
      return alt === undefined ? base : or([base, `${c} = ${alt}`]);
    }
    case 'wildcard': {
      const pieces = typeof value === 'string' ? parseWildcard(value) : undefined;
      if (!Array.isArray(pieces)) return present;
      return like(c, pieces.map(likeText).join('%')) ?? present;
    }
    case 'anything-but':
      return anythingButOnColumn(value, c);
    case 'exists':
      if (value === false) return `(${c} IS NULL OR ${c} LIKE '[%' OR ${c} LIKE '{%')`;
      return TRUE;
    case 'numeric':
      return `TRY_CAST(${c} AS DOUBLE) IS NOT NULL`;
    default:
      // equals-ignore-case (Unicode folding differs between engines), cidr: any present string may match.
      return present;
  }
}

/**
 * anything-but matches any present value the excluded set does not hold, of any JSON type, and JSON null
 * (pattern-leaf.ts): NULL (absent or null) and non-string texts are always admitted.
 */
function anythingButOnColumn(value: unknown, c: string): string {
  const admit = [`${c} IS NULL`, notAString(c)];
  const strings = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  if (strings?.every((s) => typeof s === 'string')) {
    const lits = strings.map((s) => sqlString(s as string));
    if (lits.some((l) => l === undefined)) return TRUE;
    return or([...admit, `${c} NOT IN (${lits.join(', ')})`]);
  }
  if (isPlainObject(value)) {
    const [op] = Object.keys(value);
    const operand = op === undefined ? undefined : value[op];
    const texts = typeof operand === 'string' ? [operand] : Array.isArray(operand) ? operand : [];
    if (
      (op === 'prefix' || op === 'suffix') &&
      texts.length > 0 &&
      texts.every((t) => typeof t === 'string')
    ) {
      // NOT LIKE admits a superset of what is not excluded (the quote quirk only excludes more).
      const conds = texts.map((t) => like(c, op === 'prefix' ? `${likeText(t)}%` : `%${likeText(t)}`));
      if (conds.some((x) => x === undefined)) return TRUE;
      return or([...admit, and(conds.map((x) => `${c} NOT ${(x as string).slice(c.length + 1)}`))]);
    }
  }
  return TRUE;
}

/** A matcher list against a field whose value is one of a few constants: decided by the engine itself. */
function matchesConstant(list: readonly unknown[], value: unknown): boolean {
  return matchPattern(compilePattern({ f: list }), { f: value });
}

/** `detail-type`, from eventType exactly as wrapCloudTrailRecord derives it. */
function detailTypeLeaf(list: readonly unknown[]): string {
  return or([
    matchesConstant(list, SIGNIN_TYPE) ? "eventtype = 'AwsConsoleSignIn'" : FALSE,
    matchesConstant(list, SERVICE_TYPE) ? "eventtype = 'AwsServiceEvent'" : FALSE,
    matchesConstant(list, CLOUDTRAIL_API_CALL)
      ? "(eventtype IS NULL OR eventtype NOT IN ('AwsConsoleSignIn', 'AwsServiceEvent'))"
      : FALSE,
  ]);
}

const AWS_SUFFIX = '.amazonaws.com';

/**
 * `source` is `aws.` + eventSource without one trailing `.amazonaws.com`; rows whose eventSource is not
 * a string are not CloudTrail records to the backtest and match nothing.
 */
function sourceLeaf(list: readonly unknown[]): string {
  const parts: string[] = [];
  for (const item of list) {
    if (typeof item === 'string') {
      if (!item.startsWith('aws.')) {
        parts.push(FALSE);
        continue;
      }
      const service = item.slice(4);
      const names = [`${service}${AWS_SUFFIX}`, service].map(sqlString);
      parts.push(names.some((n) => n === undefined) ? TRUE : `eventsource IN (${names.join(', ')})`);
      continue;
    }
    const op = isPlainObject(item) ? Object.keys(item)[0] : undefined;
    const value = op === undefined ? undefined : (item as Record<string, unknown>)[op];
    if (op === 'prefix' && typeof value === 'string') {
      // The prefix quote quirk (`aws."`) only adds exact matches the cases below already admit or refuse.
      if (value.endsWith('"')) parts.push(TRUE);
      else if ('aws.'.startsWith(value)) parts.push(TRUE);
      else if (value.startsWith('aws.'))
        parts.push(like('eventsource', `${likeText(value.slice(4))}%`) ?? TRUE);
      else parts.push(FALSE);
      continue;
    }
    if (op === 'anything-but' && isPlainObject(value)) {
      const [inner] = Object.keys(value);
      const texts = inner === undefined ? [] : [value[inner]].flat();
      // Every CloudTrail source starts with "aws.": excluding a prefix of it excludes them all.
      if (
        inner === 'prefix' &&
        texts.length > 0 &&
        texts.every((t) => typeof t === 'string' && t !== '' && 'aws.'.startsWith(t))
      ) {
        parts.push(FALSE);
        continue;
      }
    }
    parts.push(TRUE);
  }
  return or(parts);
}

/** `region`: awsRegion when it is a string, else us-east-1. */
function regionLeaf(list: readonly unknown[]): string {
  const fallback = matchesConstant(list, 'us-east-1')
    ? or(['awsregion IS NULL', notAString('awsregion')])
    : FALSE;
  return or([leafOnColumn(list, 'awsregion', true), fallback]);
}

/** `account`: recipientAccountId, else userIdentity.accountId, else "unknown" (each when a string). */
function accountLeaf(list: readonly unknown[]): string {
  if (matchesConstant(list, 'unknown')) return TRUE;
  return or([
    leafOnColumn(list, 'recipientaccountid', true),
    leafOnColumn(list, 'useridentity.accountid', true),
  ]);
}

/** Envelope fields with a fixed value: decided now. */
const ENVELOPE_CONSTANTS: Readonly<Record<string, unknown>> = { version: '0', resources: [] };

function envelopeLeaf(key: string, list: readonly unknown[]): string {
  switch (key) {
    case 'source':
      return sourceLeaf(list);
    case 'detail-type':
      return detailTypeLeaf(list);
    case 'region':
      return regionLeaf(list);
    case 'account':
      return accountLeaf(list);
    default:
      if (Object.hasOwn(ENVELOPE_CONSTANTS, key)) {
        return matchPattern(compilePattern({ [key]: list }), { [key]: ENVELOPE_CONSTANTS[key] })
          ? TRUE
          : FALSE;
      }
      // id, time: derived from several fields; not worth narrowing.
      return TRUE;
  }
}

/**
 * A matcher list at `detail.<path>`: a plain column, a field of a struct (admitting rows whose struct is
 * NULL: the record's value there may be an array the pattern looks inside), or TRUE.
 */
function detailLeaf(path: readonly string[], list: readonly unknown[]): string {
  const [first, ...rest] = path;
  if (first === undefined) return TRUE;
  if (rest.length === 0 && Object.hasOwn(STRING_COLUMNS, first)) {
    // eventSource and eventName are strings in every record the backtest wraps (isCloudTrailRecord).
    return leafOnColumn(
      list,
      STRING_COLUMNS[first] as string,
      first === 'eventSource' || first === 'eventName',
    );
  }
  const struct = Object.hasOwn(STRUCT_COLUMNS, first) ? STRUCT_COLUMNS[first] : undefined;
  if (struct === undefined || rest.length === 0) return TRUE;
  let shape: string | StructShape = struct.fields;
  let column = struct.column;
  const nullAncestors = [`${column} IS NULL`];
  for (const [i, step] of rest.entries()) {
    if (typeof shape === 'string' || !Object.hasOwn(shape, step)) return TRUE;
    const next: string | StructShape = shape[step] as string | StructShape;
    column = `${column}.${typeof next === 'string' ? next : lowerName(step)}`;
    if (typeof next === 'string') {
      if (i !== rest.length - 1) return TRUE;
      // A map (webIdFederationData.attributes) is not a string column.
      if (step === 'attributes' && column.endsWith('webidfederationdata.attributes')) return TRUE;
      return or([...nullAncestors, leafOnColumn(list, column)]);
    }
    shape = next;
    nullAncestors.push(`${column} IS NULL`);
  }
  return TRUE;
}

function lowerName(camel: string): string {
  return camel.toLowerCase();
}

/** The conjunction one pattern (object) requires, at `path` inside the event. */
function patternCondition(pattern: Record<string, unknown>, path: readonly string[]): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(value)) return TRUE;
      parts.push(or(value.map((branch) => (isPlainObject(branch) ? patternCondition(branch, path) : TRUE))));
      continue;
    }
    // Dotted names are paths to the engine; rare enough to leave unnarrowed.
    if (key.includes('.')) continue;
    const here = [...path, key];
    if (Array.isArray(value)) parts.push(leafCondition(here, value));
    else if (isPlainObject(value)) parts.push(patternCondition(value, here));
  }
  return and(parts);
}

function leafCondition(path: readonly string[], list: readonly unknown[]): string {
  const [top, ...rest] = path;
  if (top === undefined) return TRUE;
  if (top === 'detail') return detailLeaf(rest, list);
  return rest.length === 0 ? envelopeLeaf(top, list) : TRUE;
}

/** The WHERE condition selecting every row any of the patterns could match. Throws PatternError. */
export function patternsCondition(patterns: readonly unknown[]): string {
  const parts = patterns.map((p) => {
    compilePattern(p); // invalid patterns are refused here, as PutRule refuses them
    return patternCondition(p as Record<string, unknown>, []);
  });
  // A row whose eventSource or eventName is not a string is no CloudTrail record to the backtest.
  return and(['eventsource IS NOT NULL', 'eventname IS NOT NULL', or(parts)]);
}

// ------------------------------------------------------------------------------------ the query

export interface PartitionColumns {
  /** A `yyyy/MM/dd` string column (AWS's projection DDL: `timestamp`), or year, month and day columns. */
  date?: string | readonly [string, string, string];
  region?: string;
  account?: string;
}

export interface QueryOptions {
  table: string;
  patterns: readonly unknown[];
  sinceMs?: number;
  untilMs?: number;
  regions?: readonly string[];
  accounts?: readonly string[];
  partitions?: PartitionColumns;
}

/**
 * The columns read back, CloudTrail's name for each, and how: struct and array columns as JSON
 * (CAST … AS JSON), JSON-text columns parsed back, the rest as strings.
 */
export const SELECTED: ReadonlyArray<{
  name: string;
  column: string;
  kind: 'string' | 'json' | 'json-text';
}> = [
  ...Object.entries(STRING_COLUMNS).map(([name, column]) => ({ name, column, kind: 'string' as const })),
  ...Object.entries(JSON_TEXT_COLUMNS).map(([name, column]) => ({
    name,
    column,
    kind: 'json-text' as const,
  })),
  ...Object.entries(STRUCT_COLUMNS).map(([name, s]) => ({ name, column: s.column, kind: 'json' as const })),
  ...Object.entries(ARRAY_COLUMNS).map(([name, column]) => ({ name, column, kind: 'json' as const })),
];

export class QueryOptionError extends Error {
  override name = 'QueryOptionError';
}

function isoSecond(ms: number, up: boolean): string {
  const s = (up ? Math.ceil(ms / 1000) : Math.floor(ms / 1000)) * 1000;
  return new Date(s).toISOString().replace('.000Z', 'Z');
}

const DAY_MS = 86_400_000;

/** yyyy, MM, dd of a UTC time. */
function ymd(ms: number): [string, string, string] {
  const iso = new Date(ms).toISOString();
  return [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
}

function inList(column: string, values: readonly string[], what: string): string {
  const lits = values.map((v) => {
    const lit = sqlString(v);
    if (lit === undefined || !/^[A-Za-z0-9-]+$/.test(v))
      throw new QueryOptionError(`${what} ${JSON.stringify(v)} is not one`);
    return lit;
  });
  return `${column} IN (${lits.join(', ')})`;
}

/** Partition and eventtime predicates from --since/--until/--region/--account. */
export function scopeCondition(opts: Omit<QueryOptions, 'table' | 'patterns'>): string {
  const parts: string[] = [];
  const p = opts.partitions ?? {};
  if (opts.sinceMs !== undefined) parts.push(`eventtime >= '${isoSecond(opts.sinceMs, false)}'`);
  if (opts.untilMs !== undefined) parts.push(`eventtime <= '${isoSecond(opts.untilMs, true)}'`);
  if (p.date !== undefined && (opts.sinceMs !== undefined || opts.untilMs !== undefined)) {
    // A log file's key date is when CloudTrail delivered it (UTC), minutes after its last record: a
    // record from late on the last day can sit in the next day's folder.
    const lo = opts.sinceMs === undefined ? undefined : ymd(opts.sinceMs);
    const hi = opts.untilMs === undefined ? undefined : ymd(opts.untilMs + DAY_MS);
    if (typeof p.date === 'string') {
      const col = sqlIdentifier(p.date);
      if (lo) parts.push(`${col} >= '${lo.join('/')}'`);
      if (hi) parts.push(`${col} <= '${hi.join('/')}'`);
    } else {
      const [y, m, d] = p.date.map(sqlIdentifier) as [string, string, string];
      if (lo) parts.push(`${y} >= '${lo[0]}'`);
      if (hi) parts.push(`${y} <= '${hi[0]}'`);
      // Narrower bounds only where the year (and month) cannot differ: string ranges do not nest.
      if (lo && hi && lo[0] === hi[0]) {
        parts.push(`${m} >= '${lo[1]}'`, `${m} <= '${hi[1]}'`);
        if (lo[1] === hi[1]) parts.push(`${d} >= '${lo[2]}'`, `${d} <= '${hi[2]}'`);
      }
    }
  }
  if (opts.regions && opts.regions.length > 0) {
    parts.push(inList(p.region ? sqlIdentifier(p.region) : 'awsregion', opts.regions, 'region'));
  }
  if (opts.accounts && opts.accounts.length > 0) {
    for (const a of opts.accounts)
      if (!/^\d{12}$/.test(a))
        throw new QueryOptionError(`account ${JSON.stringify(a)} is not a 12-digit account id`);
    parts.push(inList(p.account ? sqlIdentifier(p.account) : 'recipientaccountid', opts.accounts, 'account'));
  }
  return and(parts);
}

function selectExpression(s: (typeof SELECTED)[number]): string {
  return s.kind === 'json' ? `CAST(${s.column} AS JSON) AS ${s.column}` : s.column;
}

/**
 * The longest query string Athena takes, a quota AWS does not raise:
 * https://repost.aws/knowledge-center/athena-query-string-length
 */
export const MAX_QUERY_BYTES = 262_144;

/**
 * The whole query: the columns to rebuild each record, the scope, and the patterns' prefilter. A
 * prefilter too long for Athena is left out (`narrowed: false`): every row of the scope is read and the
 * rules decide locally, as they always do.
 */
export function buildQuery(opts: QueryOptions): { sql: string; narrowed: boolean } {
  const sql = queryText(opts, patternsCondition(opts.patterns));
  if (Buffer.byteLength(sql) <= MAX_QUERY_BYTES) return { sql, narrowed: true };
  return { sql: queryText(opts, 'eventsource IS NOT NULL AND eventname IS NOT NULL'), narrowed: false };
}

function queryText(opts: QueryOptions, patterns: string): string {
  const where = and([scopeCondition(opts), patterns]);
  return `SELECT ${SELECTED.map(selectExpression).join(',\n  ')}\nFROM ${sqlIdentifier(opts.table)}\nWHERE ${where}`;
}
