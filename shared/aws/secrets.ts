import ssm from '@middy/ssm';
import type { Config } from '../config/schema.ts';
import { secretParameters } from '../notify/deliver.ts';

/** Secrets are re-read from SSM after this long, so a rotated webhook or key is picked up. */
export const SECRET_CACHE_MS = 5 * 60 * 1000;

/**
 * The receivers' webhook URLs or routing keys, fetched from SSM Parameter Store (SecureString,
 * decrypted) into the Lambda context by Middy. Middy starts the fetch at cold start, so it overlaps
 * the rest of the init phase. A module of its own so that notify-email, which has no secrets, does
 * not load the SSM client.
 */
export function secretsFromSsm(config: Config, channel: 'slack' | 'pagerduty') {
  return ssm({
    fetchData: secretParameters(config, channel),
    setToContext: true,
    cacheExpiry: SECRET_CACHE_MS,
    // Middy's cache is process-wide and keyed by this name: one key per channel keeps
    // notifiers that share a process (tests, replay) from reading each other's secrets.
    cacheKey: `ssm-notify-${channel}`,
  });
}
