import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { listFiles } from '../../../shared/replay/load.ts';
import { runCli } from '../../helpers/cli.ts';

interface Line {
  source: string;
  id: string | null;
  detailType: string | null;
  matchedRules: string[];
  alerts: Array<{ rule: string; severity: string; status: string; title: string }>;
  notifications: Array<{ channel: string; receiver: string; body: Record<string, unknown> }>;
  error: string | null;
}

/** What each sample must raise: [rule, severity, status] per alert. */
const EXPECTED: Record<string, Array<[string, string, string]>> = {
  'events/cloudwatch/alarm-insufficient-data.json': [['cloudwatch-alarm', 'low', 'firing']],
  'events/cloudwatch/lambda-errors-alarm.json': [['cloudwatch-alarm', 'high', 'firing']],
  'events/cloudwatch/lambda-errors-ok.json': [['cloudwatch-alarm', 'high', 'resolved']],
  'events/cloudwatch/sqs-queue-depth-alarm.json': [['cloudwatch-alarm', 'high', 'firing']],
  'events/iam/attach-role-policy-admin-denied.json': [['iam-policy-attached', 'high', 'firing']],
  'events/iam/attach-role-policy-readonly.json': [['iam-policy-attached', 'medium', 'firing']],
  'events/iam/attach-user-policy-admin.json': [['iam-policy-attached', 'critical', 'firing']],
  'events/iam/create-access-key-self.json': [['iam-access-key-created', 'medium', 'firing']],
  'events/iam/create-access-key.json': [['iam-access-key-created', 'high', 'firing']],
  'events/iam/create-user-by-root.json': [['iam-user-created', 'medium', 'firing']],
  'events/iam/create-user.json': [['iam-user-created', 'medium', 'firing']],
  'events/iam/list-users.json': [],
  'events/iam/put-role-policy-scoped.json': [['iam-inline-policy-changed', 'high', 'firing']],
  'events/iam/put-user-policy-star.json': [['iam-inline-policy-changed', 'critical', 'firing']],
  'events/s3/delete-bucket-policy.json': [['s3-bucket-policy-changed', 'low', 'firing']],
  'events/s3/delete-bucket-public-access-block.json': [['s3-block-public-access-weakened', 'high', 'firing']],
  'events/s3/get-bucket-acl.json': [],
  'events/s3/put-bucket-acl-authenticated-read.json': [['s3-bucket-acl-public', 'critical', 'firing']],
  'events/s3/put-bucket-acl-grant-allusers.json': [['s3-bucket-acl-public', 'critical', 'firing']],
  'events/s3/put-bucket-acl-log-delivery.json': [['s3-bucket-acl-changed', 'low', 'firing']],
  'events/s3/put-bucket-acl-private.json': [['s3-bucket-acl-changed', 'low', 'firing']],
  'events/s3/put-bucket-acl-public-denied.json': [['s3-bucket-acl-public', 'high', 'firing']],
  'events/s3/put-bucket-acl-public-read.json': [['s3-bucket-acl-public', 'critical', 'firing']],
  'events/s3/put-bucket-policy-cross-account.json': [['s3-bucket-policy-changed', 'medium', 'firing']],
  'events/s3/put-bucket-policy-deny-only.json': [['s3-bucket-policy-changed', 'low', 'firing']],
  'events/s3/put-bucket-policy-org-pinned.json': [['s3-bucket-policy-changed', 'low', 'firing']],
  'events/s3/put-bucket-policy-public-aws-star.json': [['s3-bucket-policy-public', 'critical', 'firing']],
  'events/s3/put-bucket-policy-public.json': [['s3-bucket-policy-public', 'critical', 'firing']],
  'events/s3/put-bucket-policy-source-ip-pinned.json': [['s3-bucket-policy-changed', 'low', 'firing']],
  'events/s3/put-bucket-public-access-block-disabled.json': [
    ['s3-block-public-access-weakened', 'high', 'firing'],
  ],
  'events/s3/put-bucket-public-access-block-enabled.json': [],
};

/** The default config's severity routing. */
const RECEIVERS: Record<string, string[]> = {
  critical: ['slack:slack-default', 'pagerduty:pagerduty-default', 'email:email-default'],
  high: ['slack:slack-default', 'pagerduty:pagerduty-default', 'email:email-default'],
  medium: ['slack:slack-default', 'email:email-default'],
  low: ['slack:slack-default'],
  info: [],
};

