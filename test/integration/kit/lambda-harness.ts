import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parse } from 'yaml';
import { NOTIFIER_DEPLOYMENTS } from '../../../shared/deploy/deployments.ts';
import { notifierResources } from '../../../shared/deploy/notifiers.ts';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';
import type { DeclaredRule } from '../../../shared/eventbridge/serverless.ts';
import type { PutEventsPort } from '../../../shared/pipeline/publish.ts';
import { lambdaContext } from '../../helpers/lambda.ts';

/**
 * What Lambda, SQS and EventBridge do around the functions, in one process, for the storm test:
 * asynchronous invocations that run concurrently and are retried twice before their on-failure
 * destination gets them; SQS queues with DelaySeconds, visibility timeouts and a redrive policy, polled
 * by an event source mapping that honours ReportBatchItemFailures; buses that deliver each entry to the
 * functions whose serverless.yml rule matches it. Time is a port: a queue may run on a scaled clock (the
 * grouping windows of the storm pass in seconds) while vendors and send budgets run on the wall clock.
 */

// --- time -------------------------------------------------------------------------------------------

/** A clock and how long one of its milliseconds lasts on the wall. */
export interface ScaledClock {
  now(): number;
  /** Wall milliseconds until `ms` of this clock have passed. */
  wallMs(ms: number): number;
}

export const wallClock: ScaledClock = { now: Date.now, wallMs: (ms) => ms };

/**
 * A clock that starts at `startMs` and runs `scale` times faster than the wall: at scale 60 a minute
 * passes in a second. Epoch milliseconds, so it can stand in for Date.now in the alert app.
 */
export function virtualClock(startMs: number, scale: number): ScaledClock {
  const origin = performance.now();
  return {
    now: () => Math.floor(startMs + (performance.now() - origin) * scale),
    wallMs: (ms) => ms / scale,
  };
}

// --- work in flight ---------------------------------------------------------------------------------

/**
 * Counts everything still to happen (invocations running, timers for retries and delayed messages),
 * so a run can wait until the system has nothing left to do rather than for a guessed time.
 */
export class Activity {
  private pending = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private halted = false;

  /** True once stop() ran: no timer is started and no queued invocation runs any more. */
  get stopped(): boolean {
    return this.halted;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.pending++;
    return work.finally(() => {
      this.pending--;
    });
  }

