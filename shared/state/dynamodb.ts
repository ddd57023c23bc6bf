import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type Claim,
  type ClaimInput,
  closesAt,
  expired,
  MAX_SIGNATURES,
  PENDING_RETAIN_SECONDS,
  type PendingSummary,
  pendingOf,
  pendingSlot,
  SEVERITY_ATTRIBUTES,
  type StateStore,
  StateStoreError,
  type SummarySeed,
  type SummarySlot,
  severityAttribute,
  signaturesOf,
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
    '#capAt': 'capAt',
    '#sigs': 'sigs',
    '#summarizedTo': 'summarizedTo',
    ...Object.fromEntries(SEVERITY_ATTRIBUTES.map((a, i) => [`#s${i}`, a])),
  };
  /**
   * A new window's fields, as SET and REMOVE lists; `pending` is left alone, so summaries waiting to
   * be sent survive it. Every name in FRESH_NAMES is used by one of the two, as DynamoDB requires.
   */
  function fresh(input: ClaimInput): { set: string[]; remove: string[]; values: Record<string, unknown> } {
    const set = [
      '#owner = :owner',
      '#openedAt = :at',
      '#endsAt = :end',
      '#rank = :rank',
      '#held = :zero',
      '#summarized = :zero',
      '#expiresAt = :exp',
    ];
    const remove = ['#scheduled', '#rules', '#summarizedTo', ...SEVERITY_ATTRIBUTES.map((_, i) => `#s${i}`)];
    const values: Record<string, unknown> = {
      ':owner': input.owner,
      ':at': input.at,
      ':end': input.at + input.windowMs,
      ':rank': input.rank,
      ':zero': 0,
      ':exp': input.expiresAt,
    };
    if (input.maxMs !== undefined) {
      set.push('#capAt = :cap');
      values[':cap'] = input.at + input.maxMs;
    } else remove.push('#capAt');
    if (input.signature !== undefined) {
      set.push('#sigs = :sigSet');
      values[':sigSet'] = new Set([input.signature]);
    } else remove.push('#sigs');
    return { set, remove, values };
  }
  const expression = (set: string[], remove: string[]) => `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`;

  /** The window is open at `:at`: before its idle end and its cap (a window without a cap has none). */
  const OPEN_AT = '#endsAt > :at AND (attribute_not_exists(#capAt) OR #capAt > :at)';

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
    const closed = '(#endsAt <= :at OR #capAt <= :at OR #expiresAt <= :nowSec)';
    const f = fresh(input);
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: input.key },
          UpdateExpression: expression(f.set, f.remove),
          ConditionExpression: input.summarize
            ? `attribute_not_exists(#pk) OR (${closed} AND #held = :zero)`
            : `attribute_not_exists(#pk) OR ${closed}`,
          ExpressionAttributeNames: { '#pk': 'pk', ...FRESH_NAMES },
          ExpressionAttributeValues: { ...f.values, ':nowSec': Math.floor(input.now / 1000) },
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
    const f = fresh(input);
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: input.key },
          UpdateExpression: expression([add.set, ...f.set], f.remove),
          // An item written before summaries were counted has no `summarized`: that reads as 0.
          ConditionExpression: `#openedAt = :oldOpenedAt AND #held = :oldHeld AND ${
            old.summarized === 0
              ? '(attribute_not_exists(#summarized) OR #summarized = :zero)'
              : '#summarized = :oldSummarized'
          } AND ${add.condition}`,
          ExpressionAttributeNames: { ...FRESH_NAMES, ...add.names },
          ExpressionAttributeValues: {
            ...f.values,
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

  /**
   * Count into the open window, unless this is its opener, louder than anything sent in it, or a
   * critical alert whose signature it has not sent. For grouping (`maxMs`) the held alert also keeps
   * the window open `windowMs` past itself: tried first with that extension (for alerts in order),
   * then without it (an alert older than the last one held needs none).
   */
  async function hold(input: ClaimInput): Promise<Claim | undefined> {
    const variants = input.maxMs !== undefined ? [true, false] : [false];
    for (const extend of variants) {
      try {
        const out = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: input.key },
            UpdateExpression: `${extend ? 'SET #endsAt = :atEnd ' : ''}ADD #held :one, #sev :one, #rules :rule`,
            ConditionExpression: `${OPEN_AT} AND #openedAt < :atPlusWindow AND #owner <> :owner AND #rank >= :rank AND #expiresAt > :nowSec${
              input.signature !== undefined ? ' AND contains(#sigs, :sig)' : ''
            }${extend ? ' AND #endsAt < :atEnd' : ''}`,
            ExpressionAttributeNames: {
              '#openedAt': 'openedAt',
              '#held': 'held',
              '#sev': severityAttribute(input.severity),
              '#rules': 'rules',
              '#endsAt': 'endsAt',
              '#capAt': 'capAt',
              '#owner': 'owner',
              '#rank': 'rank',
              '#expiresAt': 'expiresAt',
              ...(input.signature !== undefined ? { '#sigs': 'sigs' } : {}),
            },
            ExpressionAttributeValues: {
              ':nowSec': Math.floor(input.now / 1000),
              ':one': 1,
              ':rule': new Set([input.rule]),
              ':at': input.at,
              ':atPlusWindow': input.at + input.windowMs,
              ':owner': input.owner,
              ':rank': input.rank,
              ...(input.signature !== undefined ? { ':sig': input.signature } : {}),
              ...(extend ? { ':atEnd': input.at + input.windowMs } : {}),
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        const item = WindowItemSchema.safeParse(out.Attributes);
        if (!item.success) throw new StateStoreError(`window ${input.key} has an unexpected shape`);
        return { outcome: 'held', window: tallyOf(item.data) };
      } catch (err) {
        if (isConditionFailure(err)) continue;
        if (err instanceof StateStoreError) throw err;
        throw new StateStoreError(`cannot count into window ${input.key}`, { cause: err });
      }
    }
    return undefined;
  }

  /**
   * Goes out from an open window: raises its loudness (`louder`, so the next alert as loud as this
   * one is held) and, for a critical alert, records its signature while there is room (`news` only
   * records it). The condition makes sure the window is still what the caller read.
   */
  async function sendFrom(
    input: ClaimInput,
    outcome: 'louder' | 'news',
    remember: boolean,
  ): Promise<Claim | undefined> {
    const sig = remember && input.signature !== undefined ? input.signature : undefined;
    const conditions = [OPEN_AT, '#owner <> :owner'];
    if (outcome === 'louder') conditions.push('#rank < :rank');
    else conditions.push('#rank >= :rank');
    if (sig !== undefined)
      conditions.push('NOT contains(#sigs, :sig)', '(attribute_not_exists(#sigs) OR size(#sigs) < :maxSigs)');
    const parts = [
      ...(outcome === 'louder' ? ['SET #rank = :rank'] : []),
      ...(sig !== undefined ? ['ADD #sigs :sigSet'] : []),
    ];
    try {
      const out = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: input.key },
          UpdateExpression: parts.join(' '),
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: {
            '#rank': 'rank',
            '#endsAt': 'endsAt',
            '#capAt': 'capAt',
            '#owner': 'owner',
            ...(sig !== undefined ? { '#sigs': 'sigs' } : {}),
          },
          ExpressionAttributeValues: {
            ':rank': input.rank,
            ':at': input.at,
            ':owner': input.owner,
            ...(sig !== undefined
              ? { ':sig': sig, ':sigSet': new Set([sig]), ':maxSigs': MAX_SIGNATURES }
              : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = WindowItemSchema.safeParse(out.Attributes);
      if (!item.success) throw new StateStoreError(`window ${input.key} has an unexpected shape`);
      return { outcome, window: tallyOf(item.data) };
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
    slot?: SummarySlot,
  ): Promise<PendingSummary[]> {
    for (let round = 0; round < 4; round++) {
      const item = await current(key);
      if (!item) return [];
      if (item.openedAt !== openedAt || item.held === 0) return pendingOf(item);
      const summary = summaryOfWindow(tallyOf(item), seed, slot);
      const add = addPending(item, summary);
      try {
        const out = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: key },
            UpdateExpression: `SET ${add.set}, #held = :zero, #summarized = :summarized, #summarizedTo = :to, #expiresAt = :exp REMOVE #rules, ${SEVERITY_ATTRIBUTES.map((_, i) => `#s${i}`).join(', ')}`,
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
              '#summarizedTo': 'summarizedTo',
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
              ':to': summary.endsAt,
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
        if (closesAt(item) <= input.at || expired(item, input.now)) {
          // Closed, but still holding alerts that must go into a summary first.
          if (input.summarize && item.held > 0) {
            const carried = await carryOpen(input, item, input.summarize);
            if (carried) return carried;
          }
          continue;
        }
        if (item.owner === input.owner) return { outcome: 'owner', window: tallyOf(item) };
        if (input.at <= item.openedAt - input.windowMs) return { outcome: 'outside', window: tallyOf(item) };
        const sigs = signaturesOf(item);
        const remember = input.signature !== undefined && sigs.length < MAX_SIGNATURES;
        if (item.rank < input.rank) {
          const raised = await sendFrom(input, 'louder', remember);
          if (raised) return raised;
        } else if (input.signature !== undefined && !sigs.includes(input.signature)) {
          // With no room left to record it, there is nothing to write: it goes out unrecorded.
          if (!remember) return { outcome: 'news', window: tallyOf(item) };
          const news = await sendFrom(input, 'news', true);
          if (news) return news;
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
