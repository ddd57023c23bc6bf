import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { useFakeAwsEnv } from '../../helpers/aws-env.ts';
import 'aws-sdk-client-mock-jest';
import { createAlarmContextStage } from '../../../shared/alarms/context-stage.ts';
import {
  type AlarmLookup,
  AlarmLookupError,
  cachedAlarmLookup,
  clearAlarmContextCache,
  createCloudWatchAlarmLookup,
} from '../../../shared/alarms/lookup.ts';
import { MemberAccessError } from '../../../shared/alarms/member-access.ts';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { type Config, ConfigSchema } from '../../../shared/config/schema.ts';
import {
  AlertSchema,
  NOTIFICATION_REQUESTED,
  NotificationRequestSchema,
} from '../../../shared/events/alert.ts';
import { handleAlertEvent } from '../../../shared/pipeline/alert.ts';
import { defaultStages } from '../../../shared/pipeline/default-stages.ts';
import { evaluate } from '../../../shared/pipeline/evaluate.ts';
import type { LogPort } from '../../../shared/pipeline/logger.ts';
import type { StageContext } from '../../../shared/pipeline/stages.ts';
import { detailOf, envelopeOf, loadEvent } from '../../helpers/events.ts';

const base = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });

/** The default routes plus one for the payments team, which pages only its own Slack receiver. */
const config: Config = ConfigSchema.parse({
  ...base,
  receivers: [
    ...base.receivers,
    { name: 'slack-payments', slack: { webhookUrlParameter: '/cloud-alerts/dev/slack/payments' } },
  ],
  route: {
    routes: [
      { match: { tags: { team: 'payments' } }, receivers: ['slack-payments', 'pagerduty-default'] },
      ...(base.route.routes ?? []),
    ],
  },
});

interface Logged {
  level: string;
  message: string;
  extra: Record<string, unknown>[];
}

function recordingLogger(): LogPort & { lines: Logged[] } {
  const lines: Logged[] = [];
  return {
    lines,
    info: (message, ...extra) => lines.push({ level: 'info', message, extra }),
    warn: (message, ...extra) => lines.push({ level: 'warn', message, extra }),
    error: (message, ...extra) => lines.push({ level: 'error', message, extra }),
  };
}

function contextFor(event: Record<string, unknown>, logger: LogPort): StageContext {
  return { config, envelope: envelopeOf(event), now: new Date('2026-11-21T02:15:00Z'), logger };
}

async function runStage(
  relPath: string,
  lookup: AlarmLookup,
  edit?: (d: Record<string, unknown>) => void,
  ownAccount?: string,
  readsMemberAccounts?: boolean,
) {
  const event = loadEvent(`cloudwatch/${relPath}`);
  if (edit) edit(detailOf(event));
  const logger = recordingLogger();
  const alerts = evaluate(event, config).alerts;
  const result = await createAlarmContextStage({ lookup, ownAccount, readsMemberAccounts }).run(
    alerts,
    contextFor(event, logger),
  );
  return { before: alerts, result, logger };
}

describe('createAlarmContextStage', () => {
  it('rebuilds an alarm alert with its tags: severity, team route, runbook', async () => {
    const asked: string[] = [];
    const lookup: AlarmLookup = async (arn, region) => {
      asked.push(`${region} ${arn}`);
      return {
        tags: { severity: 'critical', team: 'payments', runbook: 'https://runbooks.example.com/5xx' },
        threshold: 5,
      };
    };
    const { result } = await runStage('metric-math-alarm.json', lookup);
    expect(asked).toEqual([
      'eu-west-1 arn:aws:cloudwatch:eu-west-1:123456789012:alarm:example-checkout-5xx-rate',
    ]);
    expect(result.suppressed).toEqual([]);
    expect(result.alerts).toHaveLength(1);
    expect(result.alerts[0]).toMatchObject({
      severity: 'critical',
      tags: { severity: 'critical', team: 'payments', runbook: 'https://runbooks.example.com/5xx' },
      links: [
        { text: 'Open alarm' },
        { text: 'Runbook (runbooks.example.com)', url: 'https://runbooks.example.com/5xx' },
      ],
    });
  });

  it('does not look up an alarm forwarded from another account, and says why', async () => {
    const asked: string[] = [];
    const lookup: AlarmLookup = async (arn) => {
      asked.push(arn);
      return { tags: { team: 'wrong-account' } };
    };
    const { before, result, logger } = await runStage(
      'metric-math-alarm.json',
      lookup,
      undefined,
      '999999999999',
    );
    expect(asked).toEqual([]);
    expect(result.alerts).toEqual(before);
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: 'info',
        message: 'alarm in another account: tags and description from the event only',
      }),
    ]);
    // In its own account it still looks up.
    await runStage('metric-math-alarm.json', lookup, undefined, '123456789012');
    expect(asked).toEqual(['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:example-checkout-5xx-rate']);
  });

  it('looks up an alarm of another account when the lookup reads member accounts', async () => {
    const asked: string[] = [];
    const lookup: AlarmLookup = async (arn) => {
      asked.push(arn);
      return { tags: { team: 'payments', severity: 'critical' }, threshold: 5 };
    };
    const { result, logger } = await runStage(
      'metric-math-alarm.json',
      lookup,
      undefined,
      '999999999999',
      true,
    );
    expect(asked).toEqual(['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:example-checkout-5xx-rate']);
    expect(result.alerts[0]).toMatchObject({ severity: 'critical', tags: { team: 'payments' } });
    expect(logger.lines).toEqual([]);
  });

  it('keeps the alert as the event described it when the lookup fails, and logs a warning', async () => {
    const lookup: AlarmLookup = async () => {
      throw new Error('AccessDenied: not authorized to perform cloudwatch:ListTagsForResource');
    };
    const { before, result, logger } = await runStage('metric-math-alarm.json', lookup);
    expect(result.alerts).toEqual(before);
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: 'alarm lookup failed; alerting from the event alone',
        extra: [
          {
            alarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:example-checkout-5xx-rate',
            alertId: before[0]?.id,
            error: 'AccessDenied: not authorized to perform cloudwatch:ListTagsForResource',
          },
        ],
      },
    ]);
  });

  it('warns once about a member account whose reader role failed, and notes the repeats at info', async () => {
    const role = 'arn:aws:iam::123456789012:role/cloud-alerts-dev-alarm-reader';
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDenied' });
    for (const [repeat, level] of [
      [false, 'warn'],
      [true, 'info'],
    ] as const) {
      const lookup: AlarmLookup = async (arn) => {
        throw new AlarmLookupError(arn, { cause: new MemberAccessError(role, { cause: denied, repeat }) });
      };
      const { before, result, logger } = await runStage(
        'metric-math-alarm.json',
        lookup,
        undefined,
        '999999999999',
        true,
      );
      expect(result.alerts).toEqual(before);
      expect(logger.lines.map((l) => [l.level, l.message])).toEqual([
        [level, 'alarm lookup failed; alerting from the event alone'],
      ]);
    }
  });

  it('keeps the alert when the alarm is unknown (deleted meanwhile)', async () => {
    const { before, result } = await runStage('composite-alarm.json', async () => undefined);
    expect(result.alerts).toEqual(before);
  });

  it('does not look up an alarm whose event already carries its tags and description', async () => {
    let calls = 0;
    const { result } = await runStage(
      'metric-math-alarm.json',
      async () => {
        calls++;
        return { tags: { severity: 'low' } };
      },
      (d) => {
        d.alarmTags = { severity: 'medium' };
      },
    );
    expect(calls).toBe(0);
    expect(result.alerts[0]?.severity).toBe('medium');
  });

  it('leaves alerts that are not CloudWatch alarms alone', async () => {
    const event = loadEvent('s3/put-bucket-acl-public-read.json');
    const alerts = evaluate(event, config).alerts;
    let calls = 0;
    const stage = createAlarmContextStage({
      lookup: async () => {
        calls++;
        return { tags: {} };
      },
    });
    const result = await stage.run(alerts, contextFor(event, recordingLogger()));
    expect(result.alerts).toEqual(alerts);
    expect(calls).toBe(0);
  });
});

