import { terminalLine } from '../../../util/terminal.ts';
import { ssmSecret } from '../secret.ts';
import type { ChannelPlugin, ChannelSender } from '../types.ts';
import {
  createSlackAppSenderFrom,
  SLACK_APP_STATE_KEY_PREFIXES,
  slackAppBudgetIdentity,
  slackAppSecret,
  slackPostBody,
} from './app/index.ts';
import type { SlackAppSettings } from './app/settings.ts';
import { SLACK_BUDGET } from './limits.ts';
import { type SlackBody, slackPreview } from './preview.ts';
import { renderSlack } from './render.ts';
import { createSlackSender, slackChannelSender } from './sender.ts';
import {
  isSlackApp,
  type SlackSettings,
  SlackSettingsSchema,
  type SlackWebhookSettings,
} from './settings.ts';

/**
 * Slack, in one of two modes per receiver. Incoming webhook: the webhook URL, in SSM, is the secret
 * and what Slack rate-limits. App: a bot token in SSM posts with chat.postMessage to a channel ID, one
 * message per alert key remembered in the state table (`slackmsg#`), repeats in its thread, the
 * resolve edits it (app/).
 */
export const slack: ChannelPlugin<'slack', SlackSettings, SlackBody> = {
  name: 'slack',
  title: 'Slack',
  settings: SlackSettingsSchema,
  secret: (settings) =>
    isSlackApp(settings)
      ? slackAppSecret(settings)
      : ssmSecret(settings, 'webhookUrlParameter', 'webhook URL', '<Slack incoming webhook URL>'),
  budget: SLACK_BUDGET,
  budgetIdentity: (settings, ctx) =>
    isSlackApp(settings) ? slackAppBudgetIdentity(settings, ctx.secret) : ctx.secret,
  render(alert, settings) {
    const { mention } = settings;
    const mentionThis = mention && alert.status === 'firing' && mention.severities.includes(alert.severity);
    const message = renderSlack(alert, mentionThis ? { mention: mention.target } : {});
    // App mode: the chat.postMessage body of a new message. A repeat sends it as a thread reply and
    // a resolve edits the original (app/sender.ts); the preview says so.
    return isSlackApp(settings) ? slackPostBody(settings.channel, message) : message;
  },
  // Neither the URL nor the token is in the body.
  shown: (body) => body,
  preview: slackPreview,
  createSender(options = {}) {
    const webhook = slackChannelSender(
      createSlackSender({ fetchImpl: options.fetchImpl, timeoutMs: options.timeoutMs }),
    );
    const app = createSlackAppSenderFrom(options);
    const sender: ChannelSender<SlackBody, SlackSettings> = {
      send: (body, target) =>
        isSlackApp(target.settings)
          ? app.send(body, { ...target, settings: target.settings })
          : webhook.send(body, { ...target, settings: target.settings as SlackWebhookSettings }),
    };
    return sender;
  },
  describeSend: (target) =>
    isSlackApp(target.settings)
      ? `call Slack chat.postMessage (or chat.update) in ${terminalLine(target.settings.channel)} with ${terminalLine(target.secret ?? '')}`
      : `POST to ${terminalLine(target.secret ?? '')}`,
  deploy: {
    id: 'Slack',
    description: 'Notification requests for Slack receivers → Slack incoming webhooks and the Slack Web API',
    stateKeyPrefixes: SLACK_APP_STATE_KEY_PREFIXES,
  },
};

export type { SlackAppSettings, SlackBody, SlackSettings };
