import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type Claim,
  type ClaimInput,
  SEVERITY_ATTRIBUTES,
  type StateStore,
  StateStoreError,
  severityAttribute,
  tallyOf,
  WindowItemSchema,
  type WindowTally,
} from './store.ts';

export interface DynamoDbStateStoreOptions {
  /** Partition key `pk` (S); TTL attribute `expiresAt` (epoch seconds). */
  tableName: string;
  client: DynamoDBDocumentClient;
}

/**
 * Each step is a single conditional UpdateItem, so concurrent Lambdas agree: DynamoDB applies
 * writes to one item one at a time and evaluates each condition against the latest version.
 * TTL deletion is lazy (it can lag by days), so windows are judged by `endsAt`, never by presence.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
 */
export function createDynamoDbStateStore(options: DynamoDbStateStoreOptions): StateStore {
  const { tableName, client } = options;

  function isConditionFailure(err: unknown): boolean {
    return (
      err instanceof ConditionalCheckFailedException ||
      (err instanceof Error && err.name === 'ConditionalCheckFailedException')
    );
  }

  /** Replace a missing or closed window with a new one; the old one comes back for its summary. */
  async function open(input: ClaimInput): Promise<Claim | undefined> {
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: input.key },
          UpdateExpression: `SET #owner = :owner, #openedAt = :at, #endsAt = :end, #rank = :rank, #held = :zero, #summarized = :zero, #expiresAt = :exp REMOVE #rules, ${SEVERITY_ATTRIBUTES.map((_, i) => `#s${i}`).join(', ')}`,
          ConditionExpression: 'attribute_not_exists(#pk) OR #endsAt <= :at',
          ExpressionAttributeNames: {
            '#pk': 'pk',
            '#owner': 'owner',
            '#openedAt': 'openedAt',
            '#endsAt': 'endsAt',
            '#rank': 'rank',
            '#held': 'held',
            '#summarized': 'summarized',
            '#expiresAt': 'expiresAt',
            '#rules': 'rules',
            ...Object.fromEntries(SEVERITY_ATTRIBUTES.map((a, i) => [`#s${i}`, a])),
          },
          ExpressionAttributeValues: {
            ':owner': input.owner,
            ':at': input.at,
            ':end': input.at + input.windowMs,
            ':rank': input.rank,
            ':zero': 0,
            ':exp': input.expiresAt,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = out.Attributes ? WindowItemSchema.safeParse(out.Attributes) : undefined;
      return old?.success && old.data.held > 0
        ? { outcome: 'opened', previous: tallyOf(old.data) }
        : { outcome: 'opened' };
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw new StateStoreError(`cannot open window ${input.key}`, { cause: err });
    }
  }

  /** Count into the open window, unless this is its opener or louder than anything sent in it. */
  async function hold(input: ClaimInput): Promise<Claim | undefined> {
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: input.key },
          UpdateExpression: 'ADD #held :one, #sev :one, #rules :rule',
          ConditionExpression:
            '#endsAt > :at AND #openedAt < :atPlusWindow AND #owner <> :owner AND #rank >= :rank',
          ExpressionAttributeNames: {
            '#openedAt': 'openedAt',
            '#held': 'held',
            '#sev': severityAttribute(input.severity),
            '#rules': 'rules',
            '#endsAt': 'endsAt',
            '#owner': 'owner',
            '#rank': 'rank',
          },
          ExpressionAttributeValues: {
            ':one': 1,
            ':rule': new Set([input.rule]),
            ':at': input.at,
            ':atPlusWindow': input.at + input.windowMs,
            ':owner': input.owner,
            ':rank': input.rank,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = WindowItemSchema.safeParse(out.Attributes);
      if (!item.success) throw new StateStoreError(`window ${input.key} has an unexpected shape`);
      return { outcome: 'held', window: tallyOf(item.data) };
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      if (err instanceof StateStoreError) throw err;
      throw new StateStoreError(`cannot count into window ${input.key}`, { cause: err });
    }
  }

  /** Raise the window's loudness so the next alert as loud as this one is held. */
  async function louder(input: ClaimInput): Promise<Claim | undefined> {
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: input.key },
          UpdateExpression: 'SET #rank = :rank',
          ConditionExpression: '#endsAt > :at AND #owner <> :owner AND #rank < :rank',
          ExpressionAttributeNames: { '#rank': 'rank', '#endsAt': 'endsAt', '#owner': 'owner' },
          ExpressionAttributeValues: { ':rank': input.rank, ':at': input.at, ':owner': input.owner },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = WindowItemSchema.safeParse(out.Attributes);
      if (!item.success) throw new StateStoreError(`window ${input.key} has an unexpected shape`);
      return { outcome: 'louder', window: tallyOf(item.data) };
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      if (err instanceof StateStoreError) throw err;
      throw new StateStoreError(`cannot raise window ${input.key}`, { cause: err });
    }
  }

  async function current(key: string) {
    try {
      const out = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: key }, ConsistentRead: true }),
      );
      if (!out.Item) return undefined;
      const item = WindowItemSchema.safeParse(out.Item);
      return item.success ? item.data : undefined;
    } catch (err) {
      throw new StateStoreError(`cannot read window ${key}`, { cause: err });
    }
  }

  /**
   * Takes a summary's counts off the window in one conditional write: the same window (openedAt),
   * not released since we read it (summarized), still holding at least that many. The rule list is
   * left as it is: it only ever names rules seen in the window.
   */
  async function release(key: string, reported: WindowTally): Promise<{ held: number } | undefined> {
    const severities = Object.entries(reported.severities).filter(([, n]) => (n ?? 0) > 0);
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: key },
          UpdateExpression: `ADD #held :minusHeld, #summarized :held${severities.map((_, i) => `, #s${i} :minus${i}`).join('')}`,
          // A window written before summaries were counted has no `summarized`: that reads as 0.
          ConditionExpression:
            reported.summarized === 0
              ? '#openedAt = :openedAt AND (attribute_not_exists(#summarized) OR #summarized = :summarized) AND #held >= :held'
              : '#openedAt = :openedAt AND #summarized = :summarized AND #held >= :held',
          ExpressionAttributeNames: {
            '#held': 'held',
            '#summarized': 'summarized',
            '#openedAt': 'openedAt',
            ...Object.fromEntries(
              severities.map(([s], i) => [
                `#s${i}`,
                severityAttribute(s as keyof typeof reported.severities),
              ]),
            ),
          },
          ExpressionAttributeValues: {
            ':held': reported.held,
            ':minusHeld': -reported.held,
            ':openedAt': reported.openedAt,
            ':summarized': reported.summarized,
            ...Object.fromEntries(severities.map(([, n], i) => [`:minus${i}`, -(n ?? 0)])),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = WindowItemSchema.safeParse(out.Attributes);
      if (!item.success) throw new StateStoreError(`window ${key} has an unexpected shape`);
      return { held: item.data.held };
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      if (err instanceof StateStoreError) throw err;
      throw new StateStoreError(`cannot release window ${key}`, { cause: err });
    }
  }

  return {
    async claim(input) {
      // Each failed condition means another writer got there first; a few rounds always settle it.
      for (let round = 0; round < 4; round++) {
        const opened = await open(input);
        if (opened) return opened;
        const held = await hold(input);
        if (held) return held;
        const item = await current(input.key);
        if (!item || item.endsAt <= input.at) continue;
        if (item.owner === input.owner) return { outcome: 'owner', window: tallyOf(item) };
        if (input.at <= item.openedAt - input.windowMs) return { outcome: 'outside', window: tallyOf(item) };
        if (item.rank < input.rank) {
          const raised = await louder(input);
          if (raised) return raised;
        }
      }
      throw new StateStoreError(`window ${input.key} kept changing under concurrent writers`);
    },
    async window(key) {
      const item = await current(key);
      return item ? tallyOf(item) : undefined;
    },
    release,
  };
}
