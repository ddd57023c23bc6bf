import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadConfigFile } from '../../shared/config/load.ts';
import { readServerlessRules } from '../../shared/eventbridge/serverless.ts';
import { evaluate } from '../../shared/pipeline/evaluate.ts';
import {
  Activity,
  declaredQueueSettings,
  LocalFunction,
  LocalQueue,
  localBus,
  virtualClock,
  wallClock,
} from './kit/lambda-harness.ts';
import { buildStorm, ISSUE_STORM } from './kit/storm.ts';

let activity: Activity;
beforeEach(() => {
  activity = new Activity();
});
afterEach(() => activity.stop());

const settle = () => activity.settled({ timeoutMs: 5000, quietMs: 20 });

function queue(name: string, extra: Partial<ConstructorParameters<typeof LocalQueue>[1]> = {}) {
  return new LocalQueue(name, {
    clock: wallClock,
    activity,
    settings: { visibilityTimeoutSeconds: 0.05 },
    ...extra,
  });
}

describe('LocalQueue', () => {
  it('holds a message for its DelaySeconds on the queue clock, then hands it to the consumer', async () => {
    // A minute passes in 60 ms at scale 1000.
    const clock = virtualClock(Date.parse('2026-12-05T10:00:00Z'), 1000);
    const q = queue('delayed', { clock });
    const seen: Array<{ body: string; at: number }> = [];
    q.consume(async (event) => {
      for (const r of event.Records) seen.push({ body: r.body, at: clock.now() });
    });
    const sentAt = clock.now();
    q.send('later', 60);
    q.send('now');
    await settle();
    expect(seen.map((s) => s.body)).toEqual(['now', 'later']);
    expect(seen[1]?.at).toBeGreaterThanOrEqual(sentAt + 60_000);
    expect(q.depth()).toBe(0);
  });

  it('redelivers only the items a batch response names, and moves a message to the DLQ after maxReceiveCount', async () => {
    const dlq = queue('dlq');
    const q = queue('main', {
      settings: { visibilityTimeoutSeconds: 0.01, maxReceiveCount: 3 },
      deadLetter: dlq,
    });
    const received: string[] = [];
    q.consume(async (event: SQSEvent): Promise<SQSBatchResponse> => {
      received.push(...event.Records.map((r) => r.body));
      return {
        batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      };
    });
    q.send('fine');
    q.send('poison');
    await settle();
    expect(received.filter((b) => b === 'fine')).toHaveLength(1);
    expect(received.filter((b) => b === 'poison')).toHaveLength(3);
    expect(dlq.bodies()).toEqual(['poison']);
    expect(q.depth()).toBe(0);
  });

  it('retries a whole batch whose consumer throws', async () => {
    const q = queue('throws');
    let calls = 0;
    q.consume(async () => {
      calls++;
      if (calls === 1) throw new Error('cold start failed');
    });
    q.send('a');
    await settle();
    expect(calls).toBe(2);
    expect(q.depth()).toBe(0);
  });

  it('reads visibility timeout and redrive from resources/*.yml', () => {
    expect(declaredQueueSettings('GroupCloseQueue', ['resources/core.yml'])).toEqual({
      visibilityTimeoutSeconds: 180,
      maxReceiveCount: 5,
    });
  });
});

describe('LocalFunction', () => {
  /** A notifier-like function retried twice (5 ms, then 10 ms) before its on-failure record. */
  function notifyTest(
    onFailure: ConstructorParameters<typeof LocalFunction>[0]['onFailure'],
    handler: ConstructorParameters<typeof LocalFunction>[0]['handler'],
  ): LocalFunction {
    return new LocalFunction({
      name: 'notify-test',
      timeoutMs: 1000,
      activity,
      retryDelaysMs: [5, 10],
      onFailure,
      handler,
    });
  }

  it('retries a failing async event twice, then writes the on-failure record', async () => {
    const onFailure = queue('on-failure');
    let attempts = 0;
    const fn = notifyTest(onFailure, async () => {
      attempts++;
      throw new Error('vendor down');
    });
    fn.invokeAsync({ id: 'ev-1' });
    await settle();
    expect(attempts).toBe(3);
    const [record] = onFailure.bodies().map((b) => JSON.parse(b));
    expect(record).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { id: 'ev-1' },
      responsePayload: { errorMessage: 'vendor down' },
    });
    expect(fn.stats).toMatchObject({ invocations: 3, errors: 3, retried: 1 });
  });

  it('writes nothing when a retry succeeds, and runs invocations concurrently', async () => {
    const onFailure = queue('on-failure');
    let attempts = 0;
    const fn = notifyTest(onFailure, async () => {
      const attempt = ++attempts;
      await new Promise((r) => setTimeout(r, 20));
      if (attempt === 1) throw new Error('once');
    });
    for (let n = 0; n < 5; n++) fn.invokeAsync({ n });
    await settle();
    expect(onFailure.depth()).toBe(0);
    expect(fn.stats.maxConcurrent).toBe(5);
    expect(fn.stats.invocations).toBe(6);
  });

  it('runs at most its reserved concurrency at once, the others in arrival order', async () => {
    const order: number[] = [];
    const fn = new LocalFunction({
      name: 'serial',
      timeoutMs: 1000,
      activity,
      retryDelaysMs: [1, 1],
      onFailure: queue('on-failure'),
      reservedConcurrency: 1,
      handler: async (event) => {
        await new Promise((r) => setTimeout(r, 5));
        order.push(Number((event as { n: number }).n));
      },
    });
    for (let n = 0; n < 6; n++) fn.invokeAsync({ n });
    expect(fn.throttled).toBe(5);
    await settle();
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(fn.stats.maxConcurrent).toBe(1);
  });

  it('fails an invocation that runs past its timeout, with a context that counts down', async () => {
    const onFailure = queue('on-failure');
    const remaining: number[] = [];
    const fn = new LocalFunction({
      name: 'slow',
      timeoutMs: 30,
      activity,
      retryDelaysMs: [1, 1],
      onFailure,
      handler: async (_event, context) => {
        remaining.push(context.getRemainingTimeInMillis());
        await new Promise((r) => setTimeout(r, 60));
      },
    });
    fn.invokeAsync({});
    await settle();
    expect(remaining.every((ms) => ms <= 30)).toBe(true);
    expect(JSON.parse(onFailure.bodies()[0] ?? '{}').responsePayload.errorMessage).toMatch(/timed out/);
  });
});

