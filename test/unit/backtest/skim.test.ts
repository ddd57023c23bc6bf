/**
 * The byte reader (shared/backtest/skim.ts, wasm/skim.ts) gives exactly what the character-level
 * reader gives (every record JSON.parsed): the same totals (records, elements, first and last
 * time, callers in order, error) and the same items (matched events and malformed records, with
 * their indexes), however the bytes are cut into pieces. Checked over the shared corpus (../shared/
 * corpus beside the repository: the run says when it is absent), the samples, generated archives,
 * a table of hostile records and files, and random records bent at random.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { generateLogFiles } from '../../../shared/backtest/generate.ts';
import { type PartItem, type PartTotals, RecordJudge, readLog } from '../../../shared/backtest/reader.ts';
import { MAX_SKIM_RECORD_BYTES, skimBytes, skimStats } from '../../../shared/backtest/skim.ts';
import { fileRef } from '../../../shared/backtest/sources.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { listFiles } from '../../../shared/replay/load.ts';

const corpusDir = path.resolve(process.cwd(), '../shared/corpus');
const corpusPresent = existsSync(corpusDir);

const shipped = readServerlessRules('serverless.yml', { stage: 'dev' })
  .filter((r) => r.bus === 'default')
  .map((r) => r.pattern);

/** Patterns whose quick tests read what the module cannot hold, or hold only in part. */
const awkward: unknown[] = [
  // Two levels: held.
  { source: ['aws.s3'], detail: { requestParameters: { bucketName: [{ prefix: 'prod-' }] } } },
  // Four levels: not held, so every ec2 record with this name is parsed.
  {
    source: ['aws.ec2'],
    detail: {
      eventName: ['DescribeInstances'],
      userIdentity: { sessionContext: { sessionIssuer: { userName: ['admin'] } } },
    },
  },
  // Keys an object inherits, and the time (kept only as a range): never read from a view.
  { source: ['aws.iam'], detail: { constructor: ['x'] } },
  { source: ['aws.sts'], detail: { eventTime: [{ prefix: '2026-10' }] } },
  // A leaf test on a field that is also a parent.
  { source: ['aws.kms'], detail: { userIdentity: ['x'] } },
  {
    source: [{ prefix: 'aws.' }],
    detail: { $or: [{ errorCode: ['ThrottlingException'] }, { eventType: ['AwsConsoleAction'] }] },
  },
  // A source that starts with U+FEFF: a decoder that drops it would look up another source.
  { source: ['aws.\ufeffs3'] },
];

