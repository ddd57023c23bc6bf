import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { regionOfQueueUrl } from '../../../cli/dlq.ts';
import {
  createSqsDeadLetter,
  type DeadLetterRecord,
  sqsSafeJson,
} from '../../../shared/delivery/dead-letter.ts';
import { parseDlqMessage } from '../../../shared/delivery/dlq.ts';
import type { NotificationRequest } from '../../../shared/events/alert.ts';
import { runCli } from '../../helpers/cli.ts';
import { notificationEvent } from '../../helpers/events.ts';
import { buildAlert } from '../notify/fixtures.ts';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/cloud-alerts-dev-notify-slack-dlq';
const sqs = mockClient(SQSClient);
const eventBridge = mockClient(EventBridgeClient);

function request(n = 1): NotificationRequest {
  const alert = buildAlert({ id: `ct:event-${n}:s3-bucket-acl-public` });
  return { channel: 'slack', receiver: 'slack-default', key: `${alert.id}/slack-default`, alert };
}

function notifierRecord(n = 1): DeadLetterRecord {
  return {
    reason: 'slack delivery failed: HTTP 404 (no_service), permanent',
    channel: 'slack',
    receiver: 'slack-default',
    key: request(n).key,
    request: request(n),
    failedAt: '2026-11-24T03:10:00.000Z',
  };
}

/** Lambda's on-failure invocation record, in the shape the Lambda guide documents. */
function onFailureRecord(n = 2): Record<string, unknown> {
  return {
    version: '1.0',
    timestamp: '2026-11-24T03:12:00.000Z',
    requestContext: {
      requestId: 'c2a6f2ae-7dbb-4d22-8782-d0485c9877e2',
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:cloud-alerts-dev-notify-slack:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: notificationEvent(request(n), 'eb-1'),
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: 'DeliveryError',
      errorMessage: 'slack delivery failed: HTTP 503 (service_unavailable), retryable',
      trace: [],
    },
  };
}

function message(id: string, body: unknown, attributes: Message['MessageAttributes'] = undefined): Message {
  return {
    MessageId: id,
    ReceiptHandle: `rh-${id}`,
    Body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(attributes ? { MessageAttributes: attributes } : {}),
  };
}

beforeEach(() => {
  sqs.reset();
  eventBridge.reset();
});

describe('parseDlqMessage', () => {
  it('reads a notifier dead-letter record with its reason and request', () => {
    expect(parseDlqMessage(message('m1', notifierRecord()))).toEqual({
      messageId: 'm1',
      receiptHandle: 'rh-m1',
      source: 'notifier',
      reason: 'slack delivery failed: HTTP 404 (no_service), permanent',
      failedAt: '2026-11-24T03:10:00.000Z',
      request: request(),
    });
  });

  it("reads Lambda's on-failure record: condition, attempts, error, and the request inside the event", () => {
    expect(parseDlqMessage(message('m2', onFailureRecord()))).toEqual({
      messageId: 'm2',
      receiptHandle: 'rh-m2',
      source: 'lambda-on-failure',
      reason:
        'RetriesExhausted after 3 attempt(s): DeliveryError: slack delivery failed: HTTP 503 (service_unavailable), retryable',
      failedAt: '2026-11-24T03:12:00.000Z',
      request: request(2),
    });
  });

  it('reads an EventBridge target DLQ message: the event as body, the error in attributes', () => {
    const event = (onFailureRecord(3) as { requestPayload: unknown }).requestPayload;
    const entry = parseDlqMessage(
      message('m3', event, {
        ERROR_CODE: { DataType: 'String', StringValue: 'SDK_CLIENT_ERROR' },
        ERROR_MESSAGE: { DataType: 'String', StringValue: 'Function not found' },
      }),
    );
    expect(entry).toMatchObject({
      source: 'eventbridge-target',
      reason: 'SDK_CLIENT_ERROR: Function not found',
      request: request(3),
    });
  });

  it('keeps an on-failure record of the alert function (not a notification) listable but not movable', () => {
    const record = onFailureRecord();
    record.requestPayload = { 'detail-type': 'AWS API Call via CloudTrail', detail: {} };
    const entry = parseDlqMessage(message('m4', record));
    expect(entry.source).toBe('lambda-on-failure');
    expect(entry.request).toBeUndefined();
  });

  it('names a grouping summary from the group-close dead-letter queue, and leaves it to SQS to move back', () => {
    const body = {
      v: 1,
      key: 'group#0123456789abcdef0123456789abcdef',
      openedAt: Date.parse('2026-11-20T09:00:00Z'),
      windowMs: 300_000,
      dueAt: Date.parse('2026-11-20T09:06:00Z'),
      seed: { kind: 'cloudtrail', account: { id: '123456789012' }, region: 'eu-west-1', eventId: 'e' },
    };
    const entry = parseDlqMessage(message('g1', body));
    expect(entry).toMatchObject({ source: 'group-close' });
    expect(entry.reason).toBe(
      'grouping summary not sent after retries (window opened 2026-11-20T09:00:00.000Z); move it back with aws sqs start-message-move-task',
    );
    expect(entry.request).toBeUndefined();
  });

  it('names an overflow flush from a notifier dead-letter queue, and leaves it to SQS to move back', () => {
    const body = {
      v: 1,
      type: 'overflow-flush',
      channel: 'slack',
      receiver: 'slack-default',
      dueAt: Date.parse('2026-11-20T09:06:00Z'),
    };
    const entry = parseDlqMessage(message('f1', body));
    expect(entry).toMatchObject({ source: 'overflow-flush' });
    expect(entry.reason).toBe(
      'overflow summary for slack receiver slack-default not sent after retries; its counts wait in the state table: move it back to the slack flush queue with aws sqs start-message-move-task',
    );
    expect(entry.request).toBeUndefined();
  });

  it('never throws on garbage, and strips control characters an attacker could use on a terminal', () => {
    expect(parseDlqMessage(message('m5', 'not json'))).toMatchObject({ source: 'unknown' });
    expect(parseDlqMessage(message('m6', [1, 2]))).toMatchObject({ source: 'unknown' });
    const hostile = { ...notifierRecord(), reason: 'bad\u001b[2J\u001b]0;pwned\u0007\nline two' };
    expect(parseDlqMessage(message('m7', hostile)).reason).toBe('bad[2J]0;pwned line two');
  });
});

