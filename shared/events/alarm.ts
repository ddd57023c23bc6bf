import { z } from 'zod';

/**
 * detail of "CloudWatch Alarm State Change"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
 * Single-metric, metric-math, anomaly-band, Metrics Insights and composite alarms share this shape;
 * the differences live in `configuration` and in `state.reasonData`, which is a JSON string.
 */
export const AlarmStateValueSchema = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
export type AlarmStateValue = z.infer<typeof AlarmStateValueSchema>;

const AlarmStateSchema = z
  .object({
    value: AlarmStateValueSchema,
    reason: z.string().optional(),
    reasonData: z.string().optional(),
    timestamp: z.string().optional(),
    actionsSuppressedBy: z.string().optional(),
    actionsSuppressedReason: z.string().optional(),
  })
  .loose();

const MetricStatSchema = z
  .object({
    metric: z
      .object({
        namespace: z.string().optional(),
        name: z.string().optional(),
        dimensions: z.record(z.string(), z.string()).optional(),
      })
      .loose()
      .optional(),
    period: z.number().optional(),
    stat: z.string().optional(),
    unit: z.string().optional(),
  })
  .loose();

export const AlarmMetricSchema = z
  .object({
    id: z.string().optional(),
    metricStat: MetricStatSchema.optional(),
    expression: z.string().optional(),
    label: z.string().optional(),
    returnData: z.boolean().optional(),
    period: z.number().optional(),
  })
  .loose();
export type AlarmMetric = z.infer<typeof AlarmMetricSchema>;

export const AlarmDetailSchema = z
  .object({
    alarmName: z.string().min(1),
    state: AlarmStateSchema,
    previousState: AlarmStateSchema.optional(),
    operation: z.string().optional(),
    configuration: z
      .object({
        description: z.string().optional(),
        metrics: z.array(AlarmMetricSchema).optional(),
        alarmRule: z.string().optional(),
        actionsSuppressor: z.string().optional(),
        threshold: z.number().optional(),
        evaluationPeriods: z.number().optional(),
        datapointsToAlarm: z.number().optional(),
        comparisonOperator: z.string().optional(),
        treatMissingData: z.string().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type AlarmDetail = z.infer<typeof AlarmDetailSchema>;
