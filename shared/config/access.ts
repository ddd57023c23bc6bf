import { CHANNEL_PLUGINS, type Channel, pluginOf } from '../notify/channels/registry.ts';
import { receiverSettings } from './receivers.ts';
import type { Config } from './schema.ts';

/**
 * What each notifier's role must be allowed, read from the receivers: the configuration is the one
 * source of truth for the notifiers' IAM. `serverless package` writes exactly these grants into the
 * roles (scripts/finalize-template.ts), `scripts/check-template.ts` checks the packaged template
 * against them, and `config check --region` refuses what no grant could make work.
 */

/** Where in the configuration a grant comes from, for messages with a line and column. */
export type ConfigPath = ReadonlyArray<string | number>;

export interface SecretGrant {
  receiver: string;
  /** Parameter name in the stack's account and region. */
  parameter: string;
  /** The customer managed key the parameter is encrypted with; none for aws/ssm. */
  kmsKeyArn?: string | undefined;
  path: ConfigPath;
}

export interface TopicGrant {
  receiver: string;
  /** `stack` for the stack's own topic, else the topic's ARN. */
  topicArn: string;
  kmsKeyArn?: string | undefined;
  path: ConfigPath;
}

/** What one channel's receivers name: the secrets its notifier reads and the topics it publishes to. */
export interface ChannelAccess {
  secrets: SecretGrant[];
  topics: TopicGrant[];
}

/** By channel, every channel of the registry present (a channel without receivers has empty lists). */
export type ReceiverAccess = Record<Channel, ChannelAccess>;

export type NotifierChannel = Channel;
/** Every channel's notifier, in the registry's order. */
export const NOTIFIER_CHANNELS: readonly NotifierChannel[] = CHANNEL_PLUGINS.map((plugin) => plugin.name);

/** The notifier roles of the template, by channel: Notify<deploy.id>Role. */
export const NOTIFIER_ROLES: Readonly<Record<NotifierChannel, string>> = Object.fromEntries(
  CHANNEL_PLUGINS.map((plugin) => [plugin.name, `Notify${plugin.deploy.id}Role`]),
) as Record<NotifierChannel, string>;

export function receiverAccess(config: Config): ReceiverAccess {
  const access = Object.fromEntries(
    CHANNEL_PLUGINS.map((plugin): [Channel, ChannelAccess] => [plugin.name, { secrets: [], topics: [] }]),
  ) as ReceiverAccess;
  for (const [i, r] of config.receivers.entries()) {
    const plugin = pluginOf(r);
    const settings = receiverSettings(r, plugin);
    const at = (field: string): ConfigPath => ['receivers', i, plugin.name, field];
    const secret = plugin.secret(settings);
    if (secret) {
      access[plugin.name as Channel].secrets.push({
        receiver: r.name,
        parameter: secret.parameter,
        kmsKeyArn: secret.kmsKeyArn,
        path: at(secret.field),
      });
    }
    const topic = plugin.topic?.(settings);
    if (topic) {
      access[plugin.name as Channel].topics.push({
        receiver: r.name,
        topicArn: topic.topicArn,
        kmsKeyArn: topic.kmsKeyArn,
        path: at(topic.field),
      });
    }
  }
  return access;
}

const ARN_REGION = /^arn:[^:]+:[^:]+:([^:]*):/;

function regionOf(arn: string): string | undefined {
  return ARN_REGION.exec(arn)?.[1];
}

export interface AccessProblem {
  path: ConfigPath;
  message: string;
}

/**
 * What no grant can make work in `region`. notify-email publishes with one SNS client of its own
 * region, and "you can publish messages only to topics and endpoints in the same AWS Region"
 * (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html); SSM encrypts a parameter with a
 * key of the parameter's region, and SNS a topic with a key of the topic's region. A topic or key in
 * another account is granted: its owner must allow this stack's notifier role too (docs/deploy.md).
 */
export function accessProblems(access: ReceiverAccess, region: string): AccessProblem[] {
  const problems: AccessProblem[] = [];
  const channels = Object.entries(access) as Array<[Channel, ChannelAccess]>;
  for (const [channel, { topics }] of channels) {
    for (const t of topics) {
      const topicRegion = t.topicArn === 'stack' ? region : regionOf(t.topicArn);
      if (topicRegion !== region) {
        problems.push({
          path: t.path,
          message: `receiver ${t.receiver}: the topic is in ${topicRegion}, but notify-${channel} publishes in ${region} and SNS publishes only to topics of its own region; create the topic in ${region}, or deploy the stack to ${topicRegion}`,
        });
      }
    }
  }
  const keyed = [
    ...channels.flatMap(([, { secrets }]) => secrets.map((g) => ({ ...g, what: 'parameter' }))),
    ...channels.flatMap(([, { topics }]) => topics.map((g) => ({ ...g, what: 'topic' }))),
  ];
  for (const g of keyed) {
    if (g.kmsKeyArn === undefined) continue;
    const keyRegion = regionOf(g.kmsKeyArn);
    if (keyRegion !== region) {
      problems.push({
        path: [...g.path.slice(0, -1), 'kmsKeyArn'],
        message: `receiver ${g.receiver}: the key is in ${keyRegion}, but a ${g.what} in ${region} is encrypted with a key of ${region}`,
      });
    }
  }
  return problems;
}

