import * as z from 'zod/mini';

/**
 * The EventBridge envelope as delivered to a Lambda target.
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-structure.html
 * `detail` stays unknown here: each source narrows it with its own schema, so one odd detail
 * never makes the envelope itself unreadable.
 */
export const EnvelopeSchema = z.object({
  version: z.optional(z.string()),
  id: z.string().check(z.minLength(1)),
  'detail-type': z.string().check(z.minLength(1)),
  source: z.string().check(z.minLength(1)),
  account: z.string().check(z.minLength(1)),
  time: z.string().check(z.minLength(1)),
  region: z.string().check(z.minLength(1)),
  resources: z._default(z.optional(z.array(z.string())), []),
  // Optional so an envelope without a detail still reaches a person as a generic alert.
  detail: z.optional(z.unknown()),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

export const CLOUDTRAIL_API_CALL = 'AWS API Call via CloudTrail';
/** AWS documents both spellings; rules and parsers must accept either. */
export const CONSOLE_SIGNIN_DETAIL_TYPES = [
  'AWS Console Sign In via CloudTrail',
  'AWS Console Signin via CloudTrail',
] as const;
export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';
export const CLOUDTRAIL_SERVICE_EVENT = 'AWS Service Event via CloudTrail';

/** Detail-types that carry a CloudTrail record. */
export const CLOUDTRAIL_DETAIL_TYPES: ReadonlySet<string> = new Set([
  CLOUDTRAIL_API_CALL,
  ...CONSOLE_SIGNIN_DETAIL_TYPES,
  CLOUDTRAIL_SERVICE_EVENT,
]);
