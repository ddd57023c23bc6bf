import { isIP } from 'node:net';
import * as z from 'zod';
import { SEVERITIES, SeveritySchema } from '../events/alert.ts';
import { CHANNEL_PLUGINS, type Channel, type ChannelPlugins } from '../notify/channels/registry.ts';
import type { AnyChannelPlugin, ChannelPlugin } from '../notify/channels/types.ts';
import { ALARMS_CONFIG_DEFAULTS, AlarmsConfigSchema } from './alarms.ts';
import { EVIDENCE_CONFIG_DEFAULTS, EvidenceConfigSchema } from './evidence.ts';
import { nearestKey } from './near.ts';
import { type Budget, BudgetSchema } from './primitives.ts';

export { type Budget, BudgetSchema, KmsKeyArn, ParameterName } from './primitives.ts';

const ReceiverBase = {
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
  budget: z.optional(BudgetSchema),
};

/** A receiver of one plug-in's channel: `{ name, budget?, <channel>: <its settings> }`. */
type ReceiverOf<P> =
  P extends ChannelPlugin<infer N, infer S, infer _B>
    ? { name: string; budget?: Budget | undefined } & { [K in N]: S }
    : never;

/** A receiver of any channel of the registry (shared/notify/channels/registry.ts). */
export type Receiver = ReceiverOf<ChannelPlugins>;
/** A receiver of the named channel: `ReceiverFor<'slack'>`. */
export type ReceiverFor<N extends Channel> = Extract<Receiver, Record<N, unknown>>;

/** One strict object per plug-in: a receiver names exactly one channel, with that channel's settings. */
function receiverSchemaOf(plugin: AnyChannelPlugin) {
  return z.object({ ...ReceiverBase, [plugin.name]: plugin.settings }).strict();
}

/**
 * When no option fits, zod says only "Invalid input". Say which channels a receiver may name; when it
 * names one, the config reader explains that channel's problems at their keys (issues.ts).
 */
function receiverProblem(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_union' || typeof issue.input !== 'object' || issue.input === null)
    return undefined;
  const channels = CHANNEL_PLUGINS.map((plugin): string => plugin.name);
  const named = Object.keys(issue.input).filter((key) => key !== 'name' && key !== 'budget');
  const [only] = named;
  if (named.length !== 1 || only === undefined || !channels.includes(only)) {
    const names = named.length === 0 ? 'none' : named.map((key) => JSON.stringify(key)).join(', ');
    const typos = named
      .filter((key) => !channels.includes(key))
      .flatMap((key) => {
        const near = nearestKey(key, [...channels, 'name', 'budget']);
        return near ? [`"${near}" for "${key}"`] : [];
      });
    const hint = typos.length > 0 ? `; did you mean ${typos.join(', ')}?` : '';
    return `a receiver names exactly one channel (${channels.join(', ')}) besides name and budget; this one names ${names}${hint}`;
  }
  return undefined;
}

const [firstReceiverSchema, ...otherReceiverSchemas] = CHANNEL_PLUGINS.map(receiverSchemaOf);
if (firstReceiverSchema === undefined) throw new Error('the channel registry is empty');
/** The shape of each option is built from its plug-in, so zod cannot infer the union: Receiver says it. */
export const ReceiverSchema = z.union([firstReceiverSchema, ...otherReceiverSchemas], {
  error: receiverProblem,
}) as unknown as z.ZodType<Receiver, unknown>;

export { receiverChannel } from './receivers.ts';

/**
 * A matcher value: a string (glob with * for text fields), a list of alternatives, or for severity
 * a comparison such as ">=high" or "<=low".
 */
const MatchValue = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const SEVERITY_EXPR = new RegExp(`^(>=|<=|>|<)?(${SEVERITIES.join('|')})$`);

export const MatchSchema = z
  .object({
    severity: z
      .union([
        z.string().regex(SEVERITY_EXPR, `a severity, optionally with >= <= > <: ${SEVERITIES.join(', ')}`),
        z.array(SeveritySchema).min(1),
      ])
      .optional(),
    rule: MatchValue.optional(),
    kind: z
      .union([
        z.enum(['cloudtrail', 'alarm', 'generic']),
        z.array(z.enum(['cloudtrail', 'alarm', 'generic'])),
      ])
      .optional(),
    /** Where the alert came from, as the issue words it: the same test as `kind`. */
    source: z
      .union([
        z.enum(['cloudtrail', 'alarm', 'generic']),
        z.array(z.enum(['cloudtrail', 'alarm', 'generic'])),
      ])
      .optional(),
    account: MatchValue.optional(),
    region: MatchValue.optional(),
    actor: MatchValue.optional(),
    status: z.enum(['firing', 'resolved']).optional(),
    tags: z.record(z.string(), MatchValue).optional(),
  })
  .strict();
