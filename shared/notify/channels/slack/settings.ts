import * as z from 'zod/mini';
import { nearestKey } from '../../../config/near.ts';
import { KmsKeyArn, ParameterName } from '../../../config/primitives.ts';
import { type SlackAppSettings, SlackAppSettingsSchema } from './app/settings.ts';
import { SlackMentionSchema } from './mention.ts';

/** Incoming-webhook mode: the webhook URL, in SSM, is the secret and names the channel. */
export const SlackWebhookSettingsSchema = z.strictObject({
  /** SecureString parameter holding the incoming-webhook URL. */
  webhookUrlParameter: ParameterName.check(
    z.describe(
      'the SSM SecureString parameter holding the incoming-webhook URL, such as /cloud-alerts/prod/slack/security',
    ),
  ),
  /** The customer managed key the parameter is encrypted with, if not aws/ssm. */
  kmsKeyArn: z.optional(KmsKeyArn),
  mention: z.optional(SlackMentionSchema),
});
export type SlackWebhookSettings = z.infer<typeof SlackWebhookSettingsSchema>;

const MODE_KEYS = ['webhookUrlParameter', 'botTokenParameter'] as const;
const MODES = [SlackWebhookSettingsSchema, SlackAppSettingsSchema] as const;

const MODE_NAMES = ['incoming webhook', 'Slack app'] as const;

/**
 * zod says only "Invalid input" when no mode fits and the keys do not show which was meant (the
 * config reader explains a mode whose own keys are there: shared/config/issues.ts). Say which key
 * picks the mode, and for a key neither mode knows, the nearest one. Never repeats a value.
 */
function slackModeProblem(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_union' || typeof issue.input !== 'object' || issue.input === null)
    return undefined;
  const keys = Object.keys(issue.input);
  const given = MODE_KEYS.filter((key) => keys.includes(key));
  const [only] = given;
  const choose =
    'a Slack receiver gives exactly one of webhookUrlParameter (incoming webhook) or botTokenParameter with channel (Slack app)';
  if (given.length === 1 && only !== undefined) {
    const mode = MODE_KEYS.indexOf(only);
    const own = Object.keys(MODES[mode]?.def.shape ?? {});
    const other = keys.filter((key) => !own.includes(key));
    if (other.length === 0) return undefined;
    return `${choose}; this one gives ${only} (${MODE_NAMES[mode]}), and ${other.join(', ')}, which that mode does not take`;
  }
  const known = [...new Set(MODES.flatMap((mode) => Object.keys(mode.def.shape)))];
  const typos = keys
    .filter((key) => !known.includes(key))
    .flatMap((key) => {
      const near = nearestKey(key, known);
      return near ? [`"${near}" for "${key}"`] : [];
    });
  const hint = typos.length > 0 ? `; did you mean ${typos.join(', ')}?` : '';
  return `${choose}; this one gives ${given.length === 0 ? 'neither' : 'both'}${hint}`;
}

/** A Slack receiver's settings: an incoming webhook, or an app's bot token and a channel ID. */
export const SlackSettingsSchema = z.union(MODES, { error: slackModeProblem });
export type SlackSettings = SlackWebhookSettings | SlackAppSettings;

/** App mode names its bot token's parameter; webhook mode never does (the schemas are strict). */
export function isSlackApp(settings: SlackSettings): settings is SlackAppSettings {
  return 'botTokenParameter' in settings;
}
