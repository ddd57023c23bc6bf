import { createHash } from 'node:crypto';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { createAlarmContextStage } from '../alarms/context-stage.ts';
import type { AlarmLookup } from '../alarms/lookup.ts';
import type { Config, Receiver } from '../config/schema.ts';
import { isRecord, str } from '../detect/values.ts';
import { type CompiledPattern, compilePattern, matchPattern } from '../eventbridge/pattern.ts';
import type { DeclaredRule } from '../eventbridge/serverless.ts';
import { ALERT_RAISED, AlertSchema, type Channel } from '../events/alert.ts';
import type { HeartbeatIdentity } from '../heartbeat/heartbeat.ts';
import type { Rendered, Senders } from '../notify/deliver.ts';
import type { PagerDutyEvent } from '../notify/pagerduty.ts';
import { handleAlertEvent, publishAlerts } from '../pipeline/alert.ts';
import { defaultStages } from '../pipeline/default-stages.ts';
import { closeGroupWindow } from '../pipeline/group-close.ts';
import { type LogPort, silentLogger } from '../pipeline/logger.ts';
import { handleNotification } from '../pipeline/notify.ts';
import type { PutEventsPort } from '../pipeline/publish.ts';
import type { AlertStage } from '../pipeline/stages.ts';
import type { GroupCloseRequest } from '../stages/grouping.ts';
import { createMemoryStateStore } from '../state/memory.ts';

