import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { onFirstUse } from '../aws/lazy.ts';
import { type AlarmContext, alarmNameFromArn } from '../enrich/alarm.ts';

/** Port: what the alarm says about itself, or undefined when it no longer exists. Throws on failure. */
export type AlarmLookup = (alarmArn: string, region: string) => Promise<AlarmContext | undefined>;

export class AlarmLookupError extends Error {
  override readonly name = 'AlarmLookupError';
  readonly alarmArn: string;

  constructor(alarmArn: string, options: { cause: unknown }) {
    const cause = options.cause;
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`looking up alarm ${alarmArn} failed: ${what}`, options);
    this.alarmArn = alarmArn;
  }
}

// Most of the alert function's events are CloudTrail records: the CloudWatch client is loaded by
// the first alarm event, not at every cold start.
const loadCloudWatch = onFirstUse(() => import('@aws-sdk/client-cloudwatch'));

// One client per region for the life of the Lambda container: alarms live in the event's region.
const clients = new Map<string, CloudWatchClient>();

function defaultClientFor(
  region: string,
  sdk: typeof import('@aws-sdk/client-cloudwatch'),
): CloudWatchClient {
  let client = clients.get(region);
  if (!client) {
    client = new sdk.CloudWatchClient({ region });
    clients.set(region, client);
  }
  return client;
}

export interface CloudWatchLookupOptions {
  clientFor?: (region: string) => CloudWatchClient;
}

/**
 * DescribeAlarms gives the description and, for metric alarms, threshold and evaluation window;
 * ListTagsForResource the tags (IAM: cloudwatch:DescribeAlarms, cloudwatch:ListTagsForResource).
 */
export function createCloudWatchAlarmLookup(options: CloudWatchLookupOptions = {}): AlarmLookup {
  return async (alarmArn, region) => {
    const name = alarmNameFromArn(alarmArn);
    if (!name) throw new AlarmLookupError(alarmArn, { cause: new Error('not an alarm ARN') });
    try {
      const sdk = await loadCloudWatch();
      const { DescribeAlarmsCommand, ListTagsForResourceCommand } = sdk;
      const client = options.clientFor ? options.clientFor(region) : defaultClientFor(region, sdk);
      const [described, tagged] = await Promise.all([
        client.send(
          new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
        ),
        client.send(new ListTagsForResourceCommand({ ResourceARN: alarmArn })),
      ]);
      const tags: Record<string, string> = {};
      for (const tag of tagged.Tags ?? []) if (tag.Key && tag.Value !== undefined) tags[tag.Key] = tag.Value;
      const metric = described.MetricAlarms?.[0];
      const composite = described.CompositeAlarms?.[0];
      if (!metric && !composite && Object.keys(tags).length === 0) return undefined;
      return {
        tags,
        description: metric?.AlarmDescription ?? composite?.AlarmDescription,
        threshold: metric?.Threshold,
        comparisonOperator: metric?.ComparisonOperator,
        evaluationPeriods: metric?.EvaluationPeriods,
        datapointsToAlarm: metric?.DatapointsToAlarm,
      };
    } catch (err) {
      throw new AlarmLookupError(alarmArn, { cause: err });
    }
  };
}

interface CacheEntry {
  expiresAt: number;
  value: AlarmContext | undefined;
}

/** Bounded so an account with thousands of alarms cannot grow a container's memory without end. */
const CACHE_MAX_ENTRIES = 1000;

// Module level on purpose: it outlives one invocation, which is the point of caching in Lambda.
const cache = new Map<string, CacheEntry>();

/** For tests: forget every cached alarm. */
export function clearAlarmContextCache(): void {
  cache.clear();
}

export interface CachedLookupOptions {
  ttlSeconds: number;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now?: () => number;
}

/** Reuses an answer (including "no such alarm") for ttlSeconds; failures are not cached, so the next event retries. */
export function cachedAlarmLookup(inner: AlarmLookup, options: CachedLookupOptions): AlarmLookup {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlSeconds * 1000;
  return async (alarmArn, region) => {
    const key = `${region}\n${alarmArn}`;
    const hit = cache.get(key);
    if (hit && hit.expiresAt > now()) return hit.value;
    const value = await inner(alarmArn, region);
    if (ttlMs > 0) {
      cache.delete(key);
      if (cache.size >= CACHE_MAX_ENTRIES) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      cache.set(key, { expiresAt: now() + ttlMs, value });
    }
    return value;
  };
}
