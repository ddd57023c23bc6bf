import * as z from 'zod/mini';
import { KmsKeyArn, ParameterName } from '../../../config/primitives.ts';
import { type SlackAppSettings, SlackAppSettingsSchema } from './app/settings.ts';
import { SlackMentionSchema } from './mention.ts';

/** Incoming-webhook mode: the webhook URL, in SSM, is the secret and names the channel. */
export const SlackWebhookSettingsSchema = z.strictObject({
  /** SecureString parameter holding the incoming-webhook URL. */
  webhookUrlParameter: ParameterName,
  /** The customer managed key the parameter is encrypted with, if not aws/ssm. */
  kmsKeyArn: z.optional(KmsKeyArn),
  mention: z.optional(SlackMentionSchema),
});
export type SlackWebhookSettings = z.infer<typeof SlackWebhookSettingsSchema>;

const MODE_KEYS = ['webhookUrlParameter', 'botTokenParameter'] as const;
const MODES = [SlackWebhookSettingsSchema, SlackAppSettingsSchema] as const;

/**
 * zod says only "Invalid input" when no mode fits. Say which key picks the mode, or, when exactly one
 * is given, what is wrong with that mode's settings (paths and messages never repeat a value).
 */
function slackModeProblem(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_union' || typeof issue.input !== 'object' || issue.input === null)
    return undefined;
  const given = MODE_KEYS.filter((key) => Object.hasOwn(issue.input as object, key));
  const [only] = given;
  if (given.length !== 1 || only === undefined) {
    const which = given.length === 0 ? 'neither' : 'both';
    return `a Slack receiver gives exactly one of webhookUrlParameter (incoming webhook) or botTokenParameter with channel (Slack app); this one gives ${which}`;
  }
  const problems = (issue.errors[MODE_KEYS.indexOf(only)] ?? []).map(
    (inner) => `${inner.path.map(String).join('.') || '(settings)'}: ${inner.message}`,
  );
  return problems.length > 0 ? problems.slice(0, 5).join('; ') : undefined;
}

/** A Slack receiver's settings: an incoming webhook, or an app's bot token and a channel ID. */
export const SlackSettingsSchema = z.union(MODES, { error: slackModeProblem });
export type SlackSettings = SlackWebhookSettings | SlackAppSettings;

/** App mode names its bot token's parameter; webhook mode never does (the schemas are strict). */
export function isSlackApp(settings: SlackSettings): settings is SlackAppSettings {
  return 'botTokenParameter' in settings;
}
