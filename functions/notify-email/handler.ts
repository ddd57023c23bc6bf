import '../../shared/aws/cold-start.ts';
import { SNSClient } from '@aws-sdk/client-sns';
import { invokedLocally, printingSenders, printToStdout } from '../../shared/app/local.ts';
import { notifierDeliveryFromEnv, notifierHandler } from '../../shared/aws/notifier.ts';
import { loadRuntimeConfig, requireEnv } from '../../shared/config/runtime.ts';
import { createEmailSender } from '../../shared/notify/email-sender.ts';

const config = loadRuntimeConfig();

export const handler = invokedLocally(process.env)
  ? // `serverless invoke local`: the same handler, printing the SNS request instead of publishing.
    notifierHandler('email', config, {
      senders: printingSenders(printToStdout),
      stackTopicArn: process.env.ALERTS_TOPIC_ARN,
    })
  : notifierHandler('email', config, {
      senders: { email: createEmailSender({ sns: new SNSClient({}) }) },
      stackTopicArn: requireEnv('ALERTS_TOPIC_ARN'),
      delivery: notifierDeliveryFromEnv('email'),
    });
