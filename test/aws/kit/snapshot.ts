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
import { NOTIFIER_DEPLOYMENTS, type NotifierChannelName } from '../../../shared/deploy/deployments.ts';
import { notifierIds } from '../../../shared/deploy/notifiers.ts';
import type { AwsClients } from './clients.ts';
import { type PolicyDocument, parseMotoPolicy } from './iam.ts';
import { codeSha256, type DeployedFunction, readFunction } from './lambda.ts';
import { MOTO_ACCOUNT, REGION } from './moto.ts';

/**
 * serverless.yml's function keys: the artifact is `<key>.zip`. A notifier's is `notify<deploy.id>`;
 * the tests address today's three by name, and iterate every channel's (FUNCTION_KEYS).
 */
export type FunctionKey = 'alert' | `notify${string}`;
type NamedFunctionKey = 'alert' | 'notifySlack' | 'notifyPagerDuty' | 'notifyEmail';
/** A value per function: today's by name, any channel's by its key (ofFunction). */
export type PerFunction<T> = Record<NamedFunctionKey, T> & Record<FunctionKey, T>;

/** The value of `key`, which perFunction built for every key in FUNCTION_KEYS. */
export function ofFunction<T>(per: PerFunction<T>, key: FunctionKey): T {
  const value = per[key];
  if (value === undefined) throw new Error(`no function ${key} (FUNCTION_KEYS: ${FUNCTION_KEYS.join(', ')})`);
  return value;
}
/** The channels the stack deploys a notifier for (shared/deploy/deployments.ts). */
export const CHANNELS: readonly ChannelName[] = NOTIFIER_DEPLOYMENTS.map((d) => d.name);
export type ChannelName = NotifierChannelName;
/** Each function's key and the end of its name (`<prefix>-notify-slack`). */
const FUNCTIONS: readonly { key: FunctionKey; suffix: string }[] = [
  { key: 'alert', suffix: 'alert' },
  ...NOTIFIER_DEPLOYMENTS.map((d) => ({
    key: notifierIds(d).functionKey as FunctionKey,
    suffix: `notify-${d.name}`,
  })),
];
export const FUNCTION_KEYS: readonly FunctionKey[] = FUNCTIONS.map((f) => f.key);
const FUNCTION_SUFFIX = new Map(FUNCTIONS.map((f) => [f.key, f.suffix]));

export interface RuleView {
  name: string;
  state: string;
  pattern: unknown;
  targets: Target[];
}

/** What the deploy created, read back from the emulator before the tier changes anything. */
export interface Snapshot {
  functions: PerFunction<DeployedFunction>;
  /** Each function's role's inline policies, as deployed. */
  policies: PerFunction<PolicyDocument[]>;
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

/** One value per function, built one after the other, in order. */
export async function perFunction<T>(build: (key: FunctionKey) => Promise<T>): Promise<PerFunction<T>> {
  const out: Partial<Record<FunctionKey, T>> = {};
  for (const key of FUNCTION_KEYS) out[key] = await build(key);
  return out as PerFunction<T>;
}

export async function perChannel<T>(
  build: (channel: ChannelName) => Promise<T>,
): Promise<Record<ChannelName, T>> {
  const out: Partial<Record<ChannelName, T>> = {};
  for (const channel of CHANNELS) out[channel] = await build(channel);
  return out as Record<ChannelName, T>;
}

export function roleName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** Reads back what the deploy of `prefix` created, before the tier changes anything. */
export async function readSnapshot(c: AwsClients, prefix: string, packageDir: string): Promise<Snapshot> {
  const functions = await perFunction(async (key) => {
    const fn = await readFunction(c.lambda, `${prefix}-${FUNCTION_SUFFIX.get(key)}`);
    const zip = join(packageDir, `${key}.zip`);
    if (fn.codeSha256 !== codeSha256(zip)) throw new Error(`${fn.name}: deployed code is not ${zip}`);
    return fn;
  });
  const policies = await perFunction(async (key) =>
    (await readPolicies(c, roleName(ofFunction(functions, key).roleArn))).map((p) => p.document),
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
