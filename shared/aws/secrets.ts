import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { receiverSettings } from '../config/receivers.ts';
import type { Config } from '../config/schema.ts';
import type { AnyChannelPlugin, SecretSpec } from '../notify/channels/types.ts';
import { secretKey, secretProblemKey } from '../notify/deliver.ts';
import { errorIdentity, errorLabel } from '../notify/errors.ts';
import { TRANSIENT_NETWORK_CODES } from '../util/network.ts';

/** Secrets are re-read from SSM after this long, so a rotated webhook or key is picked up. */
export const SECRET_CACHE_MS = 5 * 60 * 1000;

/**
 * GetParameters takes at most 10 names
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html).
 */
export const GET_PARAMETERS_MAX_NAMES = 10;

/**
 * What reading one parameter gave: its value, or why not. `missing`: no such parameter (GetParameters
 * lists it in InvalidParameters); `denied`: the role may not read or decrypt it; `refused`: another
 * error retrying cannot fix; `unavailable`: throttled, a 5xx or the network, worth another try.
 */
export type SecretOutcome =
  | { value: string }
  | { kind: 'missing' | 'denied' | 'refused' | 'unavailable'; label: string };

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'AbortError',
]);

function transient(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  if (Reflect.get(e, '$retryable')) return true;
  const metadata: unknown = Reflect.get(e, '$metadata');
  const status =
    typeof metadata === 'object' && metadata !== null ? Reflect.get(metadata, 'httpStatusCode') : undefined;
  if (typeof status === 'number' && (status === 429 || status >= 500)) return true;
  const { name, code } = errorIdentity(e);
  return (
    (name !== undefined && TRANSIENT_NAMES.has(name)) ||
    (code !== undefined && TRANSIENT_NETWORK_CODES.has(code))
  );
}

function outcomeOf(e: unknown): SecretOutcome {
  const label = errorLabel(e);
  const { name } = errorIdentity(e);
  if (name === 'ParameterNotFound') return { kind: 'missing', label };
  // KMS refusing to decrypt reaches us as SSM's AccessDeniedException too.
  if (name === 'AccessDeniedException') return { kind: 'denied', label };
  return { kind: transient(e) ? 'unavailable' : 'refused', label };
}

export interface SecretReaderOptions {
  client: SSMClient;
  cacheMs?: number | undefined;
  now?: (() => number) | undefined;
}

export interface SecretReader {
  /** One outcome per name; never throws, so a prefetch at cold start cannot go unhandled. */
  read(names: readonly string[]): Promise<Map<string, SecretOutcome>>;
}

/**
 * SecureString parameters by name, decrypted, cached for `cacheMs`. Each name has its own outcome:
 * one missing or forbidden parameter does not keep the others from being read. A value that could not
 * be refreshed for a passing reason (throttling, network) is served stale rather than not at all.
 */
export function createSecretReader(options: SecretReaderOptions): SecretReader {
  const { client, cacheMs = SECRET_CACHE_MS, now = Date.now } = options;
  const cache = new Map<string, { value: string; readAt: number }>();

  async function fetchBatch(names: readonly string[]): Promise<Array<[string, SecretOutcome]>> {
    try {
      const out = await client.send(new GetParametersCommand({ Names: [...names], WithDecryption: true }));
      const found = new Map<string, string>();
      for (const p of out.Parameters ?? [])
        if (p.Name !== undefined && typeof p.Value === 'string') found.set(p.Name, p.Value);
      return names.map((n): [string, SecretOutcome] => {
        const value = found.get(n);
        return [n, value === undefined ? { kind: 'missing', label: 'InvalidParameters' } : { value }];
      });
    } catch (e) {
      // IAM authorises every name of the call: one the role may not read denies them all. Asking for
      // each alone tells which.
      if (errorIdentity(e).name === 'AccessDeniedException' && names.length > 1) {
        const each = await Promise.all(names.map((n) => fetchBatch([n])));
        return each.flat();
      }
      const outcome = outcomeOf(e);
      return names.map((n): [string, SecretOutcome] => [n, outcome]);
    }
  }

  return {
    async read(names) {
      const at = now();
      const due = [...new Set(names)].filter((n) => {
        const cached = cache.get(n);
        return cached === undefined || at - cached.readAt >= cacheMs;
      });
      const batches: string[][] = [];
      for (let i = 0; i < due.length; i += GET_PARAMETERS_MAX_NAMES)
        batches.push(due.slice(i, i + GET_PARAMETERS_MAX_NAMES));
      const fetched = new Map((await Promise.all(batches.map(fetchBatch))).flat());
      const outcomes = new Map<string, SecretOutcome>();
      for (const name of names) {
        const fresh = fetched.get(name);
        const cached = cache.get(name);
        if (fresh !== undefined && 'value' in fresh) {
          cache.set(name, { value: fresh.value, readAt: at });
          outcomes.set(name, fresh);
        } else if (fresh !== undefined && !(fresh.kind === 'unavailable' && cached !== undefined)) {
          // Gone or forbidden now: the old value is no longer the operator's intent.
          cache.delete(name);
          outcomes.set(name, fresh);
        } else if (cached !== undefined) {
          outcomes.set(name, { value: cached.value });
        }
      }
      return outcomes;
    },
  };
}

