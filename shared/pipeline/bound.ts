import { createHash } from 'node:crypto';
import { type Alert, type Evidence, type NotificationRequest, notificationKey } from '../events/alert.ts';
import { EVIDENCE_LINE_MAX, EVIDENCE_LINES_MAX } from '../evidence/limits.ts';
import { SPARKLINE_MAX } from '../evidence/sparkline.ts';
import { TRUNCATION_MARKER, truncate, utf8ByteLength, wellFormed } from '../notify/text.ts';

/**
 * An alert travels as the detail of a PutEvents entry (256 KB per entry, Source and DetailType
 * included: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html) and,
 * after a permanent failure, inside a dead-letter record on SQS (256 KB a message:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html).
 * 192 KB for the serialised alert leaves room for the request and record around it.
 */
export const ALERT_MAX_BYTES = 192 * 1024;

/** Identifiers longer than this keep a prefix and a hash of the whole: stable, distinct, and short. */
export const ALERT_ID_MAX = 512;

interface Caps {
  title: number;
  text: number;
  label: number;
  value: number;
  facts: number;
  links: number;
  url: number;
  name: number;
  tags: number;
  /** Evidence sections, lines per section, characters per line (the builders' own caps at full scale). */
  evidence: number;
  evidenceLines: number;
  evidenceLine: number;
}

const FULL_CAPS: Caps = {
  title: 300,
  text: 4000,
  label: 200,
  value: 8000,
  facts: 100,
  links: 20,
  url: 4000,
  name: 2048,
  tags: 50,
  evidence: 8,
  evidenceLines: EVIDENCE_LINES_MAX,
  evidenceLine: EVIDENCE_LINE_MAX,
};

// Tried in order until the alert fits; JSON can make a string up to six times longer (`\u0001`).
const SCALES = [1, 1 / 4, 1 / 16, 1 / 64];

function scaled(caps: Caps, scale: number): Caps {
  const s = (n: number, floor: number) => Math.max(floor, Math.floor(n * scale));
  return {
    title: caps.title,
    text: s(caps.text, 200),
    label: s(caps.label, 40),
    value: s(caps.value, 100),
    facts: s(caps.facts, 10),
    links: s(caps.links, 4),
    url: s(caps.url, 400),
    name: s(caps.name, 200),
    tags: s(caps.tags, 5),
    evidence: s(caps.evidence, 2),
    evidenceLines: s(caps.evidenceLines, 2),
    evidenceLine: s(caps.evidenceLine, 80),
  };
}

const HASH_MARK = ':sha256:';

function stableId(s: string): string {
  const text = wellFormed(s);
  if (text.length <= ALERT_ID_MAX) return text;
  const digest = createHash('sha256').update(text, 'utf8').digest('hex');
  return `${truncate(text, ALERT_ID_MAX - HASH_MARK.length - digest.length, '')}${HASH_MARK}${digest}`;
}

