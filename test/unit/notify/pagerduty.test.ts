import type { Severity } from '../../../shared/events/alert.ts';
import {
  PAGERDUTY_EVENT_MAX_BYTES,
  PAGERDUTY_SUMMARY_MAX,
} from '../../../shared/notify/channels/pagerduty/limits.ts';
import {
  type PagerDutyEvent,
  type PagerDutyTriggerEvent,
  pagerDutyDedupKey,
  renderPagerDuty,
} from '../../../shared/notify/channels/pagerduty/render.ts';
import {
  createPagerDutySender,
  PAGERDUTY_EVENTS_URL,
  pagerDutyEventsUrl,
} from '../../../shared/notify/channels/pagerduty/sender.ts';
import { TRUNCATION_MARKER, utf8ByteLength } from '../../../shared/notify/text.ts';
import {
  buildAlert,
  CLOUDTRAIL_EVENT_ID,
  EVENTBRIDGE_EVENT_ID,
  HOSTILE_USER_AGENT,
  HOSTILE_USER_AGENT_INERT,
  hugeString,
  LONE_SURROGATES,
} from './fixtures.ts';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

function trigger(event: PagerDutyEvent): PagerDutyTriggerEvent {
  if (event.event_action !== 'trigger') throw new Error(`expected a trigger, got ${event.event_action}`);
  return event;
}

