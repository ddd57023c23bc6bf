import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbIncidentLedger } from '../../shared/state/incidents.ts';
import {
  createDynamoDbBudgetStore,
  createDynamoDbOverflowStore,
} from '../../shared/state/send-budget-dynamodb.ts';
import { incidentLedgerContract } from '../unit/state/incidents-contract.ts';
import {
  budgetStoreContract,
  fold,
  overflowStoreContract,
  T0,
  take,
} from '../unit/state/send-budget-contract.ts';
import { stateTableInDynalite } from './kit/dynalite.ts';

const table = stateTableInDynalite();
const TABLE = table.tableName;

budgetStoreContract('DynamoDB (dynalite)', () =>
  createDynamoDbBudgetStore({ tableName: TABLE, client: table.client }),
);
overflowStoreContract('DynamoDB (dynalite)', () =>
  createDynamoDbOverflowStore({ tableName: TABLE, client: table.client }),
);
incidentLedgerContract('DynamoDB (dynalite)', () =>
  createDynamoDbIncidentLedger({ tableName: TABLE, client: table.client }),
);

describe('createDynamoDbBudgetStore', () => {
  it('stores the bucket as its theoretical arrival time with a TTL, under the key it is given', async () => {
    const store = createDynamoDbBudgetStore({ tableName: TABLE, client: table.client });
    await store.take(take({ key: 'budget#slack#item-shape' }));
    const item = await table.client.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'budget#slack#item-shape' } }),
    );
    expect(item.Item).toEqual({
      pk: 'budget#slack#item-shape',
      tat: T0 + 1000,
      expiresAt: Math.ceil(T0 / 1000) + 24 * 60 * 60,
    });
  });

  it('spends no read: every take is conditional writes only', async () => {
    const sent: string[] = [];
    const counting = {
      send: (command: { constructor: { name: string } }) => {
        sent.push(command.constructor.name);
        return table.client.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const store = createDynamoDbBudgetStore({ tableName: TABLE, client: counting });
    for (let i = 0; i < 4; i++) await store.take(take({ key: 'budget#slack#no-read' }));
    expect(new Set(sent)).toEqual(new Set(['UpdateCommand']));
    // Fresh bucket: advance fails, start succeeds (2); then advance succeeds twice (1 + 1); over budget: 3.
    expect(sent).toHaveLength(2 + 1 + 1 + 3);
  });
});

describe('createDynamoDbOverflowStore', () => {
  it('keeps the tally under overflow#<channel>#<receiver> with a TTL of 14 days', async () => {
    const store = createDynamoDbOverflowStore({ tableName: TABLE, client: table.client });
    await store.fold(fold({ receiver: 'item-shape' }));
    const item = await table.client.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'overflow#slack#item-shape' } }),
    );
    expect(item.Item).toMatchObject({
      notifications: 1,
      alerts: 1,
      alerts_low: 1,
      since: T0,
      lastAt: T0,
      expiresAt: Math.ceil(T0 / 1000) + 14 * 24 * 60 * 60,
      examples: { e0: { r: 3, at: T0, t: 'IAM user created' } },
    });
  });
});

describe('createDynamoDbBudgetStore with the old item on a refused write', () => {
  it('refuses an over-budget take in one write when DynamoDB returns the item (ALL_OLD)', async () => {
    const { ConditionalCheckFailedException } = await import('@aws-sdk/client-dynamodb');
    const sent: unknown[] = [];
    const client = {
      send: async (command: { input: unknown }) => {
        sent.push(command.input);
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: { tat: { N: String(T0 + 60_000) } },
        });
      },
    } as unknown as DynamoDBDocumentClient;
    const store = createDynamoDbBudgetStore({ tableName: TABLE, client });
    expect(await store.take(take({ key: 'budget#slack#hot' }))).toEqual({ granted: false });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
  });
});
