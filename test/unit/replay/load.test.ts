import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  inputsFromFile,
  inputsFromText,
  listFiles,
  UnreadablePathError,
  wrapCloudTrailRecord,
} from '../../../shared/replay/load.ts';

const record = {
  eventVersion: '1.09',
  userIdentity: { type: 'IAMUser', accountId: '123456789012', userName: 'alice' },
  eventTime: '2026-11-20T10:00:00Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'PutBucketAcl',
  awsRegion: 'eu-west-1',
  eventID: '0f4b9a52-7f0e-4c8e-9d51-3b1f8f6f2a10',
  eventType: 'AwsApiCall',
  recipientAccountId: '123456789012',
};

describe('wrapCloudTrailRecord', () => {
  it('builds the envelope EventBridge would deliver for an API call', () => {
    expect(wrapCloudTrailRecord(record)).toEqual({
      version: '0',
      id: '0f4b9a52-7f0e-4c8e-9d51-3b1f8f6f2a10',
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.s3',
      account: '123456789012',
      time: '2026-11-20T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: record,
    });
  });

  it('uses the console sign-in detail-type for AwsConsoleSignIn records', () => {
    const signIn = {
      ...record,
      eventSource: 'signin.amazonaws.com',
      eventName: 'ConsoleLogin',
      eventType: 'AwsConsoleSignIn',
    };
    expect(wrapCloudTrailRecord(signIn)).toMatchObject({
      'detail-type': 'AWS Console Sign In via CloudTrail',
      source: 'aws.signin',
    });
  });
});

describe('inputsFromText', () => {
  it('reads a CloudTrail log file, one input per record with its index', () => {
    const inputs = inputsFromText(JSON.stringify({ Records: [record, record] }), 'log.json');
    expect(inputs.map((i) => i.source)).toEqual(['log.json#0', 'log.json#1']);
    expect(inputs[0]?.event).toMatchObject({ source: 'aws.s3' });
  });

  it('reads a JSON array of events and a single event', () => {
    const event = wrapCloudTrailRecord(record);
    expect(inputsFromText(JSON.stringify([event]), 'a.json')).toEqual([{ source: 'a.json#0', event }]);
    expect(inputsFromText(JSON.stringify(event), 'b.json')).toEqual([{ source: 'b.json', event }]);
  });

  it('wraps a bare CloudTrail record', () => {
    expect(inputsFromText(JSON.stringify(record), 'r.json')[0]?.event).toMatchObject({
      'detail-type': 'AWS API Call via CloudTrail',
    });
  });

  it('reports invalid JSON and unknown shapes instead of throwing', () => {
    expect(inputsFromText('{nope', 'x.json')[0]?.error).toMatch(/^invalid JSON/);
    expect(inputsFromText('{"hello": 1}', 'y.json')[0]?.error).toBe(
      'not an EventBridge event or a CloudTrail record',
    );
  });
});

describe('files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-load-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists .json and .json.gz files recursively in a stable order, ignoring others', () => {
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'b', 'z.json'), '{}');
    writeFileSync(join(dir, 'a.json.gz'), gzipSync('{}'));
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect(listFiles(dir)).toEqual([join(dir, 'a.json.gz'), join(dir, 'b', 'z.json')]);
  });

  it('gunzips .json.gz CloudTrail log files', () => {
    const file = join(dir, 'log.json.gz');
    writeFileSync(file, gzipSync(JSON.stringify({ Records: [record] })));
    expect(inputsFromFile(file)).toHaveLength(1);
    expect(inputsFromFile(file)[0]?.event).toMatchObject({ id: record.eventID });
  });

  it('reports a corrupt gzip file as an input error', () => {
    const file = join(dir, 'bad.json.gz');
    writeFileSync(file, 'not gzip');
    expect(inputsFromFile(file)[0]?.error).toMatch(/^cannot read/);
  });

  it('stops inflating a gzip bomb at the bound and says so, instead of exhausting memory', () => {
    const file = join(dir, 'bomb.json.gz');
    // 3 MB of zeros compress to about 3 KB; the bound here is 1 MB.
    writeFileSync(file, gzipSync(Buffer.alloc(3 * 1024 * 1024)));
    expect(inputsFromFile(file, { maxBytes: 1024 * 1024 })).toEqual([
      {
        source: file,
        error: expect.stringMatching(/^inflates past 1 MB; replay reads at most 1 MB of JSON per file/),
      },
    ]);
  });

  it('reads a .json.gz that inflates to exactly the bound', () => {
    const text = JSON.stringify({ Records: [record] });
    const file = join(dir, 'exact.json.gz');
    writeFileSync(file, gzipSync(text));
    expect(inputsFromFile(file, { maxBytes: Buffer.byteLength(text) })[0]?.error).toBeUndefined();
  });

  it('refuses a plain .json file past the bound without reading it', () => {
    const file = join(dir, 'huge.json');
    // A sparse file: its size is on disk in an instant, its content never written.
    writeFileSync(file, '');
    truncateSync(file, 2.5 * 1024 * 1024);
    expect(inputsFromFile(file, { maxBytes: 1024 * 1024 })[0]?.error).toMatch(
      /^file is 2\.5 MB; replay reads at most 1 MB of JSON per file; split it, or run `cloud-alerts backtest`/,
    );
  });

  it('throws UnreadablePathError for a missing path', () => {
    expect(() => listFiles(join(dir, 'missing'))).toThrow(UnreadablePathError);
  });
});