describe('renderPagerDuty', () => {
  it('renders a firing alert as a trigger event', () => {
    expect(renderPagerDuty(buildAlert(), ROUTING_KEY)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: `cloud-alerts:ct:${CLOUDTRAIL_EVENT_ID}:s3-bucket-acl-public`,
      payload: {
        summary: 'S3 bucket made public: IAM user alice made bucket example-data public with ACL public-read',
        source: 'aws:123456789012:eu-west-1',
        severity: 'critical',
        timestamp: '2026-11-20T09:15:02.000Z',
        component: 'S3 bucket example-data',
        group: 'cloudtrail',
        class: 's3-bucket-acl-public',
        custom_details: {
          facts: {
            'Source IP': '203.0.113.10',
            Client: 'AWS CLI 2.15.0',
            MFA: 'no',
            Event: 's3:PutBucketAcl',
          },
          verdict: 'Public now: anyone on the internet can list the bucket and read its objects.',
          actor: 'IAM user alice (arn:aws:iam::123456789012:user/alice)',
          resource: 'example-data (arn:aws:s3:::example-data)',
          account: 'production (123456789012)',
          region: 'eu-west-1',
          rule: 's3-bucket-acl-public',
          event_id: EVENTBRIDGE_EVENT_ID,
          cloudtrail_event_id: CLOUDTRAIL_EVENT_ID,
        },
      },
      links: [
        {
          href: 'https://s3.console.aws.amazon.com/s3/buckets/example-data?region=eu-west-1',
          text: 'Open bucket',
        },
        {
          href: `https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/events/${CLOUDTRAIL_EVENT_ID}`,
          text: 'CloudTrail event',
        },
      ],
      client: 'cloud-alerts',
    });
  });

  it('renders a resolved alert as a bare resolve reusing the dedup_key', () => {
    const firing = renderPagerDuty(buildAlert(), ROUTING_KEY);
    const resolved = renderPagerDuty(buildAlert({ status: 'resolved' }), ROUTING_KEY);
    expect(resolved).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: firing.dedup_key,
    });
  });

  it.each<[Severity, string]>([
    ['critical', 'critical'],
    ['high', 'error'],
    ['medium', 'warning'],
    ['low', 'info'],
    ['info', 'info'],
  ])('maps severity %s to %s', (severity, expected) => {
    expect(trigger(renderPagerDuty(buildAlert({ severity }), ROUTING_KEY)).payload.severity).toBe(expected);
  });

  it('omits component without a resource and timestamp when the time is not a date', () => {
    const { payload } = trigger(
      renderPagerDuty(buildAlert({ resource: undefined, time: 'yesterday' }), ROUTING_KEY),
    );
    expect(payload).not.toHaveProperty('component');
    expect(payload).not.toHaveProperty('timestamp');
  });

  it('keeps repeated fact labels apart instead of overwriting them', () => {
    const alert = buildAlert({
      facts: [
        { label: 'Grantee', value: 'AllUsers' },
        { label: 'Grantee', value: 'AuthenticatedUsers' },
      ],
    });
    expect(trigger(renderPagerDuty(alert, ROUTING_KEY)).payload.custom_details.facts).toEqual({
      Grantee: 'AllUsers',
      'Grantee (2)': 'AuthenticatedUsers',
    });
  });

  it('flags an attempted call in custom_details', () => {
    const { payload } = trigger(renderPagerDuty(buildAlert({ attempted: true }), ROUTING_KEY));
    expect(payload.custom_details.attempted).toBe(true);
  });

  it('keeps the summary within 1024 characters with a marker and on one line', () => {
    const { payload } = trigger(
      renderPagerDuty(buildAlert({ summary: `line one\nline two ${hugeString()}` }), ROUTING_KEY),
    );
    expect(payload.summary).toHaveLength(PAGERDUTY_SUMMARY_MAX);
    expect(payload.summary.startsWith('S3 bucket made public: line one line two xxx')).toBe(true);
    expect(payload.summary.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('passes hostile text as one inert line: its URL can no longer be clicked', () => {
    const alert = buildAlert({ facts: [{ label: 'User agent', value: `${HOSTILE_USER_AGENT}\r\nx` }] });
    expect(trigger(renderPagerDuty(alert, ROUTING_KEY)).payload.custom_details.facts).toEqual({
      'User agent': `${HOSTILE_USER_AGENT_INERT} • x`,
    });
  });

  it('replaces lone surrogates so the JSON body is valid UTF-8', () => {
    const event = renderPagerDuty(
      buildAlert({ title: LONE_SURROGATES, facts: [{ label: 'Session', value: LONE_SURROGATES }] }),
      ROUTING_KEY,
    );
    expect(JSON.stringify(event)).not.toMatch(/\\ud[89a-f]/i);
    expect(trigger(event).payload.custom_details.facts).toEqual({ Session: 'a\uFFFDb\uFFFDc' });
  });

  it('trims custom_details with a marker to keep the event within 512 KB', () => {
    const huge = hugeString(300 * 1024);
    const alert = buildAlert({
      verdict: huge,
      facts: [
        { label: 'Policy', value: huge },
        { label: 'MFA', value: 'no' },
      ],
    });
    const event = trigger(renderPagerDuty(alert, ROUTING_KEY));
    const size = utf8ByteLength(JSON.stringify(event));
    expect(size).toBeLessThanOrEqual(PAGERDUTY_EVENT_MAX_BYTES);
    expect(size).toBeGreaterThan(PAGERDUTY_EVENT_MAX_BYTES - 1024);
    const details = event.payload.custom_details;
    const facts = details.facts;
    expect(typeof facts === 'object' && facts.MFA).toBe('no');
    const cut = [details.verdict, typeof facts === 'object' ? facts.Policy : undefined];
    expect(cut.some((v) => typeof v === 'string' && v.endsWith(TRUNCATION_MARKER))).toBe(true);
    expect(details.rule).toBe('s3-bucket-acl-public');
  });

  it('counts JSON escaping when measuring the event', () => {
    const quotes = '"'.repeat(400 * 1024);
    const event = trigger(renderPagerDuty(buildAlert({ verdict: quotes }), ROUTING_KEY));
    expect(utf8ByteLength(JSON.stringify(event))).toBeLessThanOrEqual(PAGERDUTY_EVENT_MAX_BYTES);
    expect(String(event.payload.custom_details.verdict).endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('replaces custom_details by a note when thousands of small facts overflow', () => {
    const facts = Array.from({ length: 6000 }, (_, i) => ({ label: `Fact ${i}`, value: 'v'.repeat(100) }));
    const event = trigger(renderPagerDuty(buildAlert({ facts }), ROUTING_KEY));
    expect(utf8ByteLength(JSON.stringify(event))).toBeLessThanOrEqual(PAGERDUTY_EVENT_MAX_BYTES);
    expect(event.payload.custom_details).toEqual({
      truncated: `custom details removed: the event exceeded ${PAGERDUTY_EVENT_MAX_BYTES} bytes ${TRUNCATION_MARKER}`,
    });
    expect(event.links).toHaveLength(2);
  });
});

describe('pagerDutyDedupKey', () => {
  it('keeps a key of up to 255 characters as it is', () => {
    const key = 'k'.repeat(255);
    expect(pagerDutyDedupKey(key)).toBe(key);
  });

  it('turns a longer key into a stable 255-character hash form', () => {
    const long = `cloud-alerts:${'x'.repeat(400)}`;
    const hashed = pagerDutyDedupKey(long);
    expect(hashed).toHaveLength(255);
    expect(hashed).toMatch(/^cloud-alerts:x+:sha256:[0-9a-f]{64}$/);
    expect(pagerDutyDedupKey(long)).toBe(hashed);
    expect(pagerDutyDedupKey(`${long}y`)).not.toBe(hashed);
  });

  it('is used by both the trigger and the resolve', () => {
    const dedupKey = `cloud-alerts:${'z'.repeat(300)}`;
    const firing = renderPagerDuty(buildAlert({ dedupKey }), ROUTING_KEY);
    const resolved = renderPagerDuty(buildAlert({ dedupKey, status: 'resolved' }), ROUTING_KEY);
    expect(firing.dedup_key).toHaveLength(255);
    expect(resolved.dedup_key).toBe(firing.dedup_key);
  });
});

describe('pagerDutyEventsUrl', () => {
  it('is the Events API v2 endpoint when PAGERDUTY_EVENTS_URL is unset or empty', () => {
    expect(pagerDutyEventsUrl({})).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(pagerDutyEventsUrl({ PAGERDUTY_EVENTS_URL: '' })).toBe(PAGERDUTY_EVENTS_URL);
  });

  it('takes any https URL, and plain http to 127.0.0.1 only', () => {
    expect(pagerDutyEventsUrl({ PAGERDUTY_EVENTS_URL: 'https://events.example.net/v2/enqueue' })).toBe(
      'https://events.example.net/v2/enqueue',
    );
    expect(pagerDutyEventsUrl({ PAGERDUTY_EVENTS_URL: 'http://127.0.0.1:8123/v2/enqueue' })).toBe(
      'http://127.0.0.1:8123/v2/enqueue',
    );
  });

  it.each([
    ['http://events.pagerduty.com/v2/enqueue', /must be an https:\/\/ URL/],
    ['http://localhost:8123/v2/enqueue', /must be an https:\/\/ URL/],
    ['http://127.0.0.1.evil.example/v2/enqueue', /must be an https:\/\/ URL/],
    ['ftp://127.0.0.1/v2/enqueue', /must be an https:\/\/ URL/],
    ['events.pagerduty.com/v2/enqueue', /is not a URL/],
    ['https://user:pass@events.example.net/v2/enqueue', /must not carry credentials/],
  ])('refuses %s, naming the variable but not echoing the value', (value, reason) => {
    const error = (() => {
      try {
        return pagerDutyEventsUrl({ PAGERDUTY_EVENTS_URL: value });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(Error);
    const message = error instanceof Error ? error.message : '';
    expect(message).toMatch(/^PAGERDUTY_EVENTS_URL /);
    expect(message).toMatch(reason);
    expect(message).not.toContain(value);
  });
});

describe('createPagerDutySender', () => {
  it('sends to PAGERDUTY_EVENTS_URL when it is set', async () => {
    const saved = process.env.PAGERDUTY_EVENTS_URL;
    process.env.PAGERDUTY_EVENTS_URL = 'http://127.0.0.1:9/v2/enqueue';
    try {
      const urls: string[] = [];
      const sender = createPagerDutySender({
        fetchImpl: async (url) => {
          urls.push(url);
          return new Response('{}', { status: 202 });
        },
      });
      await sender.send(renderPagerDuty(buildAlert(), ROUTING_KEY));
      expect(urls).toEqual(['http://127.0.0.1:9/v2/enqueue']);
    } finally {
      if (saved === undefined) delete process.env.PAGERDUTY_EVENTS_URL;
      else process.env.PAGERDUTY_EVENTS_URL = saved;
    }
  });

  it('fails when it is built with an invalid PAGERDUTY_EVENTS_URL, before any event is sent', () => {
    const saved = process.env.PAGERDUTY_EVENTS_URL;
    process.env.PAGERDUTY_EVENTS_URL = 'http://events.pagerduty.com/v2/enqueue';
    try {
      expect(() => createPagerDutySender()).toThrow(/PAGERDUTY_EVENTS_URL must be an https:\/\/ URL/);
    } finally {
      if (saved === undefined) delete process.env.PAGERDUTY_EVENTS_URL;
      else process.env.PAGERDUTY_EVENTS_URL = saved;
    }
  });

  it('POSTs the event to the Events API v2 and accepts 202', async () => {
    const calls: { url: string; body: unknown }[] = [];
    const sender = createPagerDutySender({
      fetchImpl: async (url, init) => {
        calls.push({ url, body: JSON.parse(String(init.body)) });
        return new Response('{"status":"success","message":"Event processed","dedup_key":"k"}', {
          status: 202,
        });
      },
    });
    const event = renderPagerDuty(buildAlert(), ROUTING_KEY);
    await expect(sender.send(event)).resolves.toBeUndefined();
    expect(calls).toEqual([{ url: PAGERDUTY_EVENTS_URL, body: event }]);
    expect(PAGERDUTY_EVENTS_URL).toBe('https://events.pagerduty.com/v2/enqueue');
  });

  it("reports PagerDuty's message and errors for a 400, without the routing key", async () => {
    const sender = createPagerDutySender({
      fetchImpl: async () =>
        new Response(
          JSON.stringify({
            status: 'invalid event',
            message: 'Event object is invalid',
            errors: [`routing_key ${ROUTING_KEY} is not valid`],
          }),
          { status: 400 },
        ),
    });
    const error = await sender.send(renderPagerDuty(buildAlert(), ROUTING_KEY)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      channel: 'pagerduty',
      retryable: false,
      status: 400,
      message:
        'pagerduty delivery failed: HTTP 400 (Event object is invalid: routing_key [redacted] is not valid), permanent',
    });
  });
});
