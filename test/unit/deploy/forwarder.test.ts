import { forwarderTemplate, GLOBAL_SOURCES } from '../../../shared/deploy/forwarder.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { isHeartbeatRule } from '../../../shared/heartbeat/heartbeat.ts';
import { runCli } from '../../helpers/cli.ts';

const rules = readServerlessRules('serverless.yml', { stage: 'prod' });
// All but the heartbeat's, which proves the home account's own trail (shared/heartbeat/heartbeat.ts).
const alertRules = rules.filter((r) => r.functionKey === 'alert' && !isHeartbeatRule(r));
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

describe('forwarderTemplate with an alarm reader', () => {
  const CENTRAL_ROLE = 'arn:aws:iam::123456789012:role/cloud-alerts-prod-AlertRole-AbC123';
  const reader = { principalArn: CENTRAL_ROLE, roleName: 'cloud-alerts-prod-alarm-reader' };
  type Role = Resource & { Condition?: string };

  it('adds a role only the central alert function may assume, made in one region only', () => {
    const t = forwarderTemplate(rules, { targetBusArn: TARGET, globalOnly: false, alarmReader: reader });
    const role = (t.Resources as Record<string, Role>).AlarmReaderRole;
    expect(role?.Type).toBe('AWS::IAM::Role');
    expect(role?.Properties.RoleName).toBe('cloud-alerts-prod-alarm-reader');
    expect(role?.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
          Action: 'sts:AssumeRole',
          Condition: { ArnEquals: { 'aws:PrincipalArn': CENTRAL_ROLE } },
        },
      ],
    });
    // IAM roles are global and a stack set deploys to several regions: one instance creates it.
    expect(role?.Condition).toBe('CreatesAlarmReader');
    expect(t.Conditions).toEqual({
      CreatesAlarmReader: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, { Ref: 'AlarmReaderRegion' }] },
    });
    expect((t.Parameters as Record<string, { Default?: string }>).AlarmReaderRegion?.Default).toBe(
      'eu-west-1',
    );
  });

  it('lets the reader read alarms and their tags, and nothing else', () => {
    const t = forwarderTemplate(rules, { targetBusArn: TARGET, globalOnly: false, alarmReader: reader });
    const role = (t.Resources as Record<string, Role>).AlarmReaderRole;
    const policies = role?.Properties.Policies as Array<{ PolicyDocument: { Statement: unknown[] } }>;
    expect(policies.flatMap((p) => p.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: '*' },
      {
        Effect: 'Allow',
        Action: 'cloudwatch:ListTagsForResource',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:cloudwatch:*:${AWS::AccountId}:alarm:*' },
      },
    ]);
  });

  it('has no reader unless asked for', () => {
    const t = forwarderTemplate(rules, { targetBusArn: TARGET, globalOnly: false });
    expect(resourcesOf(t).filter((r) => r.Type === 'AWS::IAM::Role')).toHaveLength(1);
    expect(t.Conditions).toBeUndefined();
  });

  it('refuses a principal that is not a role of the account that owns the target bus', () => {
    const make = (principalArn: string) => () =>
      forwarderTemplate(rules, {
        targetBusArn: TARGET,
        globalOnly: false,
        alarmReader: { ...reader, principalArn },
      });
    expect(make('arn:aws:iam::999999999999:role/cloud-alerts-prod-AlertRole-AbC123')).toThrow(
      /names a role in aws:999999999999, but the target bus is in aws:123456789012/,
    );
    expect(make('arn:aws:iam::123456789012:user/alice')).toThrow(/central alert function's role ARN/);
    expect(make('arn:aws-cn:iam::123456789012:role/x')).toThrow(
      /in aws-cn:123456789012, but the target bus is in aws:/,
    );
  });

  it('refuses a reader on a --global-only forwarder, which runs in the home account', () => {
    expect(() =>
      forwarderTemplate(rules, { targetBusArn: TARGET, globalOnly: true, alarmReader: reader }),
    ).toThrow(/for member accounts/);
  });
});

describe('cloud-alerts forwarder', () => {
  it('names the alarm reader as serverless.yml does for the stage', async () => {
    const role = 'arn:aws:iam::123456789012:role/cloud-alerts-staging-AlertRole-AbC123';
    const { code, stdout } = await runCli([
      'forwarder',
      '--target-bus',
      TARGET,
      '--stage',
      'staging',
      '--alarm-reader',
      role,
    ]);
    expect(code).toBe(0);
    const t = JSON.parse(stdout) as { Resources: Record<string, Resource> };
    expect(t.Resources.AlarmReaderRole?.Properties.RoleName).toBe('cloud-alerts-staging-alarm-reader');
  });

  it('exits 2 with the reason when the alarm reader is not a role ARN', async () => {
    const { code, stderr } = await runCli(['forwarder', '--target-bus', TARGET, '--alarm-reader', 'alice']);
    expect(code).toBe(2);
    expect(stderr).toBe("forwarder: --alarm-reader wants the central alert function's role ARN: alice\n");
  });

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