describe('alarm context in the alert pipeline (CloudWatch mocked)', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  useFakeAwsEnv();
  beforeEach(() => {
    cloudwatch.reset();
    clearAlarmContextCache();
  });

  async function publish(relPath: string) {
    const entries: PutEventsRequestEntry[] = [];
    const logger = recordingLogger();
    const lookup = cachedAlarmLookup(createCloudWatchAlarmLookup(), { ttlSeconds: 300 });
    await handleAlertEvent(loadEvent(`cloudwatch/${relPath}`), {
      config,
      busName: 'alerts',
      putEvents: async (batch) => {
        entries.push(...batch);
        return { FailedEntryCount: 0, Entries: batch.map(() => ({ EventId: 'x' })) };
      },
      logger,
      stages: defaultStages(config, { alarmContext: createAlarmContextStage({ lookup }) }),
    });
    const requests = entries
      .filter((e) => e.DetailType === NOTIFICATION_REQUESTED)
      .map((e) => NotificationRequestSchema.parse(JSON.parse(e.Detail ?? 'null')));
    const alerts = entries
      .filter((e) => e.DetailType !== NOTIFICATION_REQUESTED)
      .map((e) => AlertSchema.parse(JSON.parse(e.Detail ?? 'null')));
    return { requests, alerts, logger };
  }

  it('routes by the team tag and keeps only the channels the notify tag names', async () => {
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'example-checkout-5xx-rate' }] });
    cloudwatch.on(ListTagsForResourceCommand).resolves({
      Tags: [
        { Key: 'team', Value: 'payments' },
        { Key: 'notify', Value: 'slack' },
      ],
    });
    const { requests } = await publish('metric-math-alarm.json');
    expect(requests.map((r) => `${r.channel}:${r.receiver}`)).toEqual(['slack:slack-payments']);
  });

  it('still publishes the alert, routed by default, when CloudWatch refuses the lookup', async () => {
    cloudwatch.on(DescribeAlarmsCommand).rejects(new Error('Rate exceeded'));
    cloudwatch.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    const { requests, alerts, logger } = await publish('metric-math-alarm.json');
    expect(alerts.map((a) => [a.ruleId, a.severity, a.status])).toEqual([
      ['cloudwatch-alarm', 'high', 'firing'],
    ]);
    expect(requests.map((r) => r.receiver)).toEqual(['slack-default', 'pagerduty-default', 'email-default']);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'alarm lookup failed; alerting from the event alone',
    ]);
  });

  it('sends the resolve to the same receivers as the trigger, on the same dedup key', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({});
    cloudwatch.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'team', Value: 'payments' }] });
    const fired = await publish('composite-alarm.json');
    const resolved = await publish('composite-ok.json');
    const route = (r: typeof fired) => r.requests.map((n) => n.receiver);
    expect(route(fired)).toEqual(['slack-payments', 'pagerduty-default']);
    expect(route(resolved)).toEqual(route(fired));
    expect(resolved.alerts[0]?.dedupKey).toBe(fired.alerts[0]?.dedupKey);
    // Both events are for the same alarm: the second was answered from the cache.
    expect(cloudwatch).toHaveReceivedCommandTimes(ListTagsForResourceCommand, 1);
  });
});