describe('createSqsDeadLetter', () => {
  it('sends the record as JSON to the queue', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'x' });
    await createSqsDeadLetter({ sqs: new SQSClient({}), queueUrl: QUEUE })(notifierRecord());
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: QUEUE,
      MessageBody: JSON.stringify(notifierRecord()),
    });
  });

  it('creates its SQS client on the first dead letter when none is given, and reuses it', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'x' });
    const deadLetter = createSqsDeadLetter({ queueUrl: QUEUE });
    await deadLetter(notifierRecord(1));
    await deadLetter(notifierRecord(2));
    const calls = sqs.commandCalls(SendMessageCommand);
    expect(calls.map((c) => c.args[0].input.MessageBody)).toEqual([
      JSON.stringify(notifierRecord(1)),
      JSON.stringify(notifierRecord(2)),
    ]);
    expect(calls[0]?.thisValue).toBe(calls[1]?.thisValue);
  });

  it('escapes the two characters SQS refuses in a body, keeping the JSON equal', () => {
    const value = { ua: 'x\uFFFEy\uFFFF' };
    const json = sqsSafeJson(value);
    expect(json).toBe('{"ua":"x\\ufffey\\uffff"}');
    expect(JSON.parse(json)).toEqual(value);
  });

  it('throws a DeadLetterError naming only the SDK error, never its message', async () => {
    sqs.on(SendMessageCommand).rejects(
      Object.assign(new Error('request to https://hooks.slack.com/services/T/B/SECRET failed'), {
        name: 'QueueDoesNotExist',
      }),
    );
    const error = await createSqsDeadLetter({ sqs: new SQSClient({}), queueUrl: QUEUE })(
      notifierRecord(),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'DeadLetterError',
      message: `could not dead-letter ${request().key}: SQS SendMessage failed (QueueDoesNotExist)`,
    });
    expect(String(error)).not.toContain('SECRET');
  });
});

