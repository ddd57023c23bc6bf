/**
 * The alarm's metric as evidence: what the series did over the last periods before the state change,
 * drawn as a sparkline with the threshold (or the anomaly band) in words beside it; for a composite
 * alarm, the children that triggered it and the first child's metric.
 *
 * No console link is added: the alarm alert already links the alarm page, whose graph is this metric,
 * and the metrics console's graph URL (#metricsV2:graph=…) is not a documented format we could build
 * and keep working.
 */

import type { EvidenceConfig } from '../config/evidence.ts';
import { isRecord } from '../detect/values.ts';
import {
  alarmNameFromArn,
  bandComparison,
  bandMetric,
  durationWords,
  isInsightsQuery,
  num,
  parseReasonData,
  parseTime,
  primaryMetric,
  staticThreshold,
} from '../enrich/alarm.ts';
import type { AlarmDetail, AlarmMetric } from '../events/alarm.ts';
import type { Evidence } from '../events/alert.ts';
import { EVIDENCE_LINES_MAX, evidenceLine } from './limits.ts';
import {
  type AlarmEvidenceInput,
  type AlarmStateInfo,
  type AlarmStatesPort,
  type EvidenceReadCode,
  type EvidenceResult,
  type MetricDataPort,
  type MetricDataQuery,
  type MetricDataSeries,
  NO_EVIDENCE,
  readCode,
} from './ports.ts';
import { breaches, breachWords, type SparkThreshold, sparkline, thresholdLegend } from './sparkline.ts';

export interface MetricEvidencePorts {
  metricData?: MetricDataPort | undefined;
  alarmStates?: AlarmStatesPort | undefined;
}

/**
 * GetMetricData ids: a lowercase letter first, then letters, digits and underscores. CloudWatch's
 * events name a classic single-metric alarm's query with a UUID, which GetMetricData would refuse.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html
 */
const QUERY_ID = /^[a-z][a-zA-Z0-9_]{0,254}$/;

/** Breaching points of an anomaly alarm put into words, newest last. */
const BAND_POINTS_MAX = 3;

type BandSide = 'above the band' | 'below the band' | 'outside the band';

/** Everything needed to read and draw one alarm's metric, whatever kind of alarm it came from. */
interface ChartSpec {
  queries: MetricDataQuery[];
  primaryId: string;
  bandId?: string | undefined;
  bandSide?: BandSide | undefined;
  /** Our title's words: "Errors", "5xx rate (%)". */
  label: string;
  stat?: string | undefined;
  /** Seconds. */
  period: number;
  unit?: string | undefined;
  threshold?: SparkThreshold | undefined;
  /** The alarm's evaluation window in periods, for "4 of the last 5 periods …". */
  evaluated?: number | undefined;
  /** The state change the chart ends at, epoch ms. */
  endMs: number;
  /** "example-checkout-5xx-rate: " before a composite child's title. */
  titlePrefix?: string | undefined;
  /** The alarm the chart is of (the composite's child, for a child's chart): recorded answers are found by it. */
  alarmName: string;
}

function report(input: AlarmEvidenceInput, code: EvidenceReadCode, what: string, err: unknown): void {
  const message = `metric evidence: ${what} (${code})`;
  const extra = {
    code,
    alarm: input.detail.alarmName,
    error: err instanceof Error ? err.message : String(err),
  };
  if (code === 'denied' || code === 'failed') input.logger?.warn(message, extra);
  else input.logger?.info(message, extra);
}

