import { join } from 'node:path';
import { DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  ListRulesCommand,
  ListTargetsByRuleCommand,
  type Rule,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { GetRolePolicyCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { DescribeParametersCommand } from '@aws-sdk/client-ssm';
import type { AwsClients } from './clients.ts';
import { type PolicyDocument, parseMotoPolicy } from './iam.ts';
import { codeSha256, type DeployedFunction, readFunction } from './lambda.ts';
import { MOTO_ACCOUNT, REGION } from './moto.ts';

/** serverless.yml's function keys: the artifact is `<key>.zip`. */
export const FUNCTION_KEYS = ['alert', 'notifySlack', 'notifyPagerDuty', 'notifyEmail'] as const;
export type FunctionKey = (typeof FUNCTION_KEYS)[number];
export const CHANNELS = ['slack', 'pagerduty', 'email'] as const;
export type ChannelName = (typeof CHANNELS)[number];

const FUNCTION_SUFFIX: Record<FunctionKey, string> = {
  alert: 'alert',
  notifySlack: 'notify-slack',
  notifyPagerDuty: 'notify-pagerduty',
  notifyEmail: 'notify-email',
};

export interface RuleView {
  name: string;
  state: string;
  pattern: unknown;
  targets: Target[];
}

/** What the deploy created, read back from the emulator before the tier changes anything. */
export interface Snapshot {
  functions: Record<FunctionKey, DeployedFunction>;
  /** Each function's role's inline policies, as deployed. */
  policies: Record<FunctionKey, PolicyDocument[]>;
  rules: { default: RuleView[]; alerts: RuleView[] };
  queues: Record<string, { url: string; arn: string; attributes: Record<string, string> }>;
  topic: {
    arn: string;
    attributes: Record<string, string>;
    subscriptions: { protocol: string; endpoint: string }[];
  };
  tables: Record<string, { keys: string[] }>;
  /** SSM parameters present right after the deploy: the stack must create none (no secret in the template). */
  parameters: string[];
  /** Logical id → physical id of every stack resource. */
  resources: Record<string, { type: string; physicalId: string }>;
}

function queueName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

async function readRules(c: AwsClients, bus: string): Promise<RuleView[]> {
  const rules: Rule[] = [];
  let next: string | undefined;
  do {
    const page = await c.events.send(new ListRulesCommand({ EventBusName: bus, NextToken: next }));
    rules.push(...(page.Rules ?? []));
    next = page.NextToken;
  } while (next);
  return Promise.all(
    rules.map(async (r) => ({
      name: r.Name ?? '',
      state: r.State ?? '',
      pattern: r.EventPattern ? JSON.parse(r.EventPattern) : undefined,
      targets:
        (await c.events.send(new ListTargetsByRuleCommand({ Rule: r.Name, EventBusName: bus }))).Targets ??
        [],
    })),
  );
}

export async function readPolicies(
  c: AwsClients,
  roleName: string,
): Promise<{ name: string; document: PolicyDocument }[]> {
  const names = (await c.iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
  return Promise.all(
    names.map(async (name) => {
      const raw = (await c.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name })))
        .PolicyDocument;
      if (!raw) throw new Error(`role ${roleName} policy ${name} has no document`);
      return { name, document: parseMotoPolicy(raw) };
    }),
  );
}

/** One value per function, built in order (an object literal evaluates its members in order). */
export async function perFunction<T>(
  build: (key: FunctionKey) => Promise<T>,
): Promise<Record<FunctionKey, T>> {
  return {
    alert: await build('alert'),
    notifySlack: await build('notifySlack'),
    notifyPagerDuty: await build('notifyPagerDuty'),
    notifyEmail: await build('notifyEmail'),
  };
}

export async function perChannel<T>(
  build: (channel: ChannelName) => Promise<T>,
): Promise<Record<ChannelName, T>> {
  return { slack: await build('slack'), pagerduty: await build('pagerduty'), email: await build('email') };
}

export function roleName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** Reads back what the deploy of `prefix` created, before the tier changes anything. */
export async function readSnapshot(c: AwsClients, prefix: string, packageDir: string): Promise<Snapshot> {
  const functions = await perFunction(async (key) => {
    const fn = await readFunction(c.lambda, `${prefix}-${FUNCTION_SUFFIX[key]}`);
    const zip = join(packageDir, `${key}.zip`);
    if (fn.codeSha256 !== codeSha256(zip)) throw new Error(`${fn.name}: deployed code is not ${zip}`);
    return fn;
  });
  const policies = await perFunction(async (key) =>
    (await readPolicies(c, roleName(functions[key].roleArn))).map((p) => p.document),
  );
  const queues: Snapshot['queues'] = {};
  for (const url of (await c.sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }))).QueueUrls ?? []) {
    const attributes =
      (await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })))
        .Attributes ?? {};
    queues[queueName(url)] = { url, arn: attributes.QueueArn ?? '', attributes };
  }
  const stack = await c.cfn.send(new DescribeStackResourcesCommand({ StackName: prefix }));
  const resources: Snapshot['resources'] = {};
  for (const r of stack.StackResources ?? []) {
    resources[r.LogicalResourceId ?? ''] = {
      type: r.ResourceType ?? '',
      physicalId: r.PhysicalResourceId ?? '',
    };
  }
  const topicArn = `arn:aws:sns:${REGION}:${MOTO_ACCOUNT}:${prefix}-alerts`;
  const topicAttributes =
    (await c.sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes ?? {};
  const subscriptions = (await c.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn })))
    .Subscriptions;
  const tables: Snapshot['tables'] = {};
  for (const name of [`${prefix}-state`, `${prefix}-idempotency`]) {
    const t = (await c.ddb.send(new DescribeTableCommand({ TableName: name }))).Table;
    tables[name] = { keys: (t?.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`) };
  }
  const parameters = ((await c.ssm.send(new DescribeParametersCommand({}))).Parameters ?? []).map(
    (p) => p.Name ?? '',
  );
  return {
    functions,
    policies,
    rules: { default: await readRules(c, 'default'), alerts: await readRules(c, `${prefix}-alerts`) },
    queues,
    topic: {
      arn: topicArn,
      attributes: topicAttributes,
      subscriptions: (subscriptions ?? []).map((s) => ({
        protocol: s.Protocol ?? '',
        endpoint: s.Endpoint ?? '',
      })),
    },
    tables,
    parameters,
    resources,
  };
}
