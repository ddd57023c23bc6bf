import { readFileSync } from 'node:fs';
import { CLOUDTRAIL_RULES, detectCloudTrail, watches } from '../../../shared/detect/catalog.ts';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { listFiles } from '../../../shared/replay/load.ts';
import { cloudTrailDetail, envelopeOf, loadEvent } from '../../helpers/events.ts';

/** EventBridge refuses a pattern over 2048 characters (adjustable to 4096 on request). https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html */
const EVENT_PATTERN_MAX_CHARS = 2048;

const PREFIX = 'cloud-alerts-dev-';
const alertRules = readServerlessRules('serverless.yml', { stage: 'dev' }).filter(
  (r) => r.functionKey === 'alert' && r.bus === 'default',
);
const feedPattern = (feed: string) => alertRules.find((r) => r.name === `${PREFIX}${feed}`)?.pattern;

/** Every CloudTrail sample, with what each rule says about it. */
const samples = listFiles('events')
  .filter((f) => f.endsWith('.json') && !f.startsWith('events/cloudwatch/'))
  .map((f) => {
    const event = loadEvent(f.slice('events/'.length));
    const envelope = envelopeOf(event);
    const record = cloudTrailDetail(event);
    const { findings } = detectCloudTrail(record, { account: envelope.account, region: envelope.region });
    return { file: f, event, record, fired: new Set(findings.map((x) => x.ruleId)) };
  });

describe('sample coverage', () => {
  it.each(CLOUDTRAIL_RULES.map((r) => [r.id, r]))(
    '%s fires on at least two samples and stays quiet on one that reaches it',
    (_id, rule) => {
      const feed = compilePattern(feedPattern(rule.feed));
      const positive = samples.filter((s) => s.fired.has(rule.id)).map((s) => s.file);
      // A negative is a near miss that raises nothing from the rule: its feed delivers it, the rule
      // looks at the call, or it is another call to the same service.
      const negative = samples
        .filter(
          (s) =>
            !s.fired.has(rule.id) &&
            (matchPattern(feed, s.event) ||
              watches(rule, s.record.eventSource, s.record.eventName) ||
              s.record.eventSource === rule.eventSource),
        )
        .map((s) => s.file);
      expect(positive.length).toBeGreaterThanOrEqual(2);
      expect(negative.length).toBeGreaterThanOrEqual(1);
    },
  );
});

function syntheticEvent(source: string, eventName: string, detail: Record<string, unknown> = {}) {
  const service = source.replace(/\.amazonaws\.com$/, '');
  return {
    version: '0',
    id: '00000000-0000-4000-8000-000000000000',
    'detail-type':
      service === 'signin' ? 'AWS Console Sign In via CloudTrail' : 'AWS API Call via CloudTrail',
    source: `aws.${service}`,
    account: '123456789012',
    time: '2026-11-21T09:14:27Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      eventSource: source,
      eventName,
      eventType: 'AwsApiCall',
      userIdentity: { type: 'IAMUser', userName: 'alice' },
      ...detail,
    },
  };
}

describe('feeds', () => {
  it.each(CLOUDTRAIL_RULES.map((r) => [r.id, r.feed]))('%s is fed by the declared rule %s', (_id, feed) => {
    expect(feedPattern(feed)).toBeDefined();
  });

  const calls = CLOUDTRAIL_RULES.filter((r) => r.eventSource !== '*').flatMap((r) =>
    r.eventNames.map((n) => [r.id, n.endsWith('*') ? `${n.slice(0, -1)}20171031` : n, r, n] as const),
  );
  /** The catalog's name for a call (exact, or `Prefix*`) covers this recorded eventName. */
  const sameCall = (name: string, eventName: string) =>
    name.endsWith('*') ? eventName.startsWith(name.slice(0, -1)) : name === eventName;
  // A feed that filters on our resource names (alerting-*) cannot match a bare synthetic call: for
  // those, a sample of the call that fires the rule must be what the feed delivers.
  it.each(calls)('%s receives %s from its feed', (_id, eventName, rule, name) => {
    const pattern = compilePattern(feedPattern(rule.feed));
    const delivered =
      matchPattern(pattern, syntheticEvent(rule.eventSource, eventName)) ||
      samples.some(
        (s) =>
          s.fired.has(rule.id) &&
          s.record.eventSource === rule.eventSource &&
          sameCall(name, s.record.eventName) &&
          matchPattern(pattern, s.event),
      );
    expect(delivered).toBe(true);
  });

  it.each(alertRules.map((r) => [r.name, JSON.stringify(r.pattern).length]))(
    '%s stays under the EventBridge pattern size limit (%d chars)',
    (_name, length) => {
      expect(length).toBeLessThanOrEqual(EVENT_PATTERN_MAX_CHARS);
    },
  );

  describe('root-usage', () => {
    const pattern = compilePattern(feedPattern('root-usage'));
    const root = { type: 'Root', arn: 'arn:aws:iam::123456789012:root' };

    it('receives a root call on any service', () => {
      expect(
        matchPattern(pattern, syntheticEvent('ec2.amazonaws.com', 'RunInstances', { userIdentity: root })),
      ).toBe(true);
    });

    it.each([
      [
        'a call AWS made on root’s behalf',
        { userIdentity: { ...root, invokedBy: 'cloudformation.amazonaws.com' } },
      ],
      ['an AWS service event', { userIdentity: root, eventType: 'AwsServiceEvent' }],
      ['an IAM user', {}],
    ])('ignores %s', (_what, detail) => {
      expect(matchPattern(pattern, syntheticEvent('ec2.amazonaws.com', 'RunInstances', detail))).toBe(false);
    });
  });

  describe('unauthorized-calls', () => {
    const pattern = compilePattern(feedPattern('unauthorized-calls'));
    it.each([
      ['AccessDenied', true],
      ['AccessDeniedException', true],
      ['Client.UnauthorizedOperation', true],
      ['ThrottlingException', false],
      ['NoSuchEntity', false],
      ['Client.InvalidParameterValue', false],
    ])('errorCode %s matches: %s', (errorCode, expected) => {
      expect(matchPattern(pattern, syntheticEvent('ec2.amazonaws.com', 'RunInstances', { errorCode }))).toBe(
        expected,
      );
    });
  });
});

describe('docs/rules.md', () => {
  const doc = readFileSync('docs/rules.md', 'utf8');
  it.each(CLOUDTRAIL_RULES.map((r) => [r.id, r.severity, r.cis ?? '–']))(
    'lists %s with severity %s and CIS %s',
    (id, severity, cis) => {
      expect(doc).toMatch(
        new RegExp(`^\\| \`${id}\` \\|[^\\n]*\\| ${severity} \\| ${cis.replace('.', '\\.')} \\|`, 'm'),
      );
    },
  );
});
