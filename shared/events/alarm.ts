import * as z from 'zod/mini';

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

const AlarmStateSchema = z.looseObject({
  value: AlarmStateValueSchema,
  reason: z.catch(z.optional(z.string()), undefined),
  reasonData: z.catch(z.optional(z.string()), undefined),
  timestamp: z.catch(z.optional(z.string()), undefined),
  actionsSuppressedBy: z.catch(z.optional(z.string()), undefined),
  actionsSuppressedReason: z.catch(z.optional(z.string()), undefined),
  /** Metrics Insights alarms: PARTIAL_DATA when the query hit its limits. */
  evaluationState: z.catch(z.optional(z.string()), undefined),
});

const MetricStatSchema = z.looseObject({
  metric: z.catch(
    z.optional(
      z.looseObject({
        namespace: z.catch(z.optional(z.string()), undefined),
        name: z.catch(z.optional(z.string()), undefined),
        dimensions: z.catch(z.optional(z.record(z.string(), z.string())), undefined),
      }),
    ),
    undefined,
  ),
  period: z.catch(z.optional(z.number()), undefined),
  stat: z.catch(z.optional(z.string()), undefined),
  unit: z.catch(z.optional(z.string()), undefined),
});

export const AlarmMetricSchema = z.looseObject({
  id: z.catch(z.optional(z.string()), undefined),
  metricStat: z.catch(z.optional(MetricStatSchema), undefined),
  expression: z.catch(z.optional(z.string()), undefined),
  label: z.catch(z.optional(z.string()), undefined),
  returnData: z.catch(z.optional(z.boolean()), undefined),
  period: z.catch(z.optional(z.number()), undefined),
});
export type AlarmMetric = z.infer<typeof AlarmMetricSchema>;

export const AlarmDetailSchema = z.looseObject({
  alarmName: z.string().check(z.minLength(1)),
  state: AlarmStateSchema,
  previousState: z.catch(z.optional(AlarmStateSchema), undefined),
  operation: z.catch(z.optional(z.string()), undefined),
  /**
   * With tag propagation on, CloudWatch puts the alarm's tags in the event. Tag values are the
   * owner's free text: an odd shape costs us the tags, never the alert.
   */
  alarmTags: z.catch(z.optional(z.record(z.string(), z.unknown())), undefined),
  configuration: z.catch(
    z.optional(
      z.looseObject({
        description: z.catch(z.optional(z.string()), undefined),
        metrics: z.catch(z.optional(z.array(z.catch(AlarmMetricSchema, {}))), undefined),
        alarmRule: z.catch(z.optional(z.string()), undefined),
        actionsSuppressor: z.catch(z.optional(z.string()), undefined),
        threshold: z.catch(z.optional(z.number()), undefined),
        evaluationPeriods: z.catch(z.optional(z.number()), undefined),
        datapointsToAlarm: z.catch(z.optional(z.number()), undefined),
        comparisonOperator: z.catch(z.optional(z.string()), undefined),
        /** Anomaly-detection alarms: the id of the ANOMALY_DETECTION_BAND expression. */
        thresholdMetricId: z.catch(z.optional(z.string()), undefined),
        treatMissingData: z.catch(z.optional(z.string()), undefined),
      }),
    ),
    undefined,
  ),
});
export type AlarmDetail = z.infer<typeof AlarmDetailSchema>;
