import { alarmLink } from '../enrich/links.ts';
import type { Fact } from '../events/alert.ts';
import {
  ATTEMPT,
  isFalse,
  isOwnName,
  isTrue,
  link,
  listed,
  OUTSIDE_A_DEPLOY,
  own,
  param,
  scalar,
  throughCloudFormation,
  verdict,
} from './alerting-common.ts';
import type { CloudTrailRule, DetectContext } from './types.ts';
import { field, short, strings } from './values.ts';

/**
 * The alerting-* rules about where alerts end up and what watches the pipeline: the receivers'
 * secrets and the e-mail topic (fed by `alerting-outputs` in serverless.yml, which also carries the
 * EventBridge calls on our rules so that switching off `alerting-tampering` is seen), and the
 * pipeline's own alarms and the log groups (fed by `alerting-monitoring`).
 */
const FEED = 'alerting-outputs';
const MONITORING_FEED = 'alerting-monitoring';

// ---------------------------------------------------------------------------------------------
// SSM: the parameters holding Slack webhook URLs and PagerDuty routing keys.

/** Parameters are named by name or ARN (`…:parameter/cloud-alerts/prod/slack`, leading slash dropped). */
function parameterName(given: string): string {
  const at = given.indexOf(':parameter/');
  if (!given.startsWith('arn:') || at < 0) return given;
  const rest = given.slice(at + ':parameter/'.length);
  return `/${rest}`;
}

/**
 * The heartbeat canary overwrites `/<service>/<stage>/heartbeat` every ten minutes (shared/heartbeat,
 * docs/deploy.md): ours, but no receiver's secret, and its writes are the heartbeat itself.
 */
const HEARTBEAT_PARAMETER = /^\/[^/]+\/[^/]+\/heartbeat$/;

function ownParameter(given: string, ctx: DetectContext): { name: string; receiver?: string } | undefined {
  const o = own(ctx);
  const name = parameterName(given);
  // A non-hierarchical name's ARN has no slash to drop: compare both spellings.
  const bare = given.startsWith('arn:') ? name.slice(1) : name;
  const secret = o.secrets.find((s) => s.parameter === name || s.parameter === bare);
  if (secret) return { name: secret.parameter, receiver: secret.receiver };
  if (o.parameterPrefixes.some((p) => name.startsWith(p))) return { name };
  return undefined;
}

export const alertingSecretDeleted: CloudTrailRule = {
  id: 'alerting-secret-deleted',
  title: 'Alerting switched off: receiver secret deleted',
  severity: 'critical',
  description:
    'An SSM parameter holding a receiver’s secret (a Slack webhook URL, a PagerDuty routing key) deleted: one the configuration names, or any under /cloud-alerts/; critical even when denied.',
  feed: FEED,
  eventSource: 'ssm.amazonaws.com',
  // DeleteParameter takes `name`, DeleteParameters `names` and answers with `deletedParameters`.
  // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DeleteParameters.html
  eventNames: ['DeleteParameter', 'DeleteParameters'],
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    const asked =
      record.eventName === 'DeleteParameters'
        ? strings(field(record.requestParameters, 'names'))
        : strings(field(record.requestParameters, 'name'));
    // A successful DeleteParameters says which it deleted; the others did not exist.
    const deleted = field(record.responseElements, 'deletedParameters');
    const names = Array.isArray(deleted) ? strings(deleted) : asked;
    const ours = names.flatMap((n) => {
      const o = ownParameter(n, ctx);
      return o ? [o] : [];
    });
    const [first] = ours;
    if (!first) return null;
    const receivers = [...new Set(ours.flatMap((o) => (o.receiver ? [o.receiver] : [])))];
    const facts: Fact[] = [];
    if (ours.length > 1)
      facts.push({ label: 'Parameters', value: short(ours.map((o) => o.name).join(', '), 500) });
    if (receivers.length > 0) facts.push({ label: 'Receivers', value: receivers.join(', ') });
    const region = record.awsRegion ?? ctx.region;
    return {
      action:
        ours.length === 1
          ? `deleted SSM parameter ${first.name}`
          : `deleted SSM parameters ${listed(ours.map((o) => o.name))}`,
      verdict: verdict(
        record,
        receivers.length > 0
          ? `${receivers.join(', ')} can no longer be sent to once the notifier’s five-minute secret cache expires.`
          : 'the receiver whose secret this was can no longer be sent to once the notifier’s five-minute secret cache expires.',
      ),
      resource: { type: 'SSM parameter', name: first.name },
      links: link(region, 'Open Parameter Store', (r) => `systems-manager/parameters?region=${r}`),
      facts,
      ...ATTEMPT,
    };
  },
};

