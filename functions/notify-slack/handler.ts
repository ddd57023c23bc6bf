import '../../shared/aws/cold-start.ts';
import { notifierDeliveryFromEnv, notifierHandler } from '../../shared/aws/notifier.ts';
import { secretsFromSsm } from '../../shared/aws/secrets.ts';
import { loadRuntimeConfig } from '../../shared/config/runtime.ts';
import { createSlackSender } from '../../shared/notify/slack.ts';

const config = loadRuntimeConfig();

export const handler = notifierHandler('slack', config, {
  senders: { slack: createSlackSender() },
  delivery: notifierDeliveryFromEnv(),
  secrets: secretsFromSsm(config, 'slack'),
});
