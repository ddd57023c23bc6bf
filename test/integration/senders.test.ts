import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { RetryClock } from '../../shared/delivery/retry.ts';
import type { NotificationRequest } from '../../shared/events/alert.ts';
import { createEmailSender, emailChannelSender } from '../../shared/notify/channels/email/sender.ts';
import { renderPagerDuty } from '../../shared/notify/channels/pagerduty/render.ts';
import {
  createPagerDutySender,
  pagerDutyChannelSender,
} from '../../shared/notify/channels/pagerduty/sender.ts';
import { requirePlugin } from '../../shared/notify/channels/registry.ts';
import { renderSlack } from '../../shared/notify/channels/slack/render.ts';
import { createSlackSender, slackChannelSender } from '../../shared/notify/channels/slack/sender.ts';
import type { DeliveryError } from '../../shared/notify/errors.ts';
import { handleNotification, type NotifyDeps } from '../../shared/pipeline/notify.ts';
import { deliveryFailure } from '../helpers/delivery.ts';
import { notificationEvent } from '../helpers/events.ts';
import { listenLocal, readBody } from '../helpers/http.ts';
import { buildAlert } from '../unit/notify/fixtures.ts';

const TIMEOUT_MS = 300;
const SLOW_MS = 5000;
const WEBHOOK_SECRET = 'xWebhookSecret7f3a9c1e5b2d8f4a6c0e';
const ROUTING_KEY = 'R0uT1nGkEy0123456789abcdefABCDEF';

type ChannelName = 'slack' | 'pagerduty';

interface Received {
  path: string;
  contentType: string | undefined;
  body: string;
}

let server: Server;
let baseUrl: string;
const received: Received[] = [];
const pendingTimers = new Set<NodeJS.Timeout>();

function reply(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': body.startsWith('{') ? 'application/json' : 'text/plain',
    ...headers,
  });
  res.end(body);
}

/** Answers like Slack or PagerDuty would for each case named in the path: /<channel>/<case>/… */
async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [, channel, testCase] = (req.url ?? '').split('/');
  if (testCase === 'dropped') {
    req.socket.destroy();
    return;
  }
  const body = await readBody(req);
  received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
  const slack = channel === 'slack';
  switch (testCase) {
    case 'ok':
      return slack
        ? reply(res, 200, 'ok')
        : reply(res, 202, '{"status":"success","message":"Event processed","dedup_key":"k"}');
    case 'bad-request':
      return slack
        ? reply(res, 400, 'invalid_payload')
        : reply(
            res,
            400,
            JSON.stringify({
              status: 'invalid event',
              message: 'Event object is invalid',
              errors: [`routing_key ${ROUTING_KEY} is not valid`],
            }),
          );
    case 'echo':
      // A body that repeats the request URL must not carry the secret into the error.
      return reply(res, 400, `no_service for ${req.url} at ${baseUrl}${req.url}`);
    case 'not-found':
      return reply(res, 404, 'no_service');
    case 'archived':
      return reply(res, 410, 'channel_is_archived');
    case 'redirect':
      return reply(res, 302, '', { location: `${baseUrl}/${channel}/ok/elsewhere` });
    case 'rate-limited':
      return reply(res, 429, 'rate_limited', { 'retry-after': '7' });
    case 'rate-limited-date':
      return reply(res, 429, 'rate_limited', { 'retry-after': new Date(Date.now() + 30_000).toUTCString() });
    case 'server-error':
      return reply(res, 500, '<html><body>Internal Server Error</body></html>');
    case 'unavailable':
      return reply(res, 503, 'service_unavailable', { 'retry-after': '2' });
    case 'slow': {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        reply(res, 200, 'ok');
      }, SLOW_MS);
      pendingTimers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        pendingTimers.delete(timer);
      });
      return;
    }
    default:
      return reply(res, 418, 'unknown test case');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  baseUrl = await listenLocal(server);
});

afterAll(async () => {
  for (const timer of pendingTimers) clearTimeout(timer);
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
});

beforeEach(() => {
  received.length = 0;
});

function slackUrl(testCase: string): string {
  return `${baseUrl}/slack/${testCase}/services/T0000/B0000/${WEBHOOK_SECRET}`;
}

