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
