import { forwarderTemplate, GLOBAL_SOURCES } from '../../../shared/deploy/forwarder.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { runCli } from '../../helpers/cli.ts';

const rules = readServerlessRules('serverless.yml', { stage: 'prod' });
const alertRules = rules.filter((r) => r.functionKey === 'alert');
const TARGET = 'arn:aws:events:eu-west-1:123456789012:event-bus/default';

type Resource = { Type: string; Properties: Record<string, unknown> };
function resourcesOf(t: Record<string, unknown>): Resource[] {
  return Object.values(t.Resources as Record<string, Resource>);
}

describe('forwarderTemplate', () => {
  it('forwards every alert-function pattern of serverless.yml unchanged for a member account', () => {
    const t = forwarderTemplate(rules, { targetBusArn: TARGET, globalOnly: false });
    const eventRules = resourcesOf(t).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(eventRules.map((r) => r.Properties.EventPattern)).toEqual(alertRules.map((r) => r.pattern));
    for (const r of eventRules) {
      expect(r.Properties.Targets).toEqual([
        {
          Id: 'cloud-alerts',
          Arn: { Ref: 'TargetBusArn' },
          RoleArn: { 'Fn::GetAtt': ['ForwarderRole', 'Arn'] },
        },
      ]);
    }
    expect(t.Parameters).toEqual({
      TargetBusArn: { Type: 'String', Default: TARGET, Description: 'Event bus that runs cloud-alerts' },
    });
  });

  it('gives the forwarding role nothing but PutEvents on the target bus', () => {
    const t = forwarderTemplate(rules, { targetBusArn: TARGET, globalOnly: false });
    const role = resourcesOf(t).find((r) => r.Type === 'AWS::IAM::Role');
    expect(JSON.stringify(role?.Properties.Policies)).toBe(
      JSON.stringify([
        {
          PolicyName: 'put-events-to-target',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: { Ref: 'TargetBusArn' } }],
          },
        },
      ]),
    );
  });

  it('keeps only global-service sources for a us-east-1 forwarder', () => {
    const t = forwarderTemplate(rules, { targetBusArn: TARGET, globalOnly: true });
    const patterns = resourcesOf(t)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .map((r) => r.Properties.EventPattern as { source?: string[] });
    expect(patterns.length).toBeGreaterThan(0);
    for (const p of patterns) {
      expect(p.source?.every((s) => GLOBAL_SOURCES.includes(s))).toBe(true);
    }
    expect(patterns.some((p) => p.source?.includes('aws.iam'))).toBe(true);
    expect(patterns.some((p) => p.source?.includes('aws.s3'))).toBe(false);
  });

  it('sets the all-management-events state on the rules that need read-only calls', () => {
    const name = alertRules[0]?.name ?? '';
    const t = forwarderTemplate(rules, {
      targetBusArn: TARGET,
      globalOnly: false,
      allManagementEventsRules: [name],
    });
    const states = resourcesOf(t)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .map((r) => [String(r.Properties.Name).endsWith(name), r.Properties.State]);
    expect(states).toContainEqual([true, 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']);
    expect(states.filter(([own]) => !own).every(([, state]) => state === 'ENABLED')).toBe(true);
  });

  it('rejects a target that is not an event bus ARN', () => {
    expect(() =>
      forwarderTemplate(rules, { targetBusArn: 'arn:aws:sqs:eu-west-1:123456789012:q', globalOnly: false }),
    ).toThrow(/not an event bus ARN/);
  });
});

describe('cloud-alerts forwarder', () => {
  it('prints the template as JSON', async () => {
    const { code, stdout } = await runCli(['forwarder', '--target-bus', TARGET, '--global-only']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).AWSTemplateFormatVersion).toBe('2010-09-09');
  });

  it('exits 2 without a target bus', async () => {
    const { code, stderr } = await runCli(['forwarder']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--target-bus/);
  });
});
