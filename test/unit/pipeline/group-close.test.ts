import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createSqsGroupCloseQueue } from '../../../shared/aws/group-close-queue.ts';
import type { Alert } from '../../../shared/events/alert.ts';
import { isSqsEvent } from '../../../shared/events/sqs.ts';
import {
  delaySecondsUntil,
  type GroupCloseMessage,
  handleGroupCloseBatch,
  SQS_MAX_DELAY_SECONDS,
} from '../../../shared/pipeline/group-close.ts';
import { silentLogger } from '../../../shared/pipeline/logger.ts';
import { GROUP_SUMMARY_RULE_ID, seedOf, summaryAlert } from '../../../shared/stages/grouping.ts';
import { createMemoryStateStore } from '../../../shared/state/memory.ts';
import type { ClaimInput, PendingSummary, StateStore } from '../../../shared/state/store.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-21T09:14:27Z');
const KEY = 'group#0123456789abcdef0123456789abcdef';

const seed = seedOf({
  id: 'ct:0',
  ruleId: 'iam-user-created',
  title: 'IAM user created',
  severity: 'medium',
  status: 'firing',
  kind: 'cloudtrail',
  summary: 'role/terraform-ci created user bob',
  account: { id: '123456789012', alias: 'prod' },
  region: 'us-east-1',
  time: new Date(T0).toISOString(),
  actor: {
    kind: 'assumed-role',
    display: 'role terraform-ci',
    name: 'terraform-ci',
    crossAccount: false,
  },
  facts: [],
  links: [],
  dedupKey: 'k',
  eventId: 'ev-0',
});

function claim(owner: string, at: number, severity: ClaimInput['severity'] = 'medium'): ClaimInput {
  return {
    key: KEY,
    owner,
    at,
    windowMs: 5 * MINUTE,
    rank: severity === 'high' ? 3 : 2,
    severity,
    rule: 'iam-user-created',
    expiresAt: Math.ceil(T0 / 1000) + 86_400,
    now: at,
    summarize: seed,
  };
}

/** A window opened at T0 that holds `held` alerts. */
async function windowHolding(store: StateStore, held: number): Promise<void> {
  await store.claim(claim('ct:0', T0));
  for (let i = 1; i <= held; i++) await store.claim(claim(`ct:${i}`, T0 + i * 1000));
}

function message(overrides: Partial<GroupCloseMessage> = {}): GroupCloseMessage {
  return { v: 1, key: KEY, openedAt: T0, windowMs: 5 * MINUTE, dueAt: T0 + 6 * MINUTE, seed, ...overrides };
}

function sqsEvent(...bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'x',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:cloud-alerts-dev-group-close',
      awsRegion: 'eu-west-1',
    })),
  };
}

function harness(store: StateStore, nowMs: number) {
  const published: Alert[] = [];
  const requeued: Array<{ message: GroupCloseMessage; delaySeconds: number }> = [];
  const errors: string[] = [];
  const deps = {
    store,
    publish: async (alerts: Alert[]) => void published.push(...alerts),
    requeue: async (m: GroupCloseMessage, delaySeconds: number) =>
      void requeued.push({ message: m, delaySeconds }),
    logger: { ...silentLogger, error: (m: string) => void errors.push(m) },
    now: () => nowMs,
  };
  return { deps, published, requeued, errors };
}

/** The notifiers' idempotency, in short: the first alert under an id is the one delivered. */
function deliveredOnce(published: Alert[]): Alert[] {
  const byId = new Map<string, Alert>();
  for (const a of published) if (!byId.has(a.id)) byId.set(a.id, a);
  return [...byId.values()];
}

/** How many held alerts the summaries count, from their "Held back" fact ("2 medium, 1 low"). */
function counted(summaries: Alert[]): number {
  return summaries
    .flatMap((a) => a.facts.filter((f) => f.label === 'Held back'))
    .flatMap((f) => f.value.split(', '))
    .reduce((n, part) => n + Number.parseInt(part, 10), 0);
}

