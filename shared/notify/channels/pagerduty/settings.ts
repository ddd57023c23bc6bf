import * as z from 'zod/mini';
import { KmsKeyArn, ParameterName } from '../../../config/primitives.ts';

export const PagerDutySettingsSchema = z.strictObject({
  /** SecureString parameter holding the Events API v2 routing (integration) key. */
  routingKeyParameter: ParameterName.check(
    z.describe(
      'the SSM SecureString parameter holding the Events API v2 routing key, such as /cloud-alerts/prod/pagerduty/security',
    ),
  ),
  /** The customer managed key the parameter is encrypted with, if not aws/ssm. */
  kmsKeyArn: z.optional(KmsKeyArn),
});
export type PagerDutySettings = z.infer<typeof PagerDutySettingsSchema>;
