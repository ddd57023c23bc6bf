import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.ts';
import { loadEvent } from '../../helpers/events.ts';

const MULTI = 'config/examples/multi-team.yml';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe('cloud-alerts config check', () => {
  it('passes the repository config with no warnings', async () => {
    const { code, stdout } = await runCli(['config', 'check']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /config\/cloud-alerts\.yml: valid for stage dev: 3 receiver\(s\), .*; 0 warning\(s\)\n$/,
    );
  });

  it('exits 0 with warnings only, naming the expired entries', async () => {
    const file = write(
      'expired.yml',
      `receivers:
  - name: slack
    slack: { webhookUrlParameter: /x/slack }
route: { receivers: [slack] }
allowList:
  - { reason: old, actor: migrator, expires: 2020-01-01 }
silences:
  - match: { rule: "s3-*" }
    startsAt: 2020-01-01T00:00:00Z
    endsAt: 2020-01-02T00:00:00Z
    comment: done
    createdBy: jane
`,
    );
    const { code, stdout } = await runCli(['config', 'check', '--config', file]);
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 2)).toEqual([
      `warning: ${file}:6:46: allowList[0].expires: expired 2020-01-01; the entry is ignored`,
      `warning: ${file}:10:13: silences[0].endsAt: ended 2020-01-02T00:00:00Z; the silence is ignored`,
    ]);
  });

  it('exits 1 and names the line and field of each error', async () => {
    const file = write(
      'bad.yml',
      `receivers:
  - name: slack
    slack: { webhookUrlParameter: /x/slack }
route:
  receivers: [slack]
  routes:
    - match: { source: guardduty }
      receivers: [pager]
`,
    );
    const { code, stdout } = await runCli(['config', 'check', '--config', file, '--stage', 'prod']);
    expect(code).toBe(1);
    const errors = stdout.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^error: ${file}:7:24: route\\.routes\\[0\\]\\.match\\.source: `));
    expect(stdout).toContain(`${file}: 1 error(s), 0 warning(s)`);
  });

  it('checks the multi-team example', async () => {
    const { code, stdout } = await runCli(['config', 'check', '--config', MULTI]);
    expect(code).toBe(0);
    expect(stdout).toContain('10 receiver(s), 1 allow-list entry, 1 silence(s)');
  });

  it('rejects an unknown subcommand as a usage error', async () => {
    const { code, stderr } = await runCli(['config', 'lint']);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: cloud-alerts config check');
  });
});

describe('cloud-alerts routes test', () => {
  it('prints the receivers an event reaches and the routes that took it', async () => {
    const { code, stdout } = await runCli([
      'routes',
      'test',
      '--event',
      'events/s3/put-bucket-policy-public.json',
      '--config',
      MULTI,
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'events/s3/put-bucket-policy-public.json',
        '  s3-bucket-policy-public critical firing: S3 bucket made public by policy',
        '    matched: route.routes[2].routes[0]',
        '    receivers: slack-security, pagerduty-security, email-security, webhook-siem',
        'receivers: slack-security, pagerduty-security, email-security, webhook-siem',
        '',
      ].join('\n'),
    );
  });

  it('follows continue: an IAM change reaches the audit list and the security routes', async () => {
    const { stdout } = await runCli([
      'routes',
      'test',
      '--event',
      'events/iam/attach-user-policy-admin.json',
      '--config',
      MULTI,
    ]);
    expect(stdout).toContain('    matched: route.routes[1], route.routes[2].routes[0]\n');
    expect(stdout).toContain(
      'receivers: email-audit, slack-security, pagerduty-security, email-security, webhook-siem\n',
    );
  });

  it('says which allow-list entry held an alert back', async () => {
    const { stdout } = await runCli([
      'routes',
      'test',
      '--event',
      'events/s3/put-bucket-policy-org-pinned.json',
      '--config',
      MULTI,
    ]);
    expect(stdout).toBe(
      [
        'events/s3/put-bucket-policy-org-pinned.json',
        '  s3-bucket-policy-changed: suppressed by allow-list: allowList[0]: Terraform CI applies reviewed infrastructure changes (bucket policies, network)',
        'receivers: (none)',
        '',
      ].join('\n'),
    );
  });

  it('routes a staging account to one channel, by account alias', async () => {
    const event = loadEvent('s3/put-bucket-policy-public.json');
    event.account = '111122223333';
    const detail = event.detail;
    if (typeof detail === 'object' && detail !== null)
      Object.assign(detail, { recipientAccountId: '111122223333' });
    const file = write('staging.json', JSON.stringify(event));
    const { stdout } = await runCli(['routes', 'test', '--event', file, '--config', MULTI]);
    expect(stdout).toContain('    matched: route.routes[0]\n');
    expect(stdout).toMatch(/\nreceivers: slack-platform\n$/);
  });

  it('shows a silence holding back an alarm during planned work, with tags from --alarm-tags', async () => {
    const { stdout } = await runCli([
      'routes',
      'test',
      '--event',
      'events/cloudwatch/metric-math-alarm.json',
      '--config',
      MULTI,
      '--alarm-tags',
      'events/alarm-tags.yml',
    ]);
    expect(stdout).toContain(
      'cloudwatch-alarm: suppressed by silence: silences[0] until 2026-11-21T04:00:00Z by jane.doe@example.com: Checkout database failover rehearsal (CHG-2041)',
    );
    expect(stdout).toMatch(/\nreceivers: \(none\)\n$/);
  });

  it('needs --event', async () => {
    const { code, stderr } = await runCli(['routes', 'test']);
    expect(code).toBe(2);
    expect(stderr).toContain('give an event, a log file or a folder');
  });
});