export type Match = z.infer<typeof MatchSchema>;

export interface Route {
  match?: Match | undefined;
  receivers?: string[] | undefined;
  continue?: boolean | undefined;
  routes?: Route[] | undefined;
}

export const RouteSchema: z.ZodType<Route> = z.lazy(() =>
  z
    .object({
      match: MatchSchema.optional(),
      receivers: z.array(z.string()).optional(),
      continue: z.boolean().optional(),
      routes: z.array(RouteSchema).optional(),
    })
    .strict(),
);

/** `2026-12-31` (through the end of that day, UTC) or a full timestamp with its offset. */
const ExpiryValue = z
  .string()
  .refine((v) => z.iso.date().safeParse(v).success || z.iso.datetime({ offset: true }).safeParse(v).success, {
    message: 'a date such as 2026-12-31 or a timestamp such as 2026-12-31T18:00:00Z',
  });

const Timestamp = z.iso.datetime({
  offset: true,
  message: 'a timestamp with offset, e.g. 2026-12-01T22:00:00Z',
});

/** An IPv4/IPv6 address or CIDR block; anything else could never match, so it is an error. */
const IpSpec = z.string().refine(
  (spec) => {
    const [address = '', bits, ...rest] = spec.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
  },
  { message: 'an IP address or CIDR block such as 10.0.0.0/8 or 2001:db8::/32' },
);

/** Known automation whose alerts are expected: every field given must match, and a reason is required. */
export const AllowListEntrySchema = z
  .object({
    /** Why this is expected; logged with every alert it holds back. */
    reason: z.string().trim().min(1, 'say why this is expected'),
    /**
     * Who the caller is (globs): IAM user name or ARN, role name or ARN; for an assumed-role session,
     * its role. Never the session's own ARN, whose last segment the caller chooses.
     */
    actor: MatchValue.optional(),
    /** Session name (globs), only together with `actor`: which sessions of that role. The caller chooses it. */
    session: MatchValue.optional(),
    /** Glob on the CloudTrail user agent. The caller writes it: never allow-list on it alone. */
    userAgent: MatchValue.optional(),
    account: MatchValue.optional(),
    rule: MatchValue.optional(),
    region: MatchValue.optional(),
    /** Source IP addresses or CIDR blocks (IPv4 or IPv6). */
    sourceIp: z.union([IpSpec, z.array(IpSpec).min(1)]).optional(),
    expires: ExpiryValue.optional(),
  })
  .strict()
  .refine(
    (e) =>
      e.actor !== undefined ||
      e.userAgent !== undefined ||
      e.account !== undefined ||
      e.rule !== undefined ||
      e.region !== undefined ||
      e.sourceIp !== undefined,
    { message: 'name at least one of actor, userAgent, account, rule, region, sourceIp' },
  )
  .refine((e) => e.session === undefined || e.actor !== undefined, {
    message: 'session only narrows an actor: name the role in actor too',
    path: ['session'],
  });
export type AllowListEntry = z.infer<typeof AllowListEntrySchema>;

/** Planned work: alerts matching `match` are held back between startsAt and endsAt. */
export const SilenceSchema = z
  .object({
    match: MatchSchema.refine((m) => Object.keys(m).length > 0, {
      message: 'a silence needs at least one matcher',
    }),
    startsAt: Timestamp,
    endsAt: Timestamp,
    comment: z.string().trim().min(1, 'say what the planned work is'),
    createdBy: z.string().trim().min(1, 'say who created the silence'),
  })
  .strict()
  .refine((s) => Date.parse(s.endsAt) > Date.parse(s.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });
export type Silence = z.infer<typeof SilenceSchema>;

/** At most a week: state items live that long in DynamoDB, and longer windows hide real repeats. */
const WindowMinutes = z
  .number()
  .int()
  .min(0)
  .max(7 * 24 * 60);

