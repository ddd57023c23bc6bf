import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';

/**
 * Which Slack message announced an alert key in a channel, so a repeat or a group's summary goes into
 * its thread and the alarm's resolve edits it (Slack app mode, shared/notify/channels/slack/app/).
 */
export interface SlackMessageRecord {
  /** The channel ID the post returned: chat.update needs it. */
  channel: string;
  /** The message's `ts`: its identity in the channel, and the `thread_ts` of replies. */
  ts: string;
  /** When the alert first fired (the alert's own time), epoch ms: "in ALARM for 1 h 12 min". */
  firstAt: number;
  /** `resolved` once the message was edited for the resolve: the next firing starts a new message. */
  status: 'firing' | 'resolved';
  /**
   * The alert time of the event that set `status`, epoch ms. Alerts can arrive out of order (a Lambda
   * retry, a dead-letter redrive, an ALARM and its OK handled at once): a record is never replaced by
   * one set by an older event, or a late ALARM would leave a resolved alarm "firing" and thread the
   * next episode under the old message.
   */
  at: number;
}

export interface SlackMessageLedger {
  get(key: string, now: number): Promise<SlackMessageRecord | undefined>;
  /** Stores the record; false (nothing written) when the one stored was set by a later event. */
  put(key: string, record: SlackMessageRecord, now: number): Promise<boolean>;
}

/**
 * As long as the PagerDuty incident ledger (shared/state/incidents.ts): an alarm can stay in ALARM
 * for weeks, and a forgotten message only costs the resolve its edit (it is posted as a new message).
 */
export const SLACK_MESSAGE_RETAIN_SECONDS = 90 * 24 * 60 * 60;

export const SLACK_MESSAGE_KEY_PREFIX = 'slackmsg#';

const DIGEST_HEX = 20;

function digest(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, DIGEST_HEX);
}

/**
 * `slackmsg#<token+channel>#<dedupKey>`, both as digests: one alert key in two channels (or two
 * workspaces) is two messages, and neither the bot token nor attacker text is stored in the key.
 */
export function slackMessageKey(botToken: string, channel: string, dedupKey: string): string {
  return `${SLACK_MESSAGE_KEY_PREFIX}${digest(`${botToken}\n${channel}`)}#${digest(dedupKey)}`;
}

// A Slack ts is seconds.micros ("1503435956.000247"); anything else in the table is not ours to trust.
const RecordSchema = z.object({
  channel: z.string().check(z.regex(/^[CGD][A-Z0-9]{8,}$/)),
  ts: z.string().check(z.regex(/^\d{1,12}\.\d{1,8}$/)),
  firstAt: z.number(),
  status: z.enum(['firing', 'resolved']),
  at: z.number(),
});

function expiresAt(now: number): number {
  return Math.ceil(now / 1000) + SLACK_MESSAGE_RETAIN_SECONDS;
}

export function createMemorySlackMessageLedger(): SlackMessageLedger & { size(): number } {
  const items = new Map<string, { record: SlackMessageRecord; expiresAt: number }>();
  return {
    size: () => items.size,
    async get(key, now) {
      const item = items.get(key);
      if (item === undefined || item.expiresAt * 1000 <= now) return undefined;
      return { ...item.record };
    },
    async put(key, record, now) {
      const stored = items.get(key);
      if (stored !== undefined && stored.record.at > record.at) return false;
      items.set(key, { record: { ...record }, expiresAt: expiresAt(now) });
      return true;
    },
  };
}

export interface DynamoDbSlackMessageLedgerOptions {
  /** The state table: partition key `pk` (S), TTL attribute `expiresAt` (epoch seconds). */
  tableName: string;
  client: Pick<DynamoDBDocumentClient, 'send'>;
}

/**
 * In the state table under `slackmsg#…` (the prefix the Slack notifier's role may touch besides its
 * budgets). UpdateItem and GetItem only, like the incident ledger: the role may not delete, and TTL
 * removes the item 90 days after its last write.
 */
export function createDynamoDbSlackMessageLedger(
  options: DynamoDbSlackMessageLedgerOptions,
): SlackMessageLedger {
  const { tableName, client } = options;
  return {
    async get(key, now) {
      // Strongly consistent: a group's summary can follow its opener within a second, and an eventually
      // consistent read that misses the opener's message would start a second one.
      const out = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: key }, ConsistentRead: true }),
      );
      if (out.Item === undefined) return undefined;
      // TTL deletes lazily: an expired item is gone, whatever it still says.
      const expires: unknown = out.Item.expiresAt;
      if (typeof expires === 'number' && expires * 1000 <= now) return undefined;
      const parsed = RecordSchema.safeParse(out.Item);
      return parsed.success ? parsed.data : undefined;
    },
    async put(key, record, now) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: key },
            UpdateExpression:
              'SET #channel = :channel, #ts = :ts, #firstAt = :firstAt, #status = :status, #at = :at, #expiresAt = :exp',
            // Two notifiers of one alert key can write in either order: the later event's record wins.
            ConditionExpression: 'attribute_not_exists(#at) OR #at <= :at',
            ExpressionAttributeNames: {
              '#channel': 'channel',
              '#ts': 'ts',
              '#firstAt': 'firstAt',
              '#status': 'status',
              '#at': 'at',
              '#expiresAt': 'expiresAt',
            },
            ExpressionAttributeValues: {
              ':channel': record.channel,
              ':ts': record.ts,
              ':firstAt': record.firstAt,
              ':status': record.status,
              ':at': record.at,
              ':exp': expiresAt(now),
            },
          }),
        );
        return true;
      } catch (e) {
        if (e instanceof Error && e.name === 'ConditionalCheckFailedException') return false;
        throw e;
      }
    },
  };
}
