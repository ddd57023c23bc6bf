/**
 * The emulated-AWS tier, prod stage: the same stack with prod's parameters deploys, and its bundles
 * page prod's receivers (each artifact carries the configuration compiled for its stage).
 */
import { join } from 'node:path';
import { readServerlessRules } from '../../shared/eventbridge/serverless.ts';
import { loadEvent } from '../helpers/events.ts';
import { REPO } from './kit/deploy.ts';
import { MOTO_ACCOUNT, REGION } from './kit/moto.ts';
import { drain, parseEnvelope } from './kit/queues.ts';
import { type DeployedStage, deployToEmulator } from './kit/stage.ts';

const STAGE = 'prod';
const PREFIX = `cloud-alerts-${STAGE}`;

let s: DeployedStage;

beforeAll(async () => {
  s = await deployToEmulator(STAGE);
}, 300_000);

afterAll(async () => {
  await s?.stop();
});

describe('serverless deploy --stage prod', () => {
  it('names every function, rule and queue for prod, and compiles the configuration for prod', () => {
    for (const fn of Object.values(s.snapshot.functions)) {
      expect(fn.name.startsWith(`${PREFIX}-`)).toBe(true);
      expect(fn.environment.STAGE).toBe(STAGE);
    }
    const declared = readServerlessRules(join(REPO, 'serverless.yml'), { stage: STAGE, region: REGION });
    const deployed = [...s.snapshot.rules.default, ...s.snapshot.rules.alerts].map((r) => r.name);
    expect(deployed).toEqual(expect.arrayContaining(declared.map((r) => r.name)));
    expect(Object.keys(s.snapshot.queues).every((q) => q.startsWith(`${PREFIX}-`))).toBe(true);
  });

  it('subscribes the e-mail list of params.prod.emailSubscriptions to the alerts topic', () => {
    expect(s.snapshot.topic.subscriptions).toEqual([
      { protocol: 'email', endpoint: 'security-alerts@example.com' },
    ]);
  });

  it('pages prod’s receivers: the alert reaches Slack through the prod bus with prod’s secret', async () => {
    const alert = await s.run('alert', loadEvent('s3/put-bucket-acl-public-read.json'));
    expect(alert.refusedConnections).toEqual([]);
    expect(alert).toMatchObject({ ok: true });
    const [request] = await drain(s.operator.sqs, s.capture.slack, 1);
    const envelope = parseEnvelope(request ?? '', MOTO_ACCOUNT);
    const slack = await s.run('notifySlack', envelope);
    expect(slack.refusedConnections).toEqual([]);
    expect(slack.result).toEqual({ status: 'delivered', receiver: 'slack-default' });
    expect(s.slack.received.map((r) => r.path)).toEqual([new URL(s.secrets.slackWebhookUrl).pathname]);
    expect(slack.logs).not.toContain(s.secrets.slackWebhookUrl);
  });
});
