import { loadConfigFile } from '../../../shared/config/load.ts';
import {
  alarmAlert,
  alarmDedupKey,
  conditionInWords,
  parseReasonData,
} from '../../../shared/enrich/alarm.ts';
import { type AlarmDetail, AlarmDetailSchema } from '../../../shared/events/alarm.ts';
import type { Alert } from '../../../shared/events/alert.ts';
import { evaluate } from '../../../shared/pipeline/evaluate.ts';
import { detailOf, envelopeOf, loadEvent } from '../../helpers/events.ts';

const ACCOUNTS = { '123456789012': 'example-production' };
const ALARM_ARN = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:example-orders-api-errors';

function alarmFor(relPath: string, edit?: (detail: Record<string, unknown>) => void): Alert {
  const event = loadEvent(relPath);
  if (edit) edit(detailOf(event));
  return alarmAlert(envelopeOf(event), AlarmDetailSchema.parse(event.detail), { accounts: ACCOUNTS });
}

function detailFor(relPath: string, edit?: (detail: Record<string, unknown>) => void): AlarmDetail {
  const event = loadEvent(relPath);
  if (edit) edit(detailOf(event));
  return AlarmDetailSchema.parse(event.detail);
}

function fact(alert: Alert, label: string): string | undefined {
  return alert.facts.find((f) => f.label === label)?.value;
}

function state(detail: Record<string, unknown>): Record<string, unknown> {
  return detail.state as Record<string, unknown>;
}

const COMPOSITE_RULE =
  'ALARM("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:example-orders-api-errors") OR ALARM("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:example-orders-queue-depth")';

function makeComposite(d: Record<string, unknown>): void {
  d.alarmName = 'example-orders-health';
  d.configuration = { alarmRule: COMPOSITE_RULE, description: 'orders health' };
  const s = state(d);
  s.reason =
    'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:example-orders-api-errors transitioned to ALARM';
  s.reasonData = JSON.stringify({ triggeringAlarms: [{ arn: ALARM_ARN, state: { value: 'ALARM' } }] });
}