describe('handleGroupCloseBatch', () => {
  it('sends the summary of a closed window, then forgets it', async () => {
    const store = createMemoryStateStore();
    await windowHolding(store, 3);
    const h = harness(store, T0 + 6 * MINUTE);
    const out = await handleGroupCloseBatch(sqsEvent(JSON.stringify(message())), h.deps);
    expect(out).toEqual({ batchItemFailures: [] });
    expect(h.published).toHaveLength(1);
    expect(h.published[0]).toMatchObject({
      ruleId: GROUP_SUMMARY_RULE_ID,
      title: '3 more alerts by role/terraform-ci',
      account: { id: '123456789012', alias: 'prod' },
      region: 'us-east-1',
      eventId: 'ev-0',
    });
    await expect(store.window(KEY)).resolves.toMatchObject({ held: 0, summarized: 3, pending: [] });
    expect(h.requeued).toEqual([]);
  });

  it("hands the publish path the group's receivers from the message's seed; an older message without them has none", async () => {
    const store = createMemoryStateStore();
    await windowHolding(store, 2);
    const addressed: Array<ReadonlyMap<string, readonly string[]>> = [];
    const h = harness(store, T0 + 6 * MINUTE);
    const deps = {
      ...h.deps,
      publish: async (alerts: Alert[], to: ReadonlyMap<string, readonly string[]>) => {
        h.published.push(...alerts);
        addressed.push(to);
      },
    };
    const withReceivers = message({ seed: { ...seed, receivers: ['email-audit'] } });
    await handleGroupCloseBatch(sqsEvent(JSON.stringify(withReceivers)), deps);
    expect(h.published).toHaveLength(1);
    expect([...(addressed[0] ?? [])]).toEqual([[h.published[0]?.id, ['email-audit']]]);
    const store2 = createMemoryStateStore();
    await windowHolding(store2, 1);
    await handleGroupCloseBatch(sqsEvent(JSON.stringify(message())), { ...deps, store: store2 });
    expect(addressed[1]?.size).toBe(0);
  });

  it('reports the slot its message names: time, span and covers say the slot, not the whole group', async () => {
    const store = createMemoryStateStore();
    await windowHolding(store, 2);
    const h = harness(store, T0 + 11 * MINUTE);
    const slot = { startsAt: T0 + 5 * MINUTE, endsAt: T0 + 10 * MINUTE };
    await handleGroupCloseBatch(sqsEvent(JSON.stringify(message({ slot, dueAt: T0 + 11 * MINUTE }))), h.deps);
    expect(h.published[0]).toMatchObject({
      time: new Date(T0 + 10 * MINUTE).toISOString(),
      summary: expect.stringMatching(
        /^and 2 more by role\/terraform-ci in the 5 minutes from 2026-11-21T09:19:27\.000Z /,
      ),
      covers: 2,
      dedupKey: `cloud-alerts/group/${KEY}/${T0}`,
    });
  });

  it('sends nothing again for a repeated message once the summary went out', async () => {
    const store = createMemoryStateStore();
    await windowHolding(store, 2);
    const h = harness(store, T0 + 6 * MINUTE);
    await handleGroupCloseBatch(sqsEvent(JSON.stringify(message())), h.deps);
    await handleGroupCloseBatch(sqsEvent(JSON.stringify(message())), h.deps);
    expect(h.published).toHaveLength(1);
  });

  it('sends the summary the next alert carried, the same one, unless that alert already cleared it', async () => {
    const store = createMemoryStateStore();
    await windowHolding(store, 2);
    const opened = await store.claim(claim('ct:9', T0 + 5 * MINUTE + 10_000));
    if (opened.outcome !== 'opened' || !opened.pending) throw new Error('nothing carried');
    const carried = summaryAlert(KEY, opened.pending[0] as PendingSummary);
    const h = harness(store, T0 + 6 * MINUTE);
    await handleGroupCloseBatch(sqsEvent(JSON.stringify(message())), h.deps);
    expect(h.published).toEqual([carried]);

    const cleared = createMemoryStateStore();
    await windowHolding(cleared, 2);
    const again = await cleared.claim(claim('ct:9', T0 + 5 * MINUTE + 10_000));
    if (again.outcome !== 'opened' || !again.pending) throw new Error('nothing carried');
    await cleared.clearPending(KEY, again.pending);
    const h2 = harness(cleared, T0 + 6 * MINUTE);
    await handleGroupCloseBatch(sqsEvent(JSON.stringify(message())), h2.deps);
    expect(h2.published).toEqual([]);
  });

  it('sends a message that is not due yet back for the rest of the wait, at most 15 minutes a hop', async () => {
    const store = createMemoryStateStore();
    await windowHolding(store, 1);
    const dueAt = T0 + 60 * MINUTE;
    const h = harness(store, T0 + 2 * MINUTE);
    await handleGroupCloseBatch(sqsEvent(JSON.stringify(message({ dueAt }))), h.deps);
    expect(h.published).toEqual([]);
    expect(h.requeued).toEqual([{ message: message({ dueAt }), delaySeconds: SQS_MAX_DELAY_SECONDS }]);

    const near = harness(store, dueAt - 90_500);
    await handleGroupCloseBatch(sqsEvent(JSON.stringify(message({ dueAt }))), near.deps);
    expect(near.requeued[0]?.delaySeconds).toBe(91);
  });

  it('leaves a straggler held while the summary was on its way to the next summary', async () => {
    const store = createMemoryStateStore();
    await windowHolding(store, 2);
    const h = harness(store, T0 + 6 * MINUTE);
    h.deps.publish = async (alerts: Alert[]) => {
      h.published.push(...alerts);
      await store.claim(claim('ct:late', T0 + 4 * MINUTE));
    };
    await handleGroupCloseBatch(sqsEvent(JSON.stringify(message())), h.deps);
    expect(h.published.map((a) => a.title)).toEqual(['2 more alerts by role/terraform-ci']);
    await expect(store.window(KEY)).resolves.toMatchObject({ held: 1, summarized: 2, pending: [] });
  });

  it('reports only the failed message, and its retry sends the very same summary', async () => {
    const store = createMemoryStateStore();
    await windowHolding(store, 2);
    const h = harness(store, T0 + 6 * MINUTE);
    const attempts: Alert[][] = [];
    h.deps.publish = async (alerts: Alert[]) => {
      attempts.push(alerts);
      if (attempts.length === 1) throw new Error('PutEvents throttled');
    };
    const other = JSON.stringify(message({ key: 'group#other' }));
    const out = await handleGroupCloseBatch(sqsEvent(JSON.stringify(message()), other), h.deps);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }] });
    expect(h.errors).toEqual(['group summary failed: SQS will retry it']);
    await expect(store.window(KEY)).resolves.toMatchObject({ held: 0, pending: [{ held: 2 }] });
    await handleGroupCloseBatch(sqsEvent(JSON.stringify(message())), h.deps);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]).toEqual(attempts[0]);
  });

  it('loses no held alert and counts none twice when the retry meets a straggler', async () => {
    const base = createMemoryStateStore();
    await windowHolding(base, 5);
    let failClear = true;
    const store: StateStore = {
      ...base,
      clearPending: async (key, sent) => {
        if (failClear) {
          failClear = false;
          throw new Error('ProvisionedThroughputExceededException');
        }
        return base.clearPending(key, sent);
      },
    };
    const h = harness(store, T0 + 6 * MINUTE);
    const first = await handleGroupCloseBatch(sqsEvent(JSON.stringify(message())), h.deps);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    // Held during the visibility timeout: it happened inside the window, CloudTrail was late.
    expect((await base.claim(claim('ct:6', T0 + 4 * MINUTE))).outcome).toBe('held');
    await handleGroupCloseBatch(sqsEvent(JSON.stringify(message())), h.deps);
    const delivered = deliveredOnce(h.published);
    expect(delivered.map((a) => a.title)).toEqual([
      '5 more alerts by role/terraform-ci',
      '1 more alert by role/terraform-ci',
    ]);
    expect(counted(delivered)).toBe(6);
    await expect(base.window(KEY)).resolves.toMatchObject({ held: 0, summarized: 6, pending: [] });
  });

  it('loses no held alert and counts none twice when SQS delivers the message twice at once', async () => {
    const store = createMemoryStateStore();
    await windowHolding(store, 5);
    const published: Alert[] = [];
    const a = harness(store, T0 + 6 * MINUTE);
    const b = harness(store, T0 + 6 * MINUTE);
    // A takes and sends; a straggler is held; B takes the straggler and sends both; then A clears.
    a.deps.publish = async (alerts: Alert[]) => {
      published.push(...alerts);
      await store.claim(claim('ct:6', T0 + 4 * MINUTE));
      b.deps.publish = async (more: Alert[]) => void published.push(...more);
      await handleGroupCloseBatch(sqsEvent(JSON.stringify(message())), b.deps);
    };
    await handleGroupCloseBatch(sqsEvent(JSON.stringify(message())), a.deps);
    expect(counted(deliveredOnce(published))).toBe(6);
    await expect(store.window(KEY)).resolves.toMatchObject({ held: 0, summarized: 6, pending: [] });
  });

  it('logs and drops a message it cannot read: retrying would never succeed', async () => {
    const h = harness(createMemoryStateStore(), T0);
    const out = await handleGroupCloseBatch(
      sqsEvent('not json', JSON.stringify({ ...message(), v: 2 })),
      h.deps,
    );
    expect(out).toEqual({ batchItemFailures: [] });
    expect(h.errors).toEqual([
      'group-close message unreadable: dropped',
      'group-close message unreadable: dropped',
    ]);
  });
});

