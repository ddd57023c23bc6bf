import { forwarderTemplate, GLOBAL_SOURCES } from '../../../shared/deploy/forwarder.ts';
import { ownResources, PREFIX_ENV } from '../../../shared/detect/alerting.ts';
import { detectCloudTrail } from '../../../shared/detect/catalog.ts';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';
import { type DeclaredRule, readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { CloudTrailRecordSchema } from '../../../shared/events/cloudtrail.ts';
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

  it('keeps only global-service sources for a us-east-1 forwarder, and the calls on its own rules', () => {
    const t = forwarderTemplate(rules, { targetBusArn: TARGET, globalOnly: true });
    const patterns = resourcesOf(t)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .map((r) => r.Properties.EventPattern as { source?: string[]; detail?: Record<string, unknown> });
    const global = patterns.filter((p) => p.source?.every((s) => GLOBAL_SOURCES.includes(s)));
    const own = patterns.filter((p) => JSON.stringify(p.source) === '["aws.events"]');
    expect(global.length + own.length).toBe(patterns.length);
    expect(global.some((p) => p.source?.includes('aws.iam'))).toBe(true);
    expect(patterns.some((p) => p.source?.includes('aws.s3'))).toBe(false);
    // The alerting feeds' EventBridge branches, and nothing else of them (no Lambda, SQS, SSM…).
    expect(own).toHaveLength(2);
    for (const p of own) expect(JSON.stringify(p.detail)).not.toMatch(/lambda|sqs|ssm|sns|dynamodb/);
  });

  it('widens only any-AWS-source patterns to the global services, not the forged-event detector', () => {
    const t = forwarderTemplate(rules, { targetBusArn: TARGET, globalOnly: true });
    const names = resourcesOf(t)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .map((r) => r.Properties.Name);
    expect(names).toContain('cloud-alerts-prod-root-usage-forward');
    expect(names).toContain('cloud-alerts-prod-unauthorized-calls-forward');
    // Its pattern is "source is not aws.*": read as "any source" it would forward every global event.
    expect(names).not.toContain('cloud-alerts-prod-forged-aws-events-forward');
  });

  it('names each forwarder rule after the rule it copies, keeping the stack prefix', () => {
    const t = forwarderTemplate(rules, { targetBusArn: TARGET, globalOnly: false });
    const names = resourcesOf(t)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .map((r) => r.Properties.Name);
    expect(names).toEqual(alertRules.map((r) => `${r.name}-forward`));
    expect(names.every((n) => String(n).startsWith('cloud-alerts-prod-'))).toBe(true);
  });

  it('refuses a stage that makes a rule name longer than EventBridge allows, instead of cutting it', () => {
    const long = readServerlessRules('serverless.yml', { stage: 'a-stage-name-thirty-chars-long' });
    expect(() => forwarderTemplate(long, { targetBusArn: TARGET, globalOnly: false })).toThrow(
      /^forwarder rule cloud-alerts-a-stage-name-thirty-chars-long-s3-bucket-visibility-forward is 72 characters, over EventBridge's 64: use a shorter stage name$/,
    );
  });

  it('refuses to narrow a pattern that watches both global services and EventBridge calls', () => {
    const mixed: DeclaredRule = {
      name: 'cloud-alerts-prod-mixed',
      functionKey: 'alert',
      handler: 'functions/alert/handler.handler',
      bus: 'default',
      pattern: { source: ['aws.iam', 'aws.events'] },
    };
    expect(() => forwarderTemplate([mixed], { targetBusArn: TARGET, globalOnly: true })).toThrow(
      /cannot be narrowed for a --global-only forwarder: split it in serverless.yml/,
    );
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
      .map((r) => [r.Properties.Name === `${name}-forward`, r.Properties.State]);
    expect(states).toContainEqual([true, 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']);
    expect(states.filter(([own]) => !own).every(([, state]) => state === 'ENABLED')).toBe(true);
  });

  it('rejects a target that is not an event bus ARN', () => {
    expect(() =>
      forwarderTemplate(rules, { targetBusArn: 'arn:aws:sqs:eu-west-1:123456789012:q', globalOnly: false }),
    ).toThrow(/not an event bus ARN/);
  });
});

describe('forwarderTemplate descriptions', () => {
  /** Every Description anywhere in a template (stack, parameters, rules, roles). */
  function descriptions(node: unknown, out: string[] = []): string[] {
    if (Array.isArray(node)) for (const item of node) descriptions(item, out);
    else if (typeof node === 'object' && node !== null)
      for (const [key, value] of Object.entries(node)) {
        if (key === 'Description' && typeof value === 'string') out.push(value);
        else descriptions(value, out);
      }
    return out;
  }
  const reader = {
    principalArn: 'arn:aws:iam::123456789012:role/cloud-alerts-prod-AlertRole-AbC123',
    roleName: 'cloud-alerts-prod-alarm-reader',
  };

  // IAM refuses a role description with a character outside tab, LF, CR and U+0020-U+00FF
  // (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html): a curly apostrophe
  // in the reader's description failed the member deploy (cfn-lint E3031). Plain ASCII everywhere.
  it.each([
    ['global-only', { globalOnly: true }],
    ['member', { globalOnly: false }],
    ['member with alarm reader', { globalOnly: false, alarmReader: reader }],
  ])('writes only ASCII descriptions in the %s template', (_name, opts) => {
    const found = descriptions(forwarderTemplate(rules, { targetBusArn: TARGET, ...opts }));
    expect(found.length).toBeGreaterThan(1);
    expect(found.filter((d) => !/^[\x20-\x7e]*$/.test(d))).toEqual([]);
  });
});

/** A CloudTrail record of an EventBridge call on one rule, as the forwarder's account records it. */
function eventBridgeCall(account: string, region: string, eventName: string, requestParameters: unknown) {
  return {
    version: '0',
    id: '7f3e2d1c-0b9a-4876-8543-210fedcba987',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.events',
    account,
    time: '2026-11-21T09:14:27Z',
    region,
    resources: [],
    detail: {
      eventVersion: '1.10',
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDAX7PMEMBERADMIN001',
        arn: `arn:aws:iam::${account}:user/example-sandbox-admin`,
        accountId: account,
        userName: 'example-sandbox-admin',
      },
      eventTime: '2026-11-21T09:14:27Z',
      eventSource: 'events.amazonaws.com',
      eventName,
      awsRegion: region,
      sourceIPAddress: '203.0.113.96',
      userAgent: 'aws-cli/2.22.4',
      requestParameters,
      responseElements: null,
      eventID: '0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a',
      eventType: 'AwsApiCall',
      recipientAccountId: account,
    },
  };
}

