/**
 * The metric evidence's reads over the AWS SDK: GetMetricData for the alarm's series, DescribeAlarms
 * for a composite alarm's children. The CloudWatch client loads on the first alarm that fires, not at
 * cold start (most of the alert function's events are CloudTrail records), and there is one client per
 * region for the life of the container.
 */
import type {
  CloudWatchClient,
  CompositeAlarm,
  MetricAlarm,
  MetricDataResult,
  MetricDataQuery as SdkMetricDataQuery,
  StandardUnit,
} from '@aws-sdk/client-cloudwatch';
import { LOOKUP_CLIENT_CONFIG } from '../../alarms/member-access.ts';
import {
  type AlarmStateInfo,
  type AlarmStatesPort,
  type EvidenceReadCode,
  EvidenceReadError,
  type MetricDataPort,
  type MetricDataQuery,
  type MetricDataSeries,
} from '../../evidence/ports.ts';
import { onFirstUse } from '../lazy.ts';

// The same module shared/alarms/lookup.ts loads: Node's module cache makes the second import free.
const loadCloudWatch = onFirstUse(() => import('@aws-sdk/client-cloudwatch'));
type CloudWatchSdk = typeof import('@aws-sdk/client-cloudwatch');

/**
 * GetMetricData pages read at most. One page holds up to 100,800 datapoints, far more than
 * `metric.periods` (≤ 100) per series; a second page only covers an answer CloudWatch split anyway.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 */
export const METRIC_DATA_PAGES_MAX = 2;

/**
 * DescribeAlarms takes at most 100 alarm names, and returns at most 100 alarms per page.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
 */
export const DESCRIBE_ALARMS_NAMES_MAX = 100;

export interface CloudWatchEvidenceOptions {
  /** For tests: the client for a region. */
  clientFor?: (region: string) => CloudWatchClient;
}

function clients(
  options: CloudWatchEvidenceOptions,
): (region: string, sdk: CloudWatchSdk) => CloudWatchClient {
  const byRegion = new Map<string, CloudWatchClient>();
  return (region, sdk) => {
    if (options.clientFor) return options.clientFor(region);
    let client = byRegion.get(region);
    if (!client) {
      client = new sdk.CloudWatchClient({ ...LOOKUP_CLIENT_CONFIG, region });
      byRegion.set(region, client);
    }
    return client;
  };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : '';
}

/** An SDK error in the evidence's words (shared/evidence/ports.ts), with the SDK's error as its cause. */
export function evidenceReadError(err: unknown, what: string, signal?: AbortSignal): EvidenceReadError {
  if (err instanceof EvidenceReadError) return err;
  const name = errorName(err);
  let code: EvidenceReadCode = 'failed';
  if (name === 'AbortError' || name === 'TimeoutError' || signal?.aborted) code = 'timeout';
  else if (name.startsWith('AccessDenied') || name === 'UnauthorizedOperation') code = 'denied';
  else if (name === 'ResourceNotFoundException' || name === 'ResourceNotFound') code = 'not-found';
  else if (
    name.startsWith('Throttling') ||
    name.startsWith('LimitExceeded') ||
    name === 'RequestLimitExceeded' ||
    name === 'TooManyRequestsException'
  )
    code = 'throttled';
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new EvidenceReadError(code, `${what} failed: ${detail}`, { cause: err });
}

/** A unit GetMetricData takes; anything else is left out rather than failing the whole request. */
function standardUnit(sdk: CloudWatchSdk, unit: string | undefined): StandardUnit | undefined {
  return Object.values(sdk.StandardUnit).find((u) => u === unit);
}