/** "…truncated; full event in CloudTrail: <link>" when the alert has its CloudTrail event link. */
export function truncationMarker(alert: Pick<Alert, 'links'>): string {
  const cloudTrail = alert.links.find((link) => /\/cloudtrail\/home\?[^#]*#\/events\//.test(link.url));
  return cloudTrail === undefined
    ? TRUNCATION_MARKER
    : `…truncated; full event in CloudTrail: ${cloudTrail.url}`;
}

function boundWith(alert: Alert, caps: Caps, marker: string): Alert {
  // Short fields get the short marker: a 300-character title cannot carry a console URL.
  const short = (s: string, max: number) => truncate(s, max);
  const long = (s: string, max: number) =>
    truncate(s, max, max > marker.length * 4 ? marker : TRUNCATION_MARKER);
  const facts = alert.facts.slice(0, caps.facts).map((f) => ({
    label: short(f.label, caps.label),
    value: long(f.value, caps.value),
  }));
  if (alert.facts.length > caps.facts) {
    facts[facts.length - 1] = {
      label: 'More facts',
      value: `${alert.facts.length - caps.facts + 1} more not shown ${marker}`,
    };
  }
  const links = alert.links
    .filter((link) => link.url.length <= caps.url)
    .slice(0, caps.links)
    .map((link) => ({ text: short(link.text, FULL_CAPS.label), url: link.url }));
  if (links.length < alert.links.length) {
    facts.push({
      label: 'Links',
      value: `${alert.links.length - links.length} link(s) not shown ${TRUNCATION_MARKER}`,
    });
  }
  const bounded: Alert = {
    ...alert,
    id: stableId(alert.id),
    ruleId: short(alert.ruleId, FULL_CAPS.label),
    title: short(alert.title, caps.title),
    summary: long(alert.summary, caps.text),
    account: {
      id: short(alert.account.id, 64),
      ...(alert.account.alias === undefined ? {} : { alias: short(alert.account.alias, caps.label) }),
    },
    region: short(alert.region, 64),
    time: short(alert.time, 64),
    facts,
    links,
    dedupKey: stableId(alert.dedupKey),
    eventId: stableId(alert.eventId),
  };
  if (alert.verdict !== undefined) bounded.verdict = long(alert.verdict, caps.text);
  if (alert.evidence !== undefined) bounded.evidence = boundEvidence(alert.evidence, caps);
  if (alert.cloudTrailEventId !== undefined) bounded.cloudTrailEventId = stableId(alert.cloudTrailEventId);
  if (alert.actor !== undefined) {
    const { name, arn, accountId } = alert.actor;
    bounded.actor = {
      ...alert.actor,
      display: short(alert.actor.display, caps.name),
      ...(name === undefined ? {} : { name: short(name, caps.name) }),
      ...(arn === undefined ? {} : { arn: short(arn, caps.name) }),
      ...(accountId === undefined ? {} : { accountId: short(accountId, 64) }),
    };
  }
  if (alert.resource !== undefined) {
    const { arn } = alert.resource;
    bounded.resource = {
      type: short(alert.resource.type, caps.label),
      name: short(alert.resource.name, caps.name),
      ...(arn === undefined ? {} : { arn: short(arn, caps.name) }),
    };
  }
  if (alert.tags !== undefined) {
    bounded.tags = Object.fromEntries(
      Object.entries(alert.tags)
        .slice(0, caps.tags)
        .map(([k, v]) => [short(k, caps.label), short(v, caps.label)]),
    );
  }
  return bounded;
}

/**
 * Evidence as the builders cap it (shared/evidence/limits.ts), tighter at smaller scales; a section or
 * line left out is counted in a line of its own. The channels bound it again for their own limits.
 */
function boundEvidence(evidence: readonly Evidence[], caps: Caps): Evidence[] {
  const line = (s: string) => truncate(s, caps.evidenceLine);
  const sections = evidence.slice(0, caps.evidence).map((section): Evidence => {
    const lines = section.lines.slice(0, caps.evidenceLines).map(line);
    if (section.lines.length > caps.evidenceLines)
      lines[lines.length - 1] = `${section.lines.length - caps.evidenceLines + 1} more lines not shown`;
    return {
      kind: section.kind,
      title: truncate(section.title, caps.title),
      ...(section.chart === undefined ? {} : { chart: truncate(section.chart, SPARKLINE_MAX) }),
      lines,
    };
  });
  const last = sections[sections.length - 1];
  if (evidence.length > caps.evidence && last) {
    // In place of the last line when the section is full: a renderer shows at most evidenceLines.
    const note = `${evidence.length - caps.evidence} more evidence sections not shown`;
    last.lines =
      last.lines.length < caps.evidenceLines ? [...last.lines, note] : [...last.lines.slice(0, -1), note];
  }
  return sections;
}

function bytes(alert: Alert): number {
  return utf8ByteLength(JSON.stringify(alert));
}

/**
 * The alert with every string and list bounded so it fits a PutEvents entry and a dead-letter record.
 * An ordinary alert comes back unchanged in content; a cut is always marked, never silent.
 */
export function boundAlert(alert: Alert): Alert {
  if (bytes(alert) <= ALERT_MAX_BYTES && alert.id.length <= ALERT_ID_MAX) return alert;
  const marker = truncationMarker(alert);
  let smallest = alert;
  for (const scale of SCALES) {
    smallest = boundWith(alert, scaled(FULL_CAPS, scale), marker);
    if (bytes(smallest) <= ALERT_MAX_BYTES) return smallest;
  }
  // Only a pathological number of long values gets here: keep what a person needs to act.
  return {
    ...smallest,
    facts: [{ label: 'Facts', value: `${alert.facts.length} facts removed: too large to send ${marker}` }],
    tags: {},
  };
}

/** A notification request with its alert bounded, and the idempotency key following a shortened id. */
export function boundRequest(request: NotificationRequest): NotificationRequest {
  const alert = boundAlert(request.alert);
  if (alert === request.alert) return request;
  return { ...request, key: notificationKey(alert.id, request.receiver), alert };
}
