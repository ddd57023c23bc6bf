import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { invokedLocally, placeholderSecrets, printingSender, printToStdout } from '../app/local.ts';
import { loadRuntimeConfig, requireEnv } from '../config/runtime.ts';
import type { Config } from '../config/schema.ts';
import type { SendBudgetDeps } from '../delivery/budget.ts';
import { createSqsDeadLetter, type DeadLetterPort } from '../delivery/dead-letter.ts';
import { createDynamoDbOnce, type OncePort } from '../delivery/idempotency.ts';
import type { FlushScheduler } from '../delivery/overflow.ts';
import { DEFAULT_RETRY_POLICY, lambdaClock, type RetryClock, type RetryPolicy } from '../delivery/retry.ts';
import { isSqsEvent } from '../events/sqs.ts';
import type { AnyChannelPlugin, ChannelSender, StateTable } from '../notify/channels/types.ts';
import { secretKey, secretProblemKey } from '../notify/deliver.ts';
import { handleNotification, type NotifyDeps } from '../pipeline/notify.ts';
import { handleFlushBatch } from '../pipeline/overflow-flush.ts';
import { createDynamoDbIncidentLedger, type IncidentLedger } from '../state/incidents.ts';
import type { BudgetStore, OverflowStore } from '../state/send-budget.ts';
import { createDynamoDbBudgetStore, createDynamoDbOverflowStore } from '../state/send-budget-dynamodb.ts';
import { createSqsFlushScheduler } from './flush-queue.ts';
import { createLogger } from './logger.ts';
import type { secretsFromSsm } from './secrets.ts';

/** How a notifier survives failures; every part has a production default (notifierDeliveryFromEnv). */
export interface NotifierDelivery {
  /** Permanent failures go here (the function's own SQS dead-letter queue). */
  deadLetter?: DeadLetterPort | undefined;
  /** One completed delivery per (alert, receiver). */
  once?: OncePort | undefined;
  retryPolicy?: RetryPolicy | undefined;
  /** Defaults to the invocation's remaining time, real sleeps and Math.random. */
  clock?: ((context: Context) => RetryClock) | undefined;
  /**
   * Send budgets: the buckets, the overflow tallies and the flush queue, all three or none. Without
   * them every request is sent as it comes (replay, `invoke local`).
   */
  budget?: BudgetStore | undefined;
  overflow?: OverflowStore | undefined;
  flush?: FlushScheduler | undefined;
  /** The budgets' clock, epoch ms; defaults to Date.now. */
  now?: (() => number) | undefined;
  /**
   * Channels that open incidents (plugin.incidentKey, PagerDuty): the incidents it opened, so resolves
   * of incidents never opened do not go first.
   */
  incidents?: IncidentLedger | undefined;
}

/** Environment variable with the flush queue of `channel`'s notifier (serverless.yml). */
export function flushQueueEnv(channel: string): string {
  return `${channel.toUpperCase()}_FLUSH_QUEUE_URL`;
}

export class NotifierWiringError extends Error {
  override readonly name = 'NotifierWiringError';
}

/** The send-budget ports as one, or undefined when none is given; some but not all is a wiring mistake. */
export function sendBudgetOf(delivery: NotifierDelivery, config: Config): SendBudgetDeps | undefined {
  const { budget, overflow, flush } = delivery;
  if (!budget && !overflow && !flush) return undefined;
  if (!budget || !overflow || !flush) {
    throw new NotifierWiringError('send budgets need all of budget, overflow and flush ports, or none');
  }
  return {
    budget,
    overflow,
    flush,
    now: delivery.now ?? Date.now,
    flushDelaySeconds: config.delivery.overflowSummarySeconds,
    ...(delivery.incidents ? { incidents: delivery.incidents } : {}),
  };
}

/** The state table (STATE_TABLE_NAME): send budgets, overflow tallies and what the plug-in keeps. */
export function stateTableFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  client: DynamoDBClient = new DynamoDBClient({}),
): StateTable {
  return { tableName: requireEnv('STATE_TABLE_NAME', env), client: DynamoDBDocumentClient.from(client) };
}

/**
 * The production parts, from the function's environment (serverless.yml): its dead-letter queue, the
 * idempotency table, the state table that holds the send budgets and overflow tallies, and its flush
 * queue. All are required: a notifier without them would double, drop or flood alerts, so a missing
 * variable fails the cold start instead.
 */
