import type { Finding } from '../detect/types.ts';
import { field, isRecord, str } from '../detect/values.ts';
import { type Alert, type Fact, lowerSeverity } from '../events/alert.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import type { Envelope } from '../events/envelope.ts';
import { ownValue } from '../util/own.ts';
import { describeActor } from './actor.ts';
import { describeClient } from './client.ts';
import { cloudTrailEventLink } from './links.ts';

/** Error codes that mean "not allowed" (CIS 4.1); other errors (not found, conflict) are failures. */
const REFUSED = /^AccessDenied|UnauthorizedOperation$|^Unauthorized/;

export interface AccountNames {
  [accountId: string]: string;
}

function mfa(record: CloudTrailRecord): string | undefined {
  const signIn = str(field(record.additionalEventData, 'MFAUsed'));
  if (signIn) return signIn === 'Yes' ? 'yes' : 'no';
  const attr = record.userIdentity.sessionContext?.attributes?.mfaAuthenticated;
  if (attr === undefined) return undefined;
  return attr === true || attr === 'true' ? 'yes' : 'no';
}

function account(id: string, names: AccountNames): Alert['account'] {
  // The id comes from the event: "__proto__" or "constructor" must not read Object's own members.
  const alias = ownValue(names, id);
  return alias ? { id, alias } : { id };
}

/** The facts every CloudTrail alert carries, in the order a responder reads them. */
function contextFacts(record: CloudTrailRecord): Fact[] {
  const facts: Fact[] = [];
  const service = record.eventSource.replace(/\.amazonaws\.com$/, '');
  facts.push({ label: 'Call', value: `${service}:${record.eventName}` });
  if (record.sourceIPAddress) facts.push({ label: 'Source IP', value: record.sourceIPAddress });
  const client = describeClient(record.userAgent);
  if (client) facts.push({ label: 'Client', value: client });
  const usedMfa = mfa(record);
  if (usedMfa) facts.push({ label: 'MFA', value: usedMfa });
  if (record.userIdentity.arn) facts.push({ label: 'Principal', value: record.userIdentity.arn });
  if (record.userAgent) facts.push({ label: 'User agent', value: record.userAgent });
  return facts;
}

export function cloudTrailAlert(
  envelope: Envelope,
  record: CloudTrailRecord,
  finding: Finding,
  accounts: AccountNames,
): Alert {
  const eventAccount = record.recipientAccountId ?? envelope.account;
  const actor = describeActor(record.userIdentity, eventAccount);
  const region = record.awsRegion ?? envelope.region;
  const ctEventId = record.eventID ?? envelope.id;
  const denied = record.errorCode !== undefined;
  const severity =
    denied && !finding.keepSeverityWhenDenied ? lowerSeverity(finding.severity) : finding.severity;
  const facts = contextFacts(record);
  if (denied) {
    facts.unshift({
      label: 'Error',
      value: `${record.errorCode}${record.errorMessage ? `: ${record.errorMessage}` : ''}`,
    });
  }
  facts.push(...(finding.facts ?? []));
  const target = finding.resource ? ` on ${finding.resource.type} ${finding.resource.name}` : '';
  return {
    id: `ct:${ctEventId}:${finding.ruleId}`,
    ruleId: finding.ruleId,
    title: denied ? `Attempted: ${finding.title}` : finding.title,
    severity,
    status: 'firing',
    kind: 'cloudtrail',
    summary: denied
      ? `${actor.display} tried ${record.eventName}${target} and ${REFUSED.test(record.errorCode ?? '') ? 'was denied' : 'failed'} (${record.errorCode})`
      : `${actor.display} ${finding.action}`,
    ...(denied
      ? {
          verdict:
            finding.deniedVerdict ??
            `${REFUSED.test(record.errorCode ?? '') ? 'Denied' : 'Failed'}: nothing changed, but ${
              finding.keepSeverityWhenDenied
                ? `the attempt alone is the signal (kept ${severity}). Find out who holds these credentials and why they tried.`
                : 'someone tried. Check whether the caller should be doing this.'
            }`,
        }
      : finding.verdict
        ? { verdict: finding.verdict }
        : {}),
    account: account(eventAccount, accounts),
    region,
    time: record.eventTime ?? envelope.time,
    actor,
    ...(finding.resource ? { resource: finding.resource } : {}),
    facts,
    links: [...(finding.links ?? []), cloudTrailEventLink(region, ctEventId)],
    dedupKey: `cloud-alerts/${finding.ruleId}/${ctEventId}`,
    eventId: envelope.id,
    cloudTrailEventId: ctEventId,
    ...(denied ? { attempted: true } : {}),
  };
}

/** Compact, bounded JSON of whatever the event carried, for alerts about events we do not understand. */
export function previewJson(value: unknown, max = 1500): string {
  let text: string;
  try {
    text =
      JSON.stringify(value, (_k, v: unknown) =>
        typeof v === 'string' && v.length > 300 ? `${v.slice(0, 300)}…` : v,
      ) ?? 'null';
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function genericAlert(
  envelope: Envelope,
  reason: string,
  accounts: AccountNames,
  record?: CloudTrailRecord,
): Alert {
  const facts: Fact[] = [{ label: 'Why generic', value: reason }];
  let summary = `${envelope['detail-type']} from ${envelope.source}`;
  let actor: Alert['actor'];
  const links: Alert['links'] = [];
  if (record) {
    actor = describeActor(record.userIdentity, envelope.account);
    summary = `${actor.display} called ${record.eventSource.replace(/\.amazonaws\.com$/, '')}:${record.eventName}`;
    facts.push(...contextFacts(record));
    if (record.errorCode) facts.unshift({ label: 'Error', value: record.errorCode });
    links.push(cloudTrailEventLink(record.awsRegion ?? envelope.region, record.eventID ?? envelope.id));
  } else {
    facts.push({
      label: 'Detail',
      value: previewJson(isRecord(envelope.detail) ? envelope.detail : { detail: envelope.detail }),
    });
  }
  return {
    id: `generic:${envelope.id}`,
    ruleId: 'generic-event',
    title: 'Unrecognised event',
    severity: 'low',
    status: 'firing',
    kind: 'generic',
    summary,
    verdict: 'No rule understands this event: read it and decide; consider adding a rule.',
    account: account(envelope.account, accounts),
    region: envelope.region,
    time: envelope.time,
    ...(actor ? { actor } : {}),
    facts,
    links,
    dedupKey: `cloud-alerts/generic-event/${envelope.id}`,
    eventId: envelope.id,
  };
}
