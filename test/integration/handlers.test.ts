import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { Context } from 'aws-lambda';
import { compileConfig } from '../../shared/config/compiled.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import { NotificationRequestSchema } from '../../shared/events/alert.ts';
import { startRecorder } from '../helpers/http.ts';
import { lambdaContext } from '../helpers/lambda.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const eventBridge = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);
const ssm = mockClient(SSMClient);
const dynamo = mockClient(DynamoDBClient);
// The state store speaks through the document client, whose commands never reach DynamoDBClient#send.
const documents = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const cloudWatch = mockClient(CloudWatchClient);

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-test-alerts';
const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/cloud-alerts-test-notify-dlq';
const IDEMPOTENCY_TABLE = 'cloud-alerts-test-idempotency';
const GROUP_CLOSE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/cloud-alerts-test-group-close';

/** Too little time left for a backoff plus another attempt: the handler tries once, then throws. */
function shortContext(name: string): Context {
  return { ...lambdaContext(name), getRemainingTimeInMillis: () => 6000 };
}

function load(rel: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`events/${rel}`, 'utf8'));
}

/** The event EventBridge hands a notifier for one PutEvents entry of the alert function. */
function asDelivered(entry: {
  Source?: string;
  DetailType?: string;
  Detail?: string;
}): Record<string, unknown> {
  return {
    version: '0',
    id: '5d1c3a2e-0000-4000-8000-00000000abcd',
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: '123456789012',
    time: '2026-11-20T09:15:31Z',
    region: 'eu-west-1',
    resources: [],
    detail: JSON.parse(entry.Detail ?? 'null'),
  };
}

// The functions read the JSON that `serverless package` compiles from the YAML for the stage.
const runtimeDir = mkdtempSync(join(tmpdir(), 'cloud-alerts-runtime-'));

beforeAll(() => {
  const runtimeConfig = join(runtimeDir, 'cloud-alerts.json');
  const compiled = compileConfig(loadConfigFile('config/cloud-alerts.yml', { stage: 'test' }), 'test');
  writeFileSync(runtimeConfig, JSON.stringify(compiled));
  process.env.CLOUD_ALERTS_RUNTIME_CONFIG = runtimeConfig;
  process.env.STATE_TABLE_NAME = 'cloud-alerts-test-state';
  process.env.AWS_REGION = 'eu-west-1';
  process.env.STAGE = 'test';
  process.env.ALERTS_BUS_NAME = 'cloud-alerts-test-alerts';
  process.env.ALERTS_TOPIC_ARN = TOPIC;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.DEAD_LETTER_QUEUE_URL = DLQ_URL;
  process.env.IDEMPOTENCY_TABLE_NAME = IDEMPOTENCY_TABLE;
  process.env.GROUP_CLOSE_QUEUE_URL = GROUP_CLOSE_URL;
  for (const channel of ['SLACK', 'PAGERDUTY', 'EMAIL']) {
    process.env[`${channel}_FLUSH_QUEUE_URL`] = `${GROUP_CLOSE_URL}-${channel.toLowerCase()}-flush`;
  }
  process.env.ACCOUNT_ID = '123456789012';
});

afterAll(() => {
  rmSync(runtimeDir, { recursive: true, force: true });
});