/** Thrown when a secret could not be read for a passing reason: Lambda retries the invocation. */
export class SecretsUnavailableError extends Error {
  override readonly name = 'SecretsUnavailableError';
}

/**
 * Why a receiver's secret is not there, in words an operator can act on at 3 a.m.: the parameter's
 * name and the command that fixes it. Never the value, never the SDK's message.
 */
export function secretProblem(
  channel: string,
  spec: Pick<SecretSpec, 'parameter' | 'example'>,
  outcome: Exclude<SecretOutcome, { value: string }>,
  region: string | undefined,
): string {
  const { parameter } = spec;
  const inRegion = region === undefined ? '' : ` --region ${region}`;
  switch (outcome.kind) {
    case 'missing':
      return `SSM parameter ${parameter} does not exist${region === undefined ? '' : ` in ${region}`}; create it: aws ssm put-parameter${inRegion} --name ${parameter} --type SecureString --value '${spec.example}'`;
    case 'denied':
      return `notify-${channel} may not read SSM parameter ${parameter} (${outcome.label}): its role is granted the parameters the configuration names when the stack is packaged, so deploy again after changing a receiver; a parameter encrypted with a customer managed KMS key needs that key in the receiver's kmsKeyArn`;
    case 'refused':
    case 'unavailable':
      return `SSM did not return parameter ${parameter} (${outcome.label}); check it: aws ssm get-parameter${inRegion} --name ${parameter} --query Parameter.Type`;
  }
}

/** The secrets `plugin`'s receivers name, each with its receiver. */
export function receiverSecrets(
  config: Config,
  plugin: AnyChannelPlugin,
): Array<SecretSpec & { name: string }> {
  return config.receivers.flatMap((r) => {
    const settings = receiverSettings(r, plugin);
    const spec = settings === undefined ? undefined : plugin.secret(settings);
    return spec ? [{ ...spec, name: r.name }] : [];
  });
}

export interface SecretsFromSsmOptions {
  client?: SSMClient | undefined;
  now?: (() => number) | undefined;
  /** Named in the commands of the messages; the function's own region by default. */
  region?: string | undefined;
}

/**
 * The receivers' webhook URLs or routing keys, read from SSM Parameter Store (SecureString,
 * decrypted) onto the Lambda context, under `secretKey(receiver)`. A receiver whose secret cannot be
 * read gets, under `secretProblemKey(receiver)`, why: its notifications are then dead-lettered with
 * that reason (shared/notify/deliver.ts) while the channel's other receivers keep working. A passing
 * failure with no cached value fails the invocation instead, so Lambda retries it.
 *
 * The read starts at cold start, so it overlaps the rest of the init phase. No timer keeps the
 * process alive: values older than SECRET_CACHE_MS are read again by the next invocation.
 * A module of its own so that notify-email, which has no secrets, does not load the SSM client.
 */
export function secretsFromSsm(
  config: Config,
  plugin: AnyChannelPlugin,
  options: SecretsFromSsmOptions = {},
): MiddlewareObj<unknown, unknown, Error, Context> {
  const receivers = receiverSecrets(config, plugin);
  const names = receivers.map((r) => r.parameter);
  const region = options.region ?? process.env.AWS_REGION;
  const reader = createSecretReader({ client: options.client ?? new SSMClient({}), now: options.now });
  let prefetched: Promise<Map<string, SecretOutcome>> | undefined =
    names.length > 0 ? reader.read(names) : undefined;

  return {
    before: async (request) => {
      const outcomes = await (prefetched ?? reader.read(names));
      prefetched = undefined;
      const { context } = request;
      const unavailable: string[] = [];
      for (const r of receivers) {
        const outcome = outcomes.get(r.parameter);
        if (outcome === undefined) continue;
        if ('value' in outcome) {
          Object.assign(context, { [secretKey(r.name)]: outcome.value });
        } else if (outcome.kind === 'unavailable') {
          unavailable.push(`${r.parameter} (${outcome.label})`);
        } else {
          const problem = secretProblem(plugin.name, r, outcome, region);
          Object.assign(context, {
            [secretProblemKey(r.name)]: `${r.what} unavailable: ${problem}`,
          });
        }
      }
      if (unavailable.length > 0) {
        throw new SecretsUnavailableError(
          `cannot read SSM parameter ${[...new Set(unavailable)].join(', ')} now; Lambda retries the invocation`,
        );
      }
    },
  };
}
