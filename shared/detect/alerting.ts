import { alarmLink, consoleUrl, lambdaLink } from '../enrich/links.ts';
import type { Fact, Link, Resource } from '../events/alert.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import type { CloudTrailRule, DetectContext, FindingDraft, OwnResources } from './types.ts';
import { field, short, str, strings } from './values.ts';

/**
 * Someone switching off the alerting itself: cloud-alerts' EventBridge rules, bus and archive, its
 * functions and their triggers, its queues, its e-mail topic, the SSM parameters holding its
 * receivers' secrets, its own alarms, and the log groups it and CloudTrail write to. Every rule here
 * is critical, and stays critical when denied: someone tried.
 *
 * Two EventBridge rules feed them, filtered on our names so the function is not invoked for every
 * DeleteRule or DeleteParameter in the account: `alerting-tampering` (the path events take to the
 * function: EventBridge, Lambda, SQS) and `alerting-outputs` (topic, secrets, alarms, log groups).
 * Both also carry the EventBridge calls, so disabling or deleting one of them is seen by the other.
 * Denied attempts on our names also arrive through `unauthorized-calls`, and root's through
 * `root-usage`.
 */
const FEED = 'alerting-tampering';
const OUTPUTS_FEED = 'alerting-outputs';

/** The service name in serverless.yml; the documented parameter path is `/cloud-alerts/<stage>/…`. */
export const DEFAULT_SERVICE = 'cloud-alerts';

/**
 * Without a context every stage of the default service name is ours: a rule that reaches a denied
 * attempt on another stage's function (through `unauthorized-calls`) is still looking at someone
 * switching off alerting. Replay, which has no deployment around it, sees the same.
 */
export const DEFAULT_OWN: OwnResources = {
  namePrefixes: [`${DEFAULT_SERVICE}-`],
  parameterPrefixes: [`/${DEFAULT_SERVICE}/`],
  secrets: [],
  topicArns: [],
};

/**
 * Set on the alert function from custom.prefix (`<service>-<stage>`), so a deployment under another
 * service name recognises its own resources: the feed patterns in serverless.yml use the same prefix.
 */
export const PREFIX_ENV = 'CLOUD_ALERTS_PREFIX';

/** What custom.prefix can be: a service name and a stage joined by `-`. */
const PREFIX_VALUE = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;

/**
 * Our resources as this deployment knows them: the defaults, the prefix its environment names, and
 * the parameters and topics its receivers use. `receivers` is the configuration's list, read
 * structurally so detection does not depend on the configuration module.
 */
export function ownResources(
  receivers: readonly unknown[],
  env: Readonly<Record<string, string | undefined>> = {},
): OwnResources {
  const namePrefixes = [...DEFAULT_OWN.namePrefixes];
  const prefix = env[PREFIX_ENV];
  if (prefix && PREFIX_VALUE.test(prefix) && !namePrefixes.some((p) => `${prefix}-`.startsWith(p)))
    namePrefixes.push(`${prefix}-`);
  const secrets: { parameter: string; receiver: string }[] = [];
  const topicArns: string[] = [];
  for (const r of receivers) {
    const receiver = str(field(r, 'name')) ?? 'unnamed receiver';
    const parameter =
      str(field(field(r, 'slack'), 'webhookUrlParameter')) ??
      str(field(field(r, 'pagerduty'), 'routingKeyParameter'));
    if (parameter) secrets.push({ parameter, receiver });
    const topic = str(field(field(r, 'email'), 'topicArn'));
    if (topic?.startsWith('arn:')) topicArns.push(topic);
  }
  return { namePrefixes, parameterPrefixes: DEFAULT_OWN.parameterPrefixes, secrets, topicArns };
}

function own(ctx: DetectContext): OwnResources {
  return ctx.own ?? DEFAULT_OWN;
}

export function isOwnName(name: string | undefined, ctx: DetectContext): name is string {
  return name !== undefined && own(ctx).namePrefixes.some((p) => name.startsWith(p));
}

/**
 * A Lambda function is named by name, name:qualifier, ARN or partial ARN (`123…:function:name`).
 * https://docs.aws.amazon.com/lambda/latest/api/API_DeleteFunction.html
 */
export function lambdaFunctionName(given: string): { name: string; qualifier?: string } {
  const parts = given.split(':');
  const at = parts.indexOf('function');
  const name = (at >= 0 ? parts[at + 1] : parts[0]) ?? given;
  const qualifier = at >= 0 ? parts[at + 2] : parts[1];
  return qualifier ? { name, qualifier } : { name };
}

