/**
 * Recorded AWS answers standing in for the evidence read ports, so replay shows evidence without an
 * AWS account (`replay --evidence FILE`), as `--alarm-tags FILE` stands in for DescribeAlarms and
 * ListTagsForResource. The file says what GetMetricData, DescribeAlarms, FilterLogEvents and
 * LookupEvents would answer; the ports below answer requests from it with the same contract as the
 * AWS-backed ones (shared/evidence/ports.ts): windows, bounds, paging, "nothing" and not-found.
 * The file format is described in docs/replay.md and shown by events/evidence.yml.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { explainIssue } from '../config/issues.ts';
import { checkYamlFile } from '../config/located.ts';
import { alarmNameFromArn } from '../enrich/alarm.ts';
import { plainError } from '../util/errors.ts';
import { ownValue } from '../util/own.ts';
import { compileFilterPattern, FilterPatternError } from './filter-pattern.ts';
import {
  type AlarmStateInfo,
  type AlarmStatesPort,
  type EvidencePorts,
  EvidenceReadError,
  type LogEvent,
  type LogEventsPort,
  type MetricDataPort,
  type MetricDataSeries,
  type TrailEvent,
  type TrailLookupPort,
} from './ports.ts';

// --- The file -------------------------------------------------------------------------------------

const IsoTime = z
  .string()
  .refine(
    (s) =>
      /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/.test(s) &&
      Number.isFinite(Date.parse(s)),
    'an ISO 8601 time with its zone, e.g. 2026-11-20T09:14:05Z',
  );

/**
 * A MetricDataQuery id: starts with a lower-case letter; letters, digits and _ after it.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html
 */
const QueryId = z
  .string()
  .regex(/^[a-z][A-Za-z0-9_]{0,254}$/, 'a query id (m1, e1, ad1: a lower-case letter first)');

/**
 * Periods GetMetricData accepts: 1, 5, 10, 20, 30 (high resolution) or a multiple of 60 seconds.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html
 */
const Period = z
  .number()
  .int()
  .positive()
  .refine(
    (p) => p % 60 === 0 || [1, 5, 10, 20, 30].includes(p),
    'seconds: 1, 5, 10, 20, 30 or a multiple of 60',
  );

/** One value per period, oldest first; null = no datapoint in that period (GetMetricData leaves it out). */
const Values = z.array(z.number().finite().nullable());

const Band = z
  .object({ lower: Values, upper: Values })
  .strict()
  .refine((b) => b.lower.length === b.upper.length, 'lower and upper need as many values');

/** A list of values, or a band's two edges: each checked as what it looks like, so errors point inside it. */
const Series = z.unknown().transform((value, ctx): z.infer<typeof Values> | z.infer<typeof Band> => {
  const schema = Array.isArray(value) ? Values : Band;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  // Passed on as custom issues, so each is worded here, as the configuration's are.
  for (const issue of parsed.error.issues)
    for (const problem of explainIssue(issue, schema, value))
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  return z.NEVER;
});

const MetricEntry = z
  .object({
    /** The alarm's state change: the last value is the period holding it. */
    changed: IsoTime.optional(),
    period: Period.optional(),
    series: z.record(QueryId, Series),
  })
  .strict();

/** Dimensions as the port takes them, or as a map (the alarm event's and CloudFormation's spelling). */
const Dimensions = z
  .union([
    z.array(z.object({ name: z.string().min(1), value: z.string() }).strict()),
    z.record(z.string().min(1), z.string()),
  ])
  .transform((d) => (Array.isArray(d) ? d : Object.entries(d).map(([name, value]) => ({ name, value }))));

/** A MetricDataQuery as DescribeAlarms describes a metric alarm's metric (shared/evidence/ports.ts). */
const Query = z
  .object({
    id: QueryId,
    label: z.string().optional(),
    returnData: z.boolean().default(true),
    period: Period.optional(),
    metricStat: z
      .object({
        namespace: z.string().min(1),
        metricName: z.string().min(1),
        dimensions: Dimensions.default([]),
        period: Period,
        stat: z.string().min(1),
        unit: z.string().optional(),
      })
      .strict()
      .optional(),
    expression: z.string().min(1).optional(),
  })
  .strict()
  .refine(
    (q) => (q.metricStat === undefined) !== (q.expression === undefined),
    'either metricStat or expression',
  );

