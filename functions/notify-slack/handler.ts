import '../../shared/aws/cold-start.ts';
import {
  invokedLocally,
  placeholderSecrets,
  printingSenders,
  printToStdout,
} from '../../shared/app/local.ts';
import { notifierDeliveryFromEnv, notifierHandler } from '../../shared/aws/notifier.ts';
import { secretsFromSsm } from '../../shared/aws/secrets.ts';
import { loadRuntimeConfig } from '../../shared/config/runtime.ts';
import { createSlackSender } from '../../shared/notify/slack.ts';

const config = loadRuntimeConfig();

export const handler = invokedLocally(process.env)
  ? // `serverless invoke local`: the same handler, printing the request instead of reading SSM and sending.
    notifierHandler('slack', config, {
      senders: printingSenders(printToStdout),
      secrets: placeholderSecrets(config, 'slack'),
    })
  : notifierHandler('slack', config, {
      senders: { slack: createSlackSender() },
      delivery: notifierDeliveryFromEnv('slack'),
      secrets: secretsFromSsm(config, 'slack'),
    });