/**
 * A receiver's secret overwritten. It is what a rotation does, and also what sends every alert of
 * that receiver to whoever wrote the new webhook URL or routing key (or to nowhere): the two look
 * the same in CloudTrail, so it is never silent and never a page. The value is not read: CloudTrail
 * does not record a SecureString's, and a String's would be the secret itself.
 */
export const alertingSecretChanged: CloudTrailRule = {
  id: 'alerting-secret-changed',
  title: 'Receiver secret changed: confirm the rotation',
  severity: 'medium',
  description:
    'An SSM parameter holding a receiver’s secret overwritten (PutParameter with Overwrite): a rotation looks the same as someone redirecting that receiver’s alerts; medium, also when denied.',
  feed: FEED,
  eventSource: 'ssm.amazonaws.com',
  // Overwrite is required to replace an existing parameter's value; without it PutParameter fails
  // with ParameterAlreadyExists. https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
  eventNames: ['PutParameter'],
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    if (!isTrue(field(record.requestParameters, 'overwrite'))) return null;
    const given = param(record, 'name');
    const ours = given === undefined ? undefined : ownParameter(given, ctx);
    if (!ours || (!ours.receiver && HEARTBEAT_PARAMETER.test(ours.name))) return null;
    const facts: Fact[] = [];
    if (ours.receiver) facts.push({ label: 'Receiver', value: ours.receiver });
    const version = scalar(field(record.responseElements, 'version'));
    if (version) facts.push({ label: 'New version', value: version });
    const whose = ours.receiver ?? 'the receiver that reads it';
    const region = record.awsRegion ?? ctx.region;
    return {
      action: `overwrote SSM parameter ${ours.name}`,
      verdict: `A receiver’s secret was replaced: once the notifier’s five-minute secret cache expires, ${whose}’s alerts go wherever the new webhook URL or routing key points. A rotation looks the same: confirm it with whoever rotated it. If nobody did, someone may be reading or swallowing these alerts.`,
      resource: { type: 'SSM parameter', name: ours.name },
      links: link(region, 'Open Parameter Store', (r) => `systems-manager/parameters?region=${r}`),
      facts,
      keepSeverityWhenDenied: true,
      deniedVerdict:
        'Nothing changed (the call was refused or failed), but someone tried to replace a receiver’s secret: kept medium. Find out who holds these credentials and why they tried.',
    };
  },
};

// ---------------------------------------------------------------------------------------------
// SNS: the e-mail topic, which also carries the pipeline's own alarms.

/** `arn:aws:sns:<region>:<account>:<topic>[:<subscription id>]` → the topic's ARN and name. */
function topicOf(arn: string | undefined): { arn: string; name: string } | undefined {
  if (!arn?.startsWith('arn:')) return undefined;
  const parts = arn.split(':');
  const name = parts[5];
  if (parts[2] !== 'sns' || !name) return undefined;
  return { arn: parts.slice(0, 6).join(':'), name };
}

const FILTER_ATTRIBUTES = new Set(['FilterPolicy', 'FilterPolicyScope']);

/**
 * Topic attributes that decide whether anyone can publish: the access policy (notify-email and
 * CloudWatch are allowed by it) and the KMS key (CloudWatch alarms can publish only to a topic
 * whose key policy lets cloudwatch.amazonaws.com use it).
 * https://docs.aws.amazon.com/sns/latest/api/API_SetTopicAttributes.html
 */
const PUBLISH_ATTRIBUTES = new Set(['Policy', 'KmsMasterKeyId']);

