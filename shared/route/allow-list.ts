import { BlockList, isIP } from 'node:net';
import type { AllowListEntry } from '../config/schema.ts';
import type { Alert } from '../events/alert.ts';
import { actorIdentity, anyGlob } from './route.ts';

/** What an allow-list entry can look at beyond the alert: the CloudTrail record's caller details. */
export interface CallerFacts {
  userAgent?: string | undefined;
  sourceIp?: string | undefined;
  /** The role behind an assumed-role session: arn:aws:iam::<account>:role/<name>. */
  issuerArn?: string | undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A bare date means "through that day" (UTC): `expires: 2026-12-31` still holds on New Year's Eve. */
export function expiryTime(expires: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(expires)
    ? Date.parse(`${expires}T00:00:00Z`) + DAY_MS
    : Date.parse(expires);
}

/** `at`: epoch ms; the stage passes when the event happened, config check the clock. */
export function allowEntryExpired(entry: AllowListEntry, at: number): boolean {
  return entry.expires !== undefined && expiryTime(entry.expires) <= at;
}

function ipMatches(expected: string | string[], ip: string | undefined): boolean {
  if (ip === undefined) return false;
  const family = isIP(ip);
  // CloudTrail puts a service name ("s3.amazonaws.com", "AWS Internal") where a call came from AWS.
  if (family === 0) return false;
  const list = new BlockList();
  for (const spec of Array.isArray(expected) ? expected : [expected]) {
    const [address = '', bits] = spec.split('/');
    const specFamily = isIP(address);
    if (specFamily === 0) continue;
    const type = specFamily === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

/** Every field the entry names must match (AND); a list means any of its values (OR). */
export function allowEntryMatches(entry: AllowListEntry, alert: Alert, caller: CallerFacts): boolean {
  if (entry.actor !== undefined) {
    const actor = entry.actor;
    if (!actorIdentity(alert, caller.issuerArn).some((v) => anyGlob(actor, v))) return false;
  }
  // Only beside `actor` (the schema insists): which of that identity's sessions.
  if (entry.session !== undefined && !anyGlob(entry.session, alert.actor?.session)) return false;
  if (entry.userAgent !== undefined && !anyGlob(entry.userAgent, caller.userAgent)) return false;
  if (
    entry.account !== undefined &&
    !anyGlob(entry.account, alert.account.id) &&
    !anyGlob(entry.account, alert.account.alias)
  )
    return false;
  if (entry.rule !== undefined && !anyGlob(entry.rule, alert.ruleId)) return false;
  if (entry.region !== undefined && !anyGlob(entry.region, alert.region)) return false;
  if (entry.sourceIp !== undefined && !ipMatches(entry.sourceIp, caller.sourceIp)) return false;
  return true;
}
