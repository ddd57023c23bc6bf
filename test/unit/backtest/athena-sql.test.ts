/**
 * The Athena prefilter never drops a record the pattern engine matches: its WHERE condition runs in
 * DuckDB over the CloudTrail table AWS documents (test/kit/athena-duckdb.ts), filled from the shared
 * corpus (../shared/corpus beside the repository: the run says when it is absent), the samples in
 * events/, a generated archive and hostile records, and every record the rules match must be selected.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  buildQuery,
  MAX_QUERY_BYTES,
  patternsCondition,
  QueryOptionError,
  scopeCondition,
  sqlIdentifier,
  sqlString,
} from '../../../shared/backtest/athena/sql.ts';
import { generateLogFiles } from '../../../shared/backtest/generate.ts';
import { isRecord } from '../../../shared/detect/values.ts';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { listFiles, wrapCloudTrailRecord } from '../../../shared/replay/load.ts';
import { cloudTrailTable, type LocalTable } from '../../kit/athena-duckdb.ts';

const corpusDir = path.resolve(process.cwd(), '../shared/corpus');
const corpusPresent = existsSync(corpusDir);

/** CloudTrail records in any shape a file holds them: a record, Records, a list, an EventBridge event. */
function recordsIn(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(recordsIn);
  if (!isRecord(value)) return [];
  if (Array.isArray(value.Records)) return value.Records.flatMap(recordsIn);
  if ('detail-type' in value)
    return isRecord(value.detail) && 'eventSource' in value.detail ? [value.detail] : [];
  return 'eventSource' in value || 'eventName' in value ? [value] : [];
}

function readAll(dir: string): Record<string, unknown>[] {
  return listFiles(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return recordsIn(JSON.parse(readFileSync(f, 'utf8')));
      } catch {
        return [];
      }
    });
}

/** Every value a field may hold in a hostile record. */
const ODD_VALUES: unknown[] = [
  null,
  42,
  1.5,
  true,
  false,
  [],
  {},
  '',
  "it's",
  '100%_!\\',
  '["x"]',
  '{"a":1}',
];

