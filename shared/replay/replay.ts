import { createHash } from 'node:crypto';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { AlarmLookup } from '../alarms/lookup.ts';
import { type AlertApp, createAlertApp, noAlarmLookup } from '../app/alert.ts';
import { placeholderSecret } from '../app/local.ts';
import { patternsFor } from '../backtest/prefilter.ts';
import { receiverSettings } from '../config/receivers.ts';
import type { Config } from '../config/schema.ts';
import { isRecord, str } from '../detect/values.ts';
import { type CompiledPattern, compilePattern, matchPattern } from '../eventbridge/pattern.ts';
import type { DeclaredRule } from '../eventbridge/serverless.ts';
import { ALERT_RAISED, type Alert, AlertSchema, type Channel } from '../events/alert.ts';
import type { EvidencePorts } from '../evidence/ports.ts';
import type { HeartbeatIdentity } from '../heartbeat/heartbeat.ts';
import { pluginFor, pluginOf } from '../notify/channels/registry.ts';
import type { AnyChannelPlugin, ChannelSender } from '../notify/channels/types.ts';
import { type DeliveryContext, envSecretName } from '../notify/deliver.ts';
import { type GroupCloseMessage, groupCloseMessage } from '../pipeline/group-close.ts';
import { type LogPort, silentLogger } from '../pipeline/logger.ts';
import { handleNotification } from '../pipeline/notify.ts';
import { EXAMPLES_LABEL, GROUP_SUMMARY_RULE_ID } from '../stages/grouping.ts';
import { createMemoryStateStore } from '../state/memory.ts';

export interface ReplayAlert {
  rule: string;
  severity: string;
  status: string;
  title: string;
  summary: string;
  verdict: string | null;
  /** For a summary: how many alerts it stands for (absent: one). */
  covers?: number;
  /** For a grouping summary: its examples of the alerts it held, "and N more" last. */
  examples?: string[];
}

export interface ReplayNotification {
  channel: Channel;
  receiver: string;
  body: unknown;
  /** With --send: "delivered" or the delivery error. */
  delivery?: string;
}

export interface ReplaySuppression {
  rule: string;
  kind: string;
  reason: string;
  /** Grouping: the held alert's severity. */
  severity?: string;
}

export interface ReplayResult {
  source: string;
  id: string | null;
  detailType: string | null;
  matchedRules: string[];
  alerts: ReplayAlert[];
  notifications: ReplayNotification[];
  /** Alerts the stages held back (allow-list, silence, dedupe…), with the reason. */
  suppressed: ReplaySuppression[];
  error: string | null;
  /** For a grouping summary (no input event of its own): when its window's close sent it. */
  time?: string;
}

/** A grouping summary's examples, so the replay shows which alerts it held and not just how many. */
function examplesOf(alert: Alert): { examples?: string[] } {
  if (alert.ruleId !== GROUP_SUMMARY_RULE_ID) return {};
  const fact = alert.facts.find((f) => f.label === EXAMPLES_LABEL);
  return fact ? { examples: fact.value.split('\n') } : {};
}

export interface CompiledRule extends DeclaredRule {
  compiled: CompiledPattern;
}

const ALERT_HANDLER = 'functions/alert/handler';
const NOTIFIER = /^functions\/notify-([a-z][a-z0-9-]*)\/handler/;

export interface ReplayerOptions {
  rules: DeclaredRule[];
  config: Config;
  /** Deliver for real with these senders, by channel (each plugin.createSender()); otherwise dry-run. */
  // biome-ignore lint/suspicious/noExplicitAny: each channel's sender has its own body and settings types
  send?: Readonly<Record<string, ChannelSender<any, any>>>;
  /** Secrets for --send (secretsFromEnv); dry-run shows a placeholder naming the SSM parameter instead. */
  secret?: DeliveryContext['secret'];
  /** Why a secret is missing, for --send (secretsFromEnv). */
  secretProblem?: DeliveryContext['secretProblem'];
  /**
   * The stack's topic, for e-mail receivers with `topicArn: stack`. A dry run shows one named after the
   * event's account and region when this is left out; `--send` passes ALERTS_TOPIC_ARN, or nothing.
   */
  stackTopicArn?: (account: string, region: string) => string | undefined;
  logger?: LogPort;
  /** Stands in for CloudWatch's DescribeAlarms/ListTagsForResource (--alarm-tags FILE). */
  alarmLookup?: AlarmLookup;
  /** Stand in for GetMetricData, DescribeAlarms, FilterLogEvents and LookupEvents (--evidence FILE). */
  evidence?: EvidencePorts;
  /** Whose writes are the heartbeat: shown as matched and quiet, as the Lambda counts them. */
  heartbeat?: HeartbeatIdentity | undefined;
  /**
   * Whether the notifications of a result raising these alerts need their bodies; when it says no,
   * each notification is still listed (channel and receiver) but nothing is rendered, and `body` is
   * null. Backtest keeps the bodies of the first alert of each kind only, and rendering every channel
   * for every other one was most of its main thread's time. Default: always render.
   */
  needsBodies?: (alerts: ReadonlyArray<{ rule: string; severity: string; status: string }>) => boolean;
}

