import type { Context } from 'aws-lambda';
import { notifierHandler } from '../../../shared/aws/notifier.ts';
import { loadConfigFile } from '../../../shared/config/load.ts';
import type { Config } from '../../../shared/config/schema.ts';
import { bucketKey, laneOf } from '../../../shared/delivery/budget.ts';
import type { OncePort } from '../../../shared/delivery/idempotency.ts';
import {
  createMemoryFlushScheduler,
  type FlushScheduler,
  flushSqsEvent,
  OVERFLOW_SUMMARY_RULE_ID,
  stormDedupKey,
} from '../../../shared/delivery/overflow.ts';
import { TEST_RULE_ID } from '../../../shared/doctor/send-test.ts';
import type { Alert, NotificationRequest } from '../../../shared/events/alert.ts';
import type { PagerDutyEvent } from '../../../shared/notify/channels/pagerduty/render.ts';
import { requirePlugin } from '../../../shared/notify/channels/registry.ts';
import { slack } from '../../../shared/notify/channels/slack/index.ts';
import type { SlackMessage } from '../../../shared/notify/channels/slack/render.ts';
import { secretKey } from '../../../shared/notify/deliver.ts';
import { DeliveryError } from '../../../shared/notify/errors.ts';
import { createMemoryIncidentLedger, type IncidentLedger } from '../../../shared/state/incidents.ts';
import type { BudgetStore, OverflowStore } from '../../../shared/state/send-budget.ts';
import {
  createMemoryBudgetStore,
  createMemoryOverflowStore,
} from '../../../shared/state/send-budget-memory.ts';
import { memoryOnce } from '../../helpers/delivery.ts';
import { notificationEvent } from '../../helpers/events.ts';
import { lambdaContext } from '../../helpers/lambda.ts';
import { buildAlert } from '../notify/fixtures.ts';

