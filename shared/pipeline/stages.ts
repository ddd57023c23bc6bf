import type { Config } from '../config/schema.ts';
import type { Alert, Severity } from '../events/alert.ts';
import type { Envelope } from '../events/envelope.ts';
import type { LogPort } from './logger.ts';

/** Why an alert was not sent: answered in logs and metrics for "why didn't I get paged?". */
export interface Suppression {
  alertId: string;
  ruleId: string;
  kind: 'allow-list' | 'silence' | 'dedupe' | 'group' | 'flapping';
  /** Human words, naming the config entry or window responsible. */
  reason: string;
  /** Grouping: how loud the held alert was (its summary reports it by severity). */
  severity?: Severity;
}

export interface StageContext {
  config: Config;
  envelope: Envelope;
  now: Date;
  logger: LogPort;
}

export interface StageResult {
  /** What goes on: the input alerts, changed (severity, tags, facts), minus suppressed, plus any new ones. */
  alerts: Alert[];
  suppressed: Suppression[];
  /**
   * Run once the alerts are on the bus, never before: state that must outlive a failed publish
   * (a summary waiting to be sent) is forgotten only here. A failure is logged, not raised: what
   * it leaves behind is sent again under the same id and dropped by the notifiers.
   */
  afterPublish?: Array<() => Promise<void>>;
}

/**
 * One step between detection and routing (alarm context, allow-lists, silences, dedupe, grouping,
 * flapping). Stages run in order; each sees what the previous one let through. A stage that
 * needs AWS (tags, state in DynamoDB) gets its client through its own factory's options.
 */
export interface AlertStage {
  name: string;
  run(alerts: Alert[], ctx: StageContext): Promise<StageResult>;
}

export async function runStages(
  stages: readonly AlertStage[],
  alerts: Alert[],
  ctx: StageContext,
): Promise<StageResult> {
  let current = alerts;
  const suppressed: Suppression[] = [];
  const afterPublish: Array<() => Promise<void>> = [];
  for (const stage of stages) {
    if (current.length === 0) break;
    const result = await stage.run(current, ctx);
    current = result.alerts;
    suppressed.push(...result.suppressed);
    afterPublish.push(...(result.afterPublish ?? []));
  }
  return { alerts: current, suppressed, ...(afterPublish.length > 0 ? { afterPublish } : {}) };
}