/**
 * `replay --send` reads each receiver's secret from CLOUD_ALERTS_SECRET_<RECEIVER>, the value Lambda
 * reads from the receiver's SSM parameter. When one is missing, `secretProblem` says which variable to
 * set and which parameter's value belongs in it (never a value): the notifier's own delivery code
 * fails that receiver alone with it, as it does in Lambda with what SSM answered.
 */
export function secretsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): Required<Pick<DeliveryContext, 'secret' | 'secretProblem'>> {
  return {
    secret: (receiver) => env[envSecretName(receiver.name)] || undefined,
    secretProblem: (receiver) => {
      const variable = envSecretName(receiver.name);
      if (env[variable]) return undefined;
      const plugin = pluginOf(receiver);
      const settings = receiverSettings(receiver, plugin);
      const spec = settings === undefined ? undefined : plugin.secret(settings);
      if (spec === undefined) return undefined;
      return `no ${spec.what}: ${variable} is not set (set it to the value of SSM parameter ${spec.parameter})`;
    },
  };
}

/** EventBridge gives every event put on a bus an id; replay derives one from the content, so runs repeat. */
function derivedId(entry: PutEventsRequestEntry): string {
  const h = createHash('sha256').update(`${entry.DetailType}\n${entry.Detail}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What the alerts bus would hand to a rule's target for an entry the alert function put. */
export function deliveredEvent(
  entry: PutEventsRequestEntry,
  origin: Record<string, unknown>,
): Record<string, unknown> {
  return {
    version: '0',
    id: derivedId(entry),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: str(origin.account) ?? '123456789012',
    time: str(origin.time) ?? new Date(0).toISOString(),
    region: str(origin.region) ?? 'us-east-1',
    resources: entry.Resources ?? [],
    detail: JSON.parse(entry.Detail ?? 'null'),
  };
}

/** A replay run: one call per event, in order. */
export interface Replayer {
  (source: string, event: unknown): Promise<ReplayResult>;
  /**
   * Grouping summaries due by `untilMs` (event time; every one still pending when left out), as
   * Lambda sends them from the group-close queue when a window closes. Call it before replaying an
   * event with that event's time, and once at the end.
   */
  closeDue(untilMs?: number): Promise<ReplayResult[]>;
  /** What it runs: the alert application as Lambda builds it (shared/app/alert.ts), with local ports. */
  readonly app: AlertApp;
}

/** When an EventBridge event happened (its `time`), epoch ms, if it says. */
export function eventTimeMs(event: unknown): number | undefined {
  const t = isRecord(event) ? Date.parse(str(event.time) ?? '') : Number.NaN;
  return Number.isFinite(t) ? t : undefined;
}

/** A result with nothing in it yet (or, with `error` set, a line for an input that could not be read). */
export function emptyResult(source: string): ReplayResult {
  return {
    source,
    id: null,
    detailType: null,
    matchedRules: [],
    alerts: [],
    notifications: [],
    suppressed: [],
    error: null,
  };
}

/** The batch the group-close queue hands the alert function for one message. */
function groupCloseBatch(message: GroupCloseMessage): SQSEvent {
  const at = String(message.dueAt);
  return {
    Records: [
      {
        messageId: `replay-${createHash('sha256').update(`${message.key}\n${at}`).digest('hex').slice(0, 16)}`,
        receiptHandle: 'replay',
        body: JSON.stringify(message),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: at,
          SenderId: 'replay',
          ApproximateFirstReceiveTimestamp: at,
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:replay-group-close',
        awsRegion: message.seed.region,
      },
    ],
  };
}

/**
 * Local replay with the real code paths: the patterns from serverless.yml decide whether the alert
 * function runs; the alert application Lambda builds (shared/app/alert.ts) runs it, with local ports;
 * its PutEvents entries go to an in-memory bus whose rules (also from serverless.yml) decide which
 * notifier runs; the notifiers render exactly what they would send. Grouping windows close in event
 * time: their summaries come from closeDue, through the same group-close consumer Lambda runs.
 * One event at a time: a call must finish before the next starts.
 */
/**
 * The serverless.yml rules on the default bus that run the alert function, compiled: an event none
 * of them matches never reaches it. `cloud-alerts routes test` asks the same question replay does.
 */
export function alertFunctionRules(rules: readonly DeclaredRule[]): CompiledRule[] {
  return rules
    .filter((r) => r.bus === 'default' && r.handler.startsWith(ALERT_HANDLER))
    .map((r) => ({ ...r, compiled: compilePattern(r.pattern) }));
}

/**
 * The names of the rules among `entryRules` that match an event, in serverless.yml's order. Each
 * event is matched in full only against the rules its source, event name and plain detail fields
 * leave possible (shared/backtest/prefilter.ts, exact where it says no): a backtest replays
 * thousands of events through every rule.
 */
export function ruleMatcher(
  entryRules: readonly CompiledRule[],
): (event: Record<string, unknown>) => string[] {
  const lookup = patternsFor(entryRules.map((r) => r.pattern));
  const names = new Map(lookup.all.map((c, k) => [c, (entryRules[k] as CompiledRule).name]));
  return (event) => {
    const detail = event.detail;
    return lookup(event.source, isRecord(detail) ? detail.eventName : undefined)
      .filter((c) => c.mayMatch(detail) && matchPattern(c.compiled, event))
      .map((c) => names.get(c) as string);
  };
}

export function createReplayer(opts: ReplayerOptions): Replayer {
  const compiled: CompiledRule[] = opts.rules.map((r) => ({ ...r, compiled: compilePattern(r.pattern) }));
  const matchingRuleNames = ruleMatcher(alertFunctionRules(opts.rules));
  const busRules = compiled.filter((r) => r.bus !== 'default' && NOTIFIER.test(r.handler));
  const logger = opts.logger ?? silentLogger;
  // What the alert function put on the bus during the current call.
  let captured: PutEventsRequestEntry[] = [];
  // Group-close messages, held as SQS would hold them until their window closes (in event time).
  const queue: GroupCloseMessage[] = [];
  // While the queue hands over a message, the clock stands at its due time, as it would in Lambda.
  let closingAt: number | undefined;
  const app = createAlertApp(opts.config, {
    bus: {
      name: 'replay',
      putEvents: async (batch) => {
        captured.push(...batch);
        return { FailedEntryCount: 0, Entries: batch.map(() => ({ EventId: 'replay' })) };
      },
    },
    // One store per run: dedupe, grouping and flapping act across the run's events, by event time.
    state: createMemoryStateStore(),
    groupClose: {
      // Due `dueInMs` after the alert that asked, in event time: Lambda counts from its clock instead.
      scheduler: {
        schedule: async (request) => {
          queue.push(groupCloseMessage(request, request.at));
        },
      },
      requeue: async (message) => {
        queue.push(message);
      },
    },
    alarms: { lookup: opts.alarmLookup ?? noAlarmLookup },
    ...(opts.evidence ? { evidence: opts.evidence } : {}),
    // The canary's writes are matched and quiet, as the Lambda counts them; replay counts nothing.
    ...(opts.heartbeat ? { heartbeat: { identity: opts.heartbeat, metric: { beat() {} } } } : {}),
    logger,
    clock: () => closingAt ?? Date.now(),
  });

  /** Runs one call of the alert application and returns what it put on the bus. */
  async function capturing<T>(
    call: () => Promise<T>,
  ): Promise<{ result: T; entries: PutEventsRequestEntry[] }> {
    const entries: PutEventsRequestEntry[] = [];
    captured = entries;
    try {
      return { result: await call(), entries };
    } finally {
      captured = [];
    }
  }

  /** The alerts bus and the notifiers, for what the alert function put: fills `base`. */
  async function deliver(
    entries: PutEventsRequestEntry[],
    origin: Record<string, unknown>,
    base: ReplayResult,
  ) {
    for (const entry of entries) {
      if (entry.DetailType !== ALERT_RAISED) continue;
      const alert = AlertSchema.parse(JSON.parse(entry.Detail ?? 'null'));
      base.alerts.push({
        rule: alert.ruleId,
        severity: alert.severity,
        status: alert.status,
        title: alert.title,
        summary: alert.summary,
        verdict: alert.verdict ?? null,
        ...(alert.covers !== undefined ? { covers: alert.covers } : {}),
        ...examplesOf(alert),
      });
    }

    // Listed as they would be sent, bodies left out, when nobody will look at them.
    const render = !opts.needsBodies || opts.needsBodies(base.alerts);
    const account = str(origin.account) ?? '123456789012';
    const region = str(origin.region) ?? 'us-east-1';
    const stackTopicArn = opts.stackTopicArn
      ? opts.stackTopicArn(account, region)
      : `arn:aws:sns:${region}:${account}:cloud-alerts-dev-alerts`;
    for (const entry of entries) {
      const delivered = deliveredEvent(entry, origin);
      for (const rule of busRules.filter((r) => matchPattern(r.compiled, delivered))) {
        const plugin = pluginFor(NOTIFIER.exec(rule.handler)?.[1] ?? '');
        if (!plugin) continue;
        const detail = isRecord(delivered.detail) ? delivered.detail : {};
        const receiver = str(detail.receiver) ?? '?';
        const note: ReplayNotification = { channel: plugin.name as Channel, receiver, body: null };
        base.notifications.push(note);
        if (!render) continue;
        const captured: unknown[] = [];
        try {
          await handleNotification(delivered, {
            plugin,
            config: opts.config,
            logger,
            context: {
              secret: opts.secret ?? ((r) => placeholderSecret(r, pluginOf(r))),
              ...(opts.secretProblem ? { secretProblem: opts.secretProblem } : {}),
              stackTopicArn,
            },
            sender: recordingSender(plugin, captured, opts.send),
          });
          if (opts.send) note.delivery = 'delivered';
        } catch (err) {
          note.delivery = err instanceof Error ? err.message : String(err);
        }
        note.body = captured[0] ?? null;
      }
    }
  }

  async function replay(source: string, event: unknown): Promise<ReplayResult> {
    const base: ReplayResult = {
      ...emptyResult(source),
      id: isRecord(event) ? (str(event.id) ?? null) : null,
      detailType: isRecord(event) ? (str(event['detail-type']) ?? null) : null,
    };
    if (!isRecord(event)) return { ...base, error: 'not a JSON object' };
    base.matchedRules = matchingRuleNames(event);
    if (base.matchedRules.length === 0) return base;

    const { result: outcome, entries } = await capturing(() => app.handleEvent(event));
    base.suppressed = outcome.suppressed.map((s) => ({
      rule: s.ruleId,
      kind: s.kind,
      reason: s.reason,
      ...(s.severity ? { severity: s.severity } : {}),
    }));
    if (outcome.status === 'rejected') return { ...base, error: outcome.reason ?? 'rejected' };
    await deliver(entries, event, base);
    return base;
  }

  async function closeDue(untilMs = Number.POSITIVE_INFINITY): Promise<ReplayResult[]> {
    const results: ReplayResult[] = [];
    for (;;) {
      queue.sort((a, b) => a.dueAt - b.dueAt);
      const next = queue[0];
      if (!next || next.dueAt > untilMs) return results;
      queue.shift();
      const time = new Date(next.dueAt).toISOString();
      closingAt = next.dueAt;
      let closed: { result: SQSBatchResponse; entries: PutEventsRequestEntry[] };
      try {
        closed = await capturing(() => app.handleGroupClose(groupCloseBatch(next)));
      } finally {
        closingAt = undefined;
      }
      const base = { ...emptyResult(`grouping summary (window closed, sent ${time})`), time };
      if (closed.result.batchItemFailures.length > 0) {
        results.push({ ...base, error: `the group-close consumer failed on window ${next.key}` });
        continue;
      }
      // Nothing put: the window had already been summarised (its summary rode on a later alert).
      if (closed.entries.length === 0) continue;
      await deliver(closed.entries, { account: next.seed.account.id, region: next.seed.region, time }, base);
      results.push(base);
    }
  }

  return Object.assign(replay, { closeDue, app });
}

/**
 * Records each body on its way to the sender, as its plug-in shows it (secrets the body carries
 * replaced by their parameter's name, in every mode), so replay shows what was (or would be) sent.
 * Without `send` nothing is sent.
 */
function recordingSender(
  plugin: AnyChannelPlugin,
  captured: unknown[],
  // biome-ignore lint/suspicious/noExplicitAny: each channel's sender has its own body and settings types
  send: Readonly<Record<string, ChannelSender<any, any>>> | undefined,
): ChannelSender<unknown, unknown> {
  return {
    async send(body, target) {
      captured.push(plugin.shown(body, target.settings));
      if (!send) return;
      const sender = send[plugin.name];
      if (!sender) throw new Error(`no ${plugin.name} sender`);
      await sender.send(body, target);
    },
  };
}
