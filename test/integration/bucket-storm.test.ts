import { loadConfigFile } from '../../shared/config/load.ts';
import { readServerlessRules } from '../../shared/eventbridge/serverless.ts';
import { createReplayer, eventTimeMs, type ReplayResult } from '../../shared/replay/replay.ts';
import { loadEvent } from '../helpers/events.ts';

/**
 * Issue 18's storm: one SSO user makes 600 buckets public in five minutes. Replayed with the
 * configuration as shipped (config/cloud-alerts.yml, nothing added), it must become a handful of
 * notifications per channel that still account for all 600 alerts.
 */
const BUCKETS = 600;
const START = Date.parse('2026-11-16T10:05:48Z');
const SPAN_MS = 5 * 60_000;

function bucketEvent(i: number): Record<string, unknown> {
  const event = loadEvent('s3/put-bucket-acl-grant-allusers.json');
  const time = new Date(START + Math.floor((i * SPAN_MS) / BUCKETS)).toISOString().replace('.000Z', 'Z');
  const detail = event.detail as Record<string, unknown>;
  const request = detail.requestParameters as Record<string, unknown>;
  const n = String(i).padStart(4, '0');
  return {
    ...event,
    id: `storm-${n}-0000-4000-a000-000000000000`,
    time,
    detail: {
      ...detail,
      eventTime: time,
      eventID: `storm-event-${n}`,
      requestID: `storm-request-${n}`,
      requestParameters: { ...request, bucketName: `example-storm-${n}` },
    },
  };
}

describe('600 buckets made public by one SSO user, replayed with the shipped configuration', () => {
  const results: ReplayResult[] = [];
  beforeAll(async () => {
    const replay = createReplayer({
      rules: readServerlessRules('serverless.yml', { stage: 'dev' }),
      config: loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' }),
    });
    for (let i = 0; i < BUCKETS; i++) {
      const event = bucketEvent(i);
      results.push(...(await replay.closeDue(eventTimeMs(event))));
      results.push(await replay(`bucket ${i}`, event));
    }
    results.push(...(await replay.closeDue()));
  });

  const notifications = (channel: string) =>
    results.flatMap((r) => r.notifications).filter((n) => n.channel === channel);

  it('raises one critical alert per bucket, every one a public bucket by the same user', () => {
    const raised = results.filter((r) => r.source.startsWith('bucket '));
    expect(raised).toHaveLength(BUCKETS);
    expect(raised.every((r) => r.error === null)).toBe(true);
    const alerts = raised.flatMap((r) => r.alerts);
    const held = raised.flatMap((r) => r.suppressed);
    expect(alerts.length + held.length).toBe(BUCKETS);
    expect(alerts.every((a) => a.rule === 's3-bucket-acl-public' && a.severity === 'critical')).toBe(true);
    expect(held.every((s) => s.rule === 's3-bucket-acl-public' && s.kind === 'group')).toBe(true);
  });

  it('sends a handful of notifications per channel: the first alert at once, then the summary', () => {
    const sending = results.filter((r) => r.notifications.length > 0);
    expect(sending.map((r) => [r.source, r.alerts.map((a) => a.title)])).toEqual([
      ['bucket 0', ['S3 bucket made public by ACL']],
      [
        'grouping summary (window closed, sent 2026-11-16T10:11:48.000Z)',
        ['599 more alerts by SSO user jane.doe@example.com (AdministratorAccess)'],
      ],
    ]);
    for (const r of sending)
      expect(r.notifications.map((n) => n.channel)).toEqual(['slack', 'pagerduty', 'email']);
    for (const channel of ['slack', 'pagerduty', 'email']) expect(notifications(channel)).toHaveLength(2);
  });

  it('accounts for all 600 in what it sends: each channel gets alerts and summaries whose covers add up to 600', () => {
    const sent = results.flatMap((r) => r.alerts);
    expect(sent.reduce((n, a) => n + (a.covers ?? 1), 0)).toBe(BUCKETS);
    const summaries = sent.filter((a) => a.rule === 'alert-group-summary');
    expect(summaries.length).toBeGreaterThan(0);
    for (const s of summaries) {
      expect(s.severity).toBe('critical');
      expect(s.title).toBe(`${s.covers} more alerts by SSO user jane.doe@example.com (AdministratorAccess)`);
    }
    // Every alert sent reaches each channel once: the counts per channel add up too.
    const perChannel = (channel: string) =>
      results.reduce(
        (n, r) =>
          n +
          r.alerts.reduce((m, a) => m + (a.covers ?? 1), 0) *
            (r.notifications.some((x) => x.channel === channel) ? 1 : 0),
        0,
      );
    for (const channel of ['slack', 'pagerduty', 'email']) expect(perChannel(channel)).toBe(BUCKETS);
  });

  it('is one PagerDuty incident: the opener and every summary share the dedup key', () => {
    const keys = notifications('pagerduty').map((n) => (n.body as { dedup_key: string }).dedup_key);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^cloud-alerts\/group\/group#[0-9a-f]{32}\/\d+$/);
    const events = notifications('pagerduty').map((n) => (n.body as { event_action: string }).event_action);
    expect(events.every((e) => e === 'trigger')).toBe(true);
  });
});
