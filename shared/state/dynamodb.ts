import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type Claim,
  type ClaimInput,
  expired,
  PENDING_RETAIN_SECONDS,
  type PendingSummary,
  pendingOf,
  pendingSlot,
  SEVERITY_ATTRIBUTES,
  type StateStore,
  StateStoreError,
  type SummarySeed,
  severityAttribute,
  summaryOfWindow,
  tallyOf,
  type WindowItem,
  WindowItemSchema,
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

  const FRESH_NAMES = {
    '#owner': 'owner',
    '#openedAt': 'openedAt',
    '#endsAt': 'endsAt',
    '#rank': 'rank',
    '#held': 'held',
    '#summarized': 'summarized',
    '#scheduled': 'scheduled',
    '#expiresAt': 'expiresAt',
    '#rules': 'rules',
    ...Object.fromEntries(SEVERITY_ATTRIBUTES.map((a, i) => [`#s${i}`, a])),
  };
  /** A new window's fields; `pending` is left alone, so summaries waiting to be sent survive it. */
  const FRESH = `SET #owner = :owner, #openedAt = :at, #endsAt = :end, #rank = :rank, #held = :zero, #summarized = :zero, #expiresAt = :exp REMOVE #scheduled, #rules, ${SEVERITY_ATTRIBUTES.map((_, i) => `#s${i}`).join(', ')}`;
  const freshValues = (input: ClaimInput) => ({
    ':owner': input.owner,
    ':at': input.at,
    ':end': input.at + input.windowMs,
    ':rank': input.rank,
    ':zero': 0,
    ':exp': input.expiresAt,
  });

  /**
   * The parts of an update that add summary `p` to the item's pending map: into the map when the
   * item read has one, as a new map when it has none (a nested path needs its parent to exist),
   * with a condition that the item still is as read.
   */
  function addPending(
    item: Pick<WindowItem, 'pending'>,
    p: PendingSummary,
  ): { set: string; condition: string; names: Record<string, string>; values: Record<string, unknown> } {
    const slot = pendingSlot(p);
    return item.pending !== undefined
      ? {
          set: '#pending.#slot = :summary',
          condition: 'attribute_exists(#pending)',
          names: { '#pending': 'pending', '#slot': slot },
          values: { ':summary': p },
        }
      : {
          set: '#pending = :pendingMap',
          condition: 'attribute_not_exists(#pending)',
          names: { '#pending': 'pending' },
          values: { ':pendingMap': { [slot]: p } },
        };
  }

  /**
   * Replace a missing, closed or expired window with a new one. For grouping, only one that holds
   * nothing: held alerts must first become a pending summary (carryOpen).
   */
  async function open(input: ClaimInput): Promise<Claim | undefined> {
    const closed = '(#endsAt <= :at OR #expiresAt <= :nowSec)';
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: input.key },
          UpdateExpression: FRESH,
          ConditionExpression: input.summarize
            ? `attribute_not_exists(#pk) OR (${closed} AND #held = :zero)`
            : `attribute_not_exists(#pk) OR ${closed}`,
          ExpressionAttributeNames: { '#pk': 'pk', ...FRESH_NAMES },
          ExpressionAttributeValues: { ...freshValues(input), ':nowSec': Math.floor(input.now / 1000) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return opened(out.Attributes);
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw new StateStoreError(`cannot open window ${input.key}`, { cause: err });
    }
  }

  /**
   * Replace a closed window that still holds alerts, taking them into a pending summary in the
   * same write; the condition makes sure nothing was counted into it since it was read.
   */
  async function carryOpen(
    input: ClaimInput,
    old: WindowItem,
    seed: SummarySeed,
  ): Promise<Claim | undefined> {
    const add = addPending(old, summaryOfWindow(tallyOf(old), seed));
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: input.key },
          UpdateExpression: FRESH.replace('SET ', `SET ${add.set}, `),
          // An item written before summaries were counted has no `summarized`: that reads as 0.
          ConditionExpression: `#openedAt = :oldOpenedAt AND #held = :oldHeld AND ${
            old.summarized === 0
              ? '(attribute_not_exists(#summarized) OR #summarized = :zero)'
              : '#summarized = :oldSummarized'
          } AND ${add.condition}`,
          ExpressionAttributeNames: { ...FRESH_NAMES, ...add.names },
          ExpressionAttributeValues: {
            ...freshValues(input),
            ':oldOpenedAt': old.openedAt,
            ':oldHeld': old.held,
            ...(old.summarized === 0 ? {} : { ':oldSummarized': old.summarized }),
            ...add.values,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return opened(out.Attributes);
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw new StateStoreError(`cannot open window ${input.key}`, { cause: err });
    }
  }

  function opened(attributes: Record<string, unknown> | undefined): Claim {
    const item = attributes ? WindowItemSchema.safeParse(attributes) : undefined;
    const pending = item?.success ? pendingOf(item.data) : [];
    return pending.length > 0 ? { outcome: 'opened', pending } : { outcome: 'opened' };
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
            '#endsAt > :at AND #openedAt < :atPlusWindow AND #owner <> :owner AND #rank >= :rank AND #expiresAt > :nowSec',
          ExpressionAttributeNames: {
            '#openedAt': 'openedAt',
            '#held': 'held',
            '#sev': severityAttribute(input.severity),
            '#rules': 'rules',
            '#endsAt': 'endsAt',
            '#owner': 'owner',
            '#rank': 'rank',
            '#expiresAt': 'expiresAt',
          },
          ExpressionAttributeValues: {
            ':nowSec': Math.floor(input.now / 1000),
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
   * Moves what the window holds into a pending summary in one conditional write: the same window,
   * nothing counted or taken since it was read. Retried on a lost race; then returns every summary
   * pending under the key.
   */
  async function takeSummary(
    key: string,
    openedAt: number,
    seed: SummarySeed,
    now: number,
  ): Promise<PendingSummary[]> {
    for (let round = 0; round < 4; round++) {
      const item = await current(key);
      if (!item) return [];
      if (item.openedAt !== openedAt || item.held === 0) return pendingOf(item);
      const add = addPending(item, summaryOfWindow(tallyOf(item), seed));
      try {
        const out = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: key },
            UpdateExpression: `SET ${add.set}, #held = :zero, #summarized = :summarized, #expiresAt = :exp REMOVE #rules, ${SEVERITY_ATTRIBUTES.map((_, i) => `#s${i}`).join(', ')}`,
            // An item written before summaries were counted has no `summarized`: that reads as 0.
            ConditionExpression: `#openedAt = :openedAt AND #held = :held AND ${
              item.summarized === 0
                ? '(attribute_not_exists(#summarized) OR #summarized = :zero)'
                : '#summarized = :was'
            } AND ${add.condition}`,
            ExpressionAttributeNames: {
              ...add.names,
              '#held': 'held',
              '#summarized': 'summarized',
              '#openedAt': 'openedAt',
              '#expiresAt': 'expiresAt',
              '#rules': 'rules',
              ...Object.fromEntries(SEVERITY_ATTRIBUTES.map((a, i) => [`#s${i}`, a])),
            },
            ExpressionAttributeValues: {
              ':openedAt': openedAt,
              ':held': item.held,
              ':zero': 0,
              ':summarized': item.summarized + item.held,
              ...(item.summarized === 0 ? {} : { ':was': item.summarized }),
              ':exp': Math.max(item.expiresAt ?? 0, Math.ceil(now / 1000) + PENDING_RETAIN_SECONDS),
              ...add.values,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        const after = WindowItemSchema.safeParse(out.Attributes);
        if (!after.success) throw new StateStoreError(`window ${key} has an unexpected shape`);
        return pendingOf(after.data);
      } catch (err) {
        if (isConditionFailure(err)) continue;
        if (err instanceof StateStoreError) throw err;
        throw new StateStoreError(`cannot take the summary of window ${key}`, { cause: err });
      }
    }
    throw new StateStoreError(`window ${key} kept changing under concurrent writers`);
  }

  async function clearPending(key: string, sent: ReadonlyArray<Pick<PendingSummary, 'openedAt' | 'from'>>) {
    if (sent.length === 0) return;
    try {
      // Removing a map key that is not there is a no-op; the map itself must exist.
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: key },
          UpdateExpression: `REMOVE ${sent.map((_, i) => `#pending.#p${i}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(#pending)',
          ExpressionAttributeNames: {
            '#pending': 'pending',
            ...Object.fromEntries(sent.map((p, i) => [`#p${i}`, pendingSlot(p)])),
          },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) return;
      throw new StateStoreError(`cannot clear the summaries of window ${key}`, { cause: err });
    }
  }

  async function markScheduled(key: string, openedAt: number, summarized: number): Promise<boolean> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: key },
          UpdateExpression: 'SET #scheduled = :summarized',
          ConditionExpression:
            '#openedAt = :openedAt AND (attribute_not_exists(#scheduled) OR #scheduled <> :summarized)',
          ExpressionAttributeNames: { '#scheduled': 'scheduled', '#openedAt': 'openedAt' },
          ExpressionAttributeValues: { ':summarized': summarized, ':openedAt': openedAt },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw new StateStoreError(`cannot mark window ${key} scheduled`, { cause: err });
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
        if (!item) continue;
        if (item.endsAt <= input.at || expired(item, input.now)) {
          // Closed, but still holding alerts that must go into a summary first.
          if (input.summarize && item.held > 0) {
            const carried = await carryOpen(input, item, input.summarize);
            if (carried) return carried;
          }
          continue;
        }
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
    takeSummary,
    clearPending,
    markScheduled,
  };
}
