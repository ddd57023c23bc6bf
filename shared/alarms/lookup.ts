import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { onFirstUse } from '../aws/lazy.ts';
import { type AlarmContext, alarmNameFromArn } from '../enrich/alarm.ts';
import {
  createMemberCredentials,
  LOOKUP_CLIENT_CONFIG,
  type MemberCredentials,
  readerRoleArn,
} from './member-access.ts';

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
type CloudWatchSdk = typeof import('@aws-sdk/client-cloudwatch');

/** Member-account clients kept at once: an organisation may have thousands of accounts. */
const MEMBER_CLIENTS_MAX = 200;

export interface MemberReader {
  /** The account the function runs in: its alarms are read with the function's own credentials. */
  ownAccount: string;
  /** Name of the reader role each member account deploys (`cloud-alerts forwarder --alarm-reader`). */
  roleName: string;
  credentials?: MemberCredentials;
}

export interface CloudWatchLookupOptions {
  /** For tests: the client for a region (and a member account's role, when the alarm is there). */
  clientFor?: (region: string, roleArn?: string) => CloudWatchClient;
  /** Alarms of other accounts are read through their reader role; without this they are not read. */
  members?: MemberReader;
}

/** arn:<partition>:cloudwatch:<region>:<account>:alarm:<name> → partition and account, if it is one. */
export function alarmArnAccount(arn: string): { partition: string; account: string } | undefined {
  const [prefix, partition, , , account] = arn.split(':');
  return prefix === 'arn' && partition && account && /^\d{12}$/.test(account)
    ? { partition, account }
    : undefined;
}

/**
 * DescribeAlarms gives the description and, for metric alarms, threshold and evaluation window;
 * ListTagsForResource the tags (IAM: cloudwatch:DescribeAlarms, cloudwatch:ListTagsForResource).
 * An alarm in another account is read through that account's reader role when `members` is given.
 */
export function createCloudWatchAlarmLookup(options: CloudWatchLookupOptions = {}): AlarmLookup {
  const members = options.members;
  const memberCredentials = members ? (members.credentials ?? createMemberCredentials()) : undefined;
  // One client per region, and per region and member account, for the life of the Lambda
  // container: alarms live in the event's region and account.
  const own = new Map<string, CloudWatchClient>();
  const member = new Map<string, CloudWatchClient>();

  /** The reader role to use for this alarm, or undefined for the function's own account. */
  function roleFor(alarmArn: string): string | undefined {
    const where = alarmArnAccount(alarmArn);
    if (!where || !members || where.account === members.ownAccount) return undefined;
    return readerRoleArn(where.partition, where.account, members.roleName);
  }

  function clientFor(region: string, roleArn: string | undefined, sdk: CloudWatchSdk): CloudWatchClient {
    if (options.clientFor) return options.clientFor(region, roleArn);
    if (!roleArn || !memberCredentials) {
      let client = own.get(region);
      if (!client) {
        client = new sdk.CloudWatchClient({ ...LOOKUP_CLIENT_CONFIG, region });
        own.set(region, client);
      }
      return client;
    }
    // Least recently used goes first: a used client moves to the end of the map.
    const key = `${region} ${roleArn}`;
    let client = member.get(key);
    if (client) {
      member.delete(key);
    } else {
      if (member.size >= MEMBER_CLIENTS_MAX) {
        const [oldestKey, oldest] = member.entries().next().value ?? [];
        if (oldestKey !== undefined) member.delete(oldestKey);
        oldest?.destroy();
      }
      client = new sdk.CloudWatchClient({
        ...LOOKUP_CLIENT_CONFIG,
        region,
        credentials: memberCredentials(roleArn),
      });
    }
    member.set(key, client);
    return client;
  }

  return async (alarmArn, region) => {
    const name = alarmNameFromArn(alarmArn);
    if (!name) throw new AlarmLookupError(alarmArn, { cause: new Error('not an alarm ARN') });
    try {
      const sdk = await loadCloudWatch();
      const { DescribeAlarmsCommand, ListTagsForResourceCommand } = sdk;
      const client = clientFor(region, roleFor(alarmArn), sdk);
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
