import { loadConfigFile } from '../../shared/config/load.ts';
import type { DeadLetterRecord } from '../../shared/delivery/dead-letter.ts';
import { createDynamoDbOnce, type OncePort } from '../../shared/delivery/idempotency.ts';
import type { NotificationRequest } from '../../shared/events/alert.ts';
import { slack as slackPlugin } from '../../shared/notify/channels/slack/index.ts';
import { silentLogger } from '../../shared/pipeline/logger.ts';
import { handleNotification, type NotifyDeps } from '../../shared/pipeline/notify.ts';
import { notificationEvent } from '../helpers/events.ts';
import { lambdaContext } from '../helpers/lambda.ts';
import { buildAlert } from '../unit/notify/fixtures.ts';
import { type LocalDynamo, startLocalDynamo } from './kit/dynalite.ts';
import { type Behaviour, type FakeVendor, startFakeVendor } from './kit/fake-vendor.ts';

const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
const OK: Behaviour = { kind: 'reply', status: 200, body: 'ok' };

let dynamo: LocalDynamo;
let slack: FakeVendor;
let answers: Behaviour[];
let deadLettered: DeadLetterRecord[];
let testNumber = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  slack = await startFakeVendor(() => answers.shift() ?? OK);
});

afterAll(async () => {
  await Promise.all([dynamo?.close(), slack?.close()]);
});

beforeEach(() => {
  answers = [];
  deadLettered = [];
  slack.accepted.length = 0;
  slack.requests = 0;
  testNumber++;
});

/** A request no other test has used, so each test starts with an empty idempotency history. */
function freshRequest(): NotificationRequest {
  const alert = buildAlert({ id: `idem:${testNumber}` });
  return { channel: 'slack', receiver: 'slack-default', key: `${alert.id}/slack-default`, alert };
}

function delivered(request: NotificationRequest): Record<string, unknown> {
  return notificationEvent(request, `eb-${request.key}`);
}

function deps(once: OncePort): NotifyDeps {
  return {
    plugin: slackPlugin,
    config,
    sender: slackPlugin.createSender({ timeoutMs: 2000 }),
    logger: silentLogger,
    once,
    deadLetter: async (record) => {
      deadLettered.push(record);
    },
    context: {
      secret: () => `${slack.url}/services/T0/B0/idempotencyTestSecret00`,
      stackTopicArn: undefined,
    },
  };
}

describe('idempotent delivery on DynamoDB (dynalite)', () => {
  it('posts once when EventBridge delivers the same request twice', async () => {
    const once = createDynamoDbOnce({ tableName: dynamo.tableName, client: dynamo.client });
    const request = freshRequest();
    const first = await handleNotification(delivered(request), deps(once));
    const second = await handleNotification(delivered(request), deps(once));

    expect(first).toEqual({ status: 'delivered', receiver: 'slack-default' });
    expect(second).toEqual({ status: 'duplicate', receiver: 'slack-default' });
    expect(slack.accepted).toHaveLength(1);
  });

  it('lets a Lambda retry send after a retryable failure, then remembers the success', async () => {
    const once = createDynamoDbOnce({ tableName: dynamo.tableName, client: dynamo.client });
    const request = freshRequest();
    answers = [{ kind: 'reply', status: 503, body: 'service_unavailable' }];

    await expect(handleNotification(delivered(request), deps(once))).rejects.toMatchObject({
      name: 'DeliveryError',
      retryable: true,
    });
    expect(await handleNotification(delivered(request), deps(once))).toEqual({
      status: 'delivered',
      receiver: 'slack-default',
    });
    expect(await handleNotification(delivered(request), deps(once))).toEqual({
      status: 'duplicate',
      receiver: 'slack-default',
    });
    expect(slack.requests).toBe(2);
    expect(slack.accepted).toHaveLength(1);
  });

  it('dead-letters a permanent failure without remembering it, so a redrive after the fix delivers', async () => {
    const once = createDynamoDbOnce({ tableName: dynamo.tableName, client: dynamo.client });
    const request = freshRequest();
    answers = [{ kind: 'reply', status: 404, body: 'no_service' }];

    const failed = await handleNotification(delivered(request), deps(once));
    expect(failed).toEqual({
      status: 'dead-lettered',
      receiver: 'slack-default',
      reason: 'slack delivery failed: HTTP 404 (no_service), permanent',
    });
    expect(deadLettered.map((d) => [d.key, d.reason])).toEqual([[request.key, failed.reason]]);

    const redriven = await handleNotification(delivered(request), deps(once));
    expect(redriven).toEqual({ status: 'delivered', receiver: 'slack-default' });
    expect(slack.accepted).toHaveLength(1);
  });

  it('does not block the retry of an invocation that timed out mid-delivery', async () => {
    const once = createDynamoDbOnce({ tableName: dynamo.tableName, client: dynamo.client });
    const request = freshRequest();
    // The first invocation has 50 ms left and never finishes: its in-progress record expires with it.
    once.registerLambdaContext?.({ ...lambdaContext('notify-slack'), getRemainingTimeInMillis: () => 50 });
    let release = () => {};
    const stuck = once.run(
      request,
      () => new Promise<{ status: string }>((r) => (release = () => r({ status: 'late' }))),
    );
    await new Promise((r) => setTimeout(r, 120));

    once.registerLambdaContext?.(lambdaContext('notify-slack'));
    const retried = await handleNotification(delivered(request), deps(once));
    expect(retried).toEqual({ status: 'delivered', receiver: 'slack-default' });
    expect(slack.accepted).toHaveLength(1);
    release();
    await stuck.catch(() => undefined);
  });
});