function send(channel: ChannelName, testCase: string): Promise<void> {
  if (channel === 'slack') {
    return createSlackSender({ timeoutMs: TIMEOUT_MS }).send(slackUrl(testCase), renderSlack(buildAlert()));
  }
  const sender = createPagerDutySender({
    timeoutMs: TIMEOUT_MS,
    url: `${baseUrl}/pagerduty/${testCase}/v2/enqueue`,
  });
  return sender.send(renderPagerDuty(buildAlert(), ROUTING_KEY));
}

interface Expectation {
  retryable: boolean;
  status?: number;
  retryAfterMs?: number | readonly [number, number];
  reason: Record<ChannelName, string | RegExp>;
}

const same = (reason: string | RegExp): Record<ChannelName, string | RegExp> => ({
  slack: reason,
  pagerduty: reason,
});

const FAILURES: ReadonlyArray<readonly [string, Expectation]> = [
  [
    'bad-request',
    {
      retryable: false,
      status: 400,
      reason: {
        slack: 'HTTP 400 (invalid_payload)',
        pagerduty: 'HTTP 400 (Event object is invalid: routing_key [redacted] is not valid)',
      },
    },
  ],
  ['not-found', { retryable: false, status: 404, reason: same('HTTP 404 (no_service)') }],
  ['archived', { retryable: false, status: 410, reason: same('HTTP 410 (channel_is_archived)') }],
  ['redirect', { retryable: false, status: 302, reason: same('HTTP 302') }],
  [
    'rate-limited',
    { retryable: true, status: 429, retryAfterMs: 7000, reason: same('HTTP 429 (rate_limited)') },
  ],
  [
    'rate-limited-date',
    { retryable: true, status: 429, retryAfterMs: [25_000, 30_000], reason: same('HTTP 429 (rate_limited)') },
  ],
  ['server-error', { retryable: true, status: 500, reason: same('HTTP 500') }],
  [
    'unavailable',
    { retryable: true, status: 503, retryAfterMs: 2000, reason: same('HTTP 503 (service_unavailable)') },
  ],
  ['slow', { retryable: true, reason: same(`timed out after ${TIMEOUT_MS} ms`) }],
  // undici reports the reset as UND_ERR_SOCKET or ECONNRESET depending on when the socket dies.
  ['dropped', { retryable: true, reason: same(/^network error \(TypeError [A-Z_]+\)$/) }],
];

describe.each<ChannelName>(['slack', 'pagerduty'])('%s sender against a local server', (channel) => {
  it('delivers on success and posts JSON', async () => {
    await expect(send(channel, 'ok')).resolves.toBeUndefined();
    expect(received).toHaveLength(1);
    expect(received[0]?.contentType).toBe('application/json; charset=utf-8');
    const expected =
      channel === 'slack' ? renderSlack(buildAlert()) : renderPagerDuty(buildAlert(), ROUTING_KEY);
    expect(JSON.parse(received[0]?.body ?? '')).toEqual(expected);
  });

  it.each(FAILURES)('classifies %s', async (testCase, expected) => {
    const error = await deliveryFailure(send(channel, testCase));
    expect(error.channel).toBe(channel);
    expect(error.retryable).toBe(expected.retryable);
    expect(error.status).toBe(expected.status);
    const verdict = expected.retryable ? 'retryable' : 'permanent';
    const prefix = `${channel} delivery failed: `;
    const suffix = `, ${verdict}`;
    expect(error.message.startsWith(prefix) && error.message.endsWith(suffix)).toBe(true);
    const reason = error.message.slice(prefix.length, -suffix.length);
    const expectedReason = expected.reason[channel];
    if (typeof expectedReason === 'string') expect(reason).toBe(expectedReason);
    else expect(reason).toMatch(expectedReason);
    if (Array.isArray(expected.retryAfterMs)) {
      expect(error.retryAfterMs).toBeGreaterThanOrEqual(expected.retryAfterMs[0]);
      expect(error.retryAfterMs).toBeLessThanOrEqual(expected.retryAfterMs[1]);
    } else {
      expect(error.retryAfterMs).toBe(expected.retryAfterMs);
    }
  });

  it('does not follow a redirect', async () => {
    await deliveryFailure(send(channel, 'redirect'));
    expect(received.map((r) => r.path)).not.toContainEqual(expect.stringContaining('/elsewhere'));
    expect(received).toHaveLength(1);
  });
});

