import { isDeliveryError } from '../notify/errors.ts';

/**
 * How hard one invocation tries before handing the request back to Lambda. Lambda's own async retries
 * (about 1 and 2 minutes later) and then the on-failure destination take over after that, so the
 * in-invocation loop only needs to ride out short blips: a 429 burst, one 503.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 */
export interface RetryPolicy {
  /** Attempts within one invocation, the first included. */
  maxAttempts: number;
  /** First backoff step; doubles each attempt. */
  baseDelayMs: number;
  /** Cap on the computed backoff (a Retry-After may ask for more, and is honoured if time allows). */
  maxDelayMs: number;
  /** What one attempt may take (the sender's timeout): another attempt starts only if it fits. */
  attemptBudgetMs: number;
  /** Kept free before the Lambda timeout so the function can log, dead-letter or throw cleanly. */
  safetyMarginMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 4000,
  attemptBudgetMs: 5000,
  safetyMarginMs: 2000,
};

/** Time and chance, injected so the policy is tested without waiting. */
export interface RetryClock {
  /** Milliseconds left in the invocation (the Lambda context's getRemainingTimeInMillis). */
  remainingMs(): number;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

export interface RetryEvent {
  attempt: number;
  delayMs: number;
  error: unknown;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; why: string };

/** Full jitter (a random share of the capped exponential step) so a burst of notifiers spreads out. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(step * random());
}

/**
 * Whether to try again after `attempt` failed with `error`, and after how long. Only retryable
 * delivery errors are retried; a Retry-After is a floor on the wait, never shortened.
 */
export function decideRetry(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
  clock: Pick<RetryClock, 'remainingMs' | 'random'>,
): RetryDecision {
  if (!isDeliveryError(error) || !error.retryable) return { retry: false, why: 'not retryable' };
  if (attempt >= policy.maxAttempts) return { retry: false, why: `${attempt} attempts made` };
  const delayMs = Math.max(error.retryAfterMs ?? 0, backoffMs(attempt, policy, clock.random));
  const needed = delayMs + policy.attemptBudgetMs + policy.safetyMarginMs;
  if (clock.remainingMs() < needed) {
    return { retry: false, why: `no time left for a wait of ${delayMs} ms and another attempt` };
  }
  return { retry: true, delayMs };
}

/**
 * Runs `attempt` until it succeeds, fails permanently, or the policy says stop; then the last error
 * is thrown unchanged, so its classification (retryable or not) reaches the caller.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  clock: RetryClock,
  onRetry: (event: RetryEvent) => void = () => {},
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const decision = decideRetry(error, n, policy, clock);
      if (!decision.retry) throw error;
      onRetry({ attempt: n, delayMs: decision.delayMs, error });
      await clock.sleep(decision.delayMs);
    }
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The clock of a Lambda invocation. */
export function lambdaClock(context: { getRemainingTimeInMillis(): number }): RetryClock {
  return { remainingMs: () => context.getRemainingTimeInMillis(), sleep: realSleep, random: Math.random };
}
