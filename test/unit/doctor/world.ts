import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type Output,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  type Rule,
} from '@aws-sdk/client-eventbridge';
import { ListSubscriptionsByTopicCommand, SNSClient, type Subscription } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersCommand,
  type ParameterMetadata,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { DoctorClients } from '../../../shared/doctor/clients.ts';
import { type LocalSetup, readLocalSetup } from '../../../shared/doctor/local.ts';

export const ACCOUNT = '123456789012';
export const NOW = new Date('2026-12-04T12:00:00Z');
export const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

/** A value that must never leave SSM through doctor. */
export const SECRET = 'https://hooks.slack.com/services/T0SECRET/B0SECRET/doctorMustNeverPrintThis';

export const PREFIX = 'cloud-alerts-dev';
export const BUS = `${PREFIX}-alerts`;
export const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:${PREFIX}-alerts`;
export const HOME_BUS_ARN = `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/default`;
export const FORWARDER_RULE = `cloud-alerts-forward-${PREFIX}-iam-changes`;
export const HEARTBEAT_ROLE = `${PREFIX}-eu-west-1-heartbeat`;
const queue = (name: string) => `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/${PREFIX}-${name}`;
export const DLQS: Record<string, string> = {
  EventDeliveryDlq: queue('event-delivery-dlq'),
  AlertDlq: queue('alert-dlq'),
  GroupCloseDlq: queue('group-close-dlq'),
  NotifySlackDlq: queue('notify-slack-dlq'),
  NotifyPagerDutyDlq: queue('notify-pagerduty-dlq'),
  NotifyEmailDlq: queue('notify-email-dlq'),
};
export const ALARMS: Record<string, string> = {
  AlertErrorsAlarm: `${PREFIX}-alert-errors`,
  NotifySlackDlqDepthAlarm: `${PREFIX}-notify-slack-dlq-depth`,
  HeartbeatMissingAlarm: `${PREFIX}-heartbeat-missing`,
};

export function localSetup(overrides: { config?: string; region?: string } = {}): LocalSetup {
  return readLocalSetup({
    serverlessFile: 'serverless.yml',
    configFile: overrides.config ?? 'config/cloud-alerts.yml',
    stage: 'dev',
    region: overrides.region ?? 'eu-west-1',
  });
}

/** A healthy deployment as AWS describes it, editable before the run. */
export interface World {
  local: LocalSetup;
  stackStatus: string;
  created: Date;
  updated: Date;
  outputs: Output[];
  resources: StackResourceSummary[];
  defaultRules: Rule[];
  busRules: Rule[];
  parameters: ParameterMetadata[];
  subscriptions: Subscription[];
  depths: Record<string, [number, number]>;
  alarms: MetricAlarm[];
  heartbeats: Date[];
  east: { stack: boolean; rules: Rule[]; targets: string[] };
}

export function healthyWorld(local: LocalSetup = localSetup()): World {
  if (!local.config.ok) throw new Error(local.config.error);
  const asRule = (r: LocalSetup['rules'][number]): Rule => ({
    Name: r.name,
    State: local.allManagementEventsRules.has(r.name)
      ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'
      : 'ENABLED',
    EventPattern: JSON.stringify(r.pattern),
    ...(r.bus === 'default' ? {} : { EventBusName: BUS }),
  });
  return {
    local,
    stackStatus: 'UPDATE_COMPLETE',
    created: minutesAgo(10 * 24 * 60),
    updated: minutesAgo(90),
    outputs: [{ OutputKey: 'CloudAlertsConfigDigest', OutputValue: local.config.digest }],
    resources: [
      { LogicalResourceId: 'AlertsBus', PhysicalResourceId: BUS, ResourceType: 'AWS::Events::EventBus' },
      { LogicalResourceId: 'AlertsTopic', PhysicalResourceId: TOPIC, ResourceType: 'AWS::SNS::Topic' },
      {
        LogicalResourceId: 'GroupCloseQueue',
        PhysicalResourceId: queue('group-close'),
        ResourceType: 'AWS::SQS::Queue',
      },
      ...Object.entries(DLQS).map(([id, url]) => ({
        LogicalResourceId: id,
        PhysicalResourceId: url,
        ResourceType: 'AWS::SQS::Queue',
      })),
      ...Object.entries(ALARMS).map(([id, name]) => ({
        LogicalResourceId: id,
        PhysicalResourceId: name,
        ResourceType: 'AWS::CloudWatch::Alarm',
      })),
    ].map((r) => ({ ...r, ResourceStatus: 'UPDATE_COMPLETE', LastUpdatedTimestamp: minutesAgo(90) })),
    defaultRules: [
      ...local.rules.filter((r) => r.bus === 'default').map(asRule),
      { Name: `${PREFIX}-heartbeat-schedule`, State: 'ENABLED', ScheduleExpression: 'rate(10 minutes)' },
    ],
    busRules: local.rules.filter((r) => r.bus !== 'default').map(asRule),
    parameters: [
      {
        Name: '/cloud-alerts/dev/slack/default',
        Type: 'SecureString',
        LastModifiedDate: minutesAgo(3 * 24 * 60),
        LastModifiedUser: `arn:aws:iam::${ACCOUNT}:user/alice`,
        Description: SECRET,
      },
      {
        Name: '/cloud-alerts/dev/pagerduty/default',
        Type: 'SecureString',
        LastModifiedDate: minutesAgo(3 * 24 * 60),
        LastModifiedUser: `arn:aws:iam::${ACCOUNT}:user/alice`,
      },
      {
        Name: '/cloud-alerts/dev/heartbeat',
        Type: 'String',
        LastModifiedDate: minutesAgo(5),
        LastModifiedUser: `arn:aws:sts::${ACCOUNT}:assumed-role/${HEARTBEAT_ROLE}/${PREFIX}-heartbeat`,
      },
    ],
    subscriptions: [
      {
        SubscriptionArn: `${TOPIC}:0f1e2d3c-aaaa-4bbb-8ccc-000000000001`,
        Protocol: 'email',
        Endpoint: 'sec@example.com',
      },
    ],
    depths: {},
    alarms: Object.values(ALARMS).map((name) => ({
      AlarmName: name,
      StateValue: 'OK',
      ActionsEnabled: true,
      ...(name.endsWith('heartbeat-missing')
        ? {
            Namespace: 'AWS/Events',
            MetricName: 'Invocations',
            Dimensions: [{ Name: 'RuleName', Value: 'cloud-alerts-dev-heartbeat' }],
          }
        : {}),
    })),
    heartbeats: [minutesAgo(64), minutesAgo(34), minutesAgo(4)],
    east: {
      stack: false,
      rules: [{ Name: FORWARDER_RULE, State: 'ENABLED' }],
      targets: [HOME_BUS_ARN],
    },
  };
}

function missingStack(name: string): Error {
  const err = new Error(`Stack with id ${name} does not exist`);
  err.name = 'ValidationError';
  return err;
}

function mockedClients(region: string) {
  const clients = {
    cloudFormation: new CloudFormationClient({ region }),
    eventBridge: new EventBridgeClient({ region }),
    ssm: new SSMClient({ region }),
    sns: new SNSClient({ region }),
    sqs: new SQSClient({ region }),
    cloudWatch: new CloudWatchClient({ region }),
    logs: new CloudWatchLogsClient({ region }),
    sts: new STSClient({ region }),
  };
  return {
    clients: clients satisfies DoctorClients,
    mocks: {
      cloudFormation: mockClient(clients.cloudFormation),
      eventBridge: mockClient(clients.eventBridge),
      ssm: mockClient(clients.ssm),
      sns: mockClient(clients.sns),
      sqs: mockClient(clients.sqs),
      cloudWatch: mockClient(clients.cloudWatch),
      logs: mockClient(clients.logs),
      sts: mockClient(clients.sts),
    },
  };
}

/** Clients for eu-west-1 and us-east-1 answering as `world` says (read when each call is made). */
export type Mocked = ReturnType<typeof mockedClients>;

export function mockWorld(world: World): {
  home: Mocked;
  east: Mocked;
  clientsFor: (r: string) => DoctorClients;
} {
  const home = mockedClients('eu-west-1');
  const east = mockedClients('us-east-1');
  const h = home.mocks;
  h.cloudFormation.on(DescribeStacksCommand).callsFake(() => ({
    Stacks: [
      {
        StackName: PREFIX,
        StackId: `arn:aws:cloudformation:eu-west-1:${ACCOUNT}:stack/${PREFIX}/5b7a1c20-0000-4000-8000-000000000001`,
        StackStatus: world.stackStatus,
        CreationTime: world.created,
        LastUpdatedTime: world.updated,
        Outputs: world.outputs,
      },
    ],
  }));
  h.cloudFormation
    .on(ListStackResourcesCommand)
    .callsFake(() => ({ StackResourceSummaries: world.resources }));
  h.eventBridge.on(ListRulesCommand).callsFake((input: { EventBusName?: string }) => ({
    Rules: input.EventBusName === BUS ? world.busRules : world.defaultRules,
  }));
  h.ssm
    .on(DescribeParametersCommand)
    .callsFake((input: { ParameterFilters?: Array<{ Values?: string[] }> }) => {
      const names = new Set(input.ParameterFilters?.[0]?.Values ?? []);
      return { Parameters: world.parameters.filter((p) => names.has(p.Name ?? '')) };
    });
  // Were doctor ever to fetch a parameter, this is what it would get: the tests look for it in the output.
  h.ssm.on(GetParameterCommand).resolves({ Parameter: { Name: 'x', Value: SECRET } });
  h.ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: 'x', Value: SECRET }] });
  h.sns.on(ListSubscriptionsByTopicCommand).callsFake(() => ({ Subscriptions: world.subscriptions }));
  h.sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl?: string }) => {
    const [visible, hidden] = world.depths[input.QueueUrl ?? ''] ?? [0, 0];
    return {
      Attributes: {
        ApproximateNumberOfMessages: String(visible),
        ApproximateNumberOfMessagesNotVisible: String(hidden),
      },
    };
  });
  h.cloudWatch.on(DescribeAlarmsCommand).callsFake(() => ({ MetricAlarms: world.alarms }));
  h.cloudWatch.on(GetMetricStatisticsCommand).callsFake(() => ({
    Datapoints: world.heartbeats.map((t) => ({ Timestamp: t, Sum: 1 })),
  }));
  h.sts.on(GetCallerIdentityCommand).resolves({
    Account: ACCOUNT,
    Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/operator/jane`,
  });

  const e = east.mocks;
  e.cloudFormation.on(DescribeStacksCommand).callsFake(() => {
    if (!world.east.stack) throw missingStack(PREFIX);
    return {
      Stacks: [
        {
          StackName: PREFIX,
          StackId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${PREFIX}/5b7a1c20-0000-4000-8000-000000000002`,
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: minutesAgo(1000),
        },
      ],
    };
  });
  e.eventBridge.on(ListRulesCommand).callsFake(() => ({ Rules: world.east.rules }));
  e.eventBridge.on(ListTargetsByRuleCommand).callsFake(() => ({
    Targets: world.east.targets.map((arn, i) => ({ Id: `t${i}`, Arn: arn })),
  }));

  return {
    home,
    east,
    clientsFor: (region) => {
      if (region === 'eu-west-1') return home.clients;
      if (region === 'us-east-1') return east.clients;
      throw new Error(`no clients for ${region}`);
    },
  };
}