/** True for one of cloud-alerts' functions, however the call names it. */
export function isOwnFunction(given: string | undefined, ctx: DetectContext): boolean {
  return given !== undefined && isOwnName(lambdaFunctionName(given).name, ctx);
}

/**
 * Changes CloudFormation makes (a stack update or `serverless remove`) carry its service name where
 * AWS writes it, not in the user agent, which the caller chooses.
 */
function throughCloudFormation(record: CloudTrailRecord): boolean {
  const cfn = 'cloudformation.amazonaws.com';
  return record.userIdentity?.invokedBy === cfn || record.sourceIPAddress === cfn;
}

const SWITCHING_OFF = 'Someone is switching off your alerting';

/** A refused or failed attempt changed nothing but is the same signal: kept critical, and said so. */
const ATTEMPT = {
  keepSeverityWhenDenied: true,
  deniedVerdict:
    'Nothing changed (the call was refused or failed), but someone tried to switch off your alerting: kept critical. Find out who holds these credentials and why they tried.',
} as const;

/** The verdict, with a word on CloudFormation when it made the call: a planned removal looks the same. */
function verdict(record: CloudTrailRecord, what: string): string {
  const cfn = throughCloudFormation(record)
    ? ' Made through CloudFormation: confirm a stack update or removal was planned.'
    : '';
  return `${SWITCHING_OFF}: ${what}${cfn}`;
}

