/**
 * Assertions on the CloudFormation template `serverless package` wrote: what must be deployed for
 * alerts to flow and never be dropped, and nothing broader than the configuration needs. Run by
 * .ci/run after packaging; exits 1 listing each failure.
 * Usage: check-template.ts <template.json> <stage> [--organization-id o-…]. The configuration is the
 * one packaged: $CLOUD_ALERTS_CONFIG or config/cloud-alerts.yml.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { receiverAccess, receiverPolicy } from '../shared/config/access.ts';
import { EVIDENCE_POLICY_NAME, evidencePolicy } from '../shared/config/evidence-access.ts';
import { loadConfigFile } from '../shared/config/load.ts';
import { configPath } from '../shared/config/runtime.ts';
import { NOTIFIER_DEPLOYMENTS } from '../shared/deploy/deployments.ts';
import { notifierNames } from '../shared/deploy/notifiers.ts';
import { sendBudgetKeyPrefixes } from '../shared/state/send-budget.ts';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const { values: flags, positionals } = parseArgs({
  options: { 'organization-id': { type: 'string', default: '' } },
  allowPositionals: true,
});
const [file = '.serverless/cloudformation-template-update-stack.json', stage = 'dev'] = positionals;
const orgId = flags['organization-id'] ?? '';
const template: unknown = JSON.parse(readFileSync(file, 'utf8'));
if (!isObj(template) || !isObj(template.Resources)) throw new Error(`${file}: no Resources`);
const resources = Object.entries(template.Resources).filter((e): e is [string, Json] => isObj(e[1]));
const props = (r: Json): Json => (isObj(r.Properties) ? r.Properties : {});
const ofType = (t: string) => resources.filter(([, r]) => r.Type === t);
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
};

const prefix = `cloud-alerts-${stage}`;
// Every channel the stack deploys a notifier for, with its logical ids.
const notifiers = NOTIFIER_DEPLOYMENTS.map((d) => ({ ...d, ...notifierNames(d, prefix) }));
const rules = ofType('AWS::Events::Rule').map(([, r]) => props(r));
const ruleNamed = (name: string) => rules.find((p) => p.Name === name);
for (const name of [
  's3-bucket-visibility',
  'iam-changes',
  'alarm-state-change',
  'cloudtrail-tampering',
  'cis-monitoring',
  'network-changes',
  'console-sign-in',
  'root-usage',
  'organizations',
  'unauthorized-calls',
  'resource-changes',
  'alerting-tampering',
  'alerting-outputs',
  'alerting-monitoring',
  'heartbeat',
]) {
  const rule = ruleNamed(`${prefix}-${name}`);
  check(rule !== undefined && rule.EventBusName === undefined, `rule ${prefix}-${name} on the default bus`);
  const target = Array.isArray(rule?.Targets) ? rule.Targets[0] : undefined;
  check(isObj(target) && isObj(target.DeadLetterConfig), `rule ${prefix}-${name} has a dead-letter queue`);
}
for (const { name: channel } of notifiers) {
  const rule = ruleNamed(`${prefix}-notify-${channel}`);
  check(
    JSON.stringify(rule?.EventBusName) === JSON.stringify({ 'Fn::GetAtt': ['AlertsBus', 'Name'] }),
    `rule ${prefix}-notify-${channel} on the alerts bus`,
  );
  check(
    (JSON.stringify(rule?.EventPattern) ?? '').includes(`"channel":["${channel}"]`),
    `rule ${prefix}-notify-${channel} filters on its channel`,
  );
}

check(ofType('AWS::Events::EventBus').length === 1, 'one custom alerts bus');
check(ofType('AWS::Events::Archive').length === 1, 'an archive of the alerts bus');
const topics = ofType('AWS::SNS::Topic');
check(
  topics.length === 1 && props(topics[0]?.[1] ?? {}).KmsMasterKeyId !== undefined,
  'an encrypted SNS topic for e-mail',
);
const queues = ofType('AWS::SQS::Queue');
check(
  queues.length === 4 + 2 * notifiers.length,
  `a dead-letter and a flush queue per notifier (${notifiers.length}), the group-close queue and three more dead-letter queues (found ${queues.length})`,
);
for (const [id, q] of queues) check(props(q).SqsManagedSseEnabled === true, `queue ${id} is encrypted`);
const isWorkQueue = (id: string) => id === 'GroupCloseQueue' || id.endsWith('FlushQueue');
const deadLetterQueues = queues.filter(([id]) => !isWorkQueue(id));
const groupClose = props(queues.find(([id]) => id === 'GroupCloseQueue')?.[1] ?? {});
check(
  JSON.stringify(groupClose.RedrivePolicy ?? {}).includes('GroupCloseDlq'),
  'the group-close queue redrives to its dead-letter queue',
);
const groupCloseMapping = ofType('AWS::Lambda::EventSourceMapping')
  .map(([, m]) => props(m))
  .find((m) => JSON.stringify(m.EventSourceArn).includes('GroupCloseQueue'));
check(
  JSON.stringify(groupCloseMapping?.FunctionResponseTypes) === JSON.stringify(['ReportBatchItemFailures']),
  'the alert function consumes the group-close queue, reporting failed messages one by one',
);

// Send budgets: each notifier consumes its own flush queue, which redrives to its dead-letter queue,
// and may touch only its channel's budget and overflow items of the state table.
const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, m]) => props(m));
for (const { name: channel, dlq, flushQueue: flushId, functionKey } of notifiers) {
  const flushQueue = props(queues.find(([id]) => id === flushId)?.[1] ?? {});
  check(
    JSON.stringify(flushQueue.RedrivePolicy ?? {}).includes(`"${dlq}"`),
    `the ${channel} flush queue redrives to ${dlq}`,
  );
  const mapping = mappings.find((m) => JSON.stringify(m.EventSourceArn).includes(`"${flushId}"`));
  // osls names a function's resource after its key: notifySlack → NotifySlackLambdaFunction.
  const functionResource = `${functionKey[0]?.toUpperCase()}${functionKey.slice(1)}LambdaFunction`;
  check(
    mapping !== undefined &&
      JSON.stringify(mapping.FunctionResponseTypes) === JSON.stringify(['ReportBatchItemFailures']) &&
      JSON.stringify(mapping.FunctionName ?? '').includes(`"${functionResource}"`),
    `notify-${channel} consumes its flush queue, reporting failed messages one by one`,
  );
}
const functions = ofType('AWS::Lambda::Function');
check(
  functions.length === 2 + notifiers.length,
  `the alert function, a notifier per channel (${notifiers.length}) and the heartbeat canary (found ${functions.length})`,
);
for (const [id, f] of functions) {
  const p = props(f);
  check(p.Runtime === 'nodejs22.x', `${id} runs nodejs22.x`);
  const env = JSON.stringify(isObj(p.Environment) ? p.Environment : {});
  check(
    // What a secret or its name would look like: a Slack or Teams workflow URL, a routing key, a signing
    // secret. Not the bare word "webhook": it is a channel's name, in its queue's name and variable.
    !/hooks\.slack\.com|events\.pagerduty\.com|routing_key|webhook_?url|signing_?secret|logic\.azure\.com|[?&]sig=/i.test(
      env,
    ),
    `${id} has no secret in its environment`,
  );
}
const onFailure = ofType('AWS::Lambda::EventInvokeConfig').filter(([, c]) =>
  JSON.stringify(props(c)).includes('OnFailure'),
);
// The canary has none: a heartbeat that never arrives is what the heartbeat alarm is for.
check(
  onFailure.length === 1 + notifiers.length,
  `an on-failure destination for every pipeline function (found ${onFailure.length})`,
);

// Least privilege: one role per function, no "*" action anywhere, no wildcard resource for writes.
const roles = new Map(ofType('AWS::IAM::Role'));
for (const [id, role] of roles) {
  const text = JSON.stringify(props(role).Policies ?? []);
  check(!/"Action":"\*"|"Action":\["\*"\]|"Action":"[a-z0-9-]+:\*"/.test(text), `${id} grants no "*" action`);
}
// Every grant is an inline policy of its role, where the checks below can read it: a managed policy
// (AWS's or the stack's own) or a separate policy resource would widen a role out of their sight.
for (const [id, role] of roles) {
  check(
    props(role).ManagedPolicyArns === undefined && props(role).PermissionsBoundary === undefined,
    `${id} has no managed policy attached: its grants are its inline policies`,
  );
}
for (const type of [
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::RolePolicy',
  'AWS::IAM::User',
  'AWS::IAM::Group',
]) {
  const extra = ofType(type).map(([id]) => id);
  check(
    extra.length === 0,
    `no ${type} resource besides the roles' inline policies (found ${extra.join(', ') || 'none'})`,
  );
}
const roleOf = new Map<string, string>();
for (const [id, f] of functions) {
  const role = props(f).Role;
  const name = isObj(role) && Array.isArray(role['Fn::GetAtt']) ? String(role['Fn::GetAtt'][0]) : '';
  check(roles.has(name), `${id} runs with its own role (found ${JSON.stringify(role)})`);
  roleOf.set(id, name);
}
check(new Set(roleOf.values()).size === functions.length, 'no two functions share a role');
const policyText = (logical: string) => JSON.stringify(props(roles.get(logical) ?? {}).Policies ?? []);
check(
  policyText('AlertRole').includes('events:PutEvents') &&
    !policyText('NotifyEmailRole').includes('events:PutEvents'),
  'only the alert role may PutEvents',
);
check(
  policyText('NotifyEmailRole').includes('sns:Publish') && !policyText('AlertRole').includes('sns:Publish'),
  'only notify-email may publish to the topic',
);

// Member accounts' alarms: the alert role may assume only their reader role, only inside the
// organisation, and only when the stack receives from one; no other role assumes anything. The
// organisation is known at package time, so the template says it plainly: no condition is left.
const statementsOf = (logical: string): unknown[] => {
  const policies = props(roles.get(logical) ?? {}).Policies;
  return Array.isArray(policies)
    ? policies.flatMap((p: unknown) =>
        isObj(p) && isObj(p.PolicyDocument) && Array.isArray(p.PolicyDocument.Statement)
          ? (p.PolicyDocument.Statement as unknown[])
          : [],
      )
    : [];
};
check(template.Conditions === undefined, 'no condition left: those known at package time are decided');
const readerRole = `${prefix}-alarm-reader`;
const assumeStatements = statementsOf('AlertRole').filter((st) =>
  JSON.stringify(st).includes('sts:AssumeRole'),
);
const orgPolicy = ofType('AWS::Events::EventBusPolicy').find(([id]) => id === 'OrganizationEventsPolicy');
const alertFunction = functions.find(([, f]) => JSON.stringify(props(f).Role).includes('"AlertRole"'));
const alertEnv = isObj(props(alertFunction?.[1] ?? {}).Environment)
  ? (props(alertFunction?.[1] ?? {}).Environment as Json).Variables
  : undefined;
if (orgId === '') {
  check(assumeStatements.length === 0, 'outside an organisation the alert role assumes no role');
  check(orgPolicy === undefined, 'outside an organisation the default bus accepts no other account');
  check(
    isObj(alertEnv) && alertEnv.ALARM_READER_ROLE_NAME === undefined,
    'outside an organisation the alert function is told no reader role',
  );
} else {
  const granted = assumeStatements[0];
  check(
    assumeStatements.length === 1 &&
      JSON.stringify(granted) ===
        JSON.stringify({
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::*:role/${readerRole}` },
          Condition: { StringEquals: { 'aws:ResourceOrgID': orgId } },
        }),
    `the alert role assumes only ${readerRole}, in organisation ${orgId}`,
  );
  const orgStatement = isObj(props(orgPolicy?.[1] ?? {}).Statement)
    ? props(orgPolicy?.[1] ?? {}).Statement
    : {};
  check(
    isObj(orgStatement) &&
      orgStatement.Action === 'events:PutEvents' &&
      JSON.stringify(orgStatement.Condition) ===
        JSON.stringify({ StringEquals: { 'aws:PrincipalOrgID': orgId } }),
    `the default bus accepts PutEvents from organisation ${orgId} only`,
  );
  check(
    isObj(alertEnv) && alertEnv.ALARM_READER_ROLE_NAME === readerRole,
    'the alert function is told the reader role in an organisation',
  );
}
for (const [id] of roles)
  if (id !== 'AlertRole') check(!policyText(id).includes('sts:AssumeRole'), `${id} assumes no role`);
for (const notifier of notifiers) {
  const { role } = notifier;
  // What the notifier's code touches: its budgets and tallies, and what its deployment declares it keeps.
  const leadingKeys = sendBudgetKeyPrefixes(notifier);
  const state = statementsOf(role).filter((st) => JSON.stringify(st).includes('"StateTable"'));
  check(
    state.length === 1 &&
      JSON.stringify(state[0]) ===
        JSON.stringify({
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          Resource: { 'Fn::GetAtt': ['StateTable', 'Arn'] },
          Condition: {
            'ForAllValues:StringLike': {
              'dynamodb:LeadingKeys': leadingKeys.map((prefix) => `${prefix}*`),
            },
          },
        }),
    `${role} reads and updates only its channel's budget and overflow items of the state table, and the prefixes its deployment declares`,
  );
}

// The notifier roles: exactly what the configuration's receivers name, in a policy of their own, and
// no SSM, SNS or KMS permission anywhere else in them (shared/config/access.ts).
const config = loadConfigFile(configPath(), { stage });
const access = receiverAccess(config);
for (const { name: channel, role } of notifiers) {
  const policies = props(roles.get(role) ?? {}).Policies;
  const list = Array.isArray(policies) ? policies : [];
  const expected = receiverPolicy(access, channel);
  const derived = list.filter((p) => isObj(p) && p.PolicyName === `notify-${channel}-receivers`);
  check(
    JSON.stringify(derived) === JSON.stringify(expected === undefined ? [] : [expected]),
    `${role} is granted exactly the parameters, topics and keys its receivers name`,
  );
  const others = JSON.stringify(list.filter((p) => !derived.includes(p)));
  check(!/"(ssm|sns|kms):/.test(others), `${role} reads no parameter and publishes nowhere else`);
}
for (const [id] of roles)
  if (!id.startsWith('Notify'))
    check(!/"ssm:Get|"sns:Publish/.test(policyText(id)), `${id} reads no secret and publishes to no topic`);

// Evidence (shared/config/evidence-access.ts): the alert role reads metrics, the configured log groups
// and CloudTrail history exactly as the configuration turns them on, and no other role reads any.
const expectedEvidence = evidencePolicy(config.evidence);
const alertPolicyList = props(roles.get('AlertRole') ?? {}).Policies;
const evidencePolicies = (Array.isArray(alertPolicyList) ? alertPolicyList : []).filter(
  (p: unknown) => isObj(p) && p.PolicyName === EVIDENCE_POLICY_NAME,
);
check(
  JSON.stringify(evidencePolicies) === JSON.stringify(expectedEvidence ? [expectedEvidence] : []),
  'AlertRole is granted exactly the evidence reads its configuration turns on',
);
for (const [id] of roles)
  if (id !== 'AlertRole')
    check(
      !/"(logs:FilterLogEvents|cloudtrail:LookupEvents|cloudwatch:GetMetricData)"/.test(policyText(id)),
      `${id} reads no evidence`,
    );

// IAM refuses a role description outside tab, newline, carriage return and U+0020-U+00FF
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
for (const [id, role] of roles) {
  const description = props(role).Description;
  check(
    description === undefined ||
      (typeof description === 'string' && /^[\t\n\r\x20-\x7E\xA1-\xFF]*$/.test(description)),
    `${id} has a description IAM accepts`,
  );
}

// The rules about switching off alerting recognise this stack's names by it (shared/detect/alerting.ts).
check(
  isObj(alertEnv) && alertEnv.CLOUD_ALERTS_PREFIX === prefix,
  `the alert function is told its prefix ${prefix}`,
);
const outputs = isObj(template.Outputs) ? template.Outputs : {};
check(
  JSON.stringify(outputs.AlertRoleArn) === JSON.stringify({ Value: { 'Fn::GetAtt': ['AlertRole', 'Arn'] } }),
  'the alert role ARN is a stack output (member readers trust it)',
);
// `cloud-alerts doctor` compares it with the local configuration (scripts/serverless-cloud-alerts.cjs).
check(
  isObj(outputs.CloudAlertsConfigDigest) &&
    /^[0-9a-f]{64}$/.test(String(outputs.CloudAlertsConfigDigest.Value)),
  'the compiled configuration’s SHA-256 is a stack output',
);

// Resource policies: the alerts bus and the topic accept writes from their one writer.
const busPolicy = ofType('AWS::Events::EventBusPolicy').find(([id]) => id === 'AlertsBusPolicy');
check(
  JSON.stringify(busPolicy?.[1] ?? {}).includes('"Effect":"Deny"') &&
    JSON.stringify(busPolicy?.[1] ?? {}).includes('AlertRole'),
  'the alerts bus denies PutEvents to all but the alert role',
);
const topicPolicy = ofType('AWS::SNS::TopicPolicy')[0]?.[1];
check(
  JSON.stringify(topicPolicy ?? {}).includes('NotifyEmailRole'),
  'the topic denies Publish to all but notify-email and CloudWatch',
);
check(
  JSON.stringify(props(topics[0]?.[1] ?? {}).KmsMasterKeyId) === JSON.stringify({ Ref: 'AlertsKey' }),
  'the topic uses the customer managed key CloudWatch can publish with',
);
for (const [id, t] of ofType('AWS::DynamoDB::Table'))
  check(JSON.stringify(props(t).SSESpecification ?? {}).includes('true'), `table ${id} is encrypted`);

// Self-monitoring: errors and throttles of every function, depth of every dead-letter queue.
const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => props(a));
const alarmOn = (metric: string, dimValue: string) =>
  alarms.some(
    (a) =>
      a.MetricName === metric &&
      JSON.stringify(a.Dimensions).includes(dimValue) &&
      JSON.stringify(a.AlarmActions) === JSON.stringify([{ Ref: 'AlertsTopic' }]),
  );
for (const fn of ['alert', ...notifiers.map((n) => `notify-${n.name}`)]) {
  check(alarmOn('Errors', `${prefix}-${fn}`), `an errors alarm on ${fn} notifying the topic directly`);
  check(alarmOn('Throttles', `${prefix}-${fn}`), `a throttles alarm on ${fn}`);
}
for (const [id] of deadLetterQueues)
  check(alarmOn('ApproximateNumberOfMessagesVisible', id), `a depth alarm on ${id}`);

// The heartbeat: the canary may write its one parameter and nothing else; only its own successful
// write, from aws.ssm, reaches the alert function; silence alarms straight to the topic.
const heartbeatParameter = `/cloud-alerts/${stage}/heartbeat`;
const heartbeatRole = props(roles.get('HeartbeatRole') ?? {});
const heartbeatActions = JSON.stringify(heartbeatRole.Policies ?? []).match(/"[a-z0-9-]+:[A-Za-z*]+"/g);
check(
  JSON.stringify(heartbeatActions) ===
    JSON.stringify(['"logs:CreateLogStream"', '"logs:PutLogEvents"', '"ssm:PutParameter"']) &&
    policyText('HeartbeatRole').includes(`:parameter${heartbeatParameter}"`),
  `the heartbeat role may only write ${heartbeatParameter} (and its logs)`,
);
const heartbeatPattern = JSON.stringify(ruleNamed(`${prefix}-heartbeat`)?.EventPattern ?? {});
check(
  heartbeatPattern.startsWith('{"source":["aws.ssm"],') &&
    heartbeatPattern.includes(`"name":["${heartbeatParameter}"]`) &&
    heartbeatPattern.includes(`"userName":["${String(heartbeatRole.RoleName)}"]`) &&
    heartbeatPattern.includes('"errorCode":[{"exists":false}]'),
  'the heartbeat rule matches only the canary role’s successful write of its parameter, from aws.ssm',
);
const heartbeatAlarm = alarms.find((a) => a.AlarmName === `${prefix}-heartbeat-missing`);
check(
  // AWS/Events: EventBridge's own count, which PutMetricData cannot forge (a CloudAlerts metric could be).
  heartbeatAlarm?.Namespace === 'AWS/Events' &&
    heartbeatAlarm.MetricName === 'Invocations' &&
    JSON.stringify(heartbeatAlarm.Dimensions) ===
      JSON.stringify([{ Name: 'RuleName', Value: `${prefix}-heartbeat` }]) &&
    heartbeatAlarm.ComparisonOperator === 'LessThanThreshold' &&
    heartbeatAlarm.TreatMissingData === 'breaching' &&
    JSON.stringify(heartbeatAlarm.AlarmActions) === JSON.stringify([{ Ref: 'AlertsTopic' }]),
  'an alarm on the heartbeat rule invoking nothing (AWS/Events, missing data breaching) notifying the topic directly',
);

if (failures.length > 0) {
  console.error(`template check failed (${file}):\n  - ${failures.join('\n  - ')}`);
  process.exit(1);
}
console.log(
  `template check: ${file} (stage ${stage}) has the rules, buses, queues, destinations and encryption expected`,
);
