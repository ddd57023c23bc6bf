import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { Context } from 'aws-lambda';
import { compileConfig } from '../../shared/config/compiled.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import { lambdaContext } from '../helpers/lambda.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const eventBridge = mockClient(EventBridgeClient);
const ssm = mockClient(SSMClient);
const dynamo = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);

const runtimeDir = mkdtempSync(join(tmpdir(), 'cloud-alerts-heartbeat-'));
const saved = { ...process.env };

beforeAll(() => {
  const runtimeConfig = join(runtimeDir, 'cloud-alerts.json');
  writeFileSync(
    runtimeConfig,
    JSON.stringify(compileConfig(loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' }), 'dev')),
  );
  // What serverless.yml gives the functions of the dev stage in eu-west-1.
  Object.assign(process.env, {
    CLOUD_ALERTS_RUNTIME_CONFIG: runtimeConfig,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake',
    STAGE: 'dev',
    ALERTS_BUS_NAME: 'cloud-alerts-dev-alerts',
    CLOUD_ALERTS_PREFIX: 'cloud-alerts-dev',
    ACCOUNT_ID: '123456789012',
    POWERTOOLS_SERVICE_NAME: 'cloud-alerts',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    HEARTBEAT_PARAMETER: '/cloud-alerts/dev/heartbeat',
    // The alert function refuses to start without them (shared/app/lambda.ts); DynamoDB is mocked.
    STATE_TABLE_NAME: 'cloud-alerts-dev-state',
    GROUP_CLOSE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/cloud-alerts-dev-group-close',
  });
  // Lambda's Powertools writes EMF to stdout, which this test reads; the test environment's dev mode
  // (test/setup/quiet-environment.js) would send it to the console instead.
  delete process.env.POWERTOOLS_DEV;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
});

afterAll(() => {
  process.env = saved;
  rmSync(runtimeDir, { recursive: true, force: true });
});

beforeEach(() => {
  eventBridge.reset();
  ssm.reset();
  dynamo.reset();
  documents.reset();
});

function sample(rel: string): unknown {
  return JSON.parse(readFileSync(`events/${rel}`, 'utf8'));
}

/** The EMF records a call wrote to stdout. */
async function emfDuring(run: () => Promise<unknown>): Promise<{ result: unknown; emf: unknown[] }> {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    const result = await run();
    const emf = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l));
    return { result, emf };
  } finally {
    write.mockRestore();
  }
}

describe('the alert function receives a heartbeat', () => {
  let handler: Handler;
  beforeAll(async () => {
    ({ handler } = await import('../../functions/alert/handler.ts'));
  });

  it('counts it in CloudAlerts/Heartbeat for its stage and puts nothing on the alerts bus', async () => {
    const { result, emf } = await emfDuring(() =>
      handler(sample('ssm/heartbeat.json'), lambdaContext('alert')),
    );
    expect(result).toEqual({ status: 'heartbeat', alerts: 0, notifications: 0, suppressed: [] });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    const beats = emf.filter((r) => JSON.stringify(r).includes('"Heartbeat"'));
    expect(beats).toEqual([
      expect.objectContaining({
        service: 'cloud-alerts',
        stage: 'dev',
        Heartbeat: 1,
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            {
              Namespace: 'CloudAlerts',
              Dimensions: [['service', 'stage']],
              Metrics: [{ Name: 'Heartbeat', Unit: 'Count' }],
            },
          ],
        }),
      }),
    ]);
  });

  it('sends a denied canary write to people and counts no heartbeat', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const { result, emf } = await emfDuring(() =>
      handler(sample('ssm/heartbeat-denied.json'), lambdaContext('alert')),
    );
    expect(result).toMatchObject({ status: 'published', alerts: 1 });
    expect(eventBridge).toHaveReceivedCommand(PutEventsCommand);
    expect(emf.filter((r) => JSON.stringify(r).includes('"Heartbeat"'))).toEqual([]);
  });
});

describe('the heartbeat canary', () => {
  it('overwrites its parameter with the time, standard tier, and nothing else', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 7, Tier: 'Standard' });
    const { handler } = await import('../../functions/heartbeat/handler.ts');
    const before = Date.now();
    const out = await handler();
    expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    const input = ssm.commandCalls(PutParameterCommand)[0]?.args[0].input;
    expect(input).toEqual({
      Name: '/cloud-alerts/dev/heartbeat',
      Value: out.time,
      Type: 'String',
      Tier: 'Standard',
      Overwrite: true,
    });
    expect(Date.parse(out.time)).toBeGreaterThanOrEqual(before - 1);
    expect(ssm.calls()).toHaveLength(1);
  });

  it('throws when the write fails, so Lambda retries it', async () => {
    ssm.on(PutParameterCommand).rejects(new Error('AccessDeniedException: not authorized'));
    const { handler } = await import('../../functions/heartbeat/handler.ts');
    await expect(handler()).rejects.toThrow('not authorized');
  });
});
