import type { SQSClient } from '@aws-sdk/client-sqs';
import type { FlushMessage, FlushScheduler } from '../delivery/overflow.ts';
import { errorLabel } from '../notify/errors.ts';
import { SQS_MAX_DELAY_SECONDS } from '../pipeline/sqs.ts';
import { createDelayedSender } from './delayed-queue.ts';

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
  const send = createDelayedSender<FlushMessage>(
    options,
    (message, e) =>
      new FlushQueueError(`SQS SendMessage to the ${message.channel} flush queue failed (${errorLabel(e)})`, {
        cause: e,
      }),
  );
  return {
    schedule: (message, delaySeconds) =>
      send(message, Math.min(SQS_MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds)))),
  };
}
