import {
  backoffMs,
  DEFAULT_RETRY_POLICY,
  decideRetry,
  type RetryClock,
  type RetryPolicy,
  withRetries,
} from '../../../shared/delivery/retry.ts';
import { DeliveryError } from '../../../shared/notify/errors.ts';

const POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  attemptBudgetMs: 500,
  safetyMarginMs: 200,
};

/** A virtual Lambda invocation: sleeping spends its remaining time, nothing waits for real. */
function virtualClock(remainingMs: number, random = () => 0.5): RetryClock & { slept: number[] } {
  let left = remainingMs;
  const slept: number[] = [];
  return {
    slept,
    remainingMs: () => left,
    sleep: async (ms) => {
      slept.push(ms);
      left -= ms;
    },
    random,
  };
}

const retryable = (extra: { retryAfterMs?: number } = {}) =>
  new DeliveryError({ channel: 'slack', retryable: true, reason: 'HTTP 503', status: 503, ...extra });
const permanent = () =>
  new DeliveryError({ channel: 'slack', retryable: false, reason: 'HTTP 404', status: 404 });

describe('backoffMs', () => {
  it('doubles per attempt up to the cap, scaled by the random draw (full jitter)', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, POLICY, () => 0.999999))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffMs(3, POLICY, () => 0)).toBe(0);
    expect(backoffMs(3, POLICY, () => 0.5)).toBe(200);
  });
});

describe('decideRetry', () => {
  it('never retries a permanent failure or an error that is not a delivery error', () => {
    const clock = virtualClock(60_000);
    expect(decideRetry(permanent(), 1, POLICY, clock)).toEqual({ retry: false, why: 'not retryable' });
    expect(decideRetry(new Error('bug'), 1, POLICY, clock)).toEqual({ retry: false, why: 'not retryable' });
  });

  it('waits at least as long as Retry-After asks, even past the backoff cap', () => {
    const decision = decideRetry(retryable({ retryAfterMs: 7000 }), 1, POLICY, virtualClock(60_000));
    expect(decision).toEqual({ retry: true, delayMs: 7000 });
  });

  it('stops when the wait, another attempt and the safety margin no longer fit in the invocation', () => {
    // 7000 + 500 + 200 = 7700 ms needed.
    expect(decideRetry(retryable({ retryAfterMs: 7000 }), 1, POLICY, virtualClock(7699))).toEqual({
      retry: false,
      why: 'no time left for a wait of 7000 ms and another attempt',
    });
    expect(decideRetry(retryable({ retryAfterMs: 7000 }), 1, POLICY, virtualClock(7700))).toEqual({
      retry: true,
      delayMs: 7000,
    });
  });

  it('stops after the maximum number of attempts', () => {
    expect(decideRetry(retryable(), 5, POLICY, virtualClock(60_000))).toEqual({
      retry: false,
      why: '5 attempts made',
    });
  });
});

describe('withRetries', () => {
  it('returns the first success after retryable failures, sleeping the jittered backoff between', async () => {
    const clock = virtualClock(60_000);
    const outcomes = [retryable(), retryable(), 'ok'];
    let calls = 0;
    const result = await withRetries(
      async () => {
        const next = outcomes[calls++];
        if (next instanceof Error) throw next;
        return next;
      },
      POLICY,
      clock,
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(clock.slept).toEqual([50, 100]);
  });

  it('throws a permanent failure at once, unchanged', async () => {
    const clock = virtualClock(60_000);
    const error = permanent();
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw error;
        },
        POLICY,
        clock,
      ),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it('gives up with the last retryable error when the invocation runs out of time', async () => {
    const clock = virtualClock(3000);
    const errors = [retryable({ retryAfterMs: 1000 }), retryable({ retryAfterMs: 2000 })];
    let calls = 0;
    const retries: unknown[] = [];
    const onRetry = (event: unknown) => retries.push(event);
    const thrown = await withRetries(
      async () => {
        throw errors[calls++];
      },
      POLICY,
      clock,
      onRetry,
    ).catch((e: unknown) => e);
    // 1000 ms fits (1000 + 700 ≤ 3000); then 2000 + 700 > 2000 left.
    expect(thrown).toBe(errors[1]);
    expect(clock.slept).toEqual([1000]);
    expect(retries).toEqual([{ attempt: 1, delayMs: 1000, error: errors[0] }]);
  });

  it('makes at most maxAttempts attempts with plenty of time', async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw retryable();
        },
        POLICY,
        virtualClock(10 * 60_000),
      ),
    ).rejects.toMatchObject({ retryable: true });
    expect(calls).toBe(POLICY.maxAttempts);
  });

  it('leaves the default policy a margin inside a 30 s notifier timeout', () => {
    const { attemptBudgetMs, safetyMarginMs, maxDelayMs } = DEFAULT_RETRY_POLICY;
    expect(attemptBudgetMs + safetyMarginMs + maxDelayMs).toBeLessThan(30_000);
  });
});