beforeAll(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const WEBHOOK = 'https://hooks.slack.example/services/T0/B0/sendBudgetSecret0123';
const ROUTING_KEY = '0123456789abcdef0123456789abcdef';
const T0 = Date.parse('2026-11-24T03:00:00Z');

type Handler = (event: unknown, context: Context) => Promise<unknown>;

interface World {
  handler: Handler;
  posts: SlackMessage[];
  pages: PagerDutyEvent[];
  clock: { now: number };
  flush: ReturnType<typeof createMemoryFlushScheduler>;
  budget: ReturnType<typeof createMemoryBudgetStore>;
  overflow: ReturnType<typeof createMemoryOverflowStore>;
  context: Context;
  failSlack: { next: DeliveryError | undefined };
  /** The waits of criticals in debt, when the world sleeps virtually. */
  slept: number[];
}

function world(
  config: Config = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' }),
  channel: 'slack' | 'pagerduty' = 'slack',
  options: { virtualSleep?: boolean; incidents?: IncidentLedger; once?: OncePort } = {},
): World {
  const slept: number[] = [];
  const clock = { now: T0 };
  const posts: SlackMessage[] = [];
  const pages: PagerDutyEvent[] = [];
  const failSlack: { next: DeliveryError | undefined } = { next: undefined };
  const flush = createMemoryFlushScheduler(() => clock.now);
  const budget = createMemoryBudgetStore();
  const overflow = createMemoryOverflowStore();
  const senders = {
    slack: {
      async send(message: SlackMessage) {
        const failure = failSlack.next;
        failSlack.next = undefined;
        if (failure) throw failure;
        posts.push(message);
      },
    },
    pagerduty: {
      async send(event: PagerDutyEvent) {
        pages.push(event);
      },
    },
  };
  const handler = notifierHandler(requirePlugin(channel), config, {
    sender: senders[channel],
    delivery: {
      once: options.once ?? memoryOnce(),
      budget,
      overflow,
      flush,
      now: () => clock.now,
      ...(options.incidents ? { incidents: options.incidents } : {}),
      ...(options.virtualSleep
        ? {
            clock: (ctx: Context) => ({
              remainingMs: () => ctx.getRemainingTimeInMillis(),
              sleep: async (ms: number) => {
                slept.push(ms);
              },
              random: () => 0.5,
            }),
          }
        : {}),
    },
  }) as Handler;
  const context = {
    ...lambdaContext('notify-slack'),
    [secretKey('slack-default')]: WEBHOOK,
    [secretKey('pagerduty-default')]: ROUTING_KEY,
  } as Context;
  return { handler, posts, pages, clock, flush, budget, overflow, context, failSlack, slept };
}

let n = 0;
function request(overrides: Partial<Alert> = {}, receiver = 'slack-default'): NotificationRequest {
  const alert = buildAlert({ id: `alert-${++n}`, title: `Alert ${n}`, ...overrides });
  const channel = receiver.startsWith('pagerduty') ? 'pagerduty' : 'slack';
  return { channel, receiver, key: `${alert.id}/${receiver}`, alert };
}

async function notify(w: World, req: NotificationRequest): Promise<string> {
  const outcome = (await w.handler(notificationEvent(req), w.context)) as { status: string };
  return outcome.status;
}

async function runFlush(w: World): Promise<unknown> {
  return w.handler(flushSqsEvent(w.flush.due()), w.context);
}

/** The Slack notifier of the shipped config over a recording sender, with these budget stores. */
function slackNotifier(
  budget: BudgetStore,
  overflow: OverflowStore,
): { handler: Handler; posts: SlackMessage[]; context: Context } {
  const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
  const posts: SlackMessage[] = [];
  const handler = notifierHandler(slack, config, {
    sender: {
      async send(message: SlackMessage) {
        posts.push(message);
      },
    },
    delivery: {
      once: memoryOnce(),
      budget,
      overflow,
      flush: createMemoryFlushScheduler(() => T0),
      now: () => T0,
    },
  }) as Handler;
  const context = { ...lambdaContext('notify-slack'), [secretKey('slack-default')]: WEBHOOK } as Context;
  return { handler, posts, context };
}

function summaryTitle(m: SlackMessage | undefined): string {
  return JSON.stringify(m ?? {});
}

describe('send budgets in the notifier', () => {
  it('always sends critical, lets high use the reserve, and folds the rest once the bucket is low', async () => {
    const w = world(undefined, 'slack', { virtualSleep: true });
    const statuses: string[] = [];
    // Slack: burst 3, reserve 2. Bulk takes only from a full bucket; high may take the last token.
    for (const severity of [
      'low',
      'low',
      'medium',
      'high',
      'high',
      'high',
      'critical',
      'critical',
    ] as const) {
      statuses.push(`${severity}:${await notify(w, request({ severity }))}`);
    }
    expect(statuses).toEqual([
      'low:delivered',
      'low:folded',
      'medium:folded',
      'high:delivered',
      'high:delivered',
      'high:folded',
      'critical:delivered',
      'critical:delivered',
    ]);
    expect(w.posts).toHaveLength(5);
  });

  it('does not wait behind a flood of low alerts: the critical after 200 of them goes out at once', async () => {
    const w = world();
    for (let i = 0; i < 200; i++) await notify(w, request({ severity: 'low' }));
    expect(w.posts).toHaveLength(1);
    expect(await notify(w, request({ severity: 'critical', title: 'The one that matters' }))).toBe(
      'delivered',
    );
    expect(summaryTitle(w.posts.at(-1))).toContain('The one that matters');
  });

  it('schedules one flush per tally, delayed by delivery.overflowSummarySeconds', async () => {
    const w = world();
    for (let i = 0; i < 5; i++) await notify(w, request({ severity: 'low' }));
    expect(w.flush.waiting()).toEqual([
      {
        message: {
          v: 1,
          type: 'overflow-flush',
          channel: 'slack',
          receiver: 'slack-default',
          dueAt: T0 + 30_000,
        },
        visibleAt: T0 + 30_000,
      },
    ]);
  });

  it('flushes one overflow summary counting every folded alert, loud as the loudest, and sends it once', async () => {
    const w = world();
    await notify(w, request({ severity: 'low' }));
    await notify(w, request({ severity: 'low', title: 'Folded one' }));
    await notify(w, request({ severity: 'medium', title: 'A summary of five', covers: 5 }));
    await notify(w, request({ severity: 'high' }));
    await notify(w, request({ severity: 'high' }));
    await notify(w, request({ severity: 'high', title: 'Folded high' }));
    const before = w.posts.length;
    w.clock.now = T0 + 30_000;
    expect(await runFlush(w)).toEqual({ batchItemFailures: [] });
    expect(w.posts).toHaveLength(before + 1);
    const text = summaryTitle(w.posts.at(-1));
    expect(text).toContain('7 more alerts held back by the slack-default send budget');
    expect(text).toContain('7 alerts in 3 notifications');
    expect(text).toContain('high 1, medium 5, low 1');
    expect(text).toContain('Folded high | A summary of five | Folded one');
    // Nothing pending: the same message again (an SQS redelivery) sends nothing.
    expect(
      await w.handler(
        flushSqsEvent([
          { v: 1, type: 'overflow-flush', channel: 'slack', receiver: 'slack-default', dueAt: T0 + 30_000 },
        ]),
        w.context,
      ),
    ).toEqual({ batchItemFailures: [] });
    expect(w.posts).toHaveLength(before + 1);
  });

  it('leaves a summary another flush is already sending to that flush, without failing the message', async () => {
    const inProgress = Object.assign(new Error('There is already an execution in progress'), {
      name: 'IdempotencyAlreadyInProgressError',
    });
    const inner = memoryOnce();
    const busy: OncePort = {
      async run(req, work) {
        if (req.alert.ruleId === OVERFLOW_SUMMARY_RULE_ID) throw inProgress;
        return inner.run(req, work);
      },
    };
    const w = world(undefined, 'slack', { once: busy });
    for (let i = 0; i < 6; i++) await notify(w, request({ severity: 'low' }));
    const before = w.posts.length;
    w.clock.now = T0 + 30_000;
    expect(await runFlush(w)).toEqual({ batchItemFailures: [] });
    expect(w.posts).toHaveLength(before);
  });

  it('reschedules a summary that finds no token instead of folding or dropping it', async () => {
    const w = world(undefined, 'slack', { virtualSleep: true });
    await notify(w, request({ severity: 'low' }));
    await notify(w, request({ severity: 'low' }));
    w.clock.now = T0 + 30_000;
    // Criticals at the flush time: the bucket is in debt, the summary's urgent lane has nothing.
    for (let i = 0; i < 6; i++) await notify(w, request({ severity: 'critical' }));
    const posts = w.posts.length;
    expect(await runFlush(w)).toEqual({ batchItemFailures: [] });
    expect(w.posts).toHaveLength(posts);
    const [again, ...more] = w.flush.waiting();
    expect(more).toEqual([]);
    expect(again?.visibleAt).toBe(T0 + 33_000);
    expect(w.overflow.tally('overflow#slack#slack-default')?.pending).toBeDefined();
    // Debt of six tokens over a bucket of three: by T0 + 36 s the urgent lane has one again.
    w.clock.now = T0 + 36_000;
    await runFlush(w);
    expect(w.posts).toHaveLength(posts + 1);
    expect(summaryTitle(w.posts.at(-1))).toContain('1 more alert held back');
  });

  it('shows the loudest folded alerts as examples, not the noise folded first', async () => {
    const w = world();
    const at = async (severity: 'high' | 'low', title: string) => {
      w.clock.now += 10;
      await notify(w, request({ severity, title }));
    };
    for (let i = 0; i < 3; i++) await at('high', `noise high ${i}`);
    for (let i = 0; i < 5; i++) await at('low', `noise low ${i}`);
    await at('high', 'IAM admin policy attached to attacker role');
    for (let i = 0; i < 5; i++) await at('low', `noise after ${i}`);
    w.clock.now = T0 + 31_000;
    await runFlush(w);
    expect(summaryTitle(w.posts.at(-1))).toContain(
      '*Examples:* IAM admin policy attached to attacker role | noise after 4 | noise after 3',
    );
  });

  it('gives the overflow summaries of one storm one PagerDuty incident, and a later storm another', async () => {
    const w = world(undefined, 'pagerduty');
    const page = () => notify(w, request({ severity: 'high' }, 'pagerduty-default'));
    const flushAt = async (at: number) => {
      w.clock.now = at;
      await w.handler(flushSqsEvent(w.flush.due(at)), w.context);
      return w.pages.at(-1)?.dedup_key;
    };
    for (let i = 0; i < 11; i++) await page();
    const first = await flushAt(T0 + 30_000);
    for (let i = 0; i < 11; i++) await page();
    const second = await flushAt(T0 + 60_000);
    expect(first).toMatch(/^cloud-alerts\/overflow\/pagerduty\/pagerduty-default\/storm-/);
    expect(second).toBe(first);
    w.clock.now = T0 + 3 * 60 * 60_000;
    for (let i = 0; i < 11; i++) await page();
    const later = await flushAt(T0 + 3 * 60 * 60_000 + 30_000);
    expect(later).not.toBe(first);
  });

  it('counts a redelivered folded request once', async () => {
    const w = world();
    await notify(w, request({ severity: 'low' }));
    const folded = request({ severity: 'low' });
    expect(await notify(w, folded)).toBe('folded');
    expect(await notify(w, folded)).toBe('duplicate');
    w.clock.now = T0 + 30_000;
    await runFlush(w);
    expect(summaryTitle(w.posts.at(-1))).toContain('1 more alert held back');
  });

  it('keeps a summary pending when its send fails retryably, so SQS retries the message', async () => {
    const w = world();
    await notify(w, request({ severity: 'low' }));
    await notify(w, request({ severity: 'low' }));
    w.clock.now = T0 + 30_000;
    const [message] = w.flush.due();
    if (!message) throw new Error('no flush scheduled');
    w.failSlack.next = new DeliveryError({ channel: 'slack', retryable: true, reason: 'HTTP 503' });
    const shortLived = { ...w.context, getRemainingTimeInMillis: () => 3000 } as Context;
    const event = flushSqsEvent([message]);
    expect(await w.handler(event, shortLived)).toEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }],
    });
    expect(w.overflow.tally('overflow#slack#slack-default')?.pending).not.toEqual({});
    w.clock.now = T0 + 40_000;
    expect(await w.handler(flushSqsEvent([message]), w.context)).toEqual({ batchItemFailures: [] });
    expect(summaryTitle(w.posts.at(-1))).toContain('1 more alert held back');
  });

  it('never changes a summary once a flush began to send it: the next tally is a summary of its own', async () => {
    const w = world();
    await notify(w, request({ severity: 'low' }));
    await notify(w, request({ severity: 'low' }));
    w.clock.now = T0 + 30_000;
    w.failSlack.next = new DeliveryError({ channel: 'slack', retryable: true, reason: 'HTTP 503' });
    const shortLived = { ...w.context, getRemainingTimeInMillis: () => 3000 } as Context;
    const [first] = w.flush.due();
    if (!first) throw new Error('no flush scheduled');
    expect((await w.handler(flushSqsEvent([first]), shortLived)) as unknown).toMatchObject({
      batchItemFailures: [{}],
    });
    // Perhaps Slack took it before the connection failed: it must be resent exactly as it was.
    w.clock.now = T0 + 40_000;
    for (let i = 0; i < 3; i++) await notify(w, request({ severity: 'low' }));
    const before = w.posts.length;
    w.clock.now = T0 + 71_000;
    await runFlush(w);
    expect(
      w.posts.slice(before).map((m) => /(\d+) more alerts? held back/.exec(summaryTitle(m))?.[1]),
    ).toEqual(['1', '2']);
  });

  it('puts a flush that came early back on the queue for the rest of its delay', async () => {
    const w = world();
    await notify(w, request({ severity: 'low' }));
    await notify(w, request({ severity: 'low' }));
    const [message] = w.flush.due(T0 + 30_000);
    if (!message) throw new Error('no flush scheduled');
    w.clock.now = T0 + 10_000;
    await w.handler(flushSqsEvent([message]), w.context);
    expect(w.flush.waiting()).toEqual([{ message, visibleAt: T0 + 30_000 }]);
  });

  it('never folds a PagerDuty resolve, however empty the bucket', async () => {
    const w = world(undefined, 'pagerduty', { virtualSleep: true });
    for (let i = 0; i < 15; i++) await notify(w, request({ severity: 'high' }, 'pagerduty-default'));
    expect(await notify(w, request({ severity: 'high' }, 'pagerduty-default'))).toBe('folded');
    const resolve = request({ severity: 'low', status: 'resolved' }, 'pagerduty-default');
    expect(await notify(w, resolve)).toBe('delivered');
    expect(w.pages.at(-1)).toMatchObject({ event_action: 'resolve' });
  });

  it('with an incident ledger, sends first only the resolves of incidents it opened', async () => {
    const incidents = createMemoryIncidentLedger();
    const w = world(undefined, 'pagerduty', { virtualSleep: true, incidents });
    const opened = request({ severity: 'high', dedupKey: 'cloud-alerts/alarm/opened' }, 'pagerduty-default');
    expect(await notify(w, opened)).toBe('delivered');
    for (let i = 0; i < 15; i++) await notify(w, request({ severity: 'high' }, 'pagerduty-default'));
    // Its trigger was folded: the resolve closes nothing and waits its turn like a high alert.
    const neverOpened = request(
      { severity: 'high', status: 'resolved', dedupKey: 'cloud-alerts/alarm/folded' },
      'pagerduty-default',
    );
    expect(await notify(w, neverOpened)).toBe('folded');
    // The incident the first trigger opened is closed at once, however empty the bucket.
    const closing = request(
      { severity: 'high', status: 'resolved', dedupKey: 'cloud-alerts/alarm/opened' },
      'pagerduty-default',
    );
    expect(await notify(w, closing)).toBe('delivered');
    expect(w.pages.at(-1)).toMatchObject({ event_action: 'resolve', dedup_key: 'cloud-alerts/alarm/opened' });
    // Closed now: a second resolve of it has nothing to close either.
    const again = request(
      { severity: 'high', status: 'resolved', dedupKey: 'cloud-alerts/alarm/opened' },
      'pagerduty-default',
    );
    expect(await notify(w, again)).toBe('folded');
  });

  it('queues the retry after a 429 for a slot of the budget instead of meeting the 429 again', async () => {
    const w = world(undefined, 'slack', { virtualSleep: true });
    const key = bucketKey('slack', WEBHOOK);
    w.failSlack.next = new DeliveryError({
      channel: 'slack',
      retryable: true,
      reason: 'HTTP 429 (rate_limited)',
      status: 429,
      retryAfterMs: 1000,
    });
    expect(await notify(w, request({ severity: 'high' }))).toBe('delivered');
    // One token for the first try, one more for the retry: 1 s apart at Slack's 60 a minute.
    expect(w.budget.tat(key)).toBe(T0 + 2000);
    expect(w.posts).toHaveLength(1);
  });

  it('lets a resolve closing an open incident wait for a free token before it takes a critical slot', async () => {
    const incidents = createMemoryIncidentLedger();
    const w = world(undefined, 'pagerduty', { virtualSleep: true, incidents });
    const opened = request({ severity: 'high', dedupKey: 'cloud-alerts/alarm/waits' }, 'pagerduty-default');
    expect(await notify(w, opened)).toBe('delivered');
    for (let i = 0; i < 15; i++) await notify(w, request({ severity: 'high' }, 'pagerduty-default'));
    const key = bucketKey('pagerduty', ROUTING_KEY);
    const before = w.budget.tat(key) ?? 0;
    const closing = request(
      { severity: 'high', status: 'resolved', dedupKey: 'cloud-alerts/alarm/waits' },
      'pagerduty-default',
    );
    expect(await notify(w, closing)).toBe('delivered');
    // It polled for a free token a slot at a time (110 a minute: 546 ms) instead of reserving one…
    expect(w.slept.filter((ms) => ms === 546).length).toBeGreaterThan(5);
    // …and, the clock standing still, finally took one critical slot, not two.
    expect(w.budget.tat(key)).toBe(before + 546);
  });

  it('sends a resolve first when the incident ledger cannot be read', async () => {
    const broken: IncidentLedger = {
      opened: async () => {},
      closed: async () => {},
      isOpen: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    };
    const w = world(undefined, 'pagerduty', { virtualSleep: true, incidents: broken });
    for (let i = 0; i < 16; i++) await notify(w, request({ severity: 'high' }, 'pagerduty-default'));
    const resolve = request({ severity: 'low', status: 'resolved' }, 'pagerduty-default');
    expect(await notify(w, resolve)).toBe('delivered');
  });

  it('shares one bucket between receivers that name the same webhook', async () => {
    const base = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
    const twin = { name: 'slack-twin', slack: { webhookUrlParameter: '/cloud-alerts/test/slack/twin' } };
    const w = world({ ...base, receivers: [...base.receivers, twin] });
    const context = { ...w.context, [secretKey('slack-twin')]: WEBHOOK } as Context;
    await w.handler(notificationEvent(request({ severity: 'low' })), context);
    const status = (await w.handler(
      notificationEvent(request({ severity: 'low' }, 'slack-twin')),
      context,
    )) as {
      status: string;
    };
    expect(status.status).toBe('folded');
    expect(w.budget.tat(bucketKey('slack', WEBHOOK))).toBe(T0 + 1000);
  });

  it('takes the receiver’s own budget over its channel’s default', async () => {
    const base = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
    const receivers = base.receivers.map((r) =>
      r.name === 'slack-default' ? { ...r, budget: { perMinute: 6, burst: 10, reserve: 0 } } : r,
    );
    const w = world({ ...base, receivers });
    const statuses: string[] = [];
    for (let i = 0; i < 11; i++) statuses.push(await notify(w, request({ severity: 'low' })));
    expect(statuses.filter((s) => s === 'delivered')).toHaveLength(10);
    w.clock.now = T0 + 10_000;
    expect(await notify(w, request({ severity: 'low' }))).toBe('delivered');
  });

  it('sends a critical when the budget store fails, instead of failing it into the dead-letter queue', async () => {
    const throttled = new Error('Throughput exceeds the current capacity of your table');
    throttled.name = 'ProvisionedThroughputExceededException';
    const overflow = createMemoryOverflowStore();
    const { handler, posts, context } = slackNotifier(
      {
        async take() {
          throw throttled;
        },
      },
      overflow,
    );
    for (const severity of ['critical', 'low'] as const) {
      const outcome = (await handler(
        notificationEvent(request({ severity, title: `${severity} one` })),
        context,
      )) as {
        status: string;
      };
      expect(outcome.status).toBe('delivered');
    }
    expect(posts.map((p) => summaryTitle(p).includes('critical one'))).toEqual([true, false]);
    expect(overflow.tally('overflow#slack#slack-default')).toBeUndefined();
  });

  it('sends a request when the overflow tally cannot be written, rather than losing it', async () => {
    const { handler, posts, context } = slackNotifier(
      {
        async take() {
          return { granted: false };
        },
      },
      {
        ...createMemoryOverflowStore(),
        async fold() {
          throw new Error('ThrottlingException');
        },
      },
    );
    const outcome = (await handler(notificationEvent(request({ severity: 'low' })), context)) as {
      status: string;
    };
    expect(outcome.status).toBe('delivered');
    expect(posts).toHaveLength(1);
  });

  it('paces a burst of criticals at the vendor rate, caps the debt, and flushes the rest at once', async () => {
    const w = world(undefined, 'slack', { virtualSleep: true });
    const statuses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        notify(w, request({ severity: 'critical', title: `Critical ${i}` })),
      ),
    );
    // Slack: burst 3 and 20 s of debt at one a second: 23 sent, each in its own second, the rest held.
    expect(statuses.filter((s) => s === 'delivered')).toHaveLength(23);
    expect(statuses.filter((s) => s === 'folded')).toHaveLength(37);
    const sendTimes = [...w.slept].sort((a, b) => a - b);
    expect(sendTimes.slice(0, 3)).toEqual([1000, 2000, 3000]);
    expect(sendTimes.at(-1)).toBe(20_000);
    expect(new Set(sendTimes).size).toBe(sendTimes.length);
    // The folded criticals do not wait for the tally's 30 s flush.
    expect(w.flush.waiting().map((f) => f.visibleAt)).toContain(T0 + 1000);
    w.clock.now = T0 + 1000;
    expect(await w.handler(flushSqsEvent(w.flush.due()), w.context)).toEqual({ batchItemFailures: [] });
    expect(summaryTitle(w.posts.at(-1))).toContain('37 more alerts held back');
    expect(w.posts).toHaveLength(24);
    // It went in the critical lane, waiting for its slot behind the others: at T0 + 24 s minus the burst.
    expect(w.slept.at(-1)).toBe(20_000);
  });

  it('schedules the flush again when the one scheduled was lost before it took the tally', async () => {
    const w = world();
    await notify(w, request({ severity: 'low' }));
    await notify(w, request({ severity: 'low' }));
    expect(w.flush.due(T0 + 30_000)).toHaveLength(1); // received, then dead-lettered without running
    w.clock.now = T0 + 10 * 60_000;
    expect([
      await notify(w, request({ severity: 'low' })),
      await notify(w, request({ severity: 'low' })),
    ]).toEqual(['delivered', 'folded']);
    expect(w.flush.waiting()).toEqual([]);
    // Past its delay and five receives of 180 s, that flush is presumed lost.
    w.clock.now = T0 + 60 * 60_000;
    await notify(w, request({ severity: 'medium' }));
    expect(await notify(w, request({ severity: 'medium' }))).toBe('folded');
    expect(w.flush.waiting()).toHaveLength(1);
    w.clock.now = T0 + 61 * 60_000;
    await runFlush(w);
    expect(summaryTitle(w.posts.at(-1))).toContain('3 more alerts held back');
  });

  it('fails a record on the flush queue that is not a flush message for it, so it reaches the dead-letter queue', async () => {
    const w = world();
    const [good] = flushSqsEvent([
      { v: 1, type: 'overflow-flush', channel: 'slack', receiver: 'slack-default', dueAt: T0 },
    ]).Records;
    if (!good) throw new Error('no record');
    const request18 = request({ severity: 'critical' });
    const records = [
      { ...good, messageId: 'a-request', body: JSON.stringify({ requestPayload: { detail: request18 } }) },
      { ...good, messageId: 'not-json', body: '{' },
      {
        ...good,
        messageId: 'other-channel',
        body: JSON.stringify({ v: 1, type: 'overflow-flush', channel: 'email', receiver: 'x', dueAt: T0 }),
      },
      good,
    ];
    expect(await w.handler({ Records: records }, w.context)).toEqual({
      batchItemFailures: [
        { itemIdentifier: 'a-request' },
        { itemIdentifier: 'not-json' },
        { itemIdentifier: 'other-channel' },
      ],
    });
  });

  it('refuses a wiring with some send-budget ports but not all', () => {
    const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
    const flush: FlushScheduler = { schedule: async () => {} };
    expect(() =>
      notifierHandler(slack, config, { sender: slack.createSender(), delivery: { flush } }),
    ).toThrow(/all of budget, overflow and flush/);
  });
});