describe('alarmAlert', () => {
  it('raises an ALARM as a firing high alert with the condition and the value', () => {
    const alert = alarmFor('cloudwatch/lambda-errors-alarm.json');
    expect(alert).toMatchObject({
      ruleId: 'cloudwatch-alarm',
      title: 'Alarm example-orders-api-errors',
      severity: 'high',
      status: 'firing',
      kind: 'alarm',
      summary: 'example-orders-api-errors is in ALARM: Errors Sum ≥ 5 for 1 of 1 minutes',
      account: { id: '123456789012', alias: 'example-production' },
      region: 'eu-west-1',
      time: '2026-11-20T09:15:30.000+0000',
      resource: { type: 'CloudWatch alarm', name: 'example-orders-api-errors', arn: ALARM_ARN },
      eventId: '65e4817e-5dc6-44d1-aa83-96b177bd57bf',
      links: [
        {
          text: 'Open alarm',
          url: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/example-orders-api-errors',
        },
      ],
    });
    expect(alert.verdict).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints/);
    expect(alert.facts).toEqual([
      { label: 'Metric', value: 'AWS/Lambda Errors (FunctionName=example-orders-api)' },
      { label: 'Condition', value: 'Errors Sum ≥ 5 for 1 of 1 minutes' },
      { label: 'Value', value: '7' },
      { label: 'State', value: 'OK → ALARM' },
      { label: 'Description', value: 'example-orders-api: 5 or more Lambda errors in one minute' },
    ]);
  });

  it('resolves on OK after 12 minutes with the same dedupKey as the ALARM', () => {
    const firing = alarmFor('cloudwatch/lambda-errors-alarm.json');
    const resolved = alarmFor('cloudwatch/lambda-errors-ok.json');
    expect(resolved).toMatchObject({
      status: 'resolved',
      summary: 'example-orders-api-errors is back to OK',
      verdict: 'Resolved after 12 min in ALARM.',
      title: 'Alarm example-orders-api-errors',
    });
    expect(resolved.dedupKey).toBe(firing.dedupKey);
    expect(resolved.dedupKey).toBe(alarmDedupKey(ALARM_ARN));
    expect(resolved.id).not.toBe(firing.id);
    expect(fact(resolved, 'Value')).toBeUndefined();
    expect(fact(resolved, 'State')).toBe('ALARM → OK');
    expect(fact(resolved, 'Reason')).toMatch(/^Threshold Crossed/);
  });

  it('keys a new episode on the same alarm key (PagerDuty opens a new incident after a resolve) with a new id', () => {
    const first = alarmFor('cloudwatch/lambda-errors-alarm.json');
    const next = alarmFor('cloudwatch/lambda-errors-alarm-next-episode.json');
    expect(next.dedupKey).toBe(first.dedupKey);
    expect(next.id).not.toBe(first.id);
  });

  it('gives the same event delivered twice the same id and dedupKey', () => {
    const a = alarmFor('cloudwatch/lambda-errors-alarm.json');
    const b = alarmFor('cloudwatch/lambda-errors-alarm.json');
    expect(b.id).toBe(a.id);
    expect(b.dedupKey).toBe(a.dedupKey);
  });

  it('gives different alarms different dedupKeys', () => {
    expect(alarmDedupKey(ALARM_ARN)).not.toBe(alarmDedupKey(`${ALARM_ARN}-2`));
  });

  it('raises INSUFFICIENT_DATA as low with its own title and the reason', () => {
    const alert = alarmFor('cloudwatch/alarm-insufficient-data.json');
    expect(alert).toMatchObject({
      severity: 'low',
      status: 'firing',
      title: 'Alarm example-bastion-cpu-high: insufficient data',
      summary: 'example-bastion-cpu-high has insufficient data',
      verdict: 'The metric is not reporting: the thing it watches may be down, or the alarm misconfigured.',
    });
    expect(fact(alert, 'Reason')).toBe('Insufficient Data: 2 datapoints were unknown.');
    expect(fact(alert, 'Value')).toBeUndefined();
  });

  it('takes severities from the options', () => {
    const event = loadEvent('cloudwatch/lambda-errors-alarm.json');
    const detail = AlarmDetailSchema.parse(event.detail);
    const opts = { accounts: {}, defaultSeverity: 'critical', insufficientDataSeverity: 'info' } as const;
    expect(alarmAlert(envelopeOf(event), detail, opts).severity).toBe('critical');
    const insufficient = loadEvent('cloudwatch/alarm-insufficient-data.json');
    expect(
      alarmAlert(envelopeOf(insufficient), AlarmDetailSchema.parse(insufficient.detail), opts).severity,
    ).toBe('info');
  });

  it('does not throw when reasonData is not JSON', () => {
    const alert = alarmFor('cloudwatch/lambda-errors-alarm.json', (d) => {
      state(d).reasonData = '{not json';
    });
    expect(alert.status).toBe('firing');
    expect(fact(alert, 'Value')).toBeUndefined();
    // The threshold came from reasonData; without it there is no condition to state.
    expect(fact(alert, 'Condition')).toBeUndefined();
    expect(alert.summary).toBe('example-orders-api-errors is in ALARM');
  });

  it('shows the rule of a composite alarm, the child that triggered it, and no metric', () => {
    const alert = alarmFor('cloudwatch/lambda-errors-alarm.json', makeComposite);
    expect(alert.resource).toMatchObject({
      type: 'CloudWatch composite alarm',
      name: 'example-orders-health',
    });
    expect(fact(alert, 'Alarm rule')).toBe(COMPOSITE_RULE);
    expect(fact(alert, 'Metric')).toBeUndefined();
    expect(fact(alert, 'Condition')).toBeUndefined();
    expect(fact(alert, 'Triggered by')).toBe('example-orders-api-errors (ALARM)');
    expect(alert.summary).toBe(
      'example-orders-health is in ALARM: triggered by example-orders-api-errors (ALARM)',
    );
  });

  it('shows who suppressed the actions and why', () => {
    const alert = alarmFor('cloudwatch/lambda-errors-alarm.json', (d) => {
      makeComposite(d);
      state(d).actionsSuppressedBy = 'WaitPeriod';
      state(d).actionsSuppressedReason = 'Actions suppressed by WaitPeriod';
    });
    expect(fact(alert, 'Actions suppressed')).toBe('WaitPeriod: Actions suppressed by WaitPeriod');
  });

  it('shows actionsSuppressedBy alone when there is no reason', () => {
    const alert = alarmFor('cloudwatch/lambda-errors-alarm.json', (d) => {
      state(d).actionsSuppressedBy = 'Alarm';
    });
    expect(fact(alert, 'Actions suppressed')).toBe('Alarm');
  });

  it('builds the ARN from the envelope when resources is empty', () => {
    const event = loadEvent('cloudwatch/lambda-errors-alarm.json');
    event.resources = [];
    const alert = alarmAlert(envelopeOf(event), AlarmDetailSchema.parse(event.detail), { accounts: {} });
    expect(alert.resource?.arn).toBe(ALARM_ARN);
    expect(alert.account).toEqual({ id: '123456789012' });
  });

  it('says how long data was missing when an OK follows INSUFFICIENT_DATA, and still resolves the alarm key', () => {
    const alert = alarmFor('cloudwatch/lambda-errors-ok.json', (d) => {
      (d.previousState as Record<string, unknown>).value = 'INSUFFICIENT_DATA';
    });
    expect(alert.verdict).toBe(
      'Back to OK after 12 min of insufficient data; any incident still open for this alarm is resolved.',
    );
    expect(alert.dedupKey).toBe(alarmDedupKey(ALARM_ARN));
  });

  it('describes a metric-math alarm by its expression', () => {
    const alert = alarmFor('cloudwatch/lambda-errors-alarm.json', (d) => {
      d.configuration = {
        metrics: [
          {
            id: 'm1',
            metricStat: { metric: { namespace: 'AWS/Lambda', name: 'Errors' }, period: 60, stat: 'Sum' },
            returnData: false,
          },
          { id: 'e1', expression: 'm1 * 2', label: 'Doubled', returnData: true },
        ],
      };
    });
    expect(fact(alert, 'Metric')).toBe('Doubled: m1 * 2');
  });
});

