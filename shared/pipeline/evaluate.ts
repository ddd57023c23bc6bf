import type { Config } from '../config/schema.ts';
import { receiverChannel } from '../config/schema.ts';
import { detectCloudTrail } from '../detect/catalog.ts';
import { alarmAlert } from '../enrich/alarm.ts';
import { cloudTrailAlert, genericAlert } from '../enrich/cloudtrail.ts';
import { AlarmDetailSchema } from '../events/alarm.ts';
import { type Alert, type NotificationRequest, notificationKey } from '../events/alert.ts';
import { CloudTrailRecordSchema } from '../events/cloudtrail.ts';
import {
  ALARM_STATE_CHANGE,
  CLOUDTRAIL_API_CALL,
  CONSOLE_SIGNIN_DETAIL_TYPES,
  type Envelope,
  EnvelopeSchema,
} from '../events/envelope.ts';
import { routeAlert } from '../route/route.ts';

export interface Evaluation {
  /** Set when the input is not an EventBridge event at all: logged and skipped, never retried. */
  rejected?: string;
  envelope?: Envelope;
  alerts: Alert[];
  notifications: NotificationRequest[];
  /** Non-fatal problems: a rule that failed on an odd shape, a detail that did not parse. */
  warnings: string[];
}

const CLOUDTRAIL_DETAIL_TYPES = new Set<string>([
  CLOUDTRAIL_API_CALL,
  ...CONSOLE_SIGNIN_DETAIL_TYPES,
  'AWS Service Event via CloudTrail',
]);

function issueText(error: {
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>;
}): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

function alertsFor(envelope: Envelope, config: Config, warnings: string[]): Alert[] {
  const accounts = config.accounts;
  const detailType = envelope['detail-type'];
  if (CLOUDTRAIL_DETAIL_TYPES.has(detailType)) {
    const parsed = CloudTrailRecordSchema.safeParse(envelope.detail);
    if (!parsed.success) {
      const reason = `CloudTrail detail did not parse: ${issueText(parsed.error)}`;
      warnings.push(reason);
      return [genericAlert(envelope, reason, accounts)];
    }
    const record = parsed.data;
    const { findings, known, errors } = detectCloudTrail(record, {
      account: envelope.account,
      region: envelope.region,
    });
    warnings.push(...errors);
    if (findings.length > 0) return findings.map((f) => cloudTrailAlert(envelope, record, f, accounts));
    // A call the catalog knows but judged harmless (e.g. Block Public Access turned fully on) is quiet;
    // one it has never heard of, or one its rules failed on, still reaches a person.
    if (known && errors.length === 0) return [];
    const reason =
      errors.length > 0
        ? `rules failed: ${errors.join('; ')}`
        : `no rule for ${record.eventSource} ${record.eventName}`;
    return [genericAlert(envelope, reason, accounts, record)];
  }
  if (detailType === ALARM_STATE_CHANGE) {
    const parsed = AlarmDetailSchema.safeParse(envelope.detail);
    if (!parsed.success) {
      const reason = `alarm detail did not parse: ${issueText(parsed.error)}`;
      warnings.push(reason);
      return [genericAlert(envelope, reason, accounts)];
    }
    return [alarmAlert(envelope, parsed.data, { accounts })];
  }
  return [genericAlert(envelope, `no rule for detail-type "${detailType}"`, accounts)];
}

export function notificationsFor(alert: Alert, config: Config): NotificationRequest[] {
  const { receivers } = routeAlert(config.route, alert);
  const out: NotificationRequest[] = [];
  for (const name of receivers) {
    const receiver = config.receivers.find((r) => r.name === name);
    // parseConfig guarantees every routed name exists; a hand-built config might not.
    if (!receiver) continue;
    out.push({
      channel: receiverChannel(receiver),
      receiver: name,
      key: notificationKey(alert.id, name),
      alert,
    });
  }
  return out;
}

/** parse → detect → enrich → route, pure: the same in Lambda, in tests and in replay. */
export function evaluate(input: unknown, config: Config): Evaluation {
  const envelope = EnvelopeSchema.safeParse(input);
  if (!envelope.success) {
    return {
      rejected: `not an EventBridge event: ${issueText(envelope.error)}`,
      alerts: [],
      notifications: [],
      warnings: [],
    };
  }
  const warnings: string[] = [];
  const alerts = alertsFor(envelope.data, config, warnings);
  const notifications = alerts.flatMap((a) => notificationsFor(a, config));
  return { envelope: envelope.data, alerts, notifications, warnings };
}
