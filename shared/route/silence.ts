import type { Silence } from '../config/schema.ts';
import type { Alert } from '../events/alert.ts';
import { matchAlert } from './route.ts';

/** `at`: when the alert's event happened (epoch ms), so planned work covers what happened during it. */
export function silenceActive(silence: Silence, at: number): boolean {
  const t = at;
  return Date.parse(silence.startsAt) <= t && t < Date.parse(silence.endsAt);
}

export function silenceExpired(silence: Silence, now: Date): boolean {
  return Date.parse(silence.endsAt) <= now.getTime();
}

/**
 * Silences hold back resolves only when their matcher says `status: resolved`: a resolve that was
 * held would leave PagerDuty with an incident open for something already fixed, while a resolve
 * for something never paged is a no-op there.
 */
export function silenceMatches(silence: Silence, alert: Alert): boolean {
  if (alert.status === 'resolved' && silence.match.status !== 'resolved') return false;
  return matchAlert(silence.match, alert);
}
