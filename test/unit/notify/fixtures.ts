import type { Alert } from '../../../shared/events/alert.ts';

export const CLOUDTRAIL_EVENT_ID = '1f0e6c4a-2b7d-4e59-9a1c-3d8f5e2b7a90';
export const EVENTBRIDGE_EVENT_ID = 'b1f0c2d3-4e5f-6a7b-8c9d-0e1f2a3b4c5d';

/** A fresh S3-exposure alert per call, so a test can mutate it without leaking into the next one. */
export function buildAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: `ct:${CLOUDTRAIL_EVENT_ID}:s3-bucket-acl-public`,
    ruleId: 's3-bucket-acl-public',
    title: 'S3 bucket made public',
    severity: 'critical',
    status: 'firing',
    kind: 'cloudtrail',
    summary: 'IAM user alice made bucket example-data public with ACL public-read',
    verdict: 'Public now: anyone on the internet can list the bucket and read its objects.',
    account: { id: '123456789012', alias: 'production' },
    region: 'eu-west-1',
    time: '2026-11-20T09:15:02Z',
    actor: {
      kind: 'iam-user',
      display: 'IAM user alice',
      name: 'alice',
      arn: 'arn:aws:iam::123456789012:user/alice',
      accountId: '123456789012',
      crossAccount: false,
    },
    resource: { type: 'S3 bucket', name: 'example-data', arn: 'arn:aws:s3:::example-data' },
    facts: [
      { label: 'Source IP', value: '203.0.113.10' },
      { label: 'Client', value: 'AWS CLI 2.15.0' },
      { label: 'MFA', value: 'no' },
      { label: 'Event', value: 's3:PutBucketAcl' },
    ],
    links: [
      {
        text: 'Open bucket',
        url: 'https://s3.console.aws.amazon.com/s3/buckets/example-data?region=eu-west-1',
      },
      {
        text: 'CloudTrail event',
        url: `https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/events/${CLOUDTRAIL_EVENT_ID}`,
      },
    ],
    dedupKey: `cloud-alerts:ct:${CLOUDTRAIL_EVENT_ID}:s3-bucket-acl-public`,
    eventId: EVENTBRIDGE_EVENT_ID,
    cloudTrailEventId: CLOUDTRAIL_EVENT_ID,
    ...overrides,
  };
}

/** What an attacker controls: a user agent recorded by CloudTrail. */
export const HOSTILE_USER_AGENT = '<!channel> <https://evil.example|Click here>';
/** As every channel shows it: one line, its URL no longer a link; Slack also escapes `<`, `>`. */
export const HOSTILE_USER_AGENT_INERT = '<!channel> <https[:]//evil.example|Click here>';
export const HOSTILE_USER_AGENT_ESCAPED = '&lt;!channel&gt; &lt;https[:]//evil.example|Click here&gt;';

/** A high surrogate with no partner, then a low one with no partner. */
export const LONE_SURROGATES = 'a\uD83Db\uDE00c';

export function hugeString(bytes = 250 * 1024, unit = 'x'): string {
  return unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit, 'utf8')));
}
