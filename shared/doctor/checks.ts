import {
  DescribeAlarmsCommand,
  type Dimension,
  GetMetricStatisticsCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DescribeParametersCommand, type ParameterMetadata } from '@aws-sdk/client-ssm';
import { receiverSettings } from '../config/receivers.ts';
import type { Config } from '../config/schema.ts';
import { heartbeatParameterName, heartbeatRoleName } from '../heartbeat/heartbeat.ts';
import { pluginOf } from '../notify/channels/registry.ts';
import type { ClientsFor, DoctorClients } from './clients.ts';
import type { LocalSetup } from './local.ts';
import { ago, errorLine, type Finding, fail, ok, utc, warn } from './report.ts';
import { listRules } from './rules.ts';
import { type DeployedStack, describeStack, isHealthyStatus } from './stack.ts';

/** Events of IAM, STS (global endpoint) and CloudFront are recorded here only (docs/deploy.md §5). */
export const GLOBAL_EVENTS_REGION = 'us-east-1';
/** `cloud-alerts forwarder` names its rules `<this>-<rule name>` (shared/deploy/forwarder.ts). */
const FORWARDER_PREFIX = 'cloud-alerts-forward';
/** DescribeParameters takes at most 50 values per filter. */
const DESCRIBE_PARAMETERS_MAX = 50;

// ---------------------------------------------------------------------------------------------
// Secrets: described, never read.

/** Metadata (type, date, last writer) by name, for the names that exist. Never a value. */
export async function describeParameters(
  ssm: DoctorClients['ssm'],
  names: readonly string[],
): Promise<Map<string, ParameterMetadata>> {
  const found = new Map<string, ParameterMetadata>();
  const unique = [...new Set(names)];
  for (let i = 0; i < unique.length; i += DESCRIBE_PARAMETERS_MAX) {
    const batch = unique.slice(i, i + DESCRIBE_PARAMETERS_MAX);
    let token: string | undefined;
    do {
      const page = await ssm.send(
        new DescribeParametersCommand({
          ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: batch }],
          MaxResults: DESCRIBE_PARAMETERS_MAX,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const p of page.Parameters ?? []) if (p.Name) found.set(p.Name, p);
      token = page.NextToken;
    } while (token);
  }
  return found;
}

/** The SSM parameter each receiver reads its secret from (receivers of channels without one need none). */
export function secretParameters(config: Config): Array<{ receiver: string; parameter: string }> {
  return config.receivers.flatMap((r) => {
    const plugin = pluginOf(r);
    const spec = plugin.secret(receiverSettings(r, plugin));
    return spec ? [{ receiver: r.name, parameter: spec.parameter }] : [];
  });
}

export function checkSecrets(
  local: LocalSetup,
  config: Config,
  described: Map<string, ParameterMetadata> | Error,
): Finding[] {
  const wanted = secretParameters(config);
  if (wanted.length === 0) return [ok('secret', 'no receiver reads a secret')];
  if (described instanceof Error)
    return [fail('secret', `cannot describe the receivers' parameters: ${errorLine(described)}`)];
  return wanted.map(({ receiver, parameter }) => {
    const p = described.get(parameter);
    if (!p)
      return fail(
        'secret',
        `${receiver}: ${parameter} does not exist in ${local.region}, so every alert for ${receiver} fails: aws ssm put-parameter --region ${local.region} --type SecureString --name ${parameter} --value '…'`,
      );
    const changed = p.LastModifiedDate ? `, changed ${utc(p.LastModifiedDate).slice(0, 10)}` : '';
    if (p.Type !== 'SecureString')
      return warn(
        'secret',
        `${receiver}: ${parameter} is a ${p.Type ?? 'parameter of unknown type'}, not a SecureString: whoever may read parameters reads it in clear; put it again with --type SecureString`,
      );
    return ok('secret', `${receiver}: ${parameter} exists (SecureString${changed})`);
  });
}

// ---------------------------------------------------------------------------------------------
// The e-mail topic: where e-mail receivers and the pipeline's own alarms go.

function topicName(arn: string): string {
  return arn.split(':').at(-1) ?? arn;
}

