import { Readable } from 'node:stream';
import { type FilteredLogEvent, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import 'aws-sdk-client-mock-jest';
import { doctorCommand } from '../../../cli/doctor.ts';
import { NotificationRequestSchema } from '../../../shared/events/alert.ts';
import { renderEmail } from '../../../shared/notify/channels/email/render.ts';
import { renderPagerDuty } from '../../../shared/notify/channels/pagerduty/render.ts';
import { renderSlack } from '../../../shared/notify/channels/slack/render.ts';
import { useFakeAwsEnv } from '../../helpers/aws-env.ts';
import { ACCOUNT, BUS, DLQS, healthyWorld, mockWorld, NOW, TOPIC, type World } from './world.ts';

useFakeAwsEnv();

type LogAnswer = (key: string, group: string) => Array<Record<string, unknown>> | Error;

const delivered: LogAnswer = (key) => [{ level: 'INFO', message: 'delivered', key, receiver: 'x' }];

/** doctor --send-test with a clock that moves only when doctor sleeps. */
async function sendTest(
  answer: LogAnswer,
  opts: { world?: World; args?: string[]; putEvents?: 'denied' } = {},
) {
  const world = opts.world ?? healthyWorld();
  const { clientsFor, home } = mockWorld(world);
  let clock = NOW.getTime();
  const slept: number[] = [];
  home.mocks.logs
    .on(FilterLogEventsCommand)
    .callsFake((input: { filterPattern?: string; logGroupName?: string }) => {
      const key = /\$\.key = "([^"]+)"/.exec(input.filterPattern ?? '')?.[1] ?? '';
      const lines = answer(key, input.logGroupName ?? '');
      if (lines instanceof Error) throw lines;
      const events: FilteredLogEvent[] = lines.map((l, i) => ({
        timestamp: NOW.getTime() + 3000 + i,
        message: JSON.stringify(l),
      }));
      return { events };
    });
  if (opts.putEvents === 'denied')
    home.mocks.eventBridge.on(PutEventsCommand).rejects(
      Object.assign(new Error('not authorized to perform: events:PutEvents'), {
        name: 'AccessDeniedException',
      }),
    );
  else
    home.mocks.eventBridge.on(PutEventsCommand).callsFake((input: { Entries?: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `ev-${i}` })),
    }));
  let stdout = '';
  let stderr = '';
  const io = {
    stdin: Readable.from(['']),
    stdout: (s: string) => {
      stdout += s;
    },
    stderr: (s: string) => {
      stderr += s;
    },
    env: {},
    isTTY: false,
  };
  const code = await doctorCommand(
    ['--stage', 'dev', '--region', 'eu-west-1', '--send-test', ...(opts.args ?? ['--timeout', '30'])],
    io,
    {
      clientsFor,
      now: () => new Date(clock),
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    },
  );
  const requests = home.mocks.eventBridge.commandCalls(PutEventsCommand).flatMap((c) =>
    (c.args[0].input.Entries ?? []).map((e) => ({
      entry: e,
      request: NotificationRequestSchema.parse(JSON.parse(e.Detail ?? '')),
    })),
  );
  const testLines = stdout.split('\n').filter((l) => l.slice(6).startsWith('send-test'));
  return { code, stdout, stderr, testLines, requests, slept, home };
}

