import * as z from 'zod';

/**
 * detail of "CloudWatch Alarm State Change"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
 * Single-metric, metric-math, anomaly-band, Metrics Insights and composite alarms share this shape;
 * the differences live in `configuration` and in `state.reasonData`, which is a JSON string.
 * Only the alarm's name and state value are required: a field of an unexpected shape is dropped
 * (`catch`) rather than failing the event, because an OK that fails to parse would never resolve
 * its PagerDuty incident.
 */
export const AlarmStateValueSchema = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
export type AlarmStateValue = z.infer<typeof AlarmStateValueSchema>;

const AlarmStateSchema = z
  .object({
    value: AlarmStateValueSchema,
    reason: z.string().optional().catch(undefined),
    reasonData: z.string().optional().catch(undefined),
    timestamp: z.string().optional().catch(undefined),
    actionsSuppressedBy: z.string().optional().catch(undefined),
    actionsSuppressedReason: z.string().optional().catch(undefined),
    /** Metrics Insights alarms: PARTIAL_DATA when the query hit its limits. */
    evaluationState: z.string().optional().catch(undefined),
  })
  .loose();

const MetricStatSchema = z
  .object({
    metric: z
      .object({
        namespace: z.string().optional().catch(undefined),
        name: z.string().optional().catch(undefined),
        dimensions: z.record(z.string(), z.string()).optional().catch(undefined),
      })
      .loose()
      .optional()
      .catch(undefined),
    period: z.number().optional().catch(undefined),
    stat: z.string().optional().catch(undefined),
    unit: z.string().optional().catch(undefined),
  })
  .loose();

export const AlarmMetricSchema = z
  .object({
    id: z.string().optional().catch(undefined),
    metricStat: MetricStatSchema.optional().catch(undefined),
    expression: z.string().optional().catch(undefined),
    label: z.string().optional().catch(undefined),
    returnData: z.boolean().optional().catch(undefined),
    period: z.number().optional().catch(undefined),
  })
  .loose();
export type AlarmMetric = z.infer<typeof AlarmMetricSchema>;

export const AlarmDetailSchema = z
  .object({
    alarmName: z.string().min(1),
    state: AlarmStateSchema,
    previousState: AlarmStateSchema.optional().catch(undefined),
    operation: z.string().optional().catch(undefined),
    /**
     * With tag propagation on, CloudWatch puts the alarm's tags in the event. Tag values are the
     * owner's free text: an odd shape costs us the tags, never the alert.
     */
    alarmTags: z.record(z.string(), z.unknown()).optional().catch(undefined),
    configuration: z
      .object({
        description: z.string().optional().catch(undefined),
        metrics: z.array(AlarmMetricSchema.catch({})).optional().catch(undefined),
        alarmRule: z.string().optional().catch(undefined),
        actionsSuppressor: z.string().optional().catch(undefined),
        threshold: z.number().optional().catch(undefined),
        evaluationPeriods: z.number().optional().catch(undefined),
        datapointsToAlarm: z.number().optional().catch(undefined),
        comparisonOperator: z.string().optional().catch(undefined),
        /** Anomaly-detection alarms: the id of the ANOMALY_DETECTION_BAND expression. */
        thresholdMetricId: z.string().optional().catch(undefined),
        treatMissingData: z.string().optional().catch(undefined),
      })
      .loose()
      .optional()
      .catch(undefined),
  })
  .loose();
export type AlarmDetail = z.infer<typeof AlarmDetailSchema>;
