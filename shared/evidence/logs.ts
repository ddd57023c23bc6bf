/**
 * The errors behind a Lambda alarm: the distinct error messages in the function's log group during
 * the alarm's window, with counts and the time of the first, read with FilterLogEvents and bounded by
 * the window, pages, bytes and the evidence step's deadline (docs/alarms.md, `log-group` tag).
 */
import type { EvidenceConfig } from '../config/evidence.ts';
import { logGroupAllowed } from '../config/evidence-access.ts';
import { ALARM_TAGS, parseReasonData } from '../enrich/alarm.ts';
import type { AlarmDetail, AlarmMetric } from '../events/alarm.ts';
import type { Evidence, Link } from '../events/alert.ts';
import { ownValue } from '../util/own.ts';
import { EVIDENCE_LINES_MAX, evidenceLine } from './limits.ts';
import { ERROR_FILTER_PATTERN, groupErrors } from './log-errors.ts';
import { lambdaMonitorLink, logsInsightsLink } from './logs-links.ts';
import {
  type AlarmEvidenceInput,
  type EvidenceResult,
  type LogEventsPort,
  NO_EVIDENCE,
  readCode,
} from './ports.ts';

/**
 * The most time grouping may take (synchronous, so the evidence deadline cannot cut it): lines past
 * it are counted, not grouped. Well inside the default evidence.timeoutMs.
 */
const GROUPING_BUDGET_MS = 250;

/** The window when the alarm's own data does not give one. */
const DEFAULT_WINDOW_MS = 15 * 60_000;
/** The longest window read, lead included: the alarm's story, not the function's day. */
const MAX_WINDOW_MS = 60 * 60_000;
/** Log group names: 1-512 of [.\-_/#A-Za-z0-9] (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html). */
const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
/** Function names: 1-64 of letters, digits, `-` and `_` (https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html). */
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function isLogGroupName(name: string): boolean {
  return LOG_GROUP_NAME.test(name);
}

/** A Lambda dimension's function: `FunctionName`, or `Resource` (`fn` or `fn:alias`). */
function functionOf(metric: AlarmMetric): string | undefined {
  const m = metric.metricStat?.metric;
  if (m?.namespace !== 'AWS/Lambda' || !m.dimensions) return undefined;
  const raw = ownValue(m.dimensions, 'FunctionName') ?? ownValue(m.dimensions, 'Resource')?.split(':')[0];
  return raw !== undefined && FUNCTION_NAME.test(raw) ? raw : undefined;
}

/** The function an alarm watches: the first AWS/Lambda metric, single or a metric-math input, with one. */
export function alarmFunction(detail: AlarmDetail): string | undefined {
  for (const metric of detail.configuration?.metrics ?? []) {
    const fn = functionOf(metric);
    if (fn) return fn;
  }
  return undefined;
}

export type LogTarget =
  | { kind: 'none' }
  | { kind: 'read'; logGroup: string; functionName?: string | undefined; from: 'tag' | 'function' }
  /** Not read: `line` goes in the alert, `log` to the function's log. */
  | { kind: 'refused'; logGroup?: string | undefined; line: string | undefined; log: string };

/**
 * Which log group to read. An alarm's `log-group` tag names it (its owner knows where the function
 * logs: a custom LoggingConfig group, a container's group); else an AWS/Lambda metric's function
 * gives `/aws/lambda/<name>`. Either must fall inside `logGroups`, which is what the role may read.
 *
 * A tag outside it is refused with a line in the alert as well as in the log: the tag's writer is
 * the alarm's owner, who reads the alert and not this function's log, and without the line the
 * alert could not tell "no errors" from "not allowed to look". The line names only the owner's own
 * value (validated) and the config key, never the allowed list. A function group outside the list
 * is the operator's deliberate narrowing, so it is only logged.
 */
