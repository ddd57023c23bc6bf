import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { runCli } from '../helpers/cli.ts';
import { startRecorder } from '../helpers/http.ts';
import { startSlackWebApi } from './kit/slack-web-api.ts';

const sns = mockClient(SNSClient);
const EVENT = 'events/s3/put-bucket-acl-public-read.json';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-dev-alerts';
const WEBHOOK_TOKEN = 'local-secret-token';

interface Line {
  notifications: Array<{ receiver: string; delivery: string; body: unknown }>;
}

function deliveries(stdout: string): Array<[string, string]> {
  const line: Line = JSON.parse(stdout.trim());
  return line.notifications.map((n) => [n.receiver, n.delivery]);
}

let dir: string;
beforeAll(() => {
  process.env.AWS_REGION = 'eu-west-1';
  dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-replay-send-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('cloud-alerts replay --send', () => {
  it('delivers to each receiver with secrets from the environment and reports each outcome', async () => {
    const slack = await startRecorder();
    try {
      const { code, stdout, stderr } = await runCli(['replay', EVENT, '--json', '--send'], {
        env: {
          CLOUD_ALERTS_SECRET_SLACK_DEFAULT: `${slack.url}/services/T1/B1/${WEBHOOK_TOKEN}`,
          ALERTS_TOPIC_ARN: TOPIC,
        },
      });
      expect(deliveries(stdout)).toEqual([
        ['slack-default', 'delivered'],
        [
          'pagerduty-default',
          'pagerduty delivery failed: receiver pagerduty-default: no routing key: CLOUD_ALERTS_SECRET_PAGERDUTY_DEFAULT is not set (set it to the value of SSM parameter /cloud-alerts/dev/pagerduty/default), permanent',
        ],
        ['email-default', 'delivered'],
      ]);
      // One delivery failed: the run says so and fails, though the other two went out.
      expect(code).toBe(1);
      expect(stderr).toBe('replay: 1 of 3 deliveries failed\n');
      expect(slack.received.map((r) => r.path)).toEqual([`/services/T1/B1/${WEBHOOK_TOKEN}`]);
      const line: Line = JSON.parse(stdout.trim());
      expect(JSON.parse(slack.received[0]?.body ?? '{}')).toEqual(line.notifications[0]?.body);
      expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC });
      expect(`${stdout}${stderr}`).not.toContain(WEBHOOK_TOKEN);
    } finally {
      await slack.close();
    }
  });

  it('counts a receiver that answers with an error as failed, in the summary and the exit code', async () => {
    const slack = await startRecorder((_req, res) => {
      res.writeHead(500).end('internal_error');
    });
    try {
      const { code, stdout } = await runCli(['replay', EVENT, '--send'], {
        env: {
          CLOUD_ALERTS_SECRET_SLACK_DEFAULT: `${slack.url}/services/T1/B1/${WEBHOOK_TOKEN}`,
          ALERTS_TOPIC_ARN: TOPIC,
        },
      });
      expect(code).toBe(1);
      expect(slack.received).toHaveLength(1);
      expect(stdout).toContain('→ slack slack-default (slack delivery failed: HTTP 500');
      expect(stdout).toContain('CLOUD_ALERTS_SECRET_PAGERDUTY_DEFAULT is not set');
      expect(stdout).toMatch(
        /\n1 event\(s\), 1 alert\(s\), 3 notification\(s\), 0 error\(s\) \(sent: 1 delivered, 2 failed\)\n$/,
      );
      expect(stdout).not.toContain(WEBHOOK_TOKEN);
    } finally {
      await slack.close();
    }
  });

  it('exits 0 when every delivery went out', async () => {
    const config = join(dir, 'slack-and-email.yml');
    writeFileSync(
      config,
      `receivers:
  - name: slack-team
    slack: { webhookUrlParameter: /cloud-alerts/\${stage}/slack/team }
  - name: email-team
    email: { topicArn: stack }
route: { receivers: [slack-team, email-team] }
`,
    );
    const slack = await startRecorder();
    try {
      const { code, stdout, stderr } = await runCli(['replay', EVENT, '--send', '--config', config], {
        env: {
          CLOUD_ALERTS_SECRET_SLACK_TEAM: `${slack.url}/services/T1/B1/${WEBHOOK_TOKEN}`,
          ALERTS_TOPIC_ARN: TOPIC,
        },
      });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/\(sent: 2 delivered, 0 failed\)\n$/);
      expect(slack.received).toHaveLength(1);
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    } finally {
      await slack.close();
    }
  });

  it('publishes to no guessed topic: without ALERTS_TOPIC_ARN the e-mail delivery fails and names it', async () => {
    const slack = await startRecorder();
    try {
      const { code, stdout } = await runCli(['replay', EVENT, '--json', '--send'], {
        env: { CLOUD_ALERTS_SECRET_SLACK_DEFAULT: `${slack.url}/services/T1/B1/${WEBHOOK_TOKEN}` },
      });
      expect(code).toBe(1);
      expect(deliveries(stdout)).toContainEqual([
        'email-default',
        'email delivery failed: receiver email-default: no topic ARN (ALERTS_TOPIC_ARN is not set), permanent',
      ]);
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    } finally {
      await slack.close();
    }
  });

  it('names the variable for a missing Slack webhook, and sends nothing for that receiver', async () => {
    const slack = await startRecorder();
    try {
      const { code, stdout } = await runCli(['replay', EVENT, '--json', '--send'], {
        env: { ALERTS_TOPIC_ARN: TOPIC },
      });
      expect(code).toBe(1);
      expect(deliveries(stdout)).toContainEqual([
        'slack-default',
        'slack delivery failed: receiver slack-default: no webhook URL: CLOUD_ALERTS_SECRET_SLACK_DEFAULT is not set (set it to the value of SSM parameter /cloud-alerts/dev/slack/default), permanent',
      ]);
      expect(slack.received).toEqual([]);
    } finally {
      await slack.close();
    }
  });

  describe('a Slack app receiver', () => {
    const BOT_TOKEN = 'xoxb-123456789012-1234567890123-ReplaySendToken42';
    const appConfig = () => {
      const file = join(dir, 'slack-app.yml');
      writeFileSync(
        file,
        `receivers:
  - name: slack-app
    slack: { botTokenParameter: /cloud-alerts/\${stage}/slack/bot, channel: C0123ABCDEF }
route: { receivers: [slack-app] }
`,
      );
      return file;
    };

    it('shows the chat.postMessage body and what later alerts of its key do, without --send', async () => {
      const { code, stdout } = await runCli(['replay', EVENT, '--config', appConfig()]);
      expect(code).toBe(0);
      expect(stdout).toContain(
        '(Slack app: chat.postMessage to channel C0123ABCDEF; a repeat replies in its thread, a resolve updates the original message and replies in the thread)',
      );
      const json = await runCli(['replay', EVENT, '--json', '--config', appConfig()]);
      const line: Line = JSON.parse(json.stdout.trim());
      expect(line.notifications[0]?.body).toMatchObject({
        channel: 'C0123ABCDEF',
        unfurl_links: false,
        unfurl_media: false,
      });
    });

    it('posts with the bot token from the environment to the stand-in, exactly the body shown', async () => {
      const api = await startSlackWebApi({ tokens: [BOT_TOKEN], channels: ['C0123ABCDEF'], now: Date.now });
      try {
        const { code, stdout, stderr } = await runCli(
          ['replay', EVENT, '--json', '--send', '--config', appConfig()],
          {
            env: { CLOUD_ALERTS_SECRET_SLACK_APP: BOT_TOKEN, SLACK_API_URL: api.baseUrl },
          },
        );
        expect(deliveries(stdout)).toEqual([['slack-app', 'delivered']]);
        expect(code).toBe(0);
        expect(api.requests.map((r) => r.method)).toEqual(['chat.postMessage']);
        const line: Line = JSON.parse(stdout.trim());
        expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual(line.notifications[0]?.body);
        expect(`${stdout}${stderr}`).not.toContain(BOT_TOKEN);
      } finally {
        await api.close();
      }
    });

    it('names the variable for a missing bot token', async () => {
      const { code, stdout } = await runCli(['replay', EVENT, '--json', '--send', '--config', appConfig()]);
      expect(code).toBe(1);
      expect(deliveries(stdout)).toEqual([
        [
          'slack-app',
          'slack delivery failed: receiver slack-app: no bot token: CLOUD_ALERTS_SECRET_SLACK_APP is not set (set it to the value of SSM parameter /cloud-alerts/dev/slack/bot), permanent',
        ],
      ]);
    });
  });

  it('a dry run exits 0 and sends nothing, with no secret set', async () => {
    const { code, stdout } = await runCli(['replay', EVENT]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\(dry-run: nothing sent; --send delivers\)\n$/);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });
});