describe('group-close helpers', () => {
  it('rounds a wait up to whole seconds, within what SQS allows', () => {
    expect(delaySecondsUntil(T0 + 1500, T0)).toBe(2);
    expect(delaySecondsUntil(T0 - 5000, T0)).toBe(0);
    expect(delaySecondsUntil(T0 + 3_600_000, T0)).toBe(900);
  });

  it('tells an SQS batch from an EventBridge event', () => {
    expect(isSqsEvent(sqsEvent('{}'))).toBe(true);
    expect(isSqsEvent({ Records: [] })).toBe(false);
    expect(isSqsEvent({ 'detail-type': 'AWS API Call via CloudTrail', detail: {} })).toBe(false);
    expect(isSqsEvent({ Records: [{ eventSource: 'aws:s3' }] })).toBe(false);
  });
});

describe('createSqsGroupCloseQueue', () => {
  const sqsMock = mockClient(SQSClient);
  beforeEach(() => sqsMock.reset());

  it('sends the request as a message SQS delays until the window closes', async () => {
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'x' });
    const now = T0 + MINUTE;
    const queue = createSqsGroupCloseQueue({
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/cloud-alerts-dev-group-close',
      sqs: new SQSClient({ region: 'eu-west-1' }),
      now: () => now,
    });
    await queue.scheduler.schedule({
      key: KEY,
      openedAt: T0,
      windowMs: 5 * MINUTE,
      slot: { startsAt: T0, endsAt: T0 + 5 * MINUTE },
      at: T0 + MINUTE,
      dueInMs: 5 * MINUTE,
      seed,
    });
    const calls = sqsMock.commandCalls(SendMessageCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.DelaySeconds).toBe(300);
    expect(JSON.parse(input?.MessageBody ?? '')).toEqual(
      message({ dueAt: now + 5 * MINUTE, slot: { startsAt: T0, endsAt: T0 + 5 * MINUTE } }),
    );
  });

  it('names the failure without quoting the request', async () => {
    sqsMock
      .on(SendMessageCommand)
      .rejects(Object.assign(new Error('secret body text'), { name: 'QueueDoesNotExist' }));
    const queue = createSqsGroupCloseQueue({
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/missing',
      sqs: new SQSClient({ region: 'eu-west-1' }),
    });
    const sent = queue.requeue(message(), 10);
    await expect(sent).rejects.toThrow('SQS SendMessage to the group-close queue failed (QueueDoesNotExist)');
    await expect(sent).rejects.not.toThrow('secret body text');
  });
});