describe('cloud-alerts replay events --json', () => {
  let lines: Line[];
  let code: number;
  beforeAll(async () => {
    const out = await runCli(['replay', 'events', '--json']);
    code = out.code;
    lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  });

  it('exits 0 and prints one line per sample event', () => {
    expect(code).toBe(0);
    expect(lines.map((l) => l.source)).toEqual(listFiles('events'));
  });

  it('covers every sample in the expectation table', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(listFiles('events').sort());
  });

  it('prints every documented field on every line', () => {
    for (const l of lines) {
      expect(Object.keys(l).sort()).toEqual([
        'alerts',
        'detailType',
        'error',
        'id',
        'matchedRules',
        'notifications',
        'source',
        'suppressed',
      ]);
      expect(l.error).toBeNull();
    }
  });

  it.each(Object.entries(EXPECTED))('%s raises the expected alerts, routed by severity', (file, expected) => {
    const line = lines.find((l) => l.source === file);
    expect(line?.alerts.map((a) => [a.rule, a.severity, a.status])).toEqual(expected);
    const want = expected.flatMap(([, severity]) => RECEIVERS[severity] ?? []);
    expect(line?.notifications.map((n) => `${n.channel}:${n.receiver}`)).toEqual(want);
  });

  it('shows the exact bodies: Slack blocks, a PagerDuty event with the key masked, an SNS Publish input', () => {
    const line = lines.find((l) => l.source === 'events/s3/put-bucket-acl-public-read.json');
    const [slack, pagerduty, email] = line?.notifications ?? [];
    expect(slack?.body).toMatchObject({
      text: expect.stringMatching(/^<!here> \[CRITICAL\]/),
      blocks: expect.any(Array),
    });
    expect(pagerduty?.body).toMatchObject({
      routing_key: '<routing key from SSM /cloud-alerts/dev/pagerduty/default>',
      event_action: 'trigger',
      payload: {
        severity: 'critical',
        summary: expect.stringContaining('IAM user alice made bucket example-data public'),
      },
    });
    expect(email?.body).toMatchObject({
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-dev-alerts',
      Subject: '[CRITICAL] S3 bucket made public by ACL in example-production (123456789012)',
    });
  });

  it('pairs an alarm trigger and its resolve on one PagerDuty dedup_key', () => {
    const key = (file: string) =>
      lines.find((l) => l.source === file)?.notifications.find((n) => n.channel === 'pagerduty')?.body
        .dedup_key;
    expect(key('events/cloudwatch/lambda-errors-alarm.json')).toEqual(expect.any(String));
    expect(key('events/cloudwatch/lambda-errors-ok.json')).toBe(
      key('events/cloudwatch/lambda-errors-alarm.json'),
    );
  });
});

describe('cloud-alerts replay errors', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-replay-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a malformed file on its own line and goes on, exit 0', async () => {
    writeFileSync(join(dir, 'a-bad.json'), '{not json');
    writeFileSync(
      join(dir, 'b-odd.json'),
      '{"detail-type": "AWS API Call via CloudTrail", "source": "aws.s3"}',
    );
    writeFileSync(join(dir, 'c-text.json'), '"just a string"');
    const { code, stdout } = await runCli(['replay', dir, '--json']);
    const out: Line[] = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(code).toBe(0);
    expect(out.map((l) => [l.source.slice(dir.length + 1), l.error === null])).toEqual([
      ['a-bad.json', false],
      ['b-odd.json', true],
      ['c-text.json', false],
    ]);
    expect(out[0]?.error).toMatch(/^invalid JSON/);
  });

  it('exits 2 for an unreadable path and names it', async () => {
    const { code, stderr } = await runCli(['replay', join(dir, 'missing.json')]);
    expect(code).toBe(2);
    expect(stderr).toContain('missing.json');
  });

  it('exits 2 with usage help when no path is given', async () => {
    const { code, stderr } = await runCli(['replay']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/give at least one file or folder/);
  });

  it('prints a readable report for people by default', async () => {
    const { code, stdout } = await runCli(['replay', 'events/s3/put-bucket-acl-public-read.json']);
    expect(code).toBe(0);
    expect(stdout).toContain('● CRITICAL S3 bucket made public by ACL [s3-bucket-acl-public]');
    expect(stdout).toContain('IAM user alice made bucket example-data public with canned ACL public-read');
    expect(stdout).toContain('→ pagerduty pagerduty-default');
    expect(stdout).toMatch(/1 event\(s\), 1 alert\(s\), 3 notification\(s\), 0 error\(s\) \(dry-run/);
  });
});

const CORPUS = resolve('../shared/corpus');

describe('replay over ../shared/corpus', () => {
  const present = existsSync(CORPUS);

  it(`completes with no crash (${present ? 'corpus present' : 'corpus absent: nothing to replay'})`, async () => {
    const { code, stdout, stderr } = await runCli(present ? ['replay', CORPUS, '--json'] : ['help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    if (present) {
      const out: Line[] = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(out.length).toBeGreaterThan(500);
      // Every crash would surface as an error naming an exception, not an input problem.
      expect(
        out.filter(
          (l) => l.error && !/^(invalid JSON|not an EventBridge event|not a JSON object)/.test(l.error),
        ),
      ).toEqual([]);
    }
  }, 120000);
});
