import type { SQSClient } from '@aws-sdk/client-sqs';
import type { FlushMessage, FlushScheduler } from '../delivery/overflow.ts';
import { errorLabel } from '../notify/errors.ts';
import { onFirstUse } from './lazy.ts';
import { sqsSafeJson } from './sqs-json.ts';

// Only a receiver over its budget asks for a flush: most invocations never do, so the SQS client
// loads on the first, not at every cold start.
const loadSqs = onFirstUse(() => import('@aws-sdk/client-sqs'));

export class FlushQueueError extends Error {
  override readonly name = 'FlushQueueError';
}

/**
 * A notifier's flush queue (serverless.yml Notify<Channel>FlushQueue): a flush message SQS holds back
 * `delaySeconds` (at most 15 minutes), consumed by the same notifier (shared/pipeline/overflow-flush.ts).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
export function createSqsFlushScheduler(options: {
  queueUrl: string;
  sqs?: Pick<SQSClient, 'send'> | undefined;
}): FlushScheduler {
  let client = options.sqs;
  return {
    async schedule(message: FlushMessage, delaySeconds: number) {
      try {
        const { SQSClient, SendMessageCommand } = await loadSqs();
        client ??= new SQSClient({});
        await client.send(
          new SendMessageCommand({
            QueueUrl: options.queueUrl,
            MessageBody: sqsSafeJson(message),
            DelaySeconds: Math.min(900, Math.max(0, Math.ceil(delaySeconds))),
          }),
        );
      } catch (e) {
        throw new FlushQueueError(
          `SQS SendMessage to the ${message.channel} flush queue failed (${errorLabel(e)})`,
          {
            cause: e,
          },
        );
      }
    },
  };
}
