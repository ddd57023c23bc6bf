import { createHash } from 'node:crypto';
import { isRecord } from '../detect/values.ts';
import type { AlarmDetail, AlarmMetric } from '../events/alarm.ts';
import type { Alert, Fact, Severity } from '../events/alert.ts';
import type { Envelope } from '../events/envelope.ts';
import type { AccountNames } from './cloudtrail.ts';
import { alarmLink } from './links.ts';

const COMPARISONS: ReadonlyArray<readonly [string, string]> = [
  ['greater than or equal to', '≥'],
  ['less than or equal to', '≤'],
  ['greater than', '>'],
  ['less than', '<'],
];

/** reasonData is a JSON string; a bad one must not cost us the alert. */
export function parseReasonData(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function metricWords(m: AlarmMetric): string | undefined {
  const metric = m.metricStat?.metric;
  if (metric?.name) {
    const dims = Object.entries(metric.dimensions ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    return `${metric.namespace ? `${metric.namespace} ` : ''}${metric.name}${dims ? ` (${dims})` : ''}`;
  }
  if (m.expression) return `${m.label ? `${m.label}: ` : ''}${m.expression}`;
  return undefined;
}

/** The metric the alarm evaluates: the one whose data is returned, else the first. */
function primaryMetric(detail: AlarmDetail): AlarmMetric | undefined {
  const metrics = detail.configuration?.metrics ?? [];
  return metrics.find((m) => m.returnData) ?? metrics[0];
}

/** "Errors Sum ≥ 5 for 1 of 1 datapoints of 60 s", from the configuration and the state reason. */
export function conditionInWords(
  detail: AlarmDetail,
  reasonData: Record<string, unknown> | undefined,
): string | undefined {
  const reason = detail.state.reason ?? '';
  const m = primaryMetric(detail);
  const name = m?.metricStat?.metric?.name ?? m?.label ?? m?.id ?? 'value';
  const stat =
    m?.metricStat?.stat ?? (typeof reasonData?.statistic === 'string' ? reasonData.statistic : undefined);
  const period =
    m?.metricStat?.period ??
    m?.period ??
    (typeof reasonData?.period === 'number' ? reasonData.period : undefined);
  const threshold =
    typeof reasonData?.threshold === 'number' ? reasonData.threshold : detail.configuration?.threshold;
  const op = COMPARISONS.find(([words]) => reason.includes(`${words} the threshold`))?.[1];
  const window = /(\d+) out of the last (\d+) datapoints?/.exec(reason);
  if (threshold === undefined || !op) return undefined;
  const parts = [`${name}${stat ? ` ${stat}` : ''} ${op} ${threshold}`];
  if (window) parts.push(`for ${window[1]} of ${window[2]} datapoints`);
  if (period) parts.push(`of ${period} s`);
  return parts.join(' ');
}

function trippingValue(reasonData: Record<string, unknown> | undefined): string | undefined {
  const recent = reasonData?.recentDatapoints;
  if (Array.isArray(recent) && recent.length > 0) return recent.map(String).join(', ');
  return undefined;
}

function minutesBetween(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) return undefined;
  const ms =
    Date.parse(to.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) -
    Date.parse(from.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 60000) : undefined;
}

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

/**
 * One PagerDuty incident per alarm episode: an episode starts when the alarm enters ALARM, and
 * the OK event names that moment as its previousState.timestamp, so trigger and resolve derive
 * the same key without any stored state, and the next episode gets a new one.
 */
export function alarmDedupKey(alarmArn: string, episodeStart: string | undefined): string {
  return `cloud-alerts/alarm/${shortHash(alarmArn)}/${episodeStart ?? 'unknown'}`;
}

export interface AlarmOptions {
  accounts: AccountNames;
  /** Severity of an alarm in ALARM when its tags do not say. */
  defaultSeverity?: Severity;
  insufficientDataSeverity?: Severity;
}

export function alarmAlert(envelope: Envelope, detail: AlarmDetail, opts: AlarmOptions): Alert {
  const arn =
    envelope.resources[0] ??
    `arn:aws:cloudwatch:${envelope.region}:${envelope.account}:alarm:${detail.alarmName}`;
  const value = detail.state.value;
  const previous = detail.previousState?.value;
  const resolved = value === 'OK';
  const reasonData = parseReasonData(detail.state.reasonData);
  const metric = primaryMetric(detail);
  const composite = detail.configuration?.alarmRule !== undefined;
  const episodeStart = resolved
    ? previous === 'ALARM'
      ? detail.previousState?.timestamp
      : undefined
    : detail.state.timestamp;
  const severity: Severity =
    value === 'INSUFFICIENT_DATA'
      ? (opts.insufficientDataSeverity ?? 'low')
      : (opts.defaultSeverity ?? 'high');

  const facts: Fact[] = [];
  const metricText = metric ? metricWords(metric) : undefined;
  if (metricText) facts.push({ label: 'Metric', value: metricText });
  if (composite) facts.push({ label: 'Alarm rule', value: detail.configuration?.alarmRule ?? '' });
  const condition = conditionInWords(detail, reasonData);
  if (condition) facts.push({ label: 'Condition', value: condition });
  const tripped = trippingValue(reasonData);
  if (tripped && !resolved) facts.push({ label: 'Value', value: tripped });
  facts.push({ label: 'State', value: `${previous ?? 'unknown'} → ${value}` });
  // In ALARM the reason is the verdict line already.
  if (detail.state.reason && value !== 'ALARM') facts.push({ label: 'Reason', value: detail.state.reason });
  if (detail.configuration?.description)
    facts.push({ label: 'Description', value: detail.configuration.description });
  if (detail.state.actionsSuppressedBy) {
    facts.push({
      label: 'Actions suppressed',
      value: `${detail.state.actionsSuppressedBy}${detail.state.actionsSuppressedReason ? `: ${detail.state.actionsSuppressedReason}` : ''}`,
    });
  }

  const inAlarmFor =
    resolved && previous === 'ALARM'
      ? minutesBetween(detail.previousState?.timestamp, detail.state.timestamp)
      : undefined;
  const summary = resolved
    ? `${detail.alarmName} is back to OK`
    : value === 'ALARM'
      ? `${detail.alarmName} is in ALARM${condition ? `: ${condition}` : ''}`
      : `${detail.alarmName} has insufficient data`;
  const verdict = resolved
    ? inAlarmFor !== undefined
      ? `Resolved after ${inAlarmFor} min in ALARM.`
      : `Resolved (previous state ${previous ?? 'unknown'}).`
    : value === 'ALARM'
      ? (detail.state.reason ?? 'Threshold crossed.')
      : 'The metric is not reporting: the thing it watches may be down, or the alarm misconfigured.';
  const alias = opts.accounts[envelope.account];
  return {
    id: `alarm:${shortHash(arn)}:${detail.state.timestamp ?? envelope.time}:${value}`,
    ruleId: 'cloudwatch-alarm',
    // Channels mark resolved alerts themselves ("Resolved: …"), so the title does not repeat it.
    title:
      value === 'INSUFFICIENT_DATA'
        ? `Alarm ${detail.alarmName}: insufficient data`
        : `Alarm ${detail.alarmName}`,
    severity,
    status: resolved ? 'resolved' : 'firing',
    kind: 'alarm',
    summary,
    verdict,
    account: alias ? { id: envelope.account, alias } : { id: envelope.account },
    region: envelope.region,
    time: detail.state.timestamp ?? envelope.time,
    resource: {
      type: composite ? 'CloudWatch composite alarm' : 'CloudWatch alarm',
      name: detail.alarmName,
      arn,
    },
    facts,
    links: [alarmLink(envelope.region, detail.alarmName)],
    dedupKey: alarmDedupKey(arn, episodeStart),
    eventId: envelope.id,
  };
}
