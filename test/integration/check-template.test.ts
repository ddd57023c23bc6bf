import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * scripts/check-template.ts on the dev package as `serverless package` writes it, and on copies widened
 * the ways a reviewer found it blind to: a managed policy on a role, a policy resource of its own.
 */
const dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-check-template-'));
const template = join(dir, 'cloudformation-template-update-stack.json');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(file: string) {
  return spawnSync(process.execPath, ['bin/run-ts.js', 'scripts/check-template.ts', file, 'dev'], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
}

function widened(edit: (resources: Record<string, Record<string, unknown>>) => void): string {
  const t = JSON.parse(readFileSync(template, 'utf8'));
  edit(t.Resources);
  const file = join(dir, `widened-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(t));
  return file;
}

beforeAll(() => {
  const pkg = spawnSync(
    process.execPath,
    [resolve('node_modules/.bin/serverless'), 'package', '--stage', 'dev', '--package', dir],
    { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  if (pkg.status !== 0) throw new Error(`serverless package failed: ${pkg.stderr}${pkg.stdout}`);
}, 120_000);

describe('scripts/check-template.ts', () => {
  it('passes the template as packaged', () => {
    expect(check(template).status).toBe(0);
  }, 60_000);

  it('fails a role with a managed policy attached', () => {
    const file = widened((r) => {
      const role = r.NotifyEmailRole as { Properties: Record<string, unknown> };
      role.Properties.ManagedPolicyArns = ['arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess'];
    });
    const run = check(file);
    expect(run.status).toBe(1);
    expect(run.stdout + run.stderr).toContain('NotifyEmailRole has no managed policy attached');
  }, 60_000);

  it('fails a policy resource that grants a role more on the side', () => {
    const file = widened((r) => {
      r.Sneaky = {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'sneaky',
          Roles: [{ Ref: 'NotifySlackRole' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter*', Resource: '*' }],
          },
        },
      };
    });
    const run = check(file);
    expect(run.status).toBe(1);
    expect(run.stdout + run.stderr).toContain('no AWS::IAM::Policy resource');
  }, 60_000);
});
