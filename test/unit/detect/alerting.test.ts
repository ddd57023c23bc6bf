import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DEFAULT_OWN,
  isOwnFunction,
  lambdaFunctionName,
  ownResources,
  PREFIX_ENV,
} from '../../../shared/detect/alerting.ts';
import { detectCloudTrail } from '../../../shared/detect/catalog.ts';
import type { DetectContext } from '../../../shared/detect/types.ts';
import { cloudTrailAlert } from '../../../shared/enrich/cloudtrail.ts';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';
import { parseServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { CloudTrailRecordSchema } from '../../../shared/events/cloudtrail.ts';
import { cloudTrailDetail, detailOf, envelopeOf, loadEvent } from '../../helpers/events.ts';
import { alertFor, alertsFor, fact } from './alerts.ts';

const CTX: DetectContext = { account: '123456789012', region: 'eu-west-1' };
type Edit = (detail: Record<string, unknown>) => void;

/** The request parameters of a sample's detail, for edits. */
function params(d: Record<string, unknown>): Record<string, unknown> {
  const rp = d.requestParameters;
  if (typeof rp !== 'object' || rp === null || Array.isArray(rp)) throw new Error('no requestParameters');
  return rp as Record<string, unknown>;
}

/** An edit that sets one request parameter. */
function setParam(key: string, value: unknown): Edit {
  return (d) => {
    params(d)[key] = value;
  };
}

function detect(relPath: string, edit?: Edit, ctx: DetectContext = CTX) {
  const event = loadEvent(relPath);
  if (edit) edit(detailOf(event));
  return detectCloudTrail(cloudTrailDetail(event), ctx);
}

function ruleIds(relPath: string, edit?: Edit, ctx: DetectContext = CTX): string[] {
  return detect(relPath, edit, ctx).findings.map((f) => f.ruleId);
}

/** Detect and enrich with a context, as the alert function does. */
function alertWith(relPath: string, ctx: DetectContext, edit?: Edit) {
  const event = loadEvent(relPath);
  if (edit) edit(detailOf(event));
  const record = cloudTrailDetail(event);
  const { findings } = detectCloudTrail(record, ctx);
  return findings.map((f) => cloudTrailAlert(envelopeOf(event), record, f, {}));
}

/** A sample with every cloud-alerts-dev- name renamed to another service's prefix. */
function renamed(relPath: string, prefix: string): Record<string, unknown> {
  const text = JSON.stringify(loadEvent(relPath)).replaceAll('cloud-alerts-dev-', `${prefix}-`);
  return JSON.parse(text);
}

const ALERTING_SAMPLES = [
  ['eventbridge/disable-rule.json', 'alerting-eventbridge-tampered'],
  ['eventbridge/remove-targets.json', 'alerting-eventbridge-tampered'],
  ['eventbridge/put-rule-disabled.json', 'alerting-eventbridge-tampered'],
  ['eventbridge/delete-event-bus.json', 'alerting-eventbridge-tampered'],
  ['eventbridge/delete-archive.json', 'alerting-eventbridge-tampered'],
  ['eventbridge/put-rule-pattern-rewritten.json', 'alerting-eventbridge-tampered'],
  ['eventbridge/put-targets-redirect.json', 'alerting-eventbridge-tampered'],
  ['eventbridge/remove-permission-alerts-bus.json', 'alerting-eventbridge-tampered'],
  ['eventbridge/put-permission-alerts-bus.json', 'alerting-eventbridge-tampered'],
  ['eventbridge/remove-permission-organization.json', 'alerting-eventbridge-tampered'],
  ['eventbridge/disable-rule-member-forwarder.json', 'alerting-eventbridge-tampered'],
  ['eventbridge/remove-targets-global-forwarder.json', 'alerting-eventbridge-tampered'],
  ['lambda/delete-function-alert.json', 'alerting-function-disabled'],
  ['lambda/delete-function-by-arn.json', 'alerting-function-disabled'],
  ['lambda/put-function-concurrency-zero-alert.json', 'alerting-function-disabled'],
  ['lambda/delete-event-source-mapping.json', 'alerting-function-disabled'],
  ['lambda/update-event-source-mapping-disabled.json', 'alerting-function-disabled'],
  ['lambda/remove-permission.json', 'alerting-function-disabled'],
  ['lambda/delete-function-event-invoke-config.json', 'alerting-function-disabled'],
  ['lambda/update-function-code-alert.json', 'alerting-function-changed'],
  ['lambda/update-function-configuration-alert.json', 'alerting-function-changed'],
  ['lambda/put-function-event-invoke-config-alert.json', 'alerting-function-changed'],
  ['lambda/update-function-event-invoke-config-alert.json', 'alerting-function-changed'],
  ['ssm/delete-parameter.json', 'alerting-secret-deleted'],
  ['ssm/delete-parameters.json', 'alerting-secret-deleted'],
  ['sns/unsubscribe.json', 'alerting-topic-tampered'],
  ['sns/delete-topic.json', 'alerting-topic-tampered'],
  ['sns/set-subscription-filter-policy.json', 'alerting-topic-tampered'],
  ['sns/set-topic-attributes-policy.json', 'alerting-topic-tampered'],
  ['sns/remove-permission-topic.json', 'alerting-topic-tampered'],
  ['logs/delete-log-group-cloudtrail.json', 'alerting-log-group-deleted'],
  ['logs/delete-log-group-alert-function.json', 'alerting-log-group-deleted'],
  ['monitoring/delete-alarms.json', 'alerting-alarm-disabled'],
  ['monitoring/disable-alarm-actions.json', 'alerting-alarm-disabled'],
  ['monitoring/put-metric-alarm-actions-disabled.json', 'alerting-alarm-disabled'],
  ['sqs/delete-queue-dlq.json', 'alerting-queue-deleted'],
  ['sqs/purge-queue-dlq.json', 'alerting-queue-deleted'],
  ['sqs/set-queue-attributes-dlq-retention.json', 'alerting-queue-changed'],
  ['sqs/set-queue-attributes-dlq-policy.json', 'alerting-queue-changed'],
  ['dynamodb/delete-table-idempotency.json', 'alerting-table-deleted'],
  ['dynamodb/delete-table-state.json', 'alerting-table-deleted'],
] as const;

/** Calls every deploy makes through CloudFormation: raised only when something else made them. */
const DEPLOY_CALLS = [
  'eventbridge/put-rule-pattern-rewritten.json',
  'eventbridge/put-targets-redirect.json',
  'eventbridge/put-permission-alerts-bus.json',
  'lambda/update-function-code-alert.json',
  'lambda/update-function-configuration-alert.json',
  'lambda/put-function-event-invoke-config-alert.json',
  'sns/set-topic-attributes-policy.json',
  'monitoring/put-metric-alarm-actions-disabled.json',
  'sqs/set-queue-attributes-dlq-retention.json',
] as const;

/** Made by CloudFormation, as AWS records it: the service in invokedBy and as the source address. */
const byCloudFormation: Edit = (d) => {
  d.sourceIPAddress = 'cloudformation.amazonaws.com';
  d.userAgent = 'cloudformation.amazonaws.com';
  const identity = d.userIdentity;
  if (typeof identity === 'object' && identity !== null)
    Object.assign(identity, { invokedBy: 'cloudformation.amazonaws.com' });
};

describe('alerting-* rules', () => {
  it.each(ALERTING_SAMPLES)('%s raises exactly one alert, %s, critical', (file, ruleId) => {
    const alert = alertFor(file);
    expect([alert.ruleId, alert.severity]).toEqual([ruleId, 'critical']);
  });

  it.each(ALERTING_SAMPLES)('%s says someone is switching off your alerting', (file) => {
    const alert = alertFor(file);
    const own = file === 'logs/delete-log-group-alert-function.json';
    expect(alert.verdict).toMatch(
      own ? /^Someone is erasing cloud-alerts’ own record: / : /^Someone is switching off your alerting: /,
    );
  });

  it.each(ALERTING_SAMPLES)('%s stays critical when denied, as an attempt', (file) => {
    const alert = alertFor(file, (d) => {
      d.errorCode = 'AccessDenied';
      d.errorMessage = 'not authorized';
      d.responseElements = null;
    });
    // A denied mapping call has no response, which is where the mapping names its function.
    if (file.includes('event-source-mapping')) {
      expect(alert.ruleId).toBe('unauthorized-call');
      return;
    }
    expect([alert.severity, alert.attempted, alert.title, alert.verdict]).toEqual([
      'critical',
      true,
      expect.stringMatching(/^Attempted: Alerting switched off/),
      'Nothing changed (the call was refused or failed), but someone tried to switch off your alerting: kept critical. Find out who holds these credentials and why they tried.',
    ]);
  });

  it.each([
    ['eventbridge/delete-rule-denied.json', 'alerting-eventbridge-tampered'],
    ['ssm/delete-parameter-denied.json', 'alerting-secret-deleted'],
  ])(
    'raises the denied sample %s as an attempted %s, critical, and not also as unauthorized-call',
    (file, ruleId) => {
      const alerts = alertsFor(file);
      expect(alerts.map((a) => [a.ruleId, a.severity, a.attempted])).toEqual([[ruleId, 'critical', true]]);
    },
  );

  it.each([
    'eventbridge/delete-rule-other.json',
    'eventbridge/put-rule-enabled-by-cloudformation.json',
    'eventbridge/put-targets-by-cloudformation.json',
    'lambda/delete-function-version.json',
    'lambda/update-function-code-by-cloudformation.json',
    'ssm/delete-parameter-other.json',
    'ssm/put-parameter-create.json',
    'sns/set-subscription-raw-delivery.json',
    'sns/set-topic-attributes-display-name.json',
    'logs/delete-log-group-other.json',
    'monitoring/delete-alarms-other.json',
    'sqs/delete-queue-other.json',
    'sqs/set-queue-attributes-by-cloudformation.json',
    'dynamodb/delete-table-other.json',
  ])('stays quiet for %s (not ours, or not switching anything off)', (file) => {
    expect(detect(file)).toEqual({ findings: [], known: true, errors: [] });
  });

  it('says when CloudFormation made the change, and still pages', () => {
    const alert = alertFor('eventbridge/disable-rule.json', (d) => {
      d.sourceIPAddress = 'cloudformation.amazonaws.com';
    });
    expect([alert.severity, alert.verdict]).toEqual([
      'critical',
      expect.stringMatching(/Made through CloudFormation: confirm a stack update or removal was planned\.$/),
    ]);
  });

  it('does not take CloudFormation’s word from the user agent, which the caller writes', () => {
    const alert = alertFor('eventbridge/disable-rule.json', (d) => {
      d.userAgent = 'cloudformation.amazonaws.com';
    });
    expect(alert.verdict).not.toMatch(/CloudFormation/);
  });
});

describe('EventBridge', () => {
  it('names the removed targets and the bus', () => {
    const alert = alertFor('eventbridge/remove-targets.json', (d) => {
      params(d).eventBusName = 'arn:aws:events:eu-west-1:123456789012:event-bus/cloud-alerts-dev-alerts';
    });
    expect([alert.summary, fact(alert, 'Targets removed'), fact(alert, 'Event bus')]).toEqual([
      'SSO user sam.lee@example.com (DeveloperAccess) removed a target from EventBridge rule cloud-alerts-dev-iam-changes',
      'cloud-alerts-dev-iam-changes-target',
      'cloud-alerts-dev-alerts',
    ]);
    expect(alert.links.map((l) => l.url)[0]).toBe(
      'https://eu-west-1.console.aws.amazon.com/events/home?region=eu-west-1#/eventbus/cloud-alerts-dev-alerts/rules/cloud-alerts-dev-iam-changes',
    );
  });

  it.each(['disabled', 'DISABLED ', 'Disabled'])('reads PutRule state %p as disabled', (state) => {
    expect(
      ruleIds('eventbridge/put-rule-disabled.json', (d) => {
        params(d).state = state;
      }),
    ).toEqual(['alerting-eventbridge-tampered']);
  });

  it.each(['ENABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS', undefined, 7])(
    'stays quiet for PutRule with state %p made by CloudFormation (a deploy)',
    (state) => {
      expect(
        ruleIds('eventbridge/put-rule-disabled.json', (d) => {
          params(d).state = state;
          byCloudFormation(d);
        }),
      ).toEqual([]);
    },
  );

  it.each([
    ['ENABLED', 'ENABLED'],
    [undefined, '(none given: ENABLED)'],
    [7, '(none given: ENABLED)'],
  ])('raises PutRule with state %p made outside CloudFormation: read-only calls are lost', (state, shown) => {
    const alert = alertFor('eventbridge/put-rule-pattern-rewritten.json', (d) => {
      params(d).name = 'cloud-alerts-dev-root-usage';
      params(d).state = state;
    });
    expect([alert.severity, alert.summary, fact(alert, 'State')]).toEqual([
      'critical',
      'IAM user legacy-admin rewrote EventBridge rule cloud-alerts-dev-root-usage (PutRule)',
      shown,
    ]);
    expect(alert.verdict).toMatch(/no longer does\.$/);
  });

  it('shows the pattern a rewrite left, and keeps quiet about read-only calls it still sees', () => {
    const alert = alertFor('eventbridge/put-rule-pattern-rewritten.json', (d) => {
      params(d).state = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
    });
    expect([fact(alert, 'Event pattern'), alert.verdict]).toEqual([
      '{"source":["aws.cloudtrail"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["StopLoggingX"]}}',
      'Someone is switching off your alerting: rule cloud-alerts-dev-cloudtrail-tampering was rewritten outside a deploy (CloudFormation did not make this call), and PutRule replaces the whole rule: the events it should match may no longer reach cloud-alerts.',
    ]);
  });

  it('names the target a rule was re-pointed at', () => {
    const alert = alertFor('eventbridge/put-targets-redirect.json');
    expect([alert.summary, fact(alert, 'Targets'), fact(alert, 'Input rewritten for')]).toEqual([
      'role example-incident-tools (session ir-automation-7731) set the targets of EventBridge rule cloud-alerts-dev-root-usage',
      'cloud-alerts-dev-root-usage-target → arn:aws:events:eu-west-1:444455556666:event-bus/collector',
      undefined,
    ]);
    expect(alert.verdict).toMatch(
      /now delivers to arn:aws:events:eu-west-1:444455556666:event-bus\/collector \(a target given the id of ours replaces ours\)/,
    );
  });

  it('says when a target keeps our function but rewrites what it receives', () => {
    const alert = alertFor('eventbridge/put-targets-redirect.json', (d) => {
      params(d).targets = [
        {
          id: 'cloud-alerts-dev-root-usage-target',
          arn: 'arn:aws:lambda:eu-west-1:123456789012:function:cloud-alerts-dev-alert',
          input: '{"detail-type":"Scheduled Event"}',
        },
      ];
    });
    expect([alert.severity, fact(alert, 'Input rewritten for')]).toEqual([
      'critical',
      'cloud-alerts-dev-root-usage-target',
    ]);
    expect(alert.verdict).toMatch(/even cloud-alerts would receive something other than the event\.$/);
  });

  it('does not take an explicit null input (as exports write it) for a rewrite', () => {
    const alert = alertFor('eventbridge/put-targets-redirect.json', (d) => {
      params(d).targets = [{ id: 'x', arn: 'arn:aws:sqs:eu-west-1:444455556666:collector', input: null }];
    });
    expect(fact(alert, 'Input rewritten for')).toBeUndefined();
  });

  it('still raises PutTargets whose targets it cannot read', () => {
    const alert = alertFor('eventbridge/put-targets-redirect.json', (d) => {
      params(d).targets = 'truncated';
    });
    expect([alert.severity, fact(alert, 'Targets')]).toEqual(['critical', 'the event does not name them']);
  });

  it('links no console page for a name AWS could not have issued', () => {
    const alert = alertFor('eventbridge/disable-rule.json', (d) => {
      params(d).name = 'cloud-alerts-dev-x"><script>';
    });
    expect(alert.links.map((l) => l.text)).toEqual(['CloudTrail event']);
  });
});

describe('Lambda', () => {
  it('raises one critical alert, not also lambda-concurrency-changed, for our function at 0', () => {
    expect(
      alertsFor('lambda/put-function-concurrency-zero-alert.json').map((a) => [a.ruleId, a.severity]),
    ).toEqual([['alerting-function-disabled', 'critical']]);
  });

  it('leaves a non-zero limit on our function to lambda-concurrency-changed', () => {
    const alerts = alertsFor('lambda/put-function-concurrency-zero-alert.json', (d) => {
      params(d).reservedConcurrentExecutions = 5;
    });
    expect(alerts.map((a) => [a.ruleId, a.severity])).toEqual([['lambda-concurrency-changed', 'medium']]);
  });

  it('leaves someone else’s function at 0 to lambda-concurrency-changed (high)', () => {
    expect(alertsFor('lambda/put-function-concurrency-zero.json').map((a) => [a.ruleId, a.severity])).toEqual(
      [['lambda-concurrency-changed', 'high']],
    );
  });

  it.each([undefined, 'lots', ''])(
    'raises our function with an unreadable limit (%p) once, critical, saying what it could not tell',
    (value) => {
      const alerts = alertsFor('lambda/put-function-concurrency-zero-alert.json', (d) => {
        params(d).reservedConcurrentExecutions = value;
      });
      expect(alerts.map((a) => [a.ruleId, a.severity, a.summary])).toEqual([
        [
          'alerting-function-disabled',
          'critical',
          'IAM user deploy-bot set the reserved concurrency of function cloud-alerts-dev-alert to a value the event does not show',
        ],
      ]);
    },
  );

  it('reads a limit written as a string', () => {
    expect(
      ruleIds('lambda/put-function-concurrency-zero-alert.json', (d) => {
        params(d).reservedConcurrentExecutions = '0';
      }),
    ).toEqual(['alerting-function-disabled']);
  });

  it.each([
    ['a qualifier parameter', setParam('qualifier', '12')],
    [
      'a qualified ARN',
      setParam('functionName', 'arn:aws:lambda:eu-west-1:123456789012:function:cloud-alerts-dev-alert:12'),
    ],
  ])('stays quiet when DeleteFunction deletes one published version (%s)', (_what, edit) => {
    expect(ruleIds('lambda/delete-function-alert.json', edit)).toEqual([]);
  });

  it('raises DeleteFunction with qualifier $LATEST', () => {
    expect(
      ruleIds('lambda/delete-function-alert.json', (d) => {
        params(d).qualifier = '$LATEST';
      }),
    ).toEqual(['alerting-function-disabled']);
  });

  it('names the mapping, its function and its queue', () => {
    const alert = alertFor('lambda/delete-event-source-mapping.json');
    expect([alert.summary, fact(alert, 'Event source mapping')]).toEqual([
      'IAM user bob deleted the event source mapping of function cloud-alerts-dev-alert from queue cloud-alerts-dev-group-close',
      '5f1c2a3b-8d4e-4f60-9a7b-1c2d3e4f5a6b',
    ]);
  });

  it.each([true, 'true', undefined])(
    'stays quiet for UpdateEventSourceMapping with enabled %p',
    (enabled) => {
      expect(
        ruleIds('lambda/update-event-source-mapping-disabled.json', (d) => {
          params(d).enabled = enabled;
        }),
      ).toEqual([]);
    },
  );

  it('reads enabled "false" written as a string', () => {
    expect(
      ruleIds('lambda/update-event-source-mapping-disabled.json', (d) => {
        params(d).enabled = 'false';
      }),
    ).toEqual(['alerting-function-disabled']);
  });

  it('stays quiet for a mapping of someone else’s function and queue', () => {
    expect(
      ruleIds('lambda/delete-event-source-mapping.json', (d) => {
        d.responseElements = {
          functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:example-orders-api',
          eventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:example-orders-queue',
        };
      }),
    ).toEqual([]);
  });

  it.each([
    ['cloud-alerts-dev-alert', 'cloud-alerts-dev-alert', undefined],
    ['cloud-alerts-dev-alert:live', 'cloud-alerts-dev-alert', 'live'],
    ['123456789012:function:cloud-alerts-dev-alert', 'cloud-alerts-dev-alert', undefined],
    [
      'arn:aws:lambda:eu-west-1:123456789012:function:cloud-alerts-dev-alert:7',
      'cloud-alerts-dev-alert',
      '7',
    ],
  ])('reads the function out of %p', (given, name, qualifier) => {
    expect(lambdaFunctionName(given)).toEqual(qualifier ? { name, qualifier } : { name });
    expect(isOwnFunction(given, CTX)).toBe(true);
  });
});

describe('SSM', () => {
  it('names only the parameters the response says were deleted', () => {
    const alert = alertFor('ssm/delete-parameters.json');
    expect([alert.summary, fact(alert, 'Parameters')]).toEqual([
      'role terraform-ci (session GitHubActions) deleted SSM parameters /cloud-alerts/dev/slack/default, /cloud-alerts/dev/pagerduty/default',
      '/cloud-alerts/dev/slack/default, /cloud-alerts/dev/pagerduty/default',
    ]);
  });

  it("takes a Slack app receiver's bot token parameter for one of its secrets", () => {
    const own = ownResources(
      [
        {
          name: 'slack-app',
          slack: { botTokenParameter: '/cloud-alerts/dev/slack/bot', channel: 'C0123ABCDEF' },
        },
      ],
      {},
    );
    expect(own.secrets).toEqual([{ parameter: '/cloud-alerts/dev/slack/bot', receiver: 'slack-app' }]);
  });

  it('names the receivers whose secret it was, from the configuration', () => {
    const own = ownResources(
      [{ name: 'slack-security', slack: { webhookUrlParameter: '/shared/hooks/security' } }],
      {},
    );
    const alerts = alertWith('ssm/delete-parameter-other.json', { ...CTX, own }, (d) => {
      params(d).name = 'arn:aws:ssm:eu-west-1:123456789012:parameter/shared/hooks/security';
    });
    expect(
      alerts.map((a) => [
        a.ruleId,
        a.summary,
        fact(a, 'Receivers'),
        a.verdict?.includes(': slack-security can'),
      ]),
    ).toEqual([
      [
        'alerting-secret-deleted',
        'role terraform-ci (session GitHubActions) deleted SSM parameter /shared/hooks/security',
        'slack-security',
        true,
      ],
    ]);
  });

  it('does not take a parameter outside /cloud-alerts/ that the configuration does not name', () => {
    expect(ruleIds('ssm/delete-parameter.json', setParam('name', '/cloud-alertsx/dev/slack'))).toEqual([]);
  });
});

describe('SNS', () => {
  it('finds the topic inside the subscription ARN', () => {
    const alert = alertFor('sns/unsubscribe.json');
    expect([alert.resource, fact(alert, 'Subscription')]).toEqual([
      {
        type: 'SNS topic',
        name: 'cloud-alerts-dev-alerts',
        arn: 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-dev-alerts',
      },
      'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-dev-alerts:6b0e71bd-7e97-4d97-80ce-4a0994e55286',
    ]);
  });

  it.each([
    [
      'another topic',
      'arn:aws:sns:eu-west-1:123456789012:orders-events:6b0e71bd-7e97-4d97-80ce-4a0994e55286',
    ],
    ['not an ARN', 'cloud-alerts-dev-alerts'],
    ['an ARN of another service', 'arn:aws:sqs:eu-west-1:123456789012:cloud-alerts-dev-alerts:x'],
  ])('stays quiet for a subscription of %s', (_what, arn) => {
    expect(ruleIds('sns/unsubscribe.json', setParam('subscriptionArn', arn))).toEqual([]);
  });

  it('takes an e-mail receiver’s own topic as ours', () => {
    const own = ownResources(
      [{ name: 'email-sec', email: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:security-mail' } }],
      {},
    );
    const edit: Edit = (d) => {
      params(d).subscriptionArn =
        'arn:aws:sns:eu-west-1:123456789012:security-mail:1c9f0e55-0b7d-4bb1-a3c1-6f2b9c7d8e01';
    };
    expect(ruleIds('sns/unsubscribe.json', edit)).toEqual([]);
    expect(ruleIds('sns/unsubscribe.json', edit, { ...CTX, own })).toEqual(['alerting-topic-tampered']);
  });

  it('shows the filter policy that was set', () => {
    expect(fact(alertFor('sns/set-subscription-filter-policy.json'), 'FilterPolicy')).toBe(
      '{"severity":["none"]}',
    );
  });
});

describe('log groups', () => {
  it.each(['CloudTrail/DefaultLogGroup', 'aws-controltower/CloudTrailLogs', 'org-CLOUDTRAIL'])(
    'takes %s for CloudTrail’s',
    (name) => {
      expect(ruleIds('logs/delete-log-group-other.json', setParam('logGroupName', name))).toEqual([
        'alerting-log-group-deleted',
      ]);
    },
  );

  it('does not take /aws/lambda/cloud-alerts for one of our functions (no dash after the prefix)', () => {
    expect(
      ruleIds('logs/delete-log-group-other.json', setParam('logGroupName', '/aws/lambda/cloud-alerts')),
    ).toEqual([]);
  });
});

describe('alarms and queues', () => {
  it('names only our alarms when a call deletes others too', () => {
    const alert = alertFor('monitoring/delete-alarms.json', (d) => {
      params(d).alarmNames = ['example-orders-api-5xx', 'cloud-alerts-dev-alert-errors'];
    });
    expect(alert.summary).toBe('IAM user bob deleted alarm cloud-alerts-dev-alert-errors');
  });

  it.each([
    ['sqs/delete-queue-dlq.json', /dropped instead of kept/],
    ['sqs/purge-queue-dlq.json', /gone for good/],
  ])('explains what %s loses', (file, text) => {
    expect(alertFor(file).verdict).toMatch(text);
  });

  it('explains the group-close queue', () => {
    const alert = alertFor('sqs/delete-queue-dlq.json', (d) => {
      params(d).queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/cloud-alerts-dev-group-close';
    });
    expect([alert.summary, alert.verdict]).toEqual([
      'IAM user bob deleted queue cloud-alerts-dev-group-close',
      expect.stringMatching(/grouping summaries are never sent/),
    ]);
  });
});

describe('calls every deploy makes', () => {
  it.each(DEPLOY_CALLS)('stays quiet for %s made by CloudFormation', (file) => {
    expect(detect(file, byCloudFormation)).toEqual({ findings: [], known: true, errors: [] });
  });

  it.each(DEPLOY_CALLS)('raises %s when only the user agent says CloudFormation', (file) => {
    const alerts = alertsFor(file, (d) => {
      d.userAgent = 'cloudformation.amazonaws.com';
    });
    expect(alerts.map((a) => a.severity)).toEqual(['critical']);
    expect(alerts[0]?.verdict).toMatch(/outside a deploy \(CloudFormation did not make this call\)/);
  });
});

describe('event bus policies', () => {
  it('explains what the alerts bus loses with its statement', () => {
    const alert = alertFor('eventbridge/remove-permission-alerts-bus.json');
    expect([alert.summary, alert.resource, fact(alert, 'Statement'), alert.verdict]).toEqual([
      'SSO user chris.ng@example.com (AdministratorAccess) removed statement OnlyAlertFunctionPuts from the policy of event bus cloud-alerts-dev-alerts',
      { type: 'EventBridge event bus', name: 'cloud-alerts-dev-alerts' },
      'OnlyAlertFunctionPuts',
      'Someone is switching off your alerting: statement OnlyAlertFunctionPuts is gone from the policy of event bus cloud-alerts-dev-alerts: without the statement that lets only the alert function put events there, any principal of this account allowed events:PutEvents can send notifications that go out to every receiver as cloud-alerts’ alerts.',
    ]);
  });

  it('reads RemoveAllPermissions on our bus, as a boolean or a string', () => {
    for (const all of [true, 'true']) {
      const alert = alertFor('eventbridge/remove-permission-alerts-bus.json', (d) => {
        d.requestParameters = { eventBusName: 'cloud-alerts-dev-alerts', removeAllPermissions: all };
      });
      expect([alert.summary, fact(alert, 'Statement')]).toEqual([
        'SSO user chris.ng@example.com (AdministratorAccess) removed every statement from the policy of event bus cloud-alerts-dev-alerts',
        'all (RemoveAllPermissions)',
      ]);
    }
  });

  it('says member accounts stop forwarding when the organisation statement goes', () => {
    const alert = alertFor('eventbridge/remove-permission-organization.json');
    expect([alert.resource?.name, alert.verdict]).toEqual([
      'default',
      'Someone is switching off your alerting: statement cloud-alerts-dev-organization-forwarders, which lets the organisation’s member accounts put events on bus default, is gone: the events every member account forwards are refused, so nothing that happens there is alerted on.',
    ]);
  });

  it.each([
    ['another statement on the default bus', { statementId: 'partner-sync' }],
    ['every statement of the default bus', { removeAllPermissions: true }],
    ['a statement of another bus', { statementId: 'x', eventBusName: 'orders-events' }],
  ])('stays quiet for %s (not ours)', (_what, requestParameters) => {
    expect(
      ruleIds('eventbridge/remove-permission-organization.json', (d) => {
        d.requestParameters = requestParameters;
      }),
    ).toEqual([]);
  });

  it('raises a new policy on the alerts bus, and shows nothing of it but the bus', () => {
    const alert = alertFor('eventbridge/put-permission-alerts-bus.json');
    expect([alert.summary, fact(alert, 'Event bus'), fact(alert, 'Statement')]).toEqual([
      'IAM user svc-eventbridge-admin changed the policy of event bus cloud-alerts-dev-alerts',
      'cloud-alerts-dev-alerts',
      '(none given)',
    ]);
  });
});

describe('forwarder rules', () => {
  it('says which account and region stop reaching cloud-alerts when a member forwarder is disabled', () => {
    const alert = alertFor('eventbridge/disable-rule-member-forwarder.json');
    expect([alert.account.id, alert.verdict]).toEqual([
      '210987654321',
      'Someone is switching off your alerting: forwarder rule cloud-alerts-dev-root-usage-forward is disabled: what it matches in account 210987654321 (eu-west-1) no longer reaches cloud-alerts.',
    ]);
  });

  it('says what only us-east-1 records when the global forwarder loses its target', () => {
    const alert = alertFor('eventbridge/remove-targets-global-forwarder.json');
    expect(alert.verdict).toBe(
      'Someone is switching off your alerting: forwarder rule cloud-alerts-dev-iam-changes-forward still matches but forwards nothing: what it matches in account 123456789012 (us-east-1) no longer reaches cloud-alerts. In us-east-1 that includes IAM, STS, Organizations and console sign-in events, which are recorded nowhere else.',
    );
  });

  it.each([
    [
      'DeleteRule',
      { name: 'cloud-alerts-dev-root-usage-forward', force: false },
      /is deleted \(deploy the forwarder stack again/,
    ],
    ['PutRule', { name: 'cloud-alerts-dev-root-usage-forward', state: 'disabled' }, /is disabled: /],
  ])('raises %s on a forwarder rule', (eventName, requestParameters, verdict) => {
    const alert = alertFor('eventbridge/disable-rule-member-forwarder.json', (d) => {
      d.eventName = eventName;
      d.requestParameters = requestParameters;
    });
    expect([alert.severity, alert.verdict]).toEqual(['critical', expect.stringMatching(verdict)]);
  });

  // The red team's reproductions (DisableRule, DeleteRule, RemoveTargets on a member account's
  // forwarder rule) used the names forwarders had before: the rules still raise them.
  it.each([
    ['DisableRule', { name: 'cloud-alerts-forward-cloud-alerts-dev-cloudtrail-tampering' }],
    ['DeleteRule', { name: 'cloud-alerts-forward-cloud-alerts-dev-alerting-tampering', force: false }],
    ['RemoveTargets', { rule: 'cloud-alerts-forward-cloud-alerts-dev-root-usage', ids: ['cloud-alerts'] }],
  ])('still raises %s on a forwarder rule named as before', (eventName, requestParameters) => {
    const alerts = alertsFor('eventbridge/disable-rule-member-forwarder.json', (d) => {
      d.eventName = eventName;
      d.requestParameters = requestParameters;
    });
    expect(alerts.map((a) => [a.ruleId, a.severity])).toEqual([
      ['alerting-eventbridge-tampered', 'critical'],
    ]);
  });
});

describe('function changes', () => {
  it('names the new code', () => {
    const alert = alertFor('lambda/update-function-code-alert.json');
    expect([alert.summary, fact(alert, 'Code SHA-256')]).toEqual([
      'IAM user jo.kim replaced the code of function cloud-alerts-dev-alert',
      'q8Hc1S7mQ2nW4jV0kYp3rL9tX6bF5dA2eC1gH0iJ8kM=',
    ]);
    expect(alert.verdict).toMatch(/If this was `serverless deploy function`, confirm it/);
  });

  it('names the settings changed, not their values', () => {
    const alert = alertFor('lambda/update-function-configuration-alert.json', (d) => {
      params(d).environment = { variables: { CLOUD_ALERTS_PREFIX: 'nothing-matches' } };
    });
    expect(fact(alert, 'Settings changed')).toBe('environment, timeout');
    expect(JSON.stringify(alert)).not.toContain('nothing-matches');
  });

  it('names a failure destination moved to another account', () => {
    const alert = alertFor('lambda/update-function-event-invoke-config-alert.json');
    expect([alert.summary, fact(alert, 'On-failure destination')]).toEqual([
      'role example-integration-deployer (session gitlab-runner-3391) changed the asynchronous invocation settings of function cloud-alerts-dev-notify-email',
      'arn:aws:sqs:eu-west-1:444455556666:collector',
    ]);
  });

  it('shows what the invocation settings keep of failures', () => {
    const alert = alertFor('lambda/put-function-event-invoke-config-alert.json');
    expect([
      fact(alert, 'On-failure destination'),
      fact(alert, 'Retry attempts'),
      fact(alert, 'Maximum event age (s)'),
    ]).toEqual(['(none)', '0', '60']);
  });

  it.each([
    ['a dry run', 'lambda/update-function-code-alert.json', setParam('dryRun', true)],
    ['a published version', 'lambda/put-function-event-invoke-config-alert.json', setParam('qualifier', '3')],
    [
      'another function',
      'lambda/update-function-code-alert.json',
      setParam('functionName', 'example-orders-api'),
    ],
  ])('stays quiet for %s', (_what, file, edit) => {
    expect(ruleIds(file, edit)).toEqual([]);
  });

  it('raises the deleted on-failure destination, and says CloudFormation made it when it did', () => {
    const alert = alertFor('lambda/delete-function-event-invoke-config.json', byCloudFormation);
    expect([alert.severity, alert.verdict]).toEqual([
      'critical',
      'Someone is switching off your alerting: cloud-alerts-dev-notify-pagerduty no longer sends the events it fails on to its dead-letter queue: after Lambda’s retries they are dropped, and the queue’s depth alarm never hears of them. Made through CloudFormation: confirm a stack update or removal was planned.',
    ]);
  });
});

describe('receiver secret changed', () => {
  it('is medium, names the receiver, and asks to confirm the rotation', () => {
    const own = ownResources(
      [{ name: 'slack-security', slack: { webhookUrlParameter: '/cloud-alerts/dev/slack/default' } }],
      {},
    );
    const [alert] = alertWith('ssm/put-parameter-overwrite.json', { ...CTX, own });
    expect([alert?.ruleId, alert?.severity, alert?.title, fact(alert!, 'Receiver')]).toEqual([
      'alerting-secret-changed',
      'medium',
      'Receiver secret changed: confirm the rotation',
      'slack-security',
    ]);
    expect(alert?.verdict).toMatch(
      /slack-security’s alerts go wherever the new webhook URL or routing key points/,
    );
  });

  it('keeps a refused overwrite medium, as an attempt', () => {
    const alerts = alertsFor('ssm/put-parameter-overwrite-denied.json');
    expect(alerts.map((a) => [a.ruleId, a.severity, a.attempted])).toEqual([
      ['alerting-secret-changed', 'medium', true],
    ]);
    expect(alerts[0]?.verdict).toMatch(
      /^Nothing changed .* someone tried to replace a receiver’s secret: kept medium\./,
    );
  });

  it.each([true, 'true', 'TRUE '])('reads overwrite %p', (overwrite) => {
    expect(ruleIds('ssm/put-parameter-overwrite.json', setParam('overwrite', overwrite))).toEqual([
      'alerting-secret-changed',
    ]);
  });

  it.each([false, 'false', undefined])(
    'stays quiet without an overwrite (%p): nothing was replaced',
    (overwrite) => {
      expect(ruleIds('ssm/put-parameter-overwrite.json', setParam('overwrite', overwrite))).toEqual([]);
    },
  );

  it('never shows the value, even when a record carries it', () => {
    const secret = 'https://hooks.slack.com/services/T000/B000/attacker-controlled-0123456789';
    const alert = alertFor('ssm/put-parameter-overwrite.json', setParam('value', secret));
    expect(JSON.stringify(alert)).not.toContain('attacker-controlled');
  });
});

describe('tables', () => {
  it.each([
    [
      'dynamodb/delete-table-idempotency.json',
      'cloud-alerts-dev-idempotency',
      /nothing reaches Slack, PagerDuty or e-mail/,
    ],
    [
      'dynamodb/delete-table-state.json',
      'cloud-alerts-dev-state',
      /alerts held back in an open group are never summarised/,
    ],
  ])('%s names the table and what stops', (file, name, verdict) => {
    const alert = alertFor(file);
    expect([alert.resource, alert.verdict]).toEqual([
      { type: 'DynamoDB table', name },
      expect.stringMatching(verdict),
    ]);
  });
});

describe('queue attributes', () => {
  it('says how soon a dead-letter queue now forgets', () => {
    const alert = alertFor('sqs/set-queue-attributes-dlq-retention.json');
    expect([alert.summary, fact(alert, 'Attributes'), alert.verdict]).toEqual([
      'IAM user queue-ops changed the attributes of dead-letter queue cloud-alerts-dev-event-delivery-dlq',
      'MessageRetentionPeriod=60',
      'Someone is switching off your alerting: dead-letter queue cloud-alerts-dev-event-delivery-dlq was reconfigured outside a deploy (CloudFormation did not make this call): what it keeps is now deleted after 60 seconds, maybe before anyone redrives it (deployed: 14 days).',
    ]);
  });

  it('raises a queue whose attributes it cannot read', () => {
    const alert = alertFor('sqs/set-queue-attributes-dlq-policy.json', setParam('attributes', 'x'));
    expect([alert.severity, fact(alert, 'Attributes')]).toEqual(['critical', 'the event does not say']);
  });
});

describe('topic attributes', () => {
  it('shows the policy that replaced ours', () => {
    const alert = alertFor('sns/set-topic-attributes-policy.json');
    expect(fact(alert, 'Policy')).toMatch(
      /^\{"Version":"2012-10-17","Statement":\[\{"Sid":"NoPublish","Effect":"Deny"/,
    );
  });

  it('raises a new KMS key: CloudWatch may no longer publish', () => {
    const alert = alertFor('sns/set-topic-attributes-policy.json', (d) => {
      params(d).attributeName = 'KmsMasterKeyId';
      params(d).attributeValue = 'alias/aws/sns';
    });
    expect([alert.summary, fact(alert, 'KmsMasterKeyId')]).toEqual([
      'IAM user sns-admin-old replaced the KMS key of SNS topic cloud-alerts-dev-alerts',
      'alias/aws/sns',
    ]);
  });

  it('names the statement removed from the topic policy', () => {
    expect(fact(alertFor('sns/remove-permission-topic.json'), 'Statement removed')).toBe(
      'CloudWatchAlarmsPublish',
    );
  });
});

describe('own alarms rewritten', () => {
  it('says the actions are off', () => {
    const alert = alertFor('monitoring/put-metric-alarm-actions-disabled.json');
    expect([
      alert.summary,
      fact(alert, 'Actions enabled'),
      fact(alert, 'Alarm actions'),
      alert.verdict,
    ]).toEqual([
      'role example-oncall-tools (session mute-noisy-alarms) rewrote alarm cloud-alerts-dev-alert-errors',
      'false',
      '(none)',
      'Someone is switching off your alerting: alarm cloud-alerts-dev-alert-errors was rewritten outside a deploy (CloudFormation did not make this call), and PutMetricAlarm replaces the whole alarm: its actions are turned off, so it mails nobody.',
    ]);
  });

  it('says an alarm given no actions mails nobody', () => {
    const alert = alertFor(
      'monitoring/put-metric-alarm-actions-disabled.json',
      setParam('actionsEnabled', true),
    );
    expect(alert.verdict).toMatch(/it was given no alarm actions, so it mails nobody\.$/);
  });

  it('leaves SetAlarmState alone: a metric alarm returns to its real state at its next evaluation', () => {
    expect(detect('monitoring/set-alarm-state-ok.json')).toEqual({ findings: [], known: false, errors: [] });
  });
});

describe('which resources are ours', () => {
  it('recognises every stage of the default service name without a context', () => {
    expect(DEFAULT_OWN.namePrefixes).toEqual(['cloud-alerts-']);
    expect(
      ruleIds('eventbridge/disable-rule.json', setParam('name', 'cloud-alerts-prod-root-usage')),
    ).toEqual(['alerting-eventbridge-tampered']);
  });

  it('adds the prefix the deployment names in its environment, and the configuration’s secrets', () => {
    expect(
      ownResources(
        [
          { name: 'slack-a', slack: { webhookUrlParameter: '/acme/slack' } },
          { name: 'pd-a', pagerduty: { routingKeyParameter: '/acme/pd' } },
          { name: 'mail', email: { topicArn: 'stack' } },
        ],
        { [PREFIX_ENV]: 'acme-alerts-prod' },
      ),
    ).toEqual({
      namePrefixes: ['cloud-alerts-', 'acme-alerts-prod-'],
      parameterPrefixes: ['/cloud-alerts/'],
      secrets: [
        { parameter: '/acme/slack', receiver: 'slack-a' },
        { parameter: '/acme/pd', receiver: 'pd-a' },
      ],
      topicArns: [],
    });
  });

  it.each([
    ['the default service', 'cloud-alerts-prod'],
    ['empty', ''],
    ['not a name', 'acme alerts'],
    ['a pattern that would match everything', '*'],
  ])('adds nothing for a prefix that is %s', (_what, prefix) => {
    expect(ownResources([], { [PREFIX_ENV]: prefix }).namePrefixes).toEqual(['cloud-alerts-']);
  });

  it.each(ALERTING_SAMPLES)(
    'a deployment under another service name is fed %s and raises it (%s)',
    (file, ruleId) => {
      const text = readFileSync('serverless.yml', 'utf8').replace(
        /^service: cloud-alerts$/m,
        'service: acme-alerts',
      );
      const rules = parseServerlessRules(text, { stage: 'prod' }).filter((r) => r.functionKey === 'alert');
      let event = renamed(file, 'acme-alerts-prod');
      // The CloudTrail log group's name does not depend on ours; the parameters follow /<service>/<stage>/.
      event = JSON.parse(JSON.stringify(event).replaceAll('/cloud-alerts/dev/', '/acme-alerts/prod/'));
      const fed = rules.filter((r) => matchPattern(compilePattern(r.pattern), event)).map((r) => r.name);
      expect(fed.some((n) => n.startsWith('acme-alerts-prod-alerting-'))).toBe(true);
      const record = CloudTrailRecordSchema.parse(event.detail);
      const own = ownResources(
        [
          { name: 'slack-default', slack: { webhookUrlParameter: '/acme-alerts/prod/slack/default' } },
          {
            name: 'pagerduty-default',
            pagerduty: { routingKeyParameter: '/acme-alerts/prod/pagerduty/default' },
          },
        ],
        { [PREFIX_ENV]: 'acme-alerts-prod' },
      );
      expect(detectCloudTrail(record, { ...CTX, own }).findings.map((f) => f.ruleId)).toEqual([ruleId]);
    },
  );
});

describe('feeds', () => {
  const LONGEST_STAGE = 'a-stage-name-thirty-chars-long';

  it('uses a stage as long as our rule names allow (30 characters) in the size test below', () => {
    // EventBridge rule names are at most 64 characters: cloud-alerts-<stage>-s3-bucket-visibility.
    expect(`cloud-alerts-${LONGEST_STAGE}-s3-bucket-visibility`).toHaveLength(64);
  });

  it.each(['alerting-tampering', 'alerting-outputs', 'alerting-monitoring'])(
    '%s stays under the 2048-character pattern quota with the longest stage',
    (feed) => {
      const rule = parseServerlessRules(readFileSync('serverless.yml', 'utf8'), {
        stage: LONGEST_STAGE,
      }).find((r) => r.name === `cloud-alerts-${LONGEST_STAGE}-${feed}`);
      // Found, and not trivially small: each carries several services' calls.
      expect(JSON.stringify(rule?.pattern).length).toBeGreaterThan(500);
      expect(JSON.stringify(rule?.pattern).length).toBeLessThanOrEqual(2048);
    },
  );
});

describe('vpc-flow-logs-deleted', () => {
  it('names the flow log', () => {
    const alert = alertFor('ec2/delete-flow-logs.json');
    expect([alert.severity, alert.summary, alert.resource]).toEqual([
      'high',
      'IAM user bob deleted flow log fl-0c4e9a2b7d1f35a86',
      { type: 'VPC flow log', name: 'fl-0c4e9a2b7d1f35a86' },
    ]);
  });

  it('names only the flow logs that were deleted, and the others with their error', () => {
    const alert = alertFor('ec2/delete-flow-logs-partial.json');
    expect([alert.summary, fact(alert, 'Flow logs'), fact(alert, 'Not deleted')]).toEqual([
      'role terraform-ci (session GitHubActions) deleted flow log fl-01f2e3d4c5b6a7980',
      'fl-01f2e3d4c5b6a7980, fl-0a9b8c7d6e5f40312',
      'fl-0a9b8c7d6e5f40312 (InvalidFlowLogId.NotFound)',
    ]);
  });

  it('says so when none was deleted, and stays high', () => {
    const alert = alertFor('ec2/delete-flow-logs-partial.json', (d) => {
      d.responseElements = {
        DeleteFlowLogsResponse: {
          unsuccessful: {
            item: [
              { error: { code: 'InvalidFlowLogId.NotFound' }, resourceId: 'fl-01f2e3d4c5b6a7980' },
              { error: { code: 'InvalidFlowLogId.NotFound' }, resourceId: 'fl-0a9b8c7d6e5f40312' },
            ],
          },
        },
      };
    });
    expect([alert.severity, alert.summary]).toEqual([
      'high',
      'role terraform-ci (session GitHubActions) tried to delete flow logs fl-01f2e3d4c5b6a7980, fl-0a9b8c7d6e5f40312; none was deleted',
    ]);
  });

  it('stays high when denied, and says someone tried to switch off network logging', () => {
    const alert = alertFor('ec2/delete-flow-logs-denied.json');
    expect([alert.ruleId, alert.severity, alert.attempted, alert.verdict]).toEqual([
      'vpc-flow-logs-deleted',
      'high',
      true,
      expect.stringMatching(
        /^Nothing changed \(the call was refused or failed\), but someone tried to switch off network logging: kept high\./,
      ),
    ]);
  });

  it.each([
    ['plain strings', { FlowLogIds: ['fl-1', 'fl-2'] }, 'deleted flow logs fl-1, fl-2'],
    ['nothing it can read', { DeleteFlowLogsRequest: 'x' }, 'deleted flow logs the event does not name'],
  ])('still alerts high for a request of %s', (_what, requestParameters, action) => {
    const { findings } = detect('ec2/delete-flow-logs.json', (d) => {
      d.requestParameters = requestParameters;
      d.responseElements = null;
    });
    expect(findings.map((f) => [f.ruleId, f.severity, f.action])).toEqual([
      ['vpc-flow-logs-deleted', 'high', action],
    ]);
  });

  // The CI layout puts ../shared beside the repository; without it there is nothing to read.
  const corpusFile = resolve(
    '../shared/corpus/cloudtrail-more/elastic-integrations/ec2-delete-flow-logs.json',
  );
  it(`raises the real DeleteFlowLogs record from ../shared/corpus (${existsSync(corpusFile) ? 'present' : 'absent: checks the rule is in the catalog'})`, () => {
    if (!existsSync(corpusFile)) {
      expect(ruleIds('ec2/delete-flow-logs.json')).toEqual(['vpc-flow-logs-deleted']);
      return;
    }
    const record = CloudTrailRecordSchema.parse(JSON.parse(readFileSync(corpusFile, 'utf8')));
    const { findings } = detectCloudTrail(record, CTX);
    expect(findings.map((f) => [f.ruleId, f.severity, f.action])).toEqual([
      ['vpc-flow-logs-deleted', 'high', 'deleted flow log fl-07a9b55570fe770b6'],
    ]);
  });
});
