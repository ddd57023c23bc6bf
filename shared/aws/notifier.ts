import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import ssm from '@middy/ssm';
import type { Context } from 'aws-lambda';
import type { Config } from '../config/schema.ts';
import type { Channel } from '../events/alert.ts';
import { type Senders, secretKey, secretParameters } from '../notify/deliver.ts';
import { handleNotification } from '../pipeline/notify.ts';
import { createLogger } from './logger.ts';

/** Secrets are re-read from SSM after this long, so a rotated webhook or key is picked up. */
export const SECRET_CACHE_MS = 5 * 60 * 1000;

/**
 * The shared shape of the three notify functions: logger, the receivers' secrets fetched from SSM
 * Parameter Store (SecureString, decrypted) into the Lambda context by Middy, then one delivery.
 */
export function notifierHandler(
  channel: Channel,
  config: Config,
  senders: Partial<Senders>,
  stackTopicArn?: string,
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
  return chain.handler((event: unknown, context: Context) => {
    const secrets: Record<string, unknown> = { ...context };
    return handleNotification(event, {
      channel,
      config,
      senders,
      logger,
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
