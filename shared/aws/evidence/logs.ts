import type { CloudWatchLogsClient, FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import {
  type EvidenceReadCode,
  EvidenceReadError,
  type LogEvent,
  type LogEventsPort,
  type LogEventsResult,
} from '../../evidence/ports.ts';
import { onFirstUse } from '../lazy.ts';

// Only alarms on Lambda functions (or tagged with a log group) read logs: the client loads on the
// first such alarm, not at every cold start of the alert function.
const loadLogs = onFirstUse(() => import('@aws-sdk/client-cloudwatch-logs'));

/**
 * Events per FilterLogEvents page: the API's maximum. A page holds up to 1 MB or 10,000 events,
 * whichever comes first, and may hold fewer or none while more remain (a nextToken).
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html
 *
 * Cost: FilterLogEvents is billed per request as a CloudWatch API call ($0.01 per 1,000 requests
 * after the free tier's 1 million a month, us-east-1 list price), not per byte it searches; Logs
 * Insights, which the alert's link opens, is billed $0.005 per GB scanned
 * (https://aws.amazon.com/cloudwatch/pricing/). The default bound, 3 pages (evidence.logs.maxPages),
 * is 3 requests per alarm: $0.00003, and $0.00001 a page — far under a cent whatever the page holds.
 */
export const FILTER_PAGE_EVENTS_MAX = 10_000;

/**
 * One attempt and a retry: the evidence step has one deadline for all its reads (the signal), and
 * the alert goes out without the section rather than wait for backoff.
 */
const CLIENT_CONFIG = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
} as const;

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : '';
}

/** The read error an SDK failure is, by the error's name (AWS error codes are its name in SDK v3). */
export function logsReadCode(e: unknown, signal?: AbortSignal): EvidenceReadCode {
  const name = errorName(e);
  if (name === 'AbortError' || signal?.aborted) return 'timeout';
  if (name === 'ResourceNotFoundException') return 'not-found';
  if (name.startsWith('AccessDenied') || name === 'UnauthorizedOperation') return 'denied';
  if (name.startsWith('Throttling') || name.startsWith('LimitExceeded') || name === 'RequestLimitExceeded')
    return 'throttled';
  return 'failed';
}

export interface LogEventsPortOptions {
  /** For tests: the client for a region. */
  clientFor?: (region: string) => CloudWatchLogsClient;
}

/**
 * FilterLogEvents through the SDK (IAM: logs:FilterLogEvents on the log group), paging until the
 * pages, bytes or deadline run out. Bytes are counted over the messages kept: the event that
 * crosses `maxBytes` is kept (a single huge line still counts as one), those after it are not.
 * A deadline that passes after a page was read ends the read with what it has (`truncated`); one
 * that passes before throws `timeout`.
 */
export function createLogEventsPort(options: LogEventsPortOptions = {}): LogEventsPort {
  // One client per region for the life of the container: each alarm's logs are in its own region.
  const clients = new Map<string, CloudWatchLogsClient>();

  return async (request) => {
    const { signal } = request;
    let sdk: typeof import('@aws-sdk/client-cloudwatch-logs');
    try {
      sdk = await loadLogs();
    } catch (e) {
      throw new EvidenceReadError('failed', 'loading the CloudWatch Logs client failed', { cause: e });
    }
    let client = options.clientFor?.(request.region) ?? clients.get(request.region);
    if (!client) {
      client = new sdk.CloudWatchLogsClient({ ...CLIENT_CONFIG, region: request.region });
      clients.set(request.region, client);
    }

    const events: LogEvent[] = [];
    let bytesRead = 0;
    let pages = 0;
    let nextToken: string | undefined;
    let truncated = false;
    for (;;) {
      if (pages >= request.maxPages || bytesRead >= request.maxBytes) {
        truncated = true;
        break;
      }
      if (signal?.aborted) {
        if (pages === 0) throw new EvidenceReadError('timeout', `reading ${request.logGroup} timed out`);
        truncated = true;
        break;
      }
      let page: { events?: FilteredLogEvent[] | undefined; nextToken?: string | undefined };
      try {
        page = await client.send(
          new sdk.FilterLogEventsCommand({
            logGroupName: request.logGroup,
            startTime: request.startMs,
            endTime: request.endMs,
            filterPattern: request.filterPattern,
            limit: FILTER_PAGE_EVENTS_MAX,
            nextToken,
          }),
          { abortSignal: signal },
        );
      } catch (e) {
        const code = logsReadCode(e, signal);
        if (code === 'timeout' && pages > 0) {
          truncated = true;
          break;
        }
        throw new EvidenceReadError(
          code,
          `FilterLogEvents on ${request.logGroup} failed: ${errorName(e) || 'error'}`,
          {
            cause: e,
          },
        );
      }
      pages += 1;
      for (const event of page.events ?? []) {
        if (bytesRead >= request.maxBytes) {
          truncated = true;
          break;
        }
        const message = event.message ?? '';
        bytesRead += Buffer.byteLength(message, 'utf8');
        events.push({ timestamp: event.timestamp ?? 0, message, logStream: event.logStreamName });
      }
      nextToken = page.nextToken;
      if (!nextToken) break;
    }
    const result: LogEventsResult = { events, truncated, bytesRead, pages };
    return result;
  };
}
