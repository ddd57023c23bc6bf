import { DeliveryError } from '../../errors.ts';
import { type FetchLike, postJson } from '../../http.ts';
import { utf8ByteLength } from '../../text.ts';
import type { ChannelSender, SenderOptions } from '../types.ts';
import {
  CLOUD_ALERTS_VERSION,
  WEBHOOK_BODY_MAX_BYTES,
  WEBHOOK_CHANNEL,
  WEBHOOK_TIMEOUT_MS,
} from './limits.ts';
import { type WebhookBody, webhookDeliveryId, webhookDocument } from './render.ts';
import type { WebhookSettings } from './settings.ts';
import {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  SIGNATURE_SCHEME,
  TIMESTAMP_HEADER,
  webhookSignature,
} from './verify.ts';

export const WEBHOOK_USER_AGENT = `cloud-alerts/${CLOUD_ALERTS_VERSION}`;

function permanent(reason: string): DeliveryError {
  return new DeliveryError({ channel: WEBHOOK_CHANNEL, retryable: false, reason });
}

/**
 * Wraps fetch so that the request postJson makes goes out signed: it signs the very string postJson
 * serialised, as UTF-8 bytes, and sends those bytes. postJson keeps what it does for every channel
 * (timeout, no redirects, retryable-or-permanent, secrets redacted).
 */
function signingFetch(
  fetchImpl: FetchLike,
  secret: string,
  timestamp: number,
  deliveryId: string,
  staticHeaders: readonly (readonly [string, string])[],
): FetchLike {
  return (input, init) => {
    if (typeof init.body !== 'string') throw new TypeError('the webhook body must be serialised JSON');
    const bytes = Buffer.from(init.body, 'utf8');
    const headers = new Headers();
    // The settings schema refuses every name set below, so a static header never replaces one of ours.
    for (const [name, value] of staticHeaders) headers.append(name, value);
    headers.set('content-type', 'application/json');
    headers.set('user-agent', WEBHOOK_USER_AGENT);
    headers.set(TIMESTAMP_HEADER, String(timestamp));
    headers.set(SIGNATURE_HEADER, `${SIGNATURE_SCHEME}=${webhookSignature(secret, timestamp, bytes)}`);
    headers.set(DELIVERY_HEADER, deliveryId);
    return fetchImpl(input, { ...init, headers, body: bytes });
  };
}

/**
 * POSTs the document, signed at send time: each attempt has its own timestamp and `sentAt`, and the
 * same delivery id. 2xx resolves; 429, 5xx, timeouts and resets are retryable; other answers,
 * redirects included, are permanent. The signing secret is in no message, cause or log line.
 */
export function createWebhookSender(
  options: SenderOptions = {},
): ChannelSender<WebhookBody, WebhookSettings> {
  const { fetchImpl = fetch, timeoutMs = WEBHOOK_TIMEOUT_MS, now = Date.now } = options;
  return {
    async send(body, target) {
      const secret = target.secret;
      if (secret === undefined || secret === '') {
        throw permanent(`receiver ${target.receiver}: signing secret not available`);
      }
      const sentAtMs = now();
      const id = webhookDeliveryId(target.request.key);
      const document = webhookDocument(body.payload, {
        id,
        receiver: target.receiver,
        sentAt: new Date(sentAtMs).toISOString(),
      });
      // render keeps room for these fields; only an outlandish receiver name could still overflow.
      const size = utf8ByteLength(JSON.stringify(document));
      if (size > WEBHOOK_BODY_MAX_BYTES) {
        throw permanent(
          `receiver ${target.receiver}: body of ${size} bytes exceeds ${WEBHOOK_BODY_MAX_BYTES}`,
        );
      }
      await postJson({
        url: body.url,
        body: document,
        channel: WEBHOOK_CHANNEL,
        timeoutMs,
        fetchImpl: signingFetch(fetchImpl, secret, Math.floor(sentAtMs / 1000), id, body.headers),
        secrets: [secret],
        now,
      });
    },
  };
}
