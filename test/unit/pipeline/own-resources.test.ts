import { loadConfigFile } from '../../../shared/config/load.ts';
import type { Config } from '../../../shared/config/schema.ts';
import { PREFIX_ENV } from '../../../shared/detect/alerting.ts';
import { evaluate } from '../../../shared/pipeline/evaluate.ts';
import { detailOf, loadEvent } from '../../helpers/events.ts';

/**
 * The alert function tells cloud-alerts' own resources from the rest by what its deployment knows:
 * the prefix serverless.yml puts in its environment and the parameters its configuration names.
 */
const config: Config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });

function withEnv<T>(value: string | undefined, run: () => T): T {
  const before = process.env[PREFIX_ENV];
  if (value === undefined) delete process.env[PREFIX_ENV];
  else process.env[PREFIX_ENV] = value;
  try {
    return run();
  } finally {
    if (before === undefined) delete process.env[PREFIX_ENV];
    else process.env[PREFIX_ENV] = before;
  }
}

/** disable-rule.json on a rule of a deployment named acme-alerts, stage prod. */
function acmeDisableRule(): Record<string, unknown> {
  const event = loadEvent('eventbridge/disable-rule.json');
  const rp = detailOf(event).requestParameters;
  if (typeof rp === 'object' && rp !== null) Reflect.set(rp, 'name', 'acme-alerts-prod-cloudtrail-tampering');
  return event;
}

describe('evaluate: cloud-alerts’ own resources', () => {
  it('does not take another service’s rule for ours without the deployment’s prefix', () => {
    const result = withEnv(undefined, () => evaluate(acmeDisableRule(), config));
    expect([result.alerts, result.warnings]).toEqual([[], []]);
  });

  it('takes it for ours, critical and paged, with the prefix serverless.yml sets on the function', () => {
    const result = withEnv('acme-alerts-prod', () => evaluate(acmeDisableRule(), config));
    expect(result.alerts.map((a) => [a.ruleId, a.severity])).toEqual([
      ['alerting-eventbridge-tampered', 'critical'],
    ]);
    expect(result.notifications.map((n) => n.receiver)).toEqual([
      'slack-default',
      'pagerduty-default',
      'email-default',
    ]);
  });

  it('names the receiver whose secret was deleted, from the configuration', () => {
    const custom: Config = {
      ...config,
      receivers: config.receivers.map((r) =>
        'slack' in r ? { ...r, slack: { ...r.slack, webhookUrlParameter: '/shared/hooks/security' } } : r,
      ),
    };
    const event = loadEvent('ssm/delete-parameter.json');
    const rp = detailOf(event).requestParameters;
    if (typeof rp === 'object' && rp !== null) Reflect.set(rp, 'name', '/shared/hooks/security');
    expect(evaluate(event, config).alerts).toEqual([]);
    const [alert] = evaluate(event, custom).alerts;
    expect([
      alert?.ruleId,
      alert?.severity,
      alert?.facts.find((f) => f.label === 'Receivers')?.value,
    ]).toEqual(['alerting-secret-deleted', 'critical', 'slack-default']);
  });
});
