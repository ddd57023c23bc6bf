import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutTargetsCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { loadConfigFile } from '../../../shared/config/load.ts';
import type { Config } from '../../../shared/config/schema.ts';
import { slack as slackPlugin } from '../../../shared/notify/channels/slack/index.ts';
import { startRecorder } from '../../helpers/http.ts';
import { type AwsClients, awsClients, BOOTSTRAP_KEYS } from './clients.ts';
import { deployStage, REPO } from './deploy.ts';
import { type Gateway, startGateway } from './gateway.ts';
import { enforceableByMoto, type PolicyDocument } from './iam.ts';
import { extractPackage, type Invocation, invoke, type RoleCredentials } from './lambda.ts';
import { type Moto, REGION, startMoto } from './moto.ts';
import {
  type ChannelName,
  FUNCTION_KEYS,
  type FunctionKey,
  ofFunction,
  type PerFunction,
  perChannel,
  perFunction,
  type RuleView,
  readPolicies,
  readSnapshot,
  roleName,
  type Snapshot,
} from './snapshot.ts';

export { CHANNELS, type ChannelName, type FunctionKey, ofFunction } from './snapshot.ts';

/** Fake secrets, never real ones: a webhook URL on the local fake Slack and a 32-character routing key. */
export interface FakeSecrets {
  slackWebhookUrl: string;
  pagerDutyRoutingKey: string;
}

export interface Recorder {
  url: string;
  received: { method: string; path: string; body: string }[];
  close: () => Promise<void>;
}

export interface DeployedStage {
  stage: string;
  prefix: string;
  config: Config;
  snapshot: Snapshot;
  secrets: FakeSecrets;
  /** Full rights, like the operator who runs `cloud-alerts dlq redrive`. */
  operator: AwsClients;
  operatorKeys: { accessKeyId: string; secretAccessKey: string };
  /** Where the functions' AWS calls go: moto, behind the recording gateway. */
  gateway: Gateway;
  moto: Moto;
  slack: Recorder;
  /** What the fake Slack answers from now on (200, or a permanent 404 no_service). */
  setSlackStatus(status: 200 | 404): void;
  pagerduty: Recorder;
  /** The SQS queue that replaces each notifier's Lambda target on the alerts bus (moto cannot invoke one). */
  capture: Record<ChannelName, string>;
  /** An SQS queue subscribed to the e-mail topic. */
  topicCapture: string;
  /** Which function each role session's access key belongs to. */
  keyOwner: Map<string, FunctionKey>;
  /** The role's inline policies as moto enforces them (see enforceableByMoto), by function. */
  enforced: PerFunction<{ roleName: string; policies: { name: string; document: PolicyDocument }[] }>;
  run(key: FunctionKey, event: unknown): Promise<Invocation>;
  stop(): Promise<void>;
}

