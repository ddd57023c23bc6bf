/**
 * Backtest straight from S3: the client, the listing behind planS3Keys, and a read-ahead that keeps
 * several GetObject requests in flight so one slow object does not stall the scan.
 *
 * The SDK is imported on first use: a backtest of local files never loads it. One client per
 * thread (module state is per thread), with the SDK's standard credential chain.
 */

import { PassThrough, type Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { onFirstUse } from '../aws/lazy.ts';
import { isRecord } from '../detect/values.ts';
import { planS3Keys, type S3Lister, type S3Location, type S3Object, type S3Selection } from './s3-layout.ts';

/** An S3 object as the backtest reads it (the `s3` member of LogRef, shared/backtest/sources.ts). */
export interface S3Ref {
  kind: 's3';
  bucket: string;
  key: string;
  size: number;
}

/** GetObject requests in flight ahead of the scan, by default (--s3-concurrency). */
export const DEFAULT_S3_CONCURRENCY = 8;
/** Bytes fetched ahead but not yet scanned, at most (all objects in flight together). */
export const MAX_READ_AHEAD_BYTES = 64 * 1024 * 1024;
/** A LIST page holds up to 1,000 keys. https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html */
const LIST_PAGE_KEYS = 1000;
/**
 * More objects than this under one path is months of an organisation's trail at once: the refs alone
 * would take gigabytes. The run stops and asks for a narrower selection instead.
 */
export const MAX_LISTED_OBJECTS = 5_000_000;

const loadS3 = onFirstUse(() => import('@aws-sdk/client-s3'));

/**
 * The client's settings from the environment. The SDK reads credentials itself (environment, profile,
 * SSO, web identity, container and instance roles) and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3.
 * Region: AWS_REGION or AWS_DEFAULT_REGION, else us-east-1; a bucket in another Region is followed
 * there (followRegionRedirects retries on S3's 301 PermanentRedirect with the bucket's Region:
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/migrate-s3.html, "Amazon S3 region redirects").
 * An endpoint on an IP address or localhost (moto, MinIO) cannot take bucket names as host names:
 * path-style addressing there.
 */
export function s3ClientConfig(env: NodeJS.ProcessEnv): {
  region: string;
  followRegionRedirects: true;
  forcePathStyle: boolean;
} {
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  let host = '';
  try {
    host = endpoint ? new URL(endpoint).hostname : '';
  } catch {
    // The SDK reports a malformed endpoint itself.
  }
  const local = host === 'localhost' || /^[\d.]+$/.test(host) || host.startsWith('[');
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    followRegionRedirects: true,
    forcePathStyle: local,
  };
}

const client = onFirstUse(async (): Promise<S3Client> => {
  const sdk = await loadS3();
  return new sdk.S3Client(s3ClientConfig(process.env));
});

/** ListObjectsV2, every page, as the planner's port. */
export function s3Lister(bucket: string): S3Lister {
  async function* pages(prefix: string, delimiter?: string) {
    const [sdk, s3] = await Promise.all([loadS3(), client()]);
    let token: string | undefined;
    // A server that hands back a token it gave before would be listed for ever.
    const seen = new Set<string>();
    do {
      const page = await s3.send(
        new sdk.ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          MaxKeys: LIST_PAGE_KEYS,
          ...(delimiter ? { Delimiter: delimiter } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated && !token)
        throw new S3ListError(`the listing of s3://${bucket}/${prefix} is cut short without a way on`);
      if (token !== undefined) {
        if (seen.has(token))
          throw new S3ListError(`the listing of s3://${bucket}/${prefix} repeats itself: stopped`);
        seen.add(token);
      }
    } while (token);
  }
  return {
    async folders(prefix) {
      const names: string[] = [];
      for await (const page of pages(prefix, '/'))
        for (const p of page.CommonPrefixes ?? [])
          if (p.Prefix) names.push(p.Prefix.slice(prefix.length).replace(/\/$/, ''));
      return names;
    },
    async objects(prefix) {
      const found: S3Object[] = [];
      for await (const page of pages(prefix)) {
        for (const o of page.Contents ?? []) if (o.Key) found.push({ key: o.Key, size: o.Size ?? 0 });
        if (found.length > MAX_LISTED_OBJECTS) {
          throw new S3ListError(
            `more than ${MAX_LISTED_OBJECTS.toLocaleString('en-US')} objects under s3://${bucket}/${prefix}: narrow the run with --since/--until, --account or --region`,
          );
        }
      }
      return found;
    },
  };
}

/** Listing `s3://bucket/prefix` failed: the message is in plain words (s3ErrorText). */
export class S3ListError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'S3ListError';
  }
}

