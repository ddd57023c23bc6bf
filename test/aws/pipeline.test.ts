/**
 * The emulated-AWS tier, dev stage (npm run test:aws; docs/deploy.md, "The emulator tier"):
 * `serverless deploy` to moto, what it created read back, then one alert through the built bundles,
 * each with its deployed environment and its own role's credentials, IAM enforced.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteRolePolicyCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { receiverChannel } from '../../shared/config/receivers.ts';
import { readServerlessRules } from '../../shared/eventbridge/serverless.ts';
import type { Alert } from '../../shared/events/alert.ts';
import { requirePlugin } from '../../shared/notify/channels/registry.ts';
import { slack as slackPlugin } from '../../shared/notify/channels/slack/index.ts';
import { loadEvent } from '../helpers/events.ts';
import { awsClients, BOOTSTRAP_KEYS } from './kit/clients.ts';
import { emulatorEnv, REPO } from './kit/deploy.ts';
import { allows, checkCalls, type PolicyDocument, type Statement } from './kit/iam.ts';
import type { Invocation } from './kit/lambda.ts';
import { MOTO_ACCOUNT, REGION } from './kit/moto.ts';
import { drain, type Envelope, parseEnvelope } from './kit/queues.ts';
import {
  CHANNELS,
  type ChannelName,
  type DeployedStage,
  deployToEmulator,
  ofFunction,
  queueUrlsToEmulator,
} from './kit/stage.ts';

const run = promisify(execFile);
const STAGE = 'dev';
const PREFIX = `cloud-alerts-${STAGE}`;
const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${MOTO_ACCOUNT}:${rest}`;

let s: DeployedStage;
/** The notification requests the alert function put on the bus for the first alert, by channel. */
const requests = new Map<ChannelName, Envelope>();
function requestFor(channel: ChannelName): Envelope {
  const request = requests.get(channel);
  if (!request) throw new Error(`no ${channel} notification request: the alert step failed`);
  return request;
}

beforeAll(async () => {
  s = await deployToEmulator(STAGE);
}, 300_000);

afterAll(async () => {
  await s?.stop();
});

/** What every invocation must hold to: nothing left the machine, and no secret reached a log line. */
function expectContained(inv: Invocation): void {
  expect(inv.refusedConnections).toEqual([]);
  const token = s.secrets.slackWebhookUrl.slice(s.secrets.slackWebhookUrl.lastIndexOf('/') + 1);
  for (const secret of [s.secrets.slackWebhookUrl, token, s.secrets.pagerDutyRoutingKey]) {
    expect(inv.logs).not.toContain(secret);
    expect(inv.errorMessage ?? '').not.toContain(secret);
  }
}

function expectDelivered(inv: Invocation): void {
  expectContained(inv);
  if (!inv.ok) throw new Error(`${inv.phase} failed: ${inv.errorType}: ${inv.errorMessage}\n${inv.logs}`);
}

/**
 * The channels the default configuration has a receiver of: the alert goes to these. Every channel
 * is deployed (CHANNELS); one without a receiver gets no request.
 */
function configuredChannels(): ChannelName[] {
  return CHANNELS.filter((c) => s.config.receivers.some((r) => receiverChannel(r) === c));
}

function receiverOf(channel: ChannelName): string {
  const names = s.config.receivers.filter((r) => receiverChannel(r) === channel).map((r) => r.name);
  if (names.length !== 1) throw new Error(`the default config should have one ${channel} receiver`);
  return names[0] ?? '';
}

