import type { Alert } from '../../../../events/alert.ts';
import {
  type SlackMessageLedger,
  type SlackMessageRecord,
  slackMessageKey,
} from '../../../../state/slack-messages.ts';
import { DeliveryError, errorLabel } from '../../../errors.ts';
import { type FetchLike, LOOPBACK_HOSTS } from '../../../http.ts';
import type { ChannelSender, SenderLog, SendTarget } from '../../types.ts';
import type { SlackMessage } from '../render.ts';
import { SLACK_API_URL } from './limits.ts';
import type { SlackAppSettings } from './settings.ts';
import {
  alertTimeMs,
  asThreadReply,
  decideAction,
  resolvedMessage,
  resolvedReply,
  timeInAlarmText,
} from './thread.ts';
import { callSlack, SlackApiError, type SlackMethod, type SlackPosted } from './web-api.ts';

/** The body of chat.postMessage for a new message: what replay shows for an app receiver. */
export interface SlackPostBody extends SlackMessage {
  channel: string;
  unfurl_links: false;
  unfurl_media: false;
}

export function slackPostBody(channel: string, message: SlackMessage): SlackPostBody {
  return {
    channel,
    text: message.text,
    blocks: message.blocks,
    // Our text escapes what it must; nothing should turn names into mentions or URLs into previews.
    unfurl_links: false,
    unfurl_media: false,
  };
}

/** The slice of a logger the sender needs (Powertools Logger and the pipeline's LogPort fit). */
export type SlackAppLog = SenderLog;

export interface SlackAppSenderOptions {
  /** Where the alert keys' messages are remembered (the state table in Lambda). */
  messages: SlackMessageLedger;
  fetchImpl?: FetchLike | undefined;
  /** Default https://slack.com/api; the environment's SLACK_API_URL (loopback only) for local runs. */
  baseUrl?: string | undefined;
  timeoutMs?: number | undefined;
  now?: (() => number) | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  logger?: SlackAppLog | undefined;
}

/**
 * SLACK_API_URL points the sender at a local stand-in. It is honoured for loopback hosts only: the
 * bot token goes wherever this URL says, and an environment variable is easier to set by mistake
 * than a configuration that is reviewed.
 */
function resolveBaseUrl(options: SlackAppSenderOptions): string {
  if (options.baseUrl !== undefined) return options.baseUrl.replace(/\/+$/, '');
  const fromEnv = (options.env ?? process.env).SLACK_API_URL;
  if (fromEnv === undefined || fromEnv === '') return SLACK_API_URL;
  let host = '';
  try {
    host = new URL(fromEnv).hostname;
  } catch {
    // Refused below like any other host.
  }
  if (!LOOPBACK_HOSTS.includes(host)) {
    throw new Error('SLACK_API_URL is for local tests only and must point at 127.0.0.1 or localhost');
  }
  return fromEnv.replace(/\/+$/, '');
}

/**
 * The remembered message is gone: post a new one instead of failing the alert. Not channel_not_found:
 * the remembered channel is the receiver's own (it is part of the key), so a new post would be
 * refused the same way, and the permanent error says what to fix.
 */
const GONE_ON_UPDATE: ReadonlySet<string> = new Set([
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
]);
const GONE_ON_REPLY: ReadonlySet<string> = new Set([
  'thread_not_found',
  'invalid_thread_ts',
  'message_not_found',
]);

/**
 * The token as a header can carry it: trimmed (a value saved from `$(cat file)` ends in a newline), and
 * printable ASCII only, since fetch refuses anything else as a header and that would be retried as a
 * network error forever. The messages name the parameter, never the value.
 */
function botTokenOf(target: SendTarget<SlackAppSettings>): string {
  const parameter = target.settings.botTokenParameter;
  const token = target.secret?.trim() ?? '';
  const refuse = (why: string) =>
    new DeliveryError({ channel: 'slack', retryable: false, reason: `${why} (SSM parameter ${parameter})` });
  if (token === '')
    throw refuse("no bot token: put the app's Bot User OAuth Token (xoxb-…) in the parameter");
  if (/^https?:/i.test(token)) {
    throw refuse(
      'the parameter holds a URL, not a bot token: a webhook receiver names it in webhookUrlParameter',
    );
  }
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw refuse(
      'the bot token has spaces or characters a token never has: copy the Bot User OAuth Token again',
    );
  }
  return token;
}

function isGone(e: unknown, codes: ReadonlySet<string>): e is SlackApiError {
  return e instanceof SlackApiError && !e.retryable && codes.has(e.slackError);
}

