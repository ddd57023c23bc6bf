import * as z from 'zod/mini';
import { KmsKeyArn, ParameterName } from '../../../config/primitives.ts';

export const PagerDutySettingsSchema = z.strictObject({
  /** SecureString parameter holding the Events API v2 routing (integration) key. */
  routingKeyParameter: ParameterName,
  /** The customer managed key the parameter is encrypted with, if not aws/ssm. */
  kmsKeyArn: z.optional(KmsKeyArn),
});
export type PagerDutySettings = z.infer<typeof PagerDutySettingsSchema>;
