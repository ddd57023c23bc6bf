import '../../shared/aws/cold-start.ts';
import { channelNotifier } from '../../shared/aws/notifier.ts';
import { secretsFromSsm } from '../../shared/aws/secrets.ts';
import { slack } from '../../shared/notify/channels/slack/index.ts';

export const handler = channelNotifier(slack, secretsFromSsm);