/** Name, patterns, and the least share of generated records the byte reader counts unparsed. */
const patternSets: Array<[string, unknown[], number]> = [
  ['the shipped rules', shipped, 0.9],
  // ec2, sts, kms and iam records are parsed here: what their patterns read is not held.
  ['the shipped rules and awkward ones', [...shipped, ...awkward], 0.25],
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'skim-'));
  if (!corpusPresent)
    console.warn(`skim.test: ${corpusDir} is absent; the corpus part of the check is empty`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Read {
  totals: PartTotals;
  items: string;
}

let fileNo = 0;
async function byCharacters(bytes: Uint8Array, patterns: unknown[]): Promise<Read> {
  const file = path.join(dir, `r${fileNo++}.json`);
  writeFileSync(file, bytes);
  const items: PartItem[] = [];
  const totals = await readLog(
    fileRef(file),
    new RecordJudge(patterns),
    { onItems: (found) => void items.push(...found) },
    { characters: true },
  );
  rmSync(file);
  return { totals, items: JSON.stringify(items) };
}

async function byBytes(chunks: Uint8Array[], judge: RecordJudge): Promise<Read> {
  const items: PartItem[] = [];
  const totals = await skimBytes(chunks, judge, { onItems: (found) => void items.push(...found) });
  return { totals, items: JSON.stringify(items) };
}

/** The bytes in pieces of `size` (the last shorter). */
function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

/** Reads `bytes` both ways, whole and in several cuttings, and expects the same every time. */
async function same(bytes: Uint8Array, patterns: unknown[], cuts = [1, 7, 300, 4096]): Promise<Read> {
  const expected = await byCharacters(bytes, patterns);
  const judge = new RecordJudge(patterns);
  for (const chunks of [[bytes], ...cuts.map((size) => pieces(bytes, size))]) {
    const got = await byBytes(chunks, judge);
    expect(got.totals).toEqual(expected.totals);
    expect(got.items).toBe(expected.items);
  }
  return expected;
}

function file(records: string[]): Buffer {
  return Buffer.from(`{"Records":[${records.join(',')}]}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** CloudTrail records in the samples and the corpus, as they are written (compact JSON). */
function recordsOf(root: string): string[] {
  const out: string[] = [];
  for (const f of listFiles(root).filter((p) => p.endsWith('.json'))) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(f, 'utf8'));
    } catch {
      continue;
    }
    const list = isObject(value) && Array.isArray(value.Records) ? value.Records : [value];
    for (const r of list) {
      if (!isObject(r)) continue;
      out.push(JSON.stringify('detail-type' in r && isObject(r.detail) ? r.detail : r));
    }
  }
  return out;
}

const sampleRecords = recordsOf('events');
const corpusRecords = corpusPresent ? recordsOf(corpusDir) : [];
const generated = [
  ...generateLogFiles({ seed: 2212, files: 3, recordsPerFile: 700, dangerShare: 0.05, writeShare: 0.3 }),
];

describe.each(patternSets)(
  'the byte reader and the character reader agree, with %s',
  (_name, patterns, share) => {
    it('on generated archives, with most records counted unparsed', async () => {
      const before = { ...skimStats };
      for (const f of generated) {
        const read = await same(Buffer.from(JSON.stringify({ Records: f.records })), patterns, [64 * 1024]);
        expect(read.totals.records).toBe(f.records.length);
      }
      // The byte path was taken: nearly every record counted from its fields, none handed over.
      const counted = skimStats.counted - before.counted;
      expect(counted).toBeGreaterThan(share * 2100 * 2);
      expect(skimStats.handedOver).toBe(before.handedOver);
    });

    it('on the samples and the shared corpus, as files of 50 records', async () => {
      const all = [...sampleRecords, ...corpusRecords];
      expect(all.length).toBeGreaterThan(100);
      for (let at = 0; at < all.length; at += 50) await same(file(all.slice(at, at + 50)), patterns, [977]);
    });

    it('on every sample and corpus file as it is written', async () => {
      const files = [...listFiles('events'), ...(corpusPresent ? listFiles(corpusDir) : [])].filter((f) =>
        f.endsWith('.json'),
      );
      for (const f of files) await same(readFileSync(f), patterns, [512]);
    });
  },
);

/** A plain record to bend. */
const base = {
  eventVersion: '1.08',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLE:jane',
    arn: 'arn:aws:sts::111122223333:assumed-role/Admin/jane',
    accountId: '111122223333',
  },
  eventTime: '2026-10-01T12:00:00Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'PutBucketPolicy',
  awsRegion: 'eu-west-1',
  sourceIPAddress: '203.0.113.7',
  requestParameters: {
    bucketName: 'prod-data',
    bucketPolicy: { Statement: [{ Effect: 'Allow', Principal: '*' }] },
  },
  responseElements: null,
  eventType: 'AwsApiCall',
  recipientAccountId: '111122223333',
};
const plain = JSON.stringify(base);
/** A record no rule matches, for the rows whose events are too deep to print. */
const quiet = JSON.stringify({ ...base, eventName: 'GetBucketAcl', requestParameters: {} });
const withQuiet = (over: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(quiet), ...over });
const with_ = (over: Record<string, unknown>) => JSON.stringify({ ...base, ...over });

/** Records, one per row, that a reader might get wrong: each is read in a file between two plain ones. */
/** Bends a record's text (`t`) or rebuilds it with fields changed (`w`). */
type Bend = (t: string, w: (over: Record<string, unknown>) => string) => string;

/**
 * Records a reader might get wrong, each applied to a record the rules match (parsed on the byte
 * path too) and to one they do not (counted from the module's fields), and read in a file between
 * two plain ones.
 */
const hostileRecords: Array<[string, Bend]> = [
  ['a duplicate eventName (the last one counts)', (t) => t.replace('{', '{"eventName":"ListBuckets",')],
  ['a duplicate eventName, the other way', (t) => t.replace(/}$/, ',"eventName":"ListBuckets"}')],
  [
    'a duplicate userIdentity',
    (t) => t.replace(/}$/, ',"userIdentity":{"type":"Root","arn":"arn:aws:iam::1:root"}}'),
  ],
  ['a userIdentity given again as a string', (t) => t.replace(/}$/, ',"userIdentity":"x"}')],
  ['a duplicate arn inside userIdentity', (t) => t.replace('"accountId":', '"arn":"second","accountId":')],
  ['an escaped key spelling eventName', (t) => t.replace('"eventName"', '"event\\u004eame"')],
  ['an escaped key spelling arn', (t) => t.replace('"arn"', '"\\u0061rn"')],
  ['an escaped eventSource', (t) => t.replace('"s3.amazonaws.com"', '"s3\\u002eamazonaws.com"')],
  ['an escaped time', (t) => t.replace('"2026-10-01T12:00:00Z"', '"2026-10-01T12:00:00\\u005a"')],
  ['a time with a non-ASCII character', (t) => t.replace('12:00:00Z', '12:00:00Ž')],
  ['no time', (_t, w) => w({ eventTime: undefined })],
  ['a time that is a number', (_t, w) => w({ eventTime: 5 })],
  ['no eventSource', (_t, w) => w({ eventSource: undefined })],
  ['an eventName that is a list', (_t, w) => w({ eventName: ['PutBucketPolicy'] })],
  ['an EventBridge key', (_t, w) => w({ 'detail-type': 'AWS API Call via CloudTrail' })],
  ['a userIdentity that is a list', (_t, w) => w({ userIdentity: [base.userIdentity] })],
  ['a userIdentity that is null', (_t, w) => w({ userIdentity: null })],
  [
    'a service caller',
    (_t, w) => w({ userIdentity: { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' } }),
  ],
  ['a caller with only a type', (_t, w) => w({ userIdentity: { type: 'Root' } })],
  ['a caller with an arn that is a number', (_t, w) => w({ userIdentity: { arn: 1, principalId: 'p' } })],
  ['an error code', (_t, w) => w({ errorCode: 'AccessDenied', eventName: 'ListBuckets' })],
  ['an error code that is an object', (_t, w) => w({ errorCode: { a: 'AccessDenied' } })],
  ['requestParameters that are a list', (_t, w) => w({ requestParameters: ['prod-data'] })],
  ['a __proto__ key', (t) => t.replace('{', '{"__proto__":{"eventSource":"x"},')],
  ['a constructor key', (t) => t.replace('{', '{"constructor":"x",')],
  ['non-ASCII text', (_t, w) => w({ sourceIPAddress: 'naïve 日本 😀 \u2028' })],
  [
    'escaped surrogates, lone and paired',
    (_t, w) => w({ userAgent: '\\ud800 \\udc00 \\ud83d\\ude00' }).replace(/\\\\/g, '\\'),
  ],
  ['every escape', (_t, w) => w({ userAgent: 'a"b\\c/d\bf\fn\nr\rt\t' })],
  [
    'numbers of every shape',
    (t) => t.replace(/}$/, ',"n":[0,-0,1.5,-2e10,3E+2,4e-3,12345678901234567890,1e400]}'),
  ],
  ['whitespace between every token', (t) => JSON.stringify(JSON.parse(t), null, '\t').replace(/\n/g, '\r\n')],
  ['a deep matched record', (t) => t.replace(/}$/, `,"deep":${'['.repeat(300)}${']'.repeat(300)}}`)],
  ['a deep record', () => quiet.replace(/}$/, `,"deep":${'['.repeat(5000)}${']'.repeat(5000)}}`)],
  [
    'a record nested past the module',
    () => quiet.replace(/}$/, `,"deep":${'['.repeat(70_000)}${']'.repeat(70_000)}}`),
  ],
  ['a record past the byte reader', (_t, w) => w({ userAgent: 'x'.repeat(MAX_SKIM_RECORD_BYTES + 10) })],
  [
    'a duplicate userIdentity without an arn',
    (t) => t.replace(/}$/, ',"userIdentity":{"type":"IAMUser","principalId":"P2"}}'),
  ],
  // Text in a field no rule reads that a reader with a wrong idea of where strings end would take for fields.
  ...[`'`, '\\"', '\\\\', '\\u0022', '\u201c', '\\/'].map((end): [string, Bend] => [
    `fields after ${end} inside a string`,
    (t) => t.replace('"203.0.113.7"', `"a${end},"eventName":"DeleteTrail","z":"b"`),
  ]),
  ...[`'`, '\\"', '\\\\', '\\u0022', '\u201c'].map((end): [string, Bend] => [
    `raw fields after ${end} inside a string`,
    (t) => t.replace('"203.0.113.7"', `"a${end}","eventName":"DeleteTrail","z":"b"`),
  ]),
  ['a key holding a quote mark and a closing brace', (t) => t.replace('{', `{"a':{}}":1,`)],
  // U+FEFF leading a value is part of it (found in review: a decoder dropped it).
  [
    'an ARN behind a U+FEFF',
    (_t, w) => w({ userIdentity: { type: 'IAMUser', arn: '\ufeffarn:aws:iam::111122223333:user/alice' } }),
  ],
  [
    'a source and name behind a U+FEFF',
    (_t, w) => w({ eventSource: '\ufeffs3.amazonaws.com', eventName: '\ufeffX' }),
  ],
  ['a caller type behind a U+FEFF', (_t, w) => w({ userIdentity: { type: '\ufeffRoot' } })],
  // Not JSON: the rest of the file goes to the character reader, which finds the record's end.
  // The same, in a field no rule reads (the module alone decides that such a record is plain).
  ['a bad escape where no rule reads', (t) => t.replace('"203.0.113.7"', '"203.0\\x.113.7"')],
  ['a short unicode escape where no rule reads', (t) => t.replace('"203.0.113.7"', '"203.0.113.7\\u12"')],
  ['a control character where no rule reads', (t) => t.replace('"203.0.113.7"', '"203.0.\u0001113.7"')],
  ['a line break where no rule reads', (t) => t.replace('"203.0.113.7"', '"203.0.\n113.7"')],
  ['a tab where no rule reads', (t) => t.replace('"203.0.113.7"', '"203.0.\t113.7"')],
  ['a bad number where no rule reads', (t) => t.replace('"203.0.113.7"', '-')],
  ['a plus sign where no rule reads', (t) => t.replace('"203.0.113.7"', '+1')],
  ['a bad literal where no rule reads', (t) => t.replace('"203.0.113.7"', 'nul')],
  ['a leading zero', (t) => t.replace(/}$/, ',"n":01}')],
  ['a bare dot', (t) => t.replace(/}$/, ',"n":1.}')],
  ['a bad literal', (t) => t.replace(/}$/, ',"n":tru}')],
  ['a trailing comma', (t) => t.replace(/}$/, ',}')],
  ['a bad escape', (t) => t.replace('jane"', 'ja\\ne\\x"')],
  ['a short unicode escape', (t) => t.replace('jane"', 'jane\\u12"')],
  ['a raw control character', (t) => t.replace('jane', 'ja\u0001ne')],
  ['a raw line break in a string', (t) => t.replace('jane', 'ja\nne')],
  ['a missing colon', (t) => t.replace('"eventName":', '"eventName" ')],
  ['a single quote', (t) => t.replace('"eu-west-1"', "'eu-west-1'")],
  ['a number as a key', (t) => t.replace('"awsRegion"', '7')],
  [
    'a nested fake record',
    (t) =>
      t.replace(
        /}$/,
        ',"x":[{},{"eventVersion":"1.08","eventSource":"cloudtrail.amazonaws.com","eventName":"DeleteTrail"}]}',
      ),
  ],
  [
    'a nested fake record cut loose',
    (t) =>
      t.replace(
        /}$/,
        ',"x":[{}},{"eventVersion":"1.08","eventSource":"cloudtrail.amazonaws.com","eventName":"DeleteTrail"}]}',
      ),
  ],
];

