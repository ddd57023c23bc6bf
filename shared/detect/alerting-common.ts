import { consoleUrl } from '../enrich/links.ts';
import type { Link } from '../events/alert.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import type { DetectContext, OwnResources } from './types.ts';
import { field, str } from './values.ts';

/**
 * What the alerting-* rules share: which resources are cloud-alerts' own, whether CloudFormation
 * made a call, and how their verdicts are worded. The rules themselves are in alerting.ts (the path
 * an event takes to the notifiers) and alerting-outputs.ts (secrets, topic, alarms, log groups).
 */

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
 * `cloud-alerts forwarder` names each rule it deploys in a member account, or in us-east-1 for the
 * global services, after the rule of serverless.yml whose pattern it copies, plus this suffix
 * (`cloud-alerts-prod-root-usage-forward`). The name keeps the stack's prefix, so the same prefix
 * recognises forwarder rules here and delivers the calls on them through the same feed patterns,
 * in the central account and in the forwarder's own copy of those patterns.
 */
export const FORWARDER_SUFFIX = '-forward';

export function isForwarderRule(name: string): boolean {
  return name.endsWith(FORWARDER_SUFFIX);
}

/** A receiver's own keys; every other key names its channel and holds that channel's settings. */
const RECEIVER_KEYS = new Set(['name', 'budget']);
/** Every channel names its secret's SSM parameter in a settings field ending so (SecretSpec.field). */
const PARAMETER_FIELD = /Parameter$/;

/**
 * Our resources as this deployment knows them: the defaults, the prefix its environment names, and
 * the parameters and topics its receivers use, whatever their channel. `receivers` is the
 * configuration's list, read structurally so detection depends on neither the configuration module
 * nor the channel registry, which the alert function does not load.
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
    if (typeof r !== 'object' || r === null) continue;
    for (const [channel, settings] of Object.entries(r)) {
      if (RECEIVER_KEYS.has(channel) || typeof settings !== 'object' || settings === null) continue;
      for (const [key, value] of Object.entries(settings)) {
        const parameter = PARAMETER_FIELD.test(key) ? str(value) : undefined;
        if (parameter) secrets.push({ parameter, receiver });
      }
      const topic = str(field(settings, 'topicArn'));
      if (topic?.startsWith('arn:')) topicArns.push(topic);
    }
  }
  return { namePrefixes, parameterPrefixes: DEFAULT_OWN.parameterPrefixes, secrets, topicArns };
}

export function own(ctx: DetectContext): OwnResources {
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
 * AWS writes it, not in the user agent, which the caller chooses. Every deploy of cloud-alerts and
 * of its forwarders goes through CloudFormation, so a rewrite (PutRule, PutTargets, new function
 * code…) made any other way is not a deploy.
 */
export function throughCloudFormation(record: CloudTrailRecord): boolean {
  const cfn = 'cloudformation.amazonaws.com';
  return record.userIdentity?.invokedBy === cfn || record.sourceIPAddress === cfn;
}

export const SWITCHING_OFF = 'Someone is switching off your alerting';

/** Said of a change only a deploy should make, made some other way. */
export const OUTSIDE_A_DEPLOY = 'outside a deploy (CloudFormation did not make this call)';

/** A refused or failed attempt changed nothing but is the same signal: kept critical, and said so. */
export const ATTEMPT = {
  keepSeverityWhenDenied: true,
  deniedVerdict:
    'Nothing changed (the call was refused or failed), but someone tried to switch off your alerting: kept critical. Find out who holds these credentials and why they tried.',
} as const;

/** The verdict, with a word on CloudFormation when it made the call: a planned removal looks the same. */
export function verdict(record: CloudTrailRecord, what: string): string {
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
export function link(
  region: string,
  text: string,
  path: (region: string) => string,
  ...names: string[]
): Link[] {
  if (!REGION_NAME.test(region) || !names.every((n) => LINKABLE.test(n))) return [];
  return [{ text, url: consoleUrl(region, path(region)) }];
}

export function param(record: CloudTrailRecord, key: string): string | undefined {
  return str(field(record.requestParameters, key));
}

export function response(record: CloudTrailRecord, key: string): string | undefined {
  return str(field(record.responseElements, key));
}

/** Booleans as AWS records them, and as exports rewrite them ("true", "FALSE "). */
export function isFalse(v: unknown): boolean {
  return v === false || (typeof v === 'string' && v.trim().toLowerCase() === 'false');
}

export function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
}

/** A scalar request value as one short line (numbers and booleans as written). */
export function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function listed(names: readonly string[]): string {
  return names.length <= 3
    ? names.join(', ')
    : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}
