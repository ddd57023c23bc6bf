import { notifierDeliveryFromEnv, notifierHandler } from '../../shared/aws/notifier.ts';
import { loadRuntimeConfig } from '../../shared/config/runtime.ts';
import { createSlackSender } from '../../shared/notify/slack.ts';

export const handler = notifierHandler(
  'slack',
  loadRuntimeConfig(),
  { slack: createSlackSender() },
  undefined,
  notifierDeliveryFromEnv(),
);