export function notifierDeliveryFromEnv(
  plugin: AnyChannelPlugin,
  env: NodeJS.ProcessEnv = process.env,
  client: DynamoDBClient = new DynamoDBClient({}),
  state: StateTable = stateTableFromEnv(env, client),
): NotifierDelivery {
  return {
    deadLetter: createSqsDeadLetter({ queueUrl: requireEnv('DEAD_LETTER_QUEUE_URL', env) }),
    once: createDynamoDbOnce({ tableName: requireEnv('IDEMPOTENCY_TABLE_NAME', env), client }),
    budget: createDynamoDbBudgetStore(state),
    overflow: createDynamoDbOverflowStore(state),
    flush: createSqsFlushScheduler({ queueUrl: requireEnv(flushQueueEnv(plugin.name), env) }),
    ...(plugin.incidentKey ? { incidents: createDynamoDbIncidentLedger(state) } : {}),
  };
}

export interface NotifierParts {
  /** The channel's own sender (plugin.createSender()), or a stand-in. */
  // biome-ignore lint/suspicious/noExplicitAny: a sender of the plug-in's own body and settings types
  sender: ChannelSender<any, any>;
  /** The stack's topic, for e-mail receivers configured with `topicArn: stack`. */
  stackTopicArn?: string | undefined;
  delivery?: NotifierDelivery | undefined;
  /** Middleware that puts the receivers' secrets on the context (shared/aws/secrets.ts); none without. */
  secrets?: ReturnType<typeof secretsFromSsm> | undefined;
  /** The function's logger, when the sender was built with it; one is created otherwise. */
  logger?: Logger | undefined;
}

/** The shared shape of the notify functions: logger, the receivers' secrets, then one delivery. */
export function notifierHandler(plugin: AnyChannelPlugin, config: Config, parts: NotifierParts) {
  const { sender, stackTopicArn, delivery = {}, secrets } = parts;
  const logger = parts.logger ?? createLogger(`notify-${plugin.name}`);
  const chain = middy().use(injectLambdaContext(logger));
  if (secrets) chain.use(secrets);
  const policy = delivery.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const clockFor = delivery.clock ?? lambdaClock;
  const sendBudget = sendBudgetOf(delivery, config);
  return chain.handler((event: unknown, context: Context) => {
    const onContext: Record<string, unknown> = { ...context };
    delivery.once?.registerLambdaContext?.(context);
    const deps: NotifyDeps = {
      plugin,
      config,
      sender,
      logger,
      retry: { policy, clock: clockFor(context) },
      deadLetter: delivery.deadLetter,
      once: delivery.once,
      context: {
        secret: (receiver) => {
          const v = onContext[secretKey(receiver.name)];
          return typeof v === 'string' ? v : undefined;
        },
        secretProblem: (receiver) => {
          const v = onContext[secretProblemKey(receiver.name)];
          return typeof v === 'string' ? v : undefined;
        },
        stackTopicArn,
      },
      sendBudget,
    };
    // The flush queue's messages (overflow summaries due) come as SQS events; requests from the bus.
    return isSqsEvent(event) ? handleFlushBatch(event, deps) : handleNotification(event, deps);
  });
}

/**
 * A channel's notify function: functions/notify-<name>/handler.ts is this over its own plug-in. In
 * Lambda: the plug-in's sender, the receivers' secrets from SSM, the dead-letter queue, idempotency
 * and send budgets from the environment (a missing variable fails the cold start). Under
 * `serverless invoke local`: the same chain, printing the request it would make, with placeholders
 * naming each secret's parameter instead of reading SSM.
 *
 * `readSecrets` is shared/aws/secrets.ts's secretsFromSsm, passed in by the handler of a channel
 * with secrets: importing it here would load the SSM client into every notifier's cold start,
 * e-mail's too, which has none.
 */
export function channelNotifier(
  plugin: AnyChannelPlugin,
  readSecrets?: typeof secretsFromSsm,
  env: NodeJS.ProcessEnv = process.env,
) {
  const config = loadRuntimeConfig(env);
  // A channel whose deploy gives it ALERTS_TOPIC_ARN (e-mail) must have it in Lambda.
  const needsTopic = plugin.deploy.environment?.ALERTS_TOPIC_ARN !== undefined;
  if (invokedLocally(env)) {
    return notifierHandler(plugin, config, {
      sender: printingSender(plugin, printToStdout),
      secrets: placeholderSecrets(config, plugin),
      stackTopicArn: env.ALERTS_TOPIC_ARN,
    });
  }
  // One state table client for the delivery's stores and the sender's own (Slack app threads).
  const client = new DynamoDBClient({});
  const state = stateTableFromEnv(env, client);
  const logger = createLogger(`notify-${plugin.name}`);
  return notifierHandler(plugin, config, {
    sender: plugin.createSender({ env, state, logger }),
    logger,
    stackTopicArn: needsTopic ? requireEnv('ALERTS_TOPIC_ARN', env) : env.ALERTS_TOPIC_ARN,
    delivery: notifierDeliveryFromEnv(plugin, env, client, state),
    secrets: readSecrets?.(config, plugin),
  });
}
