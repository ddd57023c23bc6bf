import { terminalLine } from '../../../util/terminal.ts';
import type { ChannelPlugin } from '../types.ts';
import { WEBHOOK_BUDGET } from './limits.ts';
import { webhookPreview } from './preview.ts';
import { renderWebhook, type WebhookBody } from './render.ts';
import { createWebhookSender } from './sender.ts';
import { type WebhookSettings, WebhookSettingsSchema } from './settings.ts';

/**
 * A signed generic webhook: the structured alert as a versioned JSON document (schema.ts), POSTed
 * with an HMAC-SHA256 signature over `<timestamp>.<body>` (verify.ts has the receiver's check), for
 * SIEMs, ticket systems and ChatOps bots.
 */
export const webhook: ChannelPlugin<'webhook', WebhookSettings, WebhookBody> = {
  name: 'webhook',
  title: 'Webhook',
  settings: WebhookSettingsSchema,
  secret: (settings) => ({
    parameter: settings.signingSecretParameter,
    kmsKeyArn: settings.kmsKeyArn,
    field: 'signingSecretParameter',
    what: 'signing secret',
    example: '<signing secret, e.g. from: openssl rand -hex 32>',
  }),
  budget: WEBHOOK_BUDGET,
  // The receiver's endpoint is what a storm would overwhelm; spelled differently, it is still one endpoint.
  budgetIdentity: (settings) => {
    try {
      return new URL(settings.url).href;
    } catch {
      return settings.url;
    }
  },
  // The signing secret never enters the body: it is used at send time only.
  render: (alert, settings, ctx) => renderWebhook(alert, settings, ctx.request),
  shown: (body) => body,
  preview: webhookPreview,
  createSender: (options) => createWebhookSender(options),
  // The URL is the configuration's; under `invoke local` the secret is the placeholder naming its parameter.
  describeSend: (target) =>
    `POST to ${terminalLine(target.settings.url)}, signed with ${terminalLine(target.secret ?? '')}`,
  deploy: {
    id: 'Webhook',
    description: 'Notification requests for webhook receivers → signed HTTPS POST',
  },
};

export type { WebhookBody } from './render.ts';
export { createWebhookSender } from './sender.ts';
export type { WebhookSettings } from './settings.ts';
export { verifyWebhookSignature } from './verify.ts';
