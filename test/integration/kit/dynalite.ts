import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';

export interface LocalDynamo {
  client: DynamoDBClient;
  tableName: string;
  close(): Promise<void>;
}

/**
 * dynalite on 127.0.0.1 (a free port) with one table as resources/core.yml declares it: by default the
 * idempotency table, key `id` (S); the state table is key `pk` (S). Credentials are fake; nothing
 * leaves the machine.
 */
export async function startLocalDynamo(
  tableName = 'cloud-alerts-test-idempotency',
  hashKey = 'id',
): Promise<LocalDynamo> {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDLOCALTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'local-test-secret';
  process.env.AWS_REGION = process.env.AWS_REGION ?? 'eu-west-1';
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: hashKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: hashKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return {
    client,
    tableName,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The state table in dynalite for one suite: started before its tests, closed after them. */
export interface StateTableInDynalite {
  readonly tableName: string;
  /** The document client on it; only inside tests and hooks, once the table has started. */
  readonly client: DynamoDBDocumentClient;
}

export function stateTableInDynalite(tableName = 'cloud-alerts-test-state'): StateTableInDynalite {
  let dynamo: LocalDynamo | undefined;
  let client: DynamoDBDocumentClient | undefined;
  beforeAll(async () => {
    dynamo = await startLocalDynamo(tableName, 'pk');
    client = DynamoDBDocumentClient.from(dynamo.client);
  });
  afterAll(async () => {
    await dynamo?.close();
  });
  return {
    tableName,
    get client() {
      if (!client) throw new Error('the dynalite state table is used before beforeAll started it');
      return client;
    },
  };
}