/** A CloudFormation value: a literal, or an intrinsic function resolved at deploy time. */
export type CfnValue = string | Record<string, unknown>;

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: CfnValue | CfnValue[];
  Condition?: Record<string, Record<string, CfnValue | CfnValue[]>>;
}

export interface InlinePolicy {
  PolicyName: string;
  PolicyDocument: { Version: '2012-10-17'; Statement: PolicyStatement[] };
}

/** The stack's parameter ARN: `parameter` followed by the name, which starts with "/". */
function parameterArn(name: string): CfnValue {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}` };
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/**
 * Reading a receiver's secret: `ssm:GetParameters` (what the notifier calls, shared/aws/secrets.ts)
 * on exactly the named parameters. A parameter under a customer managed key also needs `kms:Decrypt`
 * on that key, only through SSM and only for these parameters: SSM decrypts with the parameter's
 * ARN as encryption context `PARAMETER_ARN`
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/secure-string-parameter-kms-encryption.html).
 * The AWS managed aws/ssm key needs no grant: its key policy allows every principal of the account
 * through SSM (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html).
 */
function secretStatements(grants: SecretGrant[]): PolicyStatement[] {
  if (grants.length === 0) return [];
  const statements: PolicyStatement[] = [
    {
      Sid: 'ReadReceiverSecrets',
      Effect: 'Allow',
      Action: 'ssm:GetParameters',
      Resource: sorted(grants.map((g) => g.parameter)).map(parameterArn),
    },
  ];
  const keys = sorted(grants.flatMap((g) => (g.kmsKeyArn === undefined ? [] : [g.kmsKeyArn])));
  for (const [i, key] of keys.entries()) {
    const parameters = sorted(grants.filter((g) => g.kmsKeyArn === key).map((g) => g.parameter));
    statements.push({
      Sid: `DecryptReceiverSecrets${i + 1}`,
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: key,
      Condition: {
        StringEquals: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
          'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' },
          'kms:EncryptionContext:PARAMETER_ARN': parameters.map(parameterArn),
        },
      },
    });
  }
  return statements;
}

/**
 * Publishing to the receivers' topics: `sns:Publish` on exactly those topics, and on an encrypted
 * topic `kms:GenerateDataKey*` and `kms:Decrypt` on its key, which SNS requires of every publisher
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html). The stack's own topic is
 * encrypted with the stack's key (resources/core.yml).
 */
function topicStatements(grants: TopicGrant[]): PolicyStatement[] {
  if (grants.length === 0) return [];
  const stack = grants.some((g) => g.topicArn === 'stack');
  const topics: CfnValue[] = [
    ...(stack ? [{ Ref: 'AlertsTopic' }] : []),
    ...sorted(grants.flatMap((g) => (g.topicArn === 'stack' ? [] : [g.topicArn]))),
  ];
  const keys: CfnValue[] = [
    ...(stack ? [{ 'Fn::GetAtt': ['AlertsKey', 'Arn'] }] : []),
    ...sorted(grants.flatMap((g) => (g.kmsKeyArn === undefined ? [] : [g.kmsKeyArn]))),
  ];
  const statements: PolicyStatement[] = [
    { Sid: 'PublishToReceiverTopics', Effect: 'Allow', Action: 'sns:Publish', Resource: topics },
  ];
  if (keys.length > 0) {
    statements.push({
      Sid: 'EncryptForReceiverTopics',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: keys,
    });
  }
  return statements;
}

/** The inline policy a channel's notifier role gets from the receivers, or none when it has none. */
export function receiverPolicy(access: ReceiverAccess, channel: NotifierChannel): InlinePolicy | undefined {
  const { secrets, topics } = access[channel];
  const statements = [...secretStatements(secrets), ...topicStatements(topics)];
  if (statements.length === 0) return undefined;
  return {
    PolicyName: `notify-${channel}-receivers`,
    PolicyDocument: { Version: '2012-10-17', Statement: statements },
  };
}
