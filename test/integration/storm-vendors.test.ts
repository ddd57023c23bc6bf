import { SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../../shared/events/alert.ts';
import { renderEmail } from '../../shared/notify/channels/email/render.ts';
import { createEmailSender } from '../../shared/notify/channels/email/sender.ts';
import { renderPagerDuty } from '../../shared/notify/channels/pagerduty/render.ts';
import { createPagerDutySender } from '../../shared/notify/channels/pagerduty/sender.ts';
import { renderSlack } from '../../shared/notify/channels/slack/render.ts';
import { createSlackSender } from '../../shared/notify/channels/slack/sender.ts';
import { deliveryFailure } from '../helpers/delivery.ts';
import { buildAlert } from '../unit/notify/fixtures.ts';
import {
  busiestWindow,
  type PagerDutyStandIn,
  type SlackStandIn,
  type SnsStandIn,
  startPagerDutyStandIn,
  startSlackStandIn,
  startSnsStandIn,
} from './kit/vendors.ts';

const ROUTING_KEY = 'R0UT1NGKEYST0RM0123456789abcdef0';
const OTHER_KEY = 'R0UT1NGKEYST0RM0123456789abcdef1';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-storm-alerts';

/** The stand-ins' clock, moved by hand so limits are tested without waiting. */
let t = 1_790_000_000_000;
const now = () => t;

function alert(n: number, overrides: Partial<Alert> = {}): Alert {
  return buildAlert({ id: `storm-${n}`, dedupKey: `cloud-alerts/storm/${n}`, ...overrides });
}

describe('Slack stand-in', () => {
  let slack: SlackStandIn;
  const sender = createSlackSender({ timeoutMs: 5000 });
  beforeEach(async () => {
    slack = await startSlackStandIn({ now });
  });
  afterEach(() => slack.close());

  it('takes a burst of 3, refuses the 4th with 429 and Retry-After 1, and takes one more a second later', async () => {
    const url = slack.webhookUrl('hook-a');
    for (let n = 0; n < 3; n++) await sender.send(url, renderSlack(alert(n)));
    const refused = await deliveryFailure(sender.send(url, renderSlack(alert(3))));
    expect(refused).toMatchObject({ retryable: true, status: 429, retryAfterMs: 1000 });
    t += 1000;
    await sender.send(url, renderSlack(alert(4)));
    await expect(sender.send(url, renderSlack(alert(5)))).rejects.toMatchObject({ status: 429 });
    expect(slack.accepted()).toHaveLength(4);
    expect(slack.throttled()).toHaveLength(2);
  });

  it('keeps one bucket per webhook', async () => {
    for (let n = 0; n < 3; n++) await sender.send(slack.webhookUrl('hook-a'), renderSlack(alert(n)));
    await sender.send(slack.webhookUrl('hook-b'), renderSlack(alert(9)));
    expect(slack.accepted().map((c) => c.key)).toEqual([
      ...Array(3).fill('/services/T0STORM00/B0STORM00/hook-a'),
      '/services/T0STORM00/B0STORM00/hook-b',
    ]);
  });

  it('refills at one token a second, never above the burst', async () => {
    const url = slack.webhookUrl('hook-c');
    t += 60_000;
    for (let n = 0; n < 3; n++) await sender.send(url, renderSlack(alert(n)));
    await expect(sender.send(url, renderSlack(alert(3)))).rejects.toMatchObject({ status: 429 });
    t += 2500;
    await sender.send(url, renderSlack(alert(4)));
    await sender.send(url, renderSlack(alert(5)));
    const refused = await deliveryFailure(sender.send(url, renderSlack(alert(6))));
    // Half a token left: the next one is there in half a second, said as a whole second.
    expect(refused.retryAfterMs).toBe(1000);
  });

  it('answers 400 invalid_payload, not 200, to a body that is not a Slack message', async () => {
    const refused = await deliveryFailure(
      createSlackSender({ timeoutMs: 5000 }).send(slack.webhookUrl('hook-d'), {
        blocks: 'nope',
      } as never),
    );
    expect(refused).toMatchObject({ retryable: false, status: 400 });
  });
});

describe('PagerDuty stand-in', () => {
  let pagerduty: PagerDutyStandIn;
  beforeEach(async () => {
    pagerduty = await startPagerDutyStandIn({ now });
  });
  afterEach(() => pagerduty.close());

  it('takes 120 events per routing key in 60 s, refuses the 121st with 429 and no Retry-After, and takes more as the window rolls', async () => {
    const sender = createPagerDutySender({ url: pagerduty.eventsUrl, timeoutMs: 5000 });
    for (let n = 0; n < 120; n++) {
      await sender.send(renderPagerDuty(alert(n), ROUTING_KEY));
      if (n === 59) t += 30_000;
    }
    const refused = await deliveryFailure(sender.send(renderPagerDuty(alert(120), ROUTING_KEY)));
    expect(refused).toMatchObject({ retryable: true, status: 429, retryAfterMs: undefined });
    // Another integration key has its own limit.
    await sender.send(renderPagerDuty(alert(121), OTHER_KEY));
    // 60 s after the first 60 events, they leave the window; the 60 taken 30 s later still count.
    t += 30_000;
    for (let n = 0; n < 60; n++) await sender.send(renderPagerDuty(alert(200 + n), ROUTING_KEY));
    await expect(sender.send(renderPagerDuty(alert(300), ROUTING_KEY))).rejects.toMatchObject({
      status: 429,
    });
    expect(pagerduty.accepted()).toHaveLength(181);
    expect(pagerduty.throttled()).toHaveLength(2);
  });

  it('keeps incidents by dedup key: a trigger opens, a repeat updates, a resolve closes', async () => {
    const sender = createPagerDutySender({ url: pagerduty.eventsUrl, timeoutMs: 5000 });
    await sender.send(renderPagerDuty(alert(1, { dedupKey: 'group/a' }), ROUTING_KEY));
    await sender.send(renderPagerDuty(alert(2, { dedupKey: 'group/a' }), ROUTING_KEY));
    await sender.send(renderPagerDuty(alert(3, { dedupKey: 'group/b' }), ROUTING_KEY));
    await sender.send(renderPagerDuty(alert(4, { dedupKey: 'group/a', status: 'resolved' }), ROUTING_KEY));
    expect(pagerduty.incidentsOpened()).toBe(2);
    expect(pagerduty.incidents().get('group/a')).toEqual({ dedupKey: 'group/a', triggers: 2, open: false });
    expect(pagerduty.incidents().get('group/b')?.open).toBe(true);
  });

  it('refuses a malformed event with 400 and does not count it against the limit', async () => {
    const sender = createPagerDutySender({ url: pagerduty.eventsUrl, timeoutMs: 5000 });
    const bad = { ...renderPagerDuty(alert(1), ROUTING_KEY), routing_key: 'short' };
    const refused = await deliveryFailure(sender.send(bad));
    expect(refused).toMatchObject({ retryable: false, status: 400 });
    // The routing key never appears in the error, even when the stand-in quotes the field.
    expect(refused.message).not.toContain(ROUTING_KEY);
    expect(pagerduty.accepted()).toHaveLength(0);
  });
});

describe('SNS stand-in', () => {
  let sns: SnsStandIn;
  let client: SNSClient;
  beforeEach(async () => {
    sns = await startSnsStandIn({ now });
    client = new SNSClient({
      endpoint: sns.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDSTORMTEST', secretAccessKey: 'storm-test-secret' },
      maxAttempts: 1,
    });
  });
  afterEach(async () => {
    client.destroy();
    await sns.close();
  });

  it('takes a Publish from the SDK client and records subject, message and attributes', async () => {
    const sender = createEmailSender({ sns: client });
    const input = renderEmail(alert(1, { severity: 'high' }), TOPIC);
    const out = await sender.send(input);
    expect(out.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sns.published).toEqual([
      {
        at: t,
        topicArn: TOPIC,
        subject: input.Subject,
        message: input.Message,
        attributes: { severity: 'high', rule: input.MessageAttributes?.rule?.StringValue ?? '' },
      },
    ]);
  });

  it('flags more than 10 messages to one topic within one second, and not 10', async () => {
    const sender = createEmailSender({ sns: client });
    for (let n = 0; n < 10; n++) {
      await sender.send(renderEmail(alert(n), TOPIC));
      t += 99;
    }
    expect(sns.busiestSecond()).toBe(10);
    expect(sns.overEmailLimit()).toBe(false);
    await sender.send(renderEmail(alert(10), TOPIC));
    expect(sns.busiestSecond()).toBe(11);
    expect(sns.overEmailLimit()).toBe(true);
  });
});

describe('busiestWindow', () => {
  it('counts the most calls inside any window of the given length', () => {
    const at = (ms: number[]) => ms.map((x) => ({ at: x }));
    expect(busiestWindow(at([]), 1000)).toBe(0);
    expect(busiestWindow(at([0, 999, 1000, 1500, 1998]), 1000)).toBe(4);
    expect(busiestWindow(at([0, 999, 1000, 1500, 1999]), 1000)).toBe(3);
    expect(busiestWindow(at([5000, 0, 100, 200]), 1000)).toBe(3);
  });
});
