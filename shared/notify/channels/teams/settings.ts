import * as z from 'zod';

/**
 * Local equivalents of shared/config/schema.ts's ParameterName and KmsKeyArn, with the same rules and
 * messages. Importing them would make the config schema (which lists receivers through the channel
 * registry) import itself through this plug-in; shared/config/primitives.ts takes their place once
 * the registry lands.
 */
const ParameterName = z.string().superRefine((value, ctx) => {
  // The messages never echo the value: it may be the workflow URL itself, pasted in the wrong place.
  if (value.startsWith('arn:')) {
    ctx.addIssue({
      code: 'custom',
      message:
        "name a parameter of the stack's own account and region, such as /cloud-alerts/prod/teams/security; ARNs (parameters of other accounts or regions) are not supported",
    });
  } else if (!/^\/[A-Za-z0-9_.\-/]+$/.test(value)) {
    ctx.addIssue({
      code: 'custom',
      message:
        'must be an SSM parameter name such as /cloud-alerts/prod/teams/security (the workflow URL itself goes into the parameter, not here)',
    });
  }
});

const KmsKeyArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
    'a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (IAM grants keys by ARN, not by alias)',
  );

/** A Teams receiver: the Workflows webhook URL is a credential (anyone holding it can post), so it lives in SSM. */
export const TeamsSettingsSchema = z
  .object({
    /** SecureString parameter holding the URL of the workflow's "When a Teams webhook request is received" trigger. */
    workflowUrlParameter: ParameterName,
    /** The customer managed key the parameter is encrypted with, if not aws/ssm. */
    kmsKeyArn: KmsKeyArn.optional(),
  })
  .strict();

export type TeamsSettings = z.infer<typeof TeamsSettingsSchema>;
