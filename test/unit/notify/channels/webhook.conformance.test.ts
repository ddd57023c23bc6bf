/**
 * The signed webhook through the channel conformance kit (test/kit/channel-conformance.ts). The
 * signing secret is the secret; the receiver's URL is in its settings. The receiver in front of the
 * kit's stand-in checks every request as docs/configuration.md tells receivers to (the signature over
 * `<timestamp>.<body>`, the delivery id) and refuses one that fails, so a sender that signs wrongly,
 * or not at all, fails the retry table and the idempotency check.
 */
import { webhook } from '../../../../shared/notify/channels/webhook/index.ts';
import {
  WEBHOOK_BODY_MAX_BYTES,
  WEBHOOK_DELIVERY_ID_MAX,
} from '../../../../shared/notify/channels/webhook/limits.ts';
import { type WebhookBody, webhookDocument } from '../../../../shared/notify/channels/webhook/render.ts';
import * as verify from '../../../../shared/notify/channels/webhook/verify.ts';
import type { FetchLike } from '../../../../shared/notify/http.ts';
import { utf8ByteLength } from '../../../../shared/notify/text.ts';
import { describeChannelConformance } from '../../../kit/channel-conformance.ts';

/** As `openssl rand -hex 32` makes one. */
const SIGNING_SECRET = '5f1c0a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19';

/** Answers for the receiver when a request fails its checks, without asking the stand-in. */
function refused(reason: string): Response {
  return new Response(`refused: ${reason}`, { status: 401, headers: { 'content-type': 'text/plain' } });
}

/** The receiver's own checks, in front of the stand-in: a request that fails them never reaches it. */
const verifyingFetch: FetchLike = async (input, init) => {
  const headers = new Headers(init.headers);
  const body = init.body;
  if (!(body instanceof Uint8Array)) return refused('the body is not the signed bytes');
  const verdict = verify.verifyWebhookSignature({
    secret: SIGNING_SECRET,
    timestamp: headers.get(verify.TIMESTAMP_HEADER),
    signature: headers.get(verify.SIGNATURE_HEADER),
    body,
  });
  if (!verdict.ok) return refused(verdict.reason);
  const document: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
  const id = typeof document === 'object' && document !== null ? Reflect.get(document, 'id') : undefined;
  if (!headers.get(verify.DELIVERY_HEADER) || headers.get(verify.DELIVERY_HEADER) !== id) {
    return refused('the delivery header is not the body id');
  }
  return fetch(input, init);
};

/** The document as the sender sends it, with the longest delivery id it can carry. */
function documentBytes(body: WebhookBody): number {
  const document = webhookDocument(body.payload, {
    id: 'i'.repeat(WEBHOOK_DELIVERY_ID_MAX),
    receiver: 'kit-receiver',
    sentAt: new Date(0).toISOString(),
  });
  return utf8ByteLength(JSON.stringify(document));
}

describeChannelConformance('webhook', {
  plugin: webhook,
  receiver: (url) => ({
    settings: { url, signingSecretParameter: '/cloud-alerts/test/webhook', headers: { 'X-Tenant': 'kit' } },
    secret: SIGNING_SECRET,
  }),
  sender: (_url, timeoutMs) => webhook.createSender({ timeoutMs, fetchImpl: verifyingFetch }),
  // A machine reads the body; a person reads it only through replay's preview.
  visibleText: (body) => [webhook.preview.text(body)],
  // The body's promise is the alert as detected, unescaped: the receiver escapes it for its markup.
  verbatim: (body) => body.payload.alert,
  // JSON has no markup of its own; the kit still holds the preview to no controls and no forged line.
  activeMarkup: [],
  maxBodyBytes: WEBHOOK_BODY_MAX_BYTES,
  measure: documentBytes,
});