export const alertingTopicTampered: CloudTrailRule = {
  id: 'alerting-topic-tampered',
  title: 'Alerting switched off: e-mail topic',
  severity: 'critical',
  description:
    'cloud-alerts’ SNS topic deleted, a subscription removed (Unsubscribe names only the subscription ARN, which holds the topic name), a filter policy set on one, a statement removed from its policy, or its policy or KMS key replaced outside a deploy; critical even when denied.',
  feed: FEED,
  eventSource: 'sns.amazonaws.com',
  // https://docs.aws.amazon.com/sns/latest/api/API_Unsubscribe.html, API_SetSubscriptionAttributes.html,
  // API_SetTopicAttributes.html, API_RemovePermission.html (topicArn and the statement's label).
  eventNames: [
    'Unsubscribe',
    'DeleteTopic',
    'SetSubscriptionAttributes',
    'SetTopicAttributes',
    'RemovePermission',
  ],
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    const byTopic = record.eventName !== 'Unsubscribe' && record.eventName !== 'SetSubscriptionAttributes';
    const topic = topicOf(param(record, byTopic ? 'topicArn' : 'subscriptionArn'));
    if (!topic) return null;
    if (!isOwnName(topic.name, ctx) && !own(ctx).topicArns.includes(topic.arn)) return null;
    const facts: Fact[] = [];
    let action: string;
    let what: string;
    switch (record.eventName) {
      case 'DeleteTopic':
        action = `deleted SNS topic ${topic.name}`;
        what = 'e-mail alerts and the pipeline’s own alarms (errors, throttles, dead letters) go nowhere.';
        break;
      case 'Unsubscribe':
        action = `removed a subscription from SNS topic ${topic.name}`;
        what = `one subscriber of ${topic.name} (an e-mail address, normally) no longer receives alerts or the pipeline’s own alarms.`;
        break;
      case 'RemovePermission': {
        const label = param(record, 'label');
        if (label) facts.push({ label: 'Statement removed', value: label });
        action = `removed ${label ? `statement ${label}` : 'a statement'} from the policy of SNS topic ${topic.name}`;
        what =
          'if it was the statement that lets CloudWatch alarms publish, the pipeline’s own alarms (errors, throttles, dead letters) go nowhere.';
        break;
      }
      case 'SetTopicAttributes': {
        const attribute = param(record, 'attributeName');
        if (!attribute || !PUBLISH_ATTRIBUTES.has(attribute) || throughCloudFormation(record)) return null;
        const value = param(record, 'attributeValue');
        facts.push({ label: attribute, value: value ? short(value, 500) : '(none)' });
        action = `replaced the ${attribute === 'Policy' ? 'access policy' : 'KMS key'} of SNS topic ${topic.name}`;
        what =
          attribute === 'Policy'
            ? `the topic’s policy was replaced ${OUTSIDE_A_DEPLOY}: if it no longer lets notify-email and CloudWatch publish, e-mail alerts and the pipeline’s own alarms go nowhere.`
            : `the topic’s encryption key was changed ${OUTSIDE_A_DEPLOY}: CloudWatch alarms can publish only with a key whose policy lets CloudWatch use it (never the AWS managed aws/sns key), so the pipeline’s own alarms may go nowhere.`;
        break;
      }
      default: {
        const attribute = param(record, 'attributeName');
        if (!attribute || !FILTER_ATTRIBUTES.has(attribute)) return null;
        const value = param(record, 'attributeValue');
        if (value) facts.push({ label: attribute, value: short(value, 500) });
        action = `set ${attribute} on a subscription of SNS topic ${topic.name}`;
        what = 'that subscriber now receives only the messages the filter lets through.';
      }
    }
    const subscription = param(record, 'subscriptionArn');
    if (subscription) facts.push({ label: 'Subscription', value: subscription });
    const region = record.awsRegion ?? ctx.region;
    return {
      action,
      verdict: verdict(record, what),
      resource: { type: 'SNS topic', name: topic.name, arn: topic.arn },
      links: link(region, 'Open topic', (r) => `sns/v3/home?region=${r}#/topic/${topic.arn}`, topic.arn),
      facts,
      ...ATTEMPT,
    };
  },
};

// ---------------------------------------------------------------------------------------------
// CloudWatch Logs: CloudTrail's log group, and the log groups of cloud-alerts' functions.

const LAMBDA_LOG_GROUP = '/aws/lambda/';

/**
 * CloudTrail's log group has whatever name its owner gave it; the consoles' defaults
 * (`aws-cloudtrail-logs-…`, `CloudTrail/DefaultLogGroup`) and Control Tower's
 * (`aws-controltower/CloudTrailLogs`) all say so, in some case.
 */
function looksLikeCloudTrail(name: string): boolean {
  return name.toLowerCase().includes('cloudtrail');
}

export const alertingLogGroupDeleted: CloudTrailRule = {
  id: 'alerting-log-group-deleted',
  title: 'Alerting switched off: CloudTrail or cloud-alerts log group deleted',
  severity: 'critical',
  description:
    'DeleteLogGroup on a log group whose name says CloudTrail (its metric filters and alarms go with it) or on the log group of a cloud-alerts function; critical even when denied.',
  feed: MONITORING_FEED,
  eventSource: 'logs.amazonaws.com',
  // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DeleteLogGroup.html
  eventNames: ['DeleteLogGroup'],
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    const name = param(record, 'logGroupName');
    if (!name) return null;
    const fn = name.startsWith(LAMBDA_LOG_GROUP) ? name.slice(LAMBDA_LOG_GROUP.length) : undefined;
    const ours = isOwnName(fn, ctx);
    if (!ours && !looksLikeCloudTrail(name)) return null;
    const region = record.awsRegion ?? ctx.region;
    return {
      action: `deleted log group ${name}`,
      verdict: ours
        ? `Someone is erasing cloud-alerts’ own record: what ${fn} received, rejected and sent is gone from CloudWatch Logs.`
        : verdict(
            record,
            'CloudTrail’s copy in CloudWatch Logs is gone, and with it every metric filter and alarm built on it. The trail’s S3 copy is not affected.',
          ),
      resource: { type: 'Log group', name },
      links: link(region, 'Open log groups', (r) => `cloudwatch/home?region=${r}#logsV2:log-groups`),
      ...ATTEMPT,
    };
  },
};

