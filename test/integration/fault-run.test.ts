import { CachePersistenceLayer } from '@aws-lambda-powertools/idempotency/cache';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfigFile } from '../../shared/config/load.ts';
import { createSqsDeadLetter, DeadLetterRecordSchema } from '../../shared/delivery/dead-letter.ts';
import {
  createDynamoDbOnce,
  createPowertoolsOnce,
  type OncePort,
} from '../../shared/delivery/idempotency.ts';
import type { RetryClock, RetryPolicy } from '../../shared/delivery/retry.ts';
import type { NotificationRequest } from '../../shared/events/alert.ts';
import { createEmailSender, emailChannelSender } from '../../shared/notify/channels/email/sender.ts';
import {
  createPagerDutySender,
  pagerDutyChannelSender,
} from '../../shared/notify/channels/pagerduty/sender.ts';
import { requirePlugin } from '../../shared/notify/channels/registry.ts';
import { createSlackSender, slackChannelSender } from '../../shared/notify/channels/slack/sender.ts';
import type { FetchLike } from '../../shared/notify/http.ts';
import { silentLogger } from '../../shared/pipeline/logger.ts';
import { handleNotification } from '../../shared/pipeline/notify.ts';
import { notificationEvent } from '../helpers/events.ts';
import { lambdaContext } from '../helpers/lambda.ts';
import { buildAlert } from '../unit/notify/fixtures.ts';
import { type LocalDynamo, startLocalDynamo } from './kit/dynalite.ts';
import { type Behaviour, type FakeVendor, startFakeVendor } from './kit/fake-vendor.ts';
import { memoryCacheClient } from './kit/memory-cache.ts';
import { seededRandom, weighted } from './kit/prng.ts';

const SEED = 20261124;
const NOTIFICATIONS = 1000;
/** dynalite is slower per call: a smaller run proves the same against a DynamoDB API. */
const NOTIFICATIONS_ON_DYNALITE = 200;
const CONCURRENCY = 16;
/**
 * Generous on purpose: a request the fake vendor answers must never time out, however slow the machine
 * (a 1 s timeout once turned a slow 200 into a retry and a double). The vendor's hangs end at once,
 * through `clientTimeouts` below, so no test waits on this wall clock.
 */
const SENDER_TIMEOUT_MS = 20_000;
const WEBHOOK_SECRET = 'faultRunWebhookSecret0123456789';
const ROUTING_KEY = 'FAULTRUNROUTINGKEY00000000000001';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-test-alerts';
const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/cloud-alerts-test-notify-dlq';
/** Lambda runs an asynchronous event up to three times, then hands it to the on-failure destination. */
const LAMBDA_ATTEMPTS = 3;

const POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 4000,
  attemptBudgetMs: 5000,
  safetyMarginMs: 2000,
};

// Each HTTP request draws its fate; weights are per mille. `accepted-then-hang` is the at-least-once edge:
// the vendor takes the message and the client times out, so the notifier retries and it arrives twice.
const HTTP_FAULTS = {
  ok: 690,
  'rate-limited': 80,
  'server-error': 60,
  unavailable: 50,
  hang: 30,
  drop: 30,
  'bad-request': 20,
  'not-found': 15,
  gone: 15,
  'accepted-then-hang': 10,
} as const;

const SNS_FAULTS = { ok: 800, throttled: 100, internal: 60, invalid: 40 } as const;

let runSeed = SEED;
const attemptsOf = new Map<number, number>();
const invocationsOf = new Map<number, number>();
/** What the fake vendors recorded: per notification, how often they took a message and then hung. */
const acceptedThenHung = new Map<number, number>();

/**
 * The n-th request for notification `token` always meets the same fate for a given seed, however the
 * concurrent workers interleave: the run is reproducible. (A notification's requests are sequential.)
 */
function fateDraw(token: number): () => number {
  const attempt = (attemptsOf.get(token) ?? 0) + 1;
  attemptsOf.set(token, attempt);
  return seededRandom(runSeed * 7919 + token * 104_729 + attempt);
}

/**
 * The client side of the vendors' hangs. A request the vendor will not answer times out the moment the
 * vendor decides so, with the TimeoutError the sender's own timeout raises: the outcome is the fault's,
 * not the machine's speed.
 */
