import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { channelNotifier, notifierHandler } from '../../shared/aws/notifier.ts';
import { secretsFromSsm } from '../../shared/aws/secrets.ts';
import { compileConfig } from '../../shared/config/compiled.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { DeadLetterRecord } from '../../shared/delivery/dead-letter.ts';
import type { RetryClock } from '../../shared/delivery/retry.ts';
import type { Alert } from '../../shared/events/alert.ts';
import { slack as slackPlugin } from '../../shared/notify/channels/slack/index.ts';
import { notificationEvent } from '../helpers/events.ts';
import { type Received, startRecorder } from '../helpers/http.ts';
import { lambdaContext } from '../helpers/lambda.ts';
import { buildAlert } from '../unit/notify/fixtures.ts';
import { type SlackWebApiStandIn, startSlackWebApi } from './kit/slack-web-api.ts';

/**
 * Slack app mode end to end through the slack notifier: the receivers' secrets from SSM, the plug-in's
 * own sender picking the mode per receiver, the delivery's retries and dead letters, against the Web
 * API stand-in and a webhook recorder on 127.0.0.1.
 */

const TOKEN = 'xoxb-123456789012-1234567890123-NotifierE2eToken77';
const WEBHOOK_SECRET = 'NotifierE2eWebhookSecret0123456789';
const CHANNEL = 'C0123ABCDEF';
const T0 = Date.parse('2026-11-20T09:15:02Z');
const DEDUP = 'cloud-alerts/alarm/123456789012/eu-west-1/HighErrors';

const CONFIG = `
receivers:
  - name: ops-app
    slack:
      botTokenParameter: /cloud-alerts/test/slack/ops-bot
      channel: ${CHANNEL}
  - name: ops-webhook
    slack:
      webhookUrlParameter: /cloud-alerts/test/slack/ops-webhook
route:
  routes:
    - match: { severity: ">=low" }
      receivers: [ops-app, ops-webhook]
`;

const ssm = mockClient(SSMClient);
let clock = T0;
let api: SlackWebApiStandIn;
let webhook: Awaited<ReturnType<typeof startRecorder>>;
let deadLettered: DeadLetterRecord[];
let written: string[];
const realConsole = { log: console.log, info: console.info, warn: console.warn, error: console.error };

const retryClock: RetryClock = {
  remainingMs: () => 60_000,
  sleep: async (ms) => {
    clock += ms;
  },
  random: () => 0,
};

beforeEach(async () => {
  clock = T0;
  deadLettered = [];
  written = [];
  process.env.POWERTOOLS_DEV = 'true';
  for (const m of ['log', 'info', 'warn', 'error'] as const) {
    console[m] = (...args: unknown[]) => {
      written.push(args.map(String).join(' '));
    };
  }
  api = await startSlackWebApi({ tokens: [TOKEN], channels: [CHANNEL], now: () => clock });
  webhook = await startRecorder();
  ssm.reset();
  ssm.on(GetParametersCommand).resolves({
    Parameters: [
      { Name: '/cloud-alerts/test/slack/ops-bot', Value: `${TOKEN}\n`, Type: 'SecureString' },
      {
        Name: '/cloud-alerts/test/slack/ops-webhook',
        Value: `${webhook.url}/services/T0/B0/${WEBHOOK_SECRET}`,
        Type: 'SecureString',
      },
    ],
  });
});

afterEach(async () => {
  Object.assign(console, realConsole);
  delete process.env.POWERTOOLS_DEV;
  await api.close();
  await webhook.close();
});

function makeHandler() {
  const config = parseConfig(CONFIG, { stage: 'test' });
  return notifierHandler(slackPlugin, config, {
    sender: slackPlugin.createSender({
      env: { SLACK_API_URL: api.baseUrl },
      now: () => clock,
      timeoutMs: 2000,
    }),
    secrets: secretsFromSsm(config, slackPlugin),
    delivery: {
      deadLetter: async (record) => {
        deadLettered.push(record);
      },
      clock: () => retryClock,
    },
  });
}

function alarmAt(minutes: number, overrides: Partial<Alert> = {}): Alert {
  return buildAlert({
    id: `alarm:${minutes}`,
    kind: 'alarm',
    severity: 'high',
    title: 'HighErrors in ALARM',
    dedupKey: DEDUP,
    time: new Date(T0 + minutes * 60_000).toISOString(),
    ...overrides,
  });
}

async function deliver(
  handler: ReturnType<typeof makeHandler>,
  alert: Alert,
  receiver: string,
): Promise<unknown> {
  const event = notificationEvent({ channel: 'slack', receiver, key: `${alert.id}/${receiver}`, alert });
  const context: Context = lambdaContext('notify-slack');
  const outcome = await handler(event, context).catch((e: unknown) => e);
  clock += 5_000;
  return outcome;
}

function webhookBodies(): Record<string, unknown>[] {
  return webhook.received.map((r: Received) => JSON.parse(r.body) as Record<string, unknown>);
}

