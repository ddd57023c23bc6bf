import { ALARM_STATE_CHANGE, CLOUDTRAIL_DETAIL_TYPES, type Envelope } from './envelope.ts';

/**
 * Which events may be believed.
 *
 * `PutEvents` refuses any `Source` that starts with `aws.`: only AWS services put those ("The
 * source can't start with the aws. prefix",
 * https://docs.aws.amazon.com/scheduler/latest/APIReference/API_EventBridgePutEventsV2Parameters.html;
 * "The aws. value prefix is service-reserved",
 * https://docs.aws.amazon.com/eventbridgev2/latest/APIReference/API_PutEventsRequestEntry.html).
 * `DetailType` and `Detail`, however, are free text: anyone allowed to put events on the bus
 * (in an organisation deployment, any principal of any member account) can write an event that
 * looks exactly like CloudTrail's or CloudWatch's except for its source. The envelope's `account`
 * and `source` are set by EventBridge, never by the sender, so they are what trust rests on.
 *
 * SaaS partner sources are named `aws.partner/<partner>/…` and carry what the partner wrote
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-saas.html): not AWS's word either.
 */
const PARTNER_PREFIX = 'aws.partner/';

export function isAwsSource(source: string): boolean {
  return source.startsWith('aws.') && !source.startsWith(PARTNER_PREFIX);
}

/** Detail-types only AWS itself emits: CloudTrail records and alarm state changes. */
const AWS_ONLY_DETAIL_TYPES = new Set(
  [...CLOUDTRAIL_DETAIL_TYPES, ALARM_STATE_CHANGE].map((t) => t.toLowerCase()),
);

/**
 * True when the event claims to come from AWS (a CloudTrail or alarm detail-type) but was not put
 * by AWS. Compared without case or surrounding space, so `aws api call via cloudtrail ` is a
 * claim too: a near miss written to slip past a check is still a forgery.
 */
export function isForgedAwsEvent(envelope: Pick<Envelope, 'source' | 'detail-type'>): boolean {
  const claimsAws = AWS_ONLY_DETAIL_TYPES.has(envelope['detail-type'].trim().toLowerCase());
  return claimsAws && !isAwsSource(envelope.source);
}