describe('laneOf', () => {
  it.each([
    ['critical', 'slack', 'firing', 'x', 'critical'],
    ['high', 'slack', 'firing', 'x', 'urgent'],
    ['medium', 'slack', 'firing', 'x', 'bulk'],
    ['info', 'email', 'firing', 'x', 'bulk'],
    ['low', 'pagerduty', 'resolved', 'x', 'critical'],
    ['low', 'slack', 'resolved', 'x', 'bulk'],
    ['medium', 'slack', 'firing', OVERFLOW_SUMMARY_RULE_ID, 'critical'],
    ['info', 'email', 'firing', TEST_RULE_ID, 'critical'],
  ] as const)('%s on %s (%s, rule %s) takes the %s lane', (severity, channel, status, ruleId, lane) => {
    const alert = buildAlert({ severity, status, ruleId });
    expect(laneOf({ channel, receiver: 'r', key: 'k', alert }, requirePlugin(channel))).toBe(lane);
  });
});

describe('bucketKey', () => {
  it('names the channel and a digest, never the secret', () => {
    const key = bucketKey('slack', WEBHOOK);
    expect(key).toMatch(/^budget#slack#[0-9a-f]{20}$/);
    expect(key).not.toContain('sendBudgetSecret');
    expect(bucketKey('slack', `${WEBHOOK}x`)).not.toBe(key);
  });
});

describe('stormDedupKey', () => {
  it('stays within PagerDuty’s dedup key limit however long the receiver name', () => {
    const p = { channel: 'pagerduty' as const, receiver: 'r'.repeat(300), storm: T0, from: T0 };
    expect(stormDedupKey(p).length).toBeLessThanOrEqual(255);
    expect(stormDedupKey(p)).toBe(stormDedupKey({ ...p }));
    expect(stormDedupKey({ ...p, receiver: 'pd' })).toBe(`cloud-alerts/overflow/pagerduty/pd/storm-${T0}`);
  });
});
