import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, GetParametersCommand } from '@aws-sdk/client-ssm';
import 'aws-sdk-client-mock-jest';
import { doctorCommand, sdkClients } from '../../../cli/doctor.ts';
import type { CliIo } from '../../../cli/io.ts';
import { useFakeAwsEnv } from '../../helpers/aws-env.ts';
import { runCli } from '../../helpers/cli.ts';
import {
  ACCOUNT,
  ALARMS,
  DLQS,
  FORWARDER_RULE,
  healthyWorld,
  localSetup,
  minutesAgo,
  mockWorld,
  NOW,
  SECRET,
  type World,
} from './world.ts';

useFakeAwsEnv();

/** Runs the command on these clients, capturing what it prints. */
async function runDoctor(
  clientsFor: ReturnType<typeof mockWorld>['clientsFor'],
  args: string[] = ['--stage', 'dev', '--region', 'eu-west-1'],
) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdin: Readable.from(['']),
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    env: {},
    isTTY: false,
  };
  const code = await doctorCommand(args, io, { clientsFor, now: () => NOW });
  const lines = stdout.trim().split('\n');
  return { code, stdout, stderr, lines };
}

async function doctor(world: World, args: string[] = []) {
  const { clientsFor, home, east } = mockWorld(world);
  const run = await runDoctor(clientsFor, ['--stage', 'dev', '--region', 'eu-west-1', ...args]);
  return { ...run, home, east };
}

/** The line of a check, by its level and name; fails the test when there is not exactly one. */
function lineOf(lines: string[], level: string, check: string): string {
  const found = lines.filter((l) => l.startsWith(`${level}`) && l.slice(6).startsWith(`${check} `));
  expect(found).toHaveLength(1);
  return found[0] ?? '';
}

describe('cloud-alerts doctor on a healthy deployment', () => {
  it('prints one ok line per check and exits 0', async () => {
    const { code, lines, stderr } = await doctor(healthyWorld());
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(lines[0]).toBe('cloud-alerts doctor: stage dev, region eu-west-1');
    expect(lines.slice(1, -1).map((l) => l.slice(0, 19).trimEnd())).toEqual([
      'ok    stack',
      'ok    config',
      'ok    rules',
      'ok    secret',
      'ok    secret',
      'ok    e-mail',
      'ok    us-east-1',
      'ok    dead letters',
      'ok    alarms',
      'ok    heartbeat',
    ]);
    expect(lines.at(-1)).toBe('doctor: healthy: 0 problems, 0 warnings');
  });

  it('says what it found', async () => {
    const { lines } = await doctor(healthyWorld());
    expect(lineOf(lines, 'ok', 'stack')).toContain(
      'cloud-alerts-dev in eu-west-1: UPDATE_COMPLETE, updated 2026-12-04 10:30 UTC (1 h 30 min ago)',
    );
    expect(lineOf(lines, 'ok', 'config')).toContain(
      'the functions run config/cloud-alerts.yml as it is here',
    );
    expect(lineOf(lines, 'ok', 'rules')).toMatch(
      /\d+ rules on the default bus and cloud-alerts-dev-alerts, enabled, with the patterns serverless.yml declares/,
    );
    expect(lines.filter((l) => l.includes('secret'))).toEqual([
      'ok    secret        slack-default: /cloud-alerts/dev/slack/default exists (SecureString, changed 2026-12-01)',
      'ok    secret        pagerduty-default: /cloud-alerts/dev/pagerduty/default exists (SecureString, changed 2026-12-01)',
    ]);
    expect(lineOf(lines, 'ok', 'e-mail')).toContain('cloud-alerts-dev-alerts: 1 confirmed subscription(s)');
    expect(lineOf(lines, 'ok', 'us-east-1')).toContain(`forwarder rule ${FORWARDER_RULE} sends IAM`);
    expect(lineOf(lines, 'ok', 'dead letters')).toContain('6 dead-letter queues, all empty');
    expect(lineOf(lines, 'ok', 'alarms')).toContain('3 self-monitoring alarms OK, actions enabled');
    expect(lineOf(lines, 'ok', 'heartbeat')).toContain('last arrived 4 min ago (canary wrote 5 min ago)');
  });

  it('never reads a secret and never prints one', async () => {
    const { stdout, stderr, home } = await doctor(healthyWorld());
    expect(home.mocks.ssm).not.toHaveReceivedCommand(GetParameterCommand);
    expect(home.mocks.ssm).not.toHaveReceivedCommand(GetParametersCommand);
    expect(`${stdout}${stderr}`).not.toContain(SECRET);
    expect(`${stdout}${stderr}`).not.toContain('hooks.slack.com');
    expect(`${stdout}${stderr}`).not.toContain('sec@example.com');
  });

  it('accepts a stack in us-east-1 instead of a forwarder', async () => {
    const world = healthyWorld();
    world.east = { stack: true, rules: [], targets: [] };
    const { code, lines } = await doctor(world);
    expect(code).toBe(0);
    expect(lineOf(lines, 'ok', 'us-east-1')).toContain(
      'stack cloud-alerts-dev in us-east-1 (CREATE_COMPLETE)',
    );
  });

  it('needs nothing from us-east-1 when it is the home region', async () => {
    const local = localSetup({ region: 'us-east-1' });
    const world = healthyWorld(local);
    const { clientsFor } = mockWorld(world);
    // The world's clients answer for eu-west-1: serve them for us-east-1 as the home region.
    const io = await runDoctor(() => clientsFor('eu-west-1'), ['--stage', 'dev', '--region', 'us-east-1']);
    const code = io.code;
    expect(io.stdout).toContain('ok    us-east-1     this stack is in us-east-1');
    // The heartbeat rule names the us-east-1 role, so the deployed rules of this world still match.
    expect(code).toBe(0);
  });
});

