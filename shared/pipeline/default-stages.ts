import type { Config } from '../config/schema.ts';
import { createAllowListStage } from '../stages/allow-list.ts';
import { createDedupeStage } from '../stages/dedupe.ts';
import { createFlappingStage } from '../stages/flapping.ts';
import { createGroupingStage, type GroupCloseScheduler } from '../stages/grouping.ts';
import { createSilenceStage } from '../stages/silence.ts';
import type { StateStore } from '../state/store.ts';
import type { AlertStage } from './stages.ts';

/**
 * What the stages may need from outside: each is optional so replay and tests can leave out
 * what they do not exercise. The Lambda passes real AWS-backed implementations.
 */
export interface StagePorts {
  /** Tags, description and threshold of the alarm behind an alarm alert (shared/alarms); runs first. */
  alarmContext?: AlertStage;
  /**
   * Windows for flapping, dedupe and grouping: DynamoDB in Lambda, in memory in replay. Without
   * one those three stages are left out (every alert goes on); allow-lists and silences need none.
   */
  state?: StateStore;
  /** Sends a grouping window's summary when it closes; without one it rides on the actor's next alert. */
  groupClose?: GroupCloseScheduler;
  /** Metric, logs and history read into the alert (shared/stages/evidence.ts); runs last. */
  evidence?: AlertStage;
}

/**
 * The stages between detection and routing, in the order they run, for Lambda and replay alike.
 * Cheap, stateless decisions first, so a silenced or allow-listed alert never touches DynamoDB
 * and never opens a window that would hold back the next, real one.
 */
export function defaultStages(_config: Config, ports: StagePorts): AlertStage[] {
  return [
    // Alarm context first: silences and routes match on the alarm's tags.
    ...(ports.alarmContext ? [ports.alarmContext] : []),
    createAllowListStage(),
    createSilenceStage(),
    ...(ports.state
      ? [
          createFlappingStage(ports.state),
          createDedupeStage(ports.state),
          createGroupingStage(ports.state, ports.groupClose),
        ]
      : []),
    // Evidence last: only alerts that are going out cost a read, and never one a silence would drop.
    ...(ports.evidence ? [ports.evidence] : []),
  ];
}
