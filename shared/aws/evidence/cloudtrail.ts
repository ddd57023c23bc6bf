import type { CloudTrailClient, LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import { isRecord } from '../../detect/values.ts';
import {
  type EvidenceReadCode,
  EvidenceReadError,
  type TrailEvent,
  type TrailLookupPort,
} from '../../evidence/ports.ts';
import { onFirstUse } from '../lazy.ts';

// CloudTrail alerts are a fraction of the alert function's events, and only the loud ones look up
// history: the client is loaded by the first lookup, never at cold start.
const loadCloudTrail = onFirstUse(() => import('@aws-sdk/client-cloudtrail'));

export interface TrailLookupOptions {
  /** For tests: the client for a region. */
  clientFor?: (region: string) => CloudTrailClient;
  /**
   * SDK attempts per call. The alert path keeps 1: its own limiter paces calls and a throttled answer
   * means "no history this time", not a wait. The CLI may allow the SDK's backoff.
   */
  maxAttempts?: number;
}

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'LimitExceededException',
  'RequestLimitExceeded',
]);

/** An SDK error as an EvidenceReadError code. */
export function trailErrorCode(err: unknown): EvidenceReadCode {
  const name = isRecord(err) && typeof err.name === 'string' ? err.name : '';
  if (DENIED.has(name) || name.startsWith('AccessDenied')) return 'denied';
  if (name === 'ResourceNotFoundException') return 'not-found';
  if (THROTTLED.has(name) || name.startsWith('Throttling')) return 'throttled';
  if (name === 'AbortError' || name === 'TimeoutError') return 'timeout';
  return 'failed';
}

/**
 * LookupEvents' CloudTrailEvent is the record as a JSON string. It comes from the event's caller as
 * much as from AWS: text that does not parse, or parses to something other than an object, is no
 * record rather than an error for the whole page.
 */
export function parseTrailRecord(text: string | undefined): Record<string, unknown> | undefined {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** LookupEvents documents ReadOnly as the strings "true" / "false". */
function readOnlyFlag(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  return s === 'true' ? true : s === 'false' ? false : undefined;
}

type SdkEvent = NonNullable<LookupEventsCommandOutput['Events']>[number];

function toTrailEvent(e: SdkEvent): TrailEvent | undefined {
  const record = parseTrailRecord(e.CloudTrailEvent);
  const eventId = e.EventId ?? (typeof record?.eventID === 'string' ? record.eventID : undefined);
  const eventName = e.EventName ?? (typeof record?.eventName === 'string' ? record.eventName : undefined);
  const eventSource =
    e.EventSource ?? (typeof record?.eventSource === 'string' ? record.eventSource : undefined);
  const recordTime = typeof record?.eventTime === 'string' ? Date.parse(record.eventTime) : Number.NaN;
  const timeMs = e.EventTime instanceof Date ? e.EventTime.getTime() : recordTime;
  if (!eventId || !eventName || !eventSource || !Number.isFinite(timeMs)) return undefined;
  const readOnly = readOnlyFlag(e.ReadOnly) ?? readOnlyFlag(record?.readOnly);
  return {
    eventId,
    eventName,
    eventSource,
    timeMs,
    ...(e.Username ? { username: e.Username } : {}),
    ...(readOnly === undefined ? {} : { readOnly }),
    ...(record ? { record } : {}),
  };
}

/**
 * LookupEvents (IAM: cloudtrail:LookupEvents, which takes no resource-level scoping) through SDK v3,
 * one client per region for the life of the container.
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
 */
export function createTrailLookupPort(options: TrailLookupOptions = {}): TrailLookupPort {
  const clients = new Map<string, CloudTrailClient>();
  const maxAttempts = options.maxAttempts ?? 1;

  async function clientFor(region: string): Promise<CloudTrailClient> {
    if (options.clientFor) return options.clientFor(region);
    let client = clients.get(region);
    if (!client) {
      const sdk = await loadCloudTrail();
      client = new sdk.CloudTrailClient({
        region,
        maxAttempts,
        requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
      });
      clients.set(region, client);
    }
    return client;
  }

  return async (request) => {
    const what = `LookupEvents ${request.attribute.key} in ${request.region}`;
    if (request.signal?.aborted) throw new EvidenceReadError('timeout', `${what}: deadline passed`);
    try {
      const { LookupEventsCommand } = await loadCloudTrail();
      const client = await clientFor(request.region);
      const out = await client.send(
        new LookupEventsCommand({
          LookupAttributes: [
            { AttributeKey: request.attribute.key, AttributeValue: request.attribute.value },
          ],
          StartTime: new Date(request.startMs),
          EndTime: new Date(request.endMs),
          MaxResults: Math.min(50, Math.max(1, Math.trunc(request.maxResults))),
          ...(request.nextToken ? { NextToken: request.nextToken } : {}),
        }),
        request.signal ? { abortSignal: request.signal } : {},
      );
      const events: TrailEvent[] = [];
      for (const e of out.Events ?? []) {
        const event = toTrailEvent(e);
        if (event) events.push(event);
      }
      return { events, ...(out.NextToken ? { nextToken: out.NextToken } : {}) };
    } catch (err) {
      if (err instanceof EvidenceReadError) throw err;
      const code = request.signal?.aborted ? 'timeout' : trailErrorCode(err);
      const name = isRecord(err) && typeof err.name === 'string' ? err.name : 'Error';
      // AWS's message says which permission or limit; it is AWS's text, cut to a log line's worth.
      const said = isRecord(err) && typeof err.message === 'string' ? `: ${err.message.slice(0, 300)}` : '';
      throw new EvidenceReadError(code, `${what}: ${name}${said}`, { cause: err });
    }
  };
}
