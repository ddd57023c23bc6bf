import * as z from 'zod/mini';
import type { Channel } from '../events/alert.ts';
import { DeliveryError, errorIdentity, SanitizedError } from './errors.ts';
import { oneLine, truncate } from './text.ts';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface PostJsonOptions {
  url: string;
  body: unknown;
  channel: Channel;
  timeoutMs: number;
  fetchImpl?: FetchLike | undefined;
  /** Values that must never appear in an error (a routing key travelling in the body, say). */
  secrets?: readonly string[] | undefined;
  /** For Retry-After given as an HTTP date. */
  now?: (() => number) | undefined;
}

export interface PostJsonResult {
  status: number;
  text: string;
}

const EXCERPT_MAX = 200;
const REDACTED = '[redacted]';

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

// A Slack webhook token is 24 characters; shorter path segments ("services", "enqueue") are not secret
// and redacting them would shred words like "service_unavailable" in the excerpt.
const SECRET_SEGMENT_MIN = 16;

/** Everything in a URL that could be a credential: the whole URL, its path and query, long path segments. */
function secretsOf(url: string, extra: readonly string[]): string[] {
  const found = [url, ...extra];
  try {
    const parsed = new URL(url);
    found.push(parsed.pathname + parsed.search, parsed.search);
    found.push(...parsed.pathname.split('/').filter((segment) => segment.length >= SECRET_SEGMENT_MIN));
    if (parsed.password !== '') found.push(parsed.password);
  } catch {
    // An unparsable URL is still redacted as a whole.
  }
  return [...new Set(found)].filter((s) => s.length > 1).sort((a, b) => b.length - a.length);
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  return out.replace(/\bhttps?:\/\/\S+/gi, REDACTED);
}

// PagerDuty answers 400 with {"status":"invalid event","message":"Event object is invalid","errors":[…]}.
const VendorErrorBody = z.object({
  message: z.optional(z.string()),
  errors: z.optional(z.array(z.string())),
});

function describeBody(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = VendorErrorBody.safeParse(JSON.parse(trimmed));
      if (parsed.success && (parsed.data.message !== undefined || parsed.data.errors !== undefined)) {
        return [parsed.data.message, parsed.data.errors?.join('; ')]
          .filter((part) => part !== undefined && part !== '')
          .join(': ');
      }
    } catch {
      // Not JSON after all: fall through to the raw text.
    }
  }
  // An HTML error page from a proxy says nothing useful in one line.
  if (trimmed.startsWith('<')) return '';
  return trimmed;
}

/** A short, one-line, secret-free excerpt of a response body for the error message. */
export function bodyExcerpt(text: string, secrets: readonly string[]): string {
  return truncate(oneLine(redact(describeBody(text), secrets)), EXCERPT_MAX, '…');
}

function classifyTransportError(e: unknown, timeoutMs: number): { retryable: boolean; reason: string } {
  const { name, code } = errorIdentity(e);
  if (name === 'TimeoutError') return { retryable: true, reason: `timed out after ${timeoutMs} ms` };
  if (name === 'AbortError') return { retryable: true, reason: 'request aborted' };
  const label = [name, code].filter((part) => part !== undefined).join(' ') || 'unknown error';
  // A malformed URL is configuration: no retry will fix it.
  if (code === 'ERR_INVALID_URL') return { retryable: false, reason: `invalid URL (${label})` };
  return { retryable: true, reason: `network error (${label})` };
}

/**
 * Hosts of this machine, in URL.hostname form: the only ones a secret may travel to over plain http
 * (the tests' vendor stand-ins, a sidecar). Anywhere else it would cross a network in the clear.
 */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '[::1]', 'localhost'];

/** https, or plain http to one of `loopback`: where a request carrying a secret may go. */
export function isHttpsOrLoopback(url: URL, loopback: readonly string[] = LOOPBACK_HOSTS): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && loopback.includes(url.hostname));
}

/** What a vendor answered: its status, its Retry-After header and its body as text. */
export interface VendorAnswer {
  status: number;
  retryAfter: string | null;
  text: string;
}

/**
 * One POST, nothing more: no redirect is followed (it would carry the alert, or a token in a header,
 * to another host, and turn POST into GET), and the body is read under the same timeout signal, so a
 * stalled body also ends as TimeoutError. Transport failures are thrown as they come; callers
 * classify and sanitise them.
 */
export async function postOnce(options: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  fetchImpl?: FetchLike | undefined;
}): Promise<VendorAnswer> {
  const { url, body, headers, timeoutMs, fetchImpl = fetch } = options;
  const response = await fetchImpl(url, {
    method: 'POST',
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  const retryAfter = response.headers.get('retry-after');
  return { status: response.status, retryAfter, text: await response.text() };
}

/**
 * POSTs JSON and classifies the outcome: 2xx resolves; 429, 5xx, timeouts and network failures throw a
 * retryable DeliveryError; any other status throws a permanent one. Errors never carry the URL.
 */
export async function postJson(options: PostJsonOptions): Promise<PostJsonResult> {
  const { url, body, channel, timeoutMs, fetchImpl, now = Date.now } = options;
  const secrets = secretsOf(url, options.secrets ?? []);
  let answer: VendorAnswer;
  try {
    answer = await postOnce({
      url,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      timeoutMs,
      fetchImpl,
    });
  } catch (e) {
    const { retryable, reason } = classifyTransportError(e, timeoutMs);
    throw new DeliveryError({ channel, retryable, reason, cause: new SanitizedError(e) });
  }
  const { status, text, retryAfter } = answer;

  if (status >= 200 && status < 300) return { status, text };

  const excerpt = bodyExcerpt(text, secrets);
  const reason = excerpt === '' ? `HTTP ${status}` : `HTTP ${status} (${excerpt})`;
  const retryable = status === 429 || status >= 500;
  throw new DeliveryError({
    channel,
    retryable,
    reason,
    status,
    retryAfterMs: retryable ? parseRetryAfter(retryAfter, now()) : undefined,
  });
}
