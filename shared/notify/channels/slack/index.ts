import { terminalLine } from '../../../util/terminal.ts';
import { ssmSecret } from '../secret.ts';
import type { ChannelPlugin } from '../types.ts';
import { SLACK_BUDGET } from './limits.ts';
import { slackPreview } from './preview.ts';
import { renderSlack, type SlackMessage } from './render.ts';
import { createSlackSender, slackChannelSender } from './sender.ts';
import { type SlackSettings, SlackSettingsSchema } from './settings.ts';

/** Slack incoming webhooks: the webhook URL, in SSM, is the secret and what Slack rate-limits. */
export const slack: ChannelPlugin<'slack', SlackSettings, SlackMessage> = {
  name: 'slack',
  title: 'Slack',
  settings: SlackSettingsSchema,
  secret: (settings) =>
    ssmSecret(settings, 'webhookUrlParameter', 'webhook URL', '<Slack incoming webhook URL>'),
  budget: SLACK_BUDGET,
  budgetIdentity: (_settings, ctx) => ctx.secret,
  render(alert, settings) {
    const { mention } = settings;
    const mentionThis = mention && alert.status === 'firing' && mention.severities.includes(alert.severity);
    return renderSlack(alert, mentionThis ? { mention: mention.target } : {});
  },
  // The URL is the secret, and it is not in the body.
  shown: (body) => body,
  preview: slackPreview,
  createSender: (options = {}) =>
    slackChannelSender(createSlackSender({ fetchImpl: options.fetchImpl, timeoutMs: options.timeoutMs })),
  describeSend: (target) => `POST to ${terminalLine(target.secret ?? '')}`,
  deploy: {
    id: 'Slack',
    description: 'Notification requests for Slack receivers → Slack incoming webhooks',
  },
};