/** The log objects a location and selection name, in key order (shared/backtest/s3-layout.ts). */
export async function listS3Logs(
  where: S3Location,
  sel: S3Selection,
  lister: S3Lister = s3Lister(where.bucket),
): Promise<S3Ref[]> {
  try {
    const found = await planS3Keys(where.prefix, sel, lister);
    return found.map((o) => ({ kind: 's3', bucket: where.bucket, key: o.key, size: o.size }));
  } catch (err) {
    throw new S3ListError(s3ErrorText(err, { bucket: where.bucket, prefix: where.prefix, action: 'list' }), {
      cause: err,
    });
  }
}

const DENIED = new Set(['AccessDenied', 'AllAccessDisabled', 'AccessDeniedException', 'Forbidden']);
const NO_CREDENTIALS = new Set(['CredentialsProviderError', 'CredentialsError']);
const BAD_CREDENTIALS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'InvalidClientTokenId',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired', 'RequestExpired']);

/** How the SDK's chain looks for credentials (https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/setting-credentials-node.html). */
const CHAIN =
  'the AWS SDK looks for them in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN), ' +
  'then the profile AWS_PROFILE names (default) in ~/.aws/credentials and ~/.aws/config (SSO included: aws sso login), ' +
  'then a web identity token, then the container or EC2 instance role';

/**
 * An S3 or SDK error in words a person acts on: what was refused and what to grant, never a key or
 * secret (an SDK error's message names neither; its request metadata is left out).
 */
export function s3ErrorText(
  err: unknown,
  at: { bucket: string; prefix?: string; key?: string; action: 'list' | 'get' },
): string {
  const name = isRecord(err) && typeof err.name === 'string' ? err.name : '';
  const code = isRecord(err) && typeof err.code === 'string' ? err.code : '';
  const status =
    isRecord(err) && isRecord(err.$metadata) && typeof err.$metadata.httpStatusCode === 'number'
      ? err.$metadata.httpStatusCode
      : undefined;
  // Our own words (a listing that loops or is too large) stand as they are.
  if (err instanceof S3ListError) return err.message;
  const message = isRecord(err) && typeof err.message === 'string' ? err.message : String(err);
  const where = `s3://${at.bucket}/${at.key ?? at.prefix ?? ''}`;
  if (name === 'NoSuchBucket') return `no bucket named ${at.bucket} (or it is in another account)`;
  if (name === 'NoSuchKey') return `${where}: the object is gone (deleted since it was listed)`;
  if (DENIED.has(name) || (status === 403 && !BAD_CREDENTIALS.has(name) && !EXPIRED.has(name))) {
    if (at.action === 'list')
      return (
        `access denied listing ${where}: the caller needs s3:ListBucket on arn:aws:s3:::${at.bucket}` +
        ` and s3:GetObject on arn:aws:s3:::${at.bucket}/${at.prefix ?? ''}*`
      );
    return (
      `access denied reading ${where}: the caller needs s3:GetObject on arn:aws:s3:::${at.bucket}/${at.key ?? ''}` +
      " (and kms:Decrypt on the trail's KMS key when its logs are encrypted with SSE-KMS)"
    );
  }
  if (NO_CREDENTIALS.has(name) || /could not load credentials/i.test(message))
    return `no AWS credentials found: ${CHAIN}`;
  if (EXPIRED.has(name))
    return `the AWS credentials have expired: renew them (aws sso login, a new session) where ${CHAIN.replace('the AWS SDK looks for them in ', '')}`;
  if (BAD_CREDENTIALS.has(name))
    return `S3 refused the AWS credentials (${name}: an unknown access key or a wrong secret); ${CHAIN}`;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'ECONNRESET')
    return `cannot reach S3 (${code})${process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL ? ' at the endpoint AWS_ENDPOINT_URL names' : ''}`;
  // A server's own message may echo the request (its Authorization header, the key id in it): an
  // answer from S3 (or an endpoint posing as it) is named by its code and status only.
  if (status !== undefined) return `S3 answered ${name || 'an error'} (HTTP ${status}) for ${where}`;
  return name && !message.startsWith(name) ? `${name}: ${message}` : message;
}

interface Pending {
  stream: PassThrough;
  /** Set when the GET or its body failed. */
  error?: Error;
}

/**
 * Keeps up to `concurrency` objects of a planned sequence fetching at once: the one being scanned
 * and the next ones. Each body streams into a bounded buffer (backpressure pauses the socket when it
 * is full), so memory stays under MAX_READ_AHEAD_BYTES whatever the objects' sizes; a slot frees
 * when its object has been read or dropped. Objects are still handed out in the planned order.
 */
export class ReadAhead {
  private readonly queue: S3Ref[];
  private readonly started = new Map<string, Pending>();
  private inFlight = 0;
  private readonly highWaterMark: number;