describe('cloud-alerts dlq', () => {
  function queueHolds(messages: Message[]): void {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({ Messages: [] });
  }

  it('lists dead-lettered notifications with their reasons', async () => {
    queueHolds([message('m1', notifierRecord()), message('m2', onFailureRecord())]);
    const { code, stdout } = await runCli(['dlq', 'list', '--queue', QUEUE]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        `2 message(s) in ${QUEUE}`,
        `m1  slack slack-default  ${request(1).key}`,
        '    reason: slack delivery failed: HTTP 404 (no_service), permanent',
        '    source: notifier',
        '    failed at: 2026-11-24T03:10:00.000Z',
        '    alert: [critical] s3-bucket-acl-public',
        `m2  slack slack-default  ${request(2).key}`,
        '    reason: RetriesExhausted after 3 attempt(s): DeliveryError: slack delivery failed: HTTP 503 (service_unavailable), retryable',
        '    source: lambda-on-failure',
        '    failed at: 2026-11-24T03:12:00.000Z',
        '    alert: [critical] s3-bucket-acl-public',
        '',
      ].join('\n'),
    );
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      QueueUrl: QUEUE,
      MessageAttributeNames: ['All'],
    });
    expect(sqs).not.toHaveReceivedCommand(DeleteMessageCommand);
  });

  it('moves each request back onto the alerts bus and deletes its message only after PutEvents took it', async () => {
    queueHolds([message('m1', notifierRecord(1)), message('m2', onFailureRecord(2)), message('m3', 'junk')]);
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'e1' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });
    sqs.on(DeleteMessageCommand).resolves({});
    const { code, stdout } = await runCli([
      'dlq',
      'redrive',
      '--queue',
      QUEUE,
      '--bus',
      'cloud-alerts-prod-alerts',
    ]);

    expect(code).toBe(1);
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [1, 2].map((n) => ({
        EventBusName: 'cloud-alerts-prod-alerts',
        Source: 'cloud-alerts',
        DetailType: 'Notification Requested',
        Detail: JSON.stringify(request(n)),
      })),
    });
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageCommand, { QueueUrl: QUEUE, ReceiptHandle: 'rh-m1' });
    expect(stdout.split('\n')).toEqual([
      'skipped  m3  message body is not JSON',
      `moved    m1  ${request(1).key}`,
      `failed   m2  ${request(2).key}: PutEvents: InternalFailure`,
      'moved 1, skipped 1, failed 1 (bus cloud-alerts-prod-alerts)',
      '',
    ]);
  });

  it('deletes nothing when PutEvents fails outright', async () => {
    queueHolds([message('m1', notifierRecord())]);
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error('nope'), { name: 'AccessDeniedException' }));
    const { code, stdout } = await runCli(['dlq', 'redrive', '--queue', QUEUE, '--stage', 'test']);
    expect(code).toBe(1);
    expect(sqs).not.toHaveReceivedCommand(DeleteMessageCommand);
    expect(stdout).toContain('failed   m1');
    expect(stdout).toContain('(bus cloud-alerts-test-alerts)');
  });

  it('--dry-run reports what it would move and touches nothing', async () => {
    queueHolds([message('m1', notifierRecord()), message('m3', 'junk')]);
    const { code, stdout } = await runCli(['dlq', 'redrive', '--queue', QUEUE, '--dry-run']);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('dry run: would move 1 of 2 message(s) to cloud-alerts-dev-alerts');
    expect(stdout).toContain(`would move  m1  slack slack-default  ${request().key}`);
    expect(stdout).toContain('would skip  m3  (no notification request)');
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    expect(sqs).not.toHaveReceivedCommand(DeleteMessageCommand);
  });

  it('walks the queue past ten messages, each once', async () => {
    const batch = (from: number) =>
      Array.from({ length: 10 }, (_, i) => message(`m${from + i}`, notifierRecord(from + i)));
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: batch(0) })
      .resolvesOnce({ Messages: [...batch(10).slice(0, 5), ...batch(0).slice(0, 5)] })
      .resolves({ Messages: [] });
    const { stdout } = await runCli(['dlq', 'list', '--queue', QUEUE, '--json']);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(15);
    expect(new Set(lines.map((l) => l.messageId)).size).toBe(15);
  });

  it('requires a queue and a subcommand', async () => {
    expect((await runCli(['dlq', 'list'])).code).toBe(2);
    expect((await runCli(['dlq', 'purge', '--queue', QUEUE])).code).toBe(2);
  });

  it('takes the region from the queue URL', () => {
    expect(regionOfQueueUrl(QUEUE)).toBe('eu-west-1');
    expect(regionOfQueueUrl('https://sqs.cn-north-1.amazonaws.com.cn/1/q')).toBe('cn-north-1');
    expect(regionOfQueueUrl('http://127.0.0.1:9324/q')).toBeUndefined();
  });
});