function isBandSide(s: string): s is BandSide {
  return s === 'above the band' || s === 'below the band' || s === 'outside the band';
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** An alarm metric as a GetMetricData query; undefined when it lacks what the API requires. */
function toQuery(m: AlarmMetric, id: string, returnData: boolean): MetricDataQuery | undefined {
  const stat = m.metricStat;
  if (stat) {
    const metric = stat.metric;
    const period = positive(stat.period);
    if (!metric?.namespace || !metric.name || !stat.stat || period === undefined) return undefined;
    return {
      id,
      ...(m.label !== undefined ? { label: m.label } : {}),
      returnData,
      metricStat: {
        namespace: metric.namespace,
        metricName: metric.name,
        dimensions: Object.entries(metric.dimensions ?? {}).map(([name, value]) => ({ name, value })),
        period,
        stat: stat.stat,
        ...(stat.unit !== undefined ? { unit: stat.unit } : {}),
      },
    };
  }
  if (!m.expression) return undefined;
  const period = positive(m.period);
  return {
    id,
    ...(m.label !== undefined ? { label: m.label } : {}),
    returnData,
    expression: m.expression,
    ...(period !== undefined ? { period } : {}),
  };
}

/**
 * The event's metrics as queries: the shown series and the band return data, every input does not
 * (GetMetricData charges by metric returned, and a math input is not what the alarm compares). An id
 * GetMetricData would refuse is replaced when no expression refers to it; undefined when the alarm's
 * metrics cannot be queried as they are.
 */
function queriesOf(
  metrics: AlarmMetric[],
  primary: AlarmMetric,
  band: AlarmMetric | undefined,
): { queries: MetricDataQuery[]; ids: Map<AlarmMetric, string> } | undefined {
  const taken = new Set(
    metrics.map((m) => m.id).filter((id): id is string => id !== undefined && QUERY_ID.test(id)),
  );
  const ids = new Map<AlarmMetric, string>();
  for (const [i, m] of metrics.entries()) {
    if (m.id !== undefined && QUERY_ID.test(m.id)) {
      ids.set(m, m.id);
      continue;
    }
    const original = m.id;
    if (original !== undefined && metrics.some((other) => other.expression?.includes(original)))
      return undefined;
    let id = `m${i + 1}`;
    while (taken.has(id)) id = `${id}_`;
    taken.add(id);
    ids.set(m, id);
  }
  const queries: MetricDataQuery[] = [];
  for (const m of metrics) {
    const id = ids.get(m);
    const query = id === undefined ? undefined : toQuery(m, id, m === primary || m === band);
    if (!query) return undefined;
    queries.push(query);
  }
  return { queries, ids };
}

/** "3 out of the last 5 datapoints" in the reason, else the configured evaluation periods. */
function evaluatedPeriods(reason: string | undefined, configured: number | undefined): number | undefined {
  const window = /\d+ out of the last (\d+) datapoints?/.exec(reason ?? '')?.[1];
  return positive(window !== undefined ? Number(window) : configured);
}

function metricLabel(m: AlarmMetric): string {
  const name = m.metricStat?.metric?.name;
  if (name) return name;
  if (m.label) return m.label;
  if (isInsightsQuery(m.expression)) return 'Metrics Insights query';
  return m.id && QUERY_ID.test(m.id) ? m.id : 'expression';
}

/** Where the chart ends: the state change, else the event's time, else now. */
function endOf(input: AlarmEvidenceInput): number {
  const at = parseTime(input.detail.state.timestamp) ?? parseTime(input.alert.time);
  return at ?? input.now;
}

/** What to read and draw for a metric alarm's own event; a string says why there is nothing to draw. */
function specFromDetail(input: AlarmEvidenceInput): ChartSpec | string {
  const { detail } = input;
  const metrics = detail.configuration?.metrics ?? [];
  const primaryFound = primaryMetric(detail);
  const band = bandMetric(detail);
  // An anomaly alarm returns both the metric and its band; the metric is the one that is not the band.
  const primary = primaryFound === band ? metrics.find((m) => m !== band) : primaryFound;
  if (!primary) return 'the event names no metric';
  const built = queriesOf(metrics, primary, band);
  const primaryId = built?.ids.get(primary);
  if (!built || primaryId === undefined)
    return "the alarm's metrics cannot be queried as the event gives them";
  const reasonData = parseReasonData(detail.state.reasonData);
  const period =
    positive(primary.metricStat?.period) ??
    positive(primary.period) ??
    positive(typeof reasonData?.period === 'number' ? reasonData.period : undefined) ??
    positive(metrics.find((m) => m.metricStat?.period !== undefined)?.metricStat?.period);
  if (period === undefined) return 'the event gives no period';
  const found = band ? undefined : staticThreshold(detail, reasonData);
  const side = band
    ? bandComparison(detail.state.reason ?? '', detail.configuration?.comparisonOperator)
    : undefined;
  // A Metrics Insights query needs its period in the request; an event without one still says it in reasonData.
  const queries = built.queries.map((q) =>
    q.id === primaryId && q.period === undefined && isInsightsQuery(q.expression) ? { ...q, period } : q,
  );
  return {
    queries,
    primaryId,
    bandId: band ? built.ids.get(band) : undefined,
    bandSide: side !== undefined && isBandSide(side) ? side : band ? 'outside the band' : undefined,
    label: metricLabel(primary),
    stat:
      primary.metricStat?.stat ??
      (typeof reasonData?.statistic === 'string' ? reasonData.statistic : undefined),
    period,
    unit: primary.metricStat?.unit,
    threshold: found ? { value: found.threshold, comparison: found.comparison } : undefined,
    evaluated: evaluatedPeriods(detail.state.reason, detail.configuration?.evaluationPeriods),
    endMs: endOf(input),
    alarmName: detail.alarmName,
  };
}

/** What to read and draw for a composite alarm's child, from DescribeAlarms. */
function specFromChild(info: AlarmStateInfo, endMs: number): ChartSpec | undefined {
  const queries = info.metrics ?? [];
  const bandId = info.thresholdMetricId;
  const primary =
    queries.find((q) => q.returnData && q.id !== bandId) ?? queries.find((q) => q.id !== bandId);
  if (!primary) return undefined;
  const period =
    positive(primary.metricStat?.period) ??
    positive(primary.period) ??
    positive(queries.find((q) => q.metricStat)?.metricStat?.period);
  if (period === undefined) return undefined;
  const asDetail: AlarmDetail = { alarmName: info.name, state: { value: info.state, reason: info.reason } };
  const found = bandId
    ? undefined
    : staticThreshold(asDetail, undefined, {
        threshold: info.threshold,
        comparisonOperator: info.comparisonOperator,
      });
  const side = bandId ? bandComparison(info.reason ?? '', info.comparisonOperator) : undefined;
  const label =
    primary.metricStat?.metricName ??
    primary.label ??
    (isInsightsQuery(primary.expression) ? 'Metrics Insights query' : primary.id);
  return {
    // Only the shown series and the band come back, whatever DescribeAlarms said.
    queries: queries.map((q) => ({
      ...q,
      returnData: q === primary || (bandId !== undefined && q.id === bandId),
    })),
    primaryId: primary.id,
    bandId,
    bandSide: side !== undefined && isBandSide(side) ? side : bandId ? 'outside the band' : undefined,
    label,
    stat: primary.metricStat?.stat,
    period,
    unit: primary.metricStat?.unit,
    threshold: found ? { value: found.threshold, comparison: found.comparison } : undefined,
    evaluated: evaluatedPeriods(info.reason, info.evaluationPeriods),
    endMs,
    titlePrefix: `${info.name}: `,
    alarmName: info.name,
  };
}

const DAY_MS = 86_400_000;

/** "09:32", or "2026-11-19 23:50" when it is not on the reference's UTC day. */
function utcTime(ms: number, referenceMs: number): string {
  const iso = new Date(ms).toISOString();
  const sameDay = Math.floor(ms / DAY_MS) === Math.floor(referenceMs / DAY_MS);
  return sameDay ? iso.slice(11, 16) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

function finite(v: number | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** One value per period slot, oldest first; a slot without a finite datapoint stays undefined. */
function slotted(
  series: MetricDataSeries | undefined,
  startMs: number,
  periodMs: number,
  n: number,
): Array<number | undefined> {
  const slots: Array<number | undefined> = new Array(n).fill(undefined);
  if (!series) return slots;
  const count = Math.min(series.timestamps.length, series.values.length);
  for (let i = 0; i < count; i++) {
    const t = series.timestamps[i];
    const v = series.values[i];
    if (t === undefined || !finite(v)) continue;
    const slot = Math.round((t - startMs) / periodMs);
    if (slot >= 0 && slot < n) slots[slot] = v;
  }
  return slots;
}

const STATUS_WORDS: Readonly<Record<string, string>> = {
  PartialData: "Partial data: CloudWatch returned only part of this window's datapoints.",
  InternalError: 'CloudWatch reported an internal error for this series: some periods may be missing.',
  Forbidden: 'CloudWatch refused part of this data (Forbidden): some periods may be missing.',
};

function statusLine(series: Array<MetricDataSeries | undefined>): string | undefined {
  for (const s of series) {
    const status = s?.status;
    if (status && status !== 'Complete')
      return STATUS_WORDS[status] ?? `CloudWatch returned the data with status ${status}.`;
  }
  return undefined;
}

function figures(values: Array<number | undefined>, spec: ChartSpec): string {
  const data = values.filter(finite);
  const unit = spec.unit && spec.unit !== 'None' ? ` ${spec.unit}` : '';
  return `min ${num(Math.min(...data))} · max ${num(Math.max(...data))} · last ${num(data.at(-1) ?? 0)}${unit}`;
}

/** "4 of the last 5 periods above the threshold"; "the last period above the threshold". */
function windowWords(k: number, m: number, where: string): string {
  if (m === 1) return `the last period ${k === 1 ? '' : 'not '}${where}`;
  return `${k} of the last ${m} periods ${where}`;
}

function outside(v: number, lower: number, upper: number, side: BandSide): boolean {
  if (side === 'above the band') return v > upper;
  if (side === 'below the band') return v < lower;
  return v > upper || v < lower;
}

/** The band's two series as pointwise lower and upper bounds. */
function bandBounds(
  series: MetricDataSeries[],
  startMs: number,
  periodMs: number,
  n: number,
): { lower: Array<number | undefined>; upper: Array<number | undefined> } | undefined {
  // ANOMALY_DETECTION_BAND returns two time series, the upper and the lower bound of the expected
  // values (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html),
  // as two MetricDataResults with the expression's Id
  // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html). Their
  // labels are not a documented contract, so the lower bound is the smaller value at each period.
  const [a, b] = series;
  if (!a || !b) return undefined;
  const sa = slotted(a, startMs, periodMs, n);
  const sb = slotted(b, startMs, periodMs, n);
  const lower = sa.map((x, i) => {
    const y = sb[i];
    return finite(x) && finite(y) ? Math.min(x, y) : undefined;
  });
  const upper = sa.map((x, i) => {
    const y = sb[i];
    return finite(x) && finite(y) ? Math.max(x, y) : undefined;
  });
  return { lower, upper };
}

/** The metric section from what GetMetricData returned. */
function metricSection(spec: ChartSpec, series: MetricDataSeries[], n: number): Evidence {
  const periodMs = spec.period * 1000;
  const endMs = Math.floor(spec.endMs / periodMs) * periodMs;
  const startMs = endMs - n * periodMs;
  const primary = series.find((s) => s.id === spec.primaryId);
  const values = slotted(primary, startMs, periodMs, n);
  const bandSeries = spec.bandId === undefined ? [] : series.filter((s) => s.id === spec.bandId);
  const band = spec.bandId === undefined ? undefined : bandBounds(bandSeries, startMs, periodMs, n);
  const per = durationWords(spec.period);
  const title = `${spec.titlePrefix ?? ''}${spec.label} (${spec.stat ? `${spec.stat} ` : ''}per ${per}), ${utcTime(startMs, endMs)}–${utcTime(endMs, endMs)} UTC`;
  const hasData = values.some(finite);
  const missing = values.some((v) => !finite(v));
  const lines: string[] = [];

  const order = `one block per ${per}, oldest first`;
  const noData = missing ? '; · = no data' : '';
  if (spec.threshold) {
    lines.push(`${thresholdLegend(spec.threshold, spec.unit)}; ${order}${noData}`);
  } else if (band) {
    lines.push(`${order}, scaled to the values and the expected band${noData}`);
  } else {
    lines.push(`${order}, scaled from min to max${noData}`);
  }

  if (!hasData) {
    lines.push('No datapoints in this window: the metric did not report.');
  } else {
    const recent = values.slice(-(spec.evaluated ?? 0) || values.length);
    let count = '';
    if (spec.evaluated !== undefined && spec.threshold) {
      const t = spec.threshold;
      const k = recent.filter((v) => finite(v) && breaches(v, t)).length;
      count = ` · ${windowWords(k, recent.length, `${breachWords(t.comparison)} the threshold`)}`;
    } else if (spec.evaluated !== undefined && band && spec.bandSide) {
      const side = spec.bandSide;
      const offset = values.length - recent.length;
      const k = recent.filter((v, i) => {
        const lo = band.lower[offset + i];
        const hi = band.upper[offset + i];
        return finite(v) && finite(lo) && finite(hi) && outside(v, lo, hi, side);
      }).length;
      count = ` · ${windowWords(k, recent.length, side)}`;
    }
    lines.push(`${figures(values, spec)}${count}`);
  }

  if (spec.bandId !== undefined && !band) {
    lines.push('The expected band was not returned: the chart is scaled to the values alone.');
  } else if (band && hasData && spec.bandSide) {
    const side = spec.bandSide;
    const lastBand = band.upper.findLastIndex(finite);
    const lo = band.lower[lastBand];
    const hi = band.upper[lastBand];
    if (lastBand >= 0 && finite(lo) && finite(hi))
      lines.push(`Expected band at ${utcTime(startMs + lastBand * periodMs, endMs)}: ${num(lo)}–${num(hi)}`);
    const points: string[] = [];
    for (const [i, v] of values.entries()) {
      const l = band.lower[i];
      const h = band.upper[i];
      if (finite(v) && finite(l) && finite(h) && outside(v, l, h, side))
        points.push(`${utcTime(startMs + i * periodMs, endMs)} ${num(v)} (expected ${num(l)}–${num(h)})`);
    }
    if (points.length > 0) {
      const shown = points.slice(-BAND_POINTS_MAX);
      const earlier = points.length - shown.length;
      lines.push(
        `${side[0]?.toUpperCase()}${side.slice(1)}: ${shown.join(', ')}${earlier > 0 ? ` (and ${earlier} earlier)` : ''}`,
      );
    }
  }

  const status = statusLine([primary, ...bandSeries]);
  if (status) lines.push(status);

  const chart = sparkline(values, {
    threshold: spec.threshold,
    scaleWith: band ? [...band.lower, ...band.upper] : undefined,
    maxLength: n,
  });
  return {
    kind: 'metric',
    title: evidenceLine(title),
    chart,
    lines: lines.slice(0, EVIDENCE_LINES_MAX).map(evidenceLine),
  };
}

/** Reads the spec's series and draws them; undefined (reported) when the read failed. */
async function readChart(
  input: AlarmEvidenceInput,
  spec: ChartSpec,
  metricData: MetricDataPort,
  periods: number,
): Promise<Evidence | undefined> {
  if (input.signal?.aborted) {
    report(input, 'timeout', 'no time left to read the metric', input.signal.reason);
    return undefined;
  }
  const periodMs = spec.period * 1000;
  const endMs = Math.floor(spec.endMs / periodMs) * periodMs;
  try {
    // Aligned to the period, the window's datapoints are the ones the alarm evaluated, and
    // GetMetricData answers faster.
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
    const series = await metricData({
      region: input.region,
      queries: spec.queries,
      startMs: endMs - periods * periodMs,
      endMs,
      signal: input.signal,
      alarmName: spec.alarmName,
    });
    return metricSection(spec, series, periods);
  } catch (err) {
    report(input, readCode(err), 'reading the metric failed', err);
    return undefined;
  }
}

interface Triggering {
  name: string;
  state?: string | undefined;
  atMs?: number | undefined;
}

/** reasonData.triggeringAlarms: each child's name, and its state when it moved the composite. */
function triggeringAlarms(detail: AlarmDetail): Triggering[] {
  const list = parseReasonData(detail.state.reasonData)?.triggeringAlarms;
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  const out: Triggering[] = [];
  for (const t of list) {
    if (!isRecord(t) || typeof t.arn !== 'string') continue;
    const name = alarmNameFromArn(t.arn);
    if (!name || seen.has(name)) continue;
    seen.add(name);
    const state = isRecord(t.state) ? t.state : undefined;
    out.push({
      name,
      state: typeof state?.value === 'string' ? state.value : undefined,
      atMs: typeof state?.timestamp === 'string' ? parseTime(state.timestamp) : undefined,
    });
  }
  return out;
}

function childLine(t: Triggering, info: AlarmStateInfo | undefined, looked: boolean, refMs: number): string {
  if (info) {
    const since = info.updatedMs !== undefined ? ` since ${utcTime(info.updatedMs, refMs)} UTC` : '';
    return `${t.name}: ${info.state}${since}${info.reason ? `. ${info.reason}` : ''}`;
  }
  const was = t.state ? ` ${t.state}` : '';
  const at = t.atMs !== undefined ? ` at ${utcTime(t.atMs, refMs)} UTC` : '';
  return `${t.name}:${was}${at} when it triggered this alarm${looked ? ' (DescribeAlarms did not find it)' : ''}`;
}

async function compositeEvidence(
  input: AlarmEvidenceInput,
  ports: MetricEvidencePorts,
  limits: EvidenceConfig['metric'],
): Promise<EvidenceResult> {
  const children = triggeringAlarms(input.detail);
  if (children.length === 0) return NO_EVIDENCE;
  const refMs = endOf(input);
  // Room for an "and N more" line when they do not all fit.
  const shown = children.length > EVIDENCE_LINES_MAX ? children.slice(0, EVIDENCE_LINES_MAX - 1) : children;
  let infos: AlarmStateInfo[] | undefined;
  if (ports.alarmStates && input.signal?.aborted) {
    report(input, 'timeout', "no time left to read the child alarms' states", input.signal.reason);
  } else if (ports.alarmStates) {
    try {
      // One DescribeAlarms call: it takes up to 100 names, and we ask for at most EVIDENCE_LINES_MAX.
      // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
      infos = await ports.alarmStates({
        region: input.region,
        names: shown.map((c) => c.name),
        signal: input.signal,
      });
    } catch (err) {
      report(input, readCode(err), "reading the child alarms' states failed", err);
    }
  }
  const byName = new Map((infos ?? []).map((i) => [i.name, i]));
  const lines = shown.map((c) => childLine(c, byName.get(c.name), infos !== undefined, refMs));
  if (shown.length < children.length) lines.push(`… and ${children.length - shown.length} more`);
  const n = children.length;
  const evidence: Evidence[] = [
    {
      kind: 'children',
      title: `Triggered by ${n} alarm${n === 1 ? '' : 's'}`,
      lines: lines.map(evidenceLine),
    },
  ];

  // The first child whose metric DescribeAlarms told us is charted, as its own alarm would be.
  const first = shown
    .map((c) => ({ c, info: byName.get(c.name) }))
    .find(({ info }) => info?.kind === 'metric' && (info.metrics?.length ?? 0) > 0);
  if (first?.info && ports.metricData) {
    const spec = specFromChild(first.info, first.info.updatedMs ?? first.c.atMs ?? refMs);
    const section = spec ? await readChart(input, spec, ports.metricData, limits.periods) : undefined;
    if (section) evidence.push(section);
  }
  return { evidence, links: [] };
}

/**
 * The alarm's metric over the last `limits.periods` periods before its state change, or a composite
 * alarm's triggering children. Never throws: a read that fails leaves out what it would have shown,
 * and says why through `input.logger`.
 *
 * Only for an alarm that fires. A resolve is read at a glance and closes the page the trigger opened,
 * which already carries the chart; INSUFFICIENT_DATA means the metric stopped reporting, so its chart
 * would be a row of "·" that says no more than the state does. Neither is worth a GetMetricData call.
 */
export async function alarmMetricEvidence(
  input: AlarmEvidenceInput,
  ports: MetricEvidencePorts,
  limits: EvidenceConfig['metric'],
): Promise<EvidenceResult> {
  try {
    if (input.detail.state.value !== 'ALARM') return NO_EVIDENCE;
    if (input.detail.configuration?.alarmRule !== undefined)
      return await compositeEvidence(input, ports, limits);
    if (!ports.metricData) return NO_EVIDENCE;
    const spec = specFromDetail(input);
    if (typeof spec === 'string') {
      input.logger?.info(`metric evidence: nothing to chart, ${spec}`, { alarm: input.detail.alarmName });
      return NO_EVIDENCE;
    }
    const section = await readChart(input, spec, ports.metricData, limits.periods);
    return section ? { evidence: [section], links: [] } : NO_EVIDENCE;
  } catch (err) {
    // A bug of ours must cost the evidence, never the alert.
    input.logger?.error('metric evidence: building it failed', {
      alarm: input.detail.alarmName,
      error: err instanceof Error ? err.message : String(err),
    });
    return NO_EVIDENCE;
  }
}