  /** Runs `fn` after `ms` wall milliseconds; counted as pending until it has run. */
  after(ms: number, fn: () => void): void {
    if (this.halted) return;
    this.pending++;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.pending--;
        fn();
      },
      Math.max(0, Math.ceil(ms)),
    );
    this.timers.add(timer);
  }

  get inFlight(): number {
    return this.pending;
  }

  /** Resolves once nothing is pending for `quietMs`; rejects after `timeoutMs`. */
  async settled(options: { timeoutMs: number; quietMs?: number }): Promise<void> {
    const quietMs = options.quietMs ?? 100;
    const deadline = Date.now() + options.timeoutMs;
    let quietSince: number | undefined;
    for (;;) {
      const t = Date.now();
      if (this.pending === 0) {
        quietSince ??= t;
        if (t - quietSince >= quietMs) return;
      } else {
        quietSince = undefined;
      }
      if (t > deadline)
        throw new Error(`still ${this.pending} pieces of work in flight after ${options.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Cancels every timer not yet run and refuses what would start later (a retry, an invocation still
   * waiting for a slot), so that once a run is over, cut off or failed, the process can exit: only
   * the invocations already running finish, within their timeout.
   */
  stop(): void {
    this.halted = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

// --- SQS --------------------------------------------------------------------------------------------

export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  /** Receives before SQS moves a message to the dead-letter queue; none = it never moves. */
  maxReceiveCount?: number | undefined;
}

type DeclaredResources = Record<string, { Properties?: Record<string, unknown> }>;

/**
 * A queue's VisibilityTimeout and redrive maxReceiveCount as resources/*.yml declare them, or, for a
 * notifier's queues, as the package generates them (shared/deploy/notifiers.ts).
 */
export function declaredQueueSettings(logicalId: string, files: readonly string[]): QueueSettings {
  const generated = notifierResources(NOTIFIER_DEPLOYMENTS, {
    prefix: 'cloud-alerts-dev',
    assumeRolePolicy: {},
  }).Resources as DeclaredResources;
  const declared = files.map(
    (file) => (parse(readFileSync(file, 'utf8')) as { Resources?: DeclaredResources })?.Resources,
  );
  for (const resources of [...declared, generated]) {
    const props = resources?.[logicalId]?.Properties;
    if (!props) continue;
    const redrive = props.RedrivePolicy as { maxReceiveCount?: unknown } | undefined;
    return {
      visibilityTimeoutSeconds: Number(props.VisibilityTimeout ?? 30),
      maxReceiveCount: typeof redrive?.maxReceiveCount === 'number' ? redrive.maxReceiveCount : undefined,
    };
  }
  throw new Error(`queue ${logicalId} is not declared in ${files.join(', ')}`);
}

interface Message {
  id: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  /** On the queue's clock. */
  visibleAt: number;
  inFlight: boolean;
}

export type SqsConsumer = (event: SQSEvent) => Promise<unknown>;

/**
 * One SQS standard queue. `send` takes DelaySeconds on the queue's clock; an attached consumer gets
 * batches like a Lambda event source mapping: up to `batchSize` visible messages, several batches at
 * once, failures (a thrown error, or the items a ReportBatchItemFailures answer names) visible again
 * after the visibility timeout, and moved to the dead-letter queue once received `maxReceiveCount`
 * times.
 */
export class LocalQueue {
  readonly url: string;
  readonly arn: string;
  /** Every message ever sent, in order (bodies), for assertions. */
  readonly sent: string[] = [];
  private readonly messages = new Map<string, Message>();
  private consumer: SqsConsumer | undefined;
  private batchesRunning = 0;

  constructor(
    readonly name: string,
    private readonly options: {
      clock: ScaledClock;
      activity: Activity;
      settings: QueueSettings;
      deadLetter?: LocalQueue | undefined;
      batchSize?: number;
      /** Batches handed to the consumer at once: Lambda starts with five pollers. */
      concurrentBatches?: number;
    },
  ) {
    this.url = `https://sqs.eu-west-1.amazonaws.com/123456789012/${name}`;
    this.arn = `arn:aws:sqs:eu-west-1:123456789012:${name}`;
  }

  send(body: string, delaySeconds = 0): string {
    const id = randomUUID();
    const now = this.options.clock.now();
    this.sent.push(body);
    this.messages.set(id, {
      id,
      body,
      sentAt: now,
      receiveCount: 0,
      visibleAt: now + delaySeconds * 1000,
      inFlight: false,
    });
    this.wakeAt(now + delaySeconds * 1000);
    return id;
  }

  /** Messages on the queue (waiting, delayed or being handled). */
  depth(): number {
    return this.messages.size;
  }

  bodies(): string[] {
    return [...this.messages.values()].map((m) => m.body);
  }

  consume(consumer: SqsConsumer): void {
    this.consumer = consumer;
    this.poll();
  }

  private wakeAt(at: number): void {
    if (!this.consumer) return;
    const wait = this.options.clock.wallMs(at - this.options.clock.now());
    // One wall millisecond late rather than early: a message must be visible when the poll looks.
    this.options.activity.after(Math.max(0, wait) + 1, () => this.poll());
  }

  private visible(): Message[] {
    const now = this.options.clock.now();
    return [...this.messages.values()].filter((m) => !m.inFlight && m.visibleAt <= now);
  }

  private poll(): void {
    const consumer = this.consumer;
    if (!consumer) return;
    const concurrent = this.options.concurrentBatches ?? 5;
    const batchSize = this.options.batchSize ?? 10;
    const { maxReceiveCount } = this.options.settings;
    while (this.batchesRunning < concurrent) {
      const batch: Message[] = [];
      for (const m of this.visible()) {
        if (batch.length === batchSize) break;
        if (maxReceiveCount !== undefined && m.receiveCount >= maxReceiveCount) {
          // SQS moves it on the receive that would exceed maxReceiveCount.
          this.messages.delete(m.id);
          this.options.deadLetter?.send(m.body);
          continue;
        }
        batch.push(m);
      }
      if (batch.length === 0) return;
      const now = this.options.clock.now();
      const hiddenUntil = now + this.options.settings.visibilityTimeoutSeconds * 1000;
      for (const m of batch) {
        m.inFlight = true;
        m.receiveCount++;
        m.visibleAt = hiddenUntil;
      }
      this.batchesRunning++;
      void this.options.activity.track(this.run(consumer, batch, hiddenUntil));
    }
  }

  private async run(consumer: SqsConsumer, batch: Message[], hiddenUntil: number): Promise<void> {
    let failed: Set<string>;
    try {
      const response = await consumer({ Records: batch.map((m) => this.record(m)) });
      failed = new Set(batchItemFailures(response));
    } catch {
      failed = new Set(batch.map((m) => m.id));
    }
    this.batchesRunning--;
    for (const m of batch) {
      if (failed.has(m.id)) {
        m.inFlight = false;
        this.wakeAt(hiddenUntil);
      } else {
        this.messages.delete(m.id);
      }
    }
    this.poll();
  }

  private record(m: Message): SQSRecord {
    return {
      messageId: m.id,
      receiptHandle: `${m.id}#${m.receiveCount}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'AIDASTORMHARNESS',
        ApproximateFirstReceiveTimestamp: String(m.sentAt),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: 'eu-west-1',
    };
  }
}

function batchItemFailures(response: unknown): string[] {
  if (typeof response !== 'object' || response === null) return [];
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  return Array.isArray(failures) ? failures.map((f) => f.itemIdentifier) : [];
}

// --- Lambda -----------------------------------------------------------------------------------------

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface InvocationStats {
  invocations: number;
  errors: number;
  /** Async events that needed a Lambda retry. */
  retried: number;
  /** Wall milliseconds per invocation, in completion order. */
  durations: number[];
  /** [start, end] wall times of each invocation (performance.now), for busy-time figures. */
  spans: Array<[number, number]>;
  maxConcurrent: number;
}

/**
 * Lambda async invocation: "function errors retried twice (1 min, 2 min), then the on-failure
 * destination" (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
 * The waits are given, so a test can scale them down.
 */
export const LAMBDA_ASYNC_RETRY_DELAYS_MS = [60_000, 120_000] as const;

export interface LocalFunctionOptions {
  name: string;
  handler: Handler;
  /** The function's timeout (wall ms): the context's remaining time counts down from it. */
  timeoutMs: number;
  activity: Activity;
  /** Waits before Lambda's two async retries (wall ms). */
  retryDelaysMs: readonly [number, number];
  /** The on-failure destination: the invocation record after the last retry. */
  onFailure: LocalQueue;
  /**
   * Reserved concurrency: at most this many invocations at once; the others wait their turn, in
   * order, as Lambda keeps throttled async events and retries them. None: as many as are asked for.
   */
  reservedConcurrency?: number | undefined;
}

/** A Lambda function: invoked asynchronously (EventBridge) or synchronously (SQS event source mapping). */
export class LocalFunction {
  readonly stats: InvocationStats = {
    invocations: 0,
    errors: 0,
    retried: 0,
    durations: [],
    spans: [],
    maxConcurrent: 0,
  };
  private running = 0;
  private requests = 0;
  private readonly waiting: Array<() => void> = [];
  private slots = 0;

  constructor(private readonly options: LocalFunctionOptions) {}

  /** Invocations waiting for a slot of the reserved concurrency. */
  get throttled(): number {
    return this.waiting.length;
  }

  /** One run with a fresh context, once a slot is free; a run past the timeout fails like "Task timed out". */
  async invoke(event: unknown): Promise<unknown> {
    const limit = this.options.reservedConcurrency;
    if (limit !== undefined) {
      // A slot that frees is handed to the next in line, so a newcomer cannot slip in between.
      if (this.slots >= limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else this.slots++;
    }
    try {
      if (this.options.activity.stopped) throw new Error(`${this.options.name}: the harness was stopped`);
      return await this.run(event);
    } finally {
      if (limit !== undefined) {
        const next = this.waiting.shift();
        if (next) next();
        else this.slots--;
      }
    }
  }

  private async run(event: unknown): Promise<unknown> {
    const { timeoutMs, handler, name } = this.options;
    const start = performance.now();
    const deadline = Date.now() + timeoutMs;
    const context = invocationContext(name, `${name}-${++this.requests}`, () => deadline - Date.now());
    this.stats.invocations++;
    this.running++;
    this.stats.maxConcurrent = Math.max(this.stats.maxConcurrent, this.running);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Task timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([handler(event, context), timedOut]);
    } catch (err) {
      this.stats.errors++;
      throw err;
    } finally {
      clearTimeout(timer);
      this.running--;
      const end = performance.now();
      this.stats.durations.push(end - start);
      this.stats.spans.push([start, end]);
    }
  }

  /** As EventBridge invokes a target: queued, run, retried twice on error, then the on-failure record. */
  invokeAsync(event: unknown): void {
    const attempt = (n: number): void => {
      void this.options.activity.track(
        this.invoke(event).then(
          () => undefined,
          (err: unknown) => {
            const delay = this.options.retryDelaysMs[n - 1];
            if (delay !== undefined) {
              if (n === 1) this.stats.retried++;
              this.options.activity.after(delay, () => attempt(n + 1));
              return;
            }
            this.options.onFailure.send(JSON.stringify(onFailureRecord(this.options.name, event, n, err)));
          },
        ),
      );
    };
    attempt(1);
  }

  /** The SQS event source mapping's view: a batch in, its response out. */
  consumer(): SqsConsumer {
    return (event) => this.invoke(event);
  }
}

function invocationContext(functionName: string, requestId: string, remaining: () => number): Context {
  return {
    ...lambdaContext(functionName),
    awsRequestId: requestId,
    logStreamName: '2026/12/05/[$LATEST]storm',
    getRemainingTimeInMillis: () => Math.max(0, remaining()),
  };
}

/** What Lambda writes to an on-failure destination after the last attempt of an async event. */
function onFailureRecord(functionName: string, event: unknown, attempts: number, err: unknown) {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: attempts,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: err instanceof Error ? err.name : 'Error',
      errorMessage: err instanceof Error ? err.message : String(err),
    },
  };
}

// --- EventBridge ------------------------------------------------------------------------------------

/** What EventBridge hands a target for one PutEvents entry (or one event on the default bus). */
export function eventBridgeEvent(entry: PutEventsRequestEntry, time: Date): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: '123456789012',
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'eu-west-1',
    resources: entry.Resources ?? [],
    detail: JSON.parse(entry.Detail ?? '{}'),
  };
}

export interface LocalBus {
  /** Delivers an event to every function whose rule on this bus matches it, as often as rules match. */
  deliver(event: Record<string, unknown>): number;
  /** The bus as the alert app's PutEvents port: every entry accepted, recorded and delivered. */
  putEvents: PutEventsPort;
  /** Every entry put, in order. */
  entries: PutEventsRequestEntry[];
}

/**
 * One bus with the rules serverless.yml declares on it (`bus` as DeclaredRule names it: "default" or
 * "AlertsBus"), each delivering to the function it targets, asynchronously.
 */
export function localBus(
  bus: string,
  rules: readonly DeclaredRule[],
  targets: Readonly<Record<string, LocalFunction>>,
  clock: () => number,
): LocalBus {
  const mine = rules
    .filter((r) => r.bus === bus)
    .map((r) => ({ name: r.name, functionKey: r.functionKey, pattern: compilePattern(r.pattern) }));
  const entries: PutEventsRequestEntry[] = [];
  const deliver = (event: Record<string, unknown>) => {
    let delivered = 0;
    for (const rule of mine) {
      if (!matchPattern(rule.pattern, event)) continue;
      // Looked up at delivery: the functions may be built after the bus they publish to.
      const target = targets[rule.functionKey];
      if (!target) throw new Error(`no function ${rule.functionKey} for rule ${rule.name}`);
      target.invokeAsync(event);
      delivered++;
    }
    return delivered;
  };
  return {
    deliver,
    entries,
    putEvents: async (batch) => {
      entries.push(...batch);
      for (const entry of batch) deliver(eventBridgeEvent(entry, new Date(clock())));
      return { FailedEntryCount: 0, Entries: batch.map(() => ({ EventId: randomUUID() })) };
    },
  };
}
