import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { receiverSettings } from '../config/receivers.ts';
import type { Config, Receiver } from '../config/schema.ts';
import type { AnyChannelPlugin, ChannelSender } from '../notify/channels/types.ts';
import { secretKey } from '../notify/deliver.ts';
import { terminalText } from '../util/terminal.ts';

/**
 * Local stand-ins for what the functions reach in AWS, for `serverless invoke local`: the handlers
 * run their real chain (shared/app/alert.ts, shared/aws/notifier.ts) and print what they would put
 * on the bus or send, instead of doing it. Nothing here needs an AWS account or credentials. The
 * alert function's own stand-ins are in local-alert.ts, so the notifier bundles stay without them.
 */

import type { Print } from './local-env.ts';

export { invokedLocally, type Print, printToStdout } from './local-env.ts';

/** What a dry run shows in place of a receiver's secret: the SSM parameter it would be read from. */
export function placeholderSecret(receiver: Receiver, plugin: AnyChannelPlugin): string | undefined {
  const settings = receiverSettings(receiver, plugin);
  const spec = settings === undefined ? undefined : plugin.secret(settings);
  return spec && `<${spec.what} from SSM ${spec.parameter}>`;
}

export function pretty(value: unknown): string {
  // Bodies carry attacker-written text: escaped so it cannot steer the terminal (shared/util/terminal.ts).
  return terminalText(JSON.stringify(value, null, 2) ?? 'null');
}

/**
 * A sender that prints the request its channel would make, for `serverless invoke local` of a
 * notifier. The secret shown is the placeholder naming its SSM parameter: no secret is read.
 */
export function printingSender(plugin: AnyChannelPlugin, print: Print): ChannelSender<unknown, unknown> {
  return {
    async send(body, target) {
      const what = plugin.describeSend?.(target) ?? 'send';
      print(`notify-${plugin.name} would ${what} (invoke local: nothing was sent):\n`);
      print(`${pretty(body)}\n`);
    },
  };
}

/**
 * Stands in for the SSM middleware (shared/aws/secrets.ts) in `invoke local`: it puts on the context,
 * under the same keys, the placeholder naming each receiver's parameter instead of its value.
 */
export function placeholderSecrets(
  config: Config,
  plugin: AnyChannelPlugin,
): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    before(request) {
      const shown: Record<string, string> = {};
      for (const receiver of config.receivers) {
        const placeholder = placeholderSecret(receiver, plugin);
        if (placeholder !== undefined) shown[secretKey(receiver.name)] = placeholder;
      }
      Object.assign(request.context, shown);
    },
  };
}
