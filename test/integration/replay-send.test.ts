import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { runCli } from '../helpers/cli.ts';
import { startRecorder } from '../helpers/http.ts';

const sns = mockClient(SNSClient);

describe('cloud-alerts replay --send', () => {
  beforeAll(() => {
    process.env.AWS_REGION = 'eu-west-1';
  });
  beforeEach(() => sns.reset());

  it('delivers to each receiver with secrets from the environment and reports each outcome', async () => {
    const slack = await startRecorder();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    try {
      const { code, stdout } = await runCli(
        ['replay', 'events/s3/put-bucket-acl-public-read.json', '--json', '--send'],
        {
          env: {
            CLOUD_ALERTS_SECRET_SLACK_DEFAULT: `${slack.url}/services/T1/B1/local-secret`,
            ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-dev-alerts',
          },
        },
      );
      const line = JSON.parse(stdout.trim());
      expect(code).toBe(0);
      expect(
        line.notifications.map((n: { receiver: string; delivery: string }) => [n.receiver, n.delivery]),
      ).toEqual([
        ['slack-default', 'delivered'],
        [
          'pagerduty-default',
          'pagerduty delivery failed: receiver pagerduty-default: routing key not available, permanent',
        ],
        ['email-default', 'delivered'],
      ]);
      expect(slack.received.map((r) => r.path)).toEqual(['/services/T1/B1/local-secret']);
      expect(JSON.parse(slack.received[0]?.body ?? '{}')).toEqual(line.notifications[0].body);
      expect(sns).toHaveReceivedCommandWith(PublishCommand, {
        TopicArn: 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-dev-alerts',
      });
      expect(stdout).not.toContain('local-secret');
    } finally {
      await slack.close();
    }
  });
});
