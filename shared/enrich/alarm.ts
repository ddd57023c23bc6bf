import { createHash } from 'node:crypto';
import { isRecord } from '../detect/values.ts';
import type { AlarmDetail, AlarmMetric } from '../events/alarm.ts';
import { type Alert, type Fact, type Link, type Severity, SeveritySchema } from '../events/alert.ts';
import type { Envelope } from '../events/envelope.ts';
import { ownValue } from '../util/own.ts';
import type { AccountNames } from './cloudtrail.ts';
import { alarmLink } from './links.ts';

export const ALARM_RULE_ID = 'cloudwatch-alarm';

/** Tag names an alarm's owner sets to steer its alerts (docs/alarms.md). */
export const ALARM_TAGS = {
  severity: 'severity',
  team: 'team',
  runbook: 'runbook',
  notify: 'notify',
  /** The log group whose errors the alert shows (shared/evidence/logs.ts), when it is not /aws/lambda/<function>. */
  logGroup: 'log-group',
} as const;

/**
 * What the alarm itself says beyond the event: its tags and description, and for metric alarms the
 * threshold and evaluation window (DescribeAlarms), which state-change events do not carry.
 */
export interface AlarmContext {
  tags: Record<string, string>;
  description?: string | undefined;
  threshold?: number | undefined;
  comparisonOperator?: string | undefined;
  evaluationPeriods?: number | undefined;
  datapointsToAlarm?: number | undefined;
}

/** Words CloudWatch writes in `state.reason` → our symbol. Longest first: "greater than" is a prefix. */
const REASON_COMPARISONS: ReadonlyArray<readonly [string, string]> = [
  ['greater than or equal to', '≥'],
  ['less than or equal to', '≤'],
  ['greater than', '>'],
  ['less than', '<'],
];

/** ComparisonOperator values (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricAlarm.html). */
const OPERATORS: Readonly<Record<string, string>> = {
  GreaterThanOrEqualToThreshold: '≥',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the band',
  GreaterThanUpperThreshold: 'above the band',
  LessThanLowerThreshold: 'below the band',
};

/** A runbook URL longer than this is not one a person would click; Slack buttons take ≤ 3000. */
const RUNBOOK_URL_MAX = 2000;

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

/** Short, readable numbers: integers as they are, two decimals from 1 up, three significant digits below. */
export function num(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 1 ? String(Math.round(n * 100) / 100) : String(Number(n.toPrecision(3)));
}

function numbers(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : [];
}

export function isInsightsQuery(expression: string | undefined): boolean {
  return expression !== undefined && /^\s*SELECT\s/i.test(expression);
}

