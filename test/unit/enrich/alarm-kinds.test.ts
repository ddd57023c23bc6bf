import {
  type AlarmContext,
  alarmAlert,
  alarmDedupKey,
  conditionInWords,
  parseReasonData,
  runbookLink,
} from '../../../shared/enrich/alarm.ts';
import { AlarmDetailSchema } from '../../../shared/events/alarm.ts';
import type { Alert } from '../../../shared/events/alert.ts';
import { detailOf, envelopeOf, loadEvent } from '../../helpers/events.ts';

const ACCOUNTS = { '123456789012': 'example-production' };
const arn = (name: string) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`;

function alarmFor(
  relPath: string,
  edit?: (detail: Record<string, unknown>) => void,
  context?: AlarmContext,
): Alert {
  const event = loadEvent(`cloudwatch/${relPath}`);
  if (edit) edit(detailOf(event));
  return alarmAlert(
    envelopeOf(event),
    AlarmDetailSchema.parse(event.detail),
    { accounts: ACCOUNTS },
    context,
  );
}

function fact(alert: Alert, label: string): string | undefined {
  return alert.facts.find((f) => f.label === label)?.value;
}

describe('alarmAlert for each kind of alarm', () => {
  it('describes a metric-math alarm by its label, expression and inputs', () => {
    const alert = alarmFor('metric-math-alarm.json');
    expect(alert.summary).toBe('example-checkout-5xx-rate is in ALARM: 5xx rate (%) > 5 for 3 of 5 minutes');
    expect(alert.facts).toEqual([
      { label: 'Metric', value: '5xx rate (%): 100 * m1 / m2' },
      {
        label: 'Inputs',
        value:
          'm1: AWS/ApplicationELB HTTPCode_Target_5XX_Count (LoadBalancer=app/example-checkout/0f1e2d3c4b5a6978) Sum; ' +
          'm2: AWS/ApplicationELB RequestCount (LoadBalancer=app/example-checkout/0f1e2d3c4b5a6978) Sum',
      },
      { label: 'Condition', value: '5xx rate (%) > 5 for 3 of 5 minutes' },
      { label: 'Value', value: '4.2, 7.1, 3.9, 9.8, 12.4 (oldest first)' },
      { label: 'State', value: 'OK → ALARM' },
      { label: 'Description', value: 'example-checkout ALB: more than 5% of requests answered 5xx' },
    ]);
  });

  it('states an anomaly-detection alarm as outside its band, with the latest band and its width', () => {
    const alert = alarmFor('anomaly-band-alarm.json');
    expect(fact(alert, 'Condition')).toBe(
      'Latency p90 outside the band [118.3 – 612.4] (2 standard deviations) for 2 of 2 periods of 5 min',
    );
    expect(fact(alert, 'Anomaly band')).toBe('ANOMALY_DETECTION_BAND(m1, 2)');
    expect(fact(alert, 'Metric')).toBe('AWS/ApiGateway Latency (ApiName=example-payments-api, Stage=prod)');
    expect(fact(alert, 'Value')).toBe('1622.7, 1840.2 (oldest first)');
  });

  it('says "above the band" when the reason names only the upper threshold', () => {
    const alert = alarmFor('anomaly-band-alarm.json', (d) => {
      const s = d.state as Record<string, unknown>;
      s.reason =
        'Thresholds Crossed: 2 out of the last 2 datapoints [1840.2 (21/11/26 02:10:00), 1622.7 (21/11/26 02:05:00)] were greater than the upper thresholds [612.4, 598.1] (minimum 2 datapoints for OK -> ALARM transition).';
    });
    expect(fact(alert, 'Condition')).toMatch(/^Latency p90 above the band \[118.3 – 612.4\]/);
  });

  it('shows a Metrics Insights query and its partial-data evaluation state', () => {
    const alert = alarmFor('metrics-insights-alarm.json');
    expect(fact(alert, 'Metric')).toBe(
      'Metrics Insights: SELECT MAX(ApproximateAgeOfOldestMessage) FROM SCHEMA("AWS/SQS", QueueName)',
    );
    expect(fact(alert, 'Condition')).toBe('query result > 900 for 2 of 2 periods of 5 min');
    expect(fact(alert, 'Evaluation')).toBe('PARTIAL_DATA');
    expect(fact(alert, 'Value')).toBe('987, 1342 (oldest first)');
  });

  it('lists the child alarms that triggered a composite alarm, with its rule', () => {
    const alert = alarmFor('composite-alarm.json');
    expect(alert).toMatchObject({
      summary: 'example-checkout-health is in ALARM: triggered by example-checkout-5xx-rate (ALARM)',
      resource: { type: 'CloudWatch composite alarm', name: 'example-checkout-health' },
    });
    expect(fact(alert, 'Alarm rule')).toBe(
      'ALARM("example-checkout-5xx-rate") OR ALARM("example-payments-api-latency-anomaly")',
    );
    expect(fact(alert, 'Triggered by')).toBe('example-checkout-5xx-rate (ALARM)');
  });

  it('shows that a composite alarm fired while its actions were suppressed', () => {
    const alert = alarmFor('composite-actions-suppressed.json');
    expect(alert.status).toBe('firing');
    expect(fact(alert, 'Actions suppressed')).toBe('WaitPeriod: Actions suppressed by WaitPeriod');
    expect(fact(alert, 'Triggered by')).toBe('example-orders-queue-depth (ALARM)');
  });

  it('skips triggeringAlarms entries without an ARN instead of failing', () => {
    const alert = alarmFor('composite-alarm.json', (d) => {
      (d.state as Record<string, unknown>).reasonData = JSON.stringify({
        triggeringAlarms: [{ state: { value: 'ALARM' } }, 'odd', { arn: arn('child'), state: 'x' }],
      });
    });
    expect(fact(alert, 'Triggered by')).toBe('child');
  });
});

describe('alarmAlert across transitions', () => {
  it.each([
    ['metric-math-alarm.json', 'metric-math-ok.json', 'Resolved after 27 min in ALARM.'],
    ['anomaly-band-alarm.json', 'anomaly-band-ok.json', 'Resolved after 45 min in ALARM.'],
    ['metrics-insights-alarm.json', 'metrics-insights-ok.json', 'Resolved after 45 min in ALARM.'],
    ['composite-alarm.json', 'composite-ok.json', 'Resolved after 47 min in ALARM.'],
  ])('resolves %s with %s on the same dedupKey', (firingFile, okFile, verdict) => {
    const firing = alarmFor(firingFile);
    const resolved = alarmFor(okFile);
    expect(firing.status).toBe('firing');
    expect(resolved).toMatchObject({ status: 'resolved', severity: firing.severity, verdict });
    expect(resolved.dedupKey).toBe(firing.dedupKey);
    expect(resolved.id).not.toBe(firing.id);
  });

  it('keeps one key through ALARM → INSUFFICIENT_DATA → OK, so the OK resolves the incident', () => {
    const fired = alarmFor('lambda-errors-alarm-next-episode.json');
    const missing = alarmFor('lambda-errors-insufficient-data.json');
    const ok = alarmFor('lambda-errors-ok-after-insufficient-data.json');
    expect([fired.dedupKey, missing.dedupKey, ok.dedupKey]).toEqual([
      alarmDedupKey(arn('example-orders-api-errors')),
      alarmDedupKey(arn('example-orders-api-errors')),
      alarmDedupKey(arn('example-orders-api-errors')),
    ]);
    expect(missing).toMatchObject({
      severity: 'low',
      status: 'firing',
      verdict:
        'The metric stopped reporting while in ALARM: any incident stays open until the alarm is back to OK.',
    });
    expect(fact(missing, 'State')).toBe('ALARM → INSUFFICIENT_DATA');
    expect(ok).toMatchObject({
      status: 'resolved',
      severity: 'high',
      verdict:
        'Back to OK after 21 min of insufficient data; any incident still open for this alarm is resolved.',
    });
  });

  it('gives the INSUFFICIENT_DATA severity from the options', () => {
    const event = loadEvent('cloudwatch/lambda-errors-insufficient-data.json');
    const alert = alarmAlert(envelopeOf(event), AlarmDetailSchema.parse(event.detail), {
      accounts: {},
      insufficientDataSeverity: 'medium',
    });
    expect(alert.severity).toBe('medium');
  });

  it("sends a new alarm's first OK (after initial creation) as info, which default routes drop", () => {
    const alert = alarmFor('lambda-errors-ok-after-insufficient-data.json', (d) => {
      (d.previousState as Record<string, unknown>).reason = 'Unchecked: Initial alarm creation';
    });
    expect(alert).toMatchObject({
      severity: 'info',
      status: 'resolved',
      verdict: 'The new alarm evaluated to OK for the first time.',
    });
  });
});

describe('alarmAlert with the alarm context', () => {
  const context: AlarmContext = {
    tags: {
      severity: 'Critical',
      team: 'payments',
      runbook: 'https://runbooks.example.com/checkout/5xx',
      notify: 'slack,pagerduty',
    },
    description: 'from DescribeAlarms',
  };

  it('puts the tags on the alert, lets `severity` override the default, and shows team and runbook', () => {
    const alert = alarmFor(
      'composite-alarm.json',
      (d) => {
        delete (d.configuration as Record<string, unknown>).description;
      },
      context,
    );
    expect(alert.severity).toBe('critical');
    expect(alert.tags).toEqual(context.tags);
    expect(fact(alert, 'Team')).toBe('payments');
    expect(fact(alert, 'Description')).toBe('from DescribeAlarms');
    expect(alert.links).toEqual([
      {
        text: 'Open alarm',
        url: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/example-checkout-health',
      },
      { text: 'Runbook (runbooks.example.com)', url: 'https://runbooks.example.com/checkout/5xx' },
    ]);
  });

  it('keeps the tagged severity on the resolve, so it reaches the receivers the trigger reached', () => {
    expect(alarmFor('composite-ok.json', undefined, context).severity).toBe('critical');
  });

  it('prefers the description in the event to the looked-up one', () => {
    expect(fact(alarmFor('composite-alarm.json', undefined, context), 'Description')).toBe(
      'Checkout is unhealthy: errors or payment latency',
    );
  });

  it('ignores a severity tag that is not a severity', () => {
    const alert = alarmFor('metric-math-alarm.json', undefined, { tags: { severity: 'sev1' } });
    expect(alert.severity).toBe('high');
  });

  it('does not let a severity tag raise INSUFFICIENT_DATA', () => {
    const alert = alarmFor('lambda-errors-insufficient-data.json', undefined, {
      tags: { severity: 'critical' },
    });
    expect(alert.severity).toBe('low');
  });

  it('prefers tags propagated in the event (alarmTags) to looked-up ones, keeping only strings', () => {
    const alert = alarmFor(
      'metric-math-alarm.json',
      (d) => {
        d.alarmTags = { team: 'checkout', severity: 'medium', weird: { nested: true } };
      },
      context,
    );
    expect(alert.tags).toEqual({ team: 'checkout', severity: 'medium' });
    expect(alert.severity).toBe('medium');
  });

  it('shows an unsafe runbook tag as text, never as a link', () => {
    const alert = alarmFor('metric-math-alarm.json', undefined, { tags: { runbook: 'javascript:alert(1)' } });
    expect(alert.links.map((l) => l.text)).toEqual(['Open alarm']);
    expect(fact(alert, 'Runbook (not an http(s) link)')).toBe('javascript:alert(1)');
  });

  it('fills threshold, comparison and window from DescribeAlarms when the event lacks them', () => {
    const event = loadEvent('cloudwatch/metrics-insights-alarm.json');
    const detail = AlarmDetailSchema.parse(event.detail);
    detail.state.reason = 'Threshold Crossed: no datapoints were received for 2 periods.';
    expect(conditionInWords(detail, undefined)).toBeUndefined();
    expect(
      conditionInWords(detail, undefined, {
        tags: {},
        threshold: 900,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      }),
    ).toBe('query result ≥ 900 for 2 of 3 periods of 5 min');
    expect(conditionInWords(detail, parseReasonData(detail.state.reasonData))).toBeUndefined();
  });
});

describe('runbookLink', () => {
  it.each([
    ['https://runbooks.example.com/a?b=c#d', 'https://runbooks.example.com/a?b=c#d', 'runbooks.example.com'],
    ['  http://wiki.internal:8080/x  ', 'http://wiki.internal:8080/x', 'wiki.internal:8080'],
  ])('links %p', (value, url, host) => {
    expect(runbookLink(value)).toEqual({ text: `Runbook (${host})`, url });
  });

  it.each([
    ['javascript:alert(1)'],
    ['data:text/html,<b>x</b>'],
    ['ftp://files.example.com/runbook'],
    ['https://runbooks.example.com@evil.example/'],
    ['https://user:pass@runbooks.example.com/'],
    ['https://ok.example.com/<!channel>'],
    ['https://ok.example.com/a b'],
    ['runbooks.example.com/no-scheme'],
    [`https://example.com/${'a'.repeat(2100)}`],
    [''],
  ])('refuses %p', (value) => {
    expect(runbookLink(value)).toBeUndefined();
  });
});
