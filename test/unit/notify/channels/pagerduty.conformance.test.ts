/**
 * PagerDuty Events API v2 through the channel conformance kit (test/kit/channel-conformance.ts).
 * The routing key is the secret and travels in the body; the stand-in takes the place of
 * events.pagerduty.com through PAGERDUTY_EVENTS_URL, as the emulator tier does.
 */
import { pagerduty } from '../../../../shared/notify/channels/pagerduty/index.ts';
import { PAGERDUTY_EVENT_MAX_BYTES } from '../../../../shared/notify/channels/pagerduty/limits.ts';
import type { PagerDutyEvent } from '../../../../shared/notify/channels/pagerduty/render.ts';
import { PAGERDUTY_EVENTS_URL_ENV } from '../../../../shared/notify/channels/pagerduty/sender.ts';
import { describeChannelConformance } from '../../../kit/channel-conformance.ts';

/** An integration key's shape: 32 characters. */
const ROUTING_KEY = 'R0UT1NGk3yR0UT1NGk3yR0UT1NGk3y01';

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(strings);
}

/** What the incident shows: summary, component, class, source, every custom detail, link labels. */
function visibleText(event: PagerDutyEvent): string[] {
  if (event.event_action === 'resolve') return [];
  const { summary, source, component, class: kind, custom_details } = event.payload;
  return [
    summary,
    source,
    kind,
    ...(component === undefined ? [] : [component]),
    ...strings(custom_details),
    // A detail's key is shown as its label.
    ...Object.keys(custom_details),
    ...(typeof custom_details.facts === 'object' ? Object.keys(custom_details.facts) : []),
    // An evidence section's title is its key.
    ...(typeof custom_details.evidence === 'object' ? Object.keys(custom_details.evidence) : []),
    ...event.links.map((link) => link.text),
  ];
}

describeChannelConformance('pagerduty', {
  plugin: pagerduty,
  receiver: () => ({
    settings: { routingKeyParameter: '/cloud-alerts/test/pagerduty' },
    secret: ROUTING_KEY,
  }),
  // https://developer.pagerduty.com/docs/events-api-v2/overview/#response-codes-retry-logic
  replies: {
    accepted: {
      status: 202,
      body: '{"status":"success","message":"Event processed","dedup_key":"kit"}',
    },
    rejected: {
      status: 400,
      body: `{"status":"invalid event","message":"Event object is invalid","errors":["routing_key ${ROUTING_KEY} is invalid"]}`,
    },
  },
  sender: (url, timeoutMs) => pagerduty.createSender({ timeoutMs, env: { [PAGERDUTY_EVENTS_URL_ENV]: url } }),
  visibleText,
  // Plain text everywhere: PagerDuty has no mention or link syntax; the kit's own rules (no control or
  // invisible characters, no live URL, no line the attacker starts) are the whole check.
  activeMarkup: [],
  maxBodyBytes: PAGERDUTY_EVENT_MAX_BYTES,
});
