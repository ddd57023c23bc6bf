import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Channel } from '../events/alert.ts';
import {
  accountOf,
  BUDGET_TTL_SECONDS,
  type BudgetStore,
  emissionIntervalMs,
  exampleSlot,
  type FoldInput,
  type FoldResult,
  flushNeeded,
  laneLimit,
  OVERFLOW_RETAIN_SECONDS,
  type OverflowStore,
  overflowExample,
  overflowKey,
  type PendingOverflow,
  pendingOfTally,
  pendingOverflowSlot,
  pendingOverflows,
  placeTaken,
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

/** A condition that failed, with the bucket's `tat` as it was when DynamoDB returned it (ALL_OLD). */
interface Refused {
  refused: true;
  /** Known: the item's `tat` (undefined: no bucket). Unknown when DynamoDB did not return the item. */
  old?: { tat: number | undefined } | undefined;
}

/**
 * The old item's `tat` from a ConditionalCheckFailedException with ALL_OLD (raw attribute values).
 * No item in the error is not proof there is none (a missing item and an endpoint that ignores the
 * option look the same): then the caller tries the writes in turn.
 */
function oldTat(err: unknown): Refused['old'] {
  const item = (err as { Item?: Record<string, { N?: string } | undefined> }).Item;
  if (item === undefined || item === null || typeof item !== 'object') return undefined;
  const n = Number(item.tat?.N);
  return Number.isFinite(n) ? { tat: n } : { tat: undefined };
}

/**
 * The bucket in three conditional writes at most, none of them a read. `tat` only ever grows, so:
 * (1) move it on where it is ahead of the clock and within the lane's limit; failing that, (2) start
 * it at the clock where it is behind (or absent); failing that, it was ahead of the clock, and
 * (3) trying (1) again fails only if it is past the limit: over budget. Each write is atomic, so of N
 * concurrent takers exactly as many succeed as the bucket allows. A refused write returns the item
 * (ReturnValuesOnConditionCheckFailure ALL_OLD), so on the hot item of a storm an over-budget take is
 * one write, not three: the fewer writes, the less DynamoDB throttles the bucket everyone shares.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
 */
export function createDynamoDbBudgetStore(options: DynamoDbSendBudgetOptions): BudgetStore {
  const { tableName, client } = options;

  async function write(input: TakeInput, form: 'advance' | 'start'): Promise<TakeResult | Refused> {
    const t = emissionIntervalMs(input.limits);
    const limit = laneLimit(input.lane, input.limits, input.now, input.debtMs);
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: input.key },
          UpdateExpression:
            form === 'advance' ? 'SET #tat = #tat + :t, #exp = :exp' : 'SET #tat = :start, #exp = :exp',
          ConditionExpression:
            form === 'advance'
              ? '#tat >= :now AND #tat <= :limit'
              : 'attribute_not_exists(#tat) OR #tat < :now',
          ExpressionAttributeNames: { '#tat': 'tat', '#exp': 'expiresAt' },
          ExpressionAttributeValues: {
            ':now': input.now,
            ':exp': Math.ceil(input.now / 1000) + BUDGET_TTL_SECONDS,
            ...(form === 'advance' ? { ':t': t, ':limit': limit } : { ':start': input.now + t }),
          },
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const tat = out.Attributes?.tat;
      return typeof tat === 'number' ? { granted: true, tat } : { granted: true };
    } catch (err) {
      if (isConditionFailure(err)) return { refused: true, old: oldTat(err) };
      throw new SendBudgetStoreError(`cannot take a token from ${input.key}`, { cause: err });
    }
  }

  /** What to try after a refusal, given the old `tat` when known: another write, or no token. */
  function next(
    input: TakeInput,
    refused: Refused,
    tried: 'advance' | 'start',
  ): 'advance' | 'start' | 'denied' {
    if (refused.old === undefined) return tried === 'advance' ? 'start' : 'advance';
    const { tat } = refused.old;
    if (tat === undefined || tat < input.now) return 'start';
    return tat > laneLimit(input.lane, input.limits, input.now, input.debtMs) ? 'denied' : 'advance';
  }

  return {
    async take(input) {
      let form: 'advance' | 'start' | 'denied' = 'advance';
      for (let round = 0; round < 3 && form !== 'denied'; round++) {
        const result = await write(input, form);
        if (!('refused' in result)) return result;
        form = next(input, result, form);
      }
      return { granted: false };
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

  /**
   * One conditional write to the tally at `key`: false when its condition failed (a concurrent
   * writer got there first), true when it applied; any other failure is a store error saying `what`.
   */
  async function updateTally(
    key: string,
    update: Omit<UpdateCommandInput, 'TableName' | 'Key'>,
    what: string,
  ): Promise<boolean> {
    try {
      await client.send(new UpdateCommand({ TableName: tableName, Key: { pk: key }, ...update }));
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw new SendBudgetStoreError(what, { cause: err });
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
            // The two no-op SETs of #scheduled and #scheduledAt only make UPDATED_NEW return them: the
            // fold needs them, and not the pending summaries, which ALL_NEW would send back each time.
            'SET #since = if_not_exists(#since, :now), #last = :now, #exp = :exp, #account = if_not_exists(#account, :account), #region = if_not_exists(#region, :region), #examples = if_not_exists(#examples, :noExamples), #scheduled = if_not_exists(#scheduled, :never), #scheduledAt = if_not_exists(#scheduledAt, :never) ADD #n :one, #alerts :alerts, #sev :alerts, #rules :rule',
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
            '#scheduled': 'scheduled',
            '#scheduledAt': 'scheduledAt',
          },
          ExpressionAttributeValues: {
            ':never': -1,
            ':now': input.now,
            ':exp': Math.ceil(input.now / 1000) + OVERFLOW_RETAIN_SECONDS,
            ':account': accountOf(input.account),
            ':region': input.region,
            ':noExamples': {},
            ':one': 1,
            ':alerts': input.alerts,
            ':rule': new Set([input.rule]),
          },
          ReturnValues: 'UPDATED_NEW',
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
    const ex = overflowExample(input);
    const place = exampleSlot(item.examples, ex);
    const replacing = place?.was !== undefined;
    const legacy = typeof place?.was === 'string';
    const was = place?.was;
    const wasAt = typeof was === 'object' && was !== null ? (was as { at?: unknown }).at : undefined;
    // A slot holding something unreadable is not replaced: there is no value to make the write safe.
    if (place && (!replacing || legacy || typeof wasAt === 'number')) {
      // Chosen against the item this fold returned; a concurrent fold that changed the slot since
      // makes the condition fail, and this example is simply not kept (examples are a sample).
      await updateTally(
        key,
        {
          UpdateExpression: 'SET #examples.#slot = :example',
          ConditionExpression: `#since = :since AND attribute_exists(#examples) AND ${
            !replacing
              ? 'attribute_not_exists(#examples.#slot)'
              : legacy
                ? '#examples.#slot = :was'
                : '#examples.#slot.#at = :was'
          }`,
          ExpressionAttributeNames: {
            '#examples': 'examples',
            '#slot': place.slot,
            '#since': 'since',
            ...(replacing && !legacy ? { '#at': 'at' } : {}),
          },
          ExpressionAttributeValues: {
            ':example': ex,
            ':since': since,
            ...(replacing ? { ':was': legacy ? place.was : wasAt } : {}),
          },
        },
        `cannot record an example in overflow tally ${key}`,
      );
    }
    return {
      notifications,
      since,
      needsFlush: flushNeeded(item, since, input.now, input.staleAfterMs),
      firstCritical: input.severity === 'critical' && item.alerts_critical === input.alerts,
    };
  }

  async function markScheduled(
    channel: Channel,
    receiver: string,
    since: number,
    at: { now: number; staleAfterMs: number },
  ): Promise<boolean> {
    const key = overflowKey(channel, receiver);
    return updateTally(
      key,
      {
        UpdateExpression: 'SET #scheduled = :since, #scheduledAt = :now',
        // The same test as flushNeeded: none recorded for this tally, or one presumed lost.
        ConditionExpression:
          '#since = :since AND (attribute_not_exists(#scheduled) OR #scheduled <> :since OR attribute_not_exists(#scheduledAt) OR #scheduledAt < :staleBefore)',
        ExpressionAttributeNames: {
          '#scheduled': 'scheduled',
          '#scheduledAt': 'scheduledAt',
          '#since': 'since',
        },
        ExpressionAttributeValues: {
          ':since': since,
          ':now': at.now,
          ':staleBefore': at.now - at.staleAfterMs,
        },
      },
      `cannot mark overflow tally ${key} scheduled`,
    );
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
      const { summary, merged } = placeTaken(pendingOverflows(item), p);
      const slot = pendingOverflowSlot(summary.id);
      const withMap = item.pending !== undefined;
      const applied = await updateTally(
        key,
        {
          UpdateExpression: `SET ${withMap ? '#pending.#slot = :summary' : '#pending = :pendingMap'}, #seq = :seq, #storm = :storm, #stormLast = :stormLast REMOVE #n, #alerts, #rules, #examples, #since, #last, #scheduled, #scheduledAt, #account, #region, ${SEVERITY_COUNT_ATTRIBUTES.map((_, i) => `#s${i}`).join(', ')}`,
          // Nothing counted and nothing taken since the read: the summary says exactly what it removes.
          // Merging into a summary: only while no flush has begun to send it.
          ConditionExpression: `#n = :n AND ${
            item.seq === undefined ? 'attribute_not_exists(#seq)' : '#seq = :was'
          } AND ${withMap ? 'attribute_exists(#pending)' : 'attribute_not_exists(#pending)'}${
            merged
              ? ' AND attribute_exists(#pending.#slot) AND attribute_not_exists(#pending.#slot.#attempted)'
              : ''
          }`,
          ExpressionAttributeNames: {
            '#pending': 'pending',
            '#storm': 'storm',
            '#stormLast': 'stormLast',
            ...(withMap ? { '#slot': slot } : {}),
            ...(merged ? { '#attempted': 'attempted' } : {}),
            '#seq': 'seq',
            '#n': 'notifications',
            '#alerts': 'alerts',
            '#rules': 'rules',
            '#examples': 'examples',
            '#since': 'since',
            '#last': 'lastAt',
            '#scheduled': 'scheduled',
            '#scheduledAt': 'scheduledAt',
            '#account': 'account',
            '#region': 'region',
            ...Object.fromEntries(SEVERITY_COUNT_ATTRIBUTES.map((a, i) => [`#s${i}`, a])),
          },
          ExpressionAttributeValues: {
            ...(withMap ? { ':summary': summary } : { ':pendingMap': { [slot]: summary } }),
            ':seq': seq,
            ':storm': p.storm ?? p.from,
            ':stormLast': p.to,
            ':n': item.notifications,
            ...(item.seq === undefined ? {} : { ':was': item.seq }),
          },
        },
        `cannot take overflow tally ${key}`,
      );
      if (!applied) continue;
      // The write succeeded against what was read, so the item's pending summaries are exactly
      // these: no need to have the whole item sent back.
      return pendingOverflows({ pending: { ...item.pending, [slot]: summary } });
    }
    throw new SendBudgetStoreError(`overflow tally ${key} kept changing under concurrent writers`);
  }

  async function markAttempted(channel: Channel, receiver: string, id: string): Promise<void> {
    const key = overflowKey(channel, receiver);
    await updateTally(
      key,
      {
        UpdateExpression: 'SET #pending.#slot.#attempted = :yes',
        ConditionExpression: 'attribute_exists(#pending.#slot)',
        ExpressionAttributeNames: {
          '#pending': 'pending',
          '#slot': pendingOverflowSlot(id),
          '#attempted': 'attempted',
        },
        ExpressionAttributeValues: { ':yes': true },
      },
      `cannot mark a summary of overflow tally ${key} attempted`,
    );
  }

  async function clear(channel: Channel, receiver: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const key = overflowKey(channel, receiver);
    await updateTally(
      key,
      {
        UpdateExpression: `REMOVE ${ids.map((_, i) => `#pending.#p${i}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(#pending)',
        ExpressionAttributeNames: {
          '#pending': 'pending',
          ...Object.fromEntries(ids.map((id, i) => [`#p${i}`, pendingOverflowSlot(id)])),
        },
      },
      `cannot clear the summaries of overflow tally ${key}`,
    );
  }

  return { fold, markScheduled, take, markAttempted, clear };
}