  constructor(
    refs: readonly S3Ref[],
    private readonly concurrency: number,
    maxBufferedBytes: number,
    /** One object's body: GetObject, or a test's stand-in. */
    private readonly get: (ref: S3Ref) => Promise<Readable> = getBody,
  ) {
    this.queue = [...refs];
    // A PassThrough buffers up to its mark on each side: two marks an object.
    this.highWaterMark = Math.max(256 * 1024, Math.floor(maxBufferedBytes / (2 * concurrency)));
    this.fill();
  }

  /** The object's stream when it was planned; undefined when it was not (opened directly). */
  take(ref: S3Ref): Readable | undefined {
    const id = refId(ref);
    let pending = this.started.get(id);
    if (!pending) {
      const at = this.queue.findIndex((r) => refId(r) === id);
      if (at === -1) return undefined;
      // Everything started comes before it in the plan.
      this.queue.splice(0, at);
      pending = this.start(this.queue.shift() as S3Ref);
    }
    // Planned objects before this one were skipped by the caller: stop fetching them (the map keeps plan order).
    for (const [key, earlier] of this.started) {
      if (key === id) break;
      this.started.delete(key);
      earlier.stream.destroy();
    }
    this.started.delete(id);
    this.fill();
    if (pending.error === undefined) return pending.stream;
    // Failed before anyone listened: fail again once the caller has its listeners on.
    const failed = new PassThrough();
    const error = pending.error;
    setImmediate(() => failed.destroy(error));
    return failed;
  }

  /** Stops every fetch not yet handed out. */
  close(): void {
    this.queue.length = 0;
    for (const pending of this.started.values()) pending.stream.destroy();
    this.started.clear();
  }

  private fill(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const ref = this.queue.shift() as S3Ref;
      this.started.set(refId(ref), this.start(ref));
    }
  }

  private start(ref: S3Ref): Pending {
    const stream = new PassThrough({ highWaterMark: this.highWaterMark });
    this.inFlight++;
    let freed = false;
    const free = () => {
      if (freed) return;
      freed = true;
      this.inFlight--;
      this.fill();
    };
    stream.once('close', free);
    const pending: Pending = { stream };
    // Kept for take(): a stream that fails while nobody reads it must not crash the process.
    stream.on('error', (err) => {
      pending.error ??= err;
    });
    this.get(ref).then(
      (body) => {
        if (stream.destroyed) {
          body.destroy();
          return;
        }
        body.once('error', (err) => stream.destroy(new Error(s3ErrorText(err, { ...ref, action: 'get' }))));
        stream.once('close', () => body.destroy());
        body.pipe(stream);
      },
      (err: unknown) => stream.destroy(new Error(s3ErrorText(err, { ...ref, action: 'get' }))),
    );
    return pending;
  }
}

function refId(ref: S3Ref): string {
  return `${ref.bucket}/${ref.key}`;
}

async function getBody(ref: S3Ref): Promise<Readable> {
  const [sdk, s3] = await Promise.all([loadS3(), client()]);
  const out = await s3.send(new sdk.GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  // In Node the body is an http.IncomingMessage (a Readable) with the SDK's mix-ins.
  const body = out.Body as unknown;
  if (!isReadable(body)) throw new Error(`s3://${ref.bucket}/${ref.key}: no body in the answer`);
  return body;
}

function isReadable(v: unknown): v is Readable {
  return isRecord(v) && typeof v.pipe === 'function' && typeof v.on === 'function';
}

let plan: ReadAhead | undefined;

/**
 * The S3 objects this thread is about to open, in the order it will open them: from now on they are
 * fetched `concurrency` at a time ahead of the scan. A worker thread calls it with its own share.
 * Replaces any earlier plan.
 */
export function planS3Reads(
  refs: readonly S3Ref[],
  opts: {
    concurrency?: number;
    maxBufferedBytes?: number;
    /** For tests: an object's body instead of GetObject. */
    get?: (ref: S3Ref) => Promise<Readable>;
  } = {},
): void {
  plan?.close();
  plan =
    refs.length > 0
      ? new ReadAhead(
          refs,
          Math.max(1, opts.concurrency ?? DEFAULT_S3_CONCURRENCY),
          opts.maxBufferedBytes ?? MAX_READ_AHEAD_BYTES,
          opts.get,
        )
      : undefined;
}

/** The object's bytes: from the read-ahead when it was planned, else one GetObject now. */
export async function openS3Object(ref: S3Ref): Promise<Readable> {
  const planned = plan?.take(ref);
  if (planned) return planned;
  try {
    return await getBody(ref);
  } catch (err) {
    throw new Error(s3ErrorText(err, { ...ref, action: 'get' }), { cause: err });
  }
}