/**
 * Slack as an app: one message per alert key, remembered in the state table; repeats and a group's
 * summaries reply in its thread; the resolve edits it and says so in the thread.
 *
 * Idempotency: chat.postMessage takes no idempotency key (its arguments,
 * https://docs.slack.dev/reference/methods/chat.postMessage, have none), so a post is made once a
 * delivery decides to and is never followed by a failure the delivery layer would retry: remembering
 * it afterwards is best effort and a failed write is logged, not thrown. A retry therefore happens
 * only when Slack did not take the post (or a retryable error left it unknown, such as fatal_error or a
 * timeout: then a duplicate is possible, the price of never losing one). A pending marker written
 * before the post would not help: a retry that finds it cannot tell a post that went through from one
 * that did not without reading the channel's history (another scope and another rate limit), and
 * skipping the post on that doubt could lose the alert. A resolve edits before it records, so its
 * retry edits again (harmless) and replies once the reply went through.
 */
export function createSlackAppSender(
  options: SlackAppSenderOptions,
): ChannelSender<SlackMessage, SlackAppSettings> {
  const { messages, fetchImpl, timeoutMs = 5000, now = Date.now, logger } = options;
  const baseUrl = resolveBaseUrl(options);

  const call = (method: SlackMethod, token: string, body: Record<string, unknown>): Promise<SlackPosted> =>
    callSlack({ baseUrl, method, token, body, timeoutMs, fetchImpl, now });

  const post = (token: string, channel: string, message: SlackMessage, threadTs?: string) =>
    call('chat.postMessage', token, {
      ...slackPostBody(channel, message),
      ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
    });

  async function remember(key: string, record: SlackMessageRecord, target: SendTarget<SlackAppSettings>) {
    try {
      if (!(await messages.put(key, record, now()))) {
        logger?.warn('slack app: an alert of this key from later is remembered; this older one is not', {
          receiver: target.receiver,
          alertId: target.request.alert.id,
        });
      }
    } catch (e) {
      logger?.warn(
        'slack app: message sent but not remembered; the next alert of its key starts a new message',
        {
          receiver: target.receiver,
          alertId: target.request.alert.id,
          error: errorLabel(e),
        },
      );
    }
  }

  async function postNew(
    token: string,
    key: string,
    message: SlackMessage,
    firstAt: number,
    status: SlackMessageRecord['status'],
    at: number,
    target: SendTarget<SlackAppSettings>,
  ) {
    const posted = await post(token, target.settings.channel, message);
    if (posted.ts === undefined) {
      logger?.warn('slack app: Slack took the message without its ts; it cannot be threaded', {
        receiver: target.receiver,
        alertId: target.request.alert.id,
      });
      return;
    }
    await remember(
      key,
      { channel: posted.channel ?? target.settings.channel, ts: posted.ts, firstAt, status, at },
      target,
    );
  }

  async function lookUp(key: string, target: SendTarget<SlackAppSettings>) {
    try {
      return await messages.get(key, now());
    } catch (e) {
      logger?.warn('slack app: message ledger unreadable; posting a new message', {
        receiver: target.receiver,
        alertId: target.request.alert.id,
        error: errorLabel(e),
      });
      return undefined;
    }
  }

  async function resolve(
    token: string,
    key: string,
    message: SlackMessage,
    record: SlackMessageRecord,
    alert: Alert,
    target: SendTarget<SlackAppSettings>,
  ) {
    const resolvedAt = alertTimeMs(alert, now());
    const line = timeInAlarmText(alert, record.firstAt, resolvedAt);
    const edited = resolvedMessage(message, line);
    try {
      await call('chat.update', token, {
        channel: record.channel,
        ts: record.ts,
        text: edited.text,
        blocks: edited.blocks,
      });
    } catch (e) {
      if (!isGone(e, GONE_ON_UPDATE)) throw e;
      await postNew(token, key, edited, record.firstAt, 'resolved', resolvedAt, target);
      return;
    }
    try {
      await post(token, record.channel, resolvedReply(line), record.ts);
    } catch (e) {
      // The edit went through and says it all; a thread that vanished in between is no loss.
      if (!isGone(e, GONE_ON_REPLY)) throw e;
    }
    await remember(key, { ...record, status: 'resolved', at: resolvedAt }, target);
  }

  return {
    async send(message, target) {
      const token = botTokenOf(target);
      const { alert } = target.request;
      const key = slackMessageKey(token, target.settings.channel, alert.dedupKey);
      const at = alertTimeMs(alert, now());
      const action = decideAction(alert, await lookUp(key, target), at);
      if (action.kind === 'post') {
        const status = alert.status === 'resolved' ? 'resolved' : 'firing';
        await postNew(token, key, message, at, status, at, target);
        return;
      }
      if (action.kind === 'resolve') {
        await resolve(token, key, message, action.record, alert, target);
        return;
      }
      try {
        await post(token, action.record.channel, asThreadReply(message), action.record.ts);
      } catch (e) {
        if (!isGone(e, GONE_ON_REPLY)) throw e;
        const { firstAt, status } = action.record;
        await postNew(token, key, message, firstAt, status, Math.max(at, action.record.at), target);
      }
    },
  };
}
