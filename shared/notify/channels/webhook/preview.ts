import type { ChannelPreview } from '../types.ts';
import { type WebhookBody, webhookDocument } from './render.ts';
import { WEBHOOK_USER_AGENT } from './sender.ts';

/** What only the send knows, as the previews show it. */
export const AT_SEND_TIME = {
  id: '<delivery id: the request key, set at send time>',
  receiver: '<receiver name, set at send time>',
  sentAt: '<set at send time>',
  timestamp: '<unix seconds, set at send time>',
  signature: 'v1=<computed at send time>',
} as const;

// JSON.stringify escapes C0 controls but leaves DEL, C1 controls (a terminal reads U+009B as CSI),
// line and paragraph separators and invisible formatting (bidi overrides, zero-width) raw. Inside a
// JSON string their \u escapes mean the same, and show what an attacker put there.
const RAW_IN_JSON = /[\u007F-\u009F\u2028\u2029]|\p{Cf}/gu;

function escapeCodeUnits(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

function previewHeaders(body: WebhookBody): string[] {
  return [
    'Content-Type: application/json',
    `User-Agent: ${WEBHOOK_USER_AGENT}`,
    `X-Cloud-Alerts-Timestamp: ${AT_SEND_TIME.timestamp}`,
    `X-Cloud-Alerts-Signature: ${AT_SEND_TIME.signature}`,
    `X-Cloud-Alerts-Delivery: ${body.delivery?.id ?? AT_SEND_TIME.id}`,
    // Names are RFC 9110 tokens and values printable ASCII (the settings schema): already inert.
    ...body.headers.map(([name, value]) => `${name}: ${value}`),
  ];
}

/** The document as it will be sent, pretty-printed, the send-time fields as placeholders. */
function previewJson(body: WebhookBody): string {
  const document = webhookDocument(body.payload, { ...AT_SEND_TIME, ...body.delivery });
  return JSON.stringify(document, null, 2).replace(RAW_IN_JSON, escapeCodeUnits);
}

function previewText(body: WebhookBody): string {
  return [`POST ${body.url}`, ...previewHeaders(body), '', previewJson(body)].join('\n');
}

export const webhookPreview: ChannelPreview<WebhookBody> = {
  text: previewText,
  css: [
    '.webhook pre{white-space:pre-wrap;word-break:break-word;font-size:12px;margin:4px 0 0;background:#f7f7f7;padding:6px 8px;border-radius:4px}',
    '.webhook .webhook-headers{color:#616061}.webhook .webhook-body{max-height:480px;overflow:auto}',
  ].join('\n'),
  html: (body, escapeHtml) =>
    [
      '<div class="webhook">',
      `<pre class="webhook-headers">${escapeHtml([`POST ${body.url}`, ...previewHeaders(body)].join('\n'))}</pre>`,
      `<pre class="webhook-body">${escapeHtml(previewJson(body))}</pre>`,
      '</div>',
    ].join('\n'),
};
