import * as z from 'zod/mini';
import { SeveritySchema } from '../../../events/alert.ts';

/** Only for these severities, prefix the message with a channel mention (both modes). */
export const SlackMentionSchema = z.strictObject({
  target: z.enum(['here', 'channel']),
  severities: z.array(SeveritySchema).check(z.minLength(1)),
});
