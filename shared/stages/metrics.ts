import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import * as z from 'zod/mini';
import { ALERT_RAISED } from '../events/alert.ts';
import type { PutEventsPort } from '../pipeline/publish.ts';
import type { Suppression } from '../pipeline/stages.ts';

export const METRICS_NAMESPACE = 'CloudAlerts';
export const ALERTS_SENT = 'AlertsSent';
export const ALERTS_SUPPRESSED = 'AlertsSuppressed';

/**
 * Counts with dimensions. In Lambda it is Powertools Metrics (EMF in the logs); dimension values
 * are only our own rule ids and suppression kinds, never caller-written text, so cardinality stays
 * bounded by the rule catalog.
 */
export interface CounterPort {
  count(name: string, dimensions: Record<string, string>): void;
}

/** The slice of Powertools Metrics we use; a single metric carries its own dimensions. */
export interface PowertoolsMetricsLike {
  addMetric(name: string, unit: 'Count', value: number): unknown;
  singleMetric(): {
    addDimension(name: string, value: string): unknown;
    addMetric(name: string, unit: 'Count', value: number): unknown;
  };
}

/**
 * Totals go into the buffer that the logMetrics middleware flushes once per invocation; the
 * per-rule and per-kind counts are single metrics, because one EMF record has one value per dimension.
 */
export function powertoolsCounter(metrics: PowertoolsMetricsLike): CounterPort {
  return {
    count(name, dimensions) {
      metrics.addMetric(name, 'Count', 1);
      const single = metrics.singleMetric();
      for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
      single.addMetric(name, 'Count', 1);
    },
  };
}

export function countSuppressions(counter: CounterPort, suppressed: readonly Suppression[]): void {
  for (const s of suppressed) counter.count(ALERTS_SUPPRESSED, { rule: s.ruleId, suppression: s.kind });
}

const RaisedSchema = z.object({ ruleId: z.string() });

function raisedRule(entry: PutEventsRequestEntry): string | undefined {
  if (entry.DetailType !== ALERT_RAISED || entry.Detail === undefined) return undefined;
  try {
    const parsed = RaisedSchema.safeParse(JSON.parse(entry.Detail));
    return parsed.success ? parsed.data.ruleId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Counts an alert as sent only once EventBridge accepted its "Alert Raised" entry, so a failed
 * PutEvents (which Lambda retries) is not counted twice.
 */
export function countingPutEvents(putEvents: PutEventsPort, counter: CounterPort): PutEventsPort {
  return async (entries) => {
    const out = await putEvents(entries);
    for (const [i, entry] of entries.entries()) {
      const rule = raisedRule(entry);
      if (rule === undefined || out.Entries?.[i]?.ErrorCode) continue;
      counter.count(ALERTS_SENT, { rule });
    }
    return out;
  };
}
