import type { OncePort } from '../../shared/delivery/idempotency.ts';
import { DeliveryError } from '../../shared/notify/errors.ts';

/** The DeliveryError a send must fail with; anything else (or success) fails the test. */
export async function deliveryFailure(promise: Promise<unknown>): Promise<DeliveryError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof DeliveryError))
    throw new Error(`expected a DeliveryError, got ${String(outcome)}`);
  return outcome;
}

/** The idempotency store in memory: one completed run per request key, as Powertools keeps it. */
export function memoryOnce(): OncePort {
  const done = new Map<string, Record<string, unknown>>();
  return {
    async run(request, work) {
      const found = done.get(request.key);
      // biome-ignore lint/suspicious/noExplicitAny: the stored result is the work's own.
      if (found) return found as any;
      const result = await work(request);
      done.set(request.key, result);
      return result;
    },
  };
}
