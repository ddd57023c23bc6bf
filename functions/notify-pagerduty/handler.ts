import '../../shared/aws/cold-start.ts';
import { notifierDeliveryFromEnv, notifierHandler } from '../../shared/aws/notifier.ts';
import { secretsFromSsm } from '../../shared/aws/secrets.ts';
import { loadRuntimeConfig } from '../../shared/config/runtime.ts';
import { createPagerDutySender } from '../../shared/notify/pagerduty.ts';

const config = loadRuntimeConfig();

export const handler = notifierHandler('pagerduty', config, {
  senders: { pagerduty: createPagerDutySender() },
  delivery: notifierDeliveryFromEnv(),
  secrets: secretsFromSsm(config, 'pagerduty'),
});
