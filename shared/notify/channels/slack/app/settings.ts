import * as z from 'zod/mini';
import { KmsKeyArn, ParameterName } from '../../../../config/primitives.ts';
import { SlackMentionSchema } from '../mention.ts';
import { SLACK_CHANNEL_ID } from './limits.ts';

/**
 * The channel by ID, not by name. chat.postMessage would take "#security", but chat.update takes only
 * the ID (https://docs.slack.dev/reference/methods/chat.update), and a name can be renamed or reused
 * by a new channel while the remembered messages still point at the old ID.
 */
const ChannelId = z.string().check(
  z.describe('the Slack channel ID the app posts to, such as C0123ABCDEF'),
  z.superRefine((value, ctx) => {
    if (SLACK_CHANNEL_ID.test(value)) return;
    const looksLikeName = /^#|^[a-z0-9][a-z0-9._-]*$/.test(value);
    ctx.addIssue({
      code: 'custom',
      message: looksLikeName
        ? 'a channel ID such as C0123ABCDEF, not a name: a message can be edited (chat.update) only by the channel ID; in Slack open the channel, click its name, and copy the Channel ID at the bottom of the About tab'
        : 'a Slack channel ID such as C0123ABCDEF (C public, G private, D direct message)',
    });
  }),
);

export const SlackAppSettingsSchema = z.strictObject({
  /** SecureString parameter holding the bot token (xoxb-…). */
  botTokenParameter: ParameterName.check(
    z.describe(
      'the SSM SecureString parameter holding the bot token (xoxb-…), such as /cloud-alerts/prod/slack/bot',
    ),
  ),
  /** The conversation the app posts to, by ID. Invite the app to it (/invite @app). */
  channel: ChannelId,
  /** The customer managed key the parameter is encrypted with, if not aws/ssm. */
  kmsKeyArn: z.optional(KmsKeyArn),
  mention: z.optional(SlackMentionSchema),
});

export type SlackAppSettings = z.infer<typeof SlackAppSettingsSchema>;
