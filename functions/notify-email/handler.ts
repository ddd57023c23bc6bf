import '../../shared/aws/cold-start.ts';
import { channelNotifier } from '../../shared/aws/notifier.ts';
import { email } from '../../shared/notify/channels/email/index.ts';

export const handler = channelNotifier(email);