describe('doctor --send-test', () => {
  it('puts one labelled test per receiver on the alerts bus and reports each delivered', async () => {
    const { code, testLines, requests, stderr } = await sendTest(delivered);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(testLines).toEqual([
      'ok    send-test     slack-default (slack): delivered in 3 s',
      'ok    send-test     pagerduty-default (pagerduty): delivered in 3 s; the test incident was resolved',
      'ok    send-test     email-default (email): delivered in 3 s',
    ]);
    const firing = requests.filter((r) => r.request.alert.status === 'firing');
    expect(
      firing.map((r) => [
        r.entry.EventBusName,
        r.entry.Source,
        r.entry.DetailType,
        r.request.channel,
        r.request.receiver,
      ]),
    ).toEqual([
      [BUS, 'cloud-alerts', 'Notification Requested', 'slack', 'slack-default'],
      [BUS, 'cloud-alerts', 'Notification Requested', 'pagerduty', 'pagerduty-default'],
      [BUS, 'cloud-alerts', 'Notification Requested', 'email', 'email-default'],
    ]);
    const alert = firing[0]?.request.alert;
    expect(alert).toMatchObject({
      ruleId: 'cloud-alerts-test',
      title: 'TEST: cloud-alerts delivery test (not a real alert)',
      severity: 'info',
      kind: 'generic',
      account: { id: ACCOUNT },
      region: 'eu-west-1',
      verdict: 'A test: no action needed.',
    });
    expect(alert?.id).toMatch(/^cloud-alerts-test-20261204T120000-[0-9a-f]{6}$/);
    expect(alert?.summary).toContain('checks that slack-default receives alerts from cloud-alerts-dev');
    expect(alert?.facts).toContainEqual({
      label: 'Sent by',
      value: `arn:aws:sts::${ACCOUNT}:assumed-role/operator/jane`,
    });
    // Keys are one per (test, receiver), so the notifiers' idempotency never mistakes one for another.
    expect(new Set(firing.map((r) => r.request.key)).size).toBe(3);
  });

  it('resolves the PagerDuty test incident with the trigger’s dedup key, after the trigger was delivered', async () => {
    const { requests } = await sendTest(delivered);
    const trigger = requests.find(
      (r) => r.request.channel === 'pagerduty' && r.request.alert.status === 'firing',
    );
    const resolve = requests.find((r) => r.request.alert.status === 'resolved');
    expect(requests.indexOf(resolve ?? requests[0]!)).toBe(3);
    expect(resolve?.request.receiver).toBe('pagerduty-default');
    expect(resolve?.request.alert.dedupKey).toBe(trigger?.request.alert.dedupKey);
    expect(resolve?.request.key).not.toBe(trigger?.request.key);
    const pagerDuty = (a: NonNullable<typeof trigger>['request']['alert']) =>
      renderPagerDuty(a, 'k'.repeat(32));
    expect(trigger && pagerDuty(trigger.request.alert)).toMatchObject({ event_action: 'trigger' });
    expect(resolve && pagerDuty(resolve.request.alert)).toMatchObject({
      event_action: 'resolve',
      dedup_key: trigger?.request.alert.dedupKey,
    });
  });

  it('is labelled a test in what every channel renders', async () => {
    const { requests } = await sendTest(delivered);
    const alert = requests[0]?.request.alert;
    if (!alert) throw new Error('no test request');
    const slack = renderSlack(alert);
    expect(slack.text).toMatch(/^\[INFO\] TEST: cloud-alerts delivery test \(not a real alert\)/);
    expect(slack.text).not.toMatch(/<!here>|<!channel>/);
    expect(JSON.stringify(slack.blocks)).toContain('TEST: cloud-alerts delivery test (not a real alert)');
    const email = renderEmail(alert, TOPIC);
    expect(email.Subject).toMatch(/^\[INFO\] TEST: cloud-alerts delivery test \(not a real alert\)/);
    expect(email.Message).toContain('Nothing happened in the account; no action is needed.');
    const page = renderPagerDuty(alert, 'k'.repeat(32));
    expect(page).toMatchObject({ event_action: 'trigger', payload: { severity: 'info' } });
    expect(page.event_action === 'trigger' && page.payload.summary).toMatch(
      /^TEST: cloud-alerts delivery test/,
    );
  });

  it('reports a dead-lettered receiver with its reason, masking anything secret-looking', async () => {
    const { code, testLines, stdout } = await sendTest((key, group) =>
      group.endsWith('notify-slack')
        ? [
            {
              level: 'ERROR',
              message: 'delivery failed permanently, dead-lettered',
              key,
              error:
                'slack delivery failed: HTTP 404 (no_service) from https://hooks.slack.com/services/T0/B0/abc, key 0123456789abcdef0123456789abcdef',
            },
          ]
        : delivered(key, group),
    );
    expect(code).toBe(1);
    expect(testLines[0]).toBe(
      `FAIL  send-test     slack-default (slack): dead-lettered: slack delivery failed: HTTP 404 (no_service) from [url], key [redacted] (npx cloud-alerts dlq list --queue ${DLQS.NotifySlackDlq})`,
    );
    expect(stdout).not.toContain('hooks.slack.com');
    expect(stdout).not.toContain('0123456789abcdef0123456789abcdef');
  });

  it('names the error of a receiver still failing at the deadline', async () => {
    const { code, testLines, slept } = await sendTest((key, group) =>
      group.endsWith('notify-pagerduty')
        ? [
            {
              level: 'ERROR',
              message: 'delivery failed',
              key,
              error: 'pagerduty delivery failed: HTTP 503, retryable',
            },
          ]
        : delivered(key, group),
    );
    expect(code).toBe(1);
    expect(testLines[1]).toBe(
      'FAIL  send-test     pagerduty-default (pagerduty): not delivered within 30 s: pagerduty delivery failed: HTTP 503, retryable; Lambda retries it, then its dead-letter queue gets it',
    );
    // It polled until the deadline, every 5 s.
    expect(slept.every((ms) => ms === 5000)).toBe(true);
    expect(slept.length).toBe(6);
  });

  it('says where to look when a notifier never mentions the test', async () => {
    const notFound = Object.assign(new Error('The specified log group does not exist.'), {
      name: 'ResourceNotFoundException',
    });
    const { code, testLines } = await sendTest((key, group) =>
      group.endsWith('notify-email') ? notFound : delivered(key, group),
    );
    expect(code).toBe(1);
    expect(testLines[2]).toBe(
      'FAIL  send-test     email-default (email): no word from cloud-alerts-dev-notify-email within 30 s: is rule cloud-alerts-dev-notify-email enabled, and may these credentials read its logs (logs:FilterLogEvents)?',
    );
  });

  it('warns when the PagerDuty resolve is not confirmed: the test incident stays open', async () => {
    const { code, testLines } = await sendTest((key, group) =>
      key.includes('-resolve/') ? [] : delivered(key, group),
    );
    expect(code).toBe(0);
    expect(testLines[1]).toMatch(
      /^warn {2}send-test {5}pagerduty-default \(pagerduty\): delivered in 3 s, but resolving the test incident was not confirmed: resolve it in PagerDuty \(dedup key cloud-alerts-test-/,
    );
  });

  it('explains a bus that refuses the caller', async () => {
    const { code, testLines, home } = await sendTest(delivered, { putEvents: 'denied' });
    expect(code).toBe(1);
    expect(testLines).toHaveLength(3);
    for (const line of testLines)
      expect(line).toContain(
        "AccessDeniedException: not authorized to perform: events:PutEvents (only the alert function's role and params.alertsBusWriter may put events on cloud-alerts-dev-alerts",
      );
    expect(home.mocks.logs).not.toHaveReceivedCommand(FilterLogEventsCommand);
  });

  it('is skipped without a stack', async () => {
    const world = healthyWorld();
    world.stackStatus = 'DELETE_COMPLETE';
    const { code, stdout, home } = await sendTest(delivered, { world });
    expect(code).toBe(1);
    expect(stdout).toContain('skip  send-test     needs the stack');
    expect(home.mocks.eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });
});