describe('slack notifier with an app receiver and a webhook receiver', () => {
  it('fire → repeat → summary → resolve: a post, two thread replies, the edit and a reply; the webhook gets each', async () => {
    const handler = makeHandler();
    const alerts = [
      alarmAt(0),
      alarmAt(1, { summary: 'still failing' }),
      alarmAt(30, { covers: 12, summary: 'and 12 more' }),
      alarmAt(72, { status: 'resolved', title: 'HighErrors OK' }),
    ];
    for (const alert of alerts) {
      await deliver(handler, alert, 'ops-app');
      await deliver(handler, alert, 'ops-webhook');
    }

    expect(api.requests.map((r) => r.method)).toEqual([
      'chat.postMessage',
      'chat.postMessage',
      'chat.postMessage',
      'chat.update',
      'chat.postMessage',
    ]);
    const top = api.messages(CHANNEL);
    expect(top).toHaveLength(1);
    const [original] = top;
    expect(original?.edited).toBe(true);
    expect(JSON.stringify(original?.blocks)).toContain('*RESOLVED*: in ALARM for 1 h 12 min');
    expect(original?.replies.map((r) => r.text)).toEqual([
      expect.stringContaining('still failing'),
      expect.stringContaining('and 12 more'),
      expect.stringMatching(/^RESOLVED: in ALARM for 1 h 12 min/),
    ]);
    expect(original?.replies.every((r) => r.threadTs === original.ts)).toBe(true);
    // The token read from SSM (with its trailing newline trimmed) goes in the header only.
    for (const r of api.requests) {
      expect(r.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.body).not.toContain(TOKEN);
    }
    // The first post is exactly the app-mode rendering (what replay shows).
    const rendered = slackPlugin.render(
      alerts[0] as Alert,
      slackPlugin.settings.parse({ botTokenParameter: '/p/x', channel: CHANNEL }),
      {
        secret: undefined,
        stackTopicArn: undefined,
      },
    );
    expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual(rendered);

    // The webhook receiver still gets one plain message per request, without a channel.
    expect(webhook.received.map((r) => r.path)).toEqual(Array(4).fill(`/services/T0/B0/${WEBHOOK_SECRET}`));
    const bodies = webhookBodies();
    expect(bodies.map((b) => 'channel' in b)).toEqual([false, false, false, false]);
    expect(String(bodies[3]?.text)).toContain('[RESOLVED]');
    expect(deadLettered).toEqual([]);
  });

  it('dead-letters not_in_channel with what to do, and the token is nowhere', async () => {
    const handler = makeHandler();
    api.removeBot(CHANNEL, TOKEN);
    const outcome = await deliver(handler, alarmAt(0), 'ops-app');

    expect(deadLettered).toHaveLength(1);
    expect(deadLettered[0]).toMatchObject({ receiver: 'ops-app' });
    const dead = JSON.stringify(deadLettered);
    expect(dead).toContain('not_in_channel');
    expect(dead).toContain('/invite');
    expect(api.messages(CHANNEL)).toEqual([]);
    for (const text of [...written, dead, String(outcome), JSON.stringify(outcome)]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('NotifierE2eToken77');
    }
    expect(written.some((l) => l.includes('delivery failed'))).toBe(true);

    // The webhook receiver is not affected by the app's channel.
    await deliver(handler, alarmAt(0), 'ops-webhook');
    expect(webhook.received).toHaveLength(1);
  });
});

describe('the slack notifier as deployed (channelNotifier)', () => {
  const dynamo = mockClient(DynamoDBClient);
  const documents = mockClient(DynamoDBDocumentClient);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-slack-app-'));
    dynamo.reset();
    documents.reset();
    // Idempotency (Powertools) and the send budget: an empty table, every write accepted.
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(UpdateItemCommand).resolves({});
    dynamo.on(DeleteItemCommand).resolves({});
    documents.on(UpdateCommand).resolves({});
    documents.on(GetCommand).resolves({});
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the app sender the state table: the message is remembered under slackmsg#', async () => {
    const runtimeConfig = join(dir, 'cloud-alerts.json');
    writeFileSync(
      runtimeConfig,
      JSON.stringify(compileConfig(parseConfig(CONFIG, { stage: 'test' }), 'test')),
    );
    const handler = channelNotifier(slackPlugin, secretsFromSsm, {
      CLOUD_ALERTS_RUNTIME_CONFIG: runtimeConfig,
      STAGE: 'test',
      STATE_TABLE_NAME: 'cloud-alerts-test-state',
      IDEMPOTENCY_TABLE_NAME: 'cloud-alerts-test-idempotency',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
      SLACK_FLUSH_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/flush',
      SLACK_API_URL: api.baseUrl,
    });
    const alert = alarmAt(0);
    const outcome = await handler(
      notificationEvent({ channel: 'slack', receiver: 'ops-app', key: `${alert.id}/ops-app`, alert }),
      lambdaContext('notify-slack'),
    );

    expect(outcome).toEqual({ status: 'delivered', receiver: 'ops-app' });
    expect(api.messages(CHANNEL)).toHaveLength(1);
    const reads = documents.commandCalls(GetCommand).map((c) => c.args[0].input);
    const slackReads = reads.filter((i) => String(i.Key?.pk).startsWith('slackmsg#'));
    expect(slackReads).toHaveLength(1);
    expect(slackReads[0]?.TableName).toBe('cloud-alerts-test-state');
    const remembered = documents
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .filter((i) => String(i.Key?.pk).startsWith('slackmsg#'));
    expect(remembered).toHaveLength(1);
    expect(remembered[0]?.Key?.pk).toBe(slackReads[0]?.Key?.pk);
    expect(JSON.stringify(remembered)).not.toContain(TOKEN);
  });
});
