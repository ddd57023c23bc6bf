/**
 * The notifier of every channel, generated from the channels' deployments instead of written out per
 * channel in serverless.yml and resources/*.yml: its function (handler, role, environment, on-failure
 * destination, flush-queue and alerts-bus events), its dead-letter and flush queues, its role, its
 * alarms and its stack outputs. scripts/serverless-notifiers.cjs hands both halves to osls, so adding
 * a channel needs no template edit. Pure: names are built from the resolved prefix passed in.
 */
import type { ChannelDeploy } from '../notify/channels/types.ts';

/** What the template needs of a channel: the ChannelPlugin fields `name`, `title` and `deploy`. */
export interface NotifierDeployment {
  /** The channel, as receivers and notification requests name it: `notify-<name>`. */
  readonly name: string;
  /** For people ("Slack"): the dead-letter queue alarm says whose notifications it holds. */
  readonly title?: string | undefined;
  readonly deploy: ChannelDeploy;
}

export interface NotifierTemplateOptions {
  /** `${self:custom.prefix}` resolved: `<service>-<stage>`. */
  prefix: string;
  /** resources/lambda-trust.yml: who may assume the notifier roles. */
  assumeRolePolicy: Readonly<Record<string, unknown>>;
}

type Json = Record<string, unknown>;

/** Logical ids of one channel's notifier; `deploy.id` keeps those released. */
export function notifierIds(d: NotifierDeployment) {
  const id = `Notify${d.deploy.id}`;
  return {
    /** serverless.yml function key: osls names the function resource `<Key>LambdaFunction`. */
    functionKey: `notify${d.deploy.id}`,
    errorsAlarm: `${id}ErrorsAlarm`,
    throttlesAlarm: `${id}ThrottlesAlarm`,
    dlqDepthAlarm: `${id}DlqDepthAlarm`,
    role: `${id}Role`,
    dlq: `${id}Dlq`,
    flushQueue: `${id}FlushQueue`,
    /** The environment variable the notifier finds its flush queue by (shared/aws/notifier.ts). */
    flushQueueVariable: `${d.name.toUpperCase()}_FLUSH_QUEUE_URL`,
  };
}

/** The logical ids and the deployed function's name. */
export function notifierNames(d: NotifierDeployment, prefix: string) {
  return { ...notifierIds(d), functionName: `${prefix}-notify-${d.name}` };
}

/** The state-table key prefixes the notifier may touch (IAM dynamodb:LeadingKeys): its own only. */
export function notifierStateKeyPrefixes(d: NotifierDeployment): string[] {
  return [`budget#${d.name}#`, `overflow#${d.name}#`, ...(d.deploy.stateKeyPrefixes ?? [])];
}

function notifierFunction(d: NotifierDeployment, prefix: string): Json {
  const n = notifierNames(d, prefix);
  return {
    name: n.functionName,
    handler: `functions/notify-${d.name}/handler.handler`,
    role: n.role,
    description: d.deploy.description,
    // Retries in the invocation stop 2 s before this, leaving time to dead-letter or throw.
    timeout: 30,
    environment: {
      ...d.deploy.environment,
      DEAD_LETTER_QUEUE_URL: { Ref: n.dlq },
      // Send budgets and overflow tallies (shared/delivery/budget.ts), and the queue their flushes wait on.
      STATE_TABLE_NAME: `${prefix}-state`,
      [n.flushQueueVariable]: { Ref: n.flushQueue },
    },
    destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': [n.dlq, 'Arn'] } } },
    events: [
      // Overflow summaries, due a while after the receiver's first notification over its budget
      // (shared/pipeline/overflow-flush.ts). One at a time: each may wait out a vendor's Retry-After.
      {
        sqs: {
          arn: { 'Fn::GetAtt': [n.flushQueue, 'Arn'] },
          batchSize: 1,
          functionResponseType: 'ReportBatchItemFailures',
        },
      },
      {
        eventBridge: {
          eventBus: { 'Fn::GetAtt': ['AlertsBus', 'Name'] },
          name: `${prefix}-notify-${d.name}`,
          deadLetterQueueArn: { 'Fn::GetAtt': ['EventDeliveryDlq', 'Arn'] },
          pattern: {
            source: ['cloud-alerts'],
            'detail-type': ['Notification Requested'],
            detail: { channel: [d.name] },
          },
        },
      },
    ],
  };
}

/** serverless.yml `functions` entries, one per deployment, keyed `notify<Id>`. */
export function notifierFunctions(
  deployments: readonly NotifierDeployment[],
  options: Pick<NotifierTemplateOptions, 'prefix'>,
): Json {
  assertDistinct(deployments);
  return Object.fromEntries(
    deployments.map((d) => [
      notifierNames(d, options.prefix).functionKey,
      notifierFunction(d, options.prefix),
    ]),
  );
}

function alarm(name: string, description: string, metric: Json): Json {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: name,
      AlarmDescription: description,
      ...metric,
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      // Straight to the topic, not through the pipeline, which may be what is broken.
      AlarmActions: [{ Ref: 'AlertsTopic' }],
      OKActions: [{ Ref: 'AlertsTopic' }],
    },
  };
}

function lambdaMetric(metricName: string, functionName: string): Json {
  return {
    Namespace: 'AWS/Lambda',
    MetricName: metricName,
    Dimensions: [{ Name: 'FunctionName', Value: functionName }],
    Statistic: 'Sum',
  };
}

