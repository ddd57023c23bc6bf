import { consoleUrl, safeRegion } from '../enrich/links.ts';
import type { Link } from '../events/alert.ts';

/**
 * The Logs Insights query the link opens: the same error lines the evidence counted
 * (shared/evidence/log-errors.ts ERROR_TERMS), newest first.
 */
export const INSIGHTS_QUERY =
  'fields @timestamp, @requestId, @message | filter @message like /ERROR|errorType|Exception|Traceback|Task timed out|Runtime exited|Runtime\\.ExitError/ | sort @timestamp desc | limit 100';

/**
 * One value of the console's `queryDetail` object: percent-encoded, with `*` in place of `%` so the
 * outer encoding leaves it alone. Everything but letters, digits, `.`, `-` and `_` is encoded, so a
 * value can never hold the structure's own `~ ( ) '` (encodeURIComponent leaves those).
 */
function detailValue(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%/g, '*');
}

type Detail = string | boolean | readonly string[];

/**
 * The Logs Insights console keeps its query in the URL fragment as `?queryDetail=<object>`. AWS does
 * not document the format; this follows the explanation at
 * https://mcmap.net/q/430510/-is-there-a-way-to-generate-the-aws-console-urls-for-cloudwatch-log-group-filters
 * (checked against the console URL quoted there): the object is written `~(key~value~key~value)`, a
 * string value as `'` + its encoded text, an array as `~(~value~value)`; that string then has
 * `~ ( ) '` escaped (`%7E %28 %29 %27`), is prefixed with `?queryDetail=`, percent-encoded once more,
 * and every `%` becomes `$`.
 */
export function encodeQueryDetail(detail: ReadonlyArray<readonly [string, Detail]>): string {
  const value = (v: Detail): string => {
    if (typeof v === 'boolean') return String(v);
    if (typeof v === 'string') return `'${detailValue(v)}`;
    return `(${v.map((item) => `~'${detailValue(item)}`).join('')})`;
  };
  const object = `~(${detail.map(([key, v]) => `${key}~${value(v)}`).join('~')})`;
  const escaped = object.replace(/[~()']/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return encodeURIComponent(`?queryDetail=${escaped}`).replace(/%/g, '$');
}

/**
 * Logs Insights with the query filled in over the alarm's window (absolute, UTC) on one log group.
 * `logGroup` must be a validated log group name: it is the only caller-given text in the URL.
 */
export function logsInsightsLink(region: string, logGroup: string, startMs: number, endMs: number): Link {
  const r = safeRegion(region);
  const detail = encodeQueryDetail([
    ['end', new Date(endMs).toISOString()],
    ['start', new Date(startMs).toISOString()],
    ['timeType', 'ABSOLUTE'],
    ['tz', 'UTC'],
    ['editorString', INSIGHTS_QUERY],
    ['isLiveTail', false],
    ['source', [logGroup]],
  ]);
  return {
    text: 'Open Logs Insights',
    url: consoleUrl(r, `cloudwatch/home?region=${r}#logsV2:logs-insights${detail}`),
  };
}

/**
 * The function's Monitor tab: its metrics, recent invocations and, with tracing on, its X-Ray traces
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-functions-access-metrics.html). `fn` must be
 * a validated function name ([A-Za-z0-9_-], 1-64).
 */
export function lambdaMonitorLink(region: string, fn: string): Link {
  const r = safeRegion(region);
  return {
    text: 'Open function monitoring',
    url: consoleUrl(r, `lambda/home?region=${r}#/functions/${encodeURIComponent(fn)}?tab=monitoring`),
  };
}
