import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Config } from '../config/schema.ts';
import { ALERT_RAISED, ALERTS_SOURCE, type Alert, NOTIFICATION_REQUESTED } from '../events/alert.ts';
import { type HeartbeatDeps, isHeartbeat } from '../heartbeat/heartbeat.ts';
import { boundAlert, boundRequest } from './bound.ts';
import { evaluate, notificationsFor } from './evaluate.ts';
import type { LogPort } from './logger.ts';
import { type PublishOptions, type PutEventsPort, publishEntries } from './publish.ts';
import { type AlertStage, runStages, type StageResult, type Suppression } from './stages.ts';

export interface AlertDeps {
  config: Config;
  busName: string;
  putEvents: PutEventsPort;
  logger: LogPort;
  publishOptions?: PublishOptions;
  /** Between detection and routing, in order (see stages.ts). */
  stages?: readonly AlertStage[];
  now?: () => Date;
  /** The canary's write (shared/heartbeat): counted, never detected or sent. */
  heartbeat?: HeartbeatDeps | undefined;
}

export interface AlertOutcome {
  /** `heartbeat`: the canary's write arrived; it was counted and nothing was published. */
  status: 'rejected' | 'quiet' | 'published' | 'heartbeat';
  alerts: number;
  notifications: number;
  /** Why a rejected event was dropped. */
  reason?: string;
  suppressed: Suppression[];
}

/**
 * The alert function's work: evaluate the event and put one "Notification Requested" event per
 * receiver (and one "Alert Raised" for other consumers) on the alerts bus. A malformed event is
 * logged and dropped here on purpose: retrying it can never succeed.
 */
export async function handleAlertEvent(event: unknown, deps: AlertDeps): Promise<AlertOutcome> {
  if (deps.heartbeat && isHeartbeat(event, deps.heartbeat.identity)) {
    deps.heartbeat.metric.beat();
    deps.logger.info('heartbeat');
    return { status: 'heartbeat', alerts: 0, notifications: 0, suppressed: [] };
  }
  const result = evaluate(event, deps.config);
  if (result.rejected) {
    deps.logger.error('event rejected', { reason: result.rejected });
    return { status: 'rejected', alerts: 0, notifications: 0, reason: result.rejected, suppressed: [] };
  }
  for (const warning of result.warnings)
    deps.logger.warn('event partly understood', { warning, eventId: result.envelope?.id });
  const envelope = result.envelope;
  const staged: StageResult =
    envelope && deps.stages && result.alerts.length > 0
      ? await runStages(deps.stages, result.alerts, {
          config: deps.config,
          envelope,
          now: deps.now?.() ?? new Date(),
          logger: deps.logger,
        })
      : { alerts: result.alerts, suppressed: [] };
  for (const s of staged.suppressed) deps.logger.info('alert suppressed', { ...s });
  const alerts = staged.alerts;
  if (alerts.length === 0) {
    deps.logger.info('no alert', { eventId: envelope?.id, detailType: envelope?.['detail-type'] });
    return { status: 'quiet', alerts: 0, notifications: 0, suppressed: staged.suppressed };
  }
  const notifications = await publishAlerts(alerts, deps, staged.addressed);
  for (const after of staged.afterPublish ?? []) {
    try {
      await after();
    } catch (err) {
      deps.logger.warn('clean-up after publishing failed; a summary may be sent again (same id)', {
        eventId: envelope?.id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return {
    status: 'published',
    alerts: alerts.length,
    notifications,
    suppressed: staged.suppressed,
  };
}

export type PublishDeps = Pick<AlertDeps, 'config' | 'busName' | 'putEvents' | 'logger' | 'publishOptions'>;

/**
 * Puts one "Alert Raised" per alert and one "Notification Requested" per receiver its routes
 * choose (or `addressed` names for it, see StageResult.addressed) on the alerts bus; returns how
 * many notifications were requested. Throws what could not be put after retries (see publishEntries).
 */
export async function publishAlerts(
  alerts: Alert[],
  deps: PublishDeps,
  addressed?: ReadonlyMap<string, readonly string[]>,
): Promise<number> {
  const notifications = alerts.flatMap((a) => notificationsFor(a, deps.config, addressed?.get(a.id)));
  const entries: PutEventsRequestEntry[] = [];
  for (const alert of alerts) {
    const receivers = notifications.filter((n) => n.alert.id === alert.id).map((n) => n.receiver);
    deps.logger.info('alert', {
      alertId: alert.id,
      rule: alert.ruleId,
      severity: alert.severity,
      status: alert.status,
      receivers,
    });
    entries.push({
      EventBusName: deps.busName,
      Source: ALERTS_SOURCE,
      DetailType: ALERT_RAISED,
      // Bounded so that a 250 KB user agent still fits a PutEvents entry; cuts are marked.
      Detail: JSON.stringify(boundAlert(alert)),
    });
  }
  for (const n of notifications) {
    entries.push({
      EventBusName: deps.busName,
      Source: ALERTS_SOURCE,
      DetailType: NOTIFICATION_REQUESTED,
      Detail: JSON.stringify(boundRequest(n)),
    });
  }
  await publishEntries(deps.putEvents, entries, deps.publishOptions);
  return notifications.length;
}
