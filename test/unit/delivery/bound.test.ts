import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { type Alert, NotificationRequestSchema } from '../../../shared/events/alert.ts';
import { TRUNCATION_MARKER, utf8ByteLength } from '../../../shared/notify/text.ts';
import { handleAlertEvent } from '../../../shared/pipeline/alert.ts';
import {
  ALERT_ID_MAX,
  ALERT_MAX_BYTES,
  boundAlert,
  boundRequest,
  truncationMarker,
} from '../../../shared/pipeline/bound.ts';
import { silentLogger } from '../../../shared/pipeline/logger.ts';
import { entrySize, PUT_EVENTS_MAX_BYTES } from '../../../shared/pipeline/publish.ts';
import { detailOf, loadEvent } from '../../helpers/events.ts';
import { buildAlert, CLOUDTRAIL_EVENT_ID, hugeString } from '../notify/fixtures.ts';

const CLOUDTRAIL_LINK = `https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/events/${CLOUDTRAIL_EVENT_ID}`;
const LINKED_MARKER = `…truncated; full event in CloudTrail: ${CLOUDTRAIL_LINK}`;

function size(alert: Alert): number {
  return utf8ByteLength(JSON.stringify(alert));
}

describe('boundAlert', () => {
  it('returns an ordinary alert as it is', () => {
    const alert = buildAlert();
    expect(boundAlert(alert)).toBe(alert);
  });

  it('cuts a 250 KB user agent and marks the cut with the CloudTrail link', () => {
    const alert = buildAlert({ facts: [{ label: 'Client', value: hugeString(250 * 1024, '<!channel> ') }] });
    const bounded = boundAlert(alert);
    expect(size(bounded)).toBeLessThanOrEqual(ALERT_MAX_BYTES);
    const value = bounded.facts[0]?.value ?? '';
    expect(value.endsWith(LINKED_MARKER)).toBe(true);
    expect(value.length).toBeLessThan(10_000);
    expect(bounded.links).toEqual(alert.links);
    expect(bounded.id).toBe(alert.id);
  });

  it('says "truncated" without a link when the alert has no CloudTrail event', () => {
    const alert = buildAlert({ links: [], summary: hugeString(300 * 1024) });
    expect(truncationMarker(alert)).toBe(TRUNCATION_MARKER);
    expect(boundAlert(alert).summary.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('bounds evidence a request carries beyond what the builders make, and counts what it leaves out', () => {
    const section = (i: number) => ({
      kind: 'logs' as const,
      title: `Errors ${i} ${'t'.repeat(5000)}`,
      chart: '▁'.repeat(10_000),
      lines: Array.from({ length: 2000 }, () => 'x'.repeat(2000)),
    });
    const alert = buildAlert({ evidence: Array.from({ length: 20 }, (_, i) => section(i)) });
    const bounded = boundAlert(alert);
    expect(size(bounded)).toBeLessThanOrEqual(ALERT_MAX_BYTES);
    const evidence = bounded.evidence ?? [];
    expect(evidence.length).toBeLessThanOrEqual(8);
    expect(evidence.length).toBeGreaterThan(0);
    for (const s of evidence) {
      expect(s.chart?.length).toBeLessThanOrEqual(100);
      expect(s.lines.length).toBeLessThanOrEqual(8);
      expect(s.lines.filter((l) => !/not shown$/.test(l)).every((l) => l.length <= 300)).toBe(true);
    }
    expect(evidence[0]?.lines.at(-1)).toMatch(/^\d+ more lines not shown$/);
    expect(evidence.at(-1)?.lines.at(-1)).toMatch(/^\d+ more evidence sections not shown$/);
  });

  it('keeps a huge list of facts within budget and says how many were left out', () => {
    const facts = Array.from({ length: 5000 }, (_, i) => ({ label: `tag ${i}`, value: 'v'.repeat(100) }));
    const bounded = boundAlert(buildAlert({ facts }));
    expect(size(bounded)).toBeLessThanOrEqual(ALERT_MAX_BYTES);
    expect(bounded.facts.at(-1)).toEqual({
      label: 'More facts',
      value: `4901 more not shown ${LINKED_MARKER}`,
    });
  });

  it('stays within budget when every string is made of characters JSON escapes six-fold', () => {
    const nasty = '\u0001'.repeat(20_000);
    const facts = Array.from({ length: 100 }, () => ({ label: nasty, value: nasty }));
    const alert = buildAlert({
      title: nasty,
      summary: nasty,
      verdict: nasty,
      facts,
      tags: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`${i}${nasty}`, nasty])),
    });
    expect(size(boundAlert(alert))).toBeLessThanOrEqual(ALERT_MAX_BYTES);
  });

  it('shortens a huge id to a stable prefix-and-hash, and the request key follows it', () => {
    const long = (c: string) => `ct:${c.repeat(10_000)}:rule`;
    const a = boundAlert(buildAlert({ id: long('a') }));
    const again = boundAlert(buildAlert({ id: long('a') }));
    const b = boundAlert(buildAlert({ id: long('b') }));
    expect(a.id.length).toBeLessThanOrEqual(ALERT_ID_MAX);
    expect(a.id).toBe(again.id);
    expect(a.id).not.toBe(b.id);
    const alert = buildAlert({ id: long('a') });
    const request = boundRequest({
      channel: 'slack',
      receiver: 'slack-default',
      key: `${alert.id}/slack-default`,
      alert,
    });
    expect(request.key).toBe(`${a.id}/slack-default`);
  });

  it('replaces lone surrogates in what it cuts', () => {
    const bounded = boundAlert(buildAlert({ summary: `\uD83D${hugeString(300 * 1024)}` }));
    expect(bounded.summary.startsWith('\uFFFD')).toBe(true);
  });
});

describe('handleAlertEvent with a hostile 250 KB user agent', () => {
  it('publishes entries that each fit PutEvents, with requests that still parse', async () => {
    const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
    const event = loadEvent('s3/put-bucket-acl-public-read.json');
    detailOf(event).userAgent = hugeString(250 * 1024, '<!here> \uD800');
    const sent: PutEventsRequestEntry[] = [];
    const outcome = await handleAlertEvent(event, {
      config,
      busName: 'alerts',
      logger: silentLogger,
      putEvents: async (entries) => {
        sent.push(...entries);
        return { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: String(i) })) };
      },
    });
    expect(outcome.status).toBe('published');
    expect(sent.length).toBe(1 + outcome.notifications);
    for (const entry of sent) expect(entrySize(entry)).toBeLessThanOrEqual(PUT_EVENTS_MAX_BYTES);
    for (const entry of sent.slice(1)) {
      const request = NotificationRequestSchema.parse(JSON.parse(entry.Detail ?? ''));
      expect(request.key).toBe(`${request.alert.id}/${request.receiver}`);
      expect(JSON.stringify(request.alert)).toContain('truncated');
    }
  });
});
