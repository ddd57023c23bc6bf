import * as z from 'zod/mini';

/**
 * The pieces every receiver's settings are built from. zod/mini, not the classic API: a channel's
 * settings schema travels in its plug-in, which its notifier bundles, and the functions carry no zod
 * classic (test/integration/cold-start.test.ts). The classic config schema takes these as they are.
 */

/**
 * A parameter of the stack's own account and region, by name. Names start with "/" for hierarchies;
 * we insist on it so a pasted URL is caught. An ARN (another account's shared parameter, another
 * region) is refused: the notifier reads with its own region's client and its role is granted
 * parameters of the stack's account and region only (docs/configuration.md, "What receivers may name").
 * The messages never echo the value: it may be a pasted webhook URL.
 */
export const ParameterName = z.string().check(
  z.superRefine((value, ctx) => {
    if (value.startsWith('arn:')) {
      ctx.addIssue({
        code: 'custom',
        message:
          "name a parameter of the stack's own account and region, such as /cloud-alerts/prod/slack/security; ARNs (parameters of other accounts or regions) are not supported",
      });
    } else if (!/^\/[A-Za-z0-9_.\-/]+$/.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an SSM parameter name such as /cloud-alerts/prod/slack/security',
      });
    }
  }),
);

/**
 * The customer managed KMS key a SecureString parameter or an SNS topic is encrypted with, by key ARN:
 * IAM grants a key by its ARN, not by an alias. Leave it out for the AWS managed keys (aws/ssm grants
 * every principal of the account through SSM; https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html).
 */
export const KmsKeyArn = z
  .string()
  .check(
    z.regex(
      /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
      'a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (IAM grants keys by ARN, not by alias)',
    ),
  );

/**
 * A receiver's own send budget, instead of its channel's default (the plug-in's `budget`): for a
 * vendor plan with other limits, or a webhook that takes less. docs/configuration.md, "Send budgets".
 */
export const BudgetSchema = z
  .strictObject({
    /** Tokens added per minute: the sustained rate. */
    perMinute: z.int().check(z.minimum(1), z.maximum(60_000)),
    /** Most tokens the bucket holds: how many may go at once after a quiet spell. */
    burst: z.int().check(z.minimum(1), z.maximum(1000)),
    /** Tokens only high and critical alerts may take: medium, low and info stop above it. */
    reserve: z.int().check(z.minimum(0)),
  })
  .check(
    z.refine((b) => b.reserve < b.burst, {
      message: 'reserve must be less than burst, or medium, low and info alerts could never be sent',
      path: ['reserve'],
    }),
  );
export type Budget = z.infer<typeof BudgetSchema>;
