import { DeliveryError } from '../../errors.ts';
import { ssmSecret } from '../secret.ts';
import type { ChannelPlugin } from '../types.ts';
import { PAGERDUTY_BUDGET } from './limits.ts';
import { pagerDutyPreview } from './preview.ts';
import { type PagerDutyEvent, pagerDutyDedupKey, renderPagerDuty } from './render.ts';
import {
  createPagerDutySender,
  PAGERDUTY_EVENTS_URL,
  pagerDutyChannelSender,
  pagerDutyEventsUrl,
} from './sender.ts';
import { type PagerDutySettings, PagerDutySettingsSchema } from './settings.ts';

/**
 * PagerDuty Events API v2: the routing key, in SSM, is the secret; it travels in the body, so the
 * body is rendered with it and shown without it.
 */
export const pagerduty: ChannelPlugin<'pagerduty', PagerDutySettings, PagerDutyEvent> = {
  name: 'pagerduty',
  title: 'PagerDuty',
  settings: PagerDutySettingsSchema,
  budget: PAGERDUTY_BUDGET,
  // PagerDuty counts events per routing key: the secret is the bucket's identity too.
  budgetIdentity: (_settings, ctx) => ctx.secret,
  secret: (settings) =>
    ssmSecret(settings, 'routingKeyParameter', 'routing key', '<PagerDuty Events API v2 integration key>'),
  render(alert, _settings, ctx) {
    // renderNotification (shared/notify/deliver.ts) refuses a receiver without its secret first,
    // with the reason; this is for callers that render directly.
    if (!ctx.secret) {
      throw new DeliveryError({
        channel: 'pagerduty',
        retryable: false,
        reason: 'routing key not available',
      });
    }
    return renderPagerDuty(alert, ctx.secret);
  },
  /** The routing key is the one secret a rendered body holds: replaced by the name of its SSM parameter. */
  shown: (body, settings) => ({
    ...body,
    routing_key: `<routing key from SSM ${settings.routingKeyParameter}>`,
  }),
  preview: pagerDutyPreview,
  createSender: (options = {}) =>
    pagerDutyChannelSender(
      createPagerDutySender({
        fetchImpl: options.fetchImpl,
        timeoutMs: options.timeoutMs,
        url: pagerDutyEventsUrl(options.env),
      }),
    ),
  describeSend: () => `POST to ${PAGERDUTY_EVENTS_URL}`,
  // A trigger opens an incident that only a resolve with the same dedup_key closes.
  incidentKey: (alert) => pagerDutyDedupKey(alert.dedupKey),
  deploy: {
    id: 'PagerDuty',
    description: 'Notification requests for PagerDuty receivers → Events API v2',
    // The ledger of the incidents it opened (shared/state/incidents.ts).
    stateKeyPrefixes: ['incident#pagerduty#'],
  },
};
