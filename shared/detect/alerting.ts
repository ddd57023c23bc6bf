import { lambdaLink } from '../enrich/links.ts';
import type { Fact, Resource } from '../events/alert.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import {
  ATTEMPT,
  isFalse,
  isForwarderRule,
  isOwnFunction,
  isOwnName,
  isTrue,
  lambdaFunctionName,
  link,
  listed,
  OUTSIDE_A_DEPLOY,
  param,
  response,
  scalar,
  throughCloudFormation,
  verdict,
} from './alerting-common.ts';
import { OUTPUT_RULES } from './alerting-outputs.ts';
import type { CloudTrailRule, DetectContext, FindingDraft } from './types.ts';
import { field, isRecord, short, strings } from './values.ts';

export {
  DEFAULT_OWN,
  DEFAULT_SERVICE,
  FORWARDER_SUFFIX,
  isForwarderRule,
  isOwnFunction,
  isOwnName,
  lambdaFunctionName,
  ownResources,
  PREFIX_ENV,
} from './alerting-common.ts';

/**
 * Someone switching off the alerting itself: cloud-alerts' EventBridge rules (and the forwarder
 * rules `cloud-alerts forwarder` deploys), bus and archive, its functions and their triggers, its
 * queues and tables, its e-mail topic, the SSM parameters holding its receivers' secrets, its own
 * alarms, and the log groups it and CloudTrail write to. Every rule here is critical but one
 * (`alerting-secret-changed`: a rotation looks the same), and keeps its severity when denied:
 * someone tried.
 *
 * A deploy of cloud-alerts goes through CloudFormation, so calls that every deploy makes (PutRule,
 * PutTargets, new function code, a queue's attributes) are judged only when something else made
 * them; calls that remove something are raised either way, saying when CloudFormation made them.
 *
 * Three EventBridge rules feed them, filtered on our names so the function is not invoked for every
 * DeleteRule or DeleteParameter in the account: `alerting-tampering` (the path events take to the
 * notifiers: EventBridge, Lambda, SQS, DynamoDB, this file), `alerting-outputs` (secrets and topic)
 * and `alerting-monitoring` (alarms and log groups), both in alerting-outputs.ts. The first two also
 * carry the EventBridge calls, so disabling, deleting or re-targeting any of the three is seen by
 * another. Denied attempts on our names also arrive through `unauthorized-calls`, and root's
 * through `root-usage`.
 */
const FEED = 'alerting-tampering';

// ---------------------------------------------------------------------------------------------
// EventBridge: the rules that feed the alert function and the notifiers, the forwarder rules in
// member accounts and us-east-1, the alerts bus and its policy, the archive.

/** `eventBusName` may be a name or an ARN (`…:event-bus/<name>`). */
function busName(given: string | undefined): string {
  if (!given) return 'default';
  return given.includes(':event-bus/') ? (given.split(':event-bus/')[1] ?? given) : given;
}

/**
 * Read-only calls reach only a rule in this state, which root-usage and unauthorized-calls are
 * deployed with (custom.cloudAlerts.allManagementEventsRules); a PutRule that omits the state leaves
 * the rule ENABLED. https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
 */
const ALL_MANAGEMENT_EVENTS = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

/** What stops when a rule stops: for a forwarder rule, everything it carried from its account and region. */
function ruleEffect(name: string, ctx: DetectContext, region: string, how: string, central: string): string {
  if (!isForwarderRule(name)) return central;
  const global =
    region === 'us-east-1'
      ? ' In us-east-1 that includes IAM, STS, Organizations and console sign-in events, which are recorded nowhere else.'
      : '';
  return `forwarder rule ${name} ${how}: what it matches in account ${ctx.account} (${region}) no longer reaches cloud-alerts.${global}`;
}

const given = (v: unknown) => v !== undefined && v !== null;

