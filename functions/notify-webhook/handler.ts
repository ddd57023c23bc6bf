import '../../shared/aws/cold-start.ts';
import { channelNotifier } from '../../shared/aws/notifier.ts';
import { secretsFromSsm } from '../../shared/aws/secrets.ts';
import { webhook } from '../../shared/notify/channels/webhook/index.ts';

export const handler = channelNotifier(webhook, secretsFromSsm);
