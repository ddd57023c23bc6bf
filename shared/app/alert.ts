import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAlarmContextStage } from '../alarms/context-stage.ts';
import type { AlarmLookup } from '../alarms/lookup.ts';
import type { Config } from '../config/schema.ts';
import type { Alert } from '../events/alert.ts';
import { isSqsEvent } from '../events/sqs.ts';
import type { EvidencePorts } from '../evidence/ports.ts';
import type { HeartbeatDeps } from '../heartbeat/heartbeat.ts';
import { type AlertOutcome, handleAlertEvent, publishAlerts } from '../pipeline/alert.ts';
import { defaultStages } from '../pipeline/default-stages.ts';
import { type GroupCloseMessage, handleGroupCloseBatch } from '../pipeline/group-close.ts';
import type { LogPort } from '../pipeline/logger.ts';
import type { PublishOptions, PutEventsPort } from '../pipeline/publish.ts';
import type { AlertStage } from '../pipeline/stages.ts';
import { createEvidenceStage } from '../stages/evidence.ts';
import type { GroupCloseScheduler } from '../stages/grouping.ts';
import { type CounterPort, countingPutEvents, countSuppressions } from '../stages/metrics.ts';
import type { StateStore } from '../state/store.ts';

/**
 * Everything the alert application touches outside itself. The Lambda passes AWS-backed ports
 * (shared/app/lambda.ts); replay, `routes test` and `serverless invoke local` pass local ones. None
 * is optional: a path that left one out would run a shorter chain than Lambda and show something
 * Lambda would not do.
 */
export interface AlertPorts {
  /** The alerts bus: EventBridge in Lambda, a recording bus everywhere else. */
  bus: { name: string; putEvents: PutEventsPort; options?: PublishOptions };
  /** Windows for flapping, dedupe and grouping: DynamoDB in Lambda, in memory locally. */
  state: StateStore;
  /** Sends a grouping window's summary when it closes: the SQS group-close queue in Lambda. */
  groupClose: {
    scheduler: GroupCloseScheduler;
    /** A message that came back before it was due goes out again with this delay (seconds). */
    requeue: (message: GroupCloseMessage, delaySeconds: number) => Promise<void>;
  };
  /** What an alarm says about itself (tags, description, threshold): CloudWatch in Lambda. */
  alarms: {
    lookup: AlarmLookup;
    /** The account the function runs in; alarms of other accounts are read only through `readsMemberAccounts`. */
    ownAccount?: string | undefined;
    readsMemberAccounts?: boolean;
  };
  logger: LogPort;
  /** Alerts sent and suppressed per rule: Powertools Metrics in Lambda; local runs count nothing. */
  counter?: CounterPort | undefined;
  /** Epoch ms. Silences and the group-close queue's "is it due yet?" read it; defaults to Date.now. */
  clock?: (() => number) | undefined;
  /**
   * The canary's writes (shared/heartbeat): recognised before detection, counted, never sent. Lambda
   * passes the stack's identity and a metric; replay passes the identity with a metric that counts nothing.
   */
  heartbeat?: HeartbeatDeps | undefined;
  /**
   * The reads evidence takes (GetMetricData, DescribeAlarms, FilterLogEvents, LookupEvents): AWS in
   * Lambda, recorded answers in replay (--evidence FILE). Left out, alerts carry no evidence.
   */
  evidence?: EvidencePorts | undefined;
}

export interface AlertApp {
  /** The stages between detection and routing, in the order they run: one list for every path. */
  readonly stages: readonly AlertStage[];
  /** An EventBridge event from one of the rules in serverless.yml. */
  handleEvent(event: unknown): Promise<AlertOutcome>;
  /** A batch from the group-close queue: summaries of grouping windows that closed. */
  handleGroupClose(batch: SQSEvent): Promise<SQSBatchResponse>;
  /** One Lambda invocation: the function is triggered by both, and tells them apart by shape. */
  handle(event: unknown): Promise<AlertOutcome | SQSBatchResponse>;
}

/** For local ports: no CloudWatch to ask, so an alarm alert says what its event says. */
export const noAlarmLookup: AlarmLookup = async () => undefined;

/**
 * The one place the alert function is put together: parse → detect → enrich → the stages → route →
 * publish, and the group-close consumer that sends grouping summaries. The Lambda handler, replay,
 * `routes test` and `serverless invoke local` all build it here, so what they show is what Lambda
 * does, with only the ports swapped.
 */
export function createAlertApp(config: Config, ports: AlertPorts): AlertApp {
  const { logger, counter } = ports;
  const clock = ports.clock ?? Date.now;
  const stages = defaultStages(config, {
    alarmContext: createAlarmContextStage({
      lookup: ports.alarms.lookup,
      ownAccount: ports.alarms.ownAccount,
      readsMemberAccounts: ports.alarms.readsMemberAccounts ?? false,
    }),
    state: ports.state,
    groupClose: ports.groupClose.scheduler,
    // Always in the chain, so every path runs the same stages; without ports it reads nothing.
    evidence: createEvidenceStage({
      ports: ports.evidence ?? {},
      ownAccount: ports.alarms.ownAccount,
      now: clock,
    }),
  });
  // An alert counts as sent once EventBridge accepted it (shared/stages/metrics.ts).
  const putEvents = counter ? countingPutEvents(ports.bus.putEvents, counter) : ports.bus.putEvents;
  const publishDeps = {
    config,
    busName: ports.bus.name,
    putEvents,
    logger,
    ...(ports.bus.options ? { publishOptions: ports.bus.options } : {}),
  };

  async function handleEvent(event: unknown): Promise<AlertOutcome> {
    const outcome = await handleAlertEvent(event, {
      ...publishDeps,
      stages,
      now: () => new Date(clock()),
      heartbeat: ports.heartbeat,
    });
    if (counter) countSuppressions(counter, outcome.suppressed);
    return outcome;
  }

  function handleGroupClose(batch: SQSEvent): Promise<SQSBatchResponse> {
    return handleGroupCloseBatch(batch, {
      store: ports.state,
      publish: (alerts: Alert[], addressed: ReadonlyMap<string, readonly string[]>) =>
        publishAlerts(alerts, publishDeps, addressed),
      requeue: ports.groupClose.requeue,
      logger,
      now: clock,
    });
  }

  return {
    stages,
    handleEvent,
    handleGroupClose,
    // Only the group-close queue triggers this function through SQS.
    handle: (event) => (isSqsEvent(event) ? handleGroupClose(event) : handleEvent(event)),
  };
}