/** A target as PutTargets records it, and whether it rewrites what it delivers. */
function targetsOf(request: unknown): { id?: string; arn?: string; rewrites: boolean }[] {
  const raw = field(request, 'targets');
  return (Array.isArray(raw) ? raw : []).filter(isRecord).map((t) => {
    const id = scalar(t.id);
    const arn = scalar(t.arn);
    const rewrites = given(t.input) || given(t.inputPath) || given(t.inputTransformer);
    return { ...(id ? { id } : {}), ...(arn ? { arn } : {}), rewrites };
  });
}

function retargeted(record: CloudTrailRecord, name: string): { what: string; facts: Fact[] } {
  const targets = targetsOf(record.requestParameters);
  const arns = targets.flatMap((t) => (t.arn ? [t.arn] : []));
  const rewriting = targets.filter((t) => t.rewrites).map((t) => t.id ?? t.arn ?? '?');
  const facts: Fact[] = [
    {
      label: 'Targets',
      value:
        targets.length > 0
          ? short(targets.map((t) => `${t.id ?? '?'} → ${t.arn ?? '?'}`).join('; '), 500)
          : 'the event does not name them',
    },
  ];
  if (rewriting.length > 0)
    facts.push({ label: 'Input rewritten for', value: short(rewriting.join(', '), 300) });
  const to = arns.length > 0 ? listed(arns) : 'targets the event does not name';
  const input =
    rewriting.length > 0
      ? ' Its input is rewritten too (Input, InputPath or InputTransformer), so even cloud-alerts would receive something other than the event.'
      : '';
  return {
    what: `rule ${name} was re-targeted ${OUTSIDE_A_DEPLOY}: it now delivers to ${to} (a target given the id of ours replaces ours), so what the rule matches may go to whoever owns that target instead of cloud-alerts.${input}`,
    facts,
  };
}

function rewritten(record: CloudTrailRecord, name: string): { what: string; facts: Fact[] } {
  const asked = param(record, 'state')?.trim().toUpperCase();
  const pattern = param(record, 'eventPattern');
  const facts: Fact[] = [{ label: 'State', value: asked ?? '(none given: ENABLED)' }];
  if (pattern) facts.push({ label: 'Event pattern', value: short(pattern, 500) });
  const state =
    asked === ALL_MANAGEMENT_EVENTS
      ? ''
      : ` Its state is now ${asked ?? 'ENABLED (none was given)'}, which leaves out read-only calls: a rule deployed to see them (root-usage and unauthorized-calls, by default) no longer does.`;
  return {
    what: `rule ${name} was rewritten ${OUTSIDE_A_DEPLOY}, and PutRule replaces the whole rule: the events it should match may no longer reach cloud-alerts.${state}`,
    facts,
  };
}

/**
 * EventBridge's PutPermission / RemovePermission on a bus policy: the alerts bus (whose policy lets
 * only the alert function put events, so nobody else can send notifications as cloud-alerts) or our
 * statement on the default bus (which lets the organisation's member accounts forward their events).
 * RemovePermission takes a statement id or RemoveAllPermissions; a bus omitted is the default bus.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RemovePermission.html
 */