describe('cloud-alerts doctor finds problems (exit 1)', () => {
  it('a missing stack, and skips what needs it', async () => {
    const world = healthyWorld();
    const { clientsFor, home } = mockWorld(world);
    home.mocks.cloudFormation.reset();
    home.mocks.cloudFormation.rejects(
      Object.assign(new Error('Stack with id cloud-alerts-dev does not exist'), { name: 'ValidationError' }),
    );
    const { code, lines } = await runDoctor(clientsFor);
    expect(code).toBe(1);
    expect(lineOf(lines, 'FAIL', 'stack')).toContain(
      'cloud-alerts-dev in eu-west-1 not found: deploy it (npx serverless deploy --stage dev --region eu-west-1)',
    );
    expect(lines.filter((l) => l.startsWith('skip'))).toHaveLength(8);
    expect(lines.at(-1)).toBe('doctor: not healthy: 1 problem, 0 warnings');
  });

  const problems: Array<[string, (w: World) => void, string, string]> = [
    [
      'an update that rolled back',
      (w) => (w.stackStatus = 'UPDATE_ROLLBACK_COMPLETE'),
      'stack',
      'the last update failed and was rolled back',
    ],
    [
      'another configuration deployed',
      (w) => (w.outputs = [{ OutputKey: 'CloudAlertsConfigDigest', OutputValue: 'f'.repeat(64) }]),
      'config',
      'the functions run another configuration than config/cloud-alerts.yml for stage dev',
    ],
    [
      'a disabled rule',
      (w) => {
        const rule = w.defaultRules.find((r) => r.Name === 'cloud-alerts-dev-iam-changes');
        if (rule) rule.State = 'DISABLED';
      },
      'rules',
      'cloud-alerts-dev-iam-changes is DISABLED: nothing it matches reaches cloud-alerts',
    ],
    [
      'a disabled notifier rule on the alerts bus',
      (w) => {
        const rule = w.busRules.find((r) => r.Name === 'cloud-alerts-dev-notify-email');
        if (rule) rule.State = 'DISABLED';
      },
      'rules',
      'cloud-alerts-dev-notify-email is DISABLED',
    ],
    [
      'a disabled heartbeat schedule',
      (w) => {
        const rule = w.defaultRules.find((r) => r.Name === 'cloud-alerts-dev-heartbeat-schedule');
        if (rule) rule.State = 'DISABLED';
      },
      'rules',
      'cloud-alerts-dev-heartbeat-schedule is DISABLED: the heartbeat canary does not run',
    ],
    [
      'a missing rule',
      (w) => (w.defaultRules = w.defaultRules.filter((r) => r.Name !== 'cloud-alerts-dev-root-usage')),
      'rules',
      'cloud-alerts-dev-root-usage is missing from the default bus',
    ],
    [
      'a rule that no longer sees read-only calls',
      (w) => {
        const rule = w.defaultRules.find((r) => r.Name === 'cloud-alerts-dev-unauthorized-calls');
        if (rule) rule.State = 'ENABLED';
      },
      'rules',
      'cloud-alerts-dev-unauthorized-calls is ENABLED, not ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
    ],
    [
      'a pattern other than serverless.yml’s',
      (w) => {
        const rule = w.defaultRules.find((r) => r.Name === 'cloud-alerts-dev-s3-bucket-visibility');
        if (rule) rule.EventPattern = JSON.stringify({ source: ['aws.s3'] });
      },
      'rules',
      'cloud-alerts-dev-s3-bucket-visibility matches something else than serverless.yml says',
    ],
    [
      'a missing secret',
      (w) => (w.parameters = w.parameters.filter((p) => !p.Name?.includes('pagerduty'))),
      'secret',
      'pagerduty-default: /cloud-alerts/dev/pagerduty/default does not exist in eu-west-1, so every alert for pagerduty-default fails',
    ],
    [
      'nothing bringing IAM events from us-east-1',
      (w) => (w.east = { stack: false, rules: [], targets: [] }),
      'us-east-1',
      'IAM, STS and CloudFront events are recorded in us-east-1 only and nothing there forwards them',
    ],
    [
      'a forwarder sending elsewhere',
      (w) => (w.east.targets = ['arn:aws:events:eu-central-1:123456789012:event-bus/default']),
      'us-east-1',
      `does not send to arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/default`,
    ],
    [
      'a disabled forwarder',
      (w) => (w.east.rules = [{ Name: FORWARDER_RULE, State: 'DISABLED' }]),
      'us-east-1',
      'is DISABLED: IAM events do not reach eu-west-1',
    ],
    [
      'an alarm firing',
      (w) => {
        const alarm = w.alarms.find((a) => a.AlarmName === ALARMS.AlertErrorsAlarm);
        if (alarm)
          Object.assign(alarm, { StateValue: 'ALARM', StateReason: 'Threshold Crossed: 1 datapoint [3.0]' });
      },
      'alarms',
      'cloud-alerts-dev-alert-errors is in ALARM: Threshold Crossed: 1 datapoint [3.0]',
    ],
    [
      'an alarm whose actions are off',
      (w) => {
        const alarm = w.alarms.find((a) => a.AlarmName === ALARMS.NotifySlackDlqDepthAlarm);
        if (alarm) alarm.ActionsEnabled = false;
      },
      'alarms',
      'cloud-alerts-dev-notify-slack-dlq-depth has its actions disabled: it tells nobody when it fires',
    ],
    [
      'a stack listing no alarm at all',
      (w) => (w.resources = w.resources.filter((r) => r.ResourceType !== 'AWS::CloudWatch::Alarm')),
      'alarms',
      'the stack has no CloudWatch alarms: nothing watches the pipeline',
    ],
    [
      'an alarm deleted',
      (w) => (w.alarms = w.alarms.filter((a) => a.AlarmName !== ALARMS.AlertErrorsAlarm)),
      'alarms',
      'cloud-alerts-dev-alert-errors is missing',
    ],
    [
      'heartbeats written but not arriving',
      (w) => (w.heartbeats = [minutesAgo(95)]),
      'heartbeat',
      'the canary wrote 5 min ago but the last arrived 1 h 35 min ago: CloudTrail events do not reach the alert function',
    ],
    [
      'a canary that stopped writing',
      (w) => {
        w.heartbeats = [];
        const p = w.parameters.find((x) => x.Name === '/cloud-alerts/dev/heartbeat');
        if (p) p.LastModifiedDate = minutesAgo(300);
      },
      'heartbeat',
      'none arrived in 3 hours and the canary last wrote 5 h 0 min ago: look at function cloud-alerts-dev-heartbeat',
    ],
  ];

  it.each(problems)('%s', async (_what, change, check, text) => {
    const world = healthyWorld();
    change(world);
    const { code, lines } = await doctor(world);
    expect(code).toBe(1);
    expect(lineOf(lines, 'FAIL', check)).toContain(text);
    expect(lines.at(-1)).toMatch(/^doctor: not healthy: 1 problem/);
  });

  it('an AWS error fails its own check only', async () => {
    const world = healthyWorld();
    const { clientsFor, home } = mockWorld(world);
    const denied = Object.assign(new Error('not authorized to perform: ssm:DescribeParameters'), {
      name: 'AccessDeniedException',
    });
    home.mocks.ssm.rejects(denied);
    const { code, lines } = await runDoctor(clientsFor);
    expect(code).toBe(1);
    expect(lineOf(lines, 'FAIL', 'secret')).toContain(
      "cannot describe the receivers' parameters: AccessDeniedException: not authorized",
    );
    expect(lineOf(lines, 'ok', 'rules')).toBeTruthy();
  });
});

