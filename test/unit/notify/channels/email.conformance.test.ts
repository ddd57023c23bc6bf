/**
 * E-mail through SNS Publish and the channel conformance kit (test/kit/channel-conformance.ts). SNS is
 * no HTTP vendor the kit can stand in for: the transport is an SNS client whose Publish answers each
 * outcome as SNS does (aws-sdk-client-mock), and classifySnsError must sort those answers as the
 * retry table says. Run twice, so both SNS's own refusals and those of the topic's KMS key are held
 * to it.
 */
import {
  AuthorizationErrorException,
  InternalErrorException,
  InvalidParameterException,
  KMSAccessDeniedException,
  KMSThrottlingException,
  NotFoundException,
  PublishCommand,
  type PublishCommandInput,
  SNSClient,
  SNSServiceException,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { email } from '../../../../shared/notify/channels/email/index.ts';
import { SNS_MESSAGE_MAX_BYTES } from '../../../../shared/notify/channels/email/limits.ts';
import { createEmailSender, emailChannelSender } from '../../../../shared/notify/channels/email/sender.ts';
import { utf8ByteLength } from '../../../../shared/notify/text.ts';
import {
  type ConformanceSubject,
  describeChannelConformance,
  type Outcome,
} from '../../../kit/channel-conformance.ts';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:security-alerts';

const metadata = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: 'kit-request',
  attempts: 1,
  totalRetryDelay: 0,
});

/** A service error SNS's model has no class for, as the SDK builds it from the wire. */
function serviceError(name: string, status: number, fault: 'client' | 'server'): SNSServiceException {
  return new SNSServiceException({ name, $fault: fault, message: name, $metadata: metadata(status) });
}

function networkError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * What Publish throws for each outcome (`accepted` publishes), in two columns: SNS's own refusals,
 * then those of the topic's customer managed key, a topic that is gone and the network.
 */
const REFUSALS: Record<Exclude<Outcome, 'accepted'>, [sns: () => Error, kmsTopicNetwork: () => Error]> = {
  rejected: [
    () => new InvalidParameterException({ message: 'Invalid parameter: Subject', $metadata: metadata(400) }),
    () => new NotFoundException({ message: 'Topic does not exist', $metadata: metadata(404) }),
  ],
  unauthorized: [
    () =>
      new AuthorizationErrorException({
        message: 'User is not authorized to perform: SNS:Publish',
        $metadata: metadata(403),
      }),
    () =>
      new KMSAccessDeniedException({
        message: 'The ciphertext references a key that you do not have access to',
        $metadata: metadata(400),
      }),
  ],
  throttled: [
    () => new ThrottledException({ message: 'Rate exceeded', $metadata: metadata(400) }),
    () => new KMSThrottlingException({ message: 'Rate exceeded', $metadata: metadata(400) }),
  ],
  'throttled-date': [
    () => serviceError('Throttling', 400, 'client'),
    () => serviceError('TooManyRequestsException', 429, 'client'),
  ],
  'server-error': [
    () => new InternalErrorException({ message: 'Internal error', $metadata: metadata(500) }),
    () => serviceError('InternalFailure', 500, 'server'),
  ],
  unavailable: [
    () => serviceError('ServiceUnavailable', 503, 'server'),
    () => serviceError('ServiceUnavailableException', 503, 'server'),
  ],
  timeout: [
    () => Object.assign(new Error('Connection timed out after 300 ms'), { name: 'TimeoutError' }),
    () => networkError('connect ETIMEDOUT 52.94.0.1:443', 'ETIMEDOUT'),
  ],
  reset: [() => networkError('socket hang up', 'ECONNRESET'), () => networkError('write EPIPE', 'EPIPE')],
};

/** SNS's limit counts the message and its attributes (limits.ts); the subject has its own. */
function snsMessageBytes(input: PublishCommandInput): number {
  let bytes = utf8ByteLength(input.Message ?? '');
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    bytes +=
      utf8ByteLength(name) + utf8ByteLength(value.DataType ?? '') + utf8ByteLength(value.StringValue ?? '');
  }
  return bytes;
}

function emailSubject(column: 0 | 1): ConformanceSubject<{ topicArn: string }, PublishCommandInput> {
  const published: PublishCommandInput[] = [];
  return {
    plugin: email,
    receiver: () => ({ settings: { topicArn: TOPIC_ARN }, secret: undefined }),
    transport: {
      senderFor(outcome) {
        const sns = new SNSClient({ region: 'eu-west-1' });
        const publish = mockClient(sns).on(PublishCommand);
        if (outcome === 'accepted') {
          publish.callsFake((input: PublishCommandInput) => {
            published.push(input);
            return { MessageId: `kit-${published.length}` };
          });
        } else {
          publish.rejects(REFUSALS[outcome][column]());
        }
        // The plug-in's own sender, over this client instead of the function's.
        return emailChannelSender(createEmailSender({ sns }));
      },
      sent: () => published,
    },
    visibleText: (input) => [input.Subject ?? '', input.Message ?? ''],
    // Plain text: no markup to switch on. What a mail client does by itself (links from URLs, lines
    // that look like ours) is what the kit's own rules check.
    activeMarkup: [],
    maxBodyBytes: SNS_MESSAGE_MAX_BYTES,
    measure: snsMessageBytes,
  };
}

describeChannelConformance('email (SNS refusals)', emailSubject(0));
describeChannelConformance('email (KMS key, topic and network refusals)', emailSubject(1));
