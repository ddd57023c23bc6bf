import * as z from 'zod/mini';
import { DeliveryError, errorIdentity, SanitizedError } from '../../../errors.ts';
import { type FetchLike, parseRetryAfter, postOnce } from '../../../http.ts';
import { SLACK_API_CONTENT_TYPE, SLACK_DEFAULT_RETRY_AFTER_MS } from './limits.ts';

export type SlackMethod = 'chat.postMessage' | 'chat.update';

/**
 * `{"ok": false, "error": code}` is how the Web API fails (with HTTP 200, except 429 for rate limits),
 * so the code decides. Retryable: rate limits and Slack's own transient failures. Everything else is
 * permanent: a token, scope, channel or payload problem no retry fixes, dead-lettered with what to do.
 * Codes: https://docs.slack.dev/reference/methods/chat.postMessage (Errors),
 * https://docs.slack.dev/reference/methods/chat.update (Errors), and the common errors every method
 * lists (internal_error, fatal_error, service_unavailable, request_timeout, ratelimited).
 */
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'ratelimited',
  'rate_limited',
  // "likely due to a transient issue on our end"
  'internal_error',
  // "It's possible some aspect of the operation succeeded": a retry may duplicate, which beats losing.
  'fatal_error',
  'service_unavailable',
  // "the POST data was either missing or truncated": lost on the way.
  'request_timeout',
  // chat.update: "Internal update failure."
  'update_failed',
  // Workspace migrations: "intermittently unavailable until the transition is complete".
  'team_added_to_org',
  'org_login_required',
  'external_channel_migrating',
]);

const MALFORMED =
  'Slack refused the message as malformed; this is a cloud-alerts bug: report it with the alert id';
const REINSTALL =
  'the app was uninstalled, or its token revoked or expired: reinstall the app and put its new bot token (xoxb-…) in the SSM parameter';
const RESTRICTED = 'a workspace or channel setting stops the app from posting here: ask a workspace admin';
const ARCHIVED = 'the channel is archived: unarchive it or point the receiver at another channel ID';

/** What the person reading the dead letter should do, per permanent code. */
const HINTS: Readonly<Record<string, string>> = {
  not_in_channel: 'invite the app to the channel: type /invite @<app name> in the channel',
  channel_not_found:
    "no channel with the receiver's ID is visible to the app: check the channel ID, and for a private channel invite the app first (/invite @<app name>)",
  no_permission: 'the app may not post in this channel: invite it to the channel (/invite @<app name>)',
  is_archived: ARCHIVED,
  is_inactive: ARCHIVED,
  invalid_auth:
    'the bot token is not valid: copy the Bot User OAuth Token (xoxb-…) from the app\'s "OAuth & Permissions" page into the SSM parameter again',
  not_authed: 'no bot token was sent: check that the SSM parameter holds the Bot User OAuth Token (xoxb-…)',
  not_allowed_token_type: 'use the Bot User OAuth Token (xoxb-…), not a user or app-level token',
  account_inactive: REINSTALL,
  token_revoked: REINSTALL,
  token_expired: REINSTALL,
  missing_scope:
    'add the chat:write bot token scope, reinstall the app and put its new bot token in the SSM parameter',
  restricted_action: RESTRICTED,
  restricted_action_read_only_channel: RESTRICTED,
  restricted_action_thread_only_channel: RESTRICTED,
  restricted_action_non_threadable_channel: RESTRICTED,
  ekm_access_denied: 'workspace administrators suspended posting (Enterprise Key Management)',
  access_denied: RESTRICTED,
  msg_too_long: MALFORMED,
  msg_blocks_too_long: MALFORMED,
  invalid_blocks: MALFORMED,
  invalid_blocks_format: MALFORMED,
  invalid_arguments: MALFORMED,
  invalid_arg_name: MALFORMED,
  invalid_charset: MALFORMED,
  invalid_post_type: MALFORMED,
  no_text: MALFORMED,
  message_not_found: 'the message is gone (deleted, or its ts is not in the channel)',
  cant_update_message: 'the app may not edit this message (it was not posted with this token)',
  edit_window_closed: "the workspace's message edit settings forbid editing it",
  thread_not_found: "the thread's parent message is gone",
  invalid_thread_ts: "the thread's parent message is gone",
};

/** Only identifier-like codes are repeated in a message: the body is Slack's, but still not ours. */
const SAFE_CODE = /^[a-z0-9_]{1,64}$/;
const SAFE_SCOPES = /^[a-z0-9:._,-]{1,200}$/;

export interface SlackClassification {
  retryable: boolean;
  reason: string;
}

/** The classification table, exported for its test. `needed` is the scope Slack says is missing. */
export function classifySlackError(method: SlackMethod, code: string, needed?: string): SlackClassification {
  const safe = SAFE_CODE.test(code) ? code : 'unrecognised_error';
  if (RETRYABLE_CODES.has(safe)) return { retryable: true, reason: `${method}: ${safe}` };
  const hint = HINTS[safe] ?? `see the error's meaning on https://docs.slack.dev/reference/methods/${method}`;
  const scopes = needed !== undefined && SAFE_SCOPES.test(needed) ? ` (needed: ${needed})` : '';
  return { retryable: false, reason: `${method}: ${safe}${scopes} (${hint})` };
}