describe('hostile records: each read the same way as the character reader does', () => {
  it.each(hostileRecords)('%s', async (_name, bend) => {
    for (const record of [bend(plain, with_), bend(quiet, withQuiet)]) {
      // Long rows are cut in fewer ways: every cutting of them is covered by the short ones.
      const long = record.length > 20_000;
      for (const [, patterns] of patternSets) {
        await same(file([plain, record, plain]), patterns, long ? [4096] : undefined);
        await same(file([record]), patterns, long ? [65_536] : [5, 64]);
      }
    }
  });

  it('the record the rules do not match is counted by the byte reader, not parsed', async () => {
    const before = { ...skimStats };
    const read = await same(file([quiet, quiet]), shipped, []);
    expect(read.items).toBe('[]');
    expect(skimStats.counted - before.counted).toBe(2);
    expect(skimStats.parsed).toBe(before.parsed);
  });

  it('every row bent at once, in one file', async () => {
    const all = hostileRecords.flatMap(([, bend]) => [bend(plain, with_), bend(quiet, withQuiet)]);
    await same(file([plain, ...all, plain]), [...shipped, ...awkward], [100_000]);
  });

  it('a matched record parsed by the byte reader is the event the character reader builds', async () => {
    const read = await same(file([plain, with_({ errorCode: 'AccessDenied' })]), shipped);
    expect(read.items).toContain('"errorCode":"AccessDenied"');
  });
});