/** Only names AWS could have issued go into a console URL. */
const LINKABLE = /^[A-Za-z0-9._\-/:]+$/;
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * A console link whose path is built from a region that is a region name (a record's awsRegion is the
 * writer's text) and from names AWS could have issued; otherwise no link at all.
 */
function link(region: string, text: string, path: (region: string) => string, ...names: string[]): Link[] {
  if (!REGION_NAME.test(region) || !names.every((n) => LINKABLE.test(n))) return [];
  return [{ text, url: consoleUrl(region, path(region)) }];
}

function param(record: CloudTrailRecord, key: string): string | undefined {
  return str(field(record.requestParameters, key));
}

function response(record: CloudTrailRecord, key: string): string | undefined {
  return str(field(record.responseElements, key));
}

function isFalse(v: unknown): boolean {
  return v === false || (typeof v === 'string' && v.trim().toLowerCase() === 'false');
}

function listed(names: readonly string[]): string {
  return names.length <= 3
    ? names.join(', ')
    : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

// ---------------------------------------------------------------------------------------------
// EventBridge: the rules that feed the alert function and the notifiers, the alerts bus, its archive.

/** `eventBusName` may be a name or an ARN (`…:event-bus/<name>`). */
function busName(given: string | undefined): string {
  if (!given) return 'default';
  return given.includes(':event-bus/') ? (given.split(':event-bus/')[1] ?? given) : given;
}

export const alertingEventBridgeTampered: CloudTrailRule = {
  id: 'alerting-eventbridge-tampered',
  title: 'Alerting switched off: EventBridge rule, bus or archive',
  severity: 'critical',
  description:
    'One of cloud-alerts’ EventBridge rules disabled (DisableRule, PutRule with state DISABLED) or deleted, its targets removed, or its alerts bus or archive deleted; critical even when denied.',
  feed: FEED,
  eventSource: 'events.amazonaws.com',
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/logging-using-cloudtrail.html (CloudTrail
  // records these with the API's parameter names: name, rule, ids, state, eventBusName, archiveName).
  eventNames: ['DisableRule', 'DeleteRule', 'RemoveTargets', 'PutRule', 'DeleteEventBus', 'DeleteArchive'],
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    const region = record.awsRegion ?? ctx.region;
    const facts: Fact[] = [];
    if (record.eventName === 'DeleteEventBus' || record.eventName === 'DeleteArchive') {
      const bus = record.eventName === 'DeleteEventBus';
      const name = param(record, bus ? 'name' : 'archiveName');
      if (!isOwnName(name, ctx)) return null;
      return {
        action: `deleted ${bus ? 'event bus' : 'event archive'} ${name}`,
        verdict: verdict(
          record,
          bus
            ? 'alerts can no longer reach the notifiers; nothing is sent to Slack, PagerDuty or e-mail.'
            : 'alerts can no longer be replayed after a delivery outage.',
        ),
        resource: { type: bus ? 'EventBridge event bus' : 'EventBridge archive', name },
        links: bus
          ? link(region, 'Open event buses', (r) => `events/home?region=${r}#/eventbuses`)
          : link(region, 'Open archives', (r) => `events/home?region=${r}#/archives`),
        ...ATTEMPT,
      };
    }
    const name = param(record, record.eventName === 'RemoveTargets' ? 'rule' : 'name');
    if (!isOwnName(name, ctx)) return null;
    let action: string;
    let what: string;
    switch (record.eventName) {
      case 'DisableRule':
        action = `disabled EventBridge rule ${name}`;
        what = `rule ${name} matches nothing until it is enabled again.`;
        break;
      case 'DeleteRule':
        action = `deleted EventBridge rule ${name}`;
        what = `the events rule ${name} matched no longer reach cloud-alerts; deploy the stack again to restore it.`;
        break;
      case 'RemoveTargets': {
        const ids = strings(field(record.requestParameters, 'ids'));
        if (ids.length > 0) facts.push({ label: 'Targets removed', value: short(ids.join(', '), 300) });
        action = `removed ${ids.length === 1 ? 'a target' : 'targets'} from EventBridge rule ${name}`;
        what = `rule ${name} still matches but delivers to nothing.`;
        break;
      }
      default: {
        // PutRule rewrites the whole rule; only a DISABLED state turns it off. A changed pattern is
        // what every deploy does, so it is not judged here.
        const state = param(record, 'state');
        if (state?.trim().toUpperCase() !== 'DISABLED') return null;
        action = `disabled EventBridge rule ${name} (PutRule with state DISABLED)`;
        what = `rule ${name} matches nothing until it is enabled again.`;
      }
    }
    const bus = busName(param(record, 'eventBusName'));
    if (bus !== 'default') facts.push({ label: 'Event bus', value: bus });
    return {
      action,
      verdict: verdict(record, what),
      resource: { type: 'EventBridge rule', name },
      links: link(
        region,
        'Open rule',
        (r) => `events/home?region=${r}#/eventbus/${bus}/rules/${name}`,
        bus,
        name,
      ),
      facts,
      ...ATTEMPT,
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Lambda: the functions, their reserved concurrency, their triggers and invoke permissions.

/** Lambda records its calls with the API version in the name (DeleteFunction20150331). */
const LAMBDA_CALLS = {
  delete: ['DeleteFunction', 'DeleteFunction20'],
  concurrency: 'PutFunctionConcurrency',
  deleteMapping: 'DeleteEventSourceMapping',
  updateMapping: 'UpdateEventSourceMapping',
  permission: 'RemovePermission',
} as const;

/** Reserved concurrency as the event gives it: a number, a numeric string, or unreadable (NaN). */
export function reservedConcurrency(record: CloudTrailRecord): number {
  const raw = field(record.requestParameters, 'reservedConcurrentExecutions');
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && raw.trim() !== '') return Number(raw);
  return Number.NaN;
}

function lambdaResource(given: string): Resource {
  const { name } = lambdaFunctionName(given);
  return { type: 'Lambda function', name, ...(given.startsWith('arn:') ? { arn: given } : {}) };
}

/** An event source mapping is named only by its UUID; what it connects is in the response. */
function mappingCheck(record: CloudTrailRecord, ctx: DetectContext): FindingDraft | null {
  const region = record.awsRegion ?? ctx.region;
  const update = record.eventName.startsWith(LAMBDA_CALLS.updateMapping);
  if (update && !isFalse(field(record.requestParameters, 'enabled'))) return null;
  const fn = response(record, 'functionArn') ?? param(record, 'functionName');
  const queueArn = response(record, 'eventSourceArn');
  const queue = queueArn?.split(':').at(-1);
  if (!isOwnFunction(fn, ctx) && !isOwnName(queue, ctx)) return null;
  const uuid =
    param(record, 'uUID') ?? param(record, 'uuid') ?? param(record, 'UUID') ?? response(record, 'uUID');
  const fnName = fn ? lambdaFunctionName(fn).name : 'unknown function';
  const from = queue ? ` from queue ${queue}` : '';
  const facts: Fact[] = uuid ? [{ label: 'Event source mapping', value: uuid }] : [];
  return {
    action: `${update ? 'disabled' : 'deleted'} the event source mapping of function ${fnName}${from}`,
    verdict: verdict(
      record,
      `${fnName} no longer reads ${queue ?? 'its queue'}, so grouped alerts’ summaries are never sent.`,
    ),
    resource: fn ? lambdaResource(fn) : { type: 'Lambda function', name: fnName },
    links: fn ? [lambdaLink(region, fn)] : [],
    facts,
    ...ATTEMPT,
  };
}

export const alertingFunctionDisabled: CloudTrailRule = {
  id: 'alerting-function-disabled',
  title: 'Alerting switched off: cloud-alerts function',
  severity: 'critical',
  description:
    'One of cloud-alerts’ functions deleted, throttled to zero reserved concurrency, stripped of an invoke permission, or its queue trigger deleted or disabled; critical even when denied.',
  feed: FEED,
  eventSource: 'lambda.amazonaws.com',
  // Recorded with version suffixes (DeleteFunction20150331, PutFunctionConcurrency20171031,
  // RemovePermission20150331v2…); the documented list also has a bare DeleteFunction.
  // https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html
  eventNames: [
    'DeleteFunction',
    'DeleteFunction20*',
    'PutFunctionConcurrency*',
    'DeleteEventSourceMapping*',
    'UpdateEventSourceMapping*',
    'RemovePermission*',
  ],
  attemptKeepsSeverity: true,
  needs: [
    'requestParameters',
    // The request names a mapping by UUID only: the function and queue are in the response.
    { part: 'responseElements', calls: ['DeleteEventSourceMapping*', 'UpdateEventSourceMapping*'] },
  ],
  check(record, ctx) {
    const name = record.eventName;
    if (name.startsWith(LAMBDA_CALLS.deleteMapping) || name.startsWith(LAMBDA_CALLS.updateMapping))
      return mappingCheck(record, ctx);
    const given = param(record, 'functionName');
    if (!given || !isOwnFunction(given, ctx)) return null;
    const region = record.awsRegion ?? ctx.region;
    const fn = lambdaFunctionName(given);
    const base = {
      resource: lambdaResource(given),
      links: [lambdaLink(region, given)],
      ...ATTEMPT,
    };
    if (name.startsWith(LAMBDA_CALLS.concurrency)) {
      // Any other limit is lambda-concurrency-changed's to report; zero, or a value the event does
      // not show, is ours (resources.ts leaves both to this rule so one event raises one alert).
      const n = reservedConcurrency(record);
      if (n !== 0 && !Number.isNaN(n)) return null;
      return Number.isNaN(n)
        ? {
            ...base,
            action: `set the reserved concurrency of function ${fn.name} to a value the event does not show`,
            verdict: verdict(
              record,
              `if the new value is 0, ${fn.name} no longer runs at all: check it now.`,
            ),
          }
        : {
            ...base,
            action: `set the reserved concurrency of function ${fn.name} to 0`,
            verdict: verdict(
              record,
              `${fn.name} is throttled completely; every event for it fails until the limit is raised or removed.`,
            ),
            facts: [{ label: 'Reserved concurrency', value: '0' }],
          };
    }
    if (name.startsWith(LAMBDA_CALLS.permission)) {
      const statement = param(record, 'statementId');
      return {
        ...base,
        action: `removed an invoke permission from function ${fn.name}`,
        verdict: verdict(
          record,
          `whoever that statement allowed (an EventBridge rule of cloud-alerts, normally) can no longer invoke ${fn.name}.`,
        ),
        ...(statement ? { facts: [{ label: 'Statement removed', value: statement }] } : {}),
      };
    }
    // DeleteFunction. A qualifier deletes one published version; the rules invoke the unqualified
    // function, so that changes nothing they depend on.
    const qualifier = param(record, 'qualifier') ?? fn.qualifier;
    if (qualifier && qualifier !== '$LATEST') return null;
    return {
      ...base,
      action: `deleted function ${fn.name}`,
      verdict: verdict(
        record,
        `${fn.name} is gone; the events meant for it fail and pile up in the dead-letter queue.`,
      ),
    };
  },
};

// ---------------------------------------------------------------------------------------------
// SSM: the parameters holding Slack webhook URLs and PagerDuty routing keys.

/** Parameters are named by name or ARN (`…:parameter/cloud-alerts/prod/slack`, leading slash dropped). */
function parameterName(given: string): string {
  const at = given.indexOf(':parameter/');
  if (!given.startsWith('arn:') || at < 0) return given;
  const rest = given.slice(at + ':parameter/'.length);
  return `/${rest}`;
}

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
  feed: OUTPUTS_FEED,
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

export const alertingTopicTampered: CloudTrailRule = {
  id: 'alerting-topic-tampered',
  title: 'Alerting switched off: e-mail topic',
  severity: 'critical',
  description:
    'cloud-alerts’ SNS topic deleted, a subscription removed (Unsubscribe names only the subscription ARN, which holds the topic name), or a filter policy set on one; critical even when denied.',
  feed: OUTPUTS_FEED,
  eventSource: 'sns.amazonaws.com',
  // https://docs.aws.amazon.com/sns/latest/api/API_Unsubscribe.html, API_SetSubscriptionAttributes.html
  eventNames: ['Unsubscribe', 'DeleteTopic', 'SetSubscriptionAttributes'],
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    const deleteTopic = record.eventName === 'DeleteTopic';
    const topic = topicOf(param(record, deleteTopic ? 'topicArn' : 'subscriptionArn'));
    if (!topic) return null;
    if (!isOwnName(topic.name, ctx) && !own(ctx).topicArns.includes(topic.arn)) return null;
    const facts: Fact[] = [];
    let action: string;
    let what: string;
    if (deleteTopic) {
      action = `deleted SNS topic ${topic.name}`;
      what = 'e-mail alerts and the pipeline’s own alarms (errors, throttles, dead letters) go nowhere.';
    } else if (record.eventName === 'Unsubscribe') {
      action = `removed a subscription from SNS topic ${topic.name}`;
      what = `one subscriber of ${topic.name} (an e-mail address, normally) no longer receives alerts or the pipeline’s own alarms.`;
    } else {
      const attribute = param(record, 'attributeName');
      if (!attribute || !FILTER_ATTRIBUTES.has(attribute)) return null;
      const value = param(record, 'attributeValue');
      if (value) facts.push({ label: attribute, value: short(value, 500) });
      action = `set ${attribute} on a subscription of SNS topic ${topic.name}`;
      what = 'that subscriber now receives only the messages the filter lets through.';
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
  feed: OUTPUTS_FEED,
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

export const alertingAlarmDisabled: CloudTrailRule = {
  id: 'alerting-alarm-disabled',
  title: 'Alerting switched off: cloud-alerts’ own alarms',
  severity: 'critical',
  description:
    'DeleteAlarms or DisableAlarmActions on cloud-alerts’ own alarms (function errors and throttles, dead-letter queue depth): a broken pipeline would go unnoticed; critical even when denied.',
  feed: OUTPUTS_FEED,
  eventSource: 'monitoring.amazonaws.com',
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html
  eventNames: ['DeleteAlarms', 'DisableAlarmActions'],
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    const names = strings(field(record.requestParameters, 'alarmNames')).filter((n) => isOwnName(n, ctx));
    const [first] = names;
    if (!first) return null;
    const region = record.awsRegion ?? ctx.region;
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

// ---------------------------------------------------------------------------------------------
// SQS: the dead-letter queues that keep what failed, and the grouping queue.

export const alertingQueueDeleted: CloudTrailRule = {
  id: 'alerting-queue-deleted',
  title: 'Alerting switched off: cloud-alerts queue deleted or purged',
  severity: 'critical',
  description:
    'One of cloud-alerts’ queues deleted or purged: dead-letter queues keep the events and notifications that failed (and alarm on them), the group-close queue sends grouping summaries; critical even when denied.',
  feed: FEED,
  eventSource: 'sqs.amazonaws.com',
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-logging-using-cloudtrail.html (queue management calls, DeleteQueue and PurgeQueue among them, are management events)
  eventNames: ['DeleteQueue', 'PurgeQueue'],
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    const url = param(record, 'queueUrl');
    const name = url?.split('/').at(-1);
    if (!isOwnName(name, ctx)) return null;
    const region = record.awsRegion ?? ctx.region;
    const dlq = name.endsWith('-dlq');
    const purge = record.eventName === 'PurgeQueue';
    const what = dlq
      ? purge
        ? 'the failed events and notifications it held, waiting to be redriven, are gone for good.'
        : 'what fails delivery is now dropped instead of kept, and its depth alarm can no longer fire.'
      : purge
        ? 'the grouping summaries it held are never sent.'
        : 'grouping summaries are never sent: alerts folded into a group reach nobody.';
    return {
      action: `${purge ? 'purged' : 'deleted'} ${dlq ? 'dead-letter queue' : 'queue'} ${name}`,
      verdict: verdict(record, what),
      resource: { type: 'SQS queue', name },
      links: link(region, 'Open queues', (r) => `sqs/v3/home?region=${r}#/queues`),
      ...ATTEMPT,
    };
  },
};

export const ALERTING_RULES: readonly CloudTrailRule[] = [
  alertingEventBridgeTampered,
  alertingFunctionDisabled,
  alertingSecretDeleted,
  alertingTopicTampered,
  alertingLogGroupDeleted,
  alertingAlarmDisabled,
  alertingQueueDeleted,
];