const clientTimeouts = new Map<number, AbortController>();

const fetchWithFaultTimeouts: FetchLike = (url, init) => {
  const token = tokenOf(String(init.body));
  const controller = new AbortController();
  clientTimeouts.set(token, controller);
  const signal = init.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
  return fetch(url, { ...init, signal }).finally(() => clientTimeouts.delete(token));
};

function timeOutClient(token: number): void {
  // After the vendor has recorded what it did with the request.
  setImmediate(() =>
    clientTimeouts.get(token)?.abort(new DOMException('the fake vendor will not answer', 'TimeoutError')),
  );
}
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
let dynamo: LocalDynamo;
let slack: FakeVendor;
let pagerduty: FakeVendor;

function httpBehaviour(okStatus: number, token: number): Behaviour {
  const fate = weighted(fateDraw(token), HTTP_FAULTS);
  if (fate === 'hang' || fate === 'accepted-then-hang') timeOutClient(token);
  switch (fate) {
    case 'ok':
      return { kind: 'reply', status: okStatus, body: okStatus === 200 ? 'ok' : '{"status":"success"}' };
    case 'rate-limited':
      return { kind: 'reply', status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } };
    case 'server-error':
      return { kind: 'reply', status: 500, body: 'internal error' };
    case 'unavailable':
      return { kind: 'reply', status: 503, body: 'service_unavailable' };
    case 'hang':
      return { kind: 'hang' };
    case 'drop':
      return { kind: 'drop' };
    case 'bad-request':
      return { kind: 'reply', status: 400, body: 'invalid_payload' };
    case 'not-found':
      return { kind: 'reply', status: 404, body: 'no_service' };
    case 'gone':
      return { kind: 'reply', status: 410, body: 'channel_is_archived' };
    case 'accepted-then-hang':
      acceptedThenHung.set(token, (acceptedThenHung.get(token) ?? 0) + 1);
      return { kind: 'accept-then-hang' };
  }
}

function tokenOf(text: string): number {
  const match = /fault-(\d{4})/.exec(text);
  if (!match?.[1]) throw new Error(`no fault token in ${text.slice(0, 80)}`);
  return Number(match[1]);
}

// The run's stack has receivers of these three channels only.
const CHANNELS = ['slack', 'pagerduty', 'email'] as const;
type FaultChannel = (typeof CHANNELS)[number];
const RECEIVER: Record<FaultChannel, string> = {
  slack: 'slack-default',
  pagerduty: 'pagerduty-default',
  email: 'email-default',
};

function requestFor(n: number): NotificationRequest {
  const channel = CHANNELS[n % CHANNELS.length] ?? 'slack';
  const id = `fault:${n}`;
  const alert = buildAlert({
    id,
    title: `fault-${String(n).padStart(4, '0')} S3 bucket made public`,
    dedupKey: `cloud-alerts:${id}`,
    eventId: `event-${n}`,
  });
  return { channel, receiver: RECEIVER[channel], key: `${id}/${RECEIVER[channel]}`, alert };
}

function envelope(request: NotificationRequest): Record<string, unknown> {
  return notificationEvent(request, `eb-${request.key}`);
}

/**
 * A 30 s invocation in virtual time: backoff waits spend it without anyone waiting. Its jitter is seeded
 * per notification and invocation, so how many attempts fit does not depend on the workers' interleaving.
 */
function invocationClock(token: number): RetryClock {
  const invocation = (invocationsOf.get(token) ?? 0) + 1;
  invocationsOf.set(token, invocation);
  let left = 30_000;
  return {
    remainingMs: () => left,
    sleep: async (ms) => {
      left -= ms;
    },
    random: seededRandom(runSeed * 6151 + token * 92_821 + invocation),
  };
}

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  slack = await startFakeVendor((_path, body) => httpBehaviour(200, tokenOf(body)));
  pagerduty = await startFakeVendor((_path, body) => httpBehaviour(202, tokenOf(body)));
});

afterAll(async () => {
  await Promise.all([dynamo?.close(), slack?.close(), pagerduty?.close()]);
});

beforeEach(() => {
  sns.reset();
  sqs.reset();
  for (const vendor of [slack, pagerduty]) {
    vendor.accepted.length = 0;
    vendor.requests = 0;
  }
});

