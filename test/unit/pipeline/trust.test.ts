import { loadConfigFile } from '../../../shared/config/load.ts';
import type { Config } from '../../../shared/config/schema.ts';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { isAwsSource, isForgedAwsEvent } from '../../../shared/events/trust.ts';
import { evaluate } from '../../../shared/pipeline/evaluate.ts';
import { listFiles } from '../../../shared/replay/load.ts';
import { detailOf, loadEvent } from '../../helpers/events.ts';

const config: Config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });
const rules = readServerlessRules('serverless.yml', { stage: 'dev' }).filter(
  (r) => r.functionKey === 'alert' && r.bus === 'default',
);

function matchedRules(event: unknown): string[] {
  return rules.filter((r) => matchPattern(compilePattern(r.pattern), event)).map((r) => r.name);
}

/** A real sample re-sent by someone else: same detail-type and detail, a source of their choosing. */
function forged(relPath: string, source: string, account = '210987654321'): Record<string, unknown> {
  const event = loadEvent(relPath);
  event.source = source;
  event.account = account;
  return event;
}

describe('isAwsSource', () => {
  it.each([
    ['aws.signin', true],
    ['aws.s3', true],
    ['aws.partner/example.com/123/orders', false],
    ['acme.orders', false],
    ['aws', false],
    ['AWS.signin', false],
    ['', false],
  ])('%s → %s', (source, expected) => {
    expect(isAwsSource(source)).toBe(expected);
  });
});

describe('isForgedAwsEvent', () => {
  it.each([
    ['AWS API Call via CloudTrail', 'acme.orders', true],
    ['aws api call via cloudtrail ', 'acme.orders', true],
    ['AWS Console Signin via CloudTrail', 'aws.partner/saas/1/x', true],
    ['CloudWatch Alarm State Change', 'my.app', true],
    ['AWS API Call via CloudTrail', 'aws.iam', false],
    ['Order Placed', 'acme.orders', false],
  ])('%s from %s → %s', (detailType, source, expected) => {
    expect(isForgedAwsEvent({ 'detail-type': detailType, source })).toBe(expected);
  });
});

describe('forged events', () => {
  it('a root sign-in sent with a custom source is one medium forged-aws-event naming the sender, not a critical', () => {
    const result = evaluate(forged('signin/console-login-root.json', 'acme.orders'), config);
    expect(result.alerts.map((a) => [a.ruleId, a.severity])).toEqual([['forged-aws-event', 'medium']]);
    const [alert] = result.alerts;
    expect(alert?.account.id).toBe('210987654321');
    expect(alert?.summary).toContain('210987654321');
    expect(alert?.actor).toBeUndefined();
    expect(alert?.facts.find((f) => f.label === 'Claimed caller')?.value).toMatch(/:root$/);
    // Medium never pages with the shipped routes: a forgery cannot wake anyone with its own text.
    expect(result.notifications.map((n) => n.channel)).not.toContain('pagerduty');
  });

  it.each([
    ['s3/put-bucket-policy-public.json'],
    ['iam/attach-user-policy-admin.json'],
    ['cloudtrail/stop-logging.json'],
    ['cloudwatch/lambda-errors-alarm.json'],
  ])('%s from a partner source is judged forged, never by its claimed content', (file) => {
    const result = evaluate(forged(file, 'aws.partner/example.com/1/events'), config);
    expect(result.alerts.map((a) => a.ruleId)).toEqual(['forged-aws-event']);
  });

  it('takes the account from the envelope, whatever recipientAccountId says', () => {
    const event = loadEvent('s3/put-bucket-acl-public-read.json');
    detailOf(event).recipientAccountId = '999999999999';
    const [alert] = evaluate(event, config).alerts;
    expect(alert?.ruleId).toBe('s3-bucket-acl-public');
    expect(alert?.account.id).toBe('123456789012');
  });

  it('the real root sign-in still pages', () => {
    const result = evaluate(loadEvent('signin/console-login-root.json'), config);
    expect(result.alerts.map((a) => [a.ruleId, a.severity])).toContainEqual(['root-usage', 'critical']);
    expect(result.notifications.map((n) => n.channel)).toContain('pagerduty');
  });
});

describe('serverless.yml trusts CloudTrail detail-types only from aws.* sources', () => {
  const samples = listFiles('events').filter((f) => f.endsWith('.json') && !f.startsWith('events/forged/'));

  it.each([['signin/console-login-root.json'], ['ec2/run-instances-unauthorized.json']])(
    '%s with a custom source reaches only the forged-events rule',
    (file) => {
      expect(matchedRules(forged(file, 'acme.orders'))).toEqual(['cloud-alerts-dev-forged-aws-events']);
    },
  );

  it('every rule but forged-aws-events names an aws.* source', () => {
    for (const rule of rules) {
      if (rule.name.endsWith('-forged-aws-events')) continue;
      expect(JSON.stringify(rule.pattern)).toMatch(/^\{"source":\[(\{"prefix":)?"aws\./);
    }
  });

  it('no real sample reaches the forged-events rule', () => {
    const forgedRule = rules.find((r) => r.name.endsWith('-forged-aws-events'));
    expect(forgedRule).toBeDefined();
    const pattern = compilePattern(forgedRule?.pattern);
    const hits = samples.filter((f) => matchPattern(pattern, loadEvent(f.slice('events/'.length))));
    expect(samples.length).toBeGreaterThan(100);
    expect(hits).toEqual([]);
  });

  it('a case-changed detail-type from a custom source is still caught', () => {
    const event = forged('signin/console-login-root.json', 'acme.orders');
    event['detail-type'] = 'aws console sign in via cloudtrail';
    expect(matchedRules(event)).toEqual(['cloud-alerts-dev-forged-aws-events']);
  });
});
