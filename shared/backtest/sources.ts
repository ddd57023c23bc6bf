import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { openS3Object, type S3Ref } from './s3.ts';

/**
 * One log object a backtest reads: a local file or an S3 object (more kinds join this union).
 * Plain data, so a reference can be handed to a worker thread, which opens it itself.
 */
export type LogRef = { kind: 'file'; path: string; size: number } | S3Ref;

/** How a reference is named in summaries, errors and progress. */
export function logName(ref: LogRef): string {
  return ref.kind === 's3' ? `s3://${ref.bucket}/${ref.key}` : ref.path;
}

/** Whether the bytes are gzip, by name, as CloudTrail names its files (`….json.gz`). */
export function isGzipped(ref: LogRef): boolean {
  return logName(ref).endsWith('.gz');
}

/** A local file as a reference; its size is 0 when it cannot be read (the read reports why). */
export function fileRef(path: string): LogRef {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    // unreadable: opening it reports the reason where the file is read
  }
  return { kind: 'file', path, size };
}

/**
 * The object's raw bytes (still compressed when gzipped), read in pieces of `chunk` bytes (S3 objects
 * come in the pieces the network brings; planS3Reads in shared/backtest/s3.ts fetches them ahead).
 */
export async function openLog(ref: LogRef, chunk: number): Promise<Readable> {
  if (ref.kind === 's3') return openS3Object(ref);
  return createReadStream(ref.path, { highWaterMark: chunk });
}
