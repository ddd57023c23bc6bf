import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isRecord, str } from '../detect/values.ts';
import { CLOUDTRAIL_API_CALL, CONSOLE_SIGNIN_DETAIL_TYPES } from '../events/envelope.ts';
import { plainError } from '../util/errors.ts';

/** One thing to replay: an event (or a reason it could not become one) and where it came from. */
export interface ReplayInput {
  /** `<path>` or `<path>#<index>` for files holding several events. */
  source: string;
  event?: unknown;
  error?: string;
}

export class UnreadablePathError extends Error {
  override readonly name = 'UnreadablePathError';
}

const REPLAYABLE = /\.json(\.gz)?$/;

/** Files under a path, recursively and in a stable order; a missing path is the caller's error. */
export function listFiles(path: string): string[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (err) {
    throw new UnreadablePathError(`cannot read ${path}: ${plainError(err)}`);
  }
  if (st.isFile()) return [path];
  if (!st.isDirectory()) throw new UnreadablePathError(`cannot read ${path}: not a file or folder`);
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((d) => {
      const child = join(path, d.name);
      if (d.isDirectory()) return listFiles(child);
      return d.isFile() && REPLAYABLE.test(d.name) ? [child] : [];
    });
}

/**
 * The files under a path a user named, or why there is nothing to read there: the path cannot be
 * read, or it is a folder without one (`empty` words that, as each command says it).
 */
export function listPath(path: string, empty: string): { files: string[]; problem?: string } {
  let files: string[];
  try {
    files = listFiles(path);
  } catch (err) {
    if (!(err instanceof UnreadablePathError)) throw err;
    return { files: [], problem: err.message };
  }
  return files.length > 0 ? { files } : { files, problem: empty };
}

/** The `source` EventBridge gives a CloudTrail record of this eventSource: `aws.<service>`. */
export function eventBridgeSource(eventSource: string): string {
  return `aws.${eventSource.replace(/\.amazonaws\.com$/, '')}`;
}

/**
 * The envelope EventBridge puts around a CloudTrail record: source aws.<service>, the detail-type
 * for its event type, the account and region it was recorded in.
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html
 */
export function wrapCloudTrailRecord(record: Record<string, unknown>): Record<string, unknown> {
  const eventSource = str(record.eventSource) ?? 'unknown.amazonaws.com';
  const eventType = str(record.eventType);
  const detailType =
    eventType === 'AwsConsoleSignIn'
      ? CONSOLE_SIGNIN_DETAIL_TYPES[0]
      : eventType === 'AwsServiceEvent'
        ? 'AWS Service Event via CloudTrail'
        : CLOUDTRAIL_API_CALL;
  const identity = isRecord(record.userIdentity) ? record.userIdentity : {};
  return {
    version: '0',
    id: str(record.eventID) ?? str(record.requestID) ?? 'unknown',
    'detail-type': detailType,
    source: eventBridgeSource(eventSource),
    account: str(record.recipientAccountId) ?? str(identity.accountId) ?? 'unknown',
    time: str(record.eventTime) ?? new Date(0).toISOString(),
    region: str(record.awsRegion) ?? 'us-east-1',
    resources: [],
    detail: record,
  };
}

function isCloudTrailRecord(v: Record<string, unknown>): boolean {
  return typeof v.eventSource === 'string' && typeof v.eventName === 'string' && !('detail-type' in v);
}

function itemFrom(value: unknown, source: string): ReplayInput {
  if (isRecord(value) && isCloudTrailRecord(value)) return { source, event: wrapCloudTrailRecord(value) };
  if (isRecord(value) && 'detail-type' in value) return { source, event: value };
  return { source, event: value, error: 'not an EventBridge event or a CloudTrail record' };
}

/** The events one file holds, in any of the shapes replay accepts. */
export function inputsFromText(text: string, source: string): ReplayInput[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return [{ source, error: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` }];
  }
  if (Array.isArray(value)) return value.map((v, i) => itemFrom(v, `${source}#${i}`));
  if (isRecord(value) && Array.isArray(value.Records)) {
    return value.Records.map((r, i) => itemFrom(r, `${source}#${i}`));
  }
  return [itemFrom(value, source)];
}

/**
 * The most JSON text replay reads from one file, after decompression: 100 MB.
 *
 * Replay holds a file's text and its parsed events in memory at once, so without a bound a 600 KB
 * `.json.gz` that inflates to 600 MB (a gzip bomb, or a month of logs concatenated) exhausts the
 * process and loses the whole run. Measured: 100 MB of CloudTrail records (about 200,000) parse in under
 * a second and keep the process under 400 MB, far from Node's default heap and V8's ~512 MB string cap.
 * A CloudTrail log file holds one account and region's records up to the minute it was delivered
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html), so a real
 * one sits far below this; months of archives belong to `cloud-alerts backtest`, which streams.
 */
export const MAX_REPLAY_FILE_BYTES = 100 * 1024 * 1024;

export interface ReadOptions {
  /** Overrides MAX_REPLAY_FILE_BYTES (tests use a small bound). */
  maxBytes?: number;
}

const mb = (bytes: number): string => `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;

function tooLarge(limit: number): string {
  return `replay reads at most ${mb(limit)} of JSON per file; split it, or run \`cloud-alerts backtest\`, which streams`;
}

/**
 * Node's ERR_BUFFER_TOO_LARGE, raised when `maxOutputLength` is reached. Duck-typed on `code`:
 * errors from another realm (a vm context, as under Jest) fail `instanceof`.
 */
function isOutputLimit(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'ERR_BUFFER_TOO_LARGE';
}

/**
 * The events one file holds. A file that cannot be read, is not gzip, or is (or inflates) past the
 * bound becomes one input with `error` set, so the run goes on with the next file.
 */
export function inputsFromFile(file: string, opts: ReadOptions = {}): ReplayInput[] {
  const limit = opts.maxBytes ?? MAX_REPLAY_FILE_BYTES;
  const gzipped = file.endsWith('.gz');
  let buf: Buffer;
  try {
    // Checked before reading: a compressed file this large inflates to more, and a plain one is its own size.
    const size = statSync(file).size;
    if (size > limit) return [{ source: file, error: `file is ${mb(size)}; ${tooLarge(limit)}` }];
    buf = readFileSync(file);
    // maxOutputLength stops inflating at the bound instead of allocating whatever the file asks for.
    // https://nodejs.org/api/zlib.html#class-options
    if (gzipped) buf = gunzipSync(buf, { maxOutputLength: limit });
  } catch (err) {
    if (gzipped && isOutputLimit(err)) {
      return [{ source: file, error: `inflates past ${mb(limit)}; ${tooLarge(limit)}` }];
    }
    return [{ source: file, error: `cannot read: ${plainError(err)}` }];
  }
  return inputsFromText(buf.toString('utf8'), file);
}