function busPolicyCheck(record: CloudTrailRecord, ctx: DetectContext, region: string): FindingDraft | null {
  const put = record.eventName === 'PutPermission';
  if (put && throughCloudFormation(record)) return null;
  const bus = busName(param(record, 'eventBusName'));
  const statement = param(record, 'statementId');
  const all = !put && isTrue(field(record.requestParameters, 'removeAllPermissions'));
  const ourBus = isOwnName(bus, ctx);
  if (!ourBus && !isOwnName(statement, ctx)) return null;
  const which = all ? 'every statement' : statement ? `statement ${statement}` : 'a statement';
  const facts: Fact[] = [
    { label: 'Event bus', value: bus },
    { label: 'Statement', value: all ? 'all (RemoveAllPermissions)' : (statement ?? '(none given)') },
  ];
  let what: string;
  if (ourBus)
    what = put
      ? `the policy of event bus ${bus} was changed ${OUTSIDE_A_DEPLOY}: a policy given whole replaces the statement that lets only the alert function put events there, and a statement for another principal lets it send notifications that go out to every receiver as cloud-alerts’ alerts.`
      : `${which} is gone from the policy of event bus ${bus}: without the statement that lets only the alert function put events there, any principal of this account allowed events:PutEvents can send notifications that go out to every receiver as cloud-alerts’ alerts.`;
  else
    what = put
      ? `statement ${statement}, which lets the organisation’s member accounts put events on bus ${bus}, was rewritten ${OUTSIDE_A_DEPLOY}: an account it no longer allows can no longer forward its events.`
      : `statement ${statement}, which lets the organisation’s member accounts put events on bus ${bus}, is gone: the events every member account forwards are refused, so nothing that happens there is alerted on.`;
  return {
    action: put
      ? `changed the policy of event bus ${bus}`
      : `removed ${which} from the policy of event bus ${bus}`,
    verdict: verdict(record, what),
    resource: { type: 'EventBridge event bus', name: bus },
    links: link(region, 'Open event buses', (r) => `events/home?region=${r}#/eventbuses`),
    facts,
    ...ATTEMPT,
  };
}

const RULE_BY_RULE_PARAMETER = new Set(['RemoveTargets', 'PutTargets']);