// ---------------------------------------------------------------------------------------------
// CloudWatch alarms: the pipeline's own (function errors and throttles, dead-letter depth), which
// mail the topic directly because the pipeline may be what is broken.

/** What a PutMetricAlarm leaves of the alarm's actions: it replaces the whole alarm. */
function rewrittenAlarm(request: unknown): { facts: Fact[]; what: string } {
  const facts: Fact[] = [];
  const enabled = field(request, 'actionsEnabled');
  const actions = strings(field(request, 'alarmActions'));
  const threshold = scalar(field(request, 'threshold'));
  const disabled = isFalse(enabled);
  if (enabled !== undefined) facts.push({ label: 'Actions enabled', value: scalar(enabled) ?? '?' });
  facts.push({
    label: 'Alarm actions',
    value: actions.length > 0 ? short(actions.join(', '), 500) : '(none)',
  });
  if (threshold) facts.push({ label: 'Threshold', value: threshold });
  const effect = disabled
    ? 'its actions are turned off, so it mails nobody'
    : actions.length === 0
      ? 'it was given no alarm actions, so it mails nobody'
      : 'its threshold, metric or actions may no longer fire on a broken pipeline';
  return { facts, what: effect };
}

export const alertingAlarmDisabled: CloudTrailRule = {
  id: 'alerting-alarm-disabled',
  title: 'Alerting switched off: cloud-alerts’ own alarms',
  severity: 'critical',
  description:
    'DeleteAlarms or DisableAlarmActions on cloud-alerts’ own alarms (function errors and throttles, dead-letter queue depth), or one rewritten by PutMetricAlarm outside a deploy: a broken pipeline would go unnoticed; critical even when denied.',
  feed: MONITORING_FEED,
  eventSource: 'monitoring.amazonaws.com',
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html,
  // API_PutMetricAlarm.html (alarmName; it replaces the alarm's whole configuration).
  eventNames: ['DeleteAlarms', 'DisableAlarmActions', 'PutMetricAlarm'],
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    const region = record.awsRegion ?? ctx.region;
    if (record.eventName === 'PutMetricAlarm') {
      const name = param(record, 'alarmName');
      if (!isOwnName(name, ctx) || throughCloudFormation(record)) return null;
      const { facts, what } = rewrittenAlarm(record.requestParameters);
      return {
        action: `rewrote alarm ${name}`,
        verdict: verdict(
          record,
          `alarm ${name} was rewritten ${OUTSIDE_A_DEPLOY}, and PutMetricAlarm replaces the whole alarm: ${what}.`,
        ),
        resource: { type: 'CloudWatch alarm', name },
        links: [alarmLink(region, name)],
        facts,
        ...ATTEMPT,
      };
    }
    const names = strings(field(record.requestParameters, 'alarmNames')).filter((n) => isOwnName(n, ctx));
    const [first] = names;
    if (!first) return null;
    const deleted = record.eventName === 'DeleteAlarms';
    const noun = names.length === 1 ? 'alarm' : 'alarms';
    return {
      action: deleted
        ? `deleted ${noun} ${listed(names)}`
        : `disabled the actions of ${noun} ${listed(names)}`,
      verdict: verdict(
        record,
        'the pipeline’s own alarms no longer mail the topic, so a broken or throttled pipeline would go unnoticed.',
      ),
      resource: { type: 'CloudWatch alarm', name: first },
      links: deleted ? [] : [alarmLink(region, first)],
      ...(names.length > 1 ? { facts: [{ label: 'Alarms', value: short(names.join(', '), 500) }] } : {}),
      ...ATTEMPT,
    };
  },
};

export const OUTPUT_RULES: readonly CloudTrailRule[] = [
  alertingSecretDeleted,
  alertingSecretChanged,
  alertingTopicTampered,
  alertingLogGroupDeleted,
  alertingAlarmDisabled,
];
