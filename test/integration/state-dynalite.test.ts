import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbStateStore } from '../../shared/state/dynamodb.ts';
import { PENDING_RETAIN_SECONDS, StateStoreError } from '../../shared/state/store.ts';
import { example, input, SEED, stateStoreContract } from '../unit/state/contract.ts';
import { stateTableInDynalite } from './kit/dynalite.ts';

const table = stateTableInDynalite();
const TABLE = table.tableName;

stateStoreContract('DynamoDB (dynalite)', () =>
  createDynamoDbStateStore({ tableName: TABLE, client: table.client }),
);

describe('createDynamoDbStateStore', () => {
  it('writes the window with pk and an expiresAt TTL in epoch seconds', async () => {
    const store = createDynamoDbStateStore({ tableName: TABLE, client: table.client });
    const claim = input({ key: 'group#ttl', expiresAt: 1_795_000_000 });
    await store.claim(claim);
    const item = await table.client.send(new GetCommand({ TableName: TABLE, Key: { pk: 'group#ttl' } }));
    expect(item.Item).toEqual({
      pk: 'group#ttl',
      owner: 'alert-1',
      openedAt: claim.at,
      endsAt: claim.at + claim.windowMs,
      rank: 2,
      held: 0,
      summarized: 0,
      expiresAt: 1_795_000_000,
    });
  });

  it('keeps a window with a summary taken 14 days past the take, as long as the group-close DLQ keeps its message', async () => {
    const store = createDynamoDbStateStore({ tableName: TABLE, client: table.client });
    const open = input({ key: 'group#retain', summarize: SEED });
    await store.claim(open);
    await store.claim({ ...open, owner: 'alert-2', at: open.at + 60_000 });
    const now = open.at + 6 * 60_000;
    expect(await store.takeSummary('group#retain', open.at, SEED, now)).toHaveLength(1);
    const item = await table.client.send(new GetCommand({ TableName: TABLE, Key: { pk: 'group#retain' } }));
    expect(PENDING_RETAIN_SECONDS).toBe(14 * 24 * 3600);
    expect(item.Item?.expiresAt).toBeGreaterThanOrEqual(Math.ceil(now / 1000) + 14 * 24 * 3600);
  });

  /** A closed window holding two alerts, as the first version wrote it: no summarized, no pending. */
  async function putLegacyWindow(pk: string): Promise<number> {
    const openedAt = Date.parse('2026-11-21T09:00:00Z');
    await table.client.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          pk,
          owner: 'ct:1',
          openedAt,
          endsAt: openedAt + 300_000,
          rank: 1,
          held: 2,
          held_low: 2,
          rules: new Set(['iam-user-created']),
          expiresAt: 1_795_000_000,
        },
      }),
    );
    return openedAt;
  }

  it('takes the summary of a window written before summaries were counted (no summarized, no pending)', async () => {
    const store = createDynamoDbStateStore({ tableName: TABLE, client: table.client });
    const openedAt = await putLegacyWindow('group#before-upgrade');
    await expect(store.window('group#before-upgrade')).resolves.toMatchObject({
      held: 2,
      summarized: 0,
      severities: { low: 2 },
      pending: [],
    });
    const [summary, ...more] = await store.takeSummary('group#before-upgrade', openedAt, SEED, openedAt);
    expect(more).toEqual([]);
    expect(summary).toMatchObject({ from: 0, held: 2, severities: { low: 2 }, rules: ['iam-user-created'] });
    await expect(store.window('group#before-upgrade')).resolves.toMatchObject({ held: 0, summarized: 2 });
  });

  it('carries what a window written before summaries were counted still holds into the next one', async () => {
    const store = createDynamoDbStateStore({ tableName: TABLE, client: table.client });
    const openedAt = await putLegacyWindow('group#legacy-carry');
    const next = await store.claim(
      input({ key: 'group#legacy-carry', owner: 'ct:9', at: openedAt + 20 * 60_000, summarize: SEED }),
    );
    expect(next).toMatchObject({
      outcome: 'opened',
      pending: [{ openedAt, from: 0, held: 2, severities: { low: 2 }, rules: ['iam-user-created'] }],
    });
  });

  it('reads a pending summary stored before examples were kept, and keeps counting into a window without them', async () => {
    const store = createDynamoDbStateStore({ tableName: TABLE, client: table.client });
    const openedAt = await putLegacyWindow('group#before-examples');
    const old = {
      openedAt: openedAt - 3_600_000,
      endsAt: openedAt - 3_300_000,
      owner: 'ct:0',
      from: 0,
      held: 3,
      severities: { low: 3 },
      rules: ['iam-user-created'],
      seed: SEED,
    };
    await table.client.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: 'group#before-examples' },
        UpdateExpression: 'SET #pending = :p, #endsAt = :end, #exp = :exp',
        ExpressionAttributeNames: { '#pending': 'pending', '#endsAt': 'endsAt', '#exp': 'expiresAt' },
        ExpressionAttributeValues: {
          ':p': { [`${old.openedAt}_0`]: old },
          ':end': openedAt + 3_600_000,
          ':exp': 1_900_000_000,
        },
      }),
    );
    // Held into the old window (two held before, none of them with an example or a resource).
    const held = await store.claim(
      input({
        key: 'group#before-examples',
        owner: 'ct:7',
        at: openedAt + 60_000,
        severity: 'low',
        rank: 1,
        summarize: SEED,
        example: example('line 3', { type: 'bucket', name: 'b' }),
      }),
    );
    expect(held).toMatchObject({ outcome: 'held', window: { held: 3, examples: ['line 3'] } });
    const [before, taken] = await store.takeSummary('group#before-examples', openedAt, SEED, openedAt);
    expect(before).toEqual(old);
    // Its first two held alerts are unknown: it cannot say they all named bucket b.
    expect(taken).toMatchObject({ held: 3, examples: ['line 3'] });
    expect(taken).not.toHaveProperty('resource');
  });

  it('wraps a failing table in a StateStoreError with the cause', async () => {
    const store = createDynamoDbStateStore({ tableName: 'no-such-table', client: table.client });
    const err = await store.claim(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateStoreError);
    expect((err as StateStoreError).cause).toBeInstanceOf(Error);
  });
});
