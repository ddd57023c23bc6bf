import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CachePersistenceLayer } from '@aws-lambda-powertools/idempotency/cache';
import { SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createAlertApp, noAlarmLookup } from '../../../shared/app/alert.ts';
import { createSqsFlushScheduler } from '../../../shared/aws/flush-queue.ts';
import { createSqsGroupCloseQueue } from '../../../shared/aws/group-close-queue.ts';
import { notifierHandler } from '../../../shared/aws/notifier.ts';
import { loadConfigFile } from '../../../shared/config/load.ts';
import type { Config } from '../../../shared/config/schema.ts';
import { createSqsDeadLetter } from '../../../shared/delivery/dead-letter.ts';
import { createPowertoolsOnce } from '../../../shared/delivery/idempotency.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import {
  ALERT_RAISED,
  type Alert,
  AlertSchema,
  type Channel,
  NOTIFICATION_REQUESTED,
  type NotificationRequest,
  NotificationRequestSchema,
} from '../../../shared/events/alert.ts';
import { createEmailSender, emailChannelSender } from '../../../shared/notify/channels/email/sender.ts';
import {
  createPagerDutySender,
  pagerDutyChannelSender,
} from '../../../shared/notify/channels/pagerduty/sender.ts';
import { requirePlugin } from '../../../shared/notify/channels/registry.ts';
import { createSlackSender, slackChannelSender } from '../../../shared/notify/channels/slack/sender.ts';
import { secretKey } from '../../../shared/notify/deliver.ts';
import type { AlertOutcome } from '../../../shared/pipeline/alert.ts';
import { silentLogger } from '../../../shared/pipeline/logger.ts';
import type { NotifyOutcome } from '../../../shared/pipeline/notify.ts';
import { createMemoryIncidentLedger } from '../../../shared/state/incidents.ts';
import { createMemoryStateStore } from '../../../shared/state/memory.ts';
import { type BudgetStore, waitForSlotMs } from '../../../shared/state/send-budget.ts';
import {
  createMemoryBudgetStore,
  createMemoryOverflowStore,
} from '../../../shared/state/send-budget-memory.ts';
import {
  Activity,
  declaredQueueSettings,
  LocalFunction,
  LocalQueue,
  localBus,
  type ScaledClock,
  virtualClock,
  wallClock,
} from './lambda-harness.ts';
import { memoryCacheClient } from './memory-cache.ts';
import { buildStorm, type Storm, type StormOptions } from './storm.ts';
import {
  type PagerDutyStandIn,
  type SlackStandIn,
  type SnsStandIn,
  startPagerDutyStandIn,
  startSlackStandIn,
  startSnsStandIn,
} from './vendors.ts';

/**
 * The storm of issue 18 through the real alert app and the real notifier handlers, wired as
 * serverless.yml and resources/*.yml wire them in AWS, with the AWS services replaced by the harness
 * (lambda-harness.ts) and the vendors by stand-ins that enforce their limits (vendors.ts). Used by
 * test/integration/storm.test.ts (assertions) and bench/storm.ts (figures).
 */

export interface StormRunOptions {
  storm: Omit<StormOptions, 'startMs'>;
  /**
   * How much faster than the wall the alert app's clock runs: grouping windows, the group-close
   * queue's delays and event times. At 60, the storm's five minutes pass in five seconds and a group
   * interval of five minutes in five. Vendors, send budgets and the flush queues run on the wall clock.
   */
  alertClockScale: number;
  /** Lambda retries an async event after about 1 and 2 minutes; the run may shorten the waits. */
  lambdaRetryDelaysMs: readonly [number, number];
  /** config delivery.overflowSummarySeconds for the run (the shipped default is 30). */
  overflowSummarySeconds: number;
  /** Give up waiting for the system to settle after this long (wall ms). */
  settleTimeoutMs: number;
  /**
   * The alternative to send budgets that issue 18 asks to measure: no budgets, and each notifier
   * limited by its reserved concurrency instead. Absent: budgets, and no reserved concurrency.
   */
  notifierReservedConcurrency?: number | undefined;
  /** Called every second while the run goes on, with one line on where it stands (for the bench). */
  progress?: ((line: string) => void) | undefined;
}

/** The channels the storm's stack has receivers of. */
type StormChannel = 'slack' | 'pagerduty' | 'email';

export const CHANNEL_FUNCTIONS: Readonly<Record<StormChannel, string>> = {
  slack: 'notifySlack',
  pagerduty: 'notifyPagerDuty',
  email: 'notifyEmail',
};

const FUNCTION_DLQS: Readonly<Record<string, string>> = {
  alert: 'AlertDlq',
  notifySlack: 'NotifySlackDlq',
  notifyPagerDuty: 'NotifyPagerDutyDlq',
  notifyEmail: 'NotifyEmailDlq',
};