export interface ReplayAlert {
  rule: string;
  severity: string;
  status: string;
  title: string;
  summary: string;
  verdict: string | null;
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

interface CompiledRule extends DeclaredRule {
  compiled: CompiledPattern;
}

const ALERT_HANDLER = 'functions/alert/handler';
const NOTIFIER = /^functions\/notify-(slack|pagerduty|email)\/handler/;

export interface ReplayerOptions {
  rules: DeclaredRule[];
  config: Config;
  /** Deliver for real with these senders; otherwise dry-run. */
  send?: Partial<Senders>;
  /** Secrets for --send; dry-run shows a placeholder naming the SSM parameter instead. */
  secret?: (receiver: Receiver) => string | undefined;
  stackTopicArn?: (account: string, region: string) => string;
  logger?: LogPort;
  /** Defaults to the same stages the Lambda runs, with local ports. */
  stages?: AlertStage[];
  /** Stands in for CloudWatch's DescribeAlarms/ListTagsForResource (--alarm-tags FILE). */
  alarmLookup?: AlarmLookup;
  /** Whose writes are the heartbeat: shown as matched and quiet, as the Lambda counts them. */
  heartbeat?: HeartbeatIdentity | undefined;
}

function placeholderSecret(receiver: Receiver): string | undefined {
  if ('pagerduty' in receiver) return `<routing key from SSM ${receiver.pagerduty.routingKeyParameter}>`;
  if ('slack' in receiver) return `<webhook URL from SSM ${receiver.slack.webhookUrlParameter}>`;
  return undefined;
}

/**
 * The PagerDuty event as replay shows it: the routing key is the one secret a rendered body holds, so
 * it is replaced by the name of its SSM parameter before the body is kept, in every mode (a dry run
 * already renders with that placeholder; `--send` renders with the real key and must not print it).
 */
function shownPagerDutyEvent(event: PagerDutyEvent, receiver: Receiver | undefined): PagerDutyEvent {
  const shown = (receiver && placeholderSecret(receiver)) ?? '<routing key>';
  return { ...event, routing_key: shown };
}

/** EventBridge gives every event put on a bus an id; replay derives one from the content, so runs repeat. */
function derivedId(entry: PutEventsRequestEntry): string {
  const h = createHash('sha256').update(`${entry.DetailType}\n${entry.Detail}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What the alerts bus would hand to a rule's target for an entry the alert function put. */
function deliveredEvent(
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

/**
 * Local replay with the real code paths: the patterns from serverless.yml decide whether the alert
 * function runs; its PutEvents entries go to an in-memory bus whose rules (also from serverless.yml)
 * decide which notifier runs; the notifiers render exactly what they would send. Grouping windows
 * close in event time: their summaries come from closeDue, as the group-close queue sends them.
 */
export function createReplayer(opts: ReplayerOptions): Replayer {
  const compiled: CompiledRule[] = opts.rules.map((r) => ({ ...r, compiled: compilePattern(r.pattern) }));
  const entryRules = compiled.filter((r) => r.bus === 'default' && r.handler.startsWith(ALERT_HANDLER));
  const busRules = compiled.filter((r) => r.bus !== 'default' && NOTIFIER.test(r.handler));
  const logger = opts.logger ?? silentLogger;
  // One store per run: dedupe, grouping and flapping act across the run's events, by event time.
  const state = createMemoryStateStore();
  const pendingCloses: Array<GroupCloseRequest & { dueAt: number }> = [];
  const stages =
    opts.stages ??
    defaultStages(opts.config, {
      ...(opts.alarmLookup ? { alarmContext: createAlarmContextStage({ lookup: opts.alarmLookup }) } : {}),
      state,
      groupClose: {
        schedule: async (request) => {
          pendingCloses.push({ ...request, dueAt: request.at + request.dueInMs });
        },
      },
    });

  function capture(entries: PutEventsRequestEntry[]): PutEventsPort {
    return async (batch) => {
      entries.push(...batch);
      return { FailedEntryCount: 0, Entries: batch.map(() => ({ EventId: 'replay' })) };
    };
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
      });
    }

    const account = str(origin.account) ?? '123456789012';
    const region = str(origin.region) ?? 'us-east-1';
    const stackTopicArn =
      opts.stackTopicArn?.(account, region) ?? `arn:aws:sns:${region}:${account}:cloud-alerts-dev-alerts`;
    for (const entry of entries) {
      const delivered = deliveredEvent(entry, origin);
      for (const rule of busRules.filter((r) => matchPattern(r.compiled, delivered))) {
        const channel = NOTIFIER.exec(rule.handler)?.[1];
        if (channel !== 'slack' && channel !== 'pagerduty' && channel !== 'email') continue;
        const captured: Rendered[] = [];
        const capture: Senders = {
          slack: { send: async () => {} },
          pagerduty: { send: async () => {} },
          email: { send: async () => ({}) },
        };
        const send = opts.send;
        const senders: Partial<Senders> = send ?? capture;
        const detail = isRecord(delivered.detail) ? delivered.detail : {};
        const receiver = str(detail.receiver) ?? '?';
        const note: ReplayNotification = { channel, receiver, body: null };
        try {
          await handleNotification(delivered, {
            channel,
            config: opts.config,
            logger,
            context: { secret: opts.secret ?? placeholderSecret, stackTopicArn },
            senders: wrapCapture(
              senders,
              captured,
              channel,
              receiver,
              opts.config.receivers.find((r) => r.name === receiver),
            ),
          });
          if (send) note.delivery = 'delivered';
        } catch (err) {
          note.delivery = err instanceof Error ? err.message : String(err);
        }
        note.body = captured[0]?.body ?? null;
        base.notifications.push(note);
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
    base.matchedRules = entryRules.filter((r) => matchPattern(r.compiled, event)).map((r) => r.name);
    if (base.matchedRules.length === 0) return base;

    const entries: PutEventsRequestEntry[] = [];
    const outcome = await handleAlertEvent(event, {
      config: opts.config,
      busName: 'replay',
      putEvents: capture(entries),
      logger,
      stages,
      ...(opts.heartbeat ? { heartbeat: { identity: opts.heartbeat, metric: { beat() {} } } } : {}),
    });
    base.suppressed = outcome.suppressed.map((s) => ({ rule: s.ruleId, kind: s.kind, reason: s.reason }));
    if (outcome.status === 'rejected') return { ...base, error: outcome.reason ?? 'rejected' };
    await deliver(entries, event, base);
    return base;
  }

  async function closeDue(untilMs = Number.POSITIVE_INFINITY): Promise<ReplayResult[]> {
    const results: ReplayResult[] = [];
    for (;;) {
      pendingCloses.sort((a, b) => a.dueAt - b.dueAt);
      const next = pendingCloses[0];
      if (!next || next.dueAt > untilMs) return results;
      pendingCloses.shift();
      const closed = await closeGroupWindow(next, state, next.dueAt);
      if (closed.summaries.length === 0) continue;
      const time = new Date(next.dueAt).toISOString();
      const base = { ...emptyResult(`grouping summary (window closed, sent ${time})`), time };
      const entries: PutEventsRequestEntry[] = [];
      await publishAlerts(closed.summaries, {
        config: opts.config,
        busName: 'replay',
        putEvents: capture(entries),
        logger,
      });
      await deliver(entries, { account: next.seed.account.id, region: next.seed.region, time }, base);
      results.push(base);
      await closed.clear();
    }
  }

  return Object.assign(replay, { closeDue });
}

/** Record each body on its way to the sender, so replay shows what was (or would be) sent. */
function wrapCapture(
  senders: Partial<Senders>,
  captured: Rendered[],
  channel: Channel,
  receiver: string,
  receiverConfig: Receiver | undefined,
): Partial<Senders> {
  return {
    slack: {
      send: async (url, message) => {
        captured.push({ channel: 'slack', receiver, body: message });
        if (!senders.slack) throw new Error(`no ${channel} sender`);
        await senders.slack.send(url, message);
      },
    },
    pagerduty: {
      send: async (ev) => {
        captured.push({ channel: 'pagerduty', receiver, body: shownPagerDutyEvent(ev, receiverConfig) });
        if (!senders.pagerduty) throw new Error(`no ${channel} sender`);
        await senders.pagerduty.send(ev);
      },
    },
    email: {
      send: async (input) => {
        captured.push({ channel: 'email', receiver, body: input });
        if (!senders.email) throw new Error(`no ${channel} sender`);
        return senders.email.send(input);
      },
    },
  };
}
