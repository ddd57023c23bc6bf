import { isRecord } from '../detect/values.ts';
import type { DeclaredRule } from '../eventbridge/serverless.ts';
import { isHeartbeatRule } from '../heartbeat/heartbeat.ts';

/**
 * Services whose CloudTrail events are recorded in us-east-1 only (global endpoints).
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html — IAM, STS global
 * endpoint, CloudFront; Organizations, Route 53 and console sign-in also arrive there.
 */
export const GLOBAL_SOURCES = [
  'aws.iam',
  'aws.sts',
  'aws.cloudfront',
  'aws.organizations',
  'aws.route53',
  'aws.signin',
];

export interface ForwarderOptions {
  /** ARN of the event bus to forward to (the home region's or the central account's default bus). */
  targetBusArn: string;
  /** Only events of global services (for a us-east-1 forwarder in the home account). */
  globalOnly: boolean;
  /** Rule names (as declared) that must also receive read-only management events. */
  allManagementEventsRules?: string[];
  /** Prefix for the rules' names, so several forwarders can coexist. */
  namePrefix?: string;
  /**
   * Adds a role the central alert function may assume to read this account's alarms (description,
   * threshold, evaluation window, tags), so alerts on member alarms carry the same context as alerts
   * on the central account's own. Member accounts only.
   */
  alarmReader?: AlarmReaderOptions;
}

export interface AlarmReaderOptions {
  /** The central stack's alert function role (its output AlertRoleArn): the only one trusted. */
  principalArn: string;
  /** The role's name, which the central stack assumes in each account (custom.cloudAlerts.alarmReaderRole). */
  roleName: string;
}

const BUS_ARN = /^arn:(aws[a-z-]*):events:([a-z0-9-]+):(\d{12}):event-bus\/[\w.\-/]+$/;
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@\-/]+$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

function sourcesOf(pattern: Record<string, unknown>): string[] | undefined {
  const src = pattern.source;
  return Array.isArray(src) && src.every((s): s is string => typeof s === 'string') ? src : undefined;
}

/** The pattern narrowed to global services, or undefined when it cannot match any of them. */
function globalPattern(pattern: unknown): Record<string, unknown> | undefined {
  if (!isRecord(pattern)) return undefined;
  const sources = sourcesOf(pattern);
  if (!sources) return { ...pattern, source: GLOBAL_SOURCES };
  const kept = sources.filter((s) => GLOBAL_SOURCES.includes(s));
  return kept.length > 0 ? { ...pattern, source: kept } : undefined;
}

function logicalId(name: string): string {
  return `Forward${name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}`;
}

/**
 * A plain CloudFormation template (deployable as a StackSet) with one rule per alert-function
 * pattern of serverless.yml, each forwarding matching events to the target bus with a role that
 * may only PutEvents there. Built from the same patterns, so forwarders never drift from the rules.
 */
/**
 * The reader role, created by the stack instance of one region only (IAM roles are global, and a
 * stack set deploys the template to several regions of each account). It trusts the central
 * account only for the alert function's role, and may read alarms in every region of this account.
 */
function alarmReaderResources(reader: AlarmReaderOptions, bus: RegExpExecArray) {
  const role = ROLE_ARN.exec(reader.principalArn);
  if (!role)
    throw new Error(`--alarm-reader wants the central alert function's role ARN: ${reader.principalArn}`);
  const [, partition, account] = role;
  if (partition !== bus[1] || account !== bus[3])
    throw new Error(
      `--alarm-reader names a role in ${partition}:${account}, but the target bus is in ${bus[1]}:${bus[3]}: give the role of the stack that owns the bus`,
    );
  if (!ROLE_NAME.test(reader.roleName)) throw new Error(`not an IAM role name: ${reader.roleName}`);
  return {
    parameter: {
      AlarmReaderRegion: {
        Type: 'String',
        Default: bus[2],
        Description:
          'The one region whose stack instance creates the alarm reader role (IAM roles are global)',
      },
    },
    condition: {
      CreatesAlarmReader: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, { Ref: 'AlarmReaderRegion' }] },
    },
    resource: {
      Type: 'AWS::IAM::Role',
      Condition: 'CreatesAlarmReader',
      Properties: {
        RoleName: reader.roleName,
        Description:
          'cloud-alerts: lets the central alert function read this account’s alarms and their tags',
        MaxSessionDuration: 3600,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:${partition}:iam::${account}:root` },
              Action: 'sts:AssumeRole',
              Condition: { ArnEquals: { 'aws:PrincipalArn': reader.principalArn } },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'read-alarms',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                // Composite alarms are returned only to a DescribeAlarms permission scoped to "*".
                { Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: '*' },
                {
                  Effect: 'Allow',
                  Action: 'cloudwatch:ListTagsForResource',
                  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
                  Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:cloudwatch:*:${AWS::AccountId}:alarm:*' },
                },
              ],
            },
          },
        ],
      },
    },
  };
}

export function forwarderTemplate(rules: DeclaredRule[], opts: ForwarderOptions): Record<string, unknown> {
  const bus = BUS_ARN.exec(opts.targetBusArn);
  if (!bus) throw new Error(`not an event bus ARN: ${opts.targetBusArn}`);
  if (opts.alarmReader && opts.globalOnly)
    throw new Error(
      '--alarm-reader is for member accounts; a --global-only forwarder runs in the home account',
    );
  const reader = opts.alarmReader ? alarmReaderResources(opts.alarmReader, bus) : undefined;
  const readOnly = new Set(opts.allManagementEventsRules ?? []);
  const prefix = opts.namePrefix ?? 'cloud-alerts-forward';
  const resources: Record<string, unknown> = {
    ForwarderRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        },
        Policies: [
          {
            PolicyName: 'put-events-to-target',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: { Ref: 'TargetBusArn' } }],
            },
          },
        ],
      },
    },
  };
  // The heartbeat proves this account's own trail: no other account's copy belongs on the bus.
  const entry = rules.filter(
    (r) => r.bus === 'default' && r.handler.startsWith('functions/alert/') && !isHeartbeatRule(r),
  );
  for (const rule of entry) {
    const pattern = opts.globalOnly ? globalPattern(rule.pattern) : rule.pattern;
    if (!pattern) continue;
    resources[logicalId(rule.name)] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: `${prefix}-${rule.name}`.slice(0, 64),
        Description: `Forwards what ${rule.name} matches to the cloud-alerts bus`,
        EventPattern: pattern,
        State: readOnly.has(rule.name) ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED',
        Targets: [
          {
            Id: 'cloud-alerts',
            Arn: { Ref: 'TargetBusArn' },
            RoleArn: { 'Fn::GetAtt': ['ForwarderRole', 'Arn'] },
          },
        ],
      },
    };
  }
  if (reader) resources.AlarmReaderRole = reader.resource;
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: opts.globalOnly
      ? 'cloud-alerts: forward global-service events (IAM, STS, CloudFront…) from us-east-1 to the home region'
      : 'cloud-alerts: forward this account’s alert-worthy events to the central cloud-alerts account',
    Parameters: {
      TargetBusArn: {
        Type: 'String',
        Default: opts.targetBusArn,
        Description: 'Event bus that runs cloud-alerts',
      },
      ...reader?.parameter,
    },
    ...(reader ? { Conditions: reader.condition } : {}),
    Resources: resources,
  };
}
