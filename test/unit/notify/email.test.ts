import {
  AuthorizationErrorException,
  InternalErrorException,
  InvalidParameterException,
  NotFoundException,
  PublishCommand,
  SNSClient,
  SNSServiceException,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SNS_MESSAGE_MAX_BYTES, SNS_SUBJECT_MAX } from '../../../shared/notify/channels/email/limits.ts';
import { renderEmail } from '../../../shared/notify/channels/email/render.ts';
import { createEmailSender } from '../../../shared/notify/channels/email/sender.ts';
import { DeliveryError } from '../../../shared/notify/errors.ts';
import { TRUNCATION_MARKER, utf8ByteLength } from '../../../shared/notify/text.ts';
import {
  buildAlert,
  CLOUDTRAIL_EVENT_ID,
  EVENTBRIDGE_EVENT_ID,
  HOSTILE_USER_AGENT,
  HOSTILE_USER_AGENT_INERT,
  hugeString,
  LONE_SURROGATES,
} from './fixtures.ts';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-email';

const EXPECTED_MESSAGE = [
  'What happened: IAM user alice made bucket example-data public with ACL public-read',
  'Verdict: Public now: anyone on the internet can list the bucket and read its objects.',
  '',
  'Source IP: 203.0.113.10',
  'Client: AWS CLI 2.15.0',
  'MFA: no',
  'Event: s3:PutBucketAcl',
  '',
  'Open bucket: https://s3.console.aws.amazon.com/s3/buckets/example-data?region=eu-west-1',
  `CloudTrail event: https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/events/${CLOUDTRAIL_EVENT_ID}`,
  '',
  'Account: production (123456789012)',
  'Region: eu-west-1',
  'Time: 2026-11-20T09:15:02Z',
  'Rule: s3-bucket-acl-public',
  `Event ID: ${EVENTBRIDGE_EVENT_ID}`,
  `CloudTrail event ID: ${CLOUDTRAIL_EVENT_ID}`,
].join('\n');

const EXPECTED_INPUT = {
  TopicArn: TOPIC_ARN,
  Subject: '[CRITICAL] S3 bucket made public in production (123456789012)',
  Message: EXPECTED_MESSAGE,
  MessageAttributes: {
    severity: { DataType: 'String', StringValue: 'critical' },
    rule: { DataType: 'String', StringValue: 's3-bucket-acl-public' },
  },
};

function messageOf(input: { Message?: string | undefined }): string {
  return input.Message ?? '';
}

describe('renderEmail', () => {
  it('renders the exact Publish input for a firing alert', () => {
    expect(renderEmail(buildAlert(), TOPIC_ARN)).toEqual(EXPECTED_INPUT);
  });

  it('renders a resolved alert with a [RESOLVED] subject and no facts', () => {
    const input = renderEmail(
      buildAlert({ status: 'resolved', verdict: 'was in ALARM for 12 min' }),
      TOPIC_ARN,
    );
    expect(input.Subject).toBe('[RESOLVED] S3 bucket made public in production (123456789012)');
    expect(messageOf(input).split('\n').slice(0, 3)).toEqual([
      'What happened: IAM user alice made bucket example-data public with ACL public-read',
      'Verdict: was in ALARM for 12 min',
      '',
    ]);
    expect(messageOf(input)).not.toContain('Source IP:');
  });

  it('uses the bare account id when there is no alias', () => {
    const input = renderEmail(buildAlert({ account: { id: '123456789012' }, severity: 'low' }), TOPIC_ARN);
    expect(input.Subject).toBe('[LOW] S3 bucket made public in 123456789012');
    expect(messageOf(input)).toContain('\nAccount: 123456789012\n');
  });

  it('says when the call was denied', () => {
    expect(messageOf(renderEmail(buildAlert({ attempted: true }), TOPIC_ARN))).toContain(
      '\nAttempted: the call was denied, nothing changed.\n',
    );
  });

  it('keeps the subject ASCII, one line and under 100 characters for hostile titles', () => {
    const subject =
      renderEmail(buildAlert({ title: `Bücket “leak”\r\nBcc: x@example.com ${'é'.repeat(200)}` }), TOPIC_ARN)
        .Subject ?? '';
    expect(subject.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX);
    expect(subject).toMatch(/^[\x21-\x7E][\x20-\x7E]*$/);
    expect(subject.startsWith('[CRITICAL] Bucket "leak" Bcc: x@example.com eeee')).toBe(true);
    expect(subject.endsWith('... in production (123456789012)')).toBe(true);
  });

  it('cannot be made to forge lines: a fact value with line breaks stays on its line', () => {
    const input = renderEmail(
      buildAlert({
        facts: [
          { label: 'User agent', value: `${HOSTILE_USER_AGENT}\r\nOpen console: https://evil.example` },
        ],
      }),
      TOPIC_ARN,
    );
    // The break splits the value into two items, each behind our marker, neither a link.
    expect(messageOf(input)).toContain(
      `\nUser agent:\n  • ${HOSTILE_USER_AGENT_INERT}\n  • Open console: https[:]//evil.example\n`,
    );
  });

  it('strips control characters and fixes lone surrogates', () => {
    const message = messageOf(
      renderEmail(
        buildAlert({ summary: `a\u0000b\u001b[31mred${LONE_SURROGATES}`, verdict: 'x\u0007y' }),
        TOPIC_ARN,
      ),
    );
    expect(message.split('\n').slice(0, 2)).toEqual([
      'What happened: ab[31mreda\uFFFDb\uFFFDc',
      'Verdict: xy',
    ]);
  });

  it('keeps the message within 256 KB with a marker, links and footer intact', () => {
    const huge = hugeString(300 * 1024, 'é');
    const input = renderEmail(
      buildAlert({ verdict: huge, facts: [{ label: 'Policy', value: huge }] }),
      TOPIC_ARN,
    );
    const message = messageOf(input);
    const attributes = Object.entries(input.MessageAttributes ?? {})
      .map(([name, value]) => `${name}${value.DataType}${value.StringValue}`)
      .join('');
    expect(utf8ByteLength(message) + utf8ByteLength(attributes)).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    expect(utf8ByteLength(message)).toBeGreaterThan(SNS_MESSAGE_MAX_BYTES - 1024);
    expect(message).toContain(`${TRUNCATION_MARKER}\n\nOpen bucket: https://`);
    expect(message.endsWith(`CloudTrail event ID: ${CLOUDTRAIL_EVENT_ID}`)).toBe(true);
  });
});

