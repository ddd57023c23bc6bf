import { DEFAULT_RETRY_POLICY, type RetryClock, withRetries } from '../../shared/delivery/retry.ts';
import type { Alert, NotificationRequest } from '../../shared/events/alert.ts';
import { createSlackAppSender } from '../../shared/notify/channels/slack/app/index.ts';
import { renderSlack } from '../../shared/notify/channels/slack/render.ts';
import { DeliveryError } from '../../shared/notify/errors.ts';
import { createMemorySlackMessageLedger } from '../../shared/state/slack-messages.ts';
import { buildAlert, HOSTILE_USER_AGENT, HOSTILE_USER_AGENT_ESCAPED } from '../unit/notify/fixtures.ts';
import { type SlackWebApiStandIn, startSlackWebApi } from './kit/slack-web-api.ts';

const TOKEN = 'xoxb-123456789012-1234567890123-StandInSecretToken99';
const CHANNEL = 'C0123ABCDEF';
const OTHER = 'C0999ZZZZZZ';
const T0 = Date.parse('2026-11-20T09:15:02Z');

let clock = T0;
let slack: SlackWebApiStandIn;

beforeEach(async () => {
  clock = T0;
  slack = await startSlackWebApi({ tokens: [TOKEN], channels: [CHANNEL, OTHER], now: () => clock });
});

afterEach(async () => {
  await slack.close();
});

/** The delivery layer's own retry loop, its waits spent on the test's clock. */
const retryClock: RetryClock = {
  remainingMs: () => 60_000,
  sleep: async (ms) => {
    clock += ms;
  },
  random: () => 0,
};

function makeSender(messages = createMemorySlackMessageLedger()) {
  return {
    messages,
    sender: createSlackAppSender({ messages, baseUrl: slack.baseUrl, now: () => clock, timeoutMs: 2000 }),
  };
}

function target(alert: Alert, channel = CHANNEL) {
  const request: NotificationRequest = { channel: 'slack', receiver: 'ops', key: `${alert.id}/ops`, alert };
  return {
    receiver: 'ops',
    settings: { botTokenParameter: '/cloud-alerts/test/slack-bot', channel },
    secret: TOKEN,
    request,
  };
}

async function deliver(sender: ReturnType<typeof makeSender>['sender'], alert: Alert, channel = CHANNEL) {
  await withRetries(
    () => sender.send(renderSlack(alert), target(alert, channel)),
    DEFAULT_RETRY_POLICY,
    retryClock,
  );
}

const DEDUP = 'cloud-alerts/alarm/123456789012/eu-west-1/HighErrors';

function alarmAt(minutes: number, overrides: Partial<Alert> = {}): Alert {
  return buildAlert({
    id: `alarm:${minutes}`,
    kind: 'alarm',
    title: 'HighErrors in ALARM',
    dedupKey: DEDUP,
    time: new Date(T0 + minutes * 60_000).toISOString(),
    ...overrides,
  });
}

function methods() {
  return slack.requests.map((r) => r.method);
}