describe('cloud-alerts doctor with a configuration that does not load', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-doctor-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fails the config line, skips the secrets, checks the rest', async () => {
    const file = join(dir, 'broken.yml');
    writeFileSync(file, 'receivers:\n  - name: Bad Name\n    slack: { webhookUrlParameter: nope }\n');
    const { code, lines } = await doctor(healthyWorld(), ['--config', file]);
    expect(code).toBe(1);
    expect(lineOf(lines, 'FAIL', 'config')).toContain(
      'cloud-alerts config check --stage dev lists every problem',
    );
    expect(lineOf(lines, 'skip', 'secret')).toContain('needs a valid configuration');
    expect(lineOf(lines, 'ok', 'rules')).toBeTruthy();
  });
});

describe('cloud-alerts doctor warns (exit 0)', () => {
  const warnings: Array<[string, (w: World) => void, string, string]> = [
    [
      'an update in progress',
      (w) => (w.stackStatus = 'UPDATE_IN_PROGRESS'),
      'stack',
      'UPDATE_IN_PROGRESS, updated 2026-12-04 10:30 UTC (1 h 30 min ago): run doctor again when it settles',
    ],
    [
      'a stack without the digest output',
      (w) => (w.outputs = []),
      'config',
      'the stack has no CloudAlertsConfigDigest output',
    ],
    [
      'a leftover rule',
      (w) => w.defaultRules.push({ Name: 'cloud-alerts-dev-old-rule', State: 'ENABLED', EventPattern: '{}' }),
      'rules',
      'cloud-alerts-dev-old-rule on the default bus is not in serverless.yml',
    ],
    [
      'a secret stored in clear',
      (w) => {
        const p = w.parameters.find((x) => x.Name === '/cloud-alerts/dev/slack/default');
        if (p) p.Type = 'String';
      },
      'secret',
      'slack-default: /cloud-alerts/dev/slack/default is a String, not a SecureString',
    ],
    [
      'no confirmed e-mail subscription',
      (w) =>
        (w.subscriptions = [
          { SubscriptionArn: 'PendingConfirmation', Protocol: 'email', Endpoint: 'sec@example.com' },
        ]),
      'e-mail',
      "cloud-alerts-dev-alerts: no confirmed subscription, 1 waiting for confirmation: its mails (e-mail receivers, the pipeline's own alarms) reach nobody",
    ],
    [
      'dead letters',
      (w) => (w.depths = { [DLQS.NotifySlackDlq ?? '']: [3, 1] }),
      'dead letters',
      `cloud-alerts-dev-notify-slack-dlq holds 4 (1 being read): npx cloud-alerts dlq list --queue ${DLQS.NotifySlackDlq}`,
    ],
    [
      'alarms without data yet',
      (w) => {
        const alarm = w.alarms[0];
        if (alarm) alarm.StateValue = 'INSUFFICIENT_DATA';
      },
      'alarms',
      '1 alarm(s) have no data yet: normal for a few minutes after a deploy',
    ],
  ];

  it.each(warnings)('%s', async (_what, change, check, text) => {
    const world = healthyWorld();
    change(world);
    const { code, lines } = await doctor(world);
    expect(code).toBe(0);
    expect(lineOf(lines, 'warn', check)).toContain(text);
    expect(lines.at(-1)).toBe('doctor: healthy: 0 problems, 1 warning');
  });

  it('a first deploy minutes ago: no heartbeat yet and its alarm in ALARM are expected', async () => {
    const world = healthyWorld();
    world.created = minutesAgo(8);
    world.updated = minutesAgo(8);
    world.heartbeats = [];
    const p = world.parameters.find((x) => x.Name === '/cloud-alerts/dev/heartbeat');
    if (p) p.LastModifiedUser = 'arn:aws:sts::123456789012:assumed-role/cfn-deployer/AWSCloudFormation';
    const alarm = world.alarms.find((a) => a.AlarmName === ALARMS.HeartbeatMissingAlarm);
    if (alarm) Object.assign(alarm, { StateValue: 'ALARM', StateReason: 'Threshold Crossed: no datapoints' });
    const { code, lines } = await doctor(world);
    expect(code).toBe(0);
    expect(lineOf(lines, 'warn', 'heartbeat')).toContain(
      'none yet (the canary has not written yet): the canary writes every 10 minutes',
    );
    expect(lineOf(lines, 'warn', 'alarms')).toContain('(no heartbeat yet since the first deploy)');
  });
});