describe('conditionInWords', () => {
  it('reads "Errors Sum ≥ 5 for 1 of 1 minutes" from the configuration and the reason', () => {
    const detail = detailFor('cloudwatch/lambda-errors-alarm.json');
    expect(conditionInWords(detail, parseReasonData(detail.state.reasonData))).toBe(
      'Errors Sum ≥ 5 for 1 of 1 minutes',
    );
  });

  it.each([
    ['greater than', '>'],
    ['less than', '<'],
    ['less than or equal to', '≤'],
    ['greater than or equal to', '≥'],
  ])('maps "%s the threshold" to %s', (words, op) => {
    const detail = detailFor('cloudwatch/lambda-errors-alarm.json', (d) => {
      state(d).reason =
        `Threshold Crossed: 3 out of the last 5 datapoints [1.0] were ${words} the threshold (5.0).`;
    });
    expect(conditionInWords(detail, { threshold: 5 })).toBe(`Errors Sum ${op} 5 for 3 of 5 minutes`);
  });

  it('takes the threshold from the configuration when reasonData has none', () => {
    const detail = detailFor('cloudwatch/lambda-errors-alarm.json', (d) => {
      (d.configuration as Record<string, unknown>).threshold = 9;
    });
    expect(conditionInWords(detail, undefined)).toBe('Errors Sum ≥ 9 for 1 of 1 minutes');
  });

  it('is undefined when the reason names no comparison', () => {
    const detail = detailFor('cloudwatch/alarm-insufficient-data.json');
    expect(conditionInWords(detail, parseReasonData(detail.state.reasonData))).toBeUndefined();
  });
});

describe('parseReasonData', () => {
  it('parses a JSON object', () => {
    expect(parseReasonData('{"threshold":5.0,"recentDatapoints":[7.0]}')).toEqual({
      threshold: 5,
      recentDatapoints: [7],
    });
  });

  it.each([[undefined], [''], ['{not json'], ['[1,2]'], ['"text"'], ['null'], ['42']])(
    'returns undefined for %p',
    (text) => {
      expect(parseReasonData(text)).toBeUndefined();
    },
  );
});

describe('an alarm state change without evaluation data', () => {
  it('says it may have been set by hand (SetAlarmState), and one CloudWatch evaluated does not', () => {
    const manual = loadEvent('cloudwatch/lambda-errors-ok.json');
    const state = (detailOf(manual).state ?? {}) as Record<string, unknown>;
    delete state.reasonData;
    state.reason = 'All good, resolved by ops';
    const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });
    const [byHand] = evaluate(manual, config).alerts;
    expect(byHand?.facts.find((f) => f.label === 'Evaluation data')?.value).toMatch(
      /^none: this change may have been set by hand \(cloudwatch:SetAlarmState\)/,
    );
    const [evaluated] = evaluate(loadEvent('cloudwatch/lambda-errors-ok.json'), config).alerts;
    expect(evaluated?.facts.map((f) => f.label)).not.toContain('Evaluation data');
  });
});