describe('no secret in the error', () => {
  /** Every way an error tends to reach a log. */
  function renderings(error: DeliveryError): string[] {
    const cause = error.cause;
    return [
      error.message,
      String(error),
      JSON.stringify(error),
      error.stack ?? '',
      String(cause),
      JSON.stringify(cause) ?? '',
      cause instanceof Error ? (cause.stack ?? '') : '',
    ];
  }

  it.each([...FAILURES.map(([testCase]) => testCase), 'echo'])(
    'keeps the webhook secret and routing key out of the %s error',
    async (testCase) => {
      for (const channel of ['slack', 'pagerduty'] as const) {
        const error = await deliveryFailure(send(channel, testCase));
        for (const text of renderings(error)) {
          expect(text).not.toContain(WEBHOOK_SECRET);
          expect(text).not.toContain(ROUTING_KEY);
          expect(text).not.toContain('/services/T0000/B0000');
        }
      }
    },
  );

  it('sanitises a transport error whose message and cause embed the URL', async () => {
    const url = slackUrl('ok');
    const fetchImpl = async (): Promise<Response> => {
      const socketError = Object.assign(new Error(`socket hang up while posting to ${url}`), {
        code: 'ECONNRESET',
      });
      throw new TypeError(`fetch failed: ${url}`, { cause: socketError });
    };
    const sender = createSlackSender({ fetchImpl, timeoutMs: TIMEOUT_MS });
    const error = await deliveryFailure(sender.send(url, renderSlack(buildAlert())));
    expect(error.message).toBe('slack delivery failed: network error (TypeError ECONNRESET), retryable');
    for (const text of renderings(error)) expect(text).not.toContain(WEBHOOK_SECRET);
  });

  it('treats an unparsable URL as permanent without echoing it', async () => {
    const error = await deliveryFailure(
      createSlackSender({ timeoutMs: TIMEOUT_MS }).send(
        `not a url ${WEBHOOK_SECRET}`,
        renderSlack(buildAlert()),
      ),
    );
    expect(error.retryable).toBe(false);
    for (const text of renderings(error)) expect(text).not.toContain(WEBHOOK_SECRET);
  });
});

