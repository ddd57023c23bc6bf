import { loadConfigFile } from '../../../shared/config/load.ts';
import type { Alert } from '../../../shared/events/alert.ts';
import { evaluate, notificationsFor } from '../../../shared/pipeline/evaluate.ts';
import { loadEvent } from '../../helpers/events.ts';

const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });

function alarmWithTags(tags: Record<string, string> | undefined): Alert {
  const alert = evaluate(loadEvent('cloudwatch/lambda-errors-alarm.json'), config).alerts[0];
  if (!alert) throw new Error('the sample raises no alert');
  return tags ? { ...alert, tags } : alert;
}

const receivers = (alert: Alert) => notificationsFor(alert, config).map((n) => `${n.channel}:${n.receiver}`);

describe('notificationsFor and the notify tag', () => {
  it('delivers to every routed receiver without the tag', () => {
    expect(receivers(alarmWithTags(undefined))).toEqual([
      'slack:slack-default',
      'pagerduty:pagerduty-default',
      'email:email-default',
    ]);
  });

  it.each([
    ['slack', ['slack:slack-default']],
    ['pagerduty, Email', ['pagerduty:pagerduty-default', 'email:email-default']],
    ['slack,,slack', ['slack:slack-default']],
  ])('keeps only the receivers of the channels in "%s"', (notify, want) => {
    expect(receivers(alarmWithTags({ notify }))).toEqual(want);
  });

  it('ignores unknown channel names next to known ones', () => {
    expect(receivers(alarmWithTags({ notify: 'sms,slack' }))).toEqual(['slack:slack-default']);
  });

  it.each([[''], ['none'], ['teams, sms']])(
    'ignores a tag "%s" naming no known channel rather than silencing the alarm',
    (notify) => {
      expect(receivers(alarmWithTags({ notify }))).toHaveLength(3);
    },
  );

  it('never adds a channel routing did not choose', () => {
    const low = { ...alarmWithTags({ notify: 'pagerduty,slack' }), severity: 'low' as const };
    expect(receivers(low)).toEqual(['slack:slack-default']);
  });
});
