import * as z from 'zod/mini';
import { isRecord } from '../detect/values.ts';
import { CLOUDTRAIL_API_CALL } from '../events/envelope.ts';
import { isAwsSource } from '../events/trust.ts';

/**
 * The heartbeat, like Alertmanager's Watchdog: a canary function (functions/heartbeat) writes one
 * SSM parameter every few minutes; CloudTrail records the write as a management event, EventBridge
 * delivers it as "AWS API Call via CloudTrail" to the heartbeat rule of the alert function, which
 * counts it (a CloudWatch metric) and sends nothing. An alarm on that metric's absence mails the
 * topic directly (resources/monitoring.yml). One arrival proves trail → EventBridge → rule →
 * function.
 *
 * Why SSM PutParameter: it is a write (a management event, so it reaches a rule in the default
 * ENABLED state: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html),
 * it is free for a standard parameter under standard throughput
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-default-tier.html), it changes
 * nothing anyone depends on, and none of the rules about switching off alerting watches it
 * (shared/detect/alerting.ts watches DeleteParameter(s) only). Parameter Store keeps the 100 newest
 * versions and drops the oldest on each write, unless that one carries a label
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html,
 * ParameterMaxVersionLimitExceeded): never label the heartbeat's versions.
 */

/** The EMF metric the alert function records per heartbeat; the alarm and `doctor` read it. */
export const HEARTBEAT_METRIC = 'Heartbeat';
/** Its own dimension, so each stage's alarm watches its own heartbeat (beside Powertools' `service`). */
export const HEARTBEAT_STAGE_DIMENSION = 'stage';

/** `/<service>/<stage>/heartbeat`, beside the receivers' secrets (`custom.heartbeatParameter`). */
export function heartbeatParameterName(service: string, stage: string): string {
  return `/${service}/${stage}/heartbeat`;
}

/**
 * The canary's role has a fixed name so that the rule can match it: `<prefix>-<region>-heartbeat`
 * (`custom.heartbeatRole`). IAM names are global, hence the region: a stack of the same stage in
 * us-east-1 would otherwise take the same name.
 */
export function heartbeatRoleName(prefix: string, region: string): string {
  return `${prefix}-${region}-heartbeat`;
}

/** The heartbeat rule's name is `<prefix>-heartbeat` (serverless.yml). */
export function heartbeatRuleName(prefix: string): string {
  return `${prefix}-heartbeat`;
}

/**
 * True for the heartbeat rule among serverless.yml's rules: it concerns the stack's own account, so a
 * member account's forwarder must not copy it (a member running its own stack of the same stage would
 * otherwise forward its heartbeats, which the central function would not count but alert on).
 */
export function isHeartbeatRule(rule: { name: string; pattern: unknown }): boolean {
  const source = isRecord(rule.pattern) ? rule.pattern.source : undefined;
  return (
    rule.name.endsWith('-heartbeat') &&
    Array.isArray(source) &&
    source.length === 1 &&
    source[0] === 'aws.ssm'
  );
}

/** Who may write the heartbeat, and where. */
export interface HeartbeatIdentity {
  /** custom.prefix, `<service>-<stage>`. */
  prefix: string;
  parameterName: string;
  /**
   * This stack's account and region. In an organisation, member accounts' events reach the same
   * default bus; a member's look-alike write must not stand in for this account's trail. Only replay,
   * which has no deployment around it, leaves them unset: it then takes the event's own.
   */
  account?: string | undefined;
  region?: string | undefined;
}

const Present = z.string().check(z.minLength(1));

/**
 * The identity the alert function runs with: from the environment serverless.yml gives it
 * (CLOUD_ALERTS_PREFIX, STAGE, ACCOUNT_ID, and AWS_REGION, which Lambda sets). Undefined when any is
 * missing: then nothing is taken for a heartbeat, and a write of the parameter reaches detection
 * like any other event.
 */
export function heartbeatIdentityFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): HeartbeatIdentity | undefined {
  const read = z
    .object({ CLOUD_ALERTS_PREFIX: Present, STAGE: Present, ACCOUNT_ID: Present, AWS_REGION: Present })
    .safeParse(env);
  if (!read.success) return undefined;
  const { CLOUD_ALERTS_PREFIX: prefix, STAGE: stage, ACCOUNT_ID: account, AWS_REGION: region } = read.data;
  const suffix = `-${stage}`;
  if (!prefix.endsWith(suffix) || prefix.length === suffix.length) return undefined;
  const service = prefix.slice(0, -suffix.length);
  return { prefix, parameterName: heartbeatParameterName(service, stage), account, region };
}

