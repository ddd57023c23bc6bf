import { receiverChannel } from '../../config/receivers.ts';
import { email } from './email/index.ts';
import { pagerduty } from './pagerduty/index.ts';
import { slack } from './slack/index.ts';
import { teams } from './teams/index.ts';
import type { AnyChannelPlugin } from './types.ts';
import { webhook } from './webhook/index.ts';

/**
 * Every channel, in the order the CLI, the checks and the template list them. Nothing a Lambda
 * function bundles imports this module: a notifier imports its own plug-in only, so its bundle
 * carries one channel (test/integration/cold-start.test.ts). Adding a channel: its folder, a line
 * here, functions/notify-<name>/handler.ts, docs/configuration.md and README.md.
 */
export const CHANNEL_PLUGINS = [slack, pagerduty, email, teams, webhook] as const;

export type ChannelPlugins = (typeof CHANNEL_PLUGINS)[number];
export type Channel = ChannelPlugins['name'];

/** The plug-in of a channel by name, or undefined for a name no plug-in has. */
export function pluginFor(name: string): AnyChannelPlugin | undefined {
  return CHANNEL_PLUGINS.find((plugin) => plugin.name === name);
}

/** The plug-in of a channel the caller knows exists (a request's, a receiver's); throws otherwise. */
export function requirePlugin(name: string): AnyChannelPlugin {
  const plugin = pluginFor(name);
  if (!plugin) throw new Error(`no channel "${name}"`);
  return plugin;
}

/** The plug-in that delivers to `receiver`. */
export function pluginOf(receiver: Parameters<typeof receiverChannel>[0]): AnyChannelPlugin {
  return requirePlugin(receiverChannel(receiver));
}
