import { createHash } from 'node:crypto';
import { FORGED_RULE } from '../detect/catalog.ts';
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

/**
 * Facts about the record itself rather than the call: fields an exporter left unreadable, and a
 * record that names another account than the one EventBridge delivered it from.
 */
function recordFacts(envelope: Envelope, record: CloudTrailRecord, unreadable: readonly string[]): Fact[] {
  const facts: Fact[] = [];
  if (record.recipientAccountId && record.recipientAccountId !== envelope.account)
    facts.push({
      label: 'Record names account',
      value: `${record.recipientAccountId} (unverified: the alert uses ${envelope.account}, which EventBridge set)`,
    });
  if (unreadable.length > 0) facts.push({ label: 'Unreadable fields', value: unreadable.join(', ') });
  return facts;
}

/** JSON with object keys sorted, so the same request written in another key order reads the same. */
function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      isRecord(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, v[k]]),
          )
        : v,
    ) ?? ''
  );
}

/**
 * What makes two alerts of one rule about one resource the same news (see Alert.change): the
 * effective change, not who or when. That is the rule's reading (action, verdict, facts) and the
 * request itself: a rule's facts summarise, and a policy widened from `/public/*` to `/*`, or one
 * inline `Action: "*"` policy replaced by another, reads the same in a summary but not in the request.
 * Terraform re-applying one policy sends the same request, so it still folds. For critical alerts,
 * and for every sign-in (where who signed in from where is the whole event), a different source IP,
 * session or client is news too: the same root sign-in from a second address is a second alert.
 */
function changeOf(record: CloudTrailRecord, finding: Finding, severity: Alert['severity']): string {
  const parts = [
    finding.action,
    finding.verdict ?? '',
    ...(finding.facts ?? []).map((f) => `${f.label}\u0000${f.value}`),
    canonicalJson(record.requestParameters ?? null),
  ];
  // Without the part the rule needed, nobody can tell two such events apart: never fold them.
  if (finding.incomplete) parts.push(record.eventID ?? '');
  if (severity === 'critical' || record.eventName === 'ConsoleLogin') {
    const id = record.userIdentity;
    parts.push(record.sourceIPAddress ?? '', id.accessKeyId || id.principalId || '', record.userAgent ?? '');
  }
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);
}

export interface RecordNotes {
  /** Fields of the record that could not be read (see readCloudTrailRecord). */
  unreadable?: readonly string[];
}

export function cloudTrailAlert(
  envelope: Envelope,
  record: CloudTrailRecord,
  finding: Finding,
  accounts: AccountNames,
  notes: RecordNotes = {},
): Alert {
  // The account is EventBridge's (`envelope.account`, for cross-account delivery the sender's),
  // never the record's own `recipientAccountId`, which is only as true as whoever wrote the detail.
  const eventAccount = envelope.account;
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
  facts.push(...(finding.facts ?? []), ...recordFacts(envelope, record, notes.unreadable ?? []));
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
    change: changeOf(record, finding, severity),
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
  notes: RecordNotes = {},
): Alert {
  const facts: Fact[] = [{ label: 'Why generic', value: reason }];
  let summary = `${envelope['detail-type']} from ${envelope.source}`;
  let actor: Alert['actor'];
  const links: Alert['links'] = [];
  if (record) {
    actor = describeActor(record.userIdentity, envelope.account);
    summary = `${actor.display} called ${record.eventSource.replace(/\.amazonaws\.com$/, '')}:${record.eventName}`;
    facts.push(...contextFacts(record), ...recordFacts(envelope, record, notes.unreadable ?? []));
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

/** A claimed field of a forged event, as text, for the facts; never trusted for anything else. */
function claimed(detail: unknown, ...path: string[]): string | undefined {
  let v: unknown = detail;
  for (const key of path) v = field(v, key);
  return str(v);
}

/**
 * An event that claims to be AWS's (a CloudTrail or alarm detail-type) but was put by someone else:
 * see shared/events/trust.ts. Nothing in its detail is believed; what is known for certain is the
 * account EventBridge says sent it and the source it used, and that is what the alert is about.
 * It is one rule, `forged-aws-event`, routed like any other, at medium: the content is attacker
 * text, so it must never page with the claimed verdict, but the forgery itself is a finding.
 */
export function forgedAlert(envelope: Envelope, accounts: AccountNames): Alert {
  const detail = envelope.detail;
  const call = [claimed(detail, 'eventSource'), claimed(detail, 'eventName')].filter(Boolean).join(' ');
  const facts: Fact[] = [
    { label: 'Sent by account', value: `${envelope.account} (set by EventBridge)` },
    { label: 'Source', value: `${envelope.source} (not aws.*: AWS did not send this)` },
    { label: 'Claimed detail-type', value: envelope['detail-type'] },
  ];
  const claims: [string, string | undefined][] = [
    ['Claimed call', call || undefined],
    ['Claimed caller', claimed(detail, 'userIdentity', 'arn') ?? claimed(detail, 'userIdentity', 'type')],
    ['Claimed account', claimed(detail, 'recipientAccountId')],
    ['Claimed source IP', claimed(detail, 'sourceIPAddress')],
    ['Claimed alarm', claimed(detail, 'alarmName')],
  ];
  for (const [label, value] of claims) if (value) facts.push({ label, value });
  facts.push({
    label: 'Detail',
    value: previewJson(isRecord(detail) ? detail : { detail }, 600),
  });
  return {
    id: `forged:${envelope.id}`,
    ruleId: FORGED_RULE.id,
    title: FORGED_RULE.title,
    severity: FORGED_RULE.severity,
    status: 'firing',
    kind: 'generic',
    summary: `Account ${envelope.account} put an event posing as "${envelope['detail-type']}" with source ${envelope.source}`,
    verdict: `Not from AWS: only AWS can use an aws.* source. Nothing this event claims is known to have happened; someone in account ${envelope.account} with events:PutEvents on this bus wrote it. Find who, and check the bus policy.`,
    account: account(envelope.account, accounts),
    region: envelope.region,
    time: envelope.time,
    // The resource is the sender: repeats from one account fold, and no real event shares the rule.
    resource: { type: 'AWS account', name: envelope.account },
    facts,
    links: [],
    dedupKey: `cloud-alerts/${FORGED_RULE.id}/${envelope.id}`,
    eventId: envelope.id,
  };
}