async function createQueue(c: AwsClients, name: string): Promise<{ url: string; arn: string }> {
  const url = (await c.sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
  const arn =
    (await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
      .Attributes?.QueueArn ?? '';
  return { url, arn };
}

/**
 * moto's PutEvents answers HTTP 500 when a matching rule targets a Lambda function (it cannot run
 * one without Docker). Each notifier rule on the alerts bus keeps its name and pattern and gets an
 * SQS queue as its only target instead; the tier hands what arrives there to the notifier's bundle.
 */
async function captureNotifierRules(c: AwsClients, prefix: string, rules: RuleView[]) {
  return perChannel(async (channel) => {
    const rule = rules.find((r) => r.name === `${prefix}-notify-${channel}`);
    if (!rule) throw new Error(`no ${prefix}-notify-${channel} rule on the alerts bus`);
    const queue = await createQueue(c, `${prefix}-capture-${channel}`);
    const bus = `${prefix}-alerts`;
    await c.events.send(
      new PutTargetsCommand({
        Rule: rule.name,
        EventBusName: bus,
        Targets: [{ Id: 'capture', Arn: queue.arn }],
      }),
    );
    const ids = rule.targets.map((t) => t.Id ?? '');
    await c.events.send(new RemoveTargetsCommand({ Rule: rule.name, EventBusName: bus, Ids: ids }));
    return queue.url;
  });
}

/**
 * The queue URLs in a function's environment name AWS's SQS host, as in AWS. The SDK sends an SQS call
 * to its QueueUrl's host unless the client was built with an endpoint in code (`useQueueUrlAsEndpoint`,
 * @aws-sdk/middleware-sdk-sqs), which would bypass AWS_ENDPOINT_URL: their origin becomes the emulator's.
 */
export function queueUrlsToEmulator(env: Record<string, string>, endpoint: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const match = /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com(\/\d{12}\/[^/]+)$/.exec(value);
    if (match?.[1]) out[name] = `${endpoint}${match[1]}`;
  }
  return out;
}

/** The SSM parameters the configuration's receivers of `channel` name. */
function secretParameterNames(config: Config, channel: 'slack' | 'pagerduty'): string[] {
  return config.receivers.flatMap((r) => {
    if (channel === 'slack' && 'slack' in r) return [slackPlugin.secret(r.slack)?.parameter ?? ''];
    if (channel === 'pagerduty' && 'pagerduty' in r) return [r.pagerduty.routingKeyParameter];
    return [];
  });
}

function fakeSecrets(slackUrl: string): FakeSecrets {
  const token = randomBytes(18).toString('base64url').slice(0, 24);
  return {
    slackWebhookUrl: `${slackUrl}/services/T00CLOUDAL/B00CLOUDAL/${token}`,
    pagerDutyRoutingKey: randomBytes(16).toString('hex'),
  };
}

/**
 * Deploys `stage` to a fresh moto, reads back what was created, then prepares the run: the operator's
 * keys, the receivers' secrets in SSM, capture queues, one session per function role, and IAM enforced
 * from then on.
 */
export async function deployToEmulator(stage: string): Promise<DeployedStage> {
  const prefix = `cloud-alerts-${stage}`;
  const work = mkdtempSync(join(tmpdir(), `cloud-alerts-aws-${stage}-`));
  const stops: (() => Promise<void>)[] = [async () => rmSync(work, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const moto = await startMoto();
    stops.push(() => moto.stop());
    const gateway = await startGateway(moto.endpoint);
    stops.push(() => gateway.close());
    const slackState = { status: 200 };
    const slackServer = await startRecorder((_req, res) => {
      res
        .writeHead(slackState.status, { 'content-type': 'text/plain' })
        .end(slackState.status === 200 ? 'ok' : 'no_service');
    });
    stops.push(() => slackServer.close());
    const pagerduty = await startRecorder((_req, res) => {
      res
        .writeHead(202, { 'content-type': 'application/json' })
        .end('{"status":"success","message":"Event processed"}');
    });
    stops.push(() => pagerduty.close());

    const packageDir = join(work, 'package');
    try {
      await deployStage({ stage, region: REGION, endpoint: moto.endpoint, packageDir });
    } catch (e) {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\nmoto:\n${moto.logTail()}`);
    }
    const setup = awsClients(moto.endpoint, REGION, BOOTSTRAP_KEYS);
    const snap = await readSnapshot(setup, prefix, packageDir);
    const config = loadConfigFile(join(REPO, 'config', 'cloud-alerts.yml'), { stage });

    // The operator: an IAM user allowed everything, as whoever deploys and runs `dlq redrive`.
    await setup.iam.send(new CreateUserCommand({ UserName: 'cloud-alerts-operator' }));
    await setup.iam.send(
      new PutUserPolicyCommand({
        UserName: 'cloud-alerts-operator',
        PolicyName: 'administrator',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        }),
      }),
    );
    const key = (await setup.iam.send(new CreateAccessKeyCommand({ UserName: 'cloud-alerts-operator' })))
      .AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error('no access key for the operator');
    const operatorKeys = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };

    // The receivers' secrets, where the configuration says they are.
    const secrets = fakeSecrets(slackServer.url);
    const values = { slack: secrets.slackWebhookUrl, pagerduty: secrets.pagerDutyRoutingKey };
    for (const channel of ['slack', 'pagerduty'] as const) {
      for (const name of secretParameterNames(config, channel)) {
        await setup.ssm.send(
          new PutParameterCommand({ Name: name, Type: 'SecureString', Value: values[channel] }),
        );
      }
    }

    const capture = await captureNotifierRules(setup, prefix, snap.rules.alerts);
    const topicQueue = await createQueue(setup, `${prefix}-capture-topic`);
    await setup.sns.send(
      new SubscribeCommand({ TopicArn: snap.topic.arn, Protocol: 'sqs', Endpoint: topicQueue.arn }),
    );

    // One session per function role, as Lambda takes one. moto's STS cannot check a trust policy that
    // names a service principal once IAM is enforced (it fails on it), so the sessions are taken before.
    const sessions = await perFunction(async (fnKey) => {
      const fn = ofFunction(snap.functions, fnKey);
      const role = roleName(fn.roleArn);
      const policies = (await readPolicies(setup, role)).map((p) => ({
        name: p.name,
        document: enforceableByMoto(p.document),
      }));
      for (const policy of policies) {
        await setup.iam.send(
          new PutRolePolicyCommand({
            RoleName: role,
            PolicyName: policy.name,
            PolicyDocument: JSON.stringify(policy.document),
          }),
        );
      }
      const c = (
        await setup.sts.send(new AssumeRoleCommand({ RoleArn: fn.roleArn, RoleSessionName: fn.name }))
      ).Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error(`no session for ${role}`);
      const credentials: RoleCredentials = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      };
      return { credentials, enforced: { roleName: role, policies } };
    });
    const keyOwner = new Map(FUNCTION_KEYS.map((k) => [ofFunction(sessions, k).credentials.accessKeyId, k]));
    const taskRoots = await perFunction(async (fnKey) =>
      extractPackage(join(packageDir, `${fnKey}.zip`), join(work, 'task', fnKey)),
    );

    await moto.enforceIam();
    const operator = awsClients(gateway.endpoint, REGION, operatorKeys);
    const pagerDutyUrl = `${pagerduty.url}/v2/enqueue`;

    return {
      stage,
      prefix,
      config,
      snapshot: snap,
      secrets,
      operator,
      operatorKeys,
      gateway,
      moto,
      slack: slackServer,
      setSlackStatus: (status) => {
        slackState.status = status;
      },
      pagerduty,
      capture,
      topicCapture: topicQueue.url,
      keyOwner,
      enforced: Object.fromEntries(
        FUNCTION_KEYS.map((k) => [k, ofFunction(sessions, k).enforced]),
      ) as DeployedStage['enforced'],
      run: (fnKey, event) =>
        invoke(ofFunction(snap.functions, fnKey), ofFunction(taskRoots, fnKey), event, {
          endpoint: gateway.endpoint,
          region: REGION,
          credentials: ofFunction(sessions, fnKey).credentials,
          env: {
            ...queueUrlsToEmulator(ofFunction(snap.functions, fnKey).environment, gateway.endpoint),
            // The one variable not deployed: PagerDuty's endpoint, pointed at the local fake.
            ...(fnKey === 'notifyPagerDuty' ? { PAGERDUTY_EVENTS_URL: pagerDutyUrl } : {}),
          },
        }),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
