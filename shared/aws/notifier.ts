import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import ssm from '@middy/ssm';
import type { Context } from 'aws-lambda';
import { requireEnv } from '../config/runtime.ts';
import type { Config } from '../config/schema.ts';
import { createSqsDeadLetter, type DeadLetterPort } from '../delivery/dead-letter.ts';
import { createDynamoDbOnce, type OncePort } from '../delivery/idempotency.ts';
import { DEFAULT_RETRY_POLICY, lambdaClock, type RetryClock, type RetryPolicy } from '../delivery/retry.ts';
import type { Channel } from '../events/alert.ts';
import { type Senders, secretKey, secretParameters } from '../notify/deliver.ts';
import { handleNotification } from '../pipeline/notify.ts';
import { createLogger } from './logger.ts';

/** Secrets are re-read from SSM after this long, so a rotated webhook or key is picked up. */
export const SECRET_CACHE_MS = 5 * 60 * 1000;

/** How a notifier survives failures; every part has a production default built in functions/notify-*. */
export interface NotifierDelivery {
  /** Permanent failures go here (the function's own SQS dead-letter queue). */
  deadLetter?: DeadLetterPort | undefined;
  /** One completed delivery per (alert, receiver). */
  once?: OncePort | undefined;
  retryPolicy?: RetryPolicy | undefined;
  /** Defaults to the invocation's remaining time, real sleeps and Math.random. */
  clock?: ((context: Context) => RetryClock) | undefined;
}

/**
 * The production parts, from the function's environment (serverless.yml): its dead-letter queue and
 * the idempotency table. Both are required: a notifier without them would double or drop alerts, so
 * a missing variable fails the cold start instead.
 */
export function notifierDeliveryFromEnv(env: NodeJS.ProcessEnv = process.env): NotifierDelivery {
  return {
    deadLetter: createSqsDeadLetter({
      sqs: new SQSClient({}),
      queueUrl: requireEnv('DEAD_LETTER_QUEUE_URL', env),
    }),
    once: createDynamoDbOnce({
      tableName: requireEnv('IDEMPOTENCY_TABLE_NAME', env),
      client: new DynamoDBClient({}),
    }),
  };
}

/**
 * The shared shape of the three notify functions: logger, the receivers' secrets fetched from SSM
 * Parameter Store (SecureString, decrypted) into the Lambda context by Middy, then one delivery.
 */
export function notifierHandler(
  channel: Channel,
  config: Config,
  senders: Partial<Senders>,
  stackTopicArn?: string,
  delivery: NotifierDelivery = {},
) {
  const logger = createLogger(`notify-${channel}`);
  const chain = middy().use(injectLambdaContext(logger));
  if (channel !== 'email') {
    chain.use(
      ssm({
        fetchData: secretParameters(config, channel),
        setToContext: true,
        cacheExpiry: SECRET_CACHE_MS,
        // Middy's cache is process-wide and keyed by this name: one key per channel keeps
        // notifiers that share a process (tests, replay) from reading each other's secrets.
        cacheKey: `ssm-notify-${channel}`,
      }),
    );
  }
  const policy = delivery.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const clockFor = delivery.clock ?? lambdaClock;
  return chain.handler((event: unknown, context: Context) => {
    const secrets: Record<string, unknown> = { ...context };
    delivery.once?.registerLambdaContext?.(context);
    return handleNotification(event, {
      channel,
      config,
      senders,
      logger,
      retry: { policy, clock: clockFor(context) },
      deadLetter: delivery.deadLetter,
      once: delivery.once,
      context: {
        secret: (receiver) => {
          const v = secrets[secretKey(receiver.name)];
          return typeof v === 'string' ? v : undefined;
        },
        stackTopicArn,
      },
    });
  });
}
