import { Metrics } from '@aws-lambda-powertools/metrics';
import { jest } from '@jest/globals';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { forwarderTemplate } from '../../../shared/deploy/forwarder.ts';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import {
  HEARTBEAT_METRIC,
  type HeartbeatIdentity,
  heartbeatIdentityFromEnv,
  heartbeatParameterName,
  heartbeatRoleName,
  heartbeatRuleName,
  isHeartbeat,
  isHeartbeatRule,
  powertoolsHeartbeat,
  replayHeartbeatIdentity,
} from '../../../shared/heartbeat/heartbeat.ts';
import { handleAlertEvent } from '../../../shared/pipeline/alert.ts';
import { silentLogger } from '../../../shared/pipeline/logger.ts';
import { METRICS_NAMESPACE } from '../../../shared/stages/metrics.ts';
import { detailOf, loadEvent } from '../../helpers/events.ts';

/** What the alert function of the dev stack in eu-west-1, account 123456789012, runs with. */
const LAMBDA_ENV = {
  CLOUD_ALERTS_PREFIX: 'cloud-alerts-dev',
  STAGE: 'dev',
  ACCOUNT_ID: '123456789012',
  AWS_REGION: 'eu-west-1',
};

function lambdaIdentity(): HeartbeatIdentity {
  const identity = heartbeatIdentityFromEnv(LAMBDA_ENV);
  if (!identity) throw new Error('no identity from a complete environment');
  return identity;
}

function issuerOf(event: Record<string, unknown>): Record<string, unknown> {
  const identity = detailOf(event).userIdentity as Record<string, Record<string, Record<string, unknown>>>;
  const issuer = identity.sessionContext?.sessionIssuer;
  if (!issuer) throw new Error('sample has no session issuer');
  return issuer;
}

describe('heartbeatIdentityFromEnv', () => {
  it('derives the parameter and role from the prefix, stage, account and region serverless.yml sets', () => {
    expect(lambdaIdentity()).toEqual({
      prefix: 'cloud-alerts-dev',
      parameterName: '/cloud-alerts/dev/heartbeat',
      account: '123456789012',
      region: 'eu-west-1',
    });
  });

  it.each(Object.keys(LAMBDA_ENV))('recognises nothing without %s', (name) => {
    expect(heartbeatIdentityFromEnv({ ...LAMBDA_ENV, [name]: undefined })).toBeUndefined();
    expect(heartbeatIdentityFromEnv({ ...LAMBDA_ENV, [name]: '' })).toBeUndefined();
  });

  it('refuses a prefix that is not <service>-<stage>', () => {
    expect(
      heartbeatIdentityFromEnv({ ...LAMBDA_ENV, CLOUD_ALERTS_PREFIX: 'cloud-alerts-prod' }),
    ).toBeUndefined();
    expect(heartbeatIdentityFromEnv({ ...LAMBDA_ENV, CLOUD_ALERTS_PREFIX: '-dev' })).toBeUndefined();
  });

  it('keeps a service name with dashes whole', () => {
    expect(
      heartbeatIdentityFromEnv({ ...LAMBDA_ENV, CLOUD_ALERTS_PREFIX: 'acme-sec-alerts-dev' })?.parameterName,
    ).toBe('/acme-sec-alerts/dev/heartbeat');
  });
});

