import type { Channel } from '../notify/channels/registry.ts';
import type { AnyChannelPlugin, ChannelPlugin } from '../notify/channels/types.ts';
import type { Receiver } from './schema.ts';

/**
 * Which channel a receiver delivers to: the one key besides `name` and `budget` (the config schema
 * allows exactly one). Apart from schema.ts, and without the registry, so the functions need neither.
 */
export function receiverChannel(r: Receiver): Channel {
  for (const key of Object.keys(r)) if (key !== 'name' && key !== 'budget') return key as Channel;
  throw new Error(`receiver ${r.name} names no channel`);
}

/** The receiver's settings for `plugin`, or undefined when it is another channel's receiver. */
export function receiverSettings<S>(
  r: Receiver,
  plugin: ChannelPlugin<string, S, unknown> | AnyChannelPlugin,
): S | undefined {
  return receiverChannel(r) === plugin.name ? (Reflect.get(r, plugin.name) as S) : undefined;
}