export const DedupeConfigSchema = z
  .object({
    /** The same rule, actor, resource and verdict within this many minutes is sent once; 0 turns it off. */
    windowMinutes: WindowMinutes.default(10),
  })
  .strict();

/**
 * Alertmanager's timers (https://prometheus.io/docs/alerting/latest/configuration/#route): group_wait
 * is 0 here and not configurable, the first alert of a group goes at once (docs/configuration.md).
 */
export const GROUPING_DEFAULTS = { groupIntervalMinutes: 5, repeatIntervalMinutes: 60 } as const;

export const GroupingConfigSchema = z
  .object({
    /**
     * Alertmanager's group_interval: what one actor's group holds back is summarised at most once per
     * this many minutes, and the group closes after this long with nothing held; 0 turns grouping off.
     */
    groupIntervalMinutes: WindowMinutes.optional(),
    /** The old spelling of groupIntervalMinutes, still accepted. */
    windowMinutes: WindowMinutes.optional(),
    /**
     * Alertmanager's repeat_interval: the longest a group stays open. The actor's next alert after it
     * goes out in full and opens a new group (a new PagerDuty incident).
     */
    repeatIntervalMinutes: WindowMinutes.min(1).optional(),
  })
  .strict()
  .superRefine((g, ctx) => {
    if (g.groupIntervalMinutes !== undefined && g.windowMinutes !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['windowMinutes'],
        message:
          'windowMinutes is the old spelling of groupIntervalMinutes: give one of groupIntervalMinutes and windowMinutes, not both',
      });
      return;
    }
    const interval = g.groupIntervalMinutes ?? g.windowMinutes ?? GROUPING_DEFAULTS.groupIntervalMinutes;
    const repeat = g.repeatIntervalMinutes ?? GROUPING_DEFAULTS.repeatIntervalMinutes;
    if (interval > 0 && repeat < interval) {
      ctx.addIssue({
        code: 'custom',
        path: [g.repeatIntervalMinutes !== undefined ? 'repeatIntervalMinutes' : 'groupIntervalMinutes'],
        message: `repeatIntervalMinutes (${repeat}) must be at least groupIntervalMinutes (${interval}): a group is summarised once per group interval and lasts at most the repeat interval`,
      });
    }
  })
  .transform((g) => ({
    groupIntervalMinutes: g.groupIntervalMinutes ?? g.windowMinutes ?? GROUPING_DEFAULTS.groupIntervalMinutes,
    repeatIntervalMinutes: g.repeatIntervalMinutes ?? GROUPING_DEFAULTS.repeatIntervalMinutes,
  }));

export const FlappingConfigSchema = z
  .object({
    /** More state changes than this within the window make the alarm flapping; 0 turns it off. */
    transitions: z.number().int().min(0).max(1000).default(4),
    windowMinutes: WindowMinutes.default(30),
  })
  .strict();

/** SQS holds a message back for at most 15 minutes (900 s), the flush queue's only wait. */
export const DeliveryConfigSchema = z
  .object({
    /**
     * How long after a receiver's first notification over its send budget the overflow summary of
     * everything held back since is sent.
     */
    overflowSummarySeconds: z.number().int().min(1).max(900).default(30),
  })
  .strict();

export const ConfigSchema = z
  .object({
    /** Account id → friendly name shown in alerts. */
    accounts: z.record(z.string().regex(/^\d{12}$/, 'a 12-digit account id'), z.string()).default({}),
    receivers: z.array(ReceiverSchema).min(1),
    route: RouteSchema,
    alarms: AlarmsConfigSchema.default(ALARMS_CONFIG_DEFAULTS),
    allowList: z.array(AllowListEntrySchema).default([]),
    silences: z.array(SilenceSchema).default([]),
    dedupe: DedupeConfigSchema.default({ windowMinutes: 10 }),
    grouping: GroupingConfigSchema.default({ ...GROUPING_DEFAULTS }),
    flapping: FlappingConfigSchema.default({ transitions: 4, windowMinutes: 30 }),
    delivery: DeliveryConfigSchema.default({ overflowSummarySeconds: 30 }),
    evidence: EvidenceConfigSchema.default(EVIDENCE_CONFIG_DEFAULTS),
  })
  .strict();
export type Config = z.infer<typeof ConfigSchema>;
