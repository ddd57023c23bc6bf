import type { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { onFirstUse } from '../aws/lazy.ts';
import { sqsSafeJson } from '../aws/sqs-json.ts';
import { ChannelSchema, NotificationRequestSchema } from '../events/alert.ts';
import { errorLabel } from '../notify/errors.ts';

/**
 * What a notifier writes to its own dead-letter queue when a delivery failed permanently: enough to
 * see why (`reason`) and to put the request back on the bus after the cause is fixed
 * (`cloud-alerts dlq redrive`).
 */
export const DeadLetterRecordSchema = z.object({
  reason: z.string(),
  channel: ChannelSchema,
  receiver: z.string(),
  key: z.string(),
  request: NotificationRequestSchema,
  failedAt: z.string(),
});
export type DeadLetterRecord = z.infer<typeof DeadLetterRecordSchema>;

/** Sends one record to the dead-letter queue; throws DeadLetterError when it could not. */
export type DeadLetterPort = (record: DeadLetterRecord) => Promise<void>;

export class DeadLetterError extends Error {
  override readonly name = 'DeadLetterError';
}

export { sqsSafeJson };

// Dead letters are rare: the SQS client is loaded when the first one is written, not at every cold start.
const loadSqs = onFirstUse(() => import('@aws-sdk/client-sqs'));

export interface SqsDeadLetterOptions {
  /** Defaults to an SQSClient for the function's region, created on the first dead letter. */
  sqs?: Pick<SQSClient, 'send'> | undefined;
  queueUrl: string;
}

export function createSqsDeadLetter({ sqs, queueUrl }: SqsDeadLetterOptions): DeadLetterPort {
  let client = sqs;
  return async (record) => {
    try {
      const { SQSClient, SendMessageCommand } = await loadSqs();
      client ??= new SQSClient({});
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: sqsSafeJson(record),
          MessageAttributes: {
            channel: { DataType: 'String', StringValue: record.channel },
            receiver: { DataType: 'String', StringValue: record.receiver },
          },
        }),
      );
    } catch (e) {
      // Only the SDK error's name and code: its message may quote the request, secrets included.
      throw new DeadLetterError(
        `could not dead-letter ${record.key}: SQS SendMessage failed (${errorLabel(e)})`,
        {
          cause: e,
        },
      );
    }
  };
}
