/** The e-mail channel's sender: SNS Publish with errors classified as retryable or permanent. */
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { TRANSIENT_NETWORK_CODES } from '../../../util/network.ts';
import { DeliveryError, errorIdentity } from '../../errors.ts';
import { oneLine, truncate } from '../../text.ts';
import type { ChannelSender } from '../types.ts';
import type { EmailSettings } from './settings.ts';

const THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'KMSThrottlingException',
]);

const TRANSIENT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError']);

function httpStatusOf(e: unknown): number | undefined {
  const metadata: unknown = typeof e === 'object' && e !== null ? Reflect.get(e, '$metadata') : undefined;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const status: unknown = Reflect.get(metadata, 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

function sdkSaysRetryable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && Boolean(Reflect.get(e, '$retryable'));
}

/** Throttling, 5xx, the SDK's own `$retryable` and socket trouble retry; everything else is permanent. */
export function classifySnsError(e: unknown): DeliveryError {
  const { name, code } = errorIdentity(e);
  const status = httpStatusOf(e);
  const retryable =
    sdkSaysRetryable(e) ||
    (name !== undefined && (THROTTLING_NAMES.has(name) || TRANSIENT_NAMES.has(name))) ||
    (code !== undefined && TRANSIENT_NETWORK_CODES.has(code)) ||
    status === 429 ||
    (status !== undefined && status >= 500);
  const message = e instanceof Error ? truncate(oneLine(e.message), 200, '…') : '';
  const what = [name ?? 'Error', status === undefined ? undefined : `HTTP ${status}`]
    .filter(Boolean)
    .join(', ');
  return new DeliveryError({
    channel: 'email',
    retryable,
    reason: message === '' || message === name ? `SNS ${what}` : `SNS ${what} (${message})`,
    status,
    cause: e,
  });
}

export interface EmailSenderOptions {
  /** The function's own region's client by default. */
  sns?: SNSClient | undefined;
}

export interface EmailSender {
  send(input: PublishCommandInput): Promise<{ messageId?: string }>;
}

export function createEmailSender(options: EmailSenderOptions = {}): EmailSender {
  const sns = options.sns ?? new SNSClient({});
  return {
    async send(input) {
      try {
        const output = await sns.send(new PublishCommand(input));
        return output.MessageId === undefined ? {} : { messageId: output.MessageId };
      } catch (e) {
        throw classifySnsError(e);
      }
    },
  };
}

/** The plug-in's sender over an SNS publisher: the topic is in the body. */
export function emailChannelSender(client: EmailSender): ChannelSender<PublishCommandInput, EmailSettings> {
  return {
    async send(body) {
      await client.send(body);
    },
  };
}