export async function checkEmail(
  config: Config | undefined,
  stack: DeployedStack,
  clients: DoctorClients,
): Promise<Finding[]> {
  const stackTopic = stack.resources.get('AlertsTopic')?.physicalId;
  const topics = new Set<string>(stackTopic ? [stackTopic] : []);
  for (const r of config?.receivers ?? []) {
    const plugin = pluginOf(r);
    const topic = plugin.topic?.(receiverSettings(r, plugin));
    if (topic && topic.topicArn !== 'stack') topics.add(topic.topicArn);
  }
  if (topics.size === 0) return [fail('e-mail', 'the stack has no AlertsTopic: deploy it again')];
  return Promise.all(
    [...topics].map(async (arn) => {
      let confirmed = 0;
      let pending = 0;
      try {
        let token: string | undefined;
        do {
          const page = await clients.sns.send(
            new ListSubscriptionsByTopicCommand({ TopicArn: arn, ...(token ? { NextToken: token } : {}) }),
          );
          for (const s of page.Subscriptions ?? []) {
            if (s.SubscriptionArn?.startsWith('arn:')) confirmed += 1;
            else pending += 1;
          }
          token = page.NextToken;
        } while (token);
      } catch (err) {
        return fail('e-mail', `cannot list the subscriptions of ${topicName(arn)}: ${errorLine(err)}`);
      }
      const name = topicName(arn);
      const waiting = pending > 0 ? `, ${pending} waiting for confirmation` : '';
      // Only counts are shown: the endpoints are people's addresses.
      if (confirmed === 0)
        return warn(
          'e-mail',
          `${name}: no confirmed subscription${waiting}: its mails (e-mail receivers${arn === stackTopic ? ", the pipeline's own alarms" : ''}) reach nobody until someone clicks the link AWS sent`,
        );
      return ok('e-mail', `${name}: ${confirmed} confirmed subscription(s)${waiting}`);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// us-east-1: IAM, STS and CloudFront events are recorded there only.

export async function checkGlobalEvents(
  local: LocalSetup,
  stack: DeployedStack,
  clientsFor: ClientsFor,
): Promise<Finding> {
  const check = 'us-east-1';
  if (local.region === GLOBAL_EVENTS_REGION)
    return ok(check, 'this stack is in us-east-1, where IAM, STS and CloudFront events are recorded');
  const east = clientsFor(GLOBAL_EVENTS_REGION);
  const home = `arn:${stack.partition}:events:${local.region}:${stack.account}:event-bus/default`;
  try {
    const there = await describeStack(east, local.prefix);
    if (there && isHealthyStatus(there.status))
      return ok(
        check,
        `stack ${local.prefix} in us-east-1 (${there.status}) handles IAM, STS and CloudFront events`,
      );
    const name = `${FORWARDER_PREFIX}-${local.prefix}-iam-changes`.slice(0, 64);
    const rule = (await listRules(east.eventBridge, name)).find((r) => r.Name === name);
    if (!rule)
      return fail(
        check,
        `IAM, STS and CloudFront events are recorded in us-east-1 only and nothing there forwards them (no stack ${local.prefix}, no rule ${name}): the IAM rules never fire. Deploy the forwarder (docs/deploy.md, section 5)`,
      );
    if (rule.State === 'DISABLED')
      return fail(
        check,
        `forwarder rule ${name} in us-east-1 is DISABLED: IAM events do not reach ${local.region}`,
      );
    const targets = await east.eventBridge.send(new ListTargetsByRuleCommand({ Rule: name }));
    if (!(targets.Targets ?? []).some((t) => t.Arn === home))
      return fail(
        check,
        `forwarder rule ${name} in us-east-1 does not send to ${home}: generate it again with --target-bus ${home}`,
      );
    return ok(
      check,
      `forwarder rule ${name} sends IAM, STS and CloudFront events to this region's default bus`,
    );
  } catch (err) {
    return fail(check, `cannot look at us-east-1: ${errorLine(err)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Dead-letter queues.

export async function checkDeadLetters(stack: DeployedStack, clients: DoctorClients): Promise<Finding[]> {
  const queues = [...stack.resources.entries()]
    .filter(([id, r]) => r.type === 'AWS::SQS::Queue' && id.endsWith('Dlq'))
    .map(([, r]) => r.physicalId);
  if (queues.length === 0)
    return [fail('dead letters', 'the stack has no dead-letter queues: deploy it again')];
  const findings = await Promise.all(
    queues.map(async (url): Promise<Finding | undefined> => {
      const name = url.split('/').at(-1) ?? url;
      try {
        const out = await clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        const visible = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
        const hidden = Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
        if (visible + hidden === 0) return undefined;
        const inFlight = hidden > 0 ? ` (${hidden} being read)` : '';
        return warn(
          'dead letters',
          `${name} holds ${visible + hidden}${inFlight}: npx cloud-alerts dlq list --queue ${url}`,
        );
      } catch (err) {
        return fail('dead letters', `cannot read ${name}: ${errorLine(err)}`);
      }
    }),
  );
  const shown = findings.filter((f): f is Finding => f !== undefined);
  return shown.length > 0 ? shown : [ok('dead letters', `${queues.length} dead-letter queues, all empty`)];
}

// ---------------------------------------------------------------------------------------------
// The pipeline's own alarms.

export async function describeOwnAlarms(
  cloudWatch: DoctorClients['cloudWatch'],
  prefix: string,
): Promise<MetricAlarm[]> {
  const alarms: MetricAlarm[] = [];
  let token: string | undefined;
  do {
    const page = await cloudWatch.send(
      new DescribeAlarmsCommand({
        AlarmNamePrefix: `${prefix}-`,
        AlarmTypes: ['MetricAlarm'],
        ...(token ? { NextToken: token } : {}),
      }),
    );
    alarms.push(...(page.MetricAlarms ?? []));
    token = page.NextToken;
  } while (token);
  return alarms;
}

/** The heartbeat alarm is expected in ALARM until the first heartbeat after the first deploy. */
export const FIRST_HEARTBEAT_GRACE_MINUTES = 30;

function freshStack(stack: DeployedStack, now: Date): boolean {
  return now.getTime() - stack.created.getTime() < FIRST_HEARTBEAT_GRACE_MINUTES * 60_000;
}

export function heartbeatAlarmName(prefix: string): string {
  return `${prefix}-heartbeat-missing`;
}

export function checkAlarms(
  local: LocalSetup,
  stack: DeployedStack,
  alarms: MetricAlarm[] | Error,
  now: Date,
): Finding[] {
  if (alarms instanceof Error) return [fail('alarms', `cannot describe the alarms: ${errorLine(alarms)}`)];
  const expected = [...stack.resources.values()]
    .filter((r) => r.type === 'AWS::CloudWatch::Alarm')
    .map((r) => r.physicalId);
  if (expected.length === 0)
    return [
      fail('alarms', 'the stack has no CloudWatch alarms: nothing watches the pipeline; deploy it again'),
    ];
  const byName = new Map(alarms.map((a) => [a.AlarmName ?? '', a]));
  const findings: Finding[] = [];
  let noData = 0;
  for (const name of expected) {
    const alarm = byName.get(name);
    if (!alarm) {
      findings.push(fail('alarms', `${name} is missing: deploy the stack again`));
      continue;
    }
    if (alarm.ActionsEnabled === false)
      findings.push(fail('alarms', `${name} has its actions disabled: it tells nobody when it fires`));
    if (alarm.StateValue === 'ALARM') {
      const since = alarm.StateUpdatedTimestamp ? ` since ${utc(alarm.StateUpdatedTimestamp)}` : '';
      const text = `${name} is in ALARM${since}: ${alarm.StateReason ?? 'no reason given'}`;
      const starting = name === heartbeatAlarmName(local.prefix) && freshStack(stack, now);
      findings.push(
        starting ? warn('alarms', `${text} (no heartbeat yet since the first deploy)`) : fail('alarms', text),
      );
    } else if (alarm.StateValue === 'INSUFFICIENT_DATA') noData += 1;
  }
  if (noData > 0)
    findings.push(
      warn('alarms', `${noData} alarm(s) have no data yet: normal for a few minutes after a deploy`),
    );
  if (findings.length > 0) return findings;
  return [ok('alarms', `${expected.length} self-monitoring alarms OK, actions enabled`)];
}

// ---------------------------------------------------------------------------------------------
// The heartbeat (shared/heartbeat/heartbeat.ts).

/** The canary writes every 10 minutes; delivery through CloudTrail takes minutes. */
export const HEARTBEAT_FRESH_MINUTES = 30;
const HEARTBEAT_LOOKBACK_HOURS = 3;

/** When a heartbeat last reached the alert function, from the metric the alarm watches. */
export async function lastHeartbeat(
  cloudWatch: DoctorClients['cloudWatch'],
  alarm: MetricAlarm | undefined,
  prefix: string,
  now: Date,
): Promise<Date | undefined> {
  // The alarm names the metric exactly; without it, EventBridge's count of the heartbeat rule invoking
  // the alert function (AWS/Events, which PutMetricData cannot write; resources/monitoring.yml).
  const dimensions: Dimension[] = alarm?.Dimensions ?? [{ Name: 'RuleName', Value: `${prefix}-heartbeat` }];
  const out = await cloudWatch.send(
    new GetMetricStatisticsCommand({
      Namespace: alarm?.Namespace ?? 'AWS/Events',
      MetricName: alarm?.MetricName ?? 'Invocations',
      Dimensions: dimensions,
      StartTime: new Date(now.getTime() - HEARTBEAT_LOOKBACK_HOURS * 3_600_000),
      EndTime: now,
      Period: 60,
      Statistics: ['Sum'],
    }),
  );
  const times = (out.Datapoints ?? [])
    .filter((d) => (d.Sum ?? 0) > 0 && d.Timestamp)
    .map((d) => d.Timestamp?.getTime() ?? 0);
  return times.length > 0 ? new Date(Math.max(...times)) : undefined;
}

export function checkHeartbeat(
  local: LocalSetup,
  stack: DeployedStack,
  last: Date | undefined | Error,
  parameters: Map<string, ParameterMetadata> | Error,
  now: Date,
): Finding {
  if (last instanceof Error) return fail('heartbeat', `cannot read the heartbeat metric: ${errorLine(last)}`);
  const parameter = heartbeatParameterName(local.service, local.stage);
  const role = heartbeatRoleName(local.prefix, local.region);
  // The canary's own writes carry its role as the last writer; the stack's first value does not.
  const meta = parameters instanceof Error ? undefined : parameters.get(parameter);
  const canaryWrote =
    meta?.LastModifiedDate && meta.LastModifiedUser?.includes(`:assumed-role/${role}/`)
      ? meta.LastModifiedDate
      : undefined;
  const wrote = canaryWrote ? `canary wrote ${ago(canaryWrote, now)}` : 'the canary has not written yet';
  const fresh = (d: Date | undefined) =>
    d !== undefined && now.getTime() - d.getTime() <= HEARTBEAT_FRESH_MINUTES * 60_000;
  if (fresh(last) && last) return ok('heartbeat', `last arrived ${ago(last, now)} (${wrote})`);
  const seen = last
    ? `the last arrived ${ago(last, now)}`
    : `none arrived in ${HEARTBEAT_LOOKBACK_HOURS} hours`;
  if (freshStack(stack, now) && !last)
    return warn(
      'heartbeat',
      `none yet (${wrote}): the canary writes every 10 minutes and the first arrives within about 15 minutes of the first deploy`,
    );
  if (fresh(canaryWrote))
    return fail(
      'heartbeat',
      `the canary wrote ${ago(canaryWrote ?? now, now)} but ${seen}: CloudTrail events do not reach the alert function (is the trail logging? is rule ${local.prefix}-heartbeat enabled? is the alert function failing?)`,
    );
  return fail(
    'heartbeat',
    `${seen} and ${canaryWrote ? `the canary last wrote ${ago(canaryWrote, now)}` : 'the canary has not written'}: look at function ${local.prefix}-heartbeat and its schedule ${local.prefix}-heartbeat-schedule`,
  );
}
