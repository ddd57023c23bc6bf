import * as z from 'zod';
import { SEVERITIES } from '../events/alert.ts';

// The configuration is parsed with zod's classic API (line-numbered errors at package time); the
// event schemas use zod/mini, so the classic severity enum is built here.
const Severity = z.enum(SEVERITIES);

/** How CloudWatch alarms become alerts; every field has a default, so the section is optional. */
export const AlarmsConfigSchema = z
  .object({
    /** Severity of an alarm in ALARM (and of its resolve) when its `severity` tag does not say. */
    defaultSeverity: Severity.default('high'),
    /** Severity of INSUFFICIENT_DATA: usually a broken metric, rarely a 3 a.m. page. */
    insufficientDataSeverity: Severity.default('low'),
    /** How long an alarm's tags and description (DescribeAlarms, ListTagsForResource) are reused. */
    cacheSeconds: z.number().int().min(0).max(3600).default(300),
  })
  .strict();
export type AlarmsConfig = z.infer<typeof AlarmsConfigSchema>;

export const ALARMS_CONFIG_DEFAULTS: AlarmsConfig = {
  defaultSeverity: 'high',
  insufficientDataSeverity: 'low',
  cacheSeconds: 300,
};
