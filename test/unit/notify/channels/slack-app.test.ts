import type { Alert, NotificationRequest } from '../../../../shared/events/alert.ts';
import {
  classifySlackError,
  createSlackAppSender,
  createSlackAppSenderFrom,
  SLACK_APP_STATE_KEY_PREFIXES,
  SlackAppSettingsSchema,
  slackAppBudgetIdentity,
  slackAppSecret,
} from '../../../../shared/notify/channels/slack/app/index.ts';
import {
  asThreadReply,
  decideAction,
  durationText,
  resolvedMessage,
  resolvedReply,
  timeInAlarmText,
} from '../../../../shared/notify/channels/slack/app/thread.ts';
import { callSlack } from '../../../../shared/notify/channels/slack/app/web-api.ts';
import { renderSlack } from '../../../../shared/notify/channels/slack/render.ts';
import { DeliveryError } from '../../../../shared/notify/errors.ts';
import {
  createMemorySlackMessageLedger,
  type SlackMessageLedger,
  type SlackMessageRecord,
  slackMessageKey,
} from '../../../../shared/state/slack-messages.ts';
import { buildAlert, HOSTILE_USER_AGENT, HOSTILE_USER_AGENT_ESCAPED } from '../fixtures.ts';

const TOKEN = 'xoxb-111111111111-2222222222222-SecretSecretSecret1234';
const CHANNEL = 'C0123ABCDEF';
const SETTINGS = { botTokenParameter: '/cloud-alerts/test/slack-bot', channel: CHANNEL };
const FIRST_AT = Date.parse('2026-11-20T09:15:02Z');
const FIRING: SlackMessageRecord = {
  channel: CHANNEL,
  ts: '1763630102.000100',
  firstAt: FIRST_AT,
  status: 'firing',
  at: FIRST_AT,
};
/** An alert's time after the remembered ALARM's. */
const LATER = FIRST_AT + 60_000;

function alarm(overrides: Partial<Alert> = {}): Alert {
  return buildAlert({
    kind: 'alarm',
    dedupKey: 'cloud-alerts/alarm/123456789012/eu-west-1/HighErrors',
    ...overrides,
  });
}

function target(alert: Alert) {
  const request: NotificationRequest = { channel: 'slack', receiver: 'ops', key: `${alert.id}/ops`, alert };
  return { receiver: 'ops', settings: SETTINGS, secret: TOKEN, request };
}

