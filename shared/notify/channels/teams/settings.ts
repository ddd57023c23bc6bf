import * as z from 'zod/mini';
import { KmsKeyArn, ParameterName } from '../../../config/primitives.ts';

/** A Teams receiver: the Workflows webhook URL is a credential (anyone holding it can post), so it lives in SSM. */
export const TeamsSettingsSchema = z.strictObject({
  /** SecureString parameter holding the URL of the workflow's "When a Teams webhook request is received" trigger. */
  workflowUrlParameter: ParameterName.check(
    z.describe(
      "the SSM SecureString parameter holding the workflow's webhook URL, such as /cloud-alerts/prod/teams/security",
    ),
  ),
  /** The customer managed key the parameter is encrypted with, if not aws/ssm. */
  kmsKeyArn: z.optional(KmsKeyArn),
});

export type TeamsSettings = z.infer<typeof TeamsSettingsSchema>;