describe('the SDK clients doctor makes', () => {
  it('send SQS calls to an emulator’s endpoint, not to the host in the queue URL', () => {
    const sqs = sdkClients({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' })('eu-west-1').sqs;
    const real = sdkClients({})('eu-west-1').sqs;
    expect(sqs instanceof SQSClient && sqs.config.useQueueUrlAsEndpoint).toBe(false);
    expect(real instanceof SQSClient && real.config.useQueueUrlAsEndpoint).toBe(true);
  });

  it('are made once per region', () => {
    const clientsFor = sdkClients({});
    expect(clientsFor('us-east-1')).toBe(clientsFor('us-east-1'));
    expect(clientsFor('us-east-1')).not.toBe(clientsFor('eu-west-1'));
  });
});

describe('cloud-alerts doctor usage (exit 2)', () => {
  it.each([
    [['--bogus'], 'doctor: unknown option --bogus\n'],
    [['extra'], 'doctor: unexpected argument extra\n'],
    [['--stage', 'dev stage'], 'not a stage name: dev stage'],
    [['--region', 'Europe'], 'not a region: Europe'],
    [['--timeout', '30'], '--timeout goes with --send-test'],
    [['--send-test', '--timeout', '0'], '--timeout must be a whole number of seconds'],
    [['--send-test', '--timeout', 'soon'], '--timeout must be a whole number of seconds'],
    [['--serverless', '/nonexistent/serverless.yml'], '/nonexistent/serverless.yml not found'],
  ])('%j', async (args, message) => {
    const { code, stdout, stderr } = await runCli(['doctor', ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: cloud-alerts doctor');
  });

  it('is listed in cloud-alerts help', async () => {
    const { code, stdout } = await runCli(['help']);
    expect(code).toBe(0);
    expect(stdout).toContain('cloud-alerts doctor [--stage STAGE] [--region REGION]');
  });

  it('the README shows it in the Deploy section', () => {
    const readme = readFileSync('README.md', 'utf8');
    const deploy = readme.slice(readme.indexOf('## Deploy'), readme.indexOf('## Failure handling'));
    expect(deploy).toContain('npx cloud-alerts doctor --stage prod --region eu-west-1');
    expect(deploy).toContain('--send-test');
  });
});
