import { readFileSync } from 'node:fs';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { CHANNEL_PLUGINS } from '../../../shared/notify/channels/registry.ts';
import { listFiles } from '../../../shared/replay/load.ts';

const rules = readServerlessRules('serverless.yml', { stage: 'dev' });
const expectations: Record<string, { rules: string[] }> = JSON.parse(
  readFileSync('test/fixtures/event-expectations.json', 'utf8'),
);
const samples = listFiles('events');

describe('serverless.yml patterns', () => {
  it.each(rules.map((r) => [r.name, r]))('%s compiles as EventBridge would accept it', (_name, rule) => {
    expect(() => compilePattern(rule.pattern)).not.toThrow();
  });

  it('declares the rules the alert function and each notifier listen on', () => {
    expect(rules.map((r) => [r.name, r.functionKey, r.bus])).toEqual([
      ['cloud-alerts-dev-s3-bucket-visibility', 'alert', 'default'],
      ['cloud-alerts-dev-iam-changes', 'alert', 'default'],
      ['cloud-alerts-dev-alarm-state-change', 'alert', 'default'],
      ['cloud-alerts-dev-cloudtrail-tampering', 'alert', 'default'],
      ['cloud-alerts-dev-cis-monitoring', 'alert', 'default'],
      ['cloud-alerts-dev-network-changes', 'alert', 'default'],
      ['cloud-alerts-dev-console-sign-in', 'alert', 'default'],
      ['cloud-alerts-dev-root-usage', 'alert', 'default'],
      ['cloud-alerts-dev-organizations', 'alert', 'default'],
      ['cloud-alerts-dev-unauthorized-calls', 'alert', 'default'],
      ['cloud-alerts-dev-forged-aws-events', 'alert', 'default'],
      ['cloud-alerts-dev-resource-changes', 'alert', 'default'],
      ['cloud-alerts-dev-alerting-tampering', 'alert', 'default'],
      ['cloud-alerts-dev-alerting-outputs', 'alert', 'default'],
      ['cloud-alerts-dev-alerting-monitoring', 'alert', 'default'],
      ['cloud-alerts-dev-heartbeat', 'alert', 'default'],
      ['cloud-alerts-dev-notify-slack', 'notifySlack', 'AlertsBus'],
      ['cloud-alerts-dev-notify-pagerduty', 'notifyPagerDuty', 'AlertsBus'],
      ['cloud-alerts-dev-notify-email', 'notifyEmail', 'AlertsBus'],
      // Every other channel's notifier, generated from the registry like these three.
      ...CHANNEL_PLUGINS.slice(3).map((p) => [
        `cloud-alerts-dev-notify-${p.name}`,
        `notify${p.deploy.id}`,
        'AlertsBus',
      ]),
    ]);
  });

  it('resolves the stage into rule names', () => {
    expect(readServerlessRules('serverless.yml', { stage: 'prod' })[0]?.name).toBe(
      'cloud-alerts-prod-s3-bucket-visibility',
    );
  });
});

describe('sample events', () => {
  it('has an expectation for every file under events/ and a file for every expectation', () => {
    expect(samples.slice().sort()).toEqual(Object.keys(expectations).sort());
  });

  it.each(samples)('%s matches exactly the serverless.yml rules it is meant to', (file) => {
    const event: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const matched = rules
      .filter((r) => r.bus === 'default' && matchPattern(compilePattern(r.pattern), event))
      .map((r) => r.name);
    expect(matched).toEqual(expectations[file]?.rules);
  });
});
