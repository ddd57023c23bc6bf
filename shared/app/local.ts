import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Config, Receiver } from '../config/schema.ts';
import type { Channel } from '../events/alert.ts';
import { type Senders, secretKey } from '../notify/deliver.ts';
import { PAGERDUTY_EVENTS_URL } from '../notify/pagerduty.ts';
import { terminalLine, terminalText } from '../util/terminal.ts';

/**
 * Local stand-ins for what the functions reach in AWS, for `serverless invoke local`: the handlers
 * run their real chain (shared/app/alert.ts, shared/aws/notifier.ts) and print what they would put
 * on the bus or send, instead of doing it. Nothing here needs an AWS account or credentials. The
 * alert function's own stand-ins are in local-alert.ts, so the notifier bundles stay without them.
 */

import type { Print } from './local-env.ts';

export { invokedLocally, type Print, printToStdout } from './local-env.ts';

/** What a dry run shows in place of a receiver's secret: the SSM parameter it would be read from. */
export function placeholderSecret(receiver: Receiver): string | undefined {
  if ('pagerduty' in receiver) return `<routing key from SSM ${receiver.pagerduty.routingKeyParameter}>`;
  if ('slack' in receiver) return `<webhook URL from SSM ${receiver.slack.webhookUrlParameter}>`;
  return undefined;
}

export function pretty(value: unknown): string {
  // Bodies carry attacker-written text: escaped so it cannot steer the terminal (shared/util/terminal.ts).
  return terminalText(JSON.stringify(value, null, 2) ?? 'null');
}

/**
 * Senders that print the request each channel would make, for `serverless invoke local` of a notifier.
 * The URL or routing key shown is the placeholder naming its SSM parameter: no secret is read.
 */
export function printingSenders(print: Print): Senders {
  return {
    slack: {
      async send(webhookUrl, message) {
        print(`notify-slack would POST to ${terminalLine(webhookUrl)} (invoke local: nothing was sent):\n`);
        print(`${pretty(message)}\n`);
      },
    },
    pagerduty: {
      async send(event) {
        print(`notify-pagerduty would POST to ${PAGERDUTY_EVENTS_URL} (invoke local: nothing was sent):\n`);
        print(`${pretty(event)}\n`);
      },
    },
    email: {
      async send(input) {
        print('notify-email would call SNS Publish (invoke local: nothing was sent):\n');
        print(`${pretty(input)}\n`);
        return {};
      },
    },
  };
}

/**
 * Stands in for the SSM middleware (shared/aws/secrets.ts) in `invoke local`: it puts on the context,
 * under the same keys, the placeholder naming each receiver's parameter instead of its value.
 */
export function placeholderSecrets(
  config: Config,
  channel: Channel,
): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    before(request) {
      const shown: Record<string, string> = {};
      for (const receiver of config.receivers) {
        const placeholder = placeholderSecret(receiver);
        if (placeholder !== undefined && channel in receiver) shown[secretKey(receiver.name)] = placeholder;
      }
      Object.assign(request.context, shown);
    },
  };
}
