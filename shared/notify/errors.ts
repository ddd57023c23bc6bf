import type { Channel } from '../events/alert.ts';

export interface DeliveryErrorOptions {
  channel: Channel;
  retryable: boolean;
  /** What went wrong in a few words, e.g. `HTTP 429 (rate_limited)`. Must not hold a secret. */
  reason: string;
  status?: number | undefined;
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

/**
 * A failed delivery, classified so the caller can decide: rethrow retryable ones (Lambda and
 * EventBridge retry them), record permanent ones. The message is built only from the channel,
 * status and a sanitised reason, because it ends up in logs: never a webhook URL or routing key.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly channel: Channel;
  readonly retryable: boolean;
  /** The sanitised reason alone, for a caller that says it again with more context. */
  readonly reason: string;
  readonly status?: number;
  readonly retryAfterMs?: number;

  constructor(options: DeliveryErrorOptions) {
    const verdict = options.retryable ? 'retryable' : 'permanent';
    super(
      `${options.channel} delivery failed: ${options.reason}, ${verdict}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.channel = options.channel;
    this.retryable = options.retryable;
    this.reason = options.reason;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export function isDeliveryError(e: unknown): e is DeliveryError {
  return e instanceof DeliveryError;
}

const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const SAFE_CODE = /^[A-Za-z0-9_-]{1,64}$/;

function stringProperty(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null || !(key in value)) return undefined;
  const property: unknown = Reflect.get(value, key);
  return typeof property === 'string' ? property : undefined;
}

/** The error's name and code, only when they look like identifiers: an arbitrary message may hold a URL. */
export function errorIdentity(e: unknown): { name?: string; code?: string } {
  const identity: { name?: string; code?: string } = {};
  const name = stringProperty(e, 'name');
  if (name !== undefined && SAFE_NAME.test(name)) identity.name = name;
  // undici hides the socket error one level down: TypeError('fetch failed', { cause: { code } }).
  const code = stringProperty(e, 'code') ?? stringProperty(Reflect.get(Object(e), 'cause'), 'code');
  if (code !== undefined && SAFE_CODE.test(code)) identity.code = code;
  return identity;
}

/** "QueueDoesNotExist", "TimeoutError ETIMEDOUT": what errorIdentity keeps, for a message of our own. */
export function errorLabel(e: unknown): string {
  const { name, code } = errorIdentity(e);
  return [name, code].filter((part) => part !== undefined).join(' ') || 'unknown error';
}

/**
 * Stands in for a transport error whose message or cause chain could embed the request URL. It keeps
 * the name and code for diagnosis and nothing else.
 */
export class SanitizedError extends Error {
  readonly code?: string;

  constructor(original: unknown) {
    const { name, code } = errorIdentity(original);
    super([name ?? 'Error', code].filter((part) => part !== undefined).join(' '));
    this.name = name ?? 'Error';
    if (code !== undefined) this.code = code;
  }
}