describe('localBus', () => {
  it('delivers each entry to the function whose serverless.yml rule on that bus matches it', async () => {
    const rules = readServerlessRules('serverless.yml');
    const got: Record<string, unknown[]> = { notifySlack: [], notifyPagerDuty: [], notifyEmail: [] };
    const targets = Object.fromEntries(
      Object.keys(got).map((key) => [
        key,
        new LocalFunction({
          name: key,
          timeoutMs: 1000,
          activity,
          retryDelaysMs: [1, 1],
          onFailure: queue(`${key}-dlq`),
          handler: async (event) => {
            got[key]?.push(event);
          },
        }),
      ]),
    );
    const bus = localBus('AlertsBus', rules, targets, Date.now);
    const entry = (channel: string) => ({
      Source: 'cloud-alerts',
      DetailType: 'Notification Requested',
      Detail: JSON.stringify({ channel, receiver: 'r', key: 'k', alert: {} }),
    });
    await bus.putEvents([
      entry('slack'),
      entry('pagerduty'),
      entry('slack'),
      { ...entry('email'), DetailType: 'Alert Raised' },
    ]);
    await settle();
    expect(got.notifySlack).toHaveLength(2);
    expect(got.notifyPagerDuty).toHaveLength(1);
    expect(got.notifyEmail).toHaveLength(0);
    expect(got.notifySlack?.[0]).toMatchObject({ source: 'cloud-alerts', detail: { channel: 'slack' } });
  });
});

describe('buildStorm', () => {
  const storm = buildStorm({ ...ISSUE_STORM, startMs: Date.parse('2026-12-05T10:00:00Z') });
  const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });

  it("is the issue's storm: 2,000 events in three parts and one critical change half-way", () => {
    const parts = new Map<string, number>();
    for (const e of storm.events) parts.set(e.part, (parts.get(e.part) ?? 0) + 1);
    expect(Object.fromEntries(parts)).toEqual({
      'one-actor': 600,
      'many-actors': 400,
      alarms: 1000,
      critical: 1,
    });
    expect(storm.critical.offsetMs).toBe(150_000);
    const offsets = storm.events.map((e) => e.offsetMs);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  it('raises an alert from every event, with a fresh id each, the rule the template raises', () => {
    const ids = new Set<string>();
    const rules = new Map<string, Set<string>>();
    for (const e of storm.events) {
      const result = evaluate(e.event, config);
      expect(result.rejected).toBeUndefined();
      expect(result.alerts).toHaveLength(1);
      for (const a of result.alerts) {
        ids.add(a.id);
        rules.set(e.part, (rules.get(e.part) ?? new Set()).add(`${a.ruleId}/${a.severity}`));
      }
    }
    expect(ids.size).toBe(storm.events.length);
    expect([...(rules.get('one-actor') ?? [])]).toEqual(['s3-bucket-policy-public/critical']);
    expect([...(rules.get('critical') ?? [])]).toEqual(['iam-policy-attached/critical']);
    expect([...(rules.get('alarms') ?? [])]).toEqual(['cloudwatch-alarm/high']);
    expect(rules.get('many-actors')?.size).toBe(9);
  });

  it('is the same storm for the same seed', () => {
    const again = buildStorm({ ...ISSUE_STORM, startMs: Date.parse('2026-12-05T10:00:00Z') });
    expect(again.events.map((e) => e.event.id)).toEqual(storm.events.map((e) => e.event.id));
  });
});
