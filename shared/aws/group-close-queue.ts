import type { SQSClient } from '@aws-sdk/client-sqs';
import { errorLabel } from '../notify/errors.ts';
import { delaySecondsUntil, type GroupCloseMessage, groupCloseMessage } from '../pipeline/group-close.ts';
import type { GroupCloseScheduler } from '../stages/grouping.ts';
import { createDelayedSender } from './delayed-queue.ts';

export interface GroupCloseQueueOptions {
  queueUrl: string;
  /** Defaults to an SQSClient for the function's region, created on first use. */
  sqs?: Pick<SQSClient, 'send'> | undefined;
  now?: () => number;
}

export class GroupCloseQueueError extends Error {
  override readonly name = 'GroupCloseQueueError';
}

/**
 * The group-close queue (serverless.yml GroupCloseQueue): a window's summary request becomes a
 * message SQS holds back until the window closes, up to 15 minutes a hop; the alert function
 * consumes it (shared/pipeline/group-close.ts).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
export function createSqsGroupCloseQueue(options: GroupCloseQueueOptions): {
  scheduler: GroupCloseScheduler;
  requeue: (message: GroupCloseMessage, delaySeconds: number) => Promise<void>;
} {
  const now = options.now ?? Date.now;
  const send = createDelayedSender<GroupCloseMessage>(
    options,
    (_, e) =>
      new GroupCloseQueueError(`SQS SendMessage to the group-close queue failed (${errorLabel(e)})`, {
        cause: e,
      }),
  );
  return {
    scheduler: {
      async schedule(request) {
        const t = now();
        const message = groupCloseMessage(request, t);
        await send(message, delaySecondsUntil(message.dueAt, t));
      },
    },
    requeue: send,
  };
}
