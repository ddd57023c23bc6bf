import { loadConfigFile } from '../../../shared/config/load.ts';
import type { Config } from '../../../shared/config/schema.ts';
import type { Alert } from '../../../shared/events/alert.ts';
import { evaluate, notificationsFor } from '../../../shared/pipeline/evaluate.ts';
import { detailOf, loadEvent } from '../../helpers/events.ts';

const config: Config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });

const PAGE = ['slack-default', 'pagerduty-default', 'email-default'];

function receiversOf(result: ReturnType<typeof evaluate>): string[] {
  return result.notifications.map((n) => n.receiver);
}

describe('evaluate', () => {
  it.each([
    ['null', null],
    ['a string', 'hello'],
    ['an SQS record', { Records: [{ body: '{}' }] }],
    ['an envelope without detail-type', { id: 'x', source: 'aws.s3', account: '1', time: 't', region: 'r' }],
  ])('rejects %s with a reason', (_label, input) => {
    const result = evaluate(input, config);
    expect(result.rejected).toMatch(/^not an EventBridge event: /);
    expect(result).toMatchObject({ alerts: [], notifications: [], warnings: [] });
    expect(result.envelope).toBeUndefined();
  });

  it('names the missing fields in the rejection', () => {
    const event = loadEvent('s3/put-bucket-acl-public-read.json');
    delete event['detail-type'];
    expect(evaluate(event, config).rejected).toContain('detail-type');
  });

  it('turns a CloudTrail detail without eventName into one generic alert with a warning', () => {
    const event = loadEvent('s3/put-bucket-acl-public-read.json');
    delete detailOf(event).eventName;
    const result = evaluate(event, config);
    expect(result.rejected).toBeUndefined();
    expect(result.warnings).toEqual([
      'CloudTrail detail not readable: cannot tell which call this is: no eventName',
    ]);
    expect(result.alerts).toHaveLength(1);
    expect(result.alerts[0]).toMatchObject({
      ruleId: 'generic-event',
      kind: 'generic',
      severity: 'low',
      id: 'generic:3756725d-6d5a-4f46-be7e-e6e81b69ad94',
    });
    expect(result.alerts[0]?.facts[0]?.value).toBe(result.warnings[0]);
  });

  it('turns an unknown detail-type into a generic alert without a warning', () => {
    const event = loadEvent('s3/put-bucket-acl-public-read.json');
    event['detail-type'] = 'EC2 Instance State-change Notification';
    event.source = 'aws.ec2';
    event.detail = { 'instance-id': 'i-0123456789abcdef0', state: 'running' };
    const result = evaluate(event, config);
    expect(result.warnings).toEqual([]);
    expect(result.alerts).toHaveLength(1);
    expect(result.alerts[0]).toMatchObject({
      ruleId: 'generic-event',
      summary: 'EC2 Instance State-change Notification from aws.ec2',
    });
    expect(result.alerts[0]?.facts[0]).toEqual({
      label: 'Why generic',
      value: 'no rule for detail-type "EC2 Instance State-change Notification"',
    });
  });

  it('turns a call no rule knows into a generic alert', () => {
    const result = evaluate(loadEvent('iam/list-users.json'), config);
    expect(result.alerts.map((a) => a.ruleId)).toEqual(['generic-event']);
    expect(result.warnings).toEqual([]);
  });

  it('stays quiet for a known call judged harmless', () => {
    const result = evaluate(loadEvent('s3/put-bucket-public-access-block-enabled.json'), config);
    expect(result).toMatchObject({ alerts: [], notifications: [], warnings: [] });
    expect(result.envelope?.id).toBeDefined();
  });

  it('turns an alarm detail that does not parse into a generic alert with a warning', () => {
    const event = loadEvent('cloudwatch/lambda-errors-alarm.json');
    (detailOf(event).state as Record<string, unknown>).value = 'BROKEN';
    const result = evaluate(event, config);
    expect(result.warnings).toEqual([expect.stringMatching(/^alarm detail did not parse: state\.value: /)]);
    expect(result.alerts.map((a) => a.ruleId)).toEqual(['generic-event']);
  });

  it('accepts both console sign-in detail-type spellings as CloudTrail', () => {
    for (const detailType of ['AWS Console Sign In via CloudTrail', 'AWS Console Signin via CloudTrail']) {
      const event = loadEvent('iam/list-users.json');
      event['detail-type'] = detailType;
      const detail = detailOf(event);
      detail.eventSource = 'signin.amazonaws.com';
      detail.eventName = 'ConsoleLogin';
      const [alert] = evaluate(event, config).alerts;
      // list-users carries no sign-in outcome: the sign-in rules say what they could not tell.
      expect(alert?.summary).toBe(
        'IAM user alice called signin:ConsoleLogin, and the record does not say what it changed',
      );
    }
  });

  describe('routing with the default config', () => {
    it.each([
      ['critical', 's3/put-bucket-acl-public-read.json', PAGE],
      ['high', 'iam/create-access-key.json', PAGE],
      ['medium', 'iam/create-user.json', ['slack-default', 'email-default']],
      ['low', 's3/delete-bucket-policy.json', ['slack-default']],
    ])('routes a %s alert (%s) to %p', (severity, file, receivers) => {
      const result = evaluate(loadEvent(file), config);
      expect(result.alerts.map((a) => a.severity)).toEqual([severity]);
      expect(receiversOf(result)).toEqual(receivers);
    });

    it('routes an info alert (a denied low-severity call) nowhere', () => {
      const event = loadEvent('s3/delete-bucket-policy.json');
      const detail = detailOf(event);
      detail.errorCode = 'AccessDenied';
      detail.errorMessage = 'Access Denied';
      const result = evaluate(event, config);
      expect(result.alerts.map((a) => a.severity)).toEqual(['info']);
      expect(result.notifications).toEqual([]);
    });

    it('pages the resolve of a high alarm so PagerDuty can close the incident', () => {
      const result = evaluate(loadEvent('cloudwatch/lambda-errors-ok.json'), config);
      expect(result.alerts[0]?.status).toBe('resolved');
      expect(receiversOf(result)).toEqual(PAGE);
    });

    it('keys each notification alert-id/receiver, with the channel of the receiver', () => {
      const result = evaluate(loadEvent('s3/put-bucket-acl-public-read.json'), config);
      const [alert] = result.alerts;
      if (!alert) throw new Error('no alert');
      expect(result.notifications.map(({ channel, receiver, key }) => ({ channel, receiver, key }))).toEqual([
        { channel: 'slack', receiver: 'slack-default', key: `${alert.id}/slack-default` },
        { channel: 'pagerduty', receiver: 'pagerduty-default', key: `${alert.id}/pagerduty-default` },
        { channel: 'email', receiver: 'email-default', key: `${alert.id}/email-default` },
      ]);
      for (const n of result.notifications) expect(n.alert).toBe(alert);
    });

    it('gives the same event the same notification keys when it arrives twice', () => {
      const keys = () =>
        evaluate(loadEvent('iam/create-access-key.json'), config).notifications.map((n) => n.key);
      expect(keys()).toEqual(keys());
    });
  });
});

describe('notificationsFor', () => {
  it('skips a routed receiver the config does not define', () => {
    const [alert] = evaluate(loadEvent('s3/put-bucket-acl-public-read.json'), config).alerts as [Alert];
    const handBuilt: Config = { ...config, route: { receivers: ['ghost', 'slack-default'] } };
    expect(notificationsFor(alert, handBuilt).map((n) => n.receiver)).toEqual(['slack-default']);
  });
});
