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

/**
 * A Lambda errors alarm as the evidence builders (shared/evidence) fill it: the metric with its
 * sparkline and legend, the top errors from the function's log group, and who changed it lately.
 */
export function lambdaErrorsAlert(overrides: Partial<Alert> = {}): Alert {
  return buildAlert({
    id: 'alarm:checkout-errors:2026-11-20T10:02:00Z',
    ruleId: 'cloudwatch-alarm',
    title: 'Alarm checkout-errors',
    severity: 'high',
    kind: 'alarm',
    summary: 'Alarm checkout-errors went to ALARM: Errors ≥ 5 for 1 minute',
    verdict: 'Threshold crossed: 12 errors in the last minute (threshold 5).',
    time: '2026-11-20T10:02:00Z',
    actor: undefined,
    resource: {
      type: 'Lambda function',
      name: 'checkout',
      arn: 'arn:aws:lambda:eu-west-1:123456789012:function:checkout',
    },
    cloudTrailEventId: undefined,
    facts: [
      { label: 'Metric', value: 'AWS/Lambda Errors (FunctionName=checkout)' },
      { label: 'Threshold', value: 'Sum ≥ 5 for 1 of 1 minute' },
    ],
    links: [
      {
        text: 'Open alarm',
        url: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-errors',
      },
    ],
    dedupKey: 'cloud-alerts:alarm:123456789012:eu-west-1:checkout-errors',
    evidence: [
      {
        kind: 'metric',
        title: 'Errors (Sum per minute), 09:55–10:02 UTC',
        chart: '▁▁▂▁▁▅▇█',
        lines: [
          'Threshold 5 (Sum ≥ 5); breaching: the last 3 minutes',
          'Last 12 Count at 10:02, lowest 0, highest 12',
        ],
      },
      {
        kind: 'logs',
        title: 'Top errors in /aws/lambda/checkout, 09:50–10:02 UTC',
        lines: [
          "9× TypeError: Cannot read properties of undefined (reading 'id') (first 09:58:11)",
          '2× Error: connect ETIMEDOUT 10.0.3.7:5432 (first 09:59:40)',
          '1× Task timed out after 3.00 seconds (first 10:01:02)',
        ],
      },
      {
        kind: 'history',
        title: 'Changes to checkout in the last day',
        lines: ['Code updated 12 minutes ago by role deploy (session ci-42)'],
      },
    ],
    ...overrides,
  });
}
