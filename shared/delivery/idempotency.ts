import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { NotificationRequest } from '../events/alert.ts';

/**
 * Runs `work` at most once to completion per request key. A second call with the same key gets the
 * first call's stored result; a call that threw leaves no trace, so a retry runs it again.
 */
export interface OncePort {
  run<T extends Record<string, unknown>>(
    request: NotificationRequest,
    work: (request: NotificationRequest) => Promise<T>,
  ): Promise<T>;
  /** Lets an in-progress record expire with the invocation, so a Lambda retry after a timeout is not blocked. */
  registerLambdaContext?(context: Context): void;
}

/**
 * Completed deliveries are remembered as long as a dead-letter queue keeps messages (14 days, see
 * resources/core.yml): a redrive of an on-failure record whose twin already went through is then a
 * no-op instead of a second post. Items are small; DynamoDB's TTL removes them.
 */
export const IDEMPOTENCY_TTL_SECONDS = 14 * 24 * 60 * 60;

/** Fixed rather than the function name, so renaming a function does not forget what it delivered. */
export const IDEMPOTENCY_KEY_PREFIX = 'cloud-alerts-notify';

export interface DynamoDbOnceOptions {
  tableName: string;
  client: DynamoDBClient;
  expiresAfterSeconds?: number;
}

/**
 * Powertools idempotency keyed on the request's `key` (`${alert.id}/${receiver}`): one delivery per
 * (alert, receiver), whatever envelope or redelivery carries it. The store is a port: DynamoDB in
 * Lambda, anything Powertools supports in tests.
 */
export function createPowertoolsOnce(options: {
  persistenceStore: BasePersistenceLayer;
  expiresAfterSeconds?: number | undefined;
}): OncePort {
  const { persistenceStore } = options;
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.expiresAfterSeconds ?? IDEMPOTENCY_TTL_SECONDS,
  });
  return {
    run(request, work) {
      return makeIdempotent(work, { persistenceStore, config, keyPrefix: IDEMPOTENCY_KEY_PREFIX })(request);
    },
    registerLambdaContext(context) {
      config.registerLambdaContext(context);
    },
  };
}

/** The stack's idempotency table (key `id`, TTL attribute `expiration`: Powertools' defaults). */
export function createDynamoDbOnce(options: DynamoDbOnceOptions): OncePort {
  return createPowertoolsOnce({
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: options.tableName,
      awsSdkV3Client: options.client,
    }),
    expiresAfterSeconds: options.expiresAfterSeconds,
  });
}