describe('isHeartbeat', () => {
  it('recognises the canary’s write as CloudTrail delivers it', () => {
    expect(isHeartbeat(loadEvent('ssm/heartbeat.json'), lambdaIdentity())).toBe(true);
  });

  const notHeartbeats: Array<[string, (e: Record<string, unknown>) => void]> = [
    ['a custom source (anyone may put it)', (e) => (e.source = 'acme.ssm')],
    ['a SaaS partner source', (e) => (e.source = 'aws.partner/example.com/ssm')],
    ['another AWS source', (e) => (e.source = 'aws.events')],
    ['a detail-type that differs in case', (e) => (e['detail-type'] = 'aws api call via cloudtrail')],
    ['a member account’s copy', (e) => (e.account = '210987654321')],
    ['another region', (e) => (e.region = 'us-east-1')],
    ['a denied write', (e) => (detailOf(e).errorCode = 'AccessDeniedException')],
    ['a failed write with only a message', (e) => (detailOf(e).errorMessage = 'throttled')],
    ['another call', (e) => (detailOf(e).eventName = 'DeleteParameter')],
    ['another service', (e) => (detailOf(e).eventSource = 'secretsmanager.amazonaws.com')],
    [
      'another parameter',
      (e) => (detailOf(e).requestParameters = { name: '/cloud-alerts/dev/slack/default' }),
    ],
    ['no request parameters', (e) => delete detailOf(e).requestParameters],
    ['the prod stage’s canary', (e) => (issuerOf(e).userName = 'cloud-alerts-prod-eu-west-1-heartbeat')],
    ['a role of the same name in another account', (e) => (issuerOf(e).accountId = '210987654321')],
    ['a user named like the role', (e) => (issuerOf(e).type = 'User')],
    ['no session', (e) => (detailOf(e).userIdentity = { type: 'AssumedRole', accountId: '123456789012' })],
    ['no detail', (e) => delete e.detail],
  ];
  it.each(notHeartbeats)('does not take %s for a heartbeat', (_what, change) => {
    const event = loadEvent('ssm/heartbeat.json');
    change(event);
    expect(isHeartbeat(event, lambdaIdentity())).toBe(false);
  });

  it.each(['ssm/heartbeat-denied.json', 'ssm/heartbeat-other-writer.json', 'ssm/delete-parameter.json'])(
    'does not take the sample %s for a heartbeat',
    (file) => {
      expect(isHeartbeat(loadEvent(file), lambdaIdentity())).toBe(false);
    },
  );

  it.each([null, 'heartbeat', 42, [], {}])('does not take %p for a heartbeat', (input) => {
    expect(isHeartbeat(input, lambdaIdentity())).toBe(false);
  });

  it('in replay, with no deployment around it, takes the event’s own account and region', () => {
    const event = loadEvent('ssm/heartbeat.json');
    expect(isHeartbeat(event, replayHeartbeatIdentity('cloud-alerts', 'dev'))).toBe(true);
    expect(isHeartbeat(event, replayHeartbeatIdentity('cloud-alerts', 'prod'))).toBe(false);
    // The role's account must still be the event's.
    issuerOf(event).accountId = '210987654321';
    expect(isHeartbeat(event, replayHeartbeatIdentity('cloud-alerts', 'dev'))).toBe(false);
  });
});

describe('the heartbeat rule in serverless.yml', () => {
  const cases = [
    ['dev', 'eu-west-1'],
    ['prod', 'us-east-1'],
  ] as const;

  it.each(cases)('names the parameter and role the predicate expects (%s, %s)', (stage, region) => {
    const rules = readServerlessRules('serverless.yml', { stage, region });
    const rule = rules.find((r) => r.name === `cloud-alerts-${stage}-heartbeat`);
    expect(rule?.functionKey).toBe('alert');
    expect(rule?.bus).toBe('default');
    expect(rule?.pattern).toEqual({
      source: ['aws.ssm'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['ssm.amazonaws.com'],
        eventName: ['PutParameter'],
        errorCode: [{ exists: false }],
        requestParameters: { name: [heartbeatParameterName('cloud-alerts', stage)] },
        userIdentity: {
          sessionContext: {
            sessionIssuer: { userName: [heartbeatRoleName(`cloud-alerts-${stage}`, region)] },
          },
        },
      },
    });
  });

  it('delivers the sample the predicate recognises, and no write by anyone else', () => {
    const rules = readServerlessRules('serverless.yml', { stage: 'dev' });
    const pattern = compilePattern(rules.find((r) => r.name === 'cloud-alerts-dev-heartbeat')?.pattern);
    expect(matchPattern(pattern, loadEvent('ssm/heartbeat.json'))).toBe(true);
    expect(matchPattern(pattern, loadEvent('ssm/heartbeat-other-writer.json'))).toBe(false);
    expect(matchPattern(pattern, loadEvent('ssm/heartbeat-denied.json'))).toBe(false);
  });
});