/** The samples bent every way wrapCloudTrailRecord and the table must agree on. */
function hostile(samples: Record<string, unknown>[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const fields = [
    'eventSource',
    'eventName',
    'eventType',
    'awsRegion',
    'recipientAccountId',
    'errorCode',
    'readOnly',
    'userIdentity',
  ];
  for (const [i, s] of samples.entries()) {
    const field = fields[i % fields.length] as string;
    const value = s[field];
    for (const odd of ODD_VALUES) out.push({ ...s, [field]: odd });
    const { [field]: _gone, ...without } = s;
    out.push(without);
    out.push({ ...s, [field]: [value] }, { ...s, [field]: [value, 'other'] });
    if (isRecord(s.userIdentity)) {
      out.push({ ...s, userIdentity: [s.userIdentity] });
      out.push({ ...s, userIdentity: { ...s.userIdentity, type: [s.userIdentity.type] } });
      out.push({ ...s, userIdentity: { ...s.userIdentity, invokedBy: null } });
      out.push({ ...s, userIdentity: { ...s.userIdentity, accountId: 7 } });
    }
    if (typeof s.eventSource === 'string') {
      const service = s.eventSource.replace(/\.amazonaws\.com$/, '');
      for (const src of [
        service,
        `${s.eventSource}.amazonaws.com`,
        s.eventSource.toUpperCase(),
        `aws.${service}`,
      ]) {
        out.push({ ...s, eventSource: src });
      }
    }
  }
  return out;
}

function matcher(patterns: unknown[]): (record: unknown) => boolean {
  const compiled = patterns.map((p) => compilePattern(p));
  return (record) => {
    // What the backtest does with a row (shared/backtest/backtest.ts): only CloudTrail records are wrapped.
    if (!isRecord(record) || typeof record.eventSource !== 'string' || typeof record.eventName !== 'string')
      return false;
    const event = wrapCloudTrailRecord(record);
    return compiled.some((p) => matchPattern(p, event));
  };
}

const devPatterns = readServerlessRules('serverless.yml', { stage: 'dev' })
  .filter((r) => r.bus === 'default')
  .map((r) => r.pattern);
const prodPatterns = readServerlessRules('serverless.yml', { stage: 'prod' })
  .filter((r) => r.bus === 'default')
  .map((r) => r.pattern);

const samples = readAll('events');
const corpus = corpusPresent ? readAll(corpusDir) : [];
const generated = [
  ...generateLogFiles({ seed: 22, files: 4, recordsPerFile: 1500, dangerShare: 0.02, writeShare: 0.2 }),
].flatMap((f) => f.records);
const records: unknown[] = [...samples, ...corpus, ...generated, ...hostile([...samples, ...corpus])];

let table: LocalTable;
beforeAll(async () => {
  if (!corpusPresent)
    console.warn(`athena-sql.test: ${corpusDir} is absent; the corpus part of the check is empty`);
  table = await cloudTrailTable(records);
});
afterAll(() => table?.close());

async function check(patterns: unknown[]): Promise<{ matched: number; selected: number; dropped: number[] }> {
  const selected = await table.selected(patternsCondition(patterns));
  const matches = matcher(patterns);
  const dropped: number[] = [];
  let matched = 0;
  for (const [i, r] of records.entries()) {
    if (!matches(r)) continue;
    matched++;
    if (!selected.has(i)) dropped.push(i);
  }
  return { matched, selected: selected.size, dropped };
}

describe('Athena prefilter SQL, evaluated in DuckDB', () => {
  it('holds the corpus, the samples, a generated archive and hostile records', () => {
    expect(samples.length).toBeGreaterThan(100);
    if (corpusPresent) expect(corpus.length).toBeGreaterThan(500);
    expect(generated.length).toBe(6000);
    expect(records.length).toBeGreaterThan(samples.length * 10);
  });

  for (const [name, patterns] of [
    ['serverless.yml (dev)', devPatterns],
    ['serverless.yml (prod)', prodPatterns],
  ] as const) {
    it(`selects every record the ${name} rules match, and far fewer than all`, async () => {
      const { matched, selected, dropped } = await check(patterns);
      expect(dropped.map((i) => records[i])).toEqual([]);
      expect(matched).toBeGreaterThan(300);
      const extra = selected - matched;
      console.log(
        `athena prefilter, ${name}: ${records.length} records, ${matched} matched, ${selected} selected (${extra} extra candidates)`,
      );
      // The generated archive is mostly read-only noise: the prefilter must leave most of it out. The
      // extra candidates (shown with CLOUD_ALERTS_TEST_LOGS=1; 3,773 for dev on 2026-12-05) are mostly the
      // hostile records, whose non-string values SQL admits, and rules that look into requestParameters.
      expect(selected).toBeLessThan(records.length / 2);
      expect(extra).toBeLessThan(selected / 2);
    });
  }

  it('runs as a whole query (SELECT list, CAST … AS JSON, scope) in DuckDB too', async () => {
    const { sql } = buildQuery({
      table: 'cloudtrail_logs',
      patterns: devPatterns,
      sinceMs: Date.parse('2026-11-01T00:00:00Z'),
      untilMs: Date.parse('2026-11-01T03:00:00Z'),
      regions: ['eu-west-1'],
    });
    const rows = await table.query(sql);
    const bare = await table.selected(
      `${patternsCondition(devPatterns)} AND eventtime >= '2026-11-01T00:00:00Z' AND eventtime <= '2026-11-01T03:00:00Z' AND awsregion IN ('eu-west-1')`,
    );
    expect(rows.length).toBe(bare.size);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('fails when a compiled predicate drops a matched record', async () => {
    // A prefilter that forgets the array case (userIdentity.type: ["Root"]) must be caught.
    const broken = patternsCondition(devPatterns).replaceAll(" OR useridentity.type LIKE '[%'", '');
    expect(broken).not.toBe(patternsCondition(devPatterns));
    const selected = await table.selected(broken);
    const matches = matcher(devPatterns);
    const dropped = records.filter((r, i) => matches(r) && !selected.has(i));
    expect(dropped.length).toBeGreaterThan(0);
  });
});

// ------------------------------------------------------------------------------ random patterns

const FIELD_VALUES = [
  's3.amazonaws.com',
  'iam.amazonaws.com',
  'DeleteTrail',
  'Root',
  'IAMUser',
  'AccessDenied',
  'eu-west-1',
  'us-east-1',
  '123456789012',
  "o'brien",
  '50%_off',
  'a!b',
  'AwsApiCall',
  'AwsConsoleSignIn',
  'AwsServiceEvent',
  'true',
  '1.5',
  '',
];
const value = fc.oneof(
  fc.constantFrom(...FIELD_VALUES),
  fc.string({ maxLength: 6 }),
  fc.constantFrom(null, 42, 1.5, true, false),
);
const text = fc.oneof(
  fc.constantFrom(...FIELD_VALUES.filter((v) => v !== '')),
  fc.string({ minLength: 1, maxLength: 4 }),
);
const matcherArb = fc.oneof(
  value,
  text.map((t) => ({ prefix: t })),
  text.map((t) => ({ suffix: t })),
  text.map((t) => ({ prefix: { 'equals-ignore-case': t } })),
  text.map((t) => ({ 'equals-ignore-case': t })),
  text.map((t) => ({ wildcard: `*${t.replaceAll('*', '')}*` })),
  text.map((t) => ({ wildcard: `${t.replaceAll('*', '')}*` })),
  text.map((t) => ({ 'anything-but': t })),
  fc.array(text, { minLength: 1, maxLength: 3 }).map((t) => ({ 'anything-but': t })),
  text.map((t) => ({ 'anything-but': { prefix: t } })),
  text.map((t) => ({ 'anything-but': { suffix: t } })),
  fc.constantFrom(
    { exists: true },
    { exists: false },
    { numeric: ['>', 0] },
    { cidr: '10.0.0.0/8' },
    { 'anything-but': 5 },
  ),
);
const list = fc.array(matcherArb, { minLength: 1, maxLength: 3 });
const detailField = fc.constantFrom(
  'eventSource',
  'eventName',
  'eventType',
  'awsRegion',
  'errorCode',
  'readOnly',
  'recipientAccountId',
  'requestParameters',
  'sourceIPAddress',
);
const identityField = fc.constantFrom('type', 'invokedBy', 'accountId', 'arn', 'userName');
const envelopeField = fc.constantFrom('source', 'detail-type', 'region', 'account', 'version', 'id');
const patternArb = fc
  .record(
    {
      envelope: fc.dictionary(envelopeField, list, { maxKeys: 2 }),
      detail: fc.dictionary(detailField, list, { maxKeys: 2 }),
      identity: fc.dictionary(identityField, list, { maxKeys: 2 }),
      issuer: fc.option(list, { nil: undefined }),
    },
    { requiredKeys: ['envelope', 'detail', 'identity'] },
  )
  .map(({ envelope, detail, identity, issuer }) => {
    const userIdentity: Record<string, unknown> = { ...identity };
    if (issuer) userIdentity.sessionContext = { sessionIssuer: { userName: issuer } };
    const d: Record<string, unknown> = { ...detail };
    if (Object.keys(userIdentity).length > 0) d.userIdentity = userIdentity;
    return Object.keys(d).length > 0
      ? { ...envelope, detail: d }
      : { ...envelope, source: envelope.source ?? ['aws.s3'] };
  });
const validPattern = patternArb.filter((p) => {
  try {
    compilePattern(p);
    return true;
  } catch {
    return false;
  }
});

/** Records carrying the values random patterns use, in every shape a field can take. */
const fieldShape = (v: fc.Arbitrary<unknown>) =>
  fc.oneof(v, fc.array(v, { maxLength: 2 }), fc.constant(undefined), fc.constant(null), fc.constant({}));
const recordArb = fc
  .record(
    {
      eventSource: fieldShape(
        fc.constantFrom('s3.amazonaws.com', 'iam.amazonaws.com', 's3', 'x.amazonaws.com.amazonaws.com'),
      ),
      eventName: fieldShape(value),
      eventType: fieldShape(value),
      awsRegion: fieldShape(value),
      errorCode: fieldShape(value),
      readOnly: fieldShape(value),
      recipientAccountId: fieldShape(value),
      sourceIPAddress: fieldShape(fc.constantFrom('10.1.2.3', '192.168.0.1', 'AWS Internal')),
      requestParameters: fieldShape(fc.dictionary(fc.constantFrom('name', 'rule'), value)),
      userIdentity: fieldShape(
        fc.record(
          {
            type: fieldShape(value),
            invokedBy: fieldShape(value),
            accountId: fieldShape(value),
            arn: fieldShape(value),
            userName: fieldShape(value),
            sessionContext: fieldShape(
              fc.record({ sessionIssuer: fieldShape(fc.record({ userName: fieldShape(value) })) }),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  )
  .map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);

describe('Athena prefilter SQL, random patterns × random records', () => {
  it('is always a superset of the pattern engine', async () => {
    const randomRecords = fc.sample(recordArb, { numRuns: 400, seed: 2022 });
    const local = await cloudTrailTable(randomRecords);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(validPattern, { minLength: 1, maxLength: 2 }), async (patterns) => {
          const selected = await local.selected(patternsCondition(patterns));
          const matches = matcher(patterns);
          const dropped = randomRecords.filter((r, i) => matches(r) && !selected.has(i));
          expect(dropped).toEqual([]);
        }),
        { numRuns: 150, seed: 22 },
      );
    } finally {
      local.close();
    }
  });
});

describe('Athena query text', () => {
  it('quotes hostile literals and identifiers', () => {
    expect(sqlString("x' OR 1=1 --")).toBe("'x'' OR 1=1 --'");
    expect(sqlString('a\u0000b')).toBeUndefined();
    expect(sqlIdentifier('db.t"x')).toBe('"db"."t""x"');
    const where = patternsCondition([{ detail: { eventName: ["x') OR TRUE --", { prefix: '50%_!' }] } }]);
    expect(where).toContain("eventname = 'x'') OR TRUE --'");
    expect(where).toContain("eventname LIKE '50!%!_!!%' ESCAPE '!'");
  });

  it('turns --since/--until/--region/--account into partition and eventtime predicates', () => {
    const since = Date.parse('2026-11-30T10:00:00.500Z');
    const until = Date.parse('2026-12-01T12:00:00Z');
    expect(
      scopeCondition({
        sinceMs: since,
        untilMs: until,
        regions: ['eu-west-1'],
        accounts: ['111122223333'],
        partitions: { date: 'timestamp', region: 'region' },
      }),
    ).toBe(
      `(eventtime >= '2026-11-30T10:00:00Z' AND eventtime <= '2026-12-01T12:00:00Z' AND "timestamp" >= '2026/11/30' AND "timestamp" <= '2026/12/02' AND "region" IN ('eu-west-1') AND recipientaccountid IN ('111122223333'))`,
    );
    expect(
      scopeCondition({ sinceMs: since, untilMs: until, partitions: { date: ['year', 'month', 'day'] } }),
    ).toBe(
      `(eventtime >= '2026-11-30T10:00:00Z' AND eventtime <= '2026-12-01T12:00:00Z' AND "year" >= '2026' AND "year" <= '2026' AND "month" >= '11' AND "month" <= '12')`,
    );
    expect(() => scopeCondition({ accounts: ["1' OR '1"] })).toThrow(QueryOptionError);
    expect(() => scopeCondition({ regions: ["eu' --"] })).toThrow(QueryOptionError);
  });

  it('leaves out a prefilter longer than Athena takes, keeping the scope', () => {
    const many = Array.from({ length: 8000 }, (_, i) => ({
      detail: { eventName: [`Call${i}WithALongishName`] },
    }));
    const { sql, narrowed } = buildQuery({ table: 't', patterns: many, regions: ['eu-west-1'] });
    expect(narrowed).toBe(false);
    expect(Buffer.byteLength(sql)).toBeLessThanOrEqual(MAX_QUERY_BYTES);
    expect(sql).toMatch(
      /WHERE \(awsregion IN \('eu-west-1'\) AND eventsource IS NOT NULL AND eventname IS NOT NULL\)$/,
    );
  });

  it('narrows source and detail-type exactly as wrapCloudTrailRecord derives them', () => {
    expect(patternsCondition([{ source: ['aws.s3'] }])).toContain(
      "eventsource IN ('s3.amazonaws.com', 's3')",
    );
    expect(patternsCondition([{ source: ['acme.orders'] }])).toBe('FALSE');
    expect(patternsCondition([{ 'detail-type': ['AWS Console Sign In via CloudTrail'] }])).toContain(
      "eventtype = 'AwsConsoleSignIn'",
    );
  });
});
