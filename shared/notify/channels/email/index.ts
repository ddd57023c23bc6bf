import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { DeliveryError } from '../../errors.ts';
import type { ChannelPlugin } from '../types.ts';
import { EMAIL_BUDGET } from './limits.ts';
import { emailPreview } from './preview.ts';
import { renderEmail } from './render.ts';
import { createEmailSender, emailChannelSender } from './sender.ts';
import { type EmailSettings, EmailSettingsSchema } from './settings.ts';

function topicArnOf(settings: EmailSettings, stackTopicArn: string | undefined): string | undefined {
  return settings.topicArn === 'stack' ? stackTopicArn : settings.topicArn;
}

/** E-mail through an SNS topic's subscriptions: no secret; the notifier's role may publish to the topic. */
export const email: ChannelPlugin<'email', EmailSettings, PublishCommandInput> = {
  name: 'email',
  title: 'E-mail',
  settings: EmailSettingsSchema,
  secret: () => undefined,
  topic: (settings) => ({ topicArn: settings.topicArn, kmsKeyArn: settings.kmsKeyArn, field: 'topicArn' }),
  budget: EMAIL_BUDGET,
  budgetIdentity: (settings, ctx) => topicArnOf(settings, ctx.stackTopicArn),
  render(alert, settings, ctx) {
    const arn = topicArnOf(settings, ctx.stackTopicArn);
    if (!arn) {
      throw new DeliveryError({
        channel: 'email',
        retryable: false,
        reason: 'no topic ARN (ALERTS_TOPIC_ARN is not set)',
      });
    }
    return renderEmail(alert, arn);
  },
  shown: (body) => body,
  preview: emailPreview,
  createSender: () => emailChannelSender(createEmailSender()),
  describeSend: () => 'call SNS Publish',
  deploy: {
    id: 'Email',
    description: 'Notification requests for e-mail receivers → SNS Publish',
    environment: { ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' } },
  },
};