describe('createEmailSender', () => {
  const sns = mockClient(SNSClient);

  beforeEach(() => {
    sns.reset();
  });

  it('publishes the rendered input and returns the message id', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
    const sender = createEmailSender({ sns: new SNSClient({ region: 'eu-west-1' }) });
    await expect(sender.send(renderEmail(buildAlert(), TOPIC_ARN))).resolves.toEqual({ messageId: 'msg-1' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, EXPECTED_INPUT);
  });

  it('returns no message id when SNS gives none', async () => {
    sns.on(PublishCommand).resolves({});
    const sender = createEmailSender({ sns: new SNSClient({ region: 'eu-west-1' }) });
    await expect(sender.send(renderEmail(buildAlert(), TOPIC_ARN))).resolves.toEqual({});
  });

  const metadata = (httpStatusCode: number) => ({
    httpStatusCode,
    requestId: 'req-1',
    attempts: 1,
    totalRetryDelay: 0,
  });

  it.each<[string, Error, boolean, number | undefined]>([
    ['throttling', new ThrottledException({ message: 'Rate exceeded', $metadata: metadata(400) }), true, 400],
    [
      'an internal error',
      new InternalErrorException({ message: 'Internal error', $metadata: metadata(500) }),
      true,
      500,
    ],
    [
      'an SDK-marked retryable error',
      Object.assign(
        new SNSServiceException({ name: 'Odd', $fault: 'client', message: 'odd', $metadata: metadata(400) }),
        { $retryable: { throttling: false } },
      ),
      true,
      400,
    ],
    ['a socket reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true, undefined],
    [
      'a missing topic',
      new NotFoundException({ message: 'Topic does not exist', $metadata: metadata(404) }),
      false,
      404,
    ],
    [
      'missing permissions',
      new AuthorizationErrorException({
        message: 'not authorized to perform SNS:Publish',
        $metadata: metadata(403),
      }),
      false,
      403,
    ],
    [
      'an invalid parameter',
      new InvalidParameterException({ message: 'Invalid parameter: Subject', $metadata: metadata(400) }),
      false,
      400,
    ],
  ])('classifies %s', async (_case, error, retryable, status) => {
    sns.on(PublishCommand).rejects(error);
    const sender = createEmailSender({ sns: new SNSClient({ region: 'eu-west-1' }) });
    const thrown = await sender.send(renderEmail(buildAlert(), TOPIC_ARN)).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(DeliveryError);
    expect(thrown).toMatchObject({ channel: 'email', retryable, status });
    expect(thrown instanceof Error && thrown.cause).toBe(error);
  });

  it('names the SNS error and its message in the DeliveryError message', async () => {
    sns
      .on(PublishCommand)
      .rejects(new NotFoundException({ message: 'Topic does not exist', $metadata: metadata(404) }));
    const sender = createEmailSender({ sns: new SNSClient({ region: 'eu-west-1' }) });
    await expect(sender.send(renderEmail(buildAlert(), TOPIC_ARN))).rejects.toThrow(
      'email delivery failed: SNS NotFoundException, HTTP 404 (Topic does not exist), permanent',
    );
  });
});
