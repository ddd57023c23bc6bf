import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';

const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Receives and deletes messages until `expected` arrived or the queue stays empty past the timeout,
 * then one more short look so that an unexpected extra message is returned too. Bodies, oldest first.
 */
export async function drain(
  sqs: Pick<SQSClient, 'send'>,
  queueUrl: string,
  expected: number,
): Promise<string[]> {
  const bodies: string[] = [];
  const until = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const enough = bodies.length >= expected;
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: enough ? 0 : 1,
      }),
    );
    const messages = out.Messages ?? [];
    for (const m of messages) {
      bodies.push(m.Body ?? '');
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
    if (messages.length === 0 && (enough || Date.now() > until)) return bodies;
  }
}

export const EnvelopeSchema = z.looseObject({
  id: z.string(),
  source: z.string(),
  'detail-type': z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

/**
 * An EventBridge event as an SQS target receives it: the event itself is the body. moto leaves the
 * `account` field out of what it sends a target (DEFAULT_EVENT_INPUT_TEMPLATE in moto/events/utils.py);
 * EventBridge always sets it (https://docs.aws.amazon.com/eventbridge/latest/ref/events-structure.html),
 * and the notifiers require it, so it is put back: the account that owns the bus.
 */
export function parseEnvelope(body: string, busAccount: string): Envelope {
  const event = EnvelopeSchema.parse(JSON.parse(body));
  return 'account' in event ? event : { ...event, account: busAccount };
}