describe('Slack app mode against the Web API stand-in', () => {
  it('fire → repeat → summary → resolve: one message, its thread, then the edit and a reply', async () => {
    const { sender } = makeSender();
    await deliver(sender, alarmAt(0));
    clock += 5_000;
    await deliver(sender, alarmAt(1, { summary: 'still failing' }));
    clock += 5_000;
    await deliver(sender, alarmAt(30, { covers: 12, summary: 'and 12 more' }));
    clock += 5_000;
    await deliver(sender, alarmAt(72, { status: 'resolved', title: 'HighErrors OK' }));

    const top = slack.messages(CHANNEL);
    expect(top).toHaveLength(1);
    const [original] = top;
    expect(original?.edited).toBe(true);
    expect(JSON.stringify(original?.blocks[0])).toContain('Resolved:');
    expect(JSON.stringify(original?.blocks)).toContain(
      '*RESOLVED*: in ALARM for 1 h 12 min (since 2026-11-20T09:15:02.000Z)',
    );
    expect(original?.replies.map((r) => r.text)).toEqual([
      expect.stringContaining('still failing'),
      expect.stringContaining('and 12 more'),
      'RESOLVED: in ALARM for 1 h 12 min (since 2026-11-20T09:15:02.000Z)',
    ]);
    expect(original?.replies.every((r) => r.threadTs === original.ts)).toBe(true);
    expect(methods()).toEqual([
      'chat.postMessage',
      'chat.postMessage',
      'chat.postMessage',
      'chat.update',
      'chat.postMessage',
    ]);
    for (const r of slack.requests) {
      expect(r.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.contentType).toBe('application/json; charset=utf-8');
      expect(r.body).not.toContain(TOKEN);
    }
  });

  it('a new firing after the resolve starts a new message', async () => {
    const { sender } = makeSender();
    await deliver(sender, alarmAt(0));
    clock += 5_000;
    await deliver(sender, alarmAt(10, { status: 'resolved' }));
    clock += 5_000;
    await deliver(sender, alarmAt(20));
    expect(slack.messages(CHANNEL)).toHaveLength(2);
    expect(slack.messages(CHANNEL)[1]?.edited).toBe(false);
  });

  it('waits out the per-channel limit (429 + Retry-After) and delivers everything', async () => {
    const { sender } = makeSender();
    const start = clock;
    await deliver(sender, alarmAt(0));
    await deliver(sender, alarmAt(1));
    await deliver(sender, alarmAt(2));
    expect(slack.messages(CHANNEL)[0]?.replies).toHaveLength(2);
    expect(slack.requests.filter((r) => r.method === 'chat.postMessage')).toHaveLength(5);
    expect(clock - start).toBe(2000);
  });

  it('says a rate limit is retryable with the Retry-After Slack gave', async () => {
    const { sender } = makeSender();
    await sender.send(renderSlack(alarmAt(0)), target(alarmAt(0)));
    const e = await sender.send(renderSlack(alarmAt(1)), target(alarmAt(1))).catch((x) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e).toMatchObject({ retryable: true, retryAfterMs: 1000, status: 429 });
  });

  it('posts a new message and remembers it when the original was deleted: the resolve is not lost', async () => {
    const { sender } = makeSender();
    await deliver(sender, alarmAt(0));
    const firstTs = slack.messages(CHANNEL)[0]?.ts ?? '';
    slack.deleteMessage(CHANNEL, firstTs);
    clock += 5_000;
    await deliver(sender, alarmAt(72, { status: 'resolved' }));
    const [fresh] = slack.messages(CHANNEL);
    expect(fresh?.ts).not.toBe(firstTs);
    expect(JSON.stringify(fresh?.blocks)).toContain('in ALARM for 1 h 12 min');
    expect(methods()).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
  });

  it('posts a repeat as a new message when its thread is gone, and threads the next one under it', async () => {
    const { sender } = makeSender();
    await deliver(sender, alarmAt(0));
    slack.deleteMessage(CHANNEL, slack.messages(CHANNEL)[0]?.ts ?? '');
    clock += 5_000;
    await deliver(sender, alarmAt(1));
    clock += 5_000;
    await deliver(sender, alarmAt(2));
    const top = slack.messages(CHANNEL);
    expect(top).toHaveLength(1);
    expect(top[0]?.replies).toHaveLength(1);
  });

  it('fails permanently when the bot was removed from the channel, saying to invite it, never the token', async () => {
    const { sender } = makeSender();
    slack.removeBot(CHANNEL, TOKEN);
    const e = await deliver(sender, alarmAt(0)).catch((x) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('not_in_channel');
    expect(e.message).toContain('/invite @<app name>');
    expect(`${e.message} ${e.stack} ${String(e.cause)}`).not.toContain(TOKEN);
    expect(methods()).toEqual(['chat.postMessage']);
  });

  it('retries Slack-side failures and gives up at once on a revoked token', async () => {
    const { sender } = makeSender();
    slack.failNext('chat.postMessage', { error: 'internal_error' });
    slack.failNext('chat.postMessage', { error: 'service_unavailable', status: 503 });
    await deliver(sender, alarmAt(0));
    expect(slack.messages(CHANNEL)).toHaveLength(1);

    slack.failNext('chat.postMessage', { error: 'token_revoked' });
    const e = await deliver(sender, alarmAt(1, { dedupKey: 'other' })).catch((x) => x);
    expect(e).toMatchObject({ retryable: false });
    expect(e.message).toContain('reinstall the app');
  });

  it('keeps hostile alert text inert in the post, the thread and the edit', async () => {
    const { sender } = makeSender();
    const hostile = { title: HOSTILE_USER_AGENT, summary: HOSTILE_USER_AGENT };
    await deliver(sender, alarmAt(0, hostile));
    clock += 5_000;
    await deliver(sender, alarmAt(1, hostile));
    clock += 5_000;
    await deliver(sender, alarmAt(2, { ...hostile, status: 'resolved' }));
    const bodies = slack.requests.map((r) => r.body).join('\n');
    expect(bodies).toContain(JSON.stringify(HOSTILE_USER_AGENT_ESCAPED).slice(1, -1));
    expect(bodies).not.toContain('<!channel>');
    expect(bodies).not.toContain('<https://evil');
  });

  it('calls the channel to the first message only, not to each reply in its thread', async () => {
    const { sender } = makeSender();
    const send = (alert: Alert) =>
      withRetries(
        () => sender.send(renderSlack(alert, { mention: 'here' }), target(alert)),
        DEFAULT_RETRY_POLICY,
        retryClock,
      );
    await send(alarmAt(0));
    clock += 5_000;
    await send(alarmAt(1));
    const [first] = slack.messages(CHANNEL);
    expect(first?.text.startsWith('<!here> ')).toBe(true);
    expect(JSON.stringify(first?.replies)).not.toContain('<!here>');
  });

  it('keeps two channels apart: the same alert key is a message in each', async () => {
    const { sender } = makeSender();
    await deliver(sender, alarmAt(0), CHANNEL);
    await deliver(sender, alarmAt(0), OTHER);
    expect(slack.messages(CHANNEL)).toHaveLength(1);
    expect(slack.messages(OTHER)).toHaveLength(1);
    expect(slack.messages(OTHER)[0]?.replies).toHaveLength(0);
  });
});