async function faultRun(total: number, once: OncePort, seed: number): Promise<void> {
  const random = seededRandom(seed);
  runSeed = seed;
  attemptsOf.clear();
  invocationsOf.clear();
  acceptedThenHung.clear();
  const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
  const snsAccepted: number[] = [];
  sns.on(PublishCommand).callsFake((input: { Subject?: string }) => {
    const fate = weighted(fateDraw(tokenOf(input.Subject ?? '')), SNS_FAULTS);
    const fail = (name: string, status: number, retryable: boolean) =>
      Promise.reject(
        Object.assign(new Error(`${name} from SNS`), {
          name,
          $metadata: { httpStatusCode: status },
          ...(retryable ? { $retryable: {} } : {}),
        }),
      );
    if (fate === 'throttled') return fail('ThrottlingException', 400, true);
    if (fate === 'internal') return fail('InternalErrorException', 500, false);
    if (fate === 'invalid') return fail('InvalidParameterException', 400, false);
    snsAccepted.push(tokenOf(input.Subject ?? ''));
    return Promise.resolve({ MessageId: `m-${snsAccepted.length}` });
  });
  const deadLettered: Array<{ token: number; reason: string }> = [];
  sqs.on(SendMessageCommand).callsFake((input: { MessageBody?: string }) => {
    const record = DeadLetterRecordSchema.parse(JSON.parse(input.MessageBody ?? ''));
    deadLettered.push({ token: tokenOf(record.request.alert.title), reason: record.reason });
    return Promise.resolve({ MessageId: `dl-${deadLettered.length}` });
  });
  const senders = {
    slack: slackChannelSender(
      createSlackSender({ timeoutMs: SENDER_TIMEOUT_MS, fetchImpl: fetchWithFaultTimeouts }),
    ),
    pagerduty: pagerDutyChannelSender(
      createPagerDutySender({
        timeoutMs: SENDER_TIMEOUT_MS,
        fetchImpl: fetchWithFaultTimeouts,
        url: `${pagerduty.url}/v2/enqueue`,
      }),
    ),
    email: emailChannelSender(createEmailSender({ sns: new SNSClient({ region: 'eu-west-1' }) })),
  };
  const deadLetter = createSqsDeadLetter({
    sqs: new SQSClient({ region: 'eu-west-1' }),
    queueUrl: DLQ_URL,
  });
  const onFailure: Array<{ token: number; reason: string }> = [];
  const counts = { invocations: 0, lambdaRetries: 0, redeliveries: 0, duplicatesSkipped: 0 };

  /** Lambda's asynchronous invocation of the notifier: up to three runs, then the on-failure destination. */
  async function invokeAsync(request: NotificationRequest): Promise<void> {
    let lastError = '';
    for (let attempt = 1; attempt <= LAMBDA_ATTEMPTS; attempt++) {
      if (attempt > 1) counts.lambdaRetries++;
      counts.invocations++;
      // What notifierHandler does on each invocation: an in-progress record then expires with the
      // invocation, so a retry after a timeout is not blocked (and Powertools has its remaining time).
      once.registerLambdaContext?.(lambdaContext(`notify-${request.channel}`));
      try {
        const outcome = await handleNotification(envelope(request), {
          plugin: requirePlugin(request.channel),
          config,
          sender: senders[request.channel as FaultChannel],
          logger: silentLogger,
          retry: { policy: POLICY, clock: invocationClock(tokenOf(request.alert.title)) },
          deadLetter,
          once,
          context: {
            secret: (receiver) =>
              receiver.name === 'slack-default'
                ? `${slack.url}/services/T0/B0/${WEBHOOK_SECRET}`
                : ROUTING_KEY,
            stackTopicArn: TOPIC,
          },
        });
        if (outcome.status === 'duplicate') counts.duplicatesSkipped++;
        return;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      }
    }
    onFailure.push({ token: tokenOf(request.alert.title), reason: `RetriesExhausted: ${lastError}` });
  }

  const requests = Array.from({ length: total }, (_, n) => requestFor(n));
  // EventBridge is at-least-once: a fifth of the requests arrive a second time after the first finished.
  const redelivered = new Set(requests.filter(() => random() < 0.2).map((r) => r.key));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < requests.length; i = next++) {
      const request = requests[i];
      if (!request) continue;
      await invokeAsync(request);
      if (redelivered.has(request.key)) {
        counts.redeliveries++;
        await invokeAsync(request);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  const delivered = new Map<number, number>();
  const note = (token: number) => delivered.set(token, (delivered.get(token) ?? 0) + 1);
  for (const a of slack.accepted) note(tokenOf(JSON.parse(a.body).text));
  const dedupKeysOf = new Map<number, Set<string>>();
  for (const a of pagerduty.accepted) {
    const event = JSON.parse(a.body);
    const token = tokenOf(event.payload.summary);
    note(token);
    dedupKeysOf.set(token, (dedupKeysOf.get(token) ?? new Set()).add(event.dedup_key));
  }
  for (const token of snsAccepted) note(token);
  const failedWithReason = new Map<number, string>();
  for (const f of [...deadLettered, ...onFailure]) failedWithReason.set(f.token, f.reason);

  const doubled = [...delivered].filter(([, times]) => times > 1).map(([token]) => token);
  const lost = requests.map((_, n) => n).filter((n) => !delivered.has(n) && !failedWithReason.has(n));
  // A vendor that took a message and then hung explains one extra copy; nothing else may.
  const unexplained = doubled.filter((t) => (delivered.get(t) ?? 0) - 1 > (acceptedThenHung.get(t) ?? 0));
  const pagerDutyDoubles = doubled.filter((t) => dedupKeysOf.has(t));
  const summary = {
    seed,
    notifications: total,
    deliveredOnce: [...delivered.values()].filter((t) => t === 1).length,
    deadLettered: new Set(deadLettered.map((d) => d.token)).size,
    onFailureDestination: new Set(onFailure.map((d) => d.token)).size,
    acceptedThenHung: [...acceptedThenHung.values()].reduce((a, b) => a + b, 0),
    doubled: doubled.length,
    pagerDutyDoubles: pagerDutyDoubles.length,
    lost: lost.length,
    httpRequests: slack.requests + pagerduty.requests,
    snsCalls: sns.commandCalls(PublishCommand).length,
    ...counts,
  };
  console.log(`fault run: ${JSON.stringify(summary)}`);

  // Nothing lost; every double is the documented at-least-once edge, and on PagerDuty it is harmless:
  // both triggers carry the alert's one dedup_key, so they join one incident.
  expect({ lost, unexplained }).toEqual({ lost: [], unexplained: [] });
  for (const token of pagerDutyDoubles) {
    expect([...(dedupKeysOf.get(token) ?? [])]).toEqual([requestFor(token).alert.dedupKey]);
  }
  for (const reason of failedWithReason.values())
    expect(reason).toMatch(/delivery failed: |RetriesExhausted: /);
  for (const f of [...deadLettered, ...onFailure]) {
    expect(f.reason).not.toContain(WEBHOOK_SECRET);
    expect(f.reason).not.toContain(ROUTING_KEY);
  }
  // The run must have exercised every path, or it proves nothing.
  expect(summary.deliveredOnce).toBeGreaterThan(total * 0.8);
  expect(summary.deadLettered).toBeGreaterThan(0);
  expect(summary.duplicatesSkipped).toBeGreaterThan(0);
  expect(summary.httpRequests + summary.snsCalls).toBeGreaterThan(total);
  expect(summary.doubled).toBeGreaterThan(0);
  expect(summary.pagerDutyDoubles).toBeGreaterThan(0);
}

describe('fault run', () => {
  it(`delivers each of ${NOTIFICATIONS} notifications or dead-letters it with its reason, twice only where a vendor took it and hung (Powertools, in-memory store)`, async () => {
    const store = new CachePersistenceLayer({ client: memoryCacheClient() });
    await faultRun(NOTIFICATIONS, createPowertoolsOnce({ persistenceStore: store }), SEED);
  }, 60_000);

  it(`does the same for ${NOTIFICATIONS_ON_DYNALITE} notifications with idempotency on dynalite`, async () => {
    const once = createDynamoDbOnce({ tableName: dynamo.tableName, client: dynamo.client });
    await faultRun(NOTIFICATIONS_ON_DYNALITE, once, SEED + 1);
  }, 60_000);
});
