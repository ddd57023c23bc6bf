import * as z from 'zod';
import { SEVERITIES } from '../events/alert.ts';

const Severity = z.enum(SEVERITIES);

/**
 * A log group name, or a prefix of one ending in `*`: what the alert function may read evidence from.
 * The same list becomes the role's logs:FilterLogEvents resources (shared/config/access.ts), so an
 * alarm tag naming a group outside it is refused in words before IAM would refuse it.
 * Log group names: 1-512 of [.\-_/#A-Za-z0-9].
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
 */
export const LogGroupPattern = z
  .string()
  .regex(/^[.\-_/#A-Za-z0-9]{1,511}\*?$/, 'a log group name, or a prefix ending in *');

/**
 * Evidence in the alert (docs/evidence.md): every field has a default, so the section is optional.
 * Each read is bounded here; the whole step is bounded by `timeoutMs`, after which the alert goes out
 * with whatever was read.
 */
export const EvidenceConfigSchema = z
  .object({
    /** Off: no evidence is read and the alert function's role gets none of the read actions. */
    enabled: z.boolean().default(true),
    /** The longest the evidence step may hold an alert, all reads together. */
    timeoutMs: z.number().int().min(200).max(10_000).default(3000),
    metric: z
      .object({
        /** Periods of the alarm's metric shown, ending at its state change (GetMetricData). */
        periods: z.number().int().min(5).max(100).default(30),
      })
      .strict()
      .default({ periods: 30 }),
    logs: z
      .object({
        enabled: z.boolean().default(true),
        /** Log groups the function may read (IAM follows this list); an alarm's `log-group` tag must fall inside. */
        logGroups: z.array(LogGroupPattern).min(1).default(['/aws/lambda/*']),
        /**
         * Read the group an alarm's `log-group` tag names. Whoever may tag an alarm then chooses which
         * group (inside logGroups) an alert shows errors from; false reads only an AWS/Lambda alarm's
         * own function's group.
         */
        followTag: z.boolean().default(true),
        /** FilterLogEvents pages read at most (each up to 1 MB or 10,000 events). */
        maxPages: z.number().int().min(1).max(10).default(3),
        /** Bytes of matching log events read at most. */
        maxBytes: z
          .number()
          .int()
          .min(10_000)
          .max(10 * 1024 * 1024)
          .default(1024 * 1024),
        /** Distinct error messages shown. */
        topErrors: z.number().int().min(1).max(10).default(5),
        /** Minutes before the alarm's evaluation window also searched (errors start before alarms fire). */
        leadMinutes: z.number().int().min(0).max(60).default(5),
      })
      .strict()
      .default({
        enabled: true,
        logGroups: ['/aws/lambda/*'],
        followTag: true,
        maxPages: 3,
        maxBytes: 1024 * 1024,
        topErrors: 5,
        leadMinutes: 5,
      }),
    history: z
      .object({
        enabled: z.boolean().default(true),
        /** CloudTrail alerts this severe or more get the resource's recent history. */
        minSeverity: Severity.default('medium'),
        /** How far back LookupEvents looks (it keeps 90 days). */
        lookbackDays: z.number().int().min(1).max(90).default(90),
        /** LookupEvents calls per alert at most (50 events each; about 2 calls a second per account and region). */
        maxCalls: z.number().int().min(1).max(5).default(2),
        /** How long a resource's history is reused for the next alert on it. */
        cacheSeconds: z.number().int().min(0).max(3600).default(60),
      })
      .strict()
      .default({ enabled: true, minSeverity: 'medium', lookbackDays: 90, maxCalls: 2, cacheSeconds: 60 }),
  })
  .strict();
export type EvidenceConfig = z.infer<typeof EvidenceConfigSchema>;

export const EVIDENCE_CONFIG_DEFAULTS: EvidenceConfig = EvidenceConfigSchema.parse({});
