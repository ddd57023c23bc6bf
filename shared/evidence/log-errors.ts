/**
 * From Lambda log lines to distinct errors: which lines are errors, what each one says (its runtime's
 * words: "TypeError: Cannot read…", "Task timed out after 3.00 seconds"), and a signature without the
 * parts that differ per request (ids, times, long numbers), so a thousand failing requests with one
 * cause count as one error.
 *
 * Line formats (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html):
 * text — Node `<ISO time>\t<request id>\tERROR\t<message>`, Python `[ERROR]\t<ISO time>\t<request id>\t<message>`
 * and, for an uncaught Python exception, `[ERROR] KeyError: 'id'\nTraceback…`; JSON — one object per
 * line with `timestamp, level, requestId, message` and, for errors, `errorType, errorMessage, stackTrace`;
 * the platform's own lines — `<time> <request id> Task timed out after 3.00 seconds`, `RequestId: <id>
 * Error: Runtime exited with error: signal: killed\nRuntime.ExitError`.
 */

import { maskSecrets } from './mask.ts';

/**
 * What a Lambda error line carries, one term per format: `ERROR` (Node's level column, Python's
 * `[ERROR]`, JSON's `"level":"ERROR"`), `errorType` (an error object in either format), `Exception`
 * (Java, and Node's "Uncaught Exception"), `Traceback` (Python), and the platform's timeout and
 * runtime-exit lines.
 */
export const ERROR_TERMS = [
  'ERROR',
  'errorType',
  'Exception',
  'Traceback',
  'Task timed out',
  'Runtime exited',
  'Runtime.ExitError',
] as const;

/**
 * The FilterLogEvents pattern for ERROR_TERMS: `?term` matches events holding any of the terms;
 * terms are case sensitive, and a phrase or a term with a non-alphanumeric character goes inside
 * double quotes (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
 * The page does not say whether a term must stand as a whole word; users report it matching inside
 * longer words ("errors" for `error`), and every term here is a whole word in the format it is for,
 * so either reading catches them.
 */
export const ERROR_FILTER_PATTERN = ERROR_TERMS.map((t) =>
  /^[A-Za-z0-9]+$/.test(t) ? `?${t}` : `?"${t}"`,
).join(' ');

/**
 * The pattern's test, here: a reader whose filtering is looser (moto ignores `?` patterns, a recorded
 * file holds what it holds) still counts only error lines.
 */
export function matchesErrorPattern(message: string): boolean {
  return ERROR_TERMS.some((t) => message.includes(t));
}

/** How much of a line is parsed: a 1 MB line costs no more than its head. */
const PARSE_MAX = 64 * 1024;
/** How much of the error's text is kept; the alert shows 300 characters at most. */
const TEXT_MAX = 2000;