const FLUSH_QUEUES: Readonly<Record<StormChannel, string>> = {
  slack: 'NotifySlackFlushQueue',
  pagerduty: 'NotifyPagerDutyFlushQueue',
  email: 'NotifyEmailFlushQueue',
};

const RESOURCE_FILES = ['resources/core.yml'];
/** The serverless.yml timeout of every function here. */
const FUNCTION_TIMEOUT_MS = 30_000;
const ROUTING_KEY = 'R0UT1NGKEYST0RMRUN0123456789abcd';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-dev-alerts';

export interface NotifyRecord {
  channel: Channel;
  /** Request key, or the flush queue's message for an overflow flush. */
  key: string;
  status: NotifyOutcome['status'] | 'flush' | 'failed';
  /** Why the invocation threw, for a failed one (Lambda retries it). */
  error?: string;
}

export interface StormRun {
  /** False when work was still in flight after settleTimeoutMs (the run was cut off there). */
  settled: boolean;
  inFlightAtEnd: number;
  config: Config;
  storm: Storm;
  slack: SlackStandIn;
  pagerduty: PagerDutyStandIn;
  sns: SnsStandIn;
  routingKey: string;
  topicArn: string;
  /** What the alert function put on the alerts bus. */
  requests: NotificationRequest[];
  raised: Alert[];
  alertOutcomes: AlertOutcome[];
  notifyOutcomes: NotifyRecord[];
  functions: Record<string, LocalFunction>;
  /** Dead-letter and on-failure queues by logical id; nothing may be left in any of them. */
  deadLetters: Record<string, LocalQueue>;
  /** Queues that must be empty once the run has settled. */
  workQueues: Record<string, LocalQueue>;
  /** Wall times (Date.now) the run measured. */
  timing: {
    startedAt: number;
    /** When each storm event was handed to the default bus, by EventBridge id. */
    injectedAt: Map<string, number>;
    criticalInjectedAt: number;
    lastInjectedAt: number;
    settledAt: number;
  };
  webhookUrl: string;
  /**
   * Every token a send budget granted, by channel: the wall time the budget let that send go (its
   * slot, for a critical that waited in debt). This is what the budgets control; when the vendor
   * receives it is also up to this single process's scheduling.
   */
  grants: Array<{ channel: Channel; at: number }>;
  /**
   * The longest this process's event loop stalled during the run (ms). Sends granted over a stall
   * reach the stand-ins together when it ends: a harness effect, not a budget's (every test worker
   * busy does it).
   */
  eventLoopStallMs: number;
  close(): Promise<void>;
}

function secretsOn(values: Record<string, string>): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    before(request) {
      Object.assign(request.context, values);
    },
  };
}

/** The budget store, noting each grant: when the budget lets that send go (GCRA: its slot). */
function recordingGrants(store: BudgetStore, grants: StormRun['grants']): BudgetStore {
  return {
    async take(input) {
      const result = await store.take(input);
      if (result.granted) {
        const channel = input.key.split('#')[1] as Channel;
        const wait = result.tat === undefined ? 0 : waitForSlotMs(result.tat, input.limits, input.now);
        grants.push({ channel, at: input.now + wait });
      }
      return result;
    },
  };
}

