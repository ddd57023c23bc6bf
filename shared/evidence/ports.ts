/**
 * The reads evidence needs, as ports: the Lambda passes AWS-backed ones (shared/aws/evidence/), replay
 * passes answers recorded in a file (shared/evidence/recorded.ts), tests pass fakes. Every port takes
 * an AbortSignal: the evidence step has one deadline for all its reads, and a read still running when
 * it passes is abandoned, never waited for.
 *
 * A port throws EvidenceReadError on failure, with a code a builder can put in words ("no log group
 * /aws/lambda/x"); anything else it throws is treated as `failed`.
 */
import type { AlarmDetail } from '../events/alarm.ts';
import type { Alert, Evidence, Link } from '../events/alert.ts';
import type { LogPort } from '../pipeline/logger.ts';

export type EvidenceReadCode = 'not-found' | 'denied' | 'throttled' | 'timeout' | 'failed';

export class EvidenceReadError extends Error {
  override readonly name = 'EvidenceReadError';
  readonly code: EvidenceReadCode;

  constructor(code: EvidenceReadCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

// --- CloudWatch metrics (GetMetricData) -----------------------------------------------------------

export interface MetricStatQuery {
  namespace: string;
  metricName: string;
  dimensions: Array<{ name: string; value: string }>;
  /** Seconds. */
  period: number;
  stat: string;
  unit?: string | undefined;
}

/** One MetricDataQuery: a metric or an expression (metric math, ANOMALY_DETECTION_BAND, Metrics Insights SQL). */
export interface MetricDataQuery {
  id: string;
  label?: string | undefined;
  returnData: boolean;
  /** Seconds; expressions only (a metric's period is in metricStat). */
  period?: number | undefined;
  metricStat?: MetricStatQuery | undefined;
  expression?: string | undefined;
}

export interface MetricDataSeries {
  id: string;
  label?: string | undefined;
  /** Epoch ms, oldest first, one per value. */
  timestamps: number[];
  values: number[];
  /** GetMetricData's StatusCode: Complete | PartialData | InternalError | Forbidden. */
  status?: string | undefined;
}

export interface MetricDataRequest {
  region: string;
  /**
   * The alarm whose metric this is (its name). GetMetricData does not take it; recorded answers
   * (replay --evidence, shared/evidence/recorded.ts) are found by it, so the metric builder passes it.
   */
  alarmName?: string | undefined;
  queries: MetricDataQuery[];
  startMs: number;
  endMs: number;
  signal?: AbortSignal | undefined;
}

/** GetMetricData: every series a `returnData` query produced (an anomaly band gives two: its id and label say which). */
export type MetricDataPort = (request: MetricDataRequest) => Promise<MetricDataSeries[]>;

// --- CloudWatch alarms (DescribeAlarms), for a composite alarm's children -------------------------

export interface AlarmStateInfo {
  name: string;
  arn?: string | undefined;
  kind: 'metric' | 'composite';
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  /** CloudWatch's StateReason: its words, the alarm owner's numbers. */
  reason?: string | undefined;
  /** Epoch ms of the last state change. */
  updatedMs?: number | undefined;
  /**
   * A metric alarm's metric as GetMetricData queries (a classic single-metric alarm as one query),
   * so the evidence can chart a composite alarm's child; absent for composite alarms.
   */
  metrics?: MetricDataQuery[] | undefined;
  threshold?: number | undefined;
  /** ComparisonOperator, e.g. GreaterThanOrEqualToThreshold. */
  comparisonOperator?: string | undefined;
  /** Anomaly-detection alarms: the id of the ANOMALY_DETECTION_BAND query among `metrics`. */
  thresholdMetricId?: string | undefined;
  evaluationPeriods?: number | undefined;
}

export type AlarmStatesPort = (request: {
  region: string;
  names: string[];
  signal?: AbortSignal | undefined;
}) => Promise<AlarmStateInfo[]>;

// --- CloudWatch Logs (FilterLogEvents) -----------------------------------------------------------

export interface LogEvent {
  /** Epoch ms. */
  timestamp: number;
  message: string;
  logStream?: string | undefined;
}

export interface LogEventsRequest {
  region: string;
  logGroup: string;
  startMs: number;
  endMs: number;
  /** CloudWatch Logs filter pattern syntax. */
  filterPattern: string;
  maxPages: number;
  maxBytes: number;
  signal?: AbortSignal | undefined;
}

export interface LogEventsResult {
  events: LogEvent[];
  /** More may have matched than the bounds let us read (pages, bytes or the deadline). */
  truncated: boolean;
  /** UTF-8 bytes of the messages read. */
  bytesRead: number;
  pages: number;
}

export type LogEventsPort = (request: LogEventsRequest) => Promise<LogEventsResult>;

// --- CloudTrail event history (LookupEvents) -----------------------------------------------------

export interface TrailEvent {
  eventId: string;
  eventName: string;
  eventSource: string;
  /** Epoch ms. */
  timeMs: number;
  username?: string | undefined;
  readOnly?: boolean | undefined;
  /** The CloudTrail record itself (LookupEvents' CloudTrailEvent, parsed), when it was readable. */
  record?: Record<string, unknown> | undefined;
}

export interface TrailLookupRequest {
  region: string;
  attribute: { key: 'ResourceName' | 'Username'; value: string };
  startMs: number;
  endMs: number;
  /** 1-50. */
  maxResults: number;
  nextToken?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** LookupEvents: newest first. */
export type TrailLookupPort = (
  request: TrailLookupRequest,
) => Promise<{ events: TrailEvent[]; nextToken?: string | undefined }>;

export interface EvidencePorts {
  metricData?: MetricDataPort | undefined;
  alarmStates?: AlarmStatesPort | undefined;
  logEvents?: LogEventsPort | undefined;
  trailLookup?: TrailLookupPort | undefined;
}

/** What the alarm builders (metric.ts, logs.ts) read from: the alert, its event's detail, one deadline. */
export interface AlarmEvidenceInput {
  /** alert.tags = the alarm's tags (event or DescribeAlarms), alert.region, alert.account.id. */
  alert: Alert;
  detail: AlarmDetail;
  /** The alarm's region. */
  region: string;
  /** One deadline for the whole evidence step. */
  signal?: AbortSignal | undefined;
  /** Epoch ms. */
  now: number;
  logger?: LogPort | undefined;
}

/** What one builder adds to an alert: evidence sections and links (console pages we build). */
export interface EvidenceResult {
  evidence: Evidence[];
  links: Link[];
}

export const NO_EVIDENCE: EvidenceResult = { evidence: [], links: [] };

/** The code of whatever a port threw. */
export function readCode(err: unknown): EvidenceReadCode {
  return err instanceof EvidenceReadError ? err.code : 'failed';
}