export interface ParsedError {
  /** What the error says, as its runtime words it (first line only). */
  text: string;
  requestId?: string | undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

function firstLine(s: string): string {
  const trimmed = s.replace(/^\s+/, '');
  const end = trimmed.search(/[\r\n]/);
  return (end === -1 ? trimmed : trimmed.slice(0, end)).trimEnd();
}

function parseJson(s: string): Record<string, unknown> | undefined {
  if (s.length > PARSE_MAX) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** "TypeError: Cannot read…" from an error object ({errorType, errorMessage}), when it is one. */
function errorObjectText(o: Record<string, unknown>): string | undefined {
  const type = str(o.errorType);
  const message = str(o.errorMessage);
  if (type && message) return `${type}: ${firstLine(message)}`;
  return type ?? (message ? firstLine(message) : undefined);
}

/** A line in Lambda's JSON log format, or a platform event. */
function fromJson(o: Record<string, unknown>): ParsedError {
  const type = str(o.type);
  const record = isRecord(o.record) ? o.record : undefined;
  if (type?.startsWith('platform.') && record) {
    const status = str(record.status);
    const errorType = str(record.errorType);
    return {
      text: `Lambda ${type.slice('platform.'.length)}${status ? `: status ${status}` : ''}${errorType ? ` (${errorType})` : ''}`,
      requestId: str(record.requestId),
    };
  }
  const requestId = str(o.requestId);
  const inner = isRecord(o.message) ? o.message : undefined;
  const text =
    errorObjectText(o) ??
    (inner ? errorObjectText(inner) : undefined) ??
    (typeof o.message === 'string'
      ? firstLine(o.message)
      : JSON.stringify(o.message ?? o).slice(0, TEXT_MAX));
  return { text, requestId };
}

const ISO_TIME = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z`;
const NODE_LINE = new RegExp(String.raw`^${ISO_TIME}\t([^\t]{1,100})\t[A-Z]{3,5}\t([\s\S]*)$`);
const PYTHON_LINE = new RegExp(String.raw`^\[[A-Z]{3,8}\]\t${ISO_TIME}\t([^\t]{0,100})\t([\s\S]*)$`);
const PYTHON_UNCAUGHT = /^\[ERROR\] ([\s\S]*)$/;
/** Node's label before an error object: `Invoke Error \t{…}`, `Uncaught Exception \t{…}`. */
const NODE_ERROR_OBJECT = /^(?:Invoke Error|Uncaught Exception|Unhandled Promise Rejection)\s*(\{[\s\S]*)$/;
const TIMEOUT = /(?:^|\s)(?:([0-9a-f]{8}-[0-9a-f-]{27})\s+)?(Task timed out after [\d.]{1,12} seconds)/;
const RUNTIME_EXIT = /Runtime exited(?: with error)?:? ?([^\r\n]{0,300})/;
const REQUEST_ID = /RequestId: ([0-9a-f]{8}-[0-9a-f-]{27})/;

/** The message of a Node or Python text line, with the error object Node appends, when there is one. */
function fromMessage(message: string, requestId: string | undefined): ParsedError {
  const object = NODE_ERROR_OBJECT.exec(message);
  const parsed = object?.[1] !== undefined ? parseJson(object[1]) : undefined;
  const text = (parsed ? errorObjectText(parsed) : undefined) ?? firstLine(message);
  return { text, requestId };
}

/** What one log line says went wrong. Never throws: an unknown shape is its own first line. */
export function parseLambdaLine(message: string): ParsedError {
  const head = message.length > PARSE_MAX ? message.slice(0, PARSE_MAX) : message;
  const cut = (p: ParsedError): ParsedError => ({ ...p, text: p.text.slice(0, TEXT_MAX) });

  if (head.trimStart().startsWith('{')) {
    const json = parseJson(message.trim());
    if (json) return cut(fromJson(json));
  }
  const timeout = TIMEOUT.exec(head);
  if (timeout?.[2]) return cut({ text: timeout[2], requestId: timeout[1] });
  if (head.includes('Runtime exited') || head.includes('Runtime.ExitError')) {
    const exit = RUNTIME_EXIT.exec(head);
    const why = exit?.[1]?.trim();
    return cut({
      text: `Runtime exited${why ? ` with error: ${why}` : ''} (Runtime.ExitError)`,
      requestId: REQUEST_ID.exec(head)?.[1],
    });
  }
  const node = NODE_LINE.exec(head);
  if (node?.[2] !== undefined) return cut(fromMessage(node[2], node[1]));
  const python = PYTHON_LINE.exec(head);
  if (python?.[2] !== undefined) return cut(fromMessage(python[2], str(python[1])));
  const uncaught = PYTHON_UNCAUGHT.exec(head);
  if (uncaught?.[1] !== undefined) return cut({ text: firstLine(uncaught[1]) });
  return cut({ text: firstLine(head) });
}

const NORMALISERS: ReadonlyArray<readonly [RegExp, string | ((m: string, ...g: string[]) => string)]> = [
  [/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>'],
  [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>'],
  // A quoted value with a digit in it is an id ('ord_8f7a6b5c', "user-1042"); a quoted word is not.
  [/(["'`])([^"'`\s]{1,200})\1/g, (m, q, inner) => (/\d/.test(inner) ? `${q}<id>${q}` : m)],
  [/\b(?:0x)?(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, '<hex>'],
  [/\d{4,}/g, '<n>'],
  [/\s+/g, ' '],
];

/**
 * The error with what differs per request taken out: equal signatures are one distinct error.
 * Secrets are masked first, so two lines that differ only in a token are one error, as they will
 * read once masked.
 */
/**
 * How much of an error's text makes its signature: enough to tell errors apart, short enough that
 * masking (which must see the secret to hide it) costs little per line, whatever an attacker logs.
 */
const SIGNATURE_MAX = 400;

export function errorSignature(text: string): string {
  let s = maskSecrets(text.slice(0, SIGNATURE_MAX));
  for (const [pattern, replacement] of NORMALISERS) {
    s = typeof replacement === 'string' ? s.replace(pattern, replacement) : s.replace(pattern, replacement);
  }
  return s.trim();
}

export interface ErrorGroup {
  signature: string;
  count: number;
  /** Epoch ms of the earliest line. */
  firstMs: number;
  /** The earliest line's text, as read (not yet masked or made inert). */
  text: string;
}

export interface GroupedErrors {
  /** Most frequent first; equal counts, earliest first. */
  groups: ErrorGroup[];
  /** Lines that were errors (passed matchesErrorPattern). */
  lines: number;
  /** Error lines counted but not grouped: the time for grouping ran out first. */
  ungrouped: number;
}

/** How often grouping looks at the clock: reading it per line would cost more than most lines. */
const CLOCK_EVERY = 32;

/**
 * Distinct errors among log events, in any order. Grouping is synchronous work no timer can cut, on
 * text an attacker may write: with `until` (epoch ms on `now`), lines past it are counted, not grouped.
 */
export function groupErrors(
  events: ReadonlyArray<{ timestamp: number; message: string }>,
  budget: { until?: number; now?: () => number } = {},
): GroupedErrors {
  const bySignature = new Map<string, ErrorGroup>();
  const now = budget.now ?? Date.now;
  let lines = 0;
  let ungrouped = 0;
  let outOfTime = false;
  for (const event of events) {
    if (!matchesErrorPattern(event.message)) continue;
    lines += 1;
    if (!outOfTime && budget.until !== undefined && lines % CLOCK_EVERY === 0)
      outOfTime = now() > budget.until;
    if (outOfTime) {
      ungrouped += 1;
      continue;
    }
    const { text } = parseLambdaLine(event.message);
    const signature = errorSignature(text);
    const group = bySignature.get(signature);
    if (!group) {
      bySignature.set(signature, { signature, count: 1, firstMs: event.timestamp, text });
    } else {
      group.count += 1;
      if (event.timestamp < group.firstMs) {
        group.firstMs = event.timestamp;
        group.text = text;
      }
    }
  }
  const groups = [...bySignature.values()].sort(
    (a, b) => b.count - a.count || a.firstMs - b.firstMs || (a.signature < b.signature ? -1 : 1),
  );
  return { groups, lines, ungrouped };
}