/** Runs the storm to the end: until no invocation, retry, delayed message or flush is left. */
export async function runStorm(options: StormRunOptions): Promise<StormRun> {
  // The notifiers' Powertools loggers read this when they are built: thousands of lines say nothing here.
  process.env.POWERTOOLS_LOG_LEVEL = process.env.STORM_LOG_LEVEL ?? 'SILENT';
  const shipped = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });
  const config: Config = { ...shipped, delivery: { overflowSummarySeconds: options.overflowSummarySeconds } };
  const startMs = Date.parse('2026-12-05T10:00:00Z');
  const storm = buildStorm({ ...options.storm, startMs });
  const alertClock: ScaledClock = virtualClock(startMs, options.alertClockScale);
  const activity = new Activity();

  const [slack, pagerduty, sns] = await Promise.all([
    startSlackStandIn(),
    startPagerDutyStandIn(),
    startSnsStandIn(),
  ]);
  const snsClient = new SNSClient({
    endpoint: sns.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDSTORMRUN', secretAccessKey: 'storm-run-secret' },
  });

  const queue = (
    logicalId: string,
    clock: ScaledClock,
    extra: { deadLetter?: LocalQueue; batchSize?: number } = {},
  ) =>
    new LocalQueue(logicalId, {
      clock,
      activity,
      settings: extra.deadLetter
        ? declaredQueueSettings(logicalId, RESOURCE_FILES)
        : { visibilityTimeoutSeconds: 30 },
      ...extra,
    });
  const deadLetters: Record<string, LocalQueue> = {};
  for (const id of [...Object.values(FUNCTION_DLQS), 'GroupCloseDlq']) deadLetters[id] = queue(id, wallClock);
  // The group-close queue runs on the alert app's clock: its delays are grouping windows.
  const groupClose = queue('GroupCloseQueue', alertClock, { deadLetter: deadLetters.GroupCloseDlq });
  const flushQueues = Object.fromEntries(
    (Object.keys(FLUSH_QUEUES) as StormChannel[]).map((channel) => [
      channel,
      queue(FLUSH_QUEUES[channel], wallClock, {
        deadLetter: deadLetters[FUNCTION_DLQS[CHANNEL_FUNCTIONS[channel]] ?? ''],
        // serverless.yml: one flush at a time, each may wait out a vendor's Retry-After.
        batchSize: 1,
      }),
    ]),
  ) as Record<StormChannel, LocalQueue>;
  const queues = [groupClose, ...Object.values(flushQueues), ...Object.values(deadLetters)];

  // Every SQS call the code makes goes to the harness's queues, by URL.
  const sqsMock = mockClient(SQSClient);
  sqsMock
    .on(SendMessageCommand)
    .callsFake(async (input: { QueueUrl?: string; MessageBody?: string; DelaySeconds?: number }) => {
      const target = queues.find((q) => q.url === input.QueueUrl);
      if (!target) throw new Error(`no queue at ${input.QueueUrl}`);
      return { MessageId: target.send(input.MessageBody ?? '', input.DelaySeconds ?? 0) };
    });
  const sqs = new SQSClient({ region: 'eu-west-1' });

  const rules = readServerlessRules('serverless.yml');
  const functions: Record<string, LocalFunction> = {};
  const alertsBus = localBus('AlertsBus', rules, functions, alertClock.now);
  const alertOutcomes: AlertOutcome[] = [];
  const notifyOutcomes: NotifyRecord[] = [];

  const app = createAlertApp(config, {
    bus: { name: 'cloud-alerts-dev-alerts', putEvents: alertsBus.putEvents },
    state: createMemoryStateStore(),
    groupClose: createSqsGroupCloseQueue({ queueUrl: groupClose.url, sqs, now: alertClock.now }),
    alarms: { lookup: noAlarmLookup },
    logger: silentLogger,
    clock: alertClock.now,
  });
  const fn = (
    name: string,
    handler: (event: unknown, context: Context) => Promise<unknown>,
    reservedConcurrency?: number,
  ) =>
    new LocalFunction({
      name,
      handler,
      timeoutMs: FUNCTION_TIMEOUT_MS,
      activity,
      retryDelaysMs: options.lambdaRetryDelaysMs,
      onFailure: deadLetters[FUNCTION_DLQS[name] ?? ''] ?? deadLetters.AlertDlq!,
      reservedConcurrency,
    });
  const budgets = options.notifierReservedConcurrency === undefined;
  functions.alert = fn('alert', async (event) => {
    const outcome = await app.handle(event);
    if ('status' in outcome) alertOutcomes.push(outcome);
    return outcome;
  });

  // One state table, one idempotency table: shared by every invocation of every notifier.
  const grants: StormRun['grants'] = [];
  const budget = recordingGrants(createMemoryBudgetStore(), grants);
  const overflow = createMemoryOverflowStore();
  const incidents = createMemoryIncidentLedger();
  const idempotency = new CachePersistenceLayer({ client: memoryCacheClient() });
  const webhookUrl = slack.webhookUrl('cloud-alerts-storm');
  const senders = {
    slack: slackChannelSender(createSlackSender()),
    pagerduty: pagerDutyChannelSender(createPagerDutySender({ url: pagerduty.eventsUrl })),
    email: emailChannelSender(createEmailSender({ sns: snsClient })),
  };
  const secrets: Record<StormChannel, Record<string, string>> = { slack: {}, pagerduty: {}, email: {} };
  for (const r of config.receivers) {
    if ('slack' in r) secrets.slack[secretKey(r.name)] = webhookUrl;
    if ('pagerduty' in r) secrets.pagerduty[secretKey(r.name)] = ROUTING_KEY;
  }
  for (const channel of Object.keys(CHANNEL_FUNCTIONS) as StormChannel[]) {
    const name = CHANNEL_FUNCTIONS[channel];
    const handler = notifierHandler(requirePlugin(channel), config, {
      sender: senders[channel],
      stackTopicArn: TOPIC_ARN,
      secrets: channel === 'email' ? undefined : secretsOn(secrets[channel]),
      delivery: {
        deadLetter: createSqsDeadLetter({ sqs, queueUrl: deadLetters[FUNCTION_DLQS[name] ?? '']!.url }),
        once: createPowertoolsOnce({ persistenceStore: idempotency }),
        ...(budgets
          ? {
              budget,
              overflow,
              flush: createSqsFlushScheduler({ queueUrl: flushQueues[channel].url, sqs }),
              ...(channel === 'pagerduty' ? { incidents } : {}),
            }
          : {}),
      },
    });
    functions[name] = fn(
      name,
      async (event, context) => {
        const key = keyOf(event);
        try {
          const outcome = await handler(event, context);
          const status =
            typeof outcome === 'object' && outcome && 'status' in outcome ? outcome.status : 'flush';
          notifyOutcomes.push({ channel, key, status: status as NotifyRecord['status'] });
          return outcome;
        } catch (err) {
          notifyOutcomes.push({
            channel,
            key,
            status: 'failed',
            error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
          });
          throw err;
        }
      },
      options.notifierReservedConcurrency,
    );
    flushQueues[channel].consume(functions[name].consumer());
  }
  groupClose.consume(functions.alert.consumer());

  const defaultBus = localBus('default', rules, functions, alertClock.now);
  const injectedAt = new Map<string, number>();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const startedAt = Date.now();
  let lastInjectedAt = startedAt;
  for (const e of storm.events) {
    activity.after(alertClock.wallMs(e.offsetMs), () => {
      lastInjectedAt = Date.now();
      injectedAt.set(String(e.event.id), lastInjectedAt);
      defaultBus.deliver(e.event);
    });
  }

  const close = async () => {
    clearInterval(ticker);
    activity.stop();
    sqsMock.restore();
    snsClient.destroy();
    await Promise.all([slack.close(), pagerduty.close(), sns.close()]);
  };
  const ticker = options.progress
    ? setInterval(() => {
        const depth = queues.filter((q) => q.depth() > 0).map((q) => `${q.name}=${q.depth()}`);
        const calls = [slack, pagerduty].map((v) => `${v.accepted().length}/${v.throttled().length}`);
        options.progress?.(
          `t=${((Date.now() - startedAt) / 1000).toFixed(0)}s in-flight=${activity.inFlight} slack ok/429=${calls[0]} pagerduty ok/429=${calls[1]} sns=${sns.published.length} queues: ${depth.join(' ') || 'empty'}`,
        );
      }, 1000)
    : undefined;
  let settled = true;
  try {
    await activity.settled({ timeoutMs: options.settleTimeoutMs, quietMs: 200 });
  } catch {
    // What is left is reported (queues, in-flight work) and the timers are stopped by close().
    settled = false;
  }
  clearInterval(ticker);
  loopDelay.disable();

  const requests: NotificationRequest[] = [];
  const raised: Alert[] = [];
  for (const entry of alertsBus.entries) {
    const detail: unknown = JSON.parse(entry.Detail ?? 'null');
    if (entry.DetailType === NOTIFICATION_REQUESTED) requests.push(NotificationRequestSchema.parse(detail));
    if (entry.DetailType === ALERT_RAISED) raised.push(AlertSchema.parse(detail));
  }
  return {
    settled,
    inFlightAtEnd: activity.inFlight,
    config,
    storm,
    slack,
    pagerduty,
    sns,
    routingKey: ROUTING_KEY,
    topicArn: TOPIC_ARN,
    requests,
    raised,
    alertOutcomes,
    notifyOutcomes,
    functions,
    deadLetters,
    workQueues: {
      GroupCloseQueue: groupClose,
      ...Object.fromEntries(
        Object.entries(flushQueues).map(([c, q]) => [FLUSH_QUEUES[c as StormChannel], q]),
      ),
    },
    timing: {
      startedAt,
      injectedAt,
      criticalInjectedAt: injectedAt.get(String(storm.critical.event.id)) ?? Number.NaN,
      lastInjectedAt,
      settledAt: Date.now(),
    },
    webhookUrl,
    grants,
    eventLoopStallMs: loopDelay.max / 1e6,
    close,
  };
}

function keyOf(event: unknown): string {
  if (typeof event !== 'object' || event === null) return '';
  const detail = Reflect.get(event, 'detail');
  if (typeof detail === 'object' && detail !== null) return String(Reflect.get(detail, 'key') ?? '');
  const records = Reflect.get(event, 'Records');
  return Array.isArray(records) ? records.map((r) => String(Reflect.get(r, 'body'))).join('\n') : '';
}

/** Busy wall time of a function: the union of its invocations' spans (ms). */
export function busyMs(fn: LocalFunction): number {
  const spans = [...fn.stats.spans].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [s, e] of spans) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}