function toSdkQuery(sdk: CloudWatchSdk, q: MetricDataQuery): SdkMetricDataQuery {
  const unit = standardUnit(sdk, q.metricStat?.unit);
  return {
    Id: q.id,
    ReturnData: q.returnData,
    ...(q.label !== undefined ? { Label: q.label } : {}),
    ...(q.expression !== undefined ? { Expression: q.expression } : {}),
    ...(q.period !== undefined ? { Period: q.period } : {}),
    ...(q.metricStat
      ? {
          MetricStat: {
            Metric: {
              Namespace: q.metricStat.namespace,
              MetricName: q.metricStat.metricName,
              Dimensions: q.metricStat.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
            },
            Period: q.metricStat.period,
            Stat: q.metricStat.stat,
            ...(unit !== undefined ? { Unit: unit } : {}),
          },
        }
      : {}),
  };
}

interface Gathering {
  series: MetricDataSeries;
  points: Map<number, number>;
}

/** Before a read: not past the deadline, and the client module loaded (on first use). */
async function startRead(what: string, signal: AbortSignal | undefined): Promise<CloudWatchSdk> {
  if (signal?.aborted) throw new EvidenceReadError('timeout', `${what} not started: the deadline passed`);
  try {
    return await loadCloudWatch();
  } catch (err) {
    throw evidenceReadError(err, 'loading the CloudWatch client');
  }
}

/**
 * GetMetricData for one alarm's queries, oldest datapoint first. A later page that fails or runs past
 * the deadline leaves the series read so far, marked PartialData; only a failed first page throws.
 */
