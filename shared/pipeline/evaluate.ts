import { receiverChannel } from '../config/receivers.ts';
import type { Config } from '../config/schema.ts';
import { ownResources } from '../detect/alerting.ts';
import { detectCloudTrail } from '../detect/catalog.ts';
import { ALARM_TAGS, alarmAlert, alarmOptionsFrom } from '../enrich/alarm.ts';
import { cloudTrailAlert, forgedAlert, genericAlert } from '../enrich/cloudtrail.ts';
import { AlarmDetailSchema } from '../events/alarm.ts';
import { type Alert, type Channel, type NotificationRequest, notificationKey } from '../events/alert.ts';
import { readCloudTrailRecord } from '../events/cloudtrail.ts';
import {
  ALARM_STATE_CHANGE,
  CLOUDTRAIL_DETAIL_TYPES,
  type Envelope,
  EnvelopeSchema,
} from '../events/envelope.ts';
import { isForgedAwsEvent } from '../events/trust.ts';
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
  // Trust comes from the envelope, before anything in the detail is read (shared/events/trust.ts).
  if (isForgedAwsEvent(envelope)) {
    warnings.push(`forged: detail-type "${detailType}" from source "${envelope.source}", which is not AWS's`);
    return [forgedAlert(envelope, accounts)];
  }
  if (CLOUDTRAIL_DETAIL_TYPES.has(detailType)) {
    const read = readCloudTrailRecord(envelope.detail);
    if (!read.ok) {
      const reason = `CloudTrail detail not readable: ${read.reason}`;
      warnings.push(reason);
      return [genericAlert(envelope, reason, accounts)];
    }
    const { record, unreadable } = read;
    if (unreadable.length > 0) warnings.push(`CloudTrail fields not readable: ${unreadable.join(', ')}`);
    const { findings, known, errors } = detectCloudTrail(record, {
      account: envelope.account,
      region: envelope.region,
      own: ownResources(config.receivers, process.env),
    });
    warnings.push(...errors);
    if (findings.length > 0)
      return findings.map((f) => cloudTrailAlert(envelope, record, f, accounts, { unreadable }));
    // A call the catalog knows but judged harmless (e.g. Block Public Access turned fully on) is quiet;
    // one it has never heard of, or one its rules failed on, still reaches a person.
    if (known && errors.length === 0) return [];
    const reason =
      errors.length > 0
        ? `rules failed: ${errors.join('; ')}`
        : `no rule for ${record.eventSource} ${record.eventName}`;
    return [genericAlert(envelope, reason, accounts, record, { unreadable })];
  }
  if (detailType === ALARM_STATE_CHANGE) {
    const parsed = AlarmDetailSchema.safeParse(envelope.detail);
    if (!parsed.success) {
      const reason = `alarm detail did not parse: ${issueText(parsed.error)}`;
      warnings.push(reason);
      return [genericAlert(envelope, reason, accounts)];
    }
    return [alarmAlert(envelope, parsed.data, alarmOptionsFrom(config))];
  }
  return [genericAlert(envelope, `no rule for detail-type "${detailType}"`, accounts)];
}

/**
 * The channels an alert's `notify` tag keeps ("slack,pagerduty"), or undefined to keep all. Only
 * channels of configured receivers count (the alert function has no registry to ask): a tag naming
 * none of them is ignored rather than obeyed, so a typo must not silence an alarm.
 */
function notifyChannels(alert: Alert, config: Config): ReadonlySet<Channel> | undefined {
  const tag = alert.tags?.[ALARM_TAGS.notify];
  if (tag === undefined) return undefined;
  const configured: ReadonlySet<string> = new Set(config.receivers.map(receiverChannel));
  const channels = new Set<Channel>();
  for (const word of tag.split(',')) {
    const channel = word.trim().toLowerCase();
    if (configured.has(channel)) channels.add(channel as Channel);
  }
  return channels.size > 0 ? channels : undefined;
}

/**
 * One request per receiver the alert goes to: the ones its routes choose, or `to` when where it goes
 * was decided before routing (a group summary goes where its group's alerts went, see
 * StageResult.addressed). Either way only receivers the config has, and only the channels a
 * `notify` tag keeps.
 */
export function notificationsFor(
  alert: Alert,
  config: Config,
  to?: readonly string[],
): NotificationRequest[] {
  const receivers = to ?? routeAlert(config.route, alert).receivers;
  const keep = notifyChannels(alert, config);
  const out: NotificationRequest[] = [];
  for (const name of receivers) {
    const receiver = config.receivers.find((r) => r.name === name);
    // parseConfig guarantees every routed name exists; a hand-built config might not.
    if (!receiver) continue;
    if (keep && !keep.has(receiverChannel(receiver))) continue;
    out.push({
      channel: receiverChannel(receiver),
      receiver: name,
      key: notificationKey(alert.id, name),
      alert,
    });
  }
  return out;
}

/** The names of the receivers the alert's routes send it to, as notificationsFor would. */
export function receiversFor(alert: Alert, config: Config): string[] {
  return notificationsFor(alert, config).map((n) => n.receiver);
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
  let alerts: Alert[];
  try {
    alerts = alertsFor(envelope.data, config, warnings);
  } catch (err) {
    // A bug or an input nobody foresaw must still reach a person, not crash into a retry loop.
    const reason = `processing failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
    warnings.push(reason);
    alerts = [genericAlert(envelope.data, reason, config.accounts)];
  }
  const notifications = alerts.flatMap((a) => notificationsFor(a, config));
  return { envelope: envelope.data, alerts, notifications, warnings };
}
