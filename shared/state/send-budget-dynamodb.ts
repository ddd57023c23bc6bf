import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Channel } from '../events/alert.ts';
import {
  accountOf,
  BUDGET_TTL_SECONDS,
  type BudgetStore,
  emissionIntervalMs,
  type FoldInput,
  type FoldResult,
  laneLimit,
  OVERFLOW_EXAMPLE_MAX_CHARS,
  OVERFLOW_EXAMPLES_MAX,
  OVERFLOW_RETAIN_SECONDS,
  type OverflowStore,
  overflowKey,
  type PendingOverflow,
  pendingOfTally,
  pendingOverflowSlot,
  pendingOverflows,
  SEVERITY_COUNT_ATTRIBUTES,
  SendBudgetStoreError,
  type TakeInput,
  type TakeResult,
  type TallyItem,
  TallyItemSchema,
} from './send-budget.ts';

const TAKE_ROUNDS = 10;

export interface DynamoDbSendBudgetOptions {
  /** The state table: partition key `pk` (S), TTL attribute `expiresAt` (epoch seconds). */
  tableName: string;
  client: Pick<DynamoDBDocumentClient, 'send'>;
}

function isConditionFailure(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err instanceof Error && err.name === 'ConditionalCheckFailedException')
  );
}

/**
 * The bucket in three conditional writes at most, none of them a read. `tat` only ever grows, so:
 * (1) move it on where it is ahead of the clock and within the lane's limit; failing that, (2) start
 * it at the clock where it is behind (or absent); failing that, it was ahead of the clock, and
 * (3) trying (1) again fails only if it is past the limit: over budget. Each write is atomic, so of N
 * concurrent takers exactly as many succeed as the bucket allows.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 */
export function createDynamoDbBudgetStore(options: DynamoDbSendBudgetOptions): BudgetStore {
  const { tableName, client } = options;

  async function write(input: TakeInput, form: 'advance' | 'start'): Promise<TakeResult | undefined> {
    const t = emissionIntervalMs(input.limits);
    const limit = laneLimit(input.lane, input.limits, input.now);
    const bounded = Number.isFinite(limit);
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: input.key },
          UpdateExpression:
            form === 'advance' ? 'SET #tat = #tat + :t, #exp = :exp' : 'SET #tat = :start, #exp = :exp',
          ConditionExpression:
            form === 'advance'
              ? `#tat >= :now${bounded ? ' AND #tat <= :limit' : ''}`
              : 'attribute_not_exists(#tat) OR #tat < :now',
          ExpressionAttributeNames: { '#tat': 'tat', '#exp': 'expiresAt' },
          ExpressionAttributeValues: {
            ':now': input.now,
            ':exp': Math.ceil(input.now / 1000) + BUDGET_TTL_SECONDS,
            ...(form === 'advance' ? { ':t': t } : { ':start': input.now + t }),
            ...(form === 'advance' && bounded ? { ':limit': limit } : {}),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const tat = out.Attributes?.tat;
      return typeof tat === 'number' ? { granted: true, tat } : { granted: true };
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw new SendBudgetStoreError(`cannot take a token from ${input.key}`, { cause: err });
    }
  }

  return {
    async take(input) {
      const result =
        (await write(input, 'advance')) ?? (await write(input, 'start')) ?? (await write(input, 'advance'));
      if (result) return result;
      if (input.lane !== 'critical') return { granted: false };
      // A critical fails all three only if the item vanished in between (TTL): it starts the bucket.
      return (await write(input, 'start')) ?? (await write(input, 'advance')) ?? { granted: true };
    },
  };
}

/**
 * Overflow tallies: a fold is one unconditional write (counters only grow, so concurrent folds
 * simply add up); the first few also record an example title, and the first of a tally says a flush
 * is due. Taking is a conditional write against the counts read, retried on a lost race.
 */