interface Call {
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** A fetch that records calls and answers each from `answer`, in order. */
function fakeSlack(...answers: Array<{ status?: number; body: unknown; headers?: Record<string, string> }>) {
  const calls: Call[] = [];
  let ts = 1763630102;
  const fetchImpl = async (url: string, init: RequestInit) => {
    calls.push({
      url,
      headers: init.headers as Record<string, string>,
      body: JSON.parse(String(init.body)) as Record<string, unknown>,
    });
    const next = answers.shift() ?? { body: { ok: true, channel: CHANNEL, ts: `${++ts}.000200` } };
    return new Response(JSON.stringify(next.body), { status: next.status ?? 200, headers: next.headers });
  };
  return { calls, fetchImpl };
}

function expectNoToken(e: unknown) {
  const seen = JSON.stringify({
    message: (e as Error).message,
    stack: (e as Error).stack,
    cause: String((e as Error).cause),
  });
  expect(seen).not.toContain(TOKEN);
  expect(seen).not.toContain('SecretSecret');
}

describe('SlackAppSettingsSchema', () => {
  it('takes a channel ID, a parameter, and the optional key and mention', () => {
    expect(
      SlackAppSettingsSchema.parse({ ...SETTINGS, mention: { target: 'here', severities: ['critical'] } }),
    ).toEqual({
      ...SETTINGS,
      mention: { target: 'here', severities: ['critical'] },
    });
    expect(SlackAppSettingsSchema.safeParse({ ...SETTINGS, channel: 'G01ABCDEFGH' }).success).toBe(true);
  });

  it('refuses a channel name and says why an ID is needed', () => {
    const out = SlackAppSettingsSchema.safeParse({ ...SETTINGS, channel: '#security' });
    expect(out.success).toBe(false);
    expect(out.error?.issues[0]?.message).toMatch(/channel ID such as C0123ABCDEF, not a name.*chat\.update/);
  });

  it('is strict and refuses a pasted token or URL as the parameter', () => {
    expect(SlackAppSettingsSchema.safeParse({ ...SETTINGS, webhookUrlParameter: '/x' }).success).toBe(false);
    const pasted = SlackAppSettingsSchema.safeParse({ ...SETTINGS, botTokenParameter: TOKEN });
    expect(pasted.success).toBe(false);
    expect(JSON.stringify(pasted.error?.issues)).not.toContain(TOKEN);
  });
});

describe('classifySlackError', () => {
  it.each([
    ['ratelimited', true],
    ['rate_limited', true],
    ['internal_error', true],
    ['fatal_error', true],
    ['service_unavailable', true],
    ['request_timeout', true],
    ['invalid_auth', false],
    ['not_authed', false],
    ['account_inactive', false],
    ['token_revoked', false],
    ['token_expired', false],
    ['no_permission', false],
    ['missing_scope', false],
    ['not_in_channel', false],
    ['channel_not_found', false],
    ['is_archived', false],
    ['msg_too_long', false],
    ['invalid_blocks', false],
    ['invalid_arguments', false],
    ['restricted_action', false],
    ['something_new_from_slack', false],
  ])('%s is retryable: %s', (code, retryable) => {
    const out = classifySlackError('chat.postMessage', code);
    expect(out.retryable).toBe(retryable);
    expect(out.reason).toContain(`chat.postMessage: ${code}`);
  });

  it('says what to do', () => {
    expect(classifySlackError('chat.postMessage', 'not_in_channel').reason).toContain('/invite @<app name>');
    expect(classifySlackError('chat.postMessage', 'missing_scope', 'chat:write').reason).toMatch(
      /missing_scope \(needed: chat:write\) \(add the chat:write/,
    );
    expect(classifySlackError('chat.postMessage', 'token_revoked').reason).toContain('reinstall the app');
  });

  it('repeats no code that is not an identifier', () => {
    const out = classifySlackError('chat.update', `${TOKEN} <!channel>`, `<https://evil>`);
    expect(out.reason).toContain('unrecognised_error');
    expect(out.reason).not.toContain('xoxb');
    expect(out.reason).not.toContain('evil');
  });
});

describe('callSlack', () => {
  const base = { baseUrl: 'https://slack.test/api', token: TOKEN, timeoutMs: 1000 } as const;

  it('sends JSON with its charset and the token as a Bearer header only', async () => {
    const slack = fakeSlack();
    await callSlack({
      ...base,
      method: 'chat.postMessage',
      body: { channel: CHANNEL, text: 'x' },
      fetchImpl: slack.fetchImpl,
    });
    expect(slack.calls[0]?.url).toBe('https://slack.test/api/chat.postMessage');
    expect(slack.calls[0]?.headers).toEqual({
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json; charset=utf-8',
    });
    expect(JSON.stringify(slack.calls[0]?.body)).not.toContain(TOKEN);
  });

  it('turns HTTP 429 into a retryable error that waits Retry-After', async () => {
    const slack = fakeSlack({
      status: 429,
      body: { ok: false, error: 'ratelimited' },
      headers: { 'retry-after': '3' },
    });
    const e = await callSlack({
      ...base,
      method: 'chat.postMessage',
      body: {},
      fetchImpl: slack.fetchImpl,
    }).catch((x) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e).toMatchObject({ retryable: true, retryAfterMs: 3000, status: 429, slackError: 'ratelimited' });
  });

  it("waits one slot of the method's limit on a rate limit that gave no Retry-After", async () => {
    const slack = fakeSlack({ body: { ok: false, error: 'rate_limited' } }, { status: 429, body: {} });
    const post = await callSlack({
      ...base,
      method: 'chat.postMessage',
      body: {},
      fetchImpl: slack.fetchImpl,
    }).catch((x) => x);
    expect(post).toMatchObject({ retryable: true, retryAfterMs: 1000 });
    const update = await callSlack({
      ...base,
      method: 'chat.update',
      body: {},
      fetchImpl: slack.fetchImpl,
    }).catch((x) => x);
    expect(update).toMatchObject({ retryable: true, retryAfterMs: 1200, status: 429 });
  });

  it('retries 5xx and an answer that is not JSON; not a 404', async () => {
    for (const [answer, retryable] of [
      [{ status: 503, body: 'down' }, true],
      [{ status: 200, body: '<html>' }, true],
      [{ status: 404, body: 'no' }, false],
    ] as const) {
      const slack = fakeSlack(answer);
      const e = await callSlack({
        ...base,
        method: 'chat.update',
        body: {},
        fetchImpl: slack.fetchImpl,
      }).catch((x) => x);
      expect(e).toMatchObject({ retryable });
    }
  });

  it('retries a network failure and keeps nothing of its message', async () => {
    const fetchImpl = async () => {
      throw Object.assign(new TypeError(`fetch failed for Bearer ${TOKEN}`), {
        cause: { code: 'ECONNRESET' },
      });
    };
    const e = await callSlack({ ...base, method: 'chat.postMessage', body: {}, fetchImpl }).catch((x) => x);
    expect(e).toMatchObject({ retryable: true, slackError: 'network' });
    expect(e.message).toContain('ECONNRESET');
    expectNoToken(e);
  });
});

describe('decideAction', () => {
  it('posts when nothing is remembered, or the remembered message was resolved (a new episode)', () => {
    expect(decideAction(alarm(), undefined, LATER)).toEqual({ kind: 'post' });
    expect(decideAction(alarm(), { ...FIRING, status: 'resolved' }, LATER)).toEqual({ kind: 'post' });
    expect(decideAction(alarm({ status: 'resolved' }), undefined, LATER)).toEqual({ kind: 'post' });
  });

  it('replies in the thread to a repeat and to a group summary of the same key', () => {
    expect(decideAction(alarm(), FIRING, LATER)).toEqual({ kind: 'reply', record: FIRING });
    expect(decideAction(alarm({ covers: 12 }), FIRING, LATER)).toEqual({ kind: 'reply', record: FIRING });
  });

  it('resolves a firing message, and only replies to a second resolve', () => {
    expect(decideAction(alarm({ status: 'resolved' }), FIRING, LATER)).toEqual({
      kind: 'resolve',
      record: FIRING,
    });
    const resolved = { ...FIRING, status: 'resolved' as const };
    expect(decideAction(alarm({ status: 'resolved' }), resolved, LATER)).toEqual({
      kind: 'reply',
      record: resolved,
    });
  });

  it('posts an OK older than the remembered ALARM on its own: it ends an earlier episode, not this one', () => {
    expect(decideAction(alarm({ status: 'resolved' }), FIRING, FIRST_AT - 1000)).toEqual({ kind: 'post' });
    expect(decideAction(alarm({ status: 'resolved' }), FIRING, FIRST_AT)).toEqual({
      kind: 'resolve',
      record: FIRING,
    });
  });
});

describe('time in ALARM', () => {
  it.each([
    [30_000, 'less than a minute'],
    [45 * 60_000, '45 min'],
    [72 * 60_000, '1 h 12 min'],
    [2 * 3_600_000, '2 h'],
    [(3 * 24 + 4) * 3_600_000 + 59 * 60_000, '3 d 4 h'],
    [-1, undefined],
  ])('%i ms is %s', (ms, text) => {
    expect(durationText(ms)).toBe(text);
  });

  it('says "in ALARM for" for an alarm and "firing for" otherwise, from the first alert time', () => {
    const resolvedAt = FIRST_AT + 72 * 60_000;
    expect(timeInAlarmText(alarm(), FIRST_AT, resolvedAt)).toBe(
      'in ALARM for 1 h 12 min (since 2026-11-20T09:15:02.000Z)',
    );
    expect(timeInAlarmText(buildAlert(), FIRST_AT, resolvedAt)).toMatch(/^firing for 1 h 12 min/);
  });
});

describe('resolvedMessage', () => {
  it('keeps the resolve header, puts the time in ALARM under it, and leaves hostile text escaped', () => {
    const resolve = alarm({ status: 'resolved', title: HOSTILE_USER_AGENT, summary: HOSTILE_USER_AGENT });
    const edited = resolvedMessage(renderSlack(resolve), 'in ALARM for 1 h 12 min');
    expect(edited.blocks[0]).toMatchObject({ type: 'header' });
    expect(JSON.stringify(edited.blocks[0])).toContain('Resolved:');
    expect(edited.blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: ':white_check_mark: *RESOLVED*: in ALARM for 1 h 12 min',
        verbatim: true,
      },
    });
    const all = JSON.stringify(edited);
    expect(all).toContain(HOSTILE_USER_AGENT_ESCAPED);
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://evil');
    expect(edited.text).toMatch(/\(in ALARM for 1 h 12 min\)$/);
  });

  it('the thread reply carries only our own words', () => {
    expect(resolvedReply('in ALARM for 5 min')).toEqual({
      text: 'RESOLVED: in ALARM for 5 min',
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: ':white_check_mark: *RESOLVED*: in ALARM for 5 min', verbatim: true },
        },
      ],
    });
  });
});

