import { DeliveryError } from '../../errors.ts';
import { isHttpsOrLoopback, postJson } from '../../http.ts';
import type { ChannelSender, SenderOptions } from '../types.ts';
import type { TeamsMessage } from './render.ts';
import type { TeamsSettings } from './settings.ts';

/** The channel's name in errors and requests. */
export const TEAMS_CHANNEL = 'teams';

const DEFAULT_TIMEOUT_MS = 5000;
// A workflow URL's signature (`sig=`, 43 characters) and other long query values are credentials on
// their own: an error body that quotes only them must not carry them into a log.
const SECRET_VALUE_MIN = 16;

function permanent(reason: string): DeliveryError {
  return new DeliveryError({ channel: TEAMS_CHANNEL, retryable: false, reason });
}

/**
 * The workflow URL, checked before anything is sent: https, or http to the loopback address where the
 * tests run their stand-in; no user name or password. The messages never quote the value.
 */
export function workflowUrl(secret: string | undefined): URL {
  if (secret === undefined || secret.trim() === '') {
    throw permanent('no workflow URL for this receiver (its SSM parameter is empty or was not read)');
  }
  let url: URL;
  try {
    url = new URL(secret.trim());
  } catch {
    throw permanent('the workflow URL in SSM is not a URL');
  }
  // The documented exception is 127.0.0.1; [::1] is the same machine.
  if (!isHttpsOrLoopback(url, ['127.0.0.1', '[::1]'])) {
    throw permanent('the workflow URL in SSM must be an https:// URL (http:// only for 127.0.0.1)');
  }
  if (url.username !== '' || url.password !== '') {
    throw permanent('the workflow URL in SSM must not carry a user name or password');
  }
  return url;
}

/** Query values long enough to be a signature, as written and decoded. */
function querySecrets(url: URL): string[] {
  const found: string[] = [];
  for (const [, value] of url.searchParams) {
    if (value.length < SECRET_VALUE_MIN) continue;
    found.push(value, encodeURIComponent(value));
  }
  for (const raw of url.search.slice(1).split('&')) {
    const value = raw.slice(raw.indexOf('=') + 1);
    if (value.length >= SECRET_VALUE_MIN) found.push(value);
  }
  return found;
}

/**
 * POSTs the card to the receiver's workflow. A Workflows trigger answers 202 Accepted when it has
 * queued the run (every 2xx counts); 429, 5xx, timeouts and resets are retryable, with Retry-After
 * when Power Automate sends one; any other status is permanent. Redirects are refused (postJson), and
 * no error carries the URL or its signature.
 */
export function createTeamsSender(options: SenderOptions = {}): ChannelSender<TeamsMessage, TeamsSettings> {
  const { fetchImpl, timeoutMs = DEFAULT_TIMEOUT_MS, now } = options;
  return {
    async send(body, target) {
      const url = workflowUrl(target.secret);
      await postJson({
        url: url.href,
        body,
        channel: TEAMS_CHANNEL,
        timeoutMs,
        fetchImpl,
        now,
        secrets: [...querySecrets(url), ...(target.secret === undefined ? [] : [target.secret.trim()])],
      });
    },
  };
}
