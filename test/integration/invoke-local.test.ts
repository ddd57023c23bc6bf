import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * `serverless invoke local -f <fn> -p <sample>` for each function, as a new user would run it: no AWS
 * account, no credentials (a fresh HOME without ~/.aws, none in the environment). The command must
 * print what the function would do, exit 0, and exit on its own: a timer left running (Middy's SSM
 * refresh, say) would keep the process alive until the kill below.
 */

// What `npx serverless` runs, without npx (whose update check would reach the npm registry).
const SERVERLESS = resolve('node_modules/.bin/serverless');
/** Far more than an invocation takes even on a busy machine; reaching it means the process hung. */
const HANG_MS = 90_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'cloud-alerts-invoke-local-home-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function invokeLocal(fn: string, sample: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [SERVERLESS, 'invoke', 'local', '-f', fn, '-p', sample], {
      env: {
        PATH: process.env.PATH,
        HOME: home,
        // No instance metadata either: this machine is not an EC2 instance with a role to fall back on.
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** The handler's return value: osls prints it last, as indented JSON. */
function returned(stdout: string): unknown {
  const start = stdout.lastIndexOf('\n{\n');
  return JSON.parse(stdout.slice(start + 1));
}

function expectFinished(run: Run): void {
  expect({ code: run.code, signal: run.signal, stderr: run.code === 0 ? '' : run.stderr }).toEqual({
    code: 0,
    signal: null,
    stderr: '',
  });
  expect(run.stderr).toContain('cloud-alerts: invoke local runs the handler on local stand-ins');
}

describe('serverless invoke local, with no AWS account', () => {
  it(
    'alert: runs the chain Lambda runs and prints what it would put on the alerts bus',
    async () => {
      const run = await invokeLocal('alert', 'events/s3/put-bucket-acl-public-read.json');
      expectFinished(run);
      expect(run.stderr).toContain(
        'Known only once deployed, shown as placeholders: GROUP_CLOSE_QUEUE_URL, ACCOUNT_ID, ALARM_READER_ROLE_NAME.',
      );
      expect(run.stdout).toContain(
        'alert stages: alarm-context → allow-list → silence → flapping → dedupe → grouping → evidence\n',
      );
      expect(run.stdout).toContain(
        [
          'alert would put 4 event(s) on cloud-alerts-dev-alerts (invoke local: nothing was sent):',
          '  Alert Raised: s3-bucket-acl-public critical firing: S3 bucket made public by ACL',
          '  Notification Requested: slack → slack-default',
          '  Notification Requested: pagerduty → pagerduty-default',
          '  Notification Requested: email → email-default',
        ].join('\n'),
      );
      expect(returned(run.stdout)).toEqual({
        status: 'published',
        alerts: 1,
        notifications: 3,
        suppressed: [],
      });
    },
    HANG_MS + 10_000,
  );

  it(
    'notifySlack: prints the Block Kit message and the parameter its webhook would come from',
    async () => {
      const run = await invokeLocal('notifySlack', 'alerts-bus/notify-slack.json');
      expectFinished(run);
      expect(run.stdout).toContain(
        'notify-slack would POST to <webhook URL from SSM /cloud-alerts/dev/slack/default> (invoke local: nothing was sent):\n{\n  "text": "<!here> [CRITICAL] S3 bucket made public by ACL',
      );
      expect(run.stdout).toContain('"type": "header"');
      expect(returned(run.stdout)).toEqual({ status: 'delivered', receiver: 'slack-default' });
    },
    HANG_MS + 10_000,
  );

  it(
    'notifyPagerDuty: prints the Events API request with the parameter in place of the routing key',
    async () => {
      const run = await invokeLocal('notifyPagerDuty', 'alerts-bus/notify-pagerduty.json');
      expectFinished(run);
      expect(run.stdout).toContain(
        'notify-pagerduty would POST to https://events.pagerduty.com/v2/enqueue (invoke local: nothing was sent):\n{\n  "routing_key": "<routing key from SSM /cloud-alerts/dev/pagerduty/default>",\n  "event_action": "trigger",',
      );
      expect(returned(run.stdout)).toEqual({ status: 'delivered', receiver: 'pagerduty-default' });
    },
    HANG_MS + 10_000,
  );

  it(
    'notifyEmail: prints the SNS Publish request, addressed to the topic the deploy creates',
    async () => {
      const run = await invokeLocal('notifyEmail', 'alerts-bus/notify-email.json');
      expectFinished(run);
      expect(run.stdout).toContain(
        'notify-email would call SNS Publish (invoke local: nothing was sent):\n{\n  "TopicArn": "<set on deploy: Ref AlertsTopic>",\n  "Subject": "[CRITICAL] S3 bucket made public by ACL in example-production (123456789012)",',
      );
      expect(returned(run.stdout)).toEqual({ status: 'delivered', receiver: 'email-default' });
    },
    HANG_MS + 10_000,
  );

  it(
    'heartbeat: prints the PutParameter it would make, and writes nothing with the user’s credentials',
    async () => {
      // The canary ignores its event; any file will do as the payload invoke local insists on.
      const run = await invokeLocal('heartbeat', 'events/ssm/heartbeat.json');
      expectFinished(run);
      expect(run.stdout).toContain(
        'serverless invoke local: would call ssm:PutParameter {"Name":"/cloud-alerts/dev/heartbeat"',
      );
      expect(run.stdout).toContain('(nothing sent)');
    },
    HANG_MS + 10_000,
  );
});
