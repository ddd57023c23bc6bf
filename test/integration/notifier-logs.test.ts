import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { notifierHandler } from '../../shared/aws/notifier.ts';
import { secretsFromSsm } from '../../shared/aws/secrets.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { DeadLetterRecord } from '../../shared/delivery/dead-letter.ts';
import { slack as slackPlugin } from '../../shared/notify/channels/slack/index.ts';
import { notificationEvent } from '../helpers/events.ts';
import { lambdaContext } from '../helpers/lambda.ts';
import { buildAlert } from '../unit/notify/fixtures.ts';
import { type Behaviour, type FakeVendor, startFakeVendor } from './kit/fake-vendor.ts';

const SECRET = 'notifierLogsWebhookSecret0123456789';
const ssm = mockClient(SSMClient);
let slack: FakeVendor;
let answer: Behaviour;
let written: string[];
type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug';
const METHODS: readonly ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug'];
const real = Object.fromEntries(METHODS.map((m) => [m, console[m]]));

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  // Powertools then logs through the global console, which the test can intercept.
  process.env.POWERTOOLS_DEV = 'true';
  slack = await startFakeVendor(() => answer);
});

afterAll(async () => {
  delete process.env.POWERTOOLS_DEV;
  await slack?.close();
});

beforeEach(() => {
  ssm.reset();
  written = [];
  for (const m of METHODS) {
    console[m] = (...args: unknown[]) => {
      written.push(args.map(String).join(' '));
    };
  }
});

afterEach(() => {
  for (const m of METHODS) console[m] = real[m] ?? console[m];
});

function event(): Record<string, unknown> {
  const alert = buildAlert();
  return notificationEvent(
    { channel: 'slack', receiver: 'slack-default', key: `${alert.id}/slack-default`, alert },
    'eb-logs',
  );
}

const CASES: ReadonlyArray<readonly [string, Behaviour]> = [
  [
    '404 with the URL echoed',
    { kind: 'reply', status: 404, body: `no_service for /services/T0/B0/${SECRET}` },
  ],
  ['503', { kind: 'reply', status: 503, body: 'service_unavailable' }],
  ['a dropped connection', { kind: 'drop' }],
];

describe('notifier log output on failure', () => {
  it.each(CASES)('logs %s without the webhook URL', async (_name, behaviour) => {
    answer = behaviour;
    const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        {
          Name: '/cloud-alerts/test/slack/default',
          Value: `${slack.url}/services/T0/B0/${SECRET}`,
          Type: 'SecureString',
        },
      ],
    });
    const deadLettered: DeadLetterRecord[] = [];
    const handler = notifierHandler(slackPlugin, config, {
      sender: slackPlugin.createSender({ timeoutMs: 500 }),
      secrets: secretsFromSsm(config, slackPlugin),
      delivery: {
        deadLetter: async (record) => {
          deadLettered.push(record);
        },
      },
    });
    const context = { ...lambdaContext('notify-slack'), getRemainingTimeInMillis: () => 1000 };
    const outcome = await handler(event(), context).catch((e: unknown) => e);

    const failures = written
      .map((l) => JSON.parse(l))
      .filter((l) => String(l.message).startsWith('delivery failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 'ERROR', receiver: 'slack-default', fn: 'notify-slack' });
    for (const text of [...written, JSON.stringify(deadLettered), String(outcome), JSON.stringify(outcome)]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('/services/T0/B0');
    }
  });
});