const headerAndTails: Array<[string, string]> = [
  ['an empty Records array', '{"Records":[]}'],
  ['whitespace in the header', ` \r\n{ "Records" :\t[ ${plain} , ${plain} ] }`],
  ['a byte-order mark', `\ufeff{"Records":[${plain}]}`],
  ['another key first', `{"x":1,"Records":[${plain}]}`],
  ['another key after', `{"Records":[${plain}],"x":[1,2]}`],
  ['Records twice', `{"Records":[${plain}],"Records":[${plain}]}`],
  ['elements that are not objects', `{"Records":[${plain},1,"x",null,[],${plain}]}`],
  ['two commas', `{"Records":[${plain},,${plain}]}`],
  ['no comma', `{"Records":[${plain} ${plain}]}`],
  ['text after the end', `{"Records":[${plain}]} x`],
  ['the end missing', `{"Records":[${plain},${plain}`],
  ['a record cut short', `{"Records":[${plain},${plain.slice(0, 100)}`],
  ['a file cut inside a string', `{"Records":[${plain},{"a":"b`],
  ['an array of records', `[${plain},${plain}]`],
  [
    'one EventBridge event',
    JSON.stringify({ 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.s3', detail: base }),
  ],
  ['an empty file', ''],
  ['only whitespace', '   \n'],
  ['a header and nothing else', '{"Records":['],
  ['a mismatched bracket', `{"Records":[${plain}}]}`],
];

describe('files: the header, the end of the array and what follows, read the same way', () => {
  it.each(headerAndTails)('%s', async (_name, text) => {
    await same(Buffer.from(text), shipped, [1, 3, 17]);
  });

  it('ill-formed UTF-8 in a string: handed over where it starts, decoded as the character reader decodes it', async () => {
    const before = skimStats.handedOver;
    for (const bad of [
      [0xff],
      [0xc0, 0xaf],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
    ]) {
      const record = Buffer.concat([
        Buffer.from(plain.slice(0, -1)),
        Buffer.from(',"ua":"a'),
        Buffer.from(bad),
        Buffer.from('b"}'),
      ]);
      await same(
        Buffer.concat([Buffer.from(`{"Records":[${plain},`), record, Buffer.from(`,${plain}]}`)]),
        shipped,
      );
    }
    expect(skimStats.handedOver).toBeGreaterThan(before);
  });

  it('the earliest and latest time as JavaScript orders strings (UTF-16), not as bytes order them', async () => {
    const times = ['2026-10-01T12:00:00\ue000', '2026-10-01T12:00:00\u{1f600}', '2026-10-01T12:00:00Z'];
    const read = await same(file(times.map((eventTime) => withQuiet({ eventTime }))), shipped);
    expect(read.totals.first).toBe('2026-10-01T12:00:00Z');
    expect(read.totals.last).toBe('2026-10-01T12:00:00\ue000');
  });

  it('a file cut inside a multi-byte character', async () => {
    const text = Buffer.from(`{"Records":[${with_({ ua: 'é日😀' })}`);
    for (let cut = text.length - 8; cut <= text.length; cut++)
      await same(text.subarray(0, cut), shipped, [2]);
  });

  it('the character positions in an error after the byte reader handed over count UTF-16 units', async () => {
    const text = `{"Records":[${with_({ ua: '😀日é' })},${plain.replace('"eu-west-1"', 'eu-west-1')}]}`;
    const read = await same(Buffer.from(text), shipped);
    expect(read.totals.elements).toBe(2);
    expect(read.items).toContain('malformed record: invalid JSON');
  });
});

describe('the intern table filling up mid-file', () => {
  it('more distinct values than it holds: those records are parsed, the totals are the same', async () => {
    const records: string[] = [];
    for (let i = 0; i < 70_000; i++) {
      // Seven new values a record: a run of 4,096 records overflows the table before it is emptied.
      records.push(
        withQuiet({
          eventName: `List${i}`,
          userIdentity: {
            type: `T${i}`,
            principalId: `P${i}`,
            arn: `arn:aws:iam::111122223333:user/u${i}`,
            invokedBy: `I${i}`,
          },
          errorCode: `E${i}`,
          eventType: `K${i}`,
        }),
      );
    }
    const before = skimStats.parsed;
    const read = await same(file(records), shipped, [65_536]);
    expect(read.totals.records).toBe(70_000);
    expect(read.totals.actors.length).toBeGreaterThan(9_000);
    expect(skimStats.parsed - before).toBeGreaterThan(0);
  });
});

describe('gzip', () => {
  it('a sound file is read whole, a truncated one streamed: the same records before the error', async () => {
    const text = file(Array.from({ length: 400 }, (_, i) => with_({ requestID: `r${i}` })));
    const gz = gzipSync(text);
    const sound = path.join(dir, 'sound.json.gz');
    const cut = path.join(dir, 'cut.json.gz');
    writeFileSync(sound, gz);
    writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)));
    const judge = new RecordJudge(shipped);
    const whole = await readLog(fileRef(sound), judge, { onItems: () => {} });
    expect(whole.records).toBe(400);
    const truncated = await readLog(fileRef(cut), judge, { onItems: () => {} });
    expect(truncated.error).toMatch(/^cannot read: /);
    expect(truncated.records).toBeGreaterThan(0);
    expect(truncated.records).toBeLessThan(400);
    // Every record counted was whole: the character reader reads at least as far.
    const chars = await readLog(
      fileRef(cut),
      new RecordJudge(shipped),
      { onItems: () => {} },
      { characters: true },
    );
    expect(truncated.error).toBe(chars.error);
    expect(truncated.records).toBeGreaterThanOrEqual(chars.records);
  });
});

