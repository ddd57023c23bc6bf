import { type FetchLike, isHttpsOrLoopback, postJson } from '../../http.ts';
import type { ChannelSender } from '../types.ts';
import type { PagerDutyEvent } from './render.ts';
import type { PagerDutySettings } from './settings.ts';

// https://developer.pagerduty.com/docs/events-API-v2/trigger-events/
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/** Overrides the endpoint: another PagerDuty service region, or the emulator tier's local fake. */
export const PAGERDUTY_EVENTS_URL_ENV = 'PAGERDUTY_EVENTS_URL';

/**
 * Where events are sent: $PAGERDUTY_EVENTS_URL when set, else {@link PAGERDUTY_EVENTS_URL}. Each
 * PagerDuty service region has its own API URLs (https://support.pagerduty.com/docs/service-regions).
 * The routing key travels in the body, so the URL must be https; plain http is accepted for
 * 127.0.0.1 only, where `npm run test:aws` runs its fake PagerDuty. Read at cold start: a bad value
 * fails it, naming the variable, rather than losing the first page.
 */
export function pagerDutyEventsUrl(env: NodeJS.ProcessEnv = process.env): string {
  const value = env[PAGERDUTY_EVENTS_URL_ENV];
  if (value === undefined || value === '') return PAGERDUTY_EVENTS_URL;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${PAGERDUTY_EVENTS_URL_ENV} is not a URL`);
  }
  if (!isHttpsOrLoopback(url, ['127.0.0.1'])) {
    throw new Error(`${PAGERDUTY_EVENTS_URL_ENV} must be an https:// URL (http:// only for 127.0.0.1)`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new Error(`${PAGERDUTY_EVENTS_URL_ENV} must not carry credentials`);
  }
  return url.href;
}

export interface PagerDutySenderOptions {
  fetchImpl?: FetchLike | undefined;
  timeoutMs?: number | undefined;
  url?: string | undefined;
}

export interface PagerDutySender {
  send(event: PagerDutyEvent): Promise<void>;
}

/** PagerDuty answers 202 Accepted; any 2xx counts. The routing key is redacted from every error. */
export function createPagerDutySender(options: PagerDutySenderOptions = {}): PagerDutySender {
  const { fetchImpl, timeoutMs = 5000, url = pagerDutyEventsUrl() } = options;
  return {
    async send(event) {
      await postJson({
        url,
        body: event,
        channel: 'pagerduty',
        timeoutMs,
        fetchImpl,
        secrets: [event.routing_key],
      });
    },
  };
}

/** The plug-in's sender over an Events API client: the routing key travels in the body. */
export function pagerDutyChannelSender(
  client: PagerDutySender,
): ChannelSender<PagerDutyEvent, PagerDutySettings> {
  return { send: (body) => client.send(body) };
}
