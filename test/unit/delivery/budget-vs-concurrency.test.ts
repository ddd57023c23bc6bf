import type { Context } from 'aws-lambda';
import { notifierHandler } from '../../../shared/aws/notifier.ts';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { createMemoryFlushScheduler } from '../../../shared/delivery/overflow.ts';
import { slack } from '../../../shared/notify/channels/slack/index.ts';
import { SLACK_BUDGET } from '../../../shared/notify/channels/slack/limits.ts';
import { secretKey } from '../../../shared/notify/deliver.ts';
import {
  createMemoryBudgetStore,
  createMemoryOverflowStore,
} from '../../../shared/state/send-budget-memory.ts';
import { notificationEvent } from '../../helpers/events.ts';
import { lambdaContext } from '../../helpers/lambda.ts';
import { buildAlert } from '../notify/fixtures.ts';

beforeAll(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

/**
 * Why the send budget lives in the state table rather than in the notifier's reserved concurrency
 * (issue 18, "measure which holds"). The storm: 200 low alerts for one Slack webhook, then one
 * critical, all arriving at once; a Slack post takes SEND_MS. Time is virtual, so the figures are
 * exact and the same on every machine.
 */
const LOWS = 200;
const SEND_MS = 250;

/** Most sends inside any window of `windowMs` (Slack counts about one a second, short bursts allowed). */
function peak(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while ((sorted[j] ?? 0) - (sorted[i] ?? 0) >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

describe('send budget in the state table vs. reserved concurrency 1 (one Slack webhook, 200 lows then a critical)', () => {
  it('reserved concurrency 1: the critical waits behind every low, and the posts still exceed 1/s', () => {
    // One invocation at a time, in arrival order: each starts when the previous one's send ends.
    const sends = Array.from({ length: LOWS + 1 }, (_, i) => i * SEND_MS);
    const criticalAt = sends.at(-1) ?? 0;
    console.log(
      `reserved concurrency 1: critical sent after ${criticalAt / 1000} s, peak ${peak(sends, 1000)} posts in a second, ${LOWS + 1} posts`,
    );
    expect(criticalAt).toBe(LOWS * SEND_MS);
    expect(peak(sends, 1000)).toBeGreaterThan(SLACK_BUDGET.burst);
  });

  it('state-table budget: the critical goes at once, the lows fold into one summary, Slack stays within its limit', async () => {
    const clock = { now: 0 };
    const sends: number[] = [];
    const flush = createMemoryFlushScheduler(() => clock.now);
    const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
    const handler = notifierHandler(slack, config, {
      sender: {
        async send() {
          sends.push(clock.now);
        },
      },
      delivery: {
        budget: createMemoryBudgetStore(),
        overflow: createMemoryOverflowStore(),
        flush,
        now: () => clock.now,
      },
    });
    const context = {
      ...lambdaContext('notify-slack'),
      [secretKey('slack-default')]: 'https://hooks.example/x',
    };
    const request = (i: number, severity: 'low' | 'critical') => {
      const alert = buildAlert({ id: `storm-${i}`, severity });
      return notificationEvent({
        channel: 'slack',
        receiver: 'slack-default',
        key: `storm-${i}/slack-default`,
        alert,
      });
    };
    // Unlimited concurrency: every invocation runs at once.
    const outcomes = (await Promise.all([
      ...Array.from({ length: LOWS }, (_, i) => handler(request(i, 'low'), context as Context)),
      handler(request(LOWS, 'critical'), context as Context),
    ])) as { status: string }[];
    const criticalAt = sends.at(-1);
    clock.now = config.delivery.overflowSummarySeconds * 1000;
    await handler(
      {
        Records: flush.due().map((m, i) => ({
          messageId: `m${i}`,
          receiptHandle: `m${i}`,
          body: JSON.stringify(m),
          attributes: {},
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:flush',
          awsRegion: 'eu-west-1',
        })),
      },
      context as Context,
    );
    const folded = outcomes.filter((o) => o.status === 'folded').length;
    console.log(
      `state-table budget: critical sent after ${(criticalAt ?? 0) / 1000} s, ${folded} lows folded, peak ${peak(sends, 1000)} posts in a second, ${sends.length} posts`,
    );
    expect(outcomes.at(-1)?.status).toBe('delivered');
    expect(criticalAt).toBe(0);
    expect(folded).toBe(LOWS - 1);
    expect(peak(sends, 1000)).toBeLessThanOrEqual(SLACK_BUDGET.burst);
    expect(sends).toHaveLength(3);
  });
});
