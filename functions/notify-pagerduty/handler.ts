import '../../shared/aws/cold-start.ts';
import { channelNotifier } from '../../shared/aws/notifier.ts';
import { secretsFromSsm } from '../../shared/aws/secrets.ts';
import { pagerduty } from '../../shared/notify/channels/pagerduty/index.ts';

export const handler = channelNotifier(pagerduty, secretsFromSsm);