describe('the forwarder templates', () => {
  const rules = readServerlessRules('serverless.yml', { stage: 'dev' });

  it('leave the heartbeat rule out: it proves the home account’s own trail', () => {
    expect(rules.filter(isHeartbeatRule).map((r) => r.name)).toEqual([heartbeatRuleName('cloud-alerts-dev')]);
    const template = forwarderTemplate(rules, {
      targetBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/default',
      globalOnly: false,
    });
    const names = Object.values(template.Resources as Record<string, { Properties?: { Name?: string } }>).map(
      (r) => r.Properties?.Name,
    );
    expect(names).toContain('cloud-alerts-dev-iam-changes-forward');
    expect(names.filter((n) => n?.includes('heartbeat'))).toEqual([]);
  });
});

describe('handleAlertEvent with a heartbeat', () => {
  const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });

  function deps() {
    const beats: number[] = [];
    const put: unknown[] = [];
    return {
      beats,
      put,
      deps: {
        config,
        busName: 'bus',
        logger: silentLogger,
        putEvents: async (entries: unknown[]) => {
          put.push(...entries);
          return { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: 'e' })) };
        },
        stages: [
          {
            name: 'must-not-run',
            run: async () => {
              throw new Error('a heartbeat reached the stages');
            },
          },
        ],
        heartbeat: { identity: lambdaIdentity(), metric: { beat: () => beats.push(1) } },
      },
    };
  }

  it('counts the canary’s write once and sends nothing', async () => {
    const d = deps();
    const outcome = await handleAlertEvent(loadEvent('ssm/heartbeat.json'), d.deps);
    expect(outcome).toEqual({ status: 'heartbeat', alerts: 0, notifications: 0, suppressed: [] });
    expect(d.beats).toEqual([1]);
    expect(d.put).toEqual([]);
  });

  it('sends a denied canary write to people as an unauthorized call, counting nothing', async () => {
    const d = deps();
    d.deps.stages = [];
    const outcome = await handleAlertEvent(loadEvent('ssm/heartbeat-denied.json'), d.deps);
    expect(outcome.status).toBe('published');
    expect(d.beats).toEqual([]);
    expect(d.put.length).toBeGreaterThan(0);
  });

  it('without the heartbeat wiring, the write is a known call that nothing counts', async () => {
    const d = deps();
    const { heartbeat: _unused, ...without } = d.deps;
    without.stages = [];
    const outcome = await handleAlertEvent(loadEvent('ssm/heartbeat.json'), without);
    // alerting-secret-changed watches PutParameter on our parameters and leaves the heartbeat's alone.
    expect(outcome.status).toBe('quiet');
    expect(d.put).toEqual([]);
  });
});

describe('powertoolsHeartbeat', () => {
  // As in Lambda: EMF on stdout, which this test reads, not the test environment's dev-mode console.
  beforeAll(() => {
    delete process.env.POWERTOOLS_DEV;
    delete process.env.POWERTOOLS_METRICS_DISABLED;
  });

  it('writes one EMF record with the namespace, metric and dimensions the alarm names', () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'cloud-alerts' });
      powertoolsHeartbeat(metrics, 'dev').beat();
    } finally {
      write.mockRestore();
    }
    const records = lines.map((l) => JSON.parse(l));
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'CloudAlerts',
        Dimensions: [['service', 'stage']],
        Metrics: [{ Name: HEARTBEAT_METRIC, Unit: 'Count' }],
      },
    ]);
    expect(record).toMatchObject({ service: 'cloud-alerts', stage: 'dev', Heartbeat: 1 });
  });
});
