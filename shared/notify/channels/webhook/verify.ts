import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_SIGNATURE_TOLERANCE_SECONDS } from './limits.ts';

/** The request headers, lower case as Node gives them. */
export const TIMESTAMP_HEADER = 'x-cloud-alerts-timestamp';
export const SIGNATURE_HEADER = 'x-cloud-alerts-signature';
export const DELIVERY_HEADER = 'x-cloud-alerts-delivery';

/** The scheme tag in `X-Cloud-Alerts-Signature: v1=<hex>`; another scheme would get another tag. */
export const SIGNATURE_SCHEME = 'v1';

function bytesOf(body: string | Uint8Array): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
}

/**
 * Hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`. The timestamp is inside the MAC, so an old
 * request cannot be replayed with a fresh one; the body is the raw bytes, before any JSON parsing.
 */
export function webhookSignature(
  secret: string,
  timestamp: number | string,
  body: string | Uint8Array,
): string {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(bytesOf(body)).digest('hex');
}

export interface VerifyWebhookInput {
  /** The signing secret, as stored in the SSM parameter. */
  secret: string;
  /** The X-Cloud-Alerts-Timestamp header. */
  timestamp: string | null | undefined;
  /** The X-Cloud-Alerts-Signature header. */
  signature: string | null | undefined;
  /** The request body exactly as received: bytes, or a string decoded from them as UTF-8. */
  body: string | Uint8Array;
  /** The receiver's clock, epoch ms. */
  now?: number | undefined;
  /** How far the timestamp may be from `now`, either way. */
  toleranceSeconds?: number | undefined;
}

export type VerifyWebhookResult =
  | { ok: true; timestamp: number }
  | {
      ok: false;
      reason: 'malformed timestamp' | 'stale timestamp' | 'malformed signature' | 'bad signature';
    };

const TIMESTAMP = /^\d{1,12}$/;
const V1 = /^v1=([0-9a-f]{64})$/;

/**
 * The reference check a receiver runs before trusting a request: the timestamp is within
 * `toleranceSeconds` of its clock and one of the `v1=` signatures (comma separated, so a secret can be
 * rotated by sending two) is the HMAC of `<timestamp>.<body>`, compared in constant time. Replays
 * inside the window are the receiver's to refuse, by the body's `id` (docs: "Verifying a webhook").
 */
export function verifyWebhookSignature(input: VerifyWebhookInput): VerifyWebhookResult {
  const { secret, body, now = Date.now(), toleranceSeconds = WEBHOOK_SIGNATURE_TOLERANCE_SECONDS } = input;
  const timestampText = input.timestamp?.trim() ?? '';
  if (!TIMESTAMP.test(timestampText)) return { ok: false, reason: 'malformed timestamp' };
  const timestamp = Number(timestampText);
  // Whole seconds on both sides, as the sender makes its timestamp.
  if (Math.abs(Math.floor(now / 1000) - timestamp) > toleranceSeconds)
    return { ok: false, reason: 'stale timestamp' };

  const candidates = (input.signature ?? '')
    .split(',')
    .map((part) => V1.exec(part.trim())?.[1])
    .filter((hex) => hex !== undefined);
  if (candidates.length === 0) return { ok: false, reason: 'malformed signature' };

  // The MAC covers the header's text as sent, not a number re-formatted from it.
  const expected = Buffer.from(webhookSignature(secret, timestampText, body), 'hex');
  // Every candidate is compared, so the time taken says nothing about which one matched.
  let matched = false;
  for (const hex of candidates) {
    if (timingSafeEqual(expected, Buffer.from(hex, 'hex'))) matched = true;
  }
  return matched ? { ok: true, timestamp } : { ok: false, reason: 'bad signature' };
}