const AlarmEntry = z
  .object({
    state: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
    kind: z.enum(['metric', 'composite']).default('metric'),
    reason: z.string().optional(),
    updated: IsoTime.optional(),
    /** A metric alarm's metric, so a composite alarm's child can be charted. */
    metrics: z.array(Query).min(1).optional(),
    threshold: z.number().finite().optional(),
    comparisonOperator: z.string().min(1).optional(),
    thresholdMetricId: QueryId.optional(),
    evaluationPeriods: z.number().int().positive().optional(),
  })
  .strict()
  .refine(
    (a) => a.thresholdMetricId === undefined || (a.metrics ?? []).some((q) => q.id === a.thresholdMetricId),
    'thresholdMetricId names none of its metrics',
  );

/**
 * Log group names: 1-512 of [.\-_/#A-Za-z0-9].
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
 */
const LogGroupName = z.string().regex(/^[.\-_/#A-Za-z0-9]{1,512}$/, 'a log group name');

const LogEntry = z
  .object({
    at: IsoTime,
    message: z.string(),
    stream: z.string().min(1).optional(),
  })
  .strict();

/** A CloudTrail record as the trail writes it (the `detail` of an EventBridge CloudTrail event). */
const TrailRecord = z
  .object({
    eventID: z.string().min(1),
    eventTime: IsoTime,
    eventName: z.string().min(1),
    eventSource: z.string().min(1),
    userIdentity: z.record(z.string(), z.unknown()).optional(),
    readOnly: z.boolean().optional(),
    resources: z.array(z.record(z.string(), z.unknown())).optional(),
    requestParameters: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .passthrough();
type TrailRecord = z.infer<typeof TrailRecord>;

export const EvidenceFileSchema = z
  .object({
    /** GetMetricData, by alarm name or alarm ARN (an ARN entry in the request's region wins). */
    metrics: z.record(z.string().min(1), MetricEntry).default({}),
    /** DescribeAlarms, for composite alarms' children: by alarm name or ARN. */
    alarms: z.record(z.string().min(1), AlarmEntry).default({}),
    /** FilterLogEvents, by log group: a group left out does not exist. */
    logs: z.record(LogGroupName, z.array(LogEntry)).default({}),
    /** LookupEvents: records grouped under a resource or user name each of them names. */
    cloudtrail: z.record(z.string().min(1), z.array(TrailRecord)).default({}),
  })
  .strict()
  .superRefine((file, ctx) => {
    // A record filed under a name it does not carry would never be found by that name: say so now.
    for (const [key, records] of Object.entries(file.cloudtrail)) {
      records.forEach((record, i) => {
        if (!namesResource(record, key) && lookupUsername(record) !== key) {
          ctx.addIssue({
            code: 'custom',
            path: ['cloudtrail', key, i],
            message: `names neither the resource nor the user ${JSON.stringify(key)} (LookupEvents would not find it by that name)`,
          });
        }
      });
    }
  });
export type EvidenceFile = z.infer<typeof EvidenceFileSchema>;
export type EvidenceFileInput = z.input<typeof EvidenceFileSchema>;

export class EvidenceFileError extends Error {
  override readonly name = 'EvidenceFileError';
}

/** Issues shown per bad file: the first few say enough to fix it. */
const MAX_ISSUES = 5;

/** Reads a YAML (or JSON, which YAML reads too) --evidence file; a bad one is a usage error naming line and key path. */
export function loadEvidenceFile(path: string): EvidencePorts {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new EvidenceFileError(`cannot read ${path}: ${plainError(err)}`, { cause: err });
  }
  return recordedEvidencePorts(parseEvidenceFile(text, path));
}

/** The file's text, checked: what loadEvidenceFile reads before it builds the ports. */
export function parseEvidenceFile(text: string, source: string): EvidenceFile {
  const checked = checkYamlFile(text, EvidenceFileSchema, source, {});
  if (checked.problems)
    throw new EvidenceFileError(
      `invalid evidence in ${source}:\n  ${checked.problems.slice(0, MAX_ISSUES).join('\n  ')}`,
    );
  return checked.data;
}

// --- The ports ------------------------------------------------------------------------------------

export interface RecordedOptions {
  /**
   * Log events per FilterLogEvents page. AWS fills a page with up to 10,000 events or 1 MB
   * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html);
   * tests lower it to see paging.
   */
  logPageEvents?: number;
}

/** FilterLogEvents: events per page and bytes per page at most. */
export const LOG_PAGE_EVENTS = 10_000;
export const LOG_PAGE_BYTES = 1024 * 1024;

/**
 * LookupEvents' MaxResults: 1-50.
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
 */
const TRAIL_MAX_RESULTS = 50;

function checkSignal(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new EvidenceReadError('timeout', `${what}: the evidence deadline passed`);
}

/** The entry for an alarm: an ARN key in the request's region wins over a name key, as in --alarm-tags. */
function alarmEntry<T>(entries: Readonly<Record<string, T>>, name: string, region: string): T | undefined {
  for (const [key, entry] of Object.entries(entries)) {
    if (key.startsWith('arn:') && key.split(':')[3] === region && alarmNameFromArn(key) === name)
      return entry;
  }
  return ownValue(entries, name);
}

/** Ports answering from recorded AWS answers (a checked EvidenceFile). */
export function recordedEvidencePorts(data: EvidenceFile, options: RecordedOptions = {}): EvidencePorts {
  return {
    metricData: recordedMetricData(data),
    alarmStates: recordedAlarmStates(data),
    logEvents: recordedLogEvents(data, options.logPageEvents ?? LOG_PAGE_EVENTS),
    trailLookup: recordedTrailLookup(data),
  };
}

/**
 * GetMetricData. The request names its alarm (`alarmName`: GetMetricData itself does not take one).
 * Alignment: a recorded series' last value is the period that holds the alarm's state change
 * (`changed`, floored to the period); without `changed`, the period ending at the request's end
 * rounded up to a period boundary. Earlier values step back one period each. The answer holds the
 * values whose period starts in [startMs, endMs), as GetMetricData's window does, and leaves out
 * nulls, as GetMetricData leaves out periods without data. Only `returnData` queries answer; a query
 * the entry does not record, or an alarm not in the file, answers an empty series (what
 * GetMetricData says for a metric without data). An anomaly band answers two series with the
 * query's id, labelled "<label> Lower" and "<label> Upper".
 */
function recordedMetricData(data: EvidenceFile): MetricDataPort {
  return async (request) => {
    checkSignal(request.signal, 'GetMetricData');
    const entry =
      request.alarmName === undefined
        ? undefined
        : alarmEntry(data.metrics, request.alarmName, request.region);
    const out: MetricDataSeries[] = [];
    for (const query of request.queries) {
      if (!query.returnData) continue;
      const label = query.label ?? query.metricStat?.metricName ?? query.id;
      const period = entry?.period ?? query.period ?? query.metricStat?.period ?? 60;
      const recorded = entry === undefined ? undefined : ownValue(entry.series, query.id);
      const periodMs = period * 1000;
      const last =
        entry?.changed === undefined
          ? Math.ceil(request.endMs / periodMs) * periodMs - periodMs
          : Math.floor(Date.parse(entry.changed) / periodMs) * periodMs;
      const place = (values: Array<number | null>, seriesLabel: string): MetricDataSeries =>
        placed(query.id, seriesLabel, values, {
          last,
          periodMs,
          startMs: request.startMs,
          endMs: request.endMs,
        });
      if (recorded === undefined) out.push(place([], label));
      else if (Array.isArray(recorded)) out.push(place(recorded, label));
      else out.push(place(recorded.lower, `${label} Lower`), place(recorded.upper, `${label} Upper`));
    }
    return out;
  };
}

/** `values` on period starts, the last at `last`, within the request's window. */
function placed(
  id: string,
  label: string,
  values: Array<number | null>,
  window: { last: number; periodMs: number; startMs: number; endMs: number },
): MetricDataSeries {
  const { last, periodMs, startMs, endMs } = window;
  const series: MetricDataSeries = { id, label, timestamps: [], values: [], status: 'Complete' };
  values.forEach((value, i) => {
    const at = last - (values.length - 1 - i) * periodMs;
    if (value === null || at < startMs || at >= endMs) return;
    series.timestamps.push(at);
    series.values.push(value);
  });
  return series;
}

/** DescribeAlarms by name: the alarms the file has; one it lacks is left out, as AWS leaves it out. */
function recordedAlarmStates(data: EvidenceFile): AlarmStatesPort {
  return async (request) => {
    checkSignal(request.signal, 'DescribeAlarms');
    const out: AlarmStateInfo[] = [];
    for (const name of new Set(request.names)) {
      const entry = alarmEntry(data.alarms, name, request.region);
      if (!entry) continue;
      const { updated, ...info } = entry;
      out.push({
        name,
        ...structuredClone(info),
        ...(updated === undefined ? {} : { updatedMs: Date.parse(updated) }),
      });
    }
    return out;
  };
}

/**
 * FilterLogEvents, read page after page as the AWS-backed port reads them: events in the window
 * (both ends included) that match the filter pattern, oldest first. Reading stops at `maxPages`
 * pages, or before the event that would take the bytes read past `maxBytes`, or when the deadline
 * passes between pages; `truncated` says whether matching events were left unread.
 */
function recordedLogEvents(data: EvidenceFile, pageEvents: number): LogEventsPort {
  return async (request) => {
    checkSignal(request.signal, 'FilterLogEvents');
    const recorded = ownValue(data.logs, request.logGroup);
    if (recorded === undefined) {
      throw new EvidenceReadError(
        'not-found',
        `ResourceNotFoundException: The specified log group does not exist.`,
      );
    }
    if (request.startMs > request.endMs) {
      throw new EvidenceReadError(
        'failed',
        'InvalidParameterException: the start of the window is after its end',
      );
    }
    let matches: (message: string) => boolean;
    try {
      matches = compileFilterPattern(request.filterPattern);
    } catch (err) {
      if (err instanceof FilterPatternError)
        throw new EvidenceReadError('failed', err.message, { cause: err });
      throw err;
    }
    const events: LogEvent[] = recorded
      .map((e) => ({
        timestamp: Date.parse(e.at),
        message: e.message,
        ...(e.stream === undefined ? {} : { logStream: e.stream }),
      }))
      .filter((e) => e.timestamp >= request.startMs && e.timestamp <= request.endMs && matches(e.message))
      .sort((a, b) => a.timestamp - b.timestamp);

    const read: LogEvent[] = [];
    let bytesRead = 0;
    let pages = 0;
    let next = 0;
    while (next < events.length && pages < request.maxPages) {
      if (pages > 0 && request.signal?.aborted) break;
      pages++;
      const page = pageFrom(events, next, pageEvents);
      for (const event of page) {
        const bytes = Buffer.byteLength(event.message, 'utf8');
        if (bytesRead + bytes > request.maxBytes) {
          return { events: read, truncated: true, bytesRead, pages };
        }
        bytesRead += bytes;
        read.push(event);
        next++;
      }
    }
    return { events: read, truncated: next < events.length, bytesRead, pages: Math.max(pages, 1) };
  };
}

/** One page from `start`: up to `pageEvents` events and LOG_PAGE_BYTES bytes (always at least one event). */
function pageFrom(events: LogEvent[], start: number, pageEvents: number): LogEvent[] {
  const page: LogEvent[] = [];
  let bytes = 0;
  for (let i = start; i < events.length && page.length < pageEvents; i++) {
    const event = events[i] as LogEvent;
    const size = Buffer.byteLength(event.message, 'utf8');
    if (page.length > 0 && bytes + size > LOG_PAGE_BYTES) break;
    bytes += size;
    page.push(event);
  }
  return page;
}

// --- CloudTrail ----------------------------------------------------------------------------------

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * The name LookupEvents reports (and its Username attribute matches): an IAM user's name, an
 * assumed role's session name, "root" for the root user.
 */
export function lookupUsername(record: Readonly<Record<string, unknown>>): string | undefined {
  const identity: Record<string, unknown> =
    typeof record.userIdentity === 'object' && record.userIdentity !== null
      ? (record.userIdentity as Record<string, unknown>)
      : {};
  const type = str(identity.type);
  if (type === 'Root') return 'root';
  if (type === 'AssumedRole') {
    const arn = str(identity.arn);
    return arn?.slice(arn.lastIndexOf('/') + 1) || undefined;
  }
  return str(identity.userName);
}

/** requestParameters naming the resource a call acts on, across the services our rules watch. */
const RESOURCE_PARAMETERS = [
  'bucketName',
  'roleName',
  'userName',
  'groupName',
  'policyArn',
  'functionName',
  'tableName',
  'topicArn',
  'queueUrl',
  'logGroupName',
  'name',
  'trailName',
  'keyId',
  'secretId',
  'dBInstanceIdentifier',
  'dBClusterIdentifier',
  'groupId',
  'detectorId',
  'configurationRecorderName',
  'eventBusName',
  'alarmName',
] as const;

/**
 * LookupEvents' ResourceName: the names in the record's resources (an ARN, its resource part, or
 * the part after its last /) or the resource its request names.
 */
function namesResource(record: TrailRecord, value: string): boolean {
  for (const resource of record.resources ?? []) {
    const arn = str(resource.ARN) ?? str(resource.arn);
    if (str(resource.resourceName) === value) return true;
    if (arn === undefined) continue;
    const part = arn.split(':').slice(5).join(':');
    if (arn === value || part === value || part.slice(part.lastIndexOf('/') + 1) === value) return true;
  }
  const params = record.requestParameters ?? {};
  return RESOURCE_PARAMETERS.some((key) => str(params[key]) === value);
}

interface TrailCursor {
  key: string;
  value: string;
  startMs: number;
  endMs: number;
  offset: number;
}

function encodeToken(cursor: TrailCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeToken(token: string): Partial<TrailCursor> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Partial<TrailCursor>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * LookupEvents: every record in the file (each once, by eventID, whichever names it is filed under)
 * that the attribute matches, within the window (both ends included), newest first, `maxResults` a
 * page, the rest behind a `nextToken` valid only for the same lookup.
 */
function inRegion(record: TrailRecord, region: string): boolean {
  const recorded = (record as { awsRegion?: unknown }).awsRegion;
  return typeof recorded !== 'string' || recorded === region;
}

function recordedTrailLookup(data: EvidenceFile): TrailLookupPort {
  const byId = new Map<string, TrailRecord>();
  for (const records of Object.values(data.cloudtrail)) for (const r of records) byId.set(r.eventID, r);
  const all = [...byId.values()]
    .map((record) => ({ record, timeMs: Date.parse(record.eventTime) }))
    .sort((a, b) => b.timeMs - a.timeMs || a.record.eventID.localeCompare(b.record.eventID));

  return async (request) => {
    checkSignal(request.signal, 'LookupEvents');
    const { key, value } = request.attribute;
    if (
      !Number.isInteger(request.maxResults) ||
      request.maxResults < 1 ||
      request.maxResults > TRAIL_MAX_RESULTS
    ) {
      throw new EvidenceReadError(
        'failed',
        `InvalidMaxResultsException: MaxResults must be 1-${TRAIL_MAX_RESULTS}`,
      );
    }
    if (request.startMs > request.endMs) {
      throw new EvidenceReadError(
        'failed',
        'InvalidTimeRangeException: the start of the window is after its end',
      );
    }
    let offset = 0;
    if (request.nextToken !== undefined) {
      const cursor = decodeToken(request.nextToken);
      const same =
        cursor?.key === key &&
        cursor.value === value &&
        cursor.startMs === request.startMs &&
        cursor.endMs === request.endMs &&
        Number.isInteger(cursor.offset);
      if (!same)
        throw new EvidenceReadError('failed', 'InvalidNextTokenException: the token is for another lookup');
      offset = cursor.offset as number;
    }
    const matching = all.filter(
      ({ record, timeMs }) =>
        timeMs >= request.startMs &&
        timeMs <= request.endMs &&
        // Event history is regional: a record of another region is not in this one's.
        inRegion(record, request.region) &&
        (key === 'Username' ? lookupUsername(record) === value : namesResource(record, value)),
    );
    const page = matching.slice(offset, offset + request.maxResults);
    const events: TrailEvent[] = page.map(({ record, timeMs }) => {
      const username = lookupUsername(record);
      return {
        eventId: record.eventID,
        eventName: record.eventName,
        eventSource: record.eventSource,
        timeMs,
        ...(username === undefined ? {} : { username }),
        ...(record.readOnly === undefined ? {} : { readOnly: record.readOnly }),
        // A copy: a builder that edits what it read must not edit the next lookup's answer.
        record: structuredClone(record) as Record<string, unknown>,
      };
    });
    const end = offset + page.length;
    return end < matching.length
      ? {
          events,
          nextToken: encodeToken({ key, value, startMs: request.startMs, endMs: request.endMs, offset: end }),
        }
      : { events };
  };
}