describe('serverless deploy --stage dev, read back from the emulator', () => {
  it('creates the alert function and a notifier per channel on nodejs22.x, each with a role of its own and the environment its handler requires', () => {
    const fns = Object.values(s.snapshot.functions);
    expect(fns.map((f) => f.name).sort()).toEqual(
      ['alert', ...CHANNELS.map((c) => `notify-${c}`)].sort().map((n) => `${PREFIX}-${n}`),
    );
    for (const fn of fns) {
      expect(fn.runtime).toBe('nodejs22.x');
      expect(fn.environment).toMatchObject({ STAGE: STAGE, IDEMPOTENCY_TABLE_NAME: `${PREFIX}-idempotency` });
    }
    expect(new Set(fns.map((f) => f.roleArn)).size).toBe(fns.length);
    const { alert, notifySlack, notifyPagerDuty, notifyEmail } = s.snapshot.functions;
    expect(alert.environment).toMatchObject({
      ALERTS_BUS_NAME: `${PREFIX}-alerts`,
      STATE_TABLE_NAME: `${PREFIX}-state`,
      ACCOUNT_ID: MOTO_ACCOUNT,
    });
    // Single account: no organisation, so no member reader role to assume.
    expect(alert.environment.ALARM_READER_ROLE_NAME).toBeUndefined();
    expect(notifySlack.environment.DEAD_LETTER_QUEUE_URL).toMatch(/\/cloud-alerts-dev-notify-slack-dlq$/);
    expect(notifyPagerDuty.environment.DEAD_LETTER_QUEUE_URL).toMatch(
      /\/cloud-alerts-dev-notify-pagerduty-dlq$/,
    );
    expect(notifyEmail.environment).toMatchObject({ ALERTS_TOPIC_ARN: s.snapshot.topic.arn });
    // Send budgets: the state table and each notifier's own flush queue.
    for (const [fn, channel] of [
      [notifySlack, 'slack'],
      [notifyPagerDuty, 'pagerduty'],
      [notifyEmail, 'email'],
    ] as const) {
      expect(fn.environment.STATE_TABLE_NAME).toBe(`${PREFIX}-state`);
      expect(fn.environment[`${channel.toUpperCase()}_FLUSH_QUEUE_URL`]).toMatch(
        new RegExp(`/${PREFIX}-notify-${channel}-flush$`),
      );
    }
  });

  it('grants each role what its function does, on this stage only, and nothing of the others', () => {
    const p = s.snapshot.policies;
    const slackParameter = arn('ssm', 'parameter/cloud-alerts/dev/slack/default');
    const pagerDutyParameter = arn('ssm', 'parameter/cloud-alerts/dev/pagerduty/default');
    const idempotency = arn('dynamodb', `table/${PREFIX}-idempotency`);
    const cases: [PolicyDocument[], string, string, boolean][] = [
      [p.alert, 'events:PutEvents', arn('events', `event-bus/${PREFIX}-alerts`), true],
      [p.alert, 'events:PutEvents', arn('events', 'event-bus/default'), false],
      [p.alert, 'dynamodb:UpdateItem', arn('dynamodb', `table/${PREFIX}-state`), true],
      [p.alert, 'ssm:GetParameters', slackParameter, false],
      [p.notifySlack, 'ssm:GetParameters', slackParameter, true],
      [p.notifySlack, 'ssm:GetParameters', pagerDutyParameter, false],
      [p.notifySlack, 'ssm:GetParameters', arn('ssm', 'parameter/cloud-alerts/prod/slack/default'), false],
      [p.notifySlack, 'dynamodb:PutItem', idempotency, true],
      [p.notifySlack, 'sqs:SendMessage', arn('sqs', `${PREFIX}-notify-slack-dlq`), true],
      [p.notifySlack, 'sqs:SendMessage', arn('sqs', `${PREFIX}-notify-email-dlq`), false],
      [p.notifySlack, 'sns:Publish', s.snapshot.topic.arn, false],
      [p.notifyPagerDuty, 'ssm:GetParameters', pagerDutyParameter, true],
      [p.notifyPagerDuty, 'ssm:GetParameters', slackParameter, false],
      [p.notifyEmail, 'sns:Publish', s.snapshot.topic.arn, true],
      [p.notifyEmail, 'ssm:GetParameters', slackParameter, false],
      [p.notifyEmail, 'dynamodb:PutItem', arn('dynamodb', `table/${PREFIX}-state`), false],
    ];
    // The state table, by partition key: each notifier only its own channel's budgets and tallies.
    const state = arn('dynamodb', `table/${PREFIX}-state`);
    const keyed: [PolicyDocument[], string, string, boolean][] = [
      [p.notifySlack, 'dynamodb:UpdateItem', 'budget#slack#0123abcd', true],
      [p.notifySlack, 'dynamodb:GetItem', 'overflow#slack#slack-default', true],
      [p.notifySlack, 'dynamodb:UpdateItem', 'budget#pagerduty#0123abcd', false],
      [p.notifySlack, 'dynamodb:UpdateItem', 'group#0123abcd', false],
      [p.notifySlack, 'dynamodb:PutItem', 'budget#slack#0123abcd', false],
      [p.notifySlack, 'dynamodb:DeleteItem', 'overflow#slack#slack-default', false],
      [p.notifyPagerDuty, 'dynamodb:UpdateItem', 'budget#pagerduty#0123abcd', true],
      [p.notifyPagerDuty, 'dynamodb:GetItem', 'overflow#slack#slack-default', false],
      [p.notifyPagerDuty, 'dynamodb:UpdateItem', 'incident#pagerduty#0123abcd', true],
      [p.notifySlack, 'dynamodb:UpdateItem', 'incident#pagerduty#0123abcd', false],
      [p.notifyEmail, 'dynamodb:UpdateItem', 'overflow#email#email-default', true],
      [p.notifyEmail, 'dynamodb:UpdateItem', 'dedupe#0123abcd', false],
      [p.alert, 'dynamodb:UpdateItem', 'budget#slack#0123abcd', true],
    ];
    const wrongKeys = keyed.filter(
      ([policies, action, key, expected]) =>
        allows(policies, action, state, { leadingKeys: [key] }) !== expected,
    );
    expect(
      wrongKeys.map(
        ([, action, key, expected]) => `${expected ? 'not allowed' : 'allowed'}: ${action} ${key}`,
      ),
    ).toEqual([]);
    for (const channel of CHANNELS) {
      const flush = arn('sqs', `${PREFIX}-notify-${channel}-flush`);
      const own = ofFunction(p, `notify${requirePlugin(channel).deploy.id}`);
      for (const action of ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']) {
        expect([channel, action, allows(own, action, flush)]).toEqual([channel, action, true]);
        expect([channel, action, allows(p.alert, action, flush)]).toEqual([channel, action, false]);
      }
      const other = CHANNELS.find((c) => c !== channel);
      expect(allows(own, 'sqs:SendMessage', arn('sqs', `${PREFIX}-notify-${other}-flush`))).toBe(false);
    }
    const wrong = cases.filter(
      ([policies, action, resource, expected]) => allows(policies, action, resource) !== expected,
    );
    expect(
      wrong.map(
        ([, action, resource, expected]) => `${expected ? 'not allowed' : 'allowed'}: ${action} ${resource}`,
      ),
    ).toEqual([]);
    for (const statement of Object.values(p)
      .flat()
      .flatMap((doc) => doc.Statement)) {
      expect([statement.Action].flat()).not.toContain('*');
    }
  });

  it('routes CloudTrail and alarm events on the default bus to the alert function, as serverless.yml declares them', () => {
    const declared = readServerlessRules(join(REPO, 'serverless.yml'), {
      stage: STAGE,
      region: REGION,
    }).filter((r) => r.bus === 'default');
    expect(declared.length).toBeGreaterThan(10);
    const deployed = new Map(s.snapshot.rules.default.map((r) => [r.name, r]));
    for (const rule of declared) {
      const found = deployed.get(rule.name);
      expect(found?.pattern).toEqual(rule.pattern);
      expect(found?.targets).toEqual([
        expect.objectContaining({
          Arn: s.snapshot.functions.alert.arn,
          DeadLetterConfig: { Arn: s.snapshot.queues[`${PREFIX}-event-delivery-dlq`]?.arn },
          // A heartbeat proves something for minutes, not a day (serverless.yml, the heartbeat rule).
          RetryPolicy: rule.name.endsWith('-heartbeat')
            ? { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 900 }
            : { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        }),
      ]);
    }
    expect(deployed.get(`${PREFIX}-root-usage`)?.state).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    expect(deployed.get(`${PREFIX}-s3-bucket-visibility`)?.state).toBe('ENABLED');
  });

  it('routes notification requests on the alerts bus to one notifier per channel', () => {
    for (const channel of CHANNELS) {
      const rule = s.snapshot.rules.alerts.find((r) => r.name === `${PREFIX}-notify-${channel}`);
      expect(rule?.pattern).toEqual({
        source: ['cloud-alerts'],
        'detail-type': ['Notification Requested'],
        detail: { channel: [channel] },
      });
      expect(rule?.targets).toEqual([
        expect.objectContaining({
          Arn: arn('lambda', `function:${PREFIX}-notify-${channel}`),
          DeadLetterConfig: { Arn: s.snapshot.queues[`${PREFIX}-event-delivery-dlq`]?.arn },
        }),
      ]);
    }
  });

  it('creates the dead-letter and group-close queues, the encrypted topic and the two tables', () => {
    expect(Object.keys(s.snapshot.queues).sort()).toEqual(
      [
        'alert-dlq',
        'event-delivery-dlq',
        'group-close',
        'group-close-dlq',
        ...CHANNELS.flatMap((c) => [`notify-${c}-dlq`, `notify-${c}-flush`]),
      ]
        .sort()
        .map((q) => `${PREFIX}-${q}`),
    );
    for (const channel of CHANNELS) {
      expect(s.snapshot.queues[`${PREFIX}-notify-${channel}-flush`]?.attributes.RedrivePolicy).toContain(
        `${PREFIX}-notify-${channel}-dlq`,
      );
    }
    expect(s.snapshot.queues[`${PREFIX}-group-close`]?.attributes.RedrivePolicy).toContain(
      `${PREFIX}-group-close-dlq`,
    );
    for (const [name, queue] of Object.entries(s.snapshot.queues)) {
      if (name.endsWith('-dlq')) expect(queue.attributes.MessageRetentionPeriod).toBe('1209600');
    }
    expect(s.snapshot.topic.attributes.KmsMasterKeyId).toBe(s.snapshot.resources.AlertsKey?.physicalId);
    expect(s.snapshot.topic.subscriptions).toEqual([]);
    // moto drops a CloudFormation table's TTL and SSE settings: scripts/check-template.ts checks those.
    expect(s.snapshot.tables).toEqual({
      [`${PREFIX}-state`]: { keys: ['pk:HASH'] },
      [`${PREFIX}-idempotency`]: { keys: ['id:HASH'] },
    });
  });

  it('creates no secret parameter: the receivers’ secrets are the operator’s, never in the template', () => {
    // The one parameter it makes is the heartbeat canary's (a timestamp, docs/deploy.md).
    expect(s.snapshot.parameters).toEqual([`/cloud-alerts/${STAGE}/heartbeat`]);
  });
});

describe('one alert, end to end: each bundle with its own role, IAM enforced', () => {
  it('refuses any caller IAM does not know, once enforced', async () => {
    const stranger = awsClients(s.gateway.endpoint, REGION, BOOTSTRAP_KEYS);
    await expect(stranger.sqs.send(new ListQueuesCommand({}))).rejects.toThrow(
      /security token|not valid|invalid/i,
    );
  });

  it('alert: a public-bucket event becomes one notification request per receiver on the alerts bus', async () => {
    const inv = await s.run('alert', loadEvent('s3/put-bucket-acl-public-read.json'));
    expectDelivered(inv);
    for (const channel of configuredChannels()) {
      const messages = await drain(s.operator.sqs, s.capture[channel], 1);
      expect(messages).toHaveLength(1);
      const envelope = parseEnvelope(messages[0] ?? '', MOTO_ACCOUNT);
      expect(envelope).toMatchObject({
        source: 'cloud-alerts',
        'detail-type': 'Notification Requested',
        detail: {
          channel,
          receiver: receiverOf(channel),
          alert: { ruleId: 's3-bucket-acl-public', severity: 'critical' },
        },
      });
      requests.set(channel, envelope);
    }
  });

  it('notify-slack: posts to the webhook read from SSM, records the delivery, and posts once however often it is delivered', async () => {
    const first = await s.run('notifySlack', requestFor('slack'));
    expectDelivered(first);
    expect(first.result).toEqual({ status: 'delivered', receiver: receiverOf('slack') });
    expect(s.slack.received).toHaveLength(1);
    const post = s.slack.received[0];
    expect(post?.path).toBe(new URL(s.secrets.slackWebhookUrl).pathname);
    expect(JSON.stringify(JSON.parse(post?.body ?? '{}').blocks)).toContain('S3 bucket made public by ACL');

    const again = await s.run('notifySlack', requestFor('slack'));
    expectDelivered(again);
    expect(again.result).toEqual({ status: 'duplicate', receiver: receiverOf('slack') });
    expect(s.slack.received).toHaveLength(1);
  });

  it('notify-pagerduty: triggers an incident with the routing key read from SSM', async () => {
    const inv = await s.run('notifyPagerDuty', requestFor('pagerduty'));
    expectDelivered(inv);
    expect(inv.result).toEqual({ status: 'delivered', receiver: receiverOf('pagerduty') });
    expect(s.pagerduty.received).toHaveLength(1);
    const sent = JSON.parse(s.pagerduty.received[0]?.body ?? '{}');
    expect(s.pagerduty.received[0]?.path).toBe('/v2/enqueue');
    expect(sent).toMatchObject({
      routing_key: s.secrets.pagerDutyRoutingKey,
      event_action: 'trigger',
      payload: { severity: 'critical', class: 's3-bucket-acl-public' },
    });
  });

  it('notify-email: publishes to the stack topic, and a subscriber receives it', async () => {
    const inv = await s.run('notifyEmail', requestFor('email'));
    expectDelivered(inv);
    expect(inv.result).toEqual({ status: 'delivered', receiver: receiverOf('email') });
    const [delivered, ...more] = await drain(s.operator.sqs, s.topicCapture, 1);
    expect(more).toEqual([]);
    const notification = JSON.parse(delivered ?? '{}');
    expect(notification).toMatchObject({ Type: 'Notification', TopicArn: s.snapshot.topic.arn });
    expect(notification.Subject).toMatch(/^\[CRITICAL\] S3 bucket made public by ACL/);
    expect(notification.Message).toContain('example-data');
  });

  it('keeps one completed idempotency record per (alert, receiver) in DynamoDB', async () => {
    const items =
      (await s.operator.ddb.send(new ScanCommand({ TableName: `${PREFIX}-idempotency` }))).Items ?? [];
    const receivers = items
      .filter((i) => i.status?.S === 'COMPLETED')
      .map((i) => i.data?.M?.receiver?.S)
      .sort();
    expect(receivers).toEqual(configuredChannels().map(receiverOf).sort());
    for (const item of items) expect(Number(item.expiration?.N)).toBeGreaterThan(Date.now() / 1000);
  });

  it('made only calls its own deployed policy allows, resources included', () => {
    const byFunction = new Map<string, string[]>();
    const denied: string[] = [];
    for (const call of s.gateway.calls) {
      const owner = s.keyOwner.get(call.accessKeyId);
      if (owner === undefined) continue;
      for (const verdict of checkCalls(
        [call],
        ofFunction(s.snapshot.policies, owner),
        REGION,
        MOTO_ACCOUNT,
      )) {
        const line = `${verdict.action} ${verdict.resource}`;
        byFunction.set(owner, [...(byFunction.get(owner) ?? []), line]);
        if (!verdict.allowed) denied.push(`${owner}: ${line}`);
      }
    }
    expect(denied).toEqual([]);
    // The calls that prove each function used its role at all (and the check above judged them).
    expect(byFunction.get('alert')).toContain(
      `events:PutEvents ${arn('events', `event-bus/${PREFIX}-alerts`)}`,
    );
    expect(byFunction.get('notifySlack')).toContain(
      `ssm:GetParameters ${arn('ssm', 'parameter/cloud-alerts/dev/slack/default')}`,
    );
    expect(byFunction.get('notifyPagerDuty')).toContain(
      `ssm:GetParameters ${arn('ssm', 'parameter/cloud-alerts/dev/pagerduty/default')}`,
    );
    expect(byFunction.get('notifyEmail')).toContain(`sns:Publish ${s.snapshot.topic.arn}`);
    for (const notifier of ['notifySlack', 'notifyPagerDuty', 'notifyEmail']) {
      expect(byFunction.get(notifier)).toContain(
        `dynamodb:PutItem ${arn('dynamodb', `table/${PREFIX}-idempotency`)}`,
      );
    }
  });
});

describe('send budgets: over the budget, folded into one overflow summary sent by the flush', () => {
  /** The Slack request of the first alert, as a low one of its own (a new alert id, so a new delivery). */
  function lowRequest(i: number): Envelope {
    const base = requestFor('slack');
    const detail = base.detail as { receiver: string; alert: Record<string, unknown> };
    const id = `budget-test-${i}`;
    return {
      ...base,
      id: `00000000-0000-4000-8000-00000000b0${String(i).padStart(2, '0')}`,
      detail: {
        ...detail,
        key: `${id}/${detail.receiver}`,
        alert: { ...detail.alert, id, severity: 'low', title: `Low alert ${i}` },
      },
    };
  }

  it('folds what the Slack budget cannot take, and the flush posts one summary counting it, with calls the role allows', async () => {
    const from = s.gateway.calls.length;
    const posts = s.slack.received.length;
    // Eight invocations of low alerts in a row: the bulk lane takes a token only from a full bucket.
    // One after another: concurrent folds into one item are the dynalite contract's subject
    // (test/integration/send-budget-dynalite.test.ts); under moto one concurrent ADD was once seen
    // lost, and this test is about the deployed role and wiring, not the emulator's locking.
    const runs = [];
    for (let i = 0; i < 8; i++) runs.push(await s.run('notifySlack', lowRequest(i)));
    for (const inv of runs) expectDelivered(inv);
    const statuses = runs.map((inv) => (inv.result as { status: string }).status);
    const folded = statuses.filter((st) => st === 'folded').length;
    expect(folded).toBeGreaterThan(0);
    expect(statuses.filter((st) => st === 'delivered')).toHaveLength(8 - folded);
    expect(s.slack.received.length - posts).toBe(8 - folded);

    const flushUrl = queueUrlsToEmulator(
      s.snapshot.functions.notifySlack.environment,
      s.gateway.endpoint,
    ).SLACK_FLUSH_QUEUE_URL;
    const scheduled = s.gateway.calls
      .slice(from)
      .filter((c) => c.action === 'sqs:SendMessage')
      .map((c) => c.params as { QueueUrl: string; MessageBody: string; DelaySeconds: number });
    expect(scheduled.length).toBeGreaterThan(0);
    for (const m of scheduled) {
      expect(m.QueueUrl).toMatch(new RegExp(`/${PREFIX}-notify-slack-flush$`));
      expect(Number(m.DelaySeconds)).toBe(s.config.delivery.overflowSummarySeconds);
    }
    expect(flushUrl).toMatch(/-notify-slack-flush$/);

    // What SQS hands the function once the delay is over (dueAt reached), after the bucket refilled.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const body = { ...JSON.parse(scheduled[0]?.MessageBody ?? '{}'), dueAt: Date.now() };
    const flush = await s.run('notifySlack', {
      Records: [
        {
          messageId: 'flush-1',
          receiptHandle: 'flush-1',
          body: JSON.stringify(body),
          attributes: {},
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: arn('sqs', `${PREFIX}-notify-slack-flush`),
          awsRegion: REGION,
        },
      ],
    });
    expectDelivered(flush);
    expect(flush.result).toEqual({ batchItemFailures: [] });
    expect(s.slack.received.length - posts).toBe(8 - folded + 1);
    const summary = JSON.stringify(JSON.parse(s.slack.received.at(-1)?.body ?? '{}'));
    expect(summary).toMatch(new RegExp(`${folded} more alerts? held back by the slack-default send budget`));

    const verdicts = s.gateway.calls
      .slice(from)
      .filter((c) => s.keyOwner.get(c.accessKeyId) === 'notifySlack')
      .flatMap((c) => checkCalls([c], s.snapshot.policies.notifySlack, REGION, MOTO_ACCOUNT));
    expect(verdicts.filter((v) => !v.allowed)).toEqual([]);
    const stateKeys = verdicts
      .filter((v) => v.resource === arn('dynamodb', `table/${PREFIX}-state`))
      .flatMap((v) => v.keys ?? []);
    expect(stateKeys).toContain('overflow#slack#slack-default');
    expect(stateKeys.some((k) => /^budget#slack#[0-9a-f]{20}$/.test(k))).toBe(true);
    expect(stateKeys.every((k) => k.startsWith('budget#slack#') || k.startsWith('overflow#slack#'))).toBe(
      true,
    );
  });
});

describe('a failed delivery: into the dead-letter queue, and out with `cloud-alerts dlq redrive`', () => {
  it('dead-letters a request Slack refuses, and delivers it once redriven after Slack is fixed', async () => {
    const inv = await s.run('alert', loadEvent('cloudtrail/stop-logging.json'));
    expectDelivered(inv);
    const [request] = await drain(s.operator.sqs, s.capture.slack, 1);
    await drain(s.operator.sqs, s.capture.pagerduty, 1);
    await drain(s.operator.sqs, s.capture.email, 1);
    const envelope = parseEnvelope(request ?? '', MOTO_ACCOUNT);

    s.setSlackStatus(404);
    const refused = await s.run('notifySlack', envelope);
    s.setSlackStatus(200);
    expectContained(refused);
    expect(refused.result).toMatchObject({ status: 'dead-lettered', receiver: receiverOf('slack') });
    const posts = s.slack.received.length;

    const dlq = queueUrlsToEmulator(
      s.snapshot.functions.notifySlack.environment,
      s.gateway.endpoint,
    ).DEAD_LETTER_QUEUE_URL;
    const env = emulatorEnv(s.gateway.endpoint, {
      AWS_ACCESS_KEY_ID: s.operatorKeys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s.operatorKeys.secretAccessKey,
      AWS_REGION: REGION,
    });
    const cli = join(REPO, 'bin', 'cloud-alerts.js');
    const redrive = await run(
      process.execPath,
      [cli, 'dlq', 'redrive', '--queue', dlq ?? '', '--bus', `${PREFIX}-alerts`],
      {
        cwd: REPO,
        env,
      },
    );
    const key = String(envelope.detail.key);
    expect(redrive.stdout.split('\n').filter((l) => l.startsWith('moved ') && l.endsWith(key))).toHaveLength(
      1,
    );
    expect(redrive.stdout).toContain(`moved 1, skipped 0, failed 0 (bus ${PREFIX}-alerts)`);
    const list = await run(process.execPath, [cli, 'dlq', 'list', '--queue', dlq ?? ''], { cwd: REPO, env });
    expect(list.stdout).toContain('0 message(s)');
    for (const out of [redrive.stdout, redrive.stderr, list.stdout, list.stderr]) {
      expect(out).not.toContain(s.secrets.slackWebhookUrl);
    }

    const [redriven, ...more] = await drain(s.operator.sqs, s.capture.slack, 1);
    expect(more).toEqual([]);
    const delivered = await s.run('notifySlack', parseEnvelope(redriven ?? '', MOTO_ACCOUNT));
    expectDelivered(delivered);
    expect(delivered.result).toEqual({ status: 'delivered', receiver: receiverOf('slack') });
    expect(s.slack.received).toHaveLength(posts + 1);
  });
});

describe('a permission taken from a role makes its function fail', () => {
  it('notify-slack without ssm:GetParameters delivers nothing, and dead-letters the request naming AccessDenied and the parameter', async () => {
    // A request of its own, so that nothing about it was delivered or remembered before.
    expectDelivered(await s.run('alert', loadEvent('kms/disable-key.json')));
    const [body] = await drain(s.operator.sqs, s.capture.slack, 1);
    await drain(s.operator.sqs, s.capture.pagerduty, 1);
    await drain(s.operator.sqs, s.capture.email, 1);
    const request = parseEnvelope(body ?? '', MOTO_ACCOUNT);
    const posts = s.slack.received.length;
    const parameter = s.config.receivers.flatMap((r) =>
      'slack' in r ? [slackPlugin.secret(r.slack)?.parameter] : [],
    )[0];

    const { roleName, policies } = s.enforced.notifySlack;
    const grantsSecrets = (st: Statement) => [st.Action].flat().includes('ssm:GetParameters');
    const holder = policies.find((p) => p.document.Statement.some(grantsSecrets));
    if (!holder) throw new Error('no policy of the Slack role grants ssm:GetParameters');
    const remaining = holder.document.Statement.filter((st) => !grantsSecrets(st));
    expect(remaining.length).toBe(holder.document.Statement.length - 1);
    const put = (doc: PolicyDocument) =>
      s.operator.iam.send(
        new PutRolePolicyCommand({
          RoleName: roleName,
          PolicyName: holder.name,
          PolicyDocument: JSON.stringify(doc),
        }),
      );
    // A policy left without a statement is not a policy: then the whole policy goes.
    if (remaining.length > 0) await put({ ...holder.document, Statement: remaining });
    else
      await s.operator.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: holder.name }));
    let inv: Invocation;
    try {
      inv = await s.run('notifySlack', request);
    } finally {
      await put(holder.document);
    }
    expectContained(inv);
    expect(s.slack.received).toHaveLength(posts);
    expect(inv.result).toMatchObject({ status: 'dead-lettered', receiver: receiverOf('slack') });
    const dlq = queueUrlsToEmulator(s.snapshot.functions.notifySlack.environment, s.gateway.endpoint);
    const letters = (await drain(s.operator.sqs, dlq.DEAD_LETTER_QUEUE_URL ?? '', 1)).map((b) =>
      JSON.parse(b),
    );
    expect(letters).toEqual([
      expect.objectContaining({ key: request.detail.key, receiver: receiverOf('slack') }),
    ]);
    expect(letters[0].reason).toMatch(/AccessDenied/);
    expect(letters[0].reason).toContain(parameter);
    expect(letters[0].reason).not.toContain(s.secrets.slackWebhookUrl);
  });
});

