import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-config-check-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Nine levels of nine aliases: about 600 bytes that would expand to 9^9 strings. */
function billionLaughs(): string {
  const levels = 'abcdefghi'.split('');
  const lines = levels.map((name, i) => {
    const prev = levels[i - 1];
    return `${name}: &${name} [${Array(9)
      .fill(prev ? `*${prev}` : '"lol"')
      .join(', ')}]`;
  });
  return `${lines.join('\n')}\nreceivers:\n  - name: slack\n    slack: { webhookUrlParameter: /x/slack }\nroute: { receivers: [slack] }\nextra: *i\n`;
}

describe('cloud-alerts config check: a YAML alias bomb', () => {
  it('prints one error line naming the file and the alias position, exits 1, no stack trace', async () => {
    const file = join(dir, 'bomb.yml');
    writeFileSync(file, billionLaughs());
    const { code, stdout, stderr } = await runCli(['config', 'check', '--config', file]);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toEqual([
      `error: ${file}:5:8: alias *d: aliases expand the file past 10000 nodes (nested anchors multiply); write the values out`,
      `${file}: 1 error(s), 0 warning(s)`,
      '',
    ]);
    expect(stdout).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });
});

describe('cloud-alerts config check: allow-list actors', () => {
  it('warns, exit 0, about a leading-wildcard actor on an entry that holds back a critical rule', async () => {
    const file = join(dir, 'wild.yml');
    writeFileSync(
      file,
      `receivers:
  - name: slack
    slack: { webhookUrlParameter: /x/slack }
route: { receivers: [slack] }
allowList:
  - reason: Terraform CI
    actor: "*terraform-ci*"
    rule: s3-bucket-policy-public
`,
    );
    const { code, stdout } = await runCli(['config', 'check', '--config', file]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe(
      `warning: ${file}:7:12: allowList[0].actor: "*terraform-ci*" starts with a wildcard, so it also matches roles and users you did not mean (any name ending that way; an ARN in any account), and the entry holds back critical rule(s) s3-bucket-policy-public; name the role, or its full ARN`,
    );
    expect(stdout).toMatch(/1 allow-list entry, 0 silence\(s\); 1 warning\(s\)\n$/);
  });
});

describe('cloud-alerts config check --region', () => {
  it('accepts config/examples/multi-team.yml for eu-west-1, where its audit topic is', async () => {
    const { code, stdout } = await runCli([
      'config',
      'check',
      '--config',
      'config/examples/multi-team.yml',
      '--region',
      'eu-west-1',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/multi-team\.yml: valid for stage dev in eu-west-1: 10 receiver\(s\)/);
  });

  it('refuses it for us-east-1, naming the receiver and its topic, as serverless package would', async () => {
    const { code, stdout } = await runCli([
      'config',
      'check',
      '--config',
      'config/examples/multi-team.yml',
      '--region',
      'us-east-1',
    ]);
    expect(code).toBe(1);
    expect(stdout.split('\n')).toEqual([
      'error: config/examples/multi-team.yml:50:17: receivers[9].email.topicArn: receiver email-audit: the topic is in eu-west-1, but notify-email publishes in us-east-1 and SNS publishes only to topics of its own region; create the topic in us-east-1, or deploy the stack to eu-west-1',
      'config/examples/multi-team.yml: 1 error(s), 0 warning(s)',
      '',
    ]);
  });
});
