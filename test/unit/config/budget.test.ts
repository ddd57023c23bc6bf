import { parseConfig } from '../../../shared/config/load.ts';
import { budgetLimits } from '../../../shared/delivery/budget.ts';
import { pluginOf } from '../../../shared/notify/channels/registry.ts';

const BASE = `
receivers:
  - name: slack-team
    slack: { webhookUrlParameter: /cloud-alerts/dev/slack/team }
    BUDGET
  - name: pagerduty-team
    pagerduty: { routingKeyParameter: /cloud-alerts/dev/pagerduty/team }
route: { receivers: [slack-team] }
`;

function config(budget: string, top = '') {
  return parseConfig(`${BASE.replace('BUDGET', budget)}${top}`, { stage: 'dev', source: 'test.yml' });
}

describe('send budget configuration', () => {
  it('defaults each receiver to its channel’s budget and the flush to 30 seconds', () => {
    const c = config('');
    expect(c.receivers.map((r) => budgetLimits(r, pluginOf(r)))).toEqual([
      { perMinute: 60, burst: 3, reserve: 2 },
      { perMinute: 110, burst: 10, reserve: 5 },
    ]);
    expect(c.delivery).toEqual({ overflowSummarySeconds: 30 });
  });

  it('takes a receiver’s own budget and the delivery section', () => {
    const c = config(
      'budget: { perMinute: 20, burst: 2, reserve: 1 }',
      '\ndelivery: { overflowSummarySeconds: 120 }\n',
    );
    const [slack] = c.receivers;
    if (!slack) throw new Error('no receiver');
    expect(budgetLimits(slack, pluginOf(slack))).toEqual({ perMinute: 20, burst: 2, reserve: 1 });
    expect(c.delivery.overflowSummarySeconds).toBe(120);
  });

  it.each([
    ['budget: { perMinute: 20, burst: 2, reserve: 2 }', /reserve must be less than burst/],
    ['budget: { perMinute: 0, burst: 2, reserve: 1 }', /perMinute/],
    // A missing field is named, at the budget that lacks it, not as "the receiver fits no channel".
    [
      'budget: { perMinute: 20, burst: 2 }',
      /test\.yml:5:13: receivers\[0\]\.budget\.reserve: missing: expected a number/,
    ],
    ['budget: { perMinute: 20, burst: 2, reserve: 1, per: 3 }', /per/],
  ])('refuses %s', (budget, message) => {
    expect(() => config(budget)).toThrow(message);
  });

  it('refuses a flush delay SQS cannot hold', () => {
    expect(() => config('', '\ndelivery: { overflowSummarySeconds: 901 }\n')).toThrow(
      /overflowSummarySeconds/,
    );
  });
});