export function logTarget(
  input: AlarmEvidenceInput,
  logGroups: readonly string[],
  followTag = true,
): LogTarget {
  const functionName = alarmFunction(input.detail);
  // Whoever may tag an alarm picks the group it reads (within logGroups): `followTag: false` takes
  // that choice back to the function's own group (docs/evidence.md, "The log-group tag").
  const tag =
    followTag && input.alert.tags ? ownValue(input.alert.tags, ALARM_TAGS.logGroup)?.trim() : undefined;
  if (tag !== undefined && tag !== '') {
    if (!isLogGroupName(tag))
      return {
        kind: 'refused',
        line: `the alarm's ${ALARM_TAGS.logGroup} tag is not a log group name (1-512 of A-Z a-z 0-9 . - _ / #)`,
        log: `alarm tag ${ALARM_TAGS.logGroup} is not a log group name; logs not read`,
      };
    if (!logGroupAllowed(tag, logGroups))
      return {
        kind: 'refused',
        logGroup: tag,
        line: `log group ${tag} is not in evidence.logs.logGroups; the function may not read it`,
        log: `log group ${tag} (alarm tag ${ALARM_TAGS.logGroup}) is not in evidence.logs.logGroups; logs not read`,
      };
    return { kind: 'read', logGroup: tag, functionName, from: 'tag' };
  }
  if (!functionName) return { kind: 'none' };
  const logGroup = `/aws/lambda/${functionName}`;
  if (!logGroupAllowed(logGroup, logGroups))
    return {
      kind: 'refused',
      logGroup,
      line: undefined,
      log: `log group ${logGroup} is not in evidence.logs.logGroups; logs not read`,
    };
  return { kind: 'read', logGroup, functionName, from: 'function' };
}

