import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../helpers/cli.ts';

const ROUTING_KEY = 'R0UTINGKEYreplaySecret0123456789';
const WEBHOOK_TOKEN = 'replay-secret-webhook-token';
const WEBHOOK_URL = `https://hooks.slack.invalid/services/T1/B1/${WEBHOOK_TOKEN}`;
const EVENT = 'events/s3/put-bucket-acl-public-read.json';
const ENV = {
  CLOUD_ALERTS_SECRET_PAGERDUTY_DEFAULT: ROUTING_KEY,
  CLOUD_ALERTS_SECRET_SLACK_DEFAULT: WEBHOOK_URL,
  ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-dev-alerts',
};

const sns = mockClient(SNSClient);

/** Stands in for Slack and PagerDuty; `answer` decides each reply. Returns every request body sent. */
function fakeVendors(answer: (url: string) => Response): string[] {
  const bodies: string[] = [];
  jest.spyOn(globalThis, 'fetch').mockImplementation(async (url, init) => {
    bodies.push(String(init?.body));
    return answer(String(url));
  });
  return bodies;
}

describe('replay never prints a secret', () => {
  beforeAll(() => {
    process.env.AWS_REGION = 'eu-west-1';
  });
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['--json --send', ['--json', '--send']],
    ['--send (text)', ['--send']],
  ])('%s: the routing key goes to PagerDuty and nowhere in the output', async (_mode, flags) => {
    const sent = fakeVendors((url) =>
      url.includes('pagerduty') ? new Response('{"status":"success"}', { status: 202 }) : new Response('ok'),
    );
    const { code, stdout, stderr } = await runCli(['replay', EVENT, ...flags], { env: ENV });
    expect(code).toBe(0);
    // The key was really used, so its absence below is not an accident of the run.
    expect(sent.some((body) => body.includes(ROUTING_KEY))).toBe(true);
    expect(stdout).toContain('delivered');
    expect(`${stdout}${stderr}`).not.toContain(ROUTING_KEY);
    expect(`${stdout}${stderr}`).not.toContain(WEBHOOK_TOKEN);
  });

  it('--json --send shows the PagerDuty body with the SSM parameter in place of the key', async () => {
    fakeVendors(() => new Response('{"status":"success"}', { status: 202 }));
    const { stdout } = await runCli(['replay', EVENT, '--json', '--send'], { env: ENV });
    const line = JSON.parse(stdout.trim());
    const pagerduty = line.notifications.find((n: { channel: string }) => n.channel === 'pagerduty');
    expect(pagerduty.delivery).toBe('delivered');
    expect(pagerduty.body.routing_key).toMatch(/^<routing key from SSM \/.+>$/);
    expect(pagerduty.body.event_action).toBe('trigger');
  });

  it('a vendor answer that echoes the key does not bring it into the output', async () => {
    fakeVendors((url) =>
      url.includes('pagerduty')
        ? new Response(`{"status":"invalid event","errors":["routing_key ${ROUTING_KEY} unknown"]}`, {
            status: 400,
          })
        : new Response('ok'),
    );
    const { stdout, stderr } = await runCli(['replay', EVENT, '--json', '--send'], { env: ENV });
    const line = JSON.parse(stdout.trim());
    const pagerduty = line.notifications.find((n: { channel: string }) => n.channel === 'pagerduty');
    expect(pagerduty.delivery).toMatch(/^pagerduty delivery failed: HTTP 400/);
    expect(`${stdout}${stderr}`).not.toContain(ROUTING_KEY);
  });

  it('a dry run, with the secrets in the environment, shows only the placeholders', async () => {
    const sent = fakeVendors(() => new Response('ok'));
    const { stdout, stderr } = await runCli(['replay', EVENT, '--json'], { env: ENV });
    expect(sent).toEqual([]);
    expect(stdout).toContain('<routing key from SSM ');
    expect(`${stdout}${stderr}`).not.toContain(ROUTING_KEY);
    expect(`${stdout}${stderr}`).not.toContain(WEBHOOK_TOKEN);
  });
});