/** A failed Web API call: a DeliveryError that also says which method failed with which Slack code. */
export class SlackApiError extends DeliveryError {
  readonly method: SlackMethod;
  /** Slack's `error` code, or `http_<status>` / `network` / `timeout` / `unreadable_answer`. */
  readonly slackError: string;

  constructor(
    options: ConstructorParameters<typeof DeliveryError>[0] & { method: SlackMethod; slackError: string },
  ) {
    super(options);
    this.method = options.method;
    this.slackError = options.slackError;
  }
}

const SlackAnswer = z.object({
  ok: z.boolean(),
  error: z.optional(z.string()),
  needed: z.optional(z.string()),
  channel: z.optional(z.string()),
  ts: z.optional(z.string()),
});

/** What Slack answered on success; both are documented, but a post is not undone for lacking them. */
export interface SlackPosted {
  channel: string | undefined;
  ts: string | undefined;
}

export interface CallSlackOptions {
  baseUrl: string;
  method: SlackMethod;
  token: string;
  body: Record<string, unknown>;
  timeoutMs: number;
  fetchImpl?: FetchLike | undefined;
  now?: (() => number) | undefined;
}

function transportFailure(method: SlackMethod, e: unknown, timeoutMs: number): SlackApiError {
  const { name, code } = errorIdentity(e);
  const cause = new SanitizedError(e);
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new SlackApiError({
      channel: 'slack',
      method,
      slackError: 'timeout',
      retryable: true,
      reason: `${method}: timed out after ${timeoutMs} ms`,
      cause,
    });
  }
  const label = [name, code].filter((part) => part !== undefined).join(' ') || 'unknown error';
  const invalidUrl = code === 'ERR_INVALID_URL';
  return new SlackApiError({
    channel: 'slack',
    method,
    slackError: 'network',
    retryable: !invalidUrl,
    reason: invalidUrl ? `${method}: invalid API URL (${label})` : `${method}: network error (${label})`,
    cause,
  });
}

/**
 * Calls one Web API method with a JSON body and the bot token as a Bearer header. Resolves with the
 * message's channel and ts when Slack answered `ok: true`; otherwise throws a SlackApiError. The token
 * travels in the header only and no error repeats anything Slack or the network said beyond codes.
 */
export async function callSlack(options: CallSlackOptions): Promise<SlackPosted> {
  const { baseUrl, method, token, body, timeoutMs, fetchImpl, now = Date.now } = options;
  let status: number;
  let retryAfter: string | null;
  let text: string;
  try {
    // The token travels in the header only; no redirect is followed (it would carry the token away).
    ({ status, retryAfter, text } = await postOnce({
      url: `${baseUrl}/${method}`,
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${token}`, 'content-type': SLACK_API_CONTENT_TYPE },
      timeoutMs,
      fetchImpl,
    }));
  } catch (e) {
    throw transportFailure(method, e, timeoutMs);
  }

  let answer: z.infer<typeof SlackAnswer> | undefined;
  try {
    const parsed = SlackAnswer.safeParse(JSON.parse(text));
    answer = parsed.success ? parsed.data : undefined;
  } catch {
    answer = undefined;
  }

  if (
    status === 429 ||
    (answer?.ok === false && (answer.error === 'ratelimited' || answer.error === 'rate_limited'))
  ) {
    const code = answer?.error !== undefined && SAFE_CODE.test(answer.error) ? answer.error : 'ratelimited';
    throw new SlackApiError({
      channel: 'slack',
      method,
      slackError: code,
      retryable: true,
      reason: `${method}: ${code}${status === 429 ? ' (HTTP 429)' : ''}`,
      status,
      retryAfterMs: parseRetryAfter(retryAfter, now()) ?? SLACK_DEFAULT_RETRY_AFTER_MS[method],
    });
  }
  if (status < 200 || status >= 300) {
    const retryable = status >= 500;
    throw new SlackApiError({
      channel: 'slack',
      method,
      slackError: `http_${status}`,
      retryable,
      reason: `${method}: HTTP ${status}${retryable ? '' : ' (check the Slack API URL)'}`,
      status,
    });
  }
  if (answer === undefined) {
    throw new SlackApiError({
      channel: 'slack',
      method,
      slackError: 'unreadable_answer',
      retryable: true,
      reason: `${method}: HTTP ${status} with an answer that is not the Web API's JSON`,
      status,
    });
  }
  if (!answer.ok) {
    const code = answer.error ?? 'unrecognised_error';
    const { retryable, reason } = classifySlackError(method, code, answer.needed);
    throw new SlackApiError({
      channel: 'slack',
      method,
      slackError: SAFE_CODE.test(code) ? code : 'unrecognised_error',
      retryable,
      reason,
      status,
    });
  }
  return { channel: answer.channel, ts: answer.ts };
}
