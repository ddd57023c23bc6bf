/**
 * Loads something (an AWS SDK client module) on first use instead of at cold start; one load, shared
 * by concurrent callers, retried after a failure.
 *
 * Only for what most invocations never touch: a notifier's dead-letter queue, the alarm lookup in a
 * function that mostly sees CloudTrail events. A client that every invocation needs stays at module
 * scope: Lambda runs the init phase on an unthrottled vCPU, while the first invocation runs at the
 * memory-sized share of one, so deferring it would make the cold path slower, not faster.
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((e: unknown) => {
      pending = undefined;
      throw e;
    });
    return pending;
  };
}
