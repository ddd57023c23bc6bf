import { z } from 'zod';
import { type CHANNELS, SEVERITIES, SeveritySchema } from '../events/alert.ts';

/** SSM parameter names start with "/" for hierarchies; we insist on it so a pasted URL is caught. */
const ParameterName = z
  .string()
  .regex(/^\/[A-Za-z0-9_.\-/]+$/, 'must be an SSM parameter name such as /cloud-alerts/prod/slack/security');

const ReceiverBase = {
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
};

export const SlackReceiverSchema = z
  .object({
    ...ReceiverBase,
    slack: z
      .object({
        /** SecureString parameter holding the incoming-webhook URL. */
        webhookUrlParameter: ParameterName,
        /** Only for these severities, prefix the message with a channel mention. */
        mention: z
          .object({ target: z.enum(['here', 'channel']), severities: z.array(SeveritySchema).min(1) })
          .strict()
          .optional(),
      })
      .strict(),
  })
  .strict();

export const PagerDutyReceiverSchema = z
  .object({
    ...ReceiverBase,
    pagerduty: z.object({ routingKeyParameter: ParameterName }).strict(),
  })
  .strict();

export const EmailReceiverSchema = z
  .object({
    ...ReceiverBase,
    email: z
      .object({
        /** "stack" is the SNS topic this stack creates; anything else must be a topic ARN. */
        topicArn: z.union([
          z.literal('stack'),
          z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/),
        ]),
      })
      .strict(),
  })
  .strict();

export const ReceiverSchema = z.union([SlackReceiverSchema, PagerDutyReceiverSchema, EmailReceiverSchema]);
export type Receiver = z.infer<typeof ReceiverSchema>;
export type SlackReceiver = z.infer<typeof SlackReceiverSchema>;
export type PagerDutyReceiver = z.infer<typeof PagerDutyReceiverSchema>;
export type EmailReceiver = z.infer<typeof EmailReceiverSchema>;

export function receiverChannel(r: Receiver): (typeof CHANNELS)[number] {
  if ('slack' in r) return 'slack';
  if ('pagerduty' in r) return 'pagerduty';
  return 'email';
}

/**
 * A matcher value: a string (glob with * for text fields), a list of alternatives, or for severity
 * a comparison such as ">=high" or "<=low".
 */
const MatchValue = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const SEVERITY_EXPR = new RegExp(`^(>=|<=|>|<)?(${SEVERITIES.join('|')})$`);

export const MatchSchema = z
  .object({
    severity: z
      .union([
        z.string().regex(SEVERITY_EXPR, `a severity, optionally with >= <= > <: ${SEVERITIES.join(', ')}`),
        z.array(SeveritySchema).min(1),
      ])
      .optional(),
    rule: MatchValue.optional(),
    kind: z
      .union([
        z.enum(['cloudtrail', 'alarm', 'generic']),
        z.array(z.enum(['cloudtrail', 'alarm', 'generic'])),
      ])
      .optional(),
    account: MatchValue.optional(),
    region: MatchValue.optional(),
    actor: MatchValue.optional(),
    status: z.enum(['firing', 'resolved']).optional(),
    tags: z.record(z.string(), MatchValue).optional(),
  })
  .strict();
export type Match = z.infer<typeof MatchSchema>;

export interface Route {
  match?: Match | undefined;
  receivers?: string[] | undefined;
  continue?: boolean | undefined;
  routes?: Route[] | undefined;
}

export const RouteSchema: z.ZodType<Route> = z.lazy(() =>
  z
    .object({
      match: MatchSchema.optional(),
      receivers: z.array(z.string()).optional(),
      continue: z.boolean().optional(),
      routes: z.array(RouteSchema).optional(),
    })
    .strict(),
);

export const ConfigSchema = z
  .object({
    /** Account id → friendly name shown in alerts. */
    accounts: z.record(z.string().regex(/^\d{12}$/, 'a 12-digit account id'), z.string()).default({}),
    receivers: z.array(ReceiverSchema).min(1),
    route: RouteSchema,
  })
  .strict();
export type Config = z.infer<typeof ConfigSchema>;