export const alertingEventBridgeTampered: CloudTrailRule = {
  id: 'alerting-eventbridge-tampered',
  title: 'Alerting switched off: EventBridge rule, bus or archive',
  severity: 'critical',
  description:
    'One of cloud-alerts’ EventBridge rules, or of the forwarder rules in member accounts and us-east-1, disabled or deleted, its targets removed, or rewritten or re-targeted outside a deploy (PutRule, PutTargets not by CloudFormation); a statement removed from the alerts bus policy or the organisation statement, or either changed outside a deploy; the alerts bus or archive deleted; critical even when denied.',
  feed: FEED,
  eventSource: 'events.amazonaws.com',
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/logging-using-cloudtrail.html (CloudTrail
  // records these with the API's parameter names: name, rule, targets, ids, state, eventPattern,
  // eventBusName, archiveName, statementId, removeAllPermissions).
  eventNames: [
    'DisableRule',
    'DeleteRule',
    'RemoveTargets',
    'PutRule',
    'PutTargets',
    'DeleteEventBus',
    'DeleteArchive',
    'PutPermission',
    'RemovePermission',
  ],
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    const region = record.awsRegion ?? ctx.region;
    if (record.eventName === 'PutPermission' || record.eventName === 'RemovePermission')
      return busPolicyCheck(record, ctx, region);
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
    const name = param(record, RULE_BY_RULE_PARAMETER.has(record.eventName) ? 'rule' : 'name');
    if (!isOwnName(name, ctx)) return null;
    const facts: Fact[] = [];
    let action: string;
    let what: string;
    const disabled = () =>
      ruleEffect(name, ctx, region, 'is disabled', `rule ${name} matches nothing until it is enabled again.`);
    switch (record.eventName) {
      case 'DisableRule':
        action = `disabled EventBridge rule ${name}`;
        what = disabled();
        break;
      case 'DeleteRule':
        action = `deleted EventBridge rule ${name}`;
        what = ruleEffect(
          name,
          ctx,
          region,
          'is deleted (deploy the forwarder stack again to restore it)',
          `the events rule ${name} matched no longer reach cloud-alerts; deploy the stack again to restore it.`,
        );
        break;
      case 'RemoveTargets': {
        const ids = strings(field(record.requestParameters, 'ids'));
        if (ids.length > 0) facts.push({ label: 'Targets removed', value: short(ids.join(', '), 300) });
        action = `removed ${ids.length === 1 ? 'a target' : 'targets'} from EventBridge rule ${name}`;
        what = ruleEffect(
          name,
          ctx,
          region,
          'still matches but forwards nothing',
          `rule ${name} still matches but delivers to nothing.`,
        );
        break;
      }
      case 'PutTargets': {
        // Every deploy sets the targets again through CloudFormation.
        if (throughCloudFormation(record)) return null;
        const r = retargeted(record, name);
        facts.push(...r.facts);
        action = `set the targets of EventBridge rule ${name}`;
        what = r.what;
        break;
      }
      default: {
        // PutRule rewrites the whole rule. DISABLED turns it off whoever calls it; anything else is
        // what every deploy does through CloudFormation, and a rewrite when anyone else does it.
        const state = param(record, 'state');
        if (state?.trim().toUpperCase() === 'DISABLED') {
          action = `disabled EventBridge rule ${name} (PutRule with state DISABLED)`;
          what = disabled();
          break;
        }
        if (throughCloudFormation(record)) return null;
        const r = rewritten(record, name);
        facts.push(...r.facts);
        action = `rewrote EventBridge rule ${name} (PutRule)`;
        what = r.what;
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
  deleteInvokeConfig: 'DeleteFunctionEventInvokeConfig',
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
    'One of cloud-alerts’ functions deleted, throttled to zero reserved concurrency, stripped of an invoke permission or of its on-failure destination, or its queue trigger deleted or disabled; critical even when denied.',
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
    'DeleteFunctionEventInvokeConfig*',
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
    // A qualifier names one published version or alias; the rules invoke the unqualified function,
    // so that changes nothing they depend on.
    const qualifier = param(record, 'qualifier') ?? fn.qualifier;
    if (qualifier && qualifier !== '$LATEST') return null;
    if (name.startsWith(LAMBDA_CALLS.deleteInvokeConfig))
      return {
        ...base,
        action: `deleted the asynchronous invocation settings of function ${fn.name}`,
        verdict: verdict(
          record,
          `${fn.name} no longer sends the events it fails on to its dead-letter queue: after Lambda’s retries they are dropped, and the queue’s depth alarm never hears of them.`,
        ),
      };
    // DeleteFunction.
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

/**
 * Calls every deploy makes through CloudFormation (new code, new settings, the on-failure
 * destination): made any other way, whoever made them decides what the function does.
 * https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html (recorded with version
 * suffixes: UpdateFunctionCode20150331v2, UpdateFunctionConfiguration20150331v2…)
 */
const CHANGE_CALLS = {
  code: 'UpdateFunctionCode',
  configuration: 'UpdateFunctionConfiguration',
} as const;

/** Request keys that name the call rather than a setting it changes. */
const NOT_SETTINGS = new Set(['functionName', 'fullyQualifiedArn', 'dryRun', 'revisionId', 'qualifier']);

export const alertingFunctionChanged: CloudTrailRule = {
  id: 'alerting-function-changed',
  title: 'Alerting switched off: cloud-alerts function changed outside a deploy',
  severity: 'critical',
  description:
    'New code, new settings (environment, role, handler, layers…) or new asynchronous invocation settings (on-failure destination, retries) for one of cloud-alerts’ functions, not made by CloudFormation; critical even when denied.',
  feed: FEED,
  eventSource: 'lambda.amazonaws.com',
  // https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html,
  // API_UpdateFunctionConfiguration.html, API_PutFunctionEventInvokeConfig.html
  eventNames: [
    'UpdateFunctionCode*',
    'UpdateFunctionConfiguration*',
    'PutFunctionEventInvokeConfig*',
    'UpdateFunctionEventInvokeConfig*',
  ],
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    if (throughCloudFormation(record)) return null;
    const request = record.requestParameters;
    // A dry run validates the request and changes nothing.
    if (isTrue(field(request, 'dryRun'))) return null;
    const given = param(record, 'functionName');
    if (!given || !isOwnFunction(given, ctx)) return null;
    const fn = lambdaFunctionName(given);
    const qualifier = param(record, 'qualifier') ?? fn.qualifier;
    if (qualifier && qualifier !== '$LATEST') return null;
    const region = record.awsRegion ?? ctx.region;
    const base = { resource: lambdaResource(given), links: [lambdaLink(region, given)], ...ATTEMPT };
    const name = record.eventName;
    if (name.startsWith(CHANGE_CALLS.code)) {
      const sha = response(record, 'codeSha256');
      return {
        ...base,
        action: `replaced the code of function ${fn.name}`,
        verdict: verdict(
          record,
          `the code of ${fn.name} was replaced ${OUTSIDE_A_DEPLOY}: it now runs whatever that code does, which may be nothing, or sending alerts elsewhere. If this was \`serverless deploy function\`, confirm it; otherwise deploy the stack again.`,
        ),
        ...(sha ? { facts: [{ label: 'Code SHA-256', value: sha }] } : {}),
      };
    }
    if (name.startsWith(CHANGE_CALLS.configuration)) {
      const settings = isRecord(request) ? Object.keys(request).filter((k) => !NOT_SETTINGS.has(k)) : [];
      return {
        ...base,
        action: `changed the configuration of function ${fn.name}`,
        verdict: verdict(
          record,
          `the configuration of ${fn.name} was changed ${OUTSIDE_A_DEPLOY}: its environment (the receivers’ parameters, the names it recognises as ours), role, handler, layers or timeout can each stop it from alerting.`,
        ),
        facts: [
          {
            label: 'Settings changed',
            value: settings.length > 0 ? short(settings.join(', '), 300) : 'the event does not say',
          },
        ],
      };
    }
    const onFailure = scalar(field(field(field(request, 'destinationConfig'), 'onFailure'), 'destination'));
    const retries = scalar(field(request, 'maximumRetryAttempts'));
    const age = scalar(field(request, 'maximumEventAgeInSeconds'));
    const facts: Fact[] = [{ label: 'On-failure destination', value: onFailure ?? '(none)' }];
    if (retries) facts.push({ label: 'Retry attempts', value: retries });
    if (age) facts.push({ label: 'Maximum event age (s)', value: age });
    return {
      ...base,
      action: `changed the asynchronous invocation settings of function ${fn.name}`,
      verdict: verdict(
        record,
        `the asynchronous invocation settings of ${fn.name} were changed ${OUTSIDE_A_DEPLOY}: if the on-failure destination is no longer its dead-letter queue, or the retries and event age are cut, what fails is dropped instead of kept.`,
      ),
      facts,
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

/**
 * What each queue attribute decides, for the ones that can stop a queue from keeping what it should.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 */
function attributeEffect(key: string, value: string | undefined, dlq: boolean): string {
  switch (key) {
    case 'MessageRetentionPeriod':
      return dlq
        ? `what it keeps is now deleted after ${value ?? 'a period the event does not show'} seconds, maybe before anyone redrives it (deployed: 14 days)`
        : `messages are now deleted after ${value ?? 'a period the event does not show'} seconds`;
    case 'Policy':
      return 'its access policy was replaced: whoever it no longer allows (EventBridge, the functions) can no longer send to it';
    case 'RedrivePolicy':
      return 'what fails on it is no longer moved to its dead-letter queue as deployed';
    case 'KmsMasterKeyId':
    case 'SqsManagedSseEnabled':
      return 'its encryption changed: a sender not allowed to use the new key can no longer send to it';
    case 'MaximumMessageSize':
      return `messages over ${value ?? 'a size the event does not show'} bytes are now refused`;
    default:
      return `${key} changed`;
  }
}

export const alertingQueueChanged: CloudTrailRule = {
  id: 'alerting-queue-changed',
  title: 'Alerting switched off: cloud-alerts queue reconfigured',
  severity: 'critical',
  description:
    'SetQueueAttributes on one of cloud-alerts’ queues, not made by CloudFormation: a retention cut to seconds empties a dead-letter queue before anyone redrives it, and its policy, redrive policy or encryption decide whether anything reaches it; critical even when denied.',
  feed: FEED,
  eventSource: 'sqs.amazonaws.com',
  eventNames: ['SetQueueAttributes'],
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    if (throughCloudFormation(record)) return null;
    const name = param(record, 'queueUrl')?.split('/').at(-1);
    if (!isOwnName(name, ctx)) return null;
    const dlq = name.endsWith('-dlq');
    const attributes = field(record.requestParameters, 'attributes');
    const entries = isRecord(attributes)
      ? Object.entries(attributes).map(([k, v]) => [k, scalar(v)] as const)
      : [];
    const effects = entries.map(([k, v]) => attributeEffect(k, v, dlq));
    const region = record.awsRegion ?? ctx.region;
    const kind = dlq ? 'dead-letter queue' : 'queue';
    return {
      action: `changed the attributes of ${kind} ${name}`,
      verdict: verdict(
        record,
        `${kind} ${name} was reconfigured ${OUTSIDE_A_DEPLOY}: ${effects.length > 0 ? effects.join('; ') : 'the event does not say which attributes changed'}.`,
      ),
      resource: { type: 'SQS queue', name },
      links: link(region, 'Open queues', (r) => `sqs/v3/home?region=${r}#/queues`),
      facts: [
        {
          label: 'Attributes',
          value:
            entries.length > 0
              ? short(entries.map(([k, v]) => `${k}=${v ?? '?'}`).join(', '), 500)
              : 'the event does not say',
        },
      ],
      ...ATTEMPT,
    };
  },
};

// ---------------------------------------------------------------------------------------------
// DynamoDB: the idempotency table the notifiers cannot deliver without, and the state table that
// holds dedupe, grouping and flapping windows.

/** A table is named by name or ARN (`arn:aws:dynamodb:<region>:<account>:table/<name>`). */
function tableName(given: string | undefined): string | undefined {
  if (!given?.startsWith('arn:')) return given;
  const at = given.indexOf(':table/');
  return at < 0 ? given : given.slice(at + ':table/'.length).split('/')[0];
}

export const alertingTableDeleted: CloudTrailRule = {
  id: 'alerting-table-deleted',
  title: 'Alerting switched off: cloud-alerts table deleted',
  severity: 'critical',
  description:
    'One of cloud-alerts’ DynamoDB tables deleted: without the idempotency table every notification fails until the stack is deployed again; without the state table alerts held in a group are never summarised; critical even when denied.',
  feed: FEED,
  eventSource: 'dynamodb.amazonaws.com',
  // TableName takes a name or an ARN. https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteTable.html
  eventNames: ['DeleteTable'],
  attemptKeepsSeverity: true,
  needs: ['requestParameters'],
  check(record, ctx) {
    const name = tableName(param(record, 'tableName'));
    if (!isOwnName(name, ctx)) return null;
    const region = record.awsRegion ?? ctx.region;
    // shared/delivery/idempotency.ts: a notifier that cannot record a delivery throws, so Lambda
    // retries it and then dead-letters it; shared/stages/common.ts: without the state table the
    // alert function sends everything and group-close messages fail into their dead-letter queue.
    const what = name.endsWith('-idempotency')
      ? 'every notifier now fails before it sends: nothing reaches Slack, PagerDuty or e-mail until the stack is deployed again (the failures pile up in the dead-letter queues, whose alarms mail the topic).'
      : name.endsWith('-state')
        ? 'alerts held back in an open group are never summarised, and dedupe, grouping and flapping stop until the stack is deployed again.'
        : 'what cloud-alerts kept there is gone.';
    return {
      action: `deleted DynamoDB table ${name}`,
      verdict: verdict(record, what),
      resource: { type: 'DynamoDB table', name },
      links: link(region, 'Open tables', (r) => `dynamodbv2/home?region=${r}#tables`),
      ...ATTEMPT,
    };
  },
};

export const ALERTING_RULES: readonly CloudTrailRule[] = [
  alertingEventBridgeTampered,
  alertingFunctionDisabled,
  alertingFunctionChanged,
  ...OUTPUT_RULES,
  alertingQueueDeleted,
  alertingQueueChanged,
  alertingTableDeleted,
];