/** Every sender, through the notifier's own pipeline: what it throws, logs and dead-letters. */
describe('every sender through the notify pipeline', () => {
  const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
  const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-test-alerts';
  const sns = mockClient(SNSClient);

  const SNS_FAILURES: ReadonlyArray<readonly [string, Error, boolean]> = [
    [
      'throttled',
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
      true,
    ],
    [
      'server-error',
      Object.assign(new Error('Internal error'), {
        name: 'InternalErrorException',
        $metadata: { httpStatusCode: 500 },
      }),
      true,
    ],
    [
      'invalid',
      Object.assign(new Error('Invalid parameter: Message too long'), {
        name: 'InvalidParameterException',
        $metadata: { httpStatusCode: 400 },
      }),
      false,
    ],
    [
      'forbidden',
      Object.assign(new Error('User is not authorized'), {
        name: 'AuthorizationErrorException',
        $metadata: { httpStatusCode: 403 },
      }),
      false,
    ],
    ['reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
  ];

  type Case = { channel: 'slack' | 'pagerduty' | 'email'; testCase: string; retryable: boolean };
  const CASES: Case[] = [
    ...(['slack', 'pagerduty'] as const).flatMap((channel) =>
      FAILURES.map(([testCase, expected]) => ({ channel, testCase, retryable: expected.retryable })),
    ),
    ...SNS_FAILURES.map(([testCase, , retryable]) => ({ channel: 'email' as const, testCase, retryable })),
  ];

  beforeEach(() => sns.reset());

  function request(channel: Case['channel']): NotificationRequest {
    const alert = buildAlert();
    const receiver = `${channel}-default`;
    return { channel, receiver, key: `${alert.id}/${receiver}`, alert };
  }

  function asEvent(r: NotificationRequest): Record<string, unknown> {
    return notificationEvent(r, 'eb-senders');
  }

  async function run(c: Case, retry: NotifyDeps['retry']) {
    const logs: string[] = [];
    const logger = {
      info: (m: string, ...extra: Record<string, unknown>[]) => logs.push(JSON.stringify([m, ...extra])),
      warn: (m: string, ...extra: Record<string, unknown>[]) => logs.push(JSON.stringify([m, ...extra])),
      error: (m: string, ...extra: Record<string, unknown>[]) => logs.push(JSON.stringify([m, ...extra])),
    };
    const snsFailure = SNS_FAILURES.find(([name]) => name === c.testCase)?.[1];
    if (snsFailure) sns.on(PublishCommand).rejects(snsFailure);
    const deadLettered: string[] = [];
    const outcome = await handleNotification(asEvent(request(c.channel)), {
      plugin: requirePlugin(c.channel),
      config,
      logger,
      retry,
      deadLetter: async (record) => {
        deadLettered.push(JSON.stringify(record));
      },
      sender: {
        slack: slackChannelSender(createSlackSender({ timeoutMs: TIMEOUT_MS })),
        pagerduty: pagerDutyChannelSender(
          createPagerDutySender({
            timeoutMs: TIMEOUT_MS,
            url: `${baseUrl}/pagerduty/${c.testCase}/v2/enqueue`,
          }),
        ),
        email: emailChannelSender(createEmailSender({ sns: new SNSClient({ region: 'eu-west-1' }) })),
      }[c.channel],
      context: {
        secret: (receiver) => ('slack' in receiver ? slackUrl(c.testCase) : ROUTING_KEY),
        stackTopicArn: TOPIC,
      },
    }).catch((e: unknown) => e);
    return { outcome, logs, deadLettered };
  }

  function virtualClock(): RetryClock {
    let left = 30_000;
    return {
      remainingMs: () => left,
      sleep: async (ms) => {
        left -= ms;
      },
      random: () => 0.5,
    };
  }

  const POLICY = {
    maxAttempts: 3,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    attemptBudgetMs: 1000,
    safetyMarginMs: 500,
  };

  it.each(CASES)(
    '$channel $testCase: retried only when retryable, dead-lettered only when permanent',
    async (c) => {
      const { outcome, deadLettered } = await run(c, { policy: POLICY, clock: virtualClock() });
      const attempts = c.channel === 'email' ? sns.commandCalls(PublishCommand).length : received.length;
      if (c.retryable) {
        expect(outcome).toMatchObject({ name: 'DeliveryError', retryable: true });
        // 'dropped' never reaches the recorder; every other case is seen once per attempt.
        // A Retry-After of 30 s does not fit the invocation: one attempt, then Lambda retries later.
        const expected = c.testCase === 'rate-limited-date' ? 1 : POLICY.maxAttempts;
        if (c.testCase !== 'dropped') expect(attempts).toBe(expected);
        expect(deadLettered).toEqual([]);
      } else {
        expect(outcome).toMatchObject({
          status: 'dead-lettered',
          reason: expect.stringMatching(/, permanent$/),
        });
        expect(attempts).toBe(1);
        expect(deadLettered).toHaveLength(1);
      }
    },
  );

  it.each(CASES)(
    '$channel $testCase: no webhook URL or routing key in the error, logs or dead letter',
    async (c) => {
      const { outcome, logs, deadLettered } = await run(c, undefined);
      const texts = [...logs, ...deadLettered];
      if (outcome instanceof Error) {
        texts.push(outcome.message, String(outcome), outcome.stack ?? '', JSON.stringify(outcome));
        texts.push(String(outcome.cause), JSON.stringify(outcome.cause) ?? '');
      } else {
        texts.push(JSON.stringify(outcome));
      }
      expect(logs.length).toBeGreaterThan(0);
      for (const text of texts) {
        expect(text).not.toContain(WEBHOOK_SECRET);
        expect(text).not.toContain(ROUTING_KEY);
        expect(text).not.toContain('/services/T0000/B0000');
      }
    },
  );
});
