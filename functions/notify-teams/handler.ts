import '../../shared/aws/cold-start.ts';
import { channelNotifier } from '../../shared/aws/notifier.ts';
import { secretsFromSsm } from '../../shared/aws/secrets.ts';
import { teams } from '../../shared/notify/channels/teams/index.ts';

export const handler = channelNotifier(teams, secretsFromSsm);
