import { fileAlarmLookup } from '../../../shared/alarms/tags-file.ts';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { alarmAlert } from '../../../shared/enrich/alarm.ts';
import { AlarmDetailSchema } from '../../../shared/events/alarm.ts';
import { NotificationRequestSchema } from '../../../shared/events/alert.ts';
import { requirePlugin } from '../../../shared/notify/channels/registry.ts';
import { renderNotification } from '../../../shared/notify/deliver.ts';
import { evaluate } from '../../../shared/pipeline/evaluate.ts';
import { matchAlert } from '../../../shared/route/route.ts';
import { ownValue } from '../../../shared/util/own.ts';
import { detailOf, envelopeOf, loadEvent } from '../../helpers/events.ts';

/** Keys every plain object answers without holding them. */
const INHERITED = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
const ctx = {
  secret: () => 'R0UTINGKEY-EVENT-KEYS-0000000001',
  stackTopicArn: 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-test-alerts',
};

/** Each notification as its notifier receives it (JSON over EventBridge), parsed and rendered. */
function delivered(result: ReturnType<typeof evaluate>): string[] {
  return result.notifications.map((n) => {
    const request = NotificationRequestSchema.parse(JSON.parse(JSON.stringify(n)));
    return renderNotification(request, config, ctx, requirePlugin(request.channel)).channel;
  });
}

describe('ownValue', () => {
  it.each(INHERITED)('finds nothing under %s in a map that does not hold it', (key) => {
    expect(ownValue({ '123456789012': 'prod' }, key)).toBeUndefined();
  });

  it('finds what the map holds, "__proto__" included when it is its own key', () => {
    expect(ownValue({ '123456789012': 'prod' }, '123456789012')).toBe('prod');
    expect(ownValue(JSON.parse('{"__proto__":"odd"}'), '__proto__')).toBe('odd');
    expect(ownValue(undefined, 'x')).toBeUndefined();
  });
});

describe('event-supplied keys are looked up as own properties', () => {
  it.each(INHERITED)('a CloudTrail event from account %s keeps its alert, with no alias', (id) => {
    const event = loadEvent('cloudtrail/stop-logging.json');
    event.account = id;
    detailOf(event).recipientAccountId = id;
    const result = evaluate(event, config);
    expect(result.alerts).toHaveLength(1);
    expect(result.alerts[0]?.account).toEqual({ id });
    expect(result.notifications.length).toBeGreaterThan(0);
    // Before: "__proto__" gave an object alias the notifier's schema refused (the alert was dropped)
    // and "constructor" a function alias.
    expect(delivered(result)).toHaveLength(result.notifications.length);
  });

  it.each(INHERITED)('an alarm in account %s keeps its alert, with no alias', (id) => {
    const event = loadEvent('cloudwatch/lambda-errors-alarm.json');
    event.account = id;
    const result = evaluate(event, config);
    expect(result.alerts).toHaveLength(1);
    expect(result.alerts[0]?.account).toEqual({ id });
    expect(delivered(result)).toHaveLength(result.notifications.length);
  });

  it('does not read a comparison operator named "constructor" as a symbol', () => {
    const event = loadEvent('cloudwatch/lambda-errors-alarm.json');
    const detail = detailOf(event);
    detail.state = { value: 'ALARM', reason: 'odd', timestamp: '2026-11-20T09:15:02.000+0000' };
    detail.configuration = {
      comparisonOperator: 'constructor',
      threshold: 5,
      metrics: [{ id: 'm1', metricStat: { metric: { name: 'Errors' }, stat: 'Sum', period: 60 } }],
    };
    const alert = alarmAlert(envelopeOf(event), AlarmDetailSchema.parse(detail), {
      accounts: { '123456789012': 'prod' },
    });
    expect(JSON.stringify(alert)).not.toContain('function');
    expect(alert.facts.find((f) => f.label === 'Condition')).toBeUndefined();
  });

  it('a tag matcher on a name every object inherits matches only a real tag', () => {
    const event = loadEvent('cloudwatch/lambda-errors-alarm.json');
    const alert = alarmAlert(envelopeOf(event), AlarmDetailSchema.parse(detailOf(event)), { accounts: {} });
    const untagged = { ...alert, tags: {} };
    expect(matchAlert({ tags: { toString: '*' } }, untagged)).toBe(false);
    expect(matchAlert({ tags: { toString: '*' } }, { ...alert, tags: { toString: 'yes' } })).toBe(true);
  });

  it('an --alarm-tags file finds no entry for an alarm named "constructor"', async () => {
    const lookup = fileAlarmLookup({ 'example-a': { tags: { team: 'a' } } });
    await expect(
      lookup('arn:aws:cloudwatch:eu-west-1:123456789012:alarm:constructor', 'eu-west-1'),
    ).resolves.toBeUndefined();
  });
});