beforeEach(() => {
  eventBridge.reset();
  sns.reset();
  ssm.reset();
  dynamo.reset();
  documents.reset();
  // An empty state table: every window opens.
  documents.on(UpdateCommand).resolves({});
  sqs.reset();
  cloudWatch.reset();
  cloudWatch.on(DescribeAlarmsCommand).resolves({});
  cloudWatch.on(ListTagsForResourceCommand).resolves({ Tags: [] });
  // A fresh idempotency table: every conditional put succeeds.
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  dynamo.on(DeleteItemCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dl-1' });
});

describe('alert handler', () => {
  let handler: Handler;
  beforeAll(async () => {
    ({ handler } = await import('../../functions/alert/handler.ts'));
  });

  it('puts the alert and one notification request per receiver on the alerts bus', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const outcome = await handler(load('s3/put-bucket-acl-public-read.json'), lambdaContext('alert'));

    expect(outcome).toEqual({ status: 'published', alerts: 1, notifications: 3, suppressed: [] });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entries = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries.map((e) => [e.EventBusName, e.Source, e.DetailType])).toEqual([
      ['cloud-alerts-test-alerts', 'cloud-alerts', 'Alert Raised'],
      ['cloud-alerts-test-alerts', 'cloud-alerts', 'Notification Requested'],
      ['cloud-alerts-test-alerts', 'cloud-alerts', 'Notification Requested'],
      ['cloud-alerts-test-alerts', 'cloud-alerts', 'Notification Requested'],
    ]);
    const requests = entries.slice(1).map((e) => NotificationRequestSchema.parse(JSON.parse(e.Detail ?? '')));
    expect(requests.map((r) => [r.channel, r.receiver])).toEqual([
      ['slack', 'slack-default'],
      ['pagerduty', 'pagerduty-default'],
      ['email', 'email-default'],
    ]);
    expect(requests[0]?.alert.ruleId).toBe('s3-bucket-acl-public');
    expect(requests[0]?.key).toBe(`${requests[0]?.alert.id}/slack-default`);
  });

  it('retries only the entries PutEvents failed', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [
          { EventId: '1' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' },
          { EventId: '3' },
          { EventId: '4' },
        ],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: '2' }] });
    await handler(load('s3/put-bucket-acl-public-read.json'), lambdaContext('alert'));

    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    const retried = calls[1]?.args[0].input.Entries ?? [];
    expect(retried).toHaveLength(1);
    expect(retried[0]?.Detail).toBe(calls[0]?.args[0].input.Entries?.[1]?.Detail);
  });

  it('logs and drops a malformed event instead of throwing it into a retry loop', async () => {
    const outcome = await handler({ hello: 'world' }, lambdaContext('alert'));
    expect(outcome).toEqual({
      status: 'rejected',
      alerts: 0,
      notifications: 0,
      reason: expect.stringMatching(/^not an EventBridge event: /),
      suppressed: [],
    });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('publishes nothing for an event the rules judge harmless', async () => {
    const outcome = await handler(
      load('s3/put-bucket-public-access-block-enabled.json'),
      lambdaContext('alert'),
    );
    expect(outcome).toEqual({ status: 'quiet', alerts: 0, notifications: 0, suppressed: [] });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('throws when the bus keeps failing, so Lambda retries and then dead-letters', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('ServiceUnavailable'));
    await expect(handler(load('iam/create-user.json'), lambdaContext('alert'))).rejects.toThrow(
      /PutEvents failed/,
    );
  });
});

/** Run the alert handler on a sample and return the notification requests it put, as delivered events. */
async function requestsFor(sample: string): Promise<Record<string, unknown>[]> {
  const { handler } = await import('../../functions/alert/handler.ts');
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  await handler(load(sample), lambdaContext('alert'));
  const entries = eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
  eventBridge.reset();
  return entries.filter((e) => e.DetailType === 'Notification Requested').map(asDelivered);
}

function forChannel(events: Record<string, unknown>[], channel: string): Record<string, unknown> {
  const found = events.find((e) => JSON.stringify(e.detail).startsWith(`{"channel":"${channel}"`));
  if (!found) throw new Error(`no ${channel} request`);
  return found;
}

