import type { Channel } from '../events/alert.ts';
import type { Receiver } from './schema.ts';

/** Which channel a receiver delivers to. Apart from schema.ts so the functions need no config schema. */
export function receiverChannel(r: Receiver): Channel {
  if ('slack' in r) return 'slack';
  if ('pagerduty' in r) return 'pagerduty';
  return 'email';
}
