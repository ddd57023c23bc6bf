/**
 * Slack as an app (a bot token, chat.postMessage and chat.update): the slack plug-in's second mode
 * beside incoming webhooks. Its settings join the webhook's in a union, and createSender dispatches on
 * `botTokenParameter`.
 */
import {
  createDynamoDbSlackMessageLedger,
  createMemorySlackMessageLedger,
  SLACK_MESSAGE_KEY_PREFIX,
} from '../../../../state/slack-messages.ts';
import type { ChannelSender, SecretSpec, SenderOptions } from '../../types.ts';
import type { SlackMessage } from '../render.ts';
import { createSlackAppSender, type SlackAppLog } from './sender.ts';
import type { SlackAppSettings } from './settings.ts';

export { SLACK_MESSAGE_KEY_PREFIX } from '../../../../state/slack-messages.ts';
export { SLACK_API_URL } from './limits.ts';
export {
  createSlackAppSender,
  type SlackAppLog,
  type SlackAppSenderOptions,
  type SlackPostBody,
  slackPostBody,
} from './sender.ts';
export { type SlackAppSettings, SlackAppSettingsSchema } from './settings.ts';
export { classifySlackError, SlackApiError } from './web-api.ts';

/** The app mode's part of the plug-in's `deploy.stateKeyPrefixes`. */
export const SLACK_APP_STATE_KEY_PREFIXES = [SLACK_MESSAGE_KEY_PREFIX] as const;

export function slackAppSecret(settings: SlackAppSettings): SecretSpec {
  return {
    parameter: settings.botTokenParameter,
    kmsKeyArn: settings.kmsKeyArn,
    field: 'botTokenParameter',
    what: 'bot token',
    example: '<Slack Bot User OAuth Token, xoxb-…>',
  };
}

/**
 * What Slack rate-limits for an app receiver: posts per channel (about one a second,
 * https://docs.slack.dev/apis/web-api/rate-limits) of one app installation (its token).
 */
export function slackAppBudgetIdentity(
  settings: SlackAppSettings,
  botToken: string | undefined,
): string | undefined {
  return botToken === undefined ? undefined : `slack-app\n${botToken}\n${settings.channel}`;
}

/**
 * The sender from the plug-in's SenderOptions: the state table in Lambda, a memory ledger elsewhere
 * (invoke-local, replay --send), where threads then last one process.
 */
export function createSlackAppSenderFrom(
  options: SenderOptions = {},
  logger?: SlackAppLog,
): ChannelSender<SlackMessage, SlackAppSettings> {
  const messages =
    options.state === undefined
      ? createMemorySlackMessageLedger()
      : createDynamoDbSlackMessageLedger({
          tableName: options.state.tableName,
          client: options.state.client,
        });
  return createSlackAppSender({
    messages,
    fetchImpl: options.fetchImpl,
    timeoutMs: options.timeoutMs,
    now: options.now,
    env: options.env,
    logger: logger ?? options.logger,
  });
}