/** Mutations a hostile or broken writer might make to a record's text. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\\u0041', 'é', '\u0000', '1', 'e'),
  }),
  fc.record({
    kind: fc.constant('field' as const),
    key: fc.constantFrom(
      'eventName',
      'eventSource',
      'eventTime',
      'userIdentity',
      'errorCode',
      'eventType',
      'requestParameters',
      'detail-type',
      'arn',
    ),
    value: fc.jsonValue({ maxDepth: 3 }),
  }),
);

interface Mutation {
  kind: string;
  at?: number;
  byte?: number;
  text?: string;
  key?: string;
  value?: unknown;
}

function mutate(record: string, m: Mutation): string {
  const at = (m.at ?? 0) % (record.length + 1);
  switch (m.kind) {
    case 'byte':
      return record.slice(0, at) + String.fromCharCode(m.byte ?? 0) + record.slice(at + 1);
    case 'delete':
      return record.slice(0, at) + record.slice(at + 1);
    case 'insert':
      return record.slice(0, at) + (m.text ?? '') + record.slice(at);
    default:
      // Appended: a duplicate key when the record has it already (the last one counts).
      return record.replace(/}$/, `,${JSON.stringify(m.key)}:${JSON.stringify(m.value ?? null)}}`);
  }
}

describe('random records bent at random', () => {
  it('read the same way, cut anywhere', async () => {
    const pool = [plain, ...sampleRecords.slice(0, 40), ...corpusRecords.slice(0, 200)];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: pool.length - 1 }), fc.array(mutation, { maxLength: 3 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 1, max: 2000 }),
        fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0x80, max: 0xff }))),
        async (picks, cutSize, raw) => {
          const records = picks.map(([i, ms]) => ms.reduce((r, m) => mutate(r, m), pool[i] as string));
          const bytes = Buffer.from(`{"Records":[${records.join(',')}]}`, 'utf8');
          // A raw byte that may break the UTF-8 around it.
          if (raw) bytes[raw[0] % bytes.length] = raw[1];
          await same(bytes, [...shipped, ...awkward], [cutSize]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('found in review', () => {
  it('a source that breaks part-way: the records held whole are read first, as the character reader reads them', async () => {
    // One gzip member holding two long records, a matched one and a comma, then a second member cut
    // short: the records of the first member are whole when the inflate fails.
    const filler = (n: number, i: number) =>
      withQuiet({ requestID: 'p'.repeat(n), userIdentity: { type: 'IAMUser', arn: `a${i}` } });
    const stop = with_({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' });
    const first = Buffer.from(`{"Records":[${filler(262_000, 0)},${filler(300_000, 1)},${stop},`);
    const gz = Buffer.concat([gzipSync(first), gzipSync(Buffer.from(`${plain}]}`)).subarray(0, 12)]);
    const f = path.join(dir, 'broken.json.gz');
    writeFileSync(f, gz);
    const items: PartItem[] = [];
    const bytes = await readLog(fileRef(f), new RecordJudge(shipped), {
      onItems: (i) => void items.push(...i),
    });
    const charItems: PartItem[] = [];
    const chars = await readLog(
      fileRef(f),
      new RecordJudge(shipped),
      { onItems: (i) => void charItems.push(...i) },
      { characters: true },
    );
    expect(bytes.error).toMatch(/^cannot read: /);
    expect(bytes.error).toBe(chars.error);
    expect(bytes.records).toBe(3);
    expect(bytes.records).toBeGreaterThanOrEqual(chars.records);
    expect(JSON.stringify(items)).toContain('StopLogging');
    for (const item of charItems) expect(JSON.stringify(items)).toContain(JSON.stringify(item));
  });

  it('a source that throws: every whole record before the throw is read', async () => {
    const text = file([plain, quiet, quiet]);
    async function* broken() {
      yield text.subarray(0, text.length - 30);
      throw new Error('connection reset');
    }
    const read = await skimBytes(broken(), new RecordJudge(shipped), { onItems: () => {} });
    expect(read).toMatchObject({ records: 2, error: 'cannot read: connection reset' });
  });

  it('a record of more than 16 MiB characters in a local file: the file fails as the character reader fails it', async () => {
    const huge = with_({ requestID: 'x'.repeat(17 * 1024 * 1024) });
    const text = file([
      plain,
      huge,
      with_({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' }),
    ]);
    const read = await same(text, shipped, []);
    expect(read.totals.error).toMatch(/^a record of more than 16777216 characters/);
    expect(read.items).not.toContain('StopLogging');
    const f = path.join(dir, 'huge.json.gz');
    writeFileSync(f, gzipSync(text, { level: 1 }));
    const gz = await readLog(fileRef(f), new RecordJudge(shipped), { onItems: () => {} });
    expect(gz).toEqual(read.totals);
  });

  it('long values fill the intern arena: it is emptied, and the next file is counted from its fields again', async () => {
    const judge = new RecordJudge(shipped);
    const long = Array.from({ length: 3000 }, (_, i) =>
      withQuiet({ userIdentity: { type: 'IAMUser', arn: `${i}:${'a'.repeat(1000)}` } }),
    );
    await byBytes([file(long)], judge);
    const before = { ...skimStats };
    const normal = Array.from({ length: 2000 }, () => quiet);
    const read = await byBytes([file(normal)], judge);
    expect(read.totals.records).toBe(2000);
    expect(skimStats.counted - before.counted).toBe(2000);
    expect(skimStats.parsed).toBe(before.parsed);
  });
});
