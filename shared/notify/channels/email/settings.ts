import * as z from 'zod/mini';
import { KmsKeyArn } from '../../../config/primitives.ts';

export const EmailSettingsSchema = z
  .strictObject({
    /** "stack" is the SNS topic this stack creates; anything else must be a topic ARN. */
    topicArn: z
      .union([
        z.literal('stack'),
        z
          .string()
          .check(
            z.regex(
              /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/,
              'an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:security-alerts, or "stack"',
            ),
          ),
      ])
      .check(z.describe('"stack" (the topic this stack creates) or an SNS topic ARN')),
    /** The customer managed key of a topic named by ARN, when it is encrypted with one. */
    kmsKeyArn: z.optional(KmsKeyArn),
  })
  .check(
    z.refine((e) => e.topicArn !== 'stack' || e.kmsKeyArn === undefined, {
      message:
        "the stack's topic is encrypted with the stack's own key: kmsKeyArn is only for a topic named by ARN",
      path: ['kmsKeyArn'],
    }),
  );
export type EmailSettings = z.infer<typeof EmailSettingsSchema>;
