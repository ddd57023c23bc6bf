import * as z from 'zod/mini';
import { KmsKeyArn, ParameterName } from '../../../config/primitives.ts';
import { SeveritySchema } from '../../../events/alert.ts';

export const SlackSettingsSchema = z.strictObject({
  /** SecureString parameter holding the incoming-webhook URL. */
  webhookUrlParameter: ParameterName,
  /** The customer managed key the parameter is encrypted with, if not aws/ssm. */
  kmsKeyArn: z.optional(KmsKeyArn),
  /** Only for these severities, prefix the message with a channel mention. */
  mention: z.optional(
    z.strictObject({
      target: z.enum(['here', 'channel']),
      severities: z.array(SeveritySchema).check(z.minLength(1)),
    }),
  ),
});
export type SlackSettings = z.infer<typeof SlackSettingsSchema>;