export function createMetricDataPort(options: CloudWatchEvidenceOptions = {}): MetricDataPort {
  const clientFor = clients(options);
  return async ({ region, queries, startMs, endMs, signal }) => {
    const what = 'GetMetricData';
    const sdk = await startRead(what, signal);
    const client = clientFor(region, sdk);
    // An anomaly band comes back as two results with one Id, so a series is its Id and its Label.
    const gathered = new Map<string, Gathering>();
    let nextToken: string | undefined;
    let complete = false;
    for (let page = 0; page < METRIC_DATA_PAGES_MAX; page++) {
      let results: MetricDataResult[];
      try {
        const answer = await client.send(
          new sdk.GetMetricDataCommand({
            MetricDataQueries: queries.map((q) => toSdkQuery(sdk, q)),
            StartTime: new Date(startMs),
            EndTime: new Date(endMs),
            ScanBy: 'TimestampAscending',
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
          { abortSignal: signal },
        );
        results = answer.MetricDataResults ?? [];
        nextToken = answer.NextToken;
      } catch (err) {
        if (page === 0) throw evidenceReadError(err, what, signal);
        break;
      }
      for (const r of results) {
        if (!r.Id) continue;
        const key = `${r.Id}\n${r.Label ?? ''}`;
        let g = gathered.get(key);
        if (!g) {
          g = { series: { id: r.Id, label: r.Label, timestamps: [], values: [] }, points: new Map() };
          gathered.set(key, g);
        }
        const stamps = r.Timestamps ?? [];
        const values = r.Values ?? [];
        for (let i = 0; i < Math.min(stamps.length, values.length); i++) {
          const t = stamps[i]?.getTime();
          const v = values[i];
          if (t !== undefined && Number.isFinite(t) && v !== undefined) g.points.set(t, v);
        }
        g.series.status = r.StatusCode;
      }
      if (!nextToken) {
        complete = true;
        break;
      }
    }
    return [...gathered.values()].map(({ series, points }) => {
      const sorted = [...points.entries()].sort(([a], [b]) => a - b);
      return {
        ...series,
        timestamps: sorted.map(([t]) => t),
        values: sorted.map(([, v]) => v),
        status: complete ? series.status : 'PartialData',
      };
    });
  };
}

const STATES = new Set(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

function isState(s: string | undefined): s is AlarmStateInfo['state'] {
  return s !== undefined && STATES.has(s);
}

function timeOf(a: {
  StateTransitionedTimestamp?: Date | undefined;
  StateUpdatedTimestamp?: Date | undefined;
}) {
  // The transition is when the state began; an update may only have refreshed the reason.
  const t = (a.StateTransitionedTimestamp ?? a.StateUpdatedTimestamp)?.getTime();
  return t !== undefined && Number.isFinite(t) ? t : undefined;
}

/** A metric alarm's metric as queries: its Metrics array, or a classic alarm's single metric as one query. */
function metricsOf(a: MetricAlarm): MetricDataQuery[] | undefined {
  if (a.Metrics && a.Metrics.length > 0) {
    const out: MetricDataQuery[] = [];
    for (const m of a.Metrics) {
      if (!m.Id) return undefined;
      const stat = m.MetricStat;
      const metric = stat?.Metric;
      if (stat && (!metric?.Namespace || !metric.MetricName || !stat.Stat || !stat.Period)) return undefined;
      if (!stat && !m.Expression) return undefined;
      out.push({
        id: m.Id,
        label: m.Label,
        returnData: m.ReturnData ?? true,
        period: m.Period,
        expression: m.Expression,
        metricStat:
          stat && metric?.Namespace && metric.MetricName && stat.Stat && stat.Period
            ? {
                namespace: metric.Namespace,
                metricName: metric.MetricName,
                dimensions: (metric.Dimensions ?? []).flatMap((d) =>
                  d.Name !== undefined && d.Value !== undefined ? [{ name: d.Name, value: d.Value }] : [],
                ),
                period: stat.Period,
                stat: stat.Stat,
                unit: stat.Unit,
              }
            : undefined,
      });
    }
    return out;
  }
  const stat = a.Statistic ?? a.ExtendedStatistic;
  if (!a.Namespace || !a.MetricName || !stat || !a.Period) return undefined;
  return [
    {
      id: 'm1',
      returnData: true,
      metricStat: {
        namespace: a.Namespace,
        metricName: a.MetricName,
        dimensions: (a.Dimensions ?? []).flatMap((d) =>
          d.Name !== undefined && d.Value !== undefined ? [{ name: d.Name, value: d.Value }] : [],
        ),
        period: a.Period,
        stat,
        unit: a.Unit,
      },
    },
  ];
}

/** What DescribeAlarms says of any alarm, metric or composite; undefined without a name or a known state. */
function stateInfo(
  a: MetricAlarm | CompositeAlarm,
  kind: AlarmStateInfo['kind'],
): AlarmStateInfo | undefined {
  if (!a.AlarmName || !isState(a.StateValue)) return undefined;
  return {
    name: a.AlarmName,
    arn: a.AlarmArn,
    kind,
    state: a.StateValue,
    reason: a.StateReason,
    updatedMs: timeOf(a),
  };
}

function metricInfo(a: MetricAlarm): AlarmStateInfo | undefined {
  const info = stateInfo(a, 'metric');
  if (!info) return undefined;
  return {
    ...info,
    metrics: metricsOf(a),
    threshold: a.Threshold,
    comparisonOperator: a.ComparisonOperator,
    thresholdMetricId: a.ThresholdMetricId,
    evaluationPeriods: a.EvaluationPeriods,
  };
}

function compositeInfo(a: CompositeAlarm): AlarmStateInfo | undefined {
  return stateInfo(a, 'composite');
}

/** DescribeAlarms by name, metric and composite alarms alike: one call, up to 100 names. */
export function createAlarmStatesPort(options: CloudWatchEvidenceOptions = {}): AlarmStatesPort {
  const clientFor = clients(options);
  return async ({ region, names, signal }) => {
    const what = 'DescribeAlarms';
    const asked = [...new Set(names)].slice(0, DESCRIBE_ALARMS_NAMES_MAX);
    if (asked.length === 0) return [];
    const sdk = await startRead(what, signal);
    try {
      const answer = await clientFor(region, sdk).send(
        new sdk.DescribeAlarmsCommand({
          AlarmNames: asked,
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          MaxRecords: DESCRIBE_ALARMS_NAMES_MAX,
        }),
        { abortSignal: signal },
      );
      return [
        ...(answer.MetricAlarms ?? []).map(metricInfo),
        ...(answer.CompositeAlarms ?? []).map(compositeInfo),
      ].filter((i): i is AlarmStateInfo => i !== undefined);
    } catch (err) {
      throw evidenceReadError(err, what, signal);
    }
  };
}
