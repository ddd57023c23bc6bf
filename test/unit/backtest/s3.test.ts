import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createBacktest } from '../../../shared/backtest/backtest.ts';
import { generateLogFiles } from '../../../shared/backtest/generate.ts';
import { Progress } from '../../../shared/backtest/progress.ts';
import {
  planS3Reads,
  ReadAhead,
  type S3Ref,
  s3ClientConfig,
  s3ErrorText,
  s3Lister,
} from '../../../shared/backtest/s3.ts';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';

const ref = (key: string, size = 10): S3Ref => ({ kind: 's3', bucket: 'trail', key, size });

async function readAll(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

/** GetObject stand-in: each body is a stream the test writes and ends. */
function fakeGets() {
  const bodies = new Map<string, PassThrough>();
  const requested: string[] = [];
  return {
    bodies,
    requested,
    get: async (r: S3Ref): Promise<Readable> => {
      requested.push(r.key);
      const body = new PassThrough();
      bodies.set(r.key, body);
      return body;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadAhead', () => {
  it('keeps at most N objects fetching, hands them out in the planned order, and moves on as each is read', async () => {
    const fake = fakeGets();
    const refs = ['a', 'b', 'c', 'd', 'e'].map((k) => ref(k));
    const ahead = new ReadAhead(refs, 2, 1024 * 1024, fake.get);
    await tick();
    expect(fake.requested).toEqual(['a', 'b']);
    // The second object arrives first: it waits its turn.
    fake.bodies.get('b')?.end('second');
    fake.bodies.get('a')?.end('first');
    const a = ahead.take(refs[0] as S3Ref);
    expect(await readAll(a as Readable)).toBe('first');
    await tick();
    expect(fake.requested).toEqual(['a', 'b', 'c']);
    expect(await readAll(ahead.take(refs[1] as S3Ref) as Readable)).toBe('second');
    await tick();
    expect(fake.requested).toEqual(['a', 'b', 'c', 'd']);
  });

  it('bounds what it buffers: a full buffer pauses the body', async () => {
    const fake = fakeGets();
    const ahead = new ReadAhead([ref('big')], 1, 512 * 1024, fake.get);
    await tick();
    const body = fake.bodies.get('big') as PassThrough;
    let written = 0;
    while (body.write(Buffer.alloc(64 * 1024)) && written < 8 * 1024 * 1024) written += 64 * 1024;
    await tick();
    // Each side of the PassThrough holds its high-water mark (here the 256 KB floor): the body stops well short of 8 MB.
    expect(written).toBeLessThan(2 * 1024 * 1024);
    ahead.close();
  });

  it('a GET that failed before its turn fails when taken, and the plan goes on', async () => {
    const refs = [ref('denied'), ref('fine')];
    const ahead = new ReadAhead(refs, 2, 1024 * 1024, async (r) => {
      if (r.key === 'denied') throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      const body = new PassThrough();
      body.end('ok');
      return body;
    });
    await tick();
    await tick();
    await expect(readAll(ahead.take(refs[0] as S3Ref) as Readable)).rejects.toThrow(
      /^access denied reading s3:\/\/trail\/denied: the caller needs s3:GetObject on arn:aws:s3:::trail\/denied/,
    );
    expect(await readAll(ahead.take(refs[1] as S3Ref) as Readable)).toBe('ok');
  });

  it('drops objects the caller skipped, and answers undefined for one it never planned', async () => {
    const fake = fakeGets();
    const refs = ['a', 'b', 'c'].map((k) => ref(k));
    const ahead = new ReadAhead(refs, 3, 1024 * 1024, fake.get);
    await tick();
    expect(ahead.take(ref('elsewhere'))).toBeUndefined();
    const c = ahead.take(refs[2] as S3Ref) as Readable;
    await tick();
    expect(fake.bodies.get('a')?.destroyed).toBe(true);
    expect(fake.bodies.get('b')?.destroyed).toBe(true);
    fake.bodies.get('c')?.end('third');
    expect(await readAll(c)).toBe('third');
  });
});

describe('s3ErrorText', () => {
  const at = { bucket: 'trail', prefix: 'AWSLogs/', action: 'list' as const };
  const err = (name: string, status?: number, message = name) =>
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

  it('says a bucket is missing, or what to grant when access is denied', () => {
    expect(s3ErrorText(err('NoSuchBucket', 404), at)).toBe(
      'no bucket named trail (or it is in another account)',
    );
    expect(s3ErrorText(err('AccessDenied', 403), at)).toBe(
      'access denied listing s3://trail/AWSLogs/: the caller needs s3:ListBucket on arn:aws:s3:::trail and s3:GetObject on arn:aws:s3:::trail/AWSLogs/*',
    );
    // A HEAD-like 403 without a code is still a denial.
    expect(s3ErrorText(err('Unknown', 403), { bucket: 'trail', key: 'k.json.gz', action: 'get' })).toMatch(
      /^access denied reading s3:\/\/trail\/k\.json\.gz: the caller needs s3:GetObject on arn:aws:s3:::trail\/k\.json\.gz \(and kms:Decrypt/,
    );
  });

  it('explains missing, expired and refused credentials by how the chain looks for them', () => {
    const missing = s3ErrorText(
      err('CredentialsProviderError', undefined, 'Could not load credentials from any providers'),
      at,
    );
    expect(missing).toMatch(/^no AWS credentials found: the AWS SDK looks for them in AWS_ACCESS_KEY_ID/);
    expect(s3ErrorText(err('ExpiredToken', 400), at)).toMatch(
      /^the AWS credentials have expired: renew them/,
    );
    expect(s3ErrorText(err('InvalidAccessKeyId', 403), at)).toMatch(
      /^S3 refused the AWS credentials \(InvalidAccessKeyId/,
    );
  });

  it('never repeats a secret the error carries outside its message', () => {
    const e = Object.assign(
      err('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match'),
      {
        StringToSign: 'AWS4-HMAC-SHA256 secret-ish',
        SignatureProvided: 'deadbeef',
      },
    );
    const text = s3ErrorText(e, at);
    expect(text).not.toContain('deadbeef');
    expect(text).not.toContain('secret-ish');
  });

  it('names an unknown answer by its code and status only: a server may echo the request', () => {
    const echo = err(
      'WeirdError',
      400,
      'Credential=AKIDTEST/20261205/us-east-1/s3/aws4_request, Signature=abc',
    );
    const text = s3ErrorText(echo, at);
    expect(text).toBe('S3 answered WeirdError (HTTP 400) for s3://trail/AWSLogs/');
  });
});

describe('s3Lister', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());
  afterAll(() => s3.restore());

  it('stops a listing that hands back a token it gave before', async () => {
    s3.on(ListObjectsV2Command).resolves({
      IsTruncated: true,
      NextContinuationToken: 'again',
      Contents: [{ Key: 'AWSLogs/a.json.gz', Size: 1 }],
    });
    await expect(s3Lister('trail').objects('AWSLogs/')).rejects.toThrow(
      'the listing of s3://trail/AWSLogs/ repeats itself: stopped',
    );
    expect(s3.commandCalls(ListObjectsV2Command).length).toBe(2);
  });

  it('stops a listing cut short without a token', async () => {
    s3.on(ListObjectsV2Command).resolves({ IsTruncated: true, Contents: [] });
    await expect(s3Lister('trail').objects('AWSLogs/')).rejects.toThrow('is cut short without a way on');
  });

  it('lists every page in order while each token is new', async () => {
    s3.on(ListObjectsV2Command)
      .resolvesOnce({
        IsTruncated: true,
        NextContinuationToken: 't1',
        Contents: [{ Key: 'k1.json.gz', Size: 1 }],
      })
      .resolvesOnce({ IsTruncated: false, Contents: [{ Key: 'k2.json.gz', Size: 2 }] });
    expect(await s3Lister('trail').objects('')).toEqual([
      { key: 'k1.json.gz', size: 1 },
      { key: 'k2.json.gz', size: 2 },
    ]);
  });
});

describe('s3ClientConfig', () => {
  it('follows region redirects, takes the Region from the environment, path-style for a local endpoint', () => {
    expect(s3ClientConfig({})).toEqual({
      region: 'us-east-1',
      followRegionRedirects: true,
      forcePathStyle: false,
    });
    expect(s3ClientConfig({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' })).toEqual({
      region: 'eu-west-1',
      followRegionRedirects: true,
      forcePathStyle: true,
    });
    expect(
      s3ClientConfig({ AWS_DEFAULT_REGION: 'eu-central-1', AWS_ENDPOINT_URL_S3: 'https://s3.example.com' }),
    ).toEqual({ region: 'eu-central-1', followRegionRedirects: true, forcePathStyle: false });
  });
});

describe('S3 objects through the backtest, with progress by bytes', () => {
  afterEach(() => planS3Reads([]));

  it('reads planned objects in key order, counts their compressed bytes to 100% and a failed one as a failed file', async () => {
    const files = [...generateLogFiles({ seed: 7, files: 2, recordsPerFile: 40 })].map((f) =>
      gzipSync(JSON.stringify({ Records: f.records })),
    );
    const refs: S3Ref[] = [
      ref('AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/01/a.json.gz', files[0]?.length ?? 0),
      ref('AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/01/b.json.gz', files[1]?.length ?? 0),
      ref('AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/01/c.json.gz', 100),
    ];
    planS3Reads(refs, {
      concurrency: 2,
      get: async (r) => {
        const i = refs.findIndex((x) => x.key === r.key);
        const body = files[i];
        if (!body) throw Object.assign(new Error('gone'), { name: 'NoSuchKey' });
        return Readable.from([body.subarray(0, 100), body.subarray(100)]);
      },
    });
    const written: string[] = [];
    const total = refs.slice(0, 2).reduce((sum, r) => sum + r.size, 0);
    const progress = new Progress({
      write: (s) => written.push(s),
      totalFiles: refs.length,
      totalBytes: total,
    });
    const backtest = createBacktest({
      rules: readServerlessRules('serverless.yml', { stage: 'dev' }),
      config: loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' }),
    });
    let bytes = 0;
    for (const r of refs) {
      progress.fileStarted();
      await backtest.runLog(
        r,
        (b) => {
          bytes += b;
          progress.addBytes(b);
        },
        (n) => progress.addRecords(n),
      );
    }
    expect(bytes).toBe(total);
    expect(progress.line()).toMatch(/^\[#{24}\] 100% · file 3\/3 · 80 records · /);
    const summary = backtest.summary();
    expect(summary.files).toEqual({ read: 2, failed: 1 });
    expect(summary.records.read).toBe(80);
    expect(summary.errors.files).toEqual([
      {
        file: `s3://trail/${refs[2]?.key}`,
        error: `cannot read: s3://trail/${refs[2]?.key}: the object is gone (deleted since it was listed)`,
        recordsBefore: 0,
      },
    ]);
  });
});