function parseTime(t: unknown): number | undefined {
  if (typeof t !== 'string') return undefined;
  // CloudWatch writes "+0000"; Date.parse wants "+00:00".
  const ms = Date.parse(t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(ms) ? ms : undefined;
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

/**
 * The alarm's evaluation window ending at its state change, from what CloudWatch evaluated
 * (reasonData's evaluatedDatapoints, else its startDate, else period × evaluation periods), or the
 * last 15 minutes; then `leadMinutes` earlier (errors start before alarms fire), 60 minutes at most.
 */
export function alarmWindow(
  detail: AlarmDetail,
  now: number,
  leadMinutes: number,
): { startMs: number; endMs: number } {
  const changed = parseTime(detail.state.timestamp);
  const endMs = changed !== undefined && changed <= now ? changed : now;
  const reason = parseReasonData(detail.state.reasonData);

  const evaluated = Array.isArray(reason?.evaluatedDatapoints)
    ? reason.evaluatedDatapoints
        .map((d: unknown) =>
          typeof d === 'object' && d !== null ? parseTime(Reflect.get(d, 'timestamp')) : undefined,
        )
        .filter((t): t is number => t !== undefined)
    : [];
  const period =
    positive(reason?.period) ??
    (detail.configuration?.metrics ?? [])
      .map((m) => positive(m.metricStat?.period ?? m.period))
      .find((p) => p);
  const periods =
    positive(detail.configuration?.evaluationPeriods) ??
    (Array.isArray(reason?.recentDatapoints) ? positive(reason.recentDatapoints.length) : undefined);

  const candidates = [
    evaluated.length > 0 ? Math.min(...evaluated) : undefined,
    parseTime(reason?.startDate),
    period && periods ? endMs - period * periods * 1000 : undefined,
  ];
  const windowStart = candidates.find((t) => t !== undefined && t < endMs) ?? endMs - DEFAULT_WINDOW_MS;
  const startMs = Math.max(windowStart - leadMinutes * 60_000, endMs - MAX_WINDOW_MS);
  return { startMs, endMs };
}

function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function hhmmss(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function size(bytes: number): string {
  return bytes < 1024 ? plural(bytes, 'byte') : `${Math.round(bytes / 1024).toLocaleString('en-US')} KB`;
}

/**
 * The errors behind an alarm in ALARM. Never throws: a read that fails leaves the alert without the
 * section (and says why in the log); a log group that does not exist, or one the config does not
 * allow for a tag, is a line of its own.
 */
export async function alarmLogEvidence(
  input: AlarmEvidenceInput,
  ports: { logEvents?: LogEventsPort | undefined },
  limits: EvidenceConfig['logs'],
): Promise<EvidenceResult> {
  if (!limits.enabled || !ports.logEvents || input.detail.state.value !== 'ALARM') return NO_EVIDENCE;
  const target = logTarget(input, limits.logGroups, limits.followTag);
  if (target.kind === 'none') return NO_EVIDENCE;

  const { startMs, endMs } = alarmWindow(input.detail, input.now, limits.leadMinutes);
  const window = `${hhmm(startMs)}–${hhmm(endMs)} UTC`;
  const title = (group: string | undefined) =>
    evidenceLine(group ? `Errors in ${group}, ${window}` : 'Errors behind the alarm');

  if (target.kind === 'refused') {
    input.logger?.info(target.log, { alarm: input.detail.alarmName });
    return target.line === undefined
      ? NO_EVIDENCE
      : {
          evidence: [{ kind: 'logs', title: title(target.logGroup), lines: [evidenceLine(target.line)] }],
          links: [],
        };
  }

  const { logGroup, functionName } = target;
  const monitor = functionName ? [lambdaMonitorLink(input.region, functionName)] : [];
  const links: Link[] = [logsInsightsLink(input.region, logGroup, startMs, endMs), ...monitor];
  let read: Awaited<ReturnType<LogEventsPort>>;
  try {
    read = await ports.logEvents({
      region: input.region,
      logGroup,
      startMs,
      endMs,
      filterPattern: ERROR_FILTER_PATTERN,
      maxPages: limits.maxPages,
      maxBytes: limits.maxBytes,
      signal: input.signal,
    });
  } catch (e) {
    const code = readCode(e);
    const context = { alarm: input.detail.alarmName, logGroup, code };
    if (code === 'not-found') {
      input.logger?.info('log group not found; no log evidence', context);
      const hint =
        target.from === 'tag'
          ? `check the alarm's ${ALARM_TAGS.logGroup} tag`
          : `if the function logs elsewhere, tag the alarm ${ALARM_TAGS.logGroup}=<name>`;
      return {
        evidence: [
          {
            kind: 'logs',
            title: title(logGroup),
            lines: [evidenceLine(`no log group ${logGroup} (${hint})`)],
          },
        ],
        links: monitor,
      };
    }
    if (code === 'denied' || code === 'failed') input.logger?.warn('reading log evidence failed', context);
    else input.logger?.info('log evidence not read', context);
    return { evidence: [], links };
  }

  const { groups, lines, ungrouped } = groupErrors(read.events, { until: Date.now() + GROUPING_BUDGET_MS });
  const more = read.truncated ? ', more not read' : '';
  const scanned = `read ${size(read.bytesRead)} of ${plural(read.pages, 'page')}${more}`;
  if (lines === 0) {
    const none = read.truncated
      ? `no error lines in the part of ${window} read (${scanned})`
      : `no error lines in ${window}`;
    return { evidence: [{ kind: 'logs', title: title(logGroup), lines: [evidenceLine(none)] }], links };
  }
  const shown = groups.slice(0, Math.min(limits.topErrors, EVIDENCE_LINES_MAX - 1));
  const evidence: Evidence = {
    kind: 'logs',
    title: title(logGroup),
    lines: [
      evidenceLine(
        `${plural(lines, 'error line')}, ${groups.length} distinct${ungrouped > 0 ? ` (${ungrouped} not grouped in time)` : ''}; ${scanned}`,
      ),
      ...shown.map((g) => evidenceLine(`${g.count}× (first ${hhmmss(g.firstMs)}) ${g.text}`)),
    ],
  };
  return { evidence: [evidence], links };
}
