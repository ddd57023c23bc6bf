import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  createDynamoDbSlackMessageLedger,
  SLACK_MESSAGE_RETAIN_SECONDS,
  slackMessageKey,
} from '../../shared/state/slack-messages.ts';
import { slackMessageLedgerContract, T0 } from '../unit/notify/channels/slack-app-ledger-contract.ts';
import { stateTableInDynalite } from './kit/dynalite.ts';

const table = stateTableInDynalite();
const TABLE = table.tableName;

slackMessageLedgerContract('DynamoDB (dynalite)', () =>
  createDynamoDbSlackMessageLedger({ tableName: TABLE, client: table.client }),
);

describe('createDynamoDbSlackMessageLedger', () => {
  it('stores channel, ts, firstAt and status with a TTL of 90 days under the slackmsg# key', async () => {
    const ledger = createDynamoDbSlackMessageLedger({ tableName: TABLE, client: table.client });
    const key = slackMessageKey('xoxb-item-shape', 'C0123ABCDEF', 'cloud-alerts/alarm/item-shape');
    await ledger.put(
      key,
      { channel: 'C0123ABCDEF', ts: '1764039600.000100', firstAt: T0, status: 'firing', at: T0 },
      T0,
    );
    const item = await table.client.send(new GetCommand({ TableName: TABLE, Key: { pk: key } }));
    expect(item.Item).toEqual({
      pk: key,
      channel: 'C0123ABCDEF',
      ts: '1764039600.000100',
      firstAt: T0,
      status: 'firing',
      at: T0,
      expiresAt: Math.ceil(T0 / 1000) + SLACK_MESSAGE_RETAIN_SECONDS,
    });
  });

  it('reads an item it cannot trust as no message (a new post), not as a crash', async () => {
    const ledger = createDynamoDbSlackMessageLedger({ tableName: TABLE, client: table.client });
    const key = slackMessageKey('xoxb-bad-item', 'C0123ABCDEF', 'cloud-alerts/alarm/bad-item');
    await table.client.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: key, channel: '#general', ts: 'x', firstAt: 'soon', status: 'firing' },
      }),
    );
    expect(await ledger.get(key, T0)).toBeUndefined();
  });

  it("reads strongly consistent, so a summary right after its opener finds the opener's message", async () => {
    const inputs: unknown[] = [];
    const spying = {
      send: (command: { input: unknown }) => {
        inputs.push(command.input);
        return table.client.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const ledger = createDynamoDbSlackMessageLedger({ tableName: TABLE, client: spying });
    await ledger.get(slackMessageKey('xoxb-consistent', 'C0123ABCDEF', 'k'), T0);
    expect(inputs).toEqual([expect.objectContaining({ ConsistentRead: true })]);
  });
});
