/**
 * Slack Web API facts the app mode relies on, each beside the page that states it.
 */

/**
 * Every method is `POST https://slack.com/api/<method>`.
 * https://docs.slack.dev/apis/web-api
 */
export const SLACK_API_URL = 'https://slack.com/api';

/**
 * JSON bodies need the token in an `Authorization: Bearer` header (a token in a JSON body is not read),
 * and the content type with its charset, or Slack warns `missing_charset`.
 * https://docs.slack.dev/changelog/2017-10-keeping-up-with-the-jsons
 * https://docs.slack.dev/apis/web-api (POST bodies: JSON-encoded bodies)
 */
export const SLACK_API_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * chat.postMessage: scope chat:write; "Special" rate limit: about one message per second per channel,
 * short bursts allowed, with a workspace-wide limit besides. `thread_ts` makes the post a reply (use the
 * parent's ts, never a reply's); `reply_broadcast` also shows the reply in the channel. Answers
 * `{ ok, channel, ts, message }`.
 * https://docs.slack.dev/reference/methods/chat.postMessage
 * https://docs.slack.dev/apis/web-api/rate-limits ("chat.postMessage generally allows posting one
 * message per second per channel, while also maintaining a workspace-wide limit")
 */
export const SLACK_POST_PER_CHANNEL_PER_SECOND = 1;

/**
 * chat.update: scope chat:write; Tier 3 (50+ per minute); `channel` must be the conversation ID (a name
 * is not accepted as it is by chat.postMessage) and `ts` the message's.
 * https://docs.slack.dev/reference/methods/chat.update
 * https://docs.slack.dev/apis/web-api/rate-limits (Tier 3: 50+ per minute, sporadic bursts welcome)
 */
export const SLACK_UPDATE_TIER3_PER_MINUTE = 50;

/**
 * Over a limit Slack answers HTTP 429 with `Retry-After` (seconds) and `{"ok":false,"error":"ratelimited"}`.
 * https://docs.slack.dev/apis/web-api/rate-limits (Responding to rate limiting conditions)
 * When no Retry-After came, wait one slot of the method's own limit.
 */
export const SLACK_DEFAULT_RETRY_AFTER_MS: Readonly<Record<'chat.postMessage' | 'chat.update', number>> = {
  'chat.postMessage': Math.ceil(1000 / SLACK_POST_PER_CHANNEL_PER_SECOND),
  'chat.update': Math.ceil(60_000 / SLACK_UPDATE_TIER3_PER_MINUTE),
};

/**
 * A channel ID: C… public, G… private (older), D… direct message; upper-case letters and digits.
 * https://docs.slack.dev/reference/methods/chat.update ("channel": "C123ABC456"; for direct messages
 * a DM ID starting with D)
 */
export const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{8,}$/;
