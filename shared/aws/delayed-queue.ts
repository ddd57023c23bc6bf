import type { SQSClient } from '@aws-sdk/client-sqs';
import { onFirstUse } from './lazy.ts';
import { sqsSafeJson } from './sqs-json.ts';

// Only a window that holds something or a receiver over its budget sends a delayed message: most
// invocations never do, so the SQS client loads on the first, not at every cold start.
const loadSqs = onFirstUse(() => import('@aws-sdk/client-sqs'));

/**
 * Sends messages to one queue, each held back the given whole seconds (SQS allows 0 to 900).
 * The client is created on the first send unless one is given. Any failure is thrown as `fail`
 * makes it, with the SDK error as its cause.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
export function createDelayedSender<M>(
  options: { queueUrl: string; sqs?: Pick<SQSClient, 'send'> | undefined },
  fail: (message: M, e: unknown) => Error,
): (message: M, delaySeconds: number) => Promise<void> {
  let client = options.sqs;
  return async (message, delaySeconds) => {
    try {
      const { SQSClient, SendMessageCommand } = await loadSqs();
      client ??= new SQSClient({});
      await client.send(
        new SendMessageCommand({
          QueueUrl: options.queueUrl,
          MessageBody: sqsSafeJson(message),
          DelaySeconds: delaySeconds,
        }),
      );
    } catch (e) {
      throw fail(message, e);
    }
  };
}