describe('createSlackAppSender', () => {
  const now = () => FIRST_AT + 72 * 60_000;

  it('refuses a SLACK_API_URL that is not loopback: the token would go there', () => {
    expect(() =>
      createSlackAppSender({
        messages: createMemorySlackMessageLedger(),
        env: { SLACK_API_URL: 'https://evil.example/api' },
      }),
    ).toThrow(/local tests only/);
    expect(() =>
      createSlackAppSender({
        messages: createMemorySlackMessageLedger(),
        env: { SLACK_API_URL: 'http://127.0.0.1:9/api' },
      }),
    ).not.toThrow();
  });

  it('still posts the alert when the ledger cannot be read or written, and logs no secret', async () => {
    const broken: SlackMessageLedger = {
      get: async () => {
        throw new Error(`ddb down ${TOKEN}`);
      },
      put: async () => {
        throw new Error(`ddb down ${TOKEN}`);
      },
    };
    const logged: unknown[] = [];
    const slack = fakeSlack();
    const sender = createSlackAppSender({
      messages: broken,
      fetchImpl: slack.fetchImpl,
      baseUrl: 'https://slack.test/api',
      now,
      logger: { warn: (...args) => logged.push(args) },
    });
    const alert = alarm();
    await sender.send(renderSlack(alert), target(alert));
    expect(slack.calls).toHaveLength(1);
    expect(slack.calls[0]?.body).not.toHaveProperty('thread_ts');
    expect(logged).toHaveLength(2);
    expect(JSON.stringify(logged)).not.toContain('xoxb');
  });

  it('does not throw (so nothing retries and posts twice) when the post went through but was not remembered', async () => {
    const ledger = createMemorySlackMessageLedger();
    const slack = fakeSlack();
    const sender = createSlackAppSender({
      messages: { get: ledger.get, put: async () => Promise.reject(new Error('throttled')) },
      fetchImpl: slack.fetchImpl,
      baseUrl: 'https://slack.test/api',
      now,
    });
    const alert = alarm();
    await expect(sender.send(renderSlack(alert), target(alert))).resolves.toBeUndefined();
    expect(slack.calls).toHaveLength(1);
  });

  it('trims the token, and refuses a URL or a token with spaces permanently without repeating it', async () => {
    const slack = fakeSlack();
    const sender = createSlackAppSender({
      messages: createMemorySlackMessageLedger(),
      fetchImpl: slack.fetchImpl,
      baseUrl: 'https://slack.test/api',
    });
    const alert = alarm();
    await sender.send(renderSlack(alert), { ...target(alert), secret: `${TOKEN}\n` });
    expect(slack.calls[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    for (const secret of [
      'https://hooks.slack.com/services/T0/B0/XXXXXXXXXXXXXXXX',
      `${TOKEN} extra`,
      `${TOKEN}é`,
    ]) {
      const e = await sender.send(renderSlack(alert), { ...target(alert), secret }).catch((x) => x);
      expect(e).toMatchObject({ retryable: false });
      expect(e.message).toContain('/cloud-alerts/test/slack-bot');
      expect(e.message).not.toContain('hooks.slack.com');
      expectNoToken(e);
    }
    expect(slack.calls).toHaveLength(1);
  });

  it('fails permanently without a token, naming the parameter and nothing else', async () => {
    const sender = createSlackAppSender({
      messages: createMemorySlackMessageLedger(),
      baseUrl: 'https://slack.test/api',
    });
    const alert = alarm();
    const e = await sender.send(renderSlack(alert), { ...target(alert), secret: undefined }).catch((x) => x);
    expect(e).toMatchObject({ retryable: false });
    expect(e.message).toContain('/cloud-alerts/test/slack-bot');
  });

  it('on a retryable failure of the edit, leaves the message remembered as firing so the retry edits again', async () => {
    const ledger = createMemorySlackMessageLedger();
    const slack = fakeSlack({ body: { ok: false, error: 'internal_error' } });
    const sender = createSlackAppSender({
      messages: ledger,
      fetchImpl: slack.fetchImpl,
      baseUrl: 'https://slack.test/api',
      now,
    });
    const resolve = alarm({ status: 'resolved', time: new Date(now()).toISOString() });
    const key = slackMessageKey(TOKEN, CHANNEL, resolve.dedupKey);
    await ledger.put(key, FIRING, FIRST_AT);
    await expect(sender.send(renderSlack(resolve), target(resolve))).rejects.toMatchObject({
      retryable: true,
    });
    expect(await ledger.get(key, now())).toEqual(FIRING);
    await sender.send(renderSlack(resolve), target(resolve));
    expect(slack.calls.map((c) => c.url.split('/').pop())).toEqual([
      'chat.update',
      'chat.update',
      'chat.postMessage',
    ]);
    expect(slack.calls[2]?.body).toMatchObject({ thread_ts: FIRING.ts });
    expect(await ledger.get(key, now())).toEqual({ ...FIRING, status: 'resolved', at: now() });
  });

  it('an ALARM remembered after its own OK (out of order) does not thread the next episode under it', async () => {
    const ledger = createMemorySlackMessageLedger();
    const slack = fakeSlack();
    const sender = createSlackAppSender({
      messages: ledger,
      fetchImpl: slack.fetchImpl,
      baseUrl: 'https://slack.test/api',
      now,
    });
    const fired = alarm({ id: 'a1', time: '2026-11-20T09:00:00Z' });
    const ok = alarm({ id: 'o1', status: 'resolved', time: '2026-11-20T09:00:20Z' });
    // The OK is handled first (the ALARM's delivery was retried, or both ran at once and the ALARM's
    // notifier remembered last): two messages, and the episode must stay resolved.
    await sender.send(renderSlack(ok), target(ok));
    await sender.send(renderSlack(fired), target(fired));
    const key = slackMessageKey(TOKEN, CHANNEL, fired.dedupKey);
    expect(await ledger.get(key, now())).toMatchObject({ status: 'resolved', at: Date.parse(ok.time) });
    // Three days later a new episode: a new top-level message, not a reply in the old thread.
    const next = alarm({ id: 'a2', time: '2026-11-23T09:00:00Z' });
    await sender.send(renderSlack(next), target(next));
    expect(slack.calls.map((c) => [c.url.split('/').pop(), c.body.thread_ts])).toEqual([
      ['chat.postMessage', undefined],
      ['chat.postMessage', undefined],
      ['chat.postMessage', undefined],
    ]);
    // And an OK older than the remembered ALARM (a late one of an earlier episode) edits nothing.
    const lateOk = alarm({ id: 'o0', status: 'resolved', time: '2026-11-22T09:00:00Z' });
    await sender.send(renderSlack(lateOk), target(lateOk));
    expect(slack.calls.map((c) => c.url.split('/').pop())).not.toContain('chat.update');
    expect(await ledger.get(key, now())).toMatchObject({ status: 'firing', at: Date.parse(next.time) });
  });
});

describe('asThreadReply', () => {
  it("drops the receiver's mention from a repeat, and nothing an attacker wrote becomes one", () => {
    const alert = alarm({ summary: '<!here> ping' });
    const reply = asThreadReply(renderSlack(alert, { mention: 'here' }));
    const all = JSON.stringify(reply);
    expect(all).not.toContain('<!here>');
    expect(all).toContain('&lt;!here&gt; ping');
    expect(reply.text.startsWith('[CRITICAL]')).toBe(true);
    expect(renderSlack(alert, { mention: 'here' }).text.startsWith('<!here> ')).toBe(true);
  });
});

describe('plug-in entry points', () => {
  it('names the bot token parameter as the secret, and budgets per token and channel', () => {
    expect(slackAppSecret({ ...SETTINGS, kmsKeyArn: undefined })).toMatchObject({
      parameter: '/cloud-alerts/test/slack-bot',
      field: 'botTokenParameter',
      what: 'bot token',
    });
    expect(slackAppBudgetIdentity(SETTINGS, undefined)).toBeUndefined();
    expect(slackAppBudgetIdentity(SETTINGS, 'a')).not.toBe(
      slackAppBudgetIdentity({ ...SETTINGS, channel: 'C0999ZZZZZZ' }, 'a'),
    );
    expect(SLACK_APP_STATE_KEY_PREFIXES).toEqual(['slackmsg#']);
  });

  it('builds a working sender from SenderOptions without a state table (memory ledger)', async () => {
    const slack = fakeSlack();
    const sender = createSlackAppSenderFrom({
      fetchImpl: slack.fetchImpl,
      env: { SLACK_API_URL: 'http://127.0.0.1:9/api' },
    });
    const alert = alarm();
    await sender.send(renderSlack(alert), target(alert));
    await sender.send(renderSlack(alert), target(alert));
    expect(slack.calls[0]?.url).toBe('http://127.0.0.1:9/api/chat.postMessage');
    expect(slack.calls[1]?.body).toHaveProperty('thread_ts');
  });
});
