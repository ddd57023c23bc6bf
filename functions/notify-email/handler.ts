import '../../shared/aws/cold-start.ts';
import { SNSClient } from '@aws-sdk/client-sns';
import { notifierDeliveryFromEnv, notifierHandler } from '../../shared/aws/notifier.ts';
import { loadRuntimeConfig, requireEnv } from '../../shared/config/runtime.ts';
import { createEmailSender } from '../../shared/notify/email-sender.ts';

export const handler = notifierHandler('email', loadRuntimeConfig(), {
  senders: { email: createEmailSender({ sns: new SNSClient({}) }) },
  stackTopicArn: requireEnv('ALERTS_TOPIC_ARN'),
  delivery: notifierDeliveryFromEnv(),
});
