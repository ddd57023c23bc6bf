import type { PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';

/**
 * PutEvents limits: 10 entries a call, 256 KB a request, counted as the UTF-8 bytes of Source,
 * DetailType, Detail and Resources plus 14 for Time.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

export class PublishError extends Error {
  constructor(
    message: string,
    readonly failed: Array<{ errorCode?: string; errorMessage?: string }>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PublishError';
  }
}

/** The one call this module needs; the Lambda passes the real client, tests and replay pass their own. */
export type PutEventsPort = (
  entries: PutEventsRequestEntry[],
) => Promise<{ FailedEntryCount?: number; Entries?: PutEventsResultEntry[] }>;

export function entrySize(e: PutEventsRequestEntry): number {
  let size = 14;
  for (const s of [e.Source, e.DetailType, e.Detail, ...(e.Resources ?? [])]) {
    if (s) size += Buffer.byteLength(s, 'utf8');
  }
  return size;
}

export function batchEntries(entries: PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const batches: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const size = entrySize(e);
    if (size > PUT_EVENTS_MAX_BYTES) {
      throw new PublishError(
        `an entry of ${size} bytes exceeds the PutEvents limit of ${PUT_EVENTS_MAX_BYTES}`,
        [],
      );
    }
    if (current.length === PUT_EVENTS_MAX_ENTRIES || bytes + size > PUT_EVENTS_MAX_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export interface PublishOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Sends every entry, retrying only the entries PutEvents reports as failed (results are positional),
 * with jittered backoff. What still fails after the last attempt is thrown, so the Lambda's own
 * retries and its on-failure destination take over instead of the alert vanishing.
 */
export async function publishEntries(
  put: PutEventsPort,
  entries: PutEventsRequestEntry[],
  opts: PublishOptions = {},
): Promise<void> {
  const maxAttempts = opts.maxAttempts ?? 4;
  const base = opts.baseDelayMs ?? 100;
  const sleep = opts.sleep ?? defaultSleep;
  let pending = entries;
  let lastFailures: Array<{ errorCode?: string; errorMessage?: string }> = [];
  for (let attempt = 1; pending.length > 0; attempt++) {
    const failed: PutEventsRequestEntry[] = [];
    lastFailures = [];
    for (const batch of batchEntries(pending)) {
      let result: Awaited<ReturnType<PutEventsPort>>;
      try {
        result = await put(batch);
      } catch (err) {
        if (attempt >= maxAttempts)
          throw new PublishError(`PutEvents failed after ${attempt} attempts`, [], { cause: err });
        failed.push(...batch);
        lastFailures.push({ errorCode: err instanceof Error ? err.name : 'Error' });
        continue;
      }
      if (!result.FailedEntryCount) continue;
      for (const [i, entry] of batch.entries()) {
        const r = result.Entries?.[i];
        if (r?.ErrorCode) {
          failed.push(entry);
          lastFailures.push({
            errorCode: r.ErrorCode,
            ...(r.ErrorMessage ? { errorMessage: r.ErrorMessage } : {}),
          });
        }
      }
    }
    pending = failed;
    if (pending.length === 0) return;
    if (attempt >= maxAttempts) {
      const codes = [...new Set(lastFailures.map((f) => f.errorCode))].join(', ');
      throw new PublishError(
        `${pending.length} of ${entries.length} entries still failed after ${attempt} attempts (${codes})`,
        lastFailures,
      );
    }
    await sleep(Math.min(2000, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
  }
}
