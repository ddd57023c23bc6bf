import { notifierDeliveryFromEnv, notifierHandler } from '../../shared/aws/notifier.ts';
import { loadRuntimeConfig } from '../../shared/config/runtime.ts';
import { createPagerDutySender } from '../../shared/notify/pagerduty.ts';

export const handler = notifierHandler(
  'pagerduty',
  loadRuntimeConfig(),
  { pagerduty: createPagerDutySender() },
  undefined,
  notifierDeliveryFromEnv(),
);
