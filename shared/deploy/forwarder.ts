import { FORWARDER_SUFFIX } from '../detect/alerting-common.ts';
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

/** No source filter, or `[{prefix: "aws."}]` (root-usage, unauthorized-calls): every AWS service. */
function anyAwsSource(source: unknown): boolean {
  if (source === undefined) return true;
  return (
    Array.isArray(source) &&
    source.length > 0 &&
    source.every((s) => isRecord(s) && Object.keys(s).length === 1 && s.prefix === 'aws.')
  );
}

const EVENTBRIDGE_SOURCE = 'aws.events';
const EVENTBRIDGE_CALLS = 'events.amazonaws.com';

/**
 * The branches of a pattern that watch EventBridge's own calls (the alerting-* feeds: DisableRule,
 * PutTargets… on rules named with the stack's prefix). They are recorded in the region of the rule
 * they change, so a us-east-1 forwarder keeps them: otherwise switching off a forwarder rule there,
 * which carries every IAM and sign-in event, would be seen by nobody.
 */
function eventBridgeBranches(pattern: Record<string, unknown>): Record<string, unknown> | undefined {
  const detail = pattern.detail;
  if (!sourcesOf(pattern)?.includes(EVENTBRIDGE_SOURCE) || !isRecord(detail)) return undefined;
  const { $or: alternatives, ...rest } = detail;
  const branches = (Array.isArray(alternatives) ? alternatives : [detail]).filter(
    (b) => isRecord(b) && Array.isArray(b.eventSource) && b.eventSource.includes(EVENTBRIDGE_CALLS),
  );
  const [only] = branches;
  if (!only) return undefined;
  return {
    ...pattern,
    source: [EVENTBRIDGE_SOURCE],
    detail: branches.length === 1 ? { ...rest, ...only } : { ...rest, $or: branches },
  };
}

/**
 * The pattern narrowed to global services, or for a pattern about EventBridge's own calls its
 * EventBridge branches; undefined when it can match neither.
 */
function globalPattern(pattern: unknown): Record<string, unknown> | undefined {
  if (!isRecord(pattern)) return undefined;
  if (anyAwsSource(pattern.source)) return { ...pattern, source: GLOBAL_SOURCES };
  const sources = sourcesOf(pattern);
  // Other source matchers (forged-aws-events' anything-but aws.) match no global service.
  if (!sources) return undefined;
  const kept = sources.filter((s) => GLOBAL_SOURCES.includes(s));
  if (kept.length > 0 && !sources.includes(EVENTBRIDGE_SOURCE)) return { ...pattern, source: kept };
  if (kept.length > 0)
    throw new Error(
      'a pattern that watches both global services and EventBridge calls cannot be narrowed for a --global-only forwarder: split it in serverless.yml',
    );
  return eventBridgeBranches(pattern);
}

/**
 * EventBridge rule names are at most 64 characters of [.-_A-Za-z0-9].
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
 */
const RULE_NAME_MAX = 64;

/**
 * The forwarder rule's name: the rule of serverless.yml it copies, plus FORWARDER_SUFFIX, so it
 * keeps the stack's prefix and the alerting-* feeds (and the detection) recognise it as ours. Never
 * cut short: two cut names could collide, and a cut one would lose the suffix that says what it is.
 */
function forwarderRuleName(declared: string): string {
  const name = `${declared}${FORWARDER_SUFFIX}`;
  if (name.length > RULE_NAME_MAX)
    throw new Error(
      `forwarder rule ${name} is ${name.length} characters, over EventBridge's ${RULE_NAME_MAX}: use a shorter stage name`,
    );
  return name;
}

function logicalId(name: string): string {
  return `Forward${name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}`;
}

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
        // ASCII: IAM refuses a description outside U+0009, U+000A, U+000D and U+0020-U+00FF, so a
        // curly apostrophe fails the deploy (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
        Description:
          "cloud-alerts: lets the central alert function read this account's alarms and their tags",
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

/**
 * A plain CloudFormation template (deployable as a StackSet) with one rule per alert-function
 * pattern of serverless.yml, each forwarding matching events to the target bus with a role that
 * may only PutEvents there. Built from the same patterns, so forwarders never drift from the rules.
 * Those include the alerting-* feeds, whose EventBridge branches match the forwarder's own rule
 * names: disabling, deleting or re-targeting one forwarder rule is forwarded by another, in a
 * member account and in a us-east-1 forwarder alike.
 */
export function forwarderTemplate(rules: DeclaredRule[], opts: ForwarderOptions): Record<string, unknown> {
  const bus = BUS_ARN.exec(opts.targetBusArn);
  if (!bus) throw new Error(`not an event bus ARN: ${opts.targetBusArn}`);
  if (opts.alarmReader && opts.globalOnly)
    throw new Error(
      '--alarm-reader is for member accounts; a --global-only forwarder runs in the home account',
    );
  const reader = opts.alarmReader ? alarmReaderResources(opts.alarmReader, bus) : undefined;
  const readOnly = new Set(opts.allManagementEventsRules ?? []);
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
        Name: forwarderRuleName(rule.name),
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
      ? 'cloud-alerts: forward global-service events (IAM, STS, CloudFront and others) from us-east-1 to the home region'
      : "cloud-alerts: forward this account's alert-worthy events to the central cloud-alerts account",
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