function metricStatWords(m: AlarmMetric): string | undefined {
  const metric = m.metricStat?.metric;
  if (!metric?.name) return undefined;
  const dims = Object.entries(metric.dimensions ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `${metric.namespace ? `${metric.namespace} ` : ''}${metric.name}${dims ? ` (${dims})` : ''}`;
}

function metricWords(m: AlarmMetric): string | undefined {
  const stat = metricStatWords(m);
  if (stat) return stat;
  if (isInsightsQuery(m.expression)) return `Metrics Insights: ${m.expression?.trim()}`;
  if (m.expression) return `${m.label ? `${m.label}: ` : ''}${m.expression}`;
  return undefined;
}

/** The metric the alarm evaluates: the one whose data is returned, else the first. */
export function primaryMetric(detail: AlarmDetail): AlarmMetric | undefined {
  const metrics = detail.configuration?.metrics ?? [];
  return metrics.find((m) => m.returnData) ?? metrics[0];
}

/** The ANOMALY_DETECTION_BAND expression of an anomaly-detection alarm, if it is one. */
export function bandMetric(detail: AlarmDetail): AlarmMetric | undefined {
  const metrics = detail.configuration?.metrics ?? [];
  const id = detail.configuration?.thresholdMetricId;
  return (
    metrics.find((m) => id !== undefined && m.id === id) ??
    metrics.find((m) => /ANOMALY_DETECTION_BAND\s*\(/i.test(m.expression ?? ''))
  );
}

/** Inputs of a metric-math expression ("m1: AWS/EC2 NetworkIn (InstanceId=…) Maximum"). */
function mathInputs(detail: AlarmDetail, primary: AlarmMetric | undefined): string | undefined {
  if (!primary?.expression || isInsightsQuery(primary.expression)) return undefined;
  const inputs = (detail.configuration?.metrics ?? [])
    .filter((m) => m !== primary && m.metricStat)
    .map((m) => {
      const words = metricStatWords(m);
      const stat = m.metricStat?.stat;
      return words ? `${m.id ? `${m.id}: ` : ''}${words}${stat ? ` ${stat}` : ''}` : undefined;
    })
    .filter((s): s is string => s !== undefined);
  return inputs.length > 0 ? inputs.join('; ') : undefined;
}

export function durationWords(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

function windowWords(n: number, of: number, period: number | undefined): string {
  if (period === 60) return `for ${n} of ${of} minutes`;
  if (period !== undefined) return `for ${n} of ${of} periods of ${durationWords(period)}`;
  return `for ${n} of ${of} datapoints`;
}

/** The band's comparison from the reason (which names the side crossed), else the operator. */
export function bandComparison(reason: string, operator: string | undefined): string {
  const lower = /(?<!not )less than the lower threshold/.test(reason);
  const upper = /(?<!not )greater than the upper threshold/.test(reason);
  if (lower && !upper) return 'below the band';
  if (upper && !lower) return 'above the band';
  if (lower && upper) return 'outside the band';
  return (operator && ownValue(OPERATORS, operator)) ?? 'outside the band';
}

export type StaticComparison = '>' | '≥' | '<' | '≤';

const STATIC_COMPARISONS: ReadonlySet<string> = new Set<StaticComparison>(['>', '≥', '<', '≤']);

function isStaticComparison(s: string | undefined): s is StaticComparison {
  return s !== undefined && STATIC_COMPARISONS.has(s);
}

/**
 * A static threshold and its comparison: the threshold from reasonData (what CloudWatch evaluated),
 * else DescribeAlarms or the configuration; the comparison from the reason's words, else the
 * operator. Undefined when either is unknown, and for anomaly-band operators.
 */
export function staticThreshold(
  detail: AlarmDetail,
  reasonData: Record<string, unknown> | undefined,
  context?: Pick<AlarmContext, 'threshold' | 'comparisonOperator'>,
): { threshold: number; comparison: StaticComparison } | undefined {
  const reason = detail.state.reason ?? '';
  const operator = context?.comparisonOperator ?? detail.configuration?.comparisonOperator;
  const threshold =
    typeof reasonData?.threshold === 'number' && Number.isFinite(reasonData.threshold)
      ? reasonData.threshold
      : (context?.threshold ?? detail.configuration?.threshold);
  const op =
    REASON_COMPARISONS.find(([words]) => reason.includes(`${words} the threshold`))?.[1] ??
    (operator ? ownValue(OPERATORS, operator) : undefined);
  if (threshold === undefined || !Number.isFinite(threshold) || !isStaticComparison(op)) return undefined;
  return { threshold, comparison: op };
}

/**
 * "Errors Sum ≥ 5 for 1 of 1 minutes", from the configuration, the state reason and reasonData, with
 * what DescribeAlarms said (context) filling the gaps. Undefined when the threshold or the comparison
 * cannot be known: a guess would mislead the person reading it at 3 a.m.
 */
export function conditionInWords(
  detail: AlarmDetail,
  reasonData: Record<string, unknown> | undefined,
  context?: AlarmContext,
): string | undefined {
  const reason = detail.state.reason ?? '';
  const m = primaryMetric(detail);
  const insights = isInsightsQuery(m?.expression);
  const name = m?.metricStat?.metric?.name ?? m?.label ?? (insights ? 'query result' : (m?.id ?? 'value'));
  const stat =
    m?.metricStat?.stat ?? (typeof reasonData?.statistic === 'string' ? reasonData.statistic : undefined);
  const period =
    m?.metricStat?.period ??
    m?.period ??
    (typeof reasonData?.period === 'number' ? reasonData.period : undefined);
  const operator = context?.comparisonOperator ?? detail.configuration?.comparisonOperator;

  let condition: string | undefined;
  const lowers = numbers(reasonData?.recentLowerThresholds);
  const uppers = numbers(reasonData?.recentUpperThresholds);
  const band = bandMetric(detail);
  if (band || lowers.length > 0 || uppers.length > 0) {
    const lower = lowers.at(-1);
    const upper = uppers.at(-1);
    const bounds = lower !== undefined && upper !== undefined ? ` [${num(lower)} – ${num(upper)}]` : '';
    const width = /ANOMALY_DETECTION_BAND\s*\([^,]+,\s*([\d.]+)\s*\)/i.exec(band?.expression ?? '')?.[1];
    condition = `${name}${stat ? ` ${stat}` : ''} ${bandComparison(reason, operator)}${bounds}${width ? ` (${width} standard deviations)` : ''}`;
  } else {
    const found = staticThreshold(detail, reasonData, context);
    if (!found) return undefined;
    condition = `${name}${stat ? ` ${stat}` : ''} ${found.comparison} ${num(found.threshold)}`;
  }

  const window = /(\d+) out of the last (\d+) datapoints?/.exec(reason);
  const evaluationPeriods = context?.evaluationPeriods ?? detail.configuration?.evaluationPeriods;
  const datapoints =
    context?.datapointsToAlarm ?? detail.configuration?.datapointsToAlarm ?? evaluationPeriods;
  if (window?.[1] && window[2])
    return `${condition} ${windowWords(Number(window[1]), Number(window[2]), period)}`;
  if (datapoints !== undefined && evaluationPeriods !== undefined)
    return `${condition} ${windowWords(datapoints, evaluationPeriods, period)}`;
  return period !== undefined ? `${condition} in periods of ${durationWords(period)}` : condition;
}

function trippingValue(reasonData: Record<string, unknown> | undefined): string | undefined {
  const recent = numbers(reasonData?.recentDatapoints);
  if (recent.length === 0) return undefined;
  return recent.length === 1 ? num(recent[0] ?? 0) : `${recent.map(num).join(', ')} (oldest first)`;
}

export function alarmNameFromArn(arn: string): string | undefined {
  const i = arn.indexOf(':alarm:');
  return i >= 0 && i + 7 < arn.length ? arn.slice(i + 7) : undefined;
}

/** The child alarms that moved a composite alarm, from `reasonData.triggeringAlarms`. */
function triggeringAlarms(reasonData: Record<string, unknown> | undefined): string | undefined {
  const list = reasonData?.triggeringAlarms;
  if (!Array.isArray(list)) return undefined;
  const names = list
    .filter(isRecord)
    .map((t) => {
      const arn = typeof t.arn === 'string' ? t.arn : undefined;
      if (!arn) return undefined;
      const state = isRecord(t.state) && typeof t.state.value === 'string' ? t.state.value : undefined;
      return `${alarmNameFromArn(arn) ?? arn}${state ? ` (${state})` : ''}`;
    })
    .filter((s): s is string => s !== undefined);
  return names.length > 0 ? names.join(', ') : undefined;
}

/** CloudWatch's timestamps ("2026-11-20T09:15:30.000+0000") as epoch ms. */
export function parseTime(t: string | undefined): number | undefined {
  // CloudWatch writes "+0000"; Date.parse wants "+00:00".
  const ms = t ? Date.parse(t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

function minutesBetween(from: string | undefined, to: string | undefined): number | undefined {
  const a = parseTime(from);
  const b = parseTime(to);
  if (a === undefined || b === undefined || b < a) return undefined;
  return Math.round((b - a) / 60000);
}

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

/**
 * One key per alarm. PagerDuty folds every trigger for a key into the open incident and, once that
 * incident is resolved, opens a new one on the next trigger, so the key names the alarm and PagerDuty
 * turns it into one incident per episode. A key that also named the episode's start could not be
 * rebuilt by an OK that follows INSUFFICIENT_DATA (its previousState no longer says when ALARM began)
 * and would leave that incident open forever. docs/alarms.md weighs the trade-off.
 */
export function alarmDedupKey(alarmArn: string): string {
  return `cloud-alerts/alarm/${shortHash(alarmArn)}`;
}

export function alarmArnOf(envelope: Envelope, detail: AlarmDetail): string {
  return (
    envelope.resources.find((r) => r.includes(':alarm:')) ??
    envelope.resources[0] ??
    `arn:aws:cloudwatch:${envelope.region}:${envelope.account}:alarm:${detail.alarmName}`
  );
}

/** String-valued tags only: a propagated tag of another shape is dropped, not guessed at. */
function stringTags(tags: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!tags) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * The runbook tag is the alarm owner's free text: it becomes a button only as an http(s) URL with no
 * user-info part ("https://wiki.example.com@evil.example" would show one host and open another).
 */
export function runbookLink(value: string): Link | undefined {
  const text = value.trim();
  if (text.length === 0 || text.length > RUNBOOK_URL_MAX || /[\s<>"|`\\]/.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
    return undefined;
  return { text: `Runbook (${url.host})`, url: url.href };
}

export interface AlarmOptions {
  accounts: AccountNames;
  /** Severity of an alarm in ALARM (and of its resolve) when its tags do not say. */
  defaultSeverity?: Severity;
  insufficientDataSeverity?: Severity;
}

/** The alarm options from the configuration (a structural type so enrich does not import config). */
export function alarmOptionsFrom(config: {
  accounts: AccountNames;
  alarms?: { defaultSeverity: Severity; insufficientDataSeverity: Severity } | undefined;
}): AlarmOptions {
  return {
    accounts: config.accounts,
    ...(config.alarms
      ? {
          defaultSeverity: config.alarms.defaultSeverity,
          insufficientDataSeverity: config.alarms.insufficientDataSeverity,
        }
      : {}),
  };
}

/** CloudWatch's reason for the first evaluation of a new alarm. */
const INITIAL_CREATION = /^Unchecked: Initial alarm creation/;

export function alarmAlert(
  envelope: Envelope,
  detail: AlarmDetail,
  opts: AlarmOptions,
  context?: AlarmContext,
): Alert {
  const arn = alarmArnOf(envelope, detail);
  const value = detail.state.value;
  const previous = detail.previousState?.value;
  const resolved = value === 'OK';
  const reasonData = parseReasonData(detail.state.reasonData);
  const metric = primaryMetric(detail);
  const composite = detail.configuration?.alarmRule !== undefined;
  // Tags in the event (tag propagation) are the freshest; the looked-up ones fill in otherwise.
  const tags = stringTags(detail.alarmTags) ?? context?.tags;
  const taggedSeverity = SeveritySchema.safeParse(ownValue(tags, ALARM_TAGS.severity)?.trim().toLowerCase());
  // A brand-new alarm's first OK resolves nothing: info, which the default routes send nowhere.
  const firstOk = resolved && INITIAL_CREATION.test(detail.previousState?.reason ?? '');
  const severity: Severity =
    value === 'INSUFFICIENT_DATA'
      ? (opts.insufficientDataSeverity ?? 'low')
      : firstOk
        ? 'info'
        : taggedSeverity.success
          ? taggedSeverity.data
          : (opts.defaultSeverity ?? 'high');

  const facts: Fact[] = [];
  const metricText = metric ? metricWords(metric) : undefined;
  if (metricText) facts.push({ label: 'Metric', value: metricText });
  const inputs = mathInputs(detail, metric);
  if (inputs) facts.push({ label: 'Inputs', value: inputs });
  const band = bandMetric(detail);
  if (band?.expression) facts.push({ label: 'Anomaly band', value: band.expression });
  if (composite) facts.push({ label: 'Alarm rule', value: detail.configuration?.alarmRule ?? '' });
  const children = composite ? triggeringAlarms(reasonData) : undefined;
  if (children) facts.push({ label: 'Triggered by', value: children });
  const condition = conditionInWords(detail, reasonData, context);
  if (condition) facts.push({ label: 'Condition', value: condition });
  const tripped = trippingValue(reasonData);
  if (tripped && !resolved) facts.push({ label: 'Value', value: tripped });
  facts.push({ label: 'State', value: `${previous ?? 'unknown'} → ${value}` });
  // In ALARM the reason is the verdict line already.
  if (detail.state.reason && value !== 'ALARM') facts.push({ label: 'Reason', value: detail.state.reason });
  if (detail.state.evaluationState) facts.push({ label: 'Evaluation', value: detail.state.evaluationState });
  // CloudWatch's own evaluations always carry reasonData; SetAlarmState needs only a free-text reason
  // (StateReasonData is optional), so a change without it may have been set by hand, e.g. a fake OK
  // that resolves a real page. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html
  if (detail.state.reasonData === undefined)
    facts.push({
      label: 'Evaluation data',
      value:
        'none: this change may have been set by hand (cloudwatch:SetAlarmState), not by CloudWatch evaluating the metric. Check the metric and the alarm history.',
    });
  const description = detail.configuration?.description ?? context?.description;
  if (description) facts.push({ label: 'Description', value: description });
  if (detail.state.actionsSuppressedBy) {
    facts.push({
      label: 'Actions suppressed',
      value: `${detail.state.actionsSuppressedBy}${detail.state.actionsSuppressedReason ? `: ${detail.state.actionsSuppressedReason}` : ''}`,
    });
  }
  const team = ownValue(tags, ALARM_TAGS.team);
  if (team) facts.push({ label: 'Team', value: team });
  const runbookTag = ownValue(tags, ALARM_TAGS.runbook);
  const runbook = runbookTag ? runbookLink(runbookTag) : undefined;
  if (runbookTag && !runbook) facts.push({ label: 'Runbook (not an http(s) link)', value: runbookTag });

  const minutes = resolved
    ? minutesBetween(detail.previousState?.timestamp, detail.state.timestamp)
    : undefined;
  const summary = resolved
    ? `${detail.alarmName} is back to OK`
    : value === 'ALARM'
      ? `${detail.alarmName} is in ALARM${condition ? `: ${condition}` : children ? `: triggered by ${children}` : ''}`
      : `${detail.alarmName} has insufficient data`;
  const verdict = resolved
    ? firstOk
      ? 'The new alarm evaluated to OK for the first time.'
      : previous === 'ALARM'
        ? minutes !== undefined
          ? `Resolved after ${minutes} min in ALARM.`
          : 'Resolved.'
        : previous === 'INSUFFICIENT_DATA'
          ? `Back to OK after ${minutes !== undefined ? `${minutes} min of ` : ''}insufficient data; any incident still open for this alarm is resolved.`
          : `Resolved (previous state ${previous ?? 'unknown'}).`
    : value === 'ALARM'
      ? (detail.state.reason ?? 'Threshold crossed.')
      : previous === 'ALARM'
        ? 'The metric stopped reporting while in ALARM: any incident stays open until the alarm is back to OK.'
        : 'The metric is not reporting: the thing it watches may be down, or the alarm misconfigured.';
  const alias = ownValue(opts.accounts, envelope.account);
  return {
    id: `alarm:${shortHash(arn)}:${detail.state.timestamp ?? envelope.time}:${value}`,
    ruleId: ALARM_RULE_ID,
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
    links: [alarmLink(envelope.region, detail.alarmName), ...(runbook ? [runbook] : [])],
    dedupKey: alarmDedupKey(arn),
    eventId: envelope.id,
    ...(tags && Object.keys(tags).length > 0 ? { tags } : {}),
  };
}
