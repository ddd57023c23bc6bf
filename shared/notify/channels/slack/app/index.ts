/**
 * Slack as an app (a bot token, chat.postMessage and chat.update): the slack plug-in's second mode
 * beside incoming webhooks. Its settings join the webhook's in a union, and createSender dispatches on
 * `botTokenParameter`.
 */
export { SLACK_MESSAGE_KEY_PREFIX } from '../../../../state/slack-messages.ts';
export { SLACK_API_URL } from './limits.ts';
export {
  createSlackAppSender,
  type SlackAppLog,
  type SlackAppSenderOptions,
} from './sender.ts';
export { type SlackAppSettings, SlackAppSettingsSchema } from './settings.ts';
export { classifySlackError, SlackApiError } from './web-api.ts';