describe('evidence: the alert role reads the alarm’s metric and its function’s errors, IAM enforced', () => {
  // PutMetricData refuses namespaces starting with "AWS/", so the alarm watches the same metric in a
  // namespace of our own, and names its function's log group with the `log-group` tag (docs/evidence.md).
  const NAMESPACE = 'Example/Lambda';
  const FUNCTION = 'example-evidence-api';
  const GROUP = `/aws/lambda/${FUNCTION}`;
  const MINUTE = 60_000;
  const stateAt = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
  const at = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

  function alarmEvent(): unknown {
    const event = loadEvent('cloudwatch/lambda-errors-alarm.json') as {
      id: string;
      time: string;
      detail: Record<string, unknown> & {
        state: Record<string, unknown>;
        configuration: { metrics: Array<{ metricStat: { metric: Record<string, unknown> } }> };
      };
    };
    const metric = event.detail.configuration.metrics[0]?.metricStat.metric;
    if (!metric) throw new Error('the sample alarm has no metric');
    metric.namespace = NAMESPACE;
    metric.dimensions = { FunctionName: FUNCTION };
    event.id = '6a1d3c55-0e0b-4f8e-9d7a-3c2b1a0f9e8d';
    event.time = new Date(stateAt + 30_000).toISOString();
    event.detail.alarmName = 'example-evidence-api-errors';
    event.detail.alarmTags = { 'log-group': GROUP };
    event.detail.state = {
      ...event.detail.state,
      timestamp: at(stateAt + 30_000),
      reasonData: JSON.stringify({
        version: '1.0',
        startDate: at(stateAt - MINUTE),
        statistic: 'Sum',
        period: 60,
        recentDatapoints: [7],
        threshold: 5,
        evaluatedDatapoints: [{ timestamp: at(stateAt - MINUTE), sampleCount: 1, value: 7 }],
      }),
    };
    return event;
  }

  it('puts the metric’s chart and the distinct errors into the alert, with only calls the role allows', async () => {
    const config = {
      endpoint: s.gateway.endpoint,
      region: REGION,
      credentials: s.operatorKeys,
      maxAttempts: 1,
    };
    const cloudwatch = new CloudWatchClient(config);
    const logs = new CloudWatchLogsClient(config);
    try {
      await cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: NAMESPACE,
          MetricData: [0, 0, 1, 7].map((value, i) => ({
            MetricName: 'Errors',
            Dimensions: [{ Name: 'FunctionName', Value: FUNCTION }],
            Timestamp: new Date(stateAt - (4 - i) * MINUTE),
            Value: value,
          })),
        }),
      );
      await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 's1' }));
      const line = (ms: number, text: string) => ({
        timestamp: ms,
        message: `${new Date(ms).toISOString()}\t3f0c2c2a-1b2c-4d5e-8f90-123456789abc\tERROR\t${text}`,
      });
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: GROUP,
          logStreamName: 's1',
          logEvents: [
            line(
              stateAt - 90_000,
              'Invoke Error \t{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined"}',
            ),
            line(
              stateAt - 80_000,
              'Invoke Error \t{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined"}',
            ),
          ],
        }),
      );
    } finally {
      cloudwatch.destroy();
      logs.destroy();
    }

    const from = s.gateway.calls.length;
    const inv = await s.run('alert', alarmEvent());
    expectDelivered(inv);
    const [body] = await drain(s.operator.sqs, s.capture[configuredChannels()[0] ?? 'slack'], 1);
    for (const channel of configuredChannels().slice(1)) await drain(s.operator.sqs, s.capture[channel], 1);
    const alert = (parseEnvelope(body ?? '', MOTO_ACCOUNT).detail as { alert: Alert }).alert;
    expect(alert.evidence?.map((e) => e.kind)).toEqual(['metric', 'logs']);
    const [metric, errors] = alert.evidence ?? [];
    expect(metric?.chart).toMatch(/[▅▆▇█]$/);
    expect(errors?.lines.join('\n')).toMatch(/2× .*TypeError: Cannot read properties of undefined/);
    expect(alert.links.map((l) => l.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/Logs Insights/)]),
    );

    const evidenceCalls = checkCalls(
      s.gateway.calls.slice(from).filter((c) => s.keyOwner.get(c.accessKeyId) === 'alert'),
      ofFunction(s.snapshot.policies, 'alert'),
      REGION,
      MOTO_ACCOUNT,
    ).filter((v) => /GetMetricData|FilterLogEvents/.test(v.action));
    // The two reads run at once: their order is the network's.
    expect(
      evidenceCalls.map((v) => `${v.allowed ? 'allowed' : 'DENIED'} ${v.action} ${v.resource}`).sort(),
    ).toEqual([
      'allowed cloudwatch:GetMetricData *',
      `allowed logs:FilterLogEvents ${arn('logs', `log-group:${GROUP}`)}`,
    ]);
  });

  it('grants log reads only inside evidence.logs.logGroups, and no notifier any evidence read', async () => {
    const p = s.snapshot.policies;
    expect(allows(p.alert, 'logs:FilterLogEvents', arn('logs', `log-group:${GROUP}`))).toBe(true);
    expect(allows(p.alert, 'logs:FilterLogEvents', arn('logs', 'log-group:/ecs/payments'))).toBe(false);
    for (const notifier of ['notifySlack', 'notifyPagerDuty', 'notifyEmail'] as const) {
      expect(allows(p[notifier], 'logs:FilterLogEvents', arn('logs', `log-group:${GROUP}`))).toBe(false);
      expect(allows(p[notifier], 'cloudtrail:LookupEvents', '*')).toBe(false);
      expect(allows(p[notifier], 'cloudwatch:GetMetricData', '*')).toBe(false);
    }
    expect(allows(p.alert, 'cloudtrail:LookupEvents', '*')).toBe(true);
  });
});