function notifierResourceEntries(d: NotifierDeployment, options: NotifierTemplateOptions): [string, Json][] {
  const { prefix } = options;
  const n = notifierNames(d, prefix);
  const fn = `notify-${d.name}`;
  return [
    // Overflow summaries (docs/failure-handling.md, "Send budgets"): a receiver's first notification
    // over its send budget puts a message here, delayed by delivery.overflowSummarySeconds. A flush
    // that keeps failing goes to the channel's own dead-letter queue, next to the requests that failed.
    // Visibility is six times the function timeout, as Lambda advises for SQS sources.
    [
      n.flushQueue,
      {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: `${prefix}-${fn}-flush`,
          VisibilityTimeout: 180,
          MessageRetentionPeriod: 345600,
          SqsManagedSseEnabled: true,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [n.dlq, 'Arn'] }, maxReceiveCount: 5 },
        },
      },
    ],
    // On-failure destination: the invocation record (request, error) after Lambda's async retries.
    [
      n.dlq,
      {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: `${prefix}-${fn}-dlq`,
          MessageRetentionPeriod: 1209600,
          SqsManagedSseEnabled: true,
        },
      },
    ],
    [
      n.role,
      {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: options.assumeRolePolicy,
          // What its receivers name (SSM parameters, SNS topics, KMS keys) is added at package time as
          // a policy of its own (scripts/finalize-template.ts).
          Policies: [
            {
              PolicyName: fn,
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                    Resource: {
                      'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${n.functionName}:*`,
                    },
                  },
                  {
                    Effect: 'Allow',
                    Action: [
                      'dynamodb:GetItem',
                      'dynamodb:PutItem',
                      'dynamodb:UpdateItem',
                      'dynamodb:DeleteItem',
                    ],
                    Resource: { 'Fn::GetAtt': ['IdempotencyTable', 'Arn'] },
                  },
                  {
                    Effect: 'Allow',
                    Action: 'sqs:SendMessage',
                    Resource: { 'Fn::GetAtt': [n.dlq, 'Arn'] },
                  },
                  // Send budgets, overflow tallies and what the channel remembers: only its own items.
                  {
                    Effect: 'Allow',
                    Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
                    Resource: { 'Fn::GetAtt': ['StateTable', 'Arn'] },
                    Condition: {
                      'ForAllValues:StringLike': {
                        'dynamodb:LeadingKeys': notifierStateKeyPrefixes(d).map((p) => `${p}*`),
                      },
                    },
                  },
                  // Its flush queue: sends the delayed flush and consumes it (event source mapping).
                  {
                    Effect: 'Allow',
                    Action: [
                      'sqs:SendMessage',
                      'sqs:ReceiveMessage',
                      'sqs:DeleteMessage',
                      'sqs:GetQueueAttributes',
                    ],
                    Resource: { 'Fn::GetAtt': [n.flushQueue, 'Arn'] },
                  },
                ],
              },
            },
          ],
        },
      },
    ],
    [
      n.errorsAlarm,
      alarm(
        `${prefix}-${fn}-errors`,
        `cloud-alerts ${fn} function failed; alerts may be delayed or dead-lettered`,
        lambdaMetric('Errors', n.functionName),
      ),
    ],
    [
      n.throttlesAlarm,
      alarm(
        `${prefix}-${fn}-throttles`,
        `cloud-alerts ${fn} function was throttled`,
        lambdaMetric('Throttles', n.functionName),
      ),
    ],
    [
      n.dlqDepthAlarm,
      alarm(
        `${prefix}-${fn}-dlq-depth`,
        `cloud-alerts dead-letter queue holds notifications for ${d.title ?? d.name} receivers that could not be delivered: see \`cloud-alerts dlq list\``,
        {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [n.dlq, 'QueueName'] } }],
          Statistic: 'Maximum',
        },
      ),
    ],
  ];
}

/** serverless.yml `resources` entry: each notifier's queues, role and alarms, and its stack outputs. */
export function notifierResources(
  deployments: readonly NotifierDeployment[],
  options: NotifierTemplateOptions,
): { Resources: Json; Outputs: Json } {
  assertDistinct(deployments);
  const Resources: Json = {};
  const Outputs: Json = {};
  for (const d of deployments) {
    for (const [id, resource] of notifierResourceEntries(d, options)) Resources[id] = resource;
    const n = notifierNames(d, options.prefix);
    // `cloud-alerts dlq` reads the queue; a flush message found there is moved back to the flush queue.
    Outputs[`${n.dlq}Url`] = { Value: { Ref: n.dlq } };
    Outputs[`${n.flushQueue}Arn`] = { Value: { 'Fn::GetAtt': [n.flushQueue, 'Arn'] } };
  }
  return { Resources, Outputs };
}

/** A PascalCase id: it becomes part of CloudFormation logical ids, which allow letters and digits only. */
const DEPLOY_ID = /^[A-Z][A-Za-z0-9]*$/;
/** The channel in function, queue, alarm and rule names and in the `<NAME>_FLUSH_QUEUE_URL` variable. */
const CHANNEL_NAME = /^[a-z][a-z0-9]*$/;

/** Two channels of one id or name would silently overwrite each other's resources. */
function assertDistinct(deployments: readonly NotifierDeployment[]): void {
  const seen = new Set<string>();
  for (const d of deployments) {
    if (!CHANNEL_NAME.test(d.name))
      throw new Error(`channel name "${d.name}" is not lower-case letters and digits`);
    if (!DEPLOY_ID.test(d.deploy.id))
      throw new Error(`channel ${d.name}: deploy.id "${d.deploy.id}" is not PascalCase letters and digits`);
    for (const key of [`name:${d.name}`, `id:${d.deploy.id.toLowerCase()}`]) {
      if (seen.has(key)) throw new Error(`two channels share the ${key.replace(':', ' ')}`);
      seen.add(key);
    }
  }
}