export function createDynamoDbOverflowStore(options: DynamoDbSendBudgetOptions): OverflowStore {
  const { tableName, client } = options;

  async function current(key: string): Promise<TallyItem | undefined> {
    try {
      const out = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: key }, ConsistentRead: true }),
      );
      if (!out.Item) return undefined;
      const item = TallyItemSchema.safeParse(out.Item);
      return item.success ? item.data : undefined;
    } catch (err) {
      throw new SendBudgetStoreError(`cannot read overflow tally ${key}`, { cause: err });
    }
  }

  async function fold(input: FoldInput): Promise<FoldResult> {
    const key = overflowKey(input.channel, input.receiver);
    let item: TallyItem;
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: key },
          UpdateExpression:
            'SET #since = if_not_exists(#since, :now), #last = :now, #exp = :exp, #account = if_not_exists(#account, :account), #region = if_not_exists(#region, :region), #examples = if_not_exists(#examples, :noExamples) ADD #n :one, #alerts :alerts, #sev :alerts, #rules :rule',
          ExpressionAttributeNames: {
            '#since': 'since',
            '#last': 'lastAt',
            '#exp': 'expiresAt',
            '#account': 'account',
            '#region': 'region',
            '#examples': 'examples',
            '#n': 'notifications',
            '#alerts': 'alerts',
            '#sev': `alerts_${input.severity}`,
            '#rules': 'rules',
          },
          ExpressionAttributeValues: {
            ':now': input.now,
            ':exp': Math.ceil(input.now / 1000) + OVERFLOW_RETAIN_SECONDS,
            ':account': accountOf(input.account),
            ':region': input.region,
            ':noExamples': {},
            ':one': 1,
            ':alerts': input.alerts,
            ':rule': new Set([input.rule]),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const parsed = TallyItemSchema.safeParse(out.Attributes);
      if (!parsed.success) throw new SendBudgetStoreError(`overflow tally ${key} has an unexpected shape`);
      item = parsed.data;
    } catch (err) {
      if (err instanceof SendBudgetStoreError) throw err;
      throw new SendBudgetStoreError(`cannot count into overflow tally ${key}`, { cause: err });
    }
    const notifications = item.notifications ?? 1;
    const since = item.since ?? input.now;
    if (notifications <= OVERFLOW_EXAMPLES_MAX) {
      // Each fold got its own count from the ADD, so each writes its own slot; a take in between
      // (another tally by now) makes the condition fail, and the example is simply not kept.
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: key },
            UpdateExpression: 'SET #examples.#slot = :title',
            ConditionExpression: '#since = :since AND attribute_exists(#examples)',
            ExpressionAttributeNames: {
              '#examples': 'examples',
              '#slot': `e${notifications}`,
              '#since': 'since',
            },
            ExpressionAttributeValues: {
              ':title': input.title.slice(0, OVERFLOW_EXAMPLE_MAX_CHARS),
              ':since': since,
            },
          }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) {
          throw new SendBudgetStoreError(`cannot record an example in overflow tally ${key}`, { cause: err });
        }
      }
    }
    return { notifications, since, needsFlush: item.scheduled !== since };
  }

  async function markScheduled(channel: Channel, receiver: string, since: number): Promise<boolean> {
    const key = overflowKey(channel, receiver);
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: key },
          UpdateExpression: 'SET #scheduled = :since',
          ConditionExpression:
            '#since = :since AND (attribute_not_exists(#scheduled) OR #scheduled <> :since)',
          ExpressionAttributeNames: { '#scheduled': 'scheduled', '#since': 'since' },
          ExpressionAttributeValues: { ':since': since },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw new SendBudgetStoreError(`cannot mark overflow tally ${key} scheduled`, { cause: err });
    }
  }

  async function take(channel: Channel, receiver: string, now: number): Promise<PendingOverflow[]> {
    const key = overflowKey(channel, receiver);
    // Folds keep landing during a storm; each lost race is one that counted into what is taken next.
    // Losing every round throws, and SQS brings the flush back after its visibility timeout.
    for (let round = 0; round < TAKE_ROUNDS; round++) {
      const item = await current(key);
      if (!item) return [];
      const seq = (item.seq ?? 0) + 1;
      const p = pendingOfTally(item, channel, receiver, seq, now);
      if (!p) return pendingOverflows(item);
      const slot = pendingOverflowSlot(p.id);
      const withMap = item.pending !== undefined;
      try {
        const out = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: key },
            UpdateExpression: `SET ${withMap ? '#pending.#slot = :summary' : '#pending = :pendingMap'}, #seq = :seq REMOVE #n, #alerts, #rules, #examples, #since, #last, #scheduled, #account, #region, ${SEVERITY_COUNT_ATTRIBUTES.map((_, i) => `#s${i}`).join(', ')}`,
            // Nothing counted and nothing taken since the read: the summary says exactly what it removes.
            ConditionExpression: `#n = :n AND ${
              item.seq === undefined ? 'attribute_not_exists(#seq)' : '#seq = :was'
            } AND ${withMap ? 'attribute_exists(#pending)' : 'attribute_not_exists(#pending)'}`,
            ExpressionAttributeNames: {
              '#pending': 'pending',
              ...(withMap ? { '#slot': slot } : {}),
              '#seq': 'seq',
              '#n': 'notifications',
              '#alerts': 'alerts',
              '#rules': 'rules',
              '#examples': 'examples',
              '#since': 'since',
              '#last': 'lastAt',
              '#scheduled': 'scheduled',
              '#account': 'account',
              '#region': 'region',
              ...Object.fromEntries(SEVERITY_COUNT_ATTRIBUTES.map((a, i) => [`#s${i}`, a])),
            },
            ExpressionAttributeValues: {
              ...(withMap ? { ':summary': p } : { ':pendingMap': { [slot]: p } }),
              ':seq': seq,
              ':n': item.notifications,
              ...(item.seq === undefined ? {} : { ':was': item.seq }),
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        const after = TallyItemSchema.safeParse(out.Attributes);
        if (!after.success) throw new SendBudgetStoreError(`overflow tally ${key} has an unexpected shape`);
        return pendingOverflows(after.data);
      } catch (err) {
        if (isConditionFailure(err)) continue;
        if (err instanceof SendBudgetStoreError) throw err;
        throw new SendBudgetStoreError(`cannot take overflow tally ${key}`, { cause: err });
      }
    }
    throw new SendBudgetStoreError(`overflow tally ${key} kept changing under concurrent writers`);
  }

  async function clear(channel: Channel, receiver: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const key = overflowKey(channel, receiver);
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: key },
          UpdateExpression: `REMOVE ${ids.map((_, i) => `#pending.#p${i}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(#pending)',
          ExpressionAttributeNames: {
            '#pending': 'pending',
            ...Object.fromEntries(ids.map((id, i) => [`#p${i}`, pendingOverflowSlot(id)])),
          },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) return;
      throw new SendBudgetStoreError(`cannot clear the summaries of overflow tally ${key}`, { cause: err });
    }
  }

  return { fold, markScheduled, take, clear };
}