describe('alert handler: group-close queue', () => {
  let handler: Handler;
  beforeAll(async () => {
    ({ handler } = await import('../../functions/alert/handler.ts'));
  });
  const openedAt = Date.parse('2026-11-20T09:00:00Z');
  const body = {
    v: 1,
    key: 'group#0123456789abcdef0123456789abcdef',
    openedAt,
    windowMs: 300_000,
    dueAt: openedAt + 360_000,
    seed: {
      kind: 'cloudtrail',
      account: { id: '123456789012' },
      region: 'eu-west-1',
      actor: { kind: 'iam-user', display: 'IAM user alice', name: 'alice', crossAccount: false },
      eventId: 'ev-1',
    },
  };
  const record = {
    messageId: 'm-1',
    receiptHandle: 'r-1',
    body: JSON.stringify(body),
    attributes: {},
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:cloud-alerts-test-group-close',
    awsRegion: 'eu-west-1',
  };
  /** The state table's item for the window in `body`. */
  const windowItem = (counts: Record<string, unknown>) => ({
    pk: body.key,
    owner: 'ct:1',
    openedAt,
    endsAt: openedAt + 300_000,
    rank: 2,
    ...counts,
  });

  /** What takeSummary writes into the item for a window holding two medium alerts. */
  const taken = {
    openedAt,
    endsAt: openedAt + 300_000,
    owner: 'ct:1',
    from: 0,
    held: 2,
    severities: { medium: 2 },
    rules: ['iam-user-created'],
    seed: body.seed,
  };

  it('takes a closed window’s summary, sends it through the alerts bus, then clears it', async () => {
    documents.on(GetCommand).resolves({
      Item: windowItem({ held: 2, held_medium: 2, summarized: 0, rules: new Set(['iam-user-created']) }),
    });
    documents.on(UpdateCommand).resolves({
      Attributes: windowItem({ held: 0, summarized: 2, pending: { [`${openedAt}_0`]: taken } }),
    });
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const out = await handler({ Records: [record] }, lambdaContext('alert'));
    expect(out).toEqual({ batchItemFailures: [] });
    const entries = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries[0]?.DetailType).toBe('Alert Raised');
    expect(JSON.parse(entries[0]?.Detail ?? '{}')).toMatchObject({
      ruleId: 'alert-group-summary',
      title: '2 more alerts by user/alice',
    });
    const [take, clear] = documents.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    // Also: no example line (its two held alerts had none when read) or resource mark landed since.
    expect(take?.ConditionExpression).toBe(
      '#openedAt = :openedAt AND #held = :held AND (attribute_not_exists(#summarized) OR #summarized = :zero) AND attribute_not_exists(#pending) AND attribute_not_exists(#e0) AND attribute_not_exists(#e1) AND attribute_not_exists(#resMixed)',
    );
    expect(take?.ExpressionAttributeValues).toMatchObject({
      ':held': 2,
      ':summarized': 2,
      ':pendingMap': { [`${openedAt}_0`]: taken },
    });
    expect(clear?.UpdateExpression).toBe('REMOVE #pending.#p0');
    expect(clear?.ExpressionAttributeNames).toMatchObject({ '#p0': `${openedAt}_0` });
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it('reports the message as failed when the bus refuses, and keeps the summary for the retry', async () => {
    documents.on(GetCommand).resolves({ Item: windowItem({ held: 1, held_low: 1 }) });
    documents.on(UpdateCommand).resolves({
      Attributes: windowItem({
        held: 0,
        summarized: 1,
        pending: { [`${openedAt}_0`]: { ...taken, held: 1, severities: { low: 1 } } },
      }),
    });
    eventBridge.on(PutEventsCommand).rejects(new Error('service unavailable'));
    const out = await handler({ Records: [record] }, shortContext('alert'));
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    // The summary was taken, and not cleared: the retry sends the same one.
    expect(documents).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(documents.commandCalls(UpdateCommand)[0]?.args[0].input.UpdateExpression).toMatch(
      /^SET #pending = /,
    );
  });
});

describe('notify-slack handler', () => {
  it('fetches the webhook URL from SSM and posts the Block Kit message to it', async () => {
    const slack = await startRecorder();
    try {
      const requests = await requestsFor('s3/put-bucket-policy-public.json');
      ssm.on(GetParametersCommand).resolves({
        Parameters: [
          {
            Name: '/cloud-alerts/test/slack/default',
            Value: `${slack.url}/services/T000/B000/secret-token-xyz`,
            Type: 'SecureString',
          },
        ],
        InvalidParameters: [],
      });
      const { handler } = await import('../../functions/notify-slack/handler.ts');
      const outcome = await handler(forChannel(requests, 'slack'), lambdaContext('notify-slack'));

      expect(outcome).toEqual({ status: 'delivered', receiver: 'slack-default' });
      expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, {
        Names: ['/cloud-alerts/test/slack/default'],
        WithDecryption: true,
      });
      expect(slack.received).toHaveLength(1);
      expect(slack.received[0]?.path).toBe('/services/T000/B000/secret-token-xyz');
      const body = JSON.parse(slack.received[0]?.body ?? '{}');
      expect(body.text).toMatch(/^<!here> \[CRITICAL\] S3 bucket made public by policy/);
      expect(body.blocks[0]).toEqual({
        type: 'header',
        text: expect.objectContaining({
          type: 'plain_text',
          text: expect.stringContaining('S3 bucket made public by policy'),
        }),
      });
    } finally {
      await slack.close();
    }
  });
});

