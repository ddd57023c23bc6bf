import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { requireEnv } from '../config/runtime.ts';
import type { Config } from '../config/schema.ts';
import { createSqsDeadLetter, type DeadLetterPort } from '../delivery/dead-letter.ts';
import { createDynamoDbOnce, type OncePort } from '../delivery/idempotency.ts';
import { DEFAULT_RETRY_POLICY, lambdaClock, type RetryClock, type RetryPolicy } from '../delivery/retry.ts';
import type { Channel } from '../events/alert.ts';
import { type Senders, secretKey, secretProblemKey } from '../notify/deliver.ts';
import { handleNotification } from '../pipeline/notify.ts';
import { createLogger } from './logger.ts';
import type { secretsFromSsm } from './secrets.ts';

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
    deadLetter: createSqsDeadLetter({ queueUrl: requireEnv('DEAD_LETTER_QUEUE_URL', env) }),
    once: createDynamoDbOnce({
      tableName: requireEnv('IDEMPOTENCY_TABLE_NAME', env),
      client: new DynamoDBClient({}),
    }),
  };
}

export interface NotifierParts {
  /** Each notifier bundles only its own channel's sender. */
  senders: Partial<Senders>;
  /** The stack's topic, for e-mail receivers configured with `topicArn: stack`. */
  stackTopicArn?: string | undefined;
  delivery?: NotifierDelivery | undefined;
  /** Middleware that puts the receivers' secrets on the context (shared/aws/secrets.ts); none for e-mail. */
  secrets?: ReturnType<typeof secretsFromSsm> | undefined;
}

/** The shared shape of the three notify functions: logger, the receivers' secrets, then one delivery. */
export function notifierHandler(channel: Channel, config: Config, parts: NotifierParts) {
  const { senders, stackTopicArn, delivery = {}, secrets } = parts;
  const logger = createLogger(`notify-${channel}`);
  const chain = middy().use(injectLambdaContext(logger));
  if (secrets) chain.use(secrets);
  const policy = delivery.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const clockFor = delivery.clock ?? lambdaClock;
  return chain.handler((event: unknown, context: Context) => {
    const onContext: Record<string, unknown> = { ...context };
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
          const v = onContext[secretKey(receiver.name)];
          return typeof v === 'string' ? v : undefined;
        },
        secretProblem: (receiver) => {
          const v = onContext[secretProblemKey(receiver.name)];
          return typeof v === 'string' ? v : undefined;
        },
        stackTopicArn,
      },
    });
  });
}