/** What replay knows: the service and stage it was run for, no account or region. */
export function replayHeartbeatIdentity(service: string, stage: string): HeartbeatIdentity {
  return { prefix: `${service}-${stage}`, parameterName: heartbeatParameterName(service, stage) };
}

// Only what the predicate reads; anything else in the event is ignored, never trusted.
const HeartbeatEventSchema = z.object({
  'detail-type': z.string(),
  source: z.string(),
  account: z.string(),
  region: z.string(),
  detail: z.looseObject({
    eventSource: z.optional(z.unknown()),
    eventName: z.optional(z.unknown()),
    errorCode: z.optional(z.unknown()),
    errorMessage: z.optional(z.unknown()),
    requestParameters: z.optional(z.looseObject({ name: z.optional(z.unknown()) })),
    userIdentity: z.optional(
      z.looseObject({
        type: z.optional(z.unknown()),
        accountId: z.optional(z.unknown()),
        sessionContext: z.optional(
          z.looseObject({
            sessionIssuer: z.optional(
              z.looseObject({
                type: z.optional(z.unknown()),
                accountId: z.optional(z.unknown()),
                userName: z.optional(z.unknown()),
              }),
            ),
          }),
        ),
      }),
    ),
  }),
});

/**
 * True only for the canary's own successful write, as CloudTrail recorded it: source `aws.ssm`
 * (which only AWS can put, shared/events/trust.ts), the CloudTrail detail-type exactly,
 * `PutParameter` on our parameter with no error, by a session of our role in our account and
 * region. Anything else (a forged look-alike, a person overwriting the parameter, a denied write, a
 * member account's copy) is not a heartbeat and goes through detection like any event.
 */
export function isHeartbeat(event: unknown, identity: HeartbeatIdentity): boolean {
  // Every event the alert function takes passes through here: most are not from SSM, and the
  // answer for those is no without the schema's parse (the test below needs source aws.ssm).
  if (!isRecord(event) || event.source !== 'aws.ssm') return false;
  const read = HeartbeatEventSchema.safeParse(event);
  if (!read.success) return false;
  const e = read.data;
  const account = identity.account ?? e.account;
  const region = identity.region ?? e.region;
  const d = e.detail;
  const issuer = d.userIdentity?.sessionContext?.sessionIssuer;
  return (
    e.source === 'aws.ssm' &&
    isAwsSource(e.source) &&
    e['detail-type'] === CLOUDTRAIL_API_CALL &&
    e.account === account &&
    e.region === region &&
    d.eventSource === 'ssm.amazonaws.com' &&
    d.eventName === 'PutParameter' &&
    d.errorCode === undefined &&
    d.errorMessage === undefined &&
    d.requestParameters?.name === identity.parameterName &&
    d.userIdentity?.type === 'AssumedRole' &&
    d.userIdentity.accountId === account &&
    issuer?.type === 'Role' &&
    issuer.accountId === account &&
    issuer.userName === heartbeatRoleName(identity.prefix, region)
  );
}

/** Where a heartbeat is recorded: a CloudWatch metric in Lambda, nothing in replay. */
export interface HeartbeatMetricPort {
  beat(): void;
}

/** The slice of Powertools Metrics a heartbeat needs. */
export interface SingleMetricLike {
  singleMetric(): {
    addDimension(name: string, value: string): unknown;
    addMetric(name: string, unit: 'Count', value: number): unknown;
  };
}

/**
 * One EMF record per heartbeat, with the dimensions the alarm names: Powertools' `service` and our
 * `stage`. A single metric is written at once, not with the invocation's buffer, so the heartbeat
 * is not lost if something later in the invocation fails.
 */
export function powertoolsHeartbeat(metrics: SingleMetricLike, stage: string): HeartbeatMetricPort {
  return {
    beat() {
      const single = metrics.singleMetric();
      single.addDimension(HEARTBEAT_STAGE_DIMENSION, stage);
      single.addMetric(HEARTBEAT_METRIC, 'Count', 1);
    },
  };
}

/** What the alert application needs to recognise and count heartbeats. */
export interface HeartbeatDeps {
  identity: HeartbeatIdentity;
  metric: HeartbeatMetricPort;
}