/** Every call that switches a forwarder rule off, or points it elsewhere. */
const SWITCH_OFF: Array<[string, (name: string) => Record<string, unknown>]> = [
  ['DisableRule', (name) => ({ name })],
  ['DeleteRule', (name) => ({ name, force: false })],
  ['PutRule', (name) => ({ name, state: 'ENABLED', eventPattern: '{"source":["aws.nothing"]}' })],
  [
    'PutTargets',
    (rule) => ({
      rule,
      targets: [{ id: 'cloud-alerts', arn: 'arn:aws:events:eu-west-1:444455556666:event-bus/collector' }],
    }),
  ],
  ['RemoveTargets', (rule) => ({ rule, ids: ['cloud-alerts'] })],
];

describe.each([
  ['a member account', false, '210987654321', 'eu-west-1'],
  ['the us-east-1 forwarder of global services', true, '123456789012', 'us-east-1'],
])('switching off a forwarder rule in %s', (_where, globalOnly, account, region) => {
  const forwarders = resourcesOf(forwarderTemplate(rules, { targetBusArn: TARGET, globalOnly }))
    .filter((r) => r.Type === 'AWS::Events::Rule')
    .map((r) => ({ name: String(r.Properties.Name), pattern: compilePattern(r.Properties.EventPattern) }));
  const central = alertRules.map((r) => ({ name: r.name, pattern: compilePattern(r.pattern) }));
  const own = ownResources([], { [PREFIX_ENV]: 'cloud-alerts-prod' });
  const cases = forwarders.flatMap((f) =>
    SWITCH_OFF.map(([call, request]) => [call, f.name, request] as const),
  );

  it.each(cases)(
    '%s on %s is forwarded by another of its rules, fed to the alert function and raised critical',
    (call, name, request) => {
      const event = eventBridgeCall(account, region, call, request(name));
      const forwardedBy = forwarders.filter((f) => f.name !== name && matchPattern(f.pattern, event));
      expect(forwardedBy.length).toBeGreaterThan(0);
      const fed = central.filter((r) => matchPattern(r.pattern, event)).map((r) => r.name);
      expect(fed).toContain('cloud-alerts-prod-alerting-tampering');
      const { findings } = detectCloudTrail(CloudTrailRecordSchema.parse(event.detail), {
        account,
        region,
        own,
      });
      expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([
        ['alerting-eventbridge-tampered', 'critical'],
      ]);
    },
  );
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

  it('exits 2 with the reason when the stage makes rule names too long', async () => {
    const { code, stderr } = await runCli([
      'forwarder',
      '--target-bus',
      TARGET,
      '--stage',
      'a-stage-name-thirty-chars-long',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^forwarder: forwarder rule .* over EventBridge's 64: use a shorter stage name\n$/,
    );
  });

  it('exits 2 without a target bus', async () => {
    const { code, stderr } = await runCli(['forwarder']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--target-bus/);
  });
});