describe('notify-email handler', () => {
  it('publishes the plain-text alert to the stack topic', async () => {
    const requests = await requestsFor('iam/attach-user-policy-admin.json');
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { handler } = await import('../../functions/notify-email/handler.ts');
    const outcome = await handler(forChannel(requests, 'email'), lambdaContext('notify-email'));

    expect(outcome).toEqual({ status: 'delivered', receiver: 'email-default' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(TOPIC);
    expect(input?.Subject).toBe('[CRITICAL] IAM policy attached in example-production (123456789012)');
    expect(input?.Message).toContain(
      'IAM user alice attached AdministratorAccess to user example-contractor',
    );
  });

  it('throws a failed publish so Lambda retries it and then sends it to the on-failure queue', async () => {
    const requests = await requestsFor('iam/create-user.json');
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    sns.on(PublishCommand).rejects(throttled);
    const { handler } = await import('../../functions/notify-email/handler.ts');
    await expect(handler(forChannel(requests, 'email'), shortContext('notify-email'))).rejects.toMatchObject({
      name: 'DeliveryError',
      retryable: true,
    });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
    // The failed attempt leaves no idempotency record behind, so Lambda's retry will send.
    expect(dynamo).toHaveReceivedCommandTimes(DeleteItemCommand, 1);
  });

  it('retries a throttled publish within the invocation when time allows', async () => {
    const requests = await requestsFor('iam/create-user.json');
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    sns.on(PublishCommand).rejectsOnce(throttled).resolves({ MessageId: 'm-2' });
    const { handler } = await import('../../functions/notify-email/handler.ts');
    const outcome = await handler(forChannel(requests, 'email'), lambdaContext('notify-email'));
    expect(outcome).toEqual({ status: 'delivered', receiver: 'email-default' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
  });

  it('dead-letters a permanent failure with its reason and returns, so Lambda does not retry it', async () => {
    const requests = await requestsFor('iam/create-user.json');
    const event = forChannel(requests, 'email');
    const invalid = Object.assign(new Error('Invalid parameter: Subject'), {
      name: 'InvalidParameterException',
      $metadata: { httpStatusCode: 400 },
    });
    sns.on(PublishCommand).rejects(invalid);
    const { handler } = await import('../../functions/notify-email/handler.ts');
    const outcome = await handler(event, lambdaContext('notify-email'));

    const reason =
      'email delivery failed: SNS InvalidParameterException, HTTP 400 (Invalid parameter: Subject), permanent';
    expect(outcome).toEqual({ status: 'dead-lettered', receiver: 'email-default', reason });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const sent = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(sent?.QueueUrl).toBe(DLQ_URL);
    const request = NotificationRequestSchema.parse(event.detail);
    expect(JSON.parse(sent?.MessageBody ?? '')).toEqual({
      reason,
      channel: 'email',
      receiver: 'email-default',
      key: request.key,
      request,
      failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('throws when the dead-letter queue itself refuses, so the on-failure destination still has it', async () => {
    const requests = await requestsFor('iam/create-user.json');
    sns.on(PublishCommand).rejects(
      Object.assign(new Error('Topic does not exist'), {
        name: 'NotFoundException',
        $metadata: { httpStatusCode: 404 },
      }),
    );
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error('Access denied'), { name: 'AccessDenied' }));
    const { handler } = await import('../../functions/notify-email/handler.ts');
    await expect(handler(forChannel(requests, 'email'), lambdaContext('notify-email'))).rejects.toMatchObject(
      {
        name: 'DeadLetterError',
        message: expect.stringMatching(/SQS SendMessage failed \(AccessDenied\)$/),
      },
    );
  });

  it('sends nothing for a request the idempotency table already has as completed', async () => {
    const requests = await requestsFor('iam/create-user.json');
    const event = forChannel(requests, 'email');
    const { key } = NotificationRequestSchema.parse(event.detail);
    const hash = createHash('md5').update(JSON.stringify(key)).digest('base64');
    dynamo.on(PutItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: {
          id: { S: `cloud-alerts-notify#${hash}` },
          status: { S: 'COMPLETED' },
          expiration: { N: String(Math.floor(Date.now() / 1000) + 3600) },
          data: { S: JSON.stringify({ status: 'delivered', receiver: 'email-default' }) },
        },
      }),
    );
    const { handler } = await import('../../functions/notify-email/handler.ts');
    const outcome = await handler(event, lambdaContext('notify-email'));
    expect(outcome).toEqual({ status: 'duplicate', receiver: 'email-default' });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('records the delivery in the idempotency table under the request key', async () => {
    const requests = await requestsFor('iam/create-user.json');
    sns.on(PublishCommand).resolves({ MessageId: 'm-3' });
    const { handler } = await import('../../functions/notify-email/handler.ts');
    await handler(forChannel(requests, 'email'), lambdaContext('notify-email'));
    const put = dynamo.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(put?.TableName).toBe(IDEMPOTENCY_TABLE);
    // Powertools hashes the JSON of what `eventKeyJmesPath` selects: the request key alone.
    const { key } = NotificationRequestSchema.parse(forChannel(requests, 'email').detail);
    const hash = createHash('md5').update(JSON.stringify(key)).digest('base64');
    expect(put?.Item?.id?.S).toBe(`cloud-alerts-notify#${hash}`);
    expect(put?.Item?.status?.S).toBe('INPROGRESS');
    const update = dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(update?.Key).toEqual(put?.Item ? { id: put.Item.id } : undefined);
    expect(update?.ExpressionAttributeValues?.[':status']?.S).toBe('COMPLETED');
  });

  it('drops a request that is not a notification, with nothing sent', async () => {
    const { handler } = await import('../../functions/notify-email/handler.ts');
    const outcome = await handler(load('iam/create-user.json'), lambdaContext('notify-email'));
    expect(outcome).toEqual({ status: 'rejected' });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});

describe('notify-pagerduty chain', () => {
  it('reads the routing key from SSM and sends a trigger, then a resolve with the same dedup_key', async () => {
    const pd = await startRecorder((_req, res) => {
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
    try {
      const trigger = forChannel(await requestsFor('cloudwatch/lambda-errors-alarm.json'), 'pagerduty');
      const resolve = forChannel(await requestsFor('cloudwatch/lambda-errors-ok.json'), 'pagerduty');
      ssm.on(GetParametersCommand).resolves({
        Parameters: [
          {
            Name: '/cloud-alerts/test/pagerduty/default',
            Value: 'R0UTINGKEY0000000000000000000001',
            Type: 'SecureString',
          },
        ],
      });
      const { notifierHandler } = await import('../../shared/aws/notifier.ts');
      const { loadRuntimeConfig } = await import('../../shared/config/runtime.ts');
      const { pagerduty } = await import('../../shared/notify/channels/pagerduty/index.ts');
      const { secretsFromSsm } = await import('../../shared/aws/secrets.ts');
      const config = loadRuntimeConfig();
      const handler = notifierHandler(pagerduty, config, {
        sender: pagerduty.createSender({ env: { PAGERDUTY_EVENTS_URL: `${pd.url}/v2/enqueue` } }),
        secrets: secretsFromSsm(config, pagerduty),
      });
      await handler(trigger, lambdaContext('notify-pagerduty'));
      await handler(resolve, lambdaContext('notify-pagerduty'));

      const [sentTrigger, sentResolve] = pd.received.map((r) => JSON.parse(r.body));
      expect(sentTrigger.event_action).toBe('trigger');
      expect(sentTrigger.routing_key).toBe('R0UTINGKEY0000000000000000000001');
      expect(sentTrigger.payload.severity).toBe('error');
      expect(sentResolve).toEqual({
        routing_key: 'R0UTINGKEY0000000000000000000001',
        event_action: 'resolve',
        dedup_key: sentTrigger.dedup_key,
      });
    } finally {
      await pd.close();
    }
  });
});
