import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFunctionBundle, functionEnv } from '../../bench/bundles.ts';
import { routesTestApp } from '../../cli/routes-test.ts';
import { type AlertApp, createAlertApp } from '../../shared/app/alert.ts';
import { ALERT_FUNCTION_ENV, lambdaAlertPorts, MissingConfigurationError } from '../../shared/app/lambda.ts';
import { localAlertPorts, recordingAlertPorts } from '../../shared/app/local-alert.ts';
import { compileConfig } from '../../shared/config/compiled.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import { readServerlessRules } from '../../shared/eventbridge/serverless.ts';
import { silentLogger } from '../../shared/pipeline/logger.ts';
import { createReplayer } from '../../shared/replay/replay.ts';

/** The alert function's chain, in order: what Lambda runs, and so what every local path must run. */
const CHAIN = ['alarm-context', 'allow-list', 'silence', 'flapping', 'dedupe', 'grouping', 'evidence'];

const names = (app: AlertApp) => app.stages.map((s) => s.name);
const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });
const dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-composition-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('one composition root for the alert function', () => {
  it('the Lambda handler runs the whole chain', async () => {
    const runtimeConfig = join(dir, 'cloud-alerts.json');
    writeFileSync(runtimeConfig, JSON.stringify(compileConfig(config, 'dev')));
    Object.assign(process.env, {
      CLOUD_ALERTS_RUNTIME_CONFIG: runtimeConfig,
      STAGE: 'dev',
      AWS_REGION: 'eu-west-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ALERTS_BUS_NAME: 'cloud-alerts-dev-alerts',
      STATE_TABLE_NAME: 'cloud-alerts-dev-state',
      GROUP_CLOSE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/cloud-alerts-dev-group-close',
      ACCOUNT_ID: '123456789012',
    });
    delete process.env.IS_LOCAL;
    const { app } = await import('../../functions/alert/handler.ts');
    expect(names(app)).toEqual(CHAIN);
  });

  it('replay runs the same chain', () => {
    const replay = createReplayer({ rules: readServerlessRules('serverless.yml', { stage: 'dev' }), config });
    expect(names(replay.app)).toEqual(CHAIN);
  });

  it('routes test runs the same chain', () => {
    expect(names(routesTestApp(config, [], { now: new Date() }))).toEqual(CHAIN);
  });

  it('invoke local runs the same chain (its output says so: test/integration/invoke-local.test.ts)', () => {
    const app = createAlertApp(config, localAlertPorts({}, { logger: silentLogger, print: () => {} }));
    expect(names(app)).toEqual(CHAIN);
  });

  it('the chain does not depend on which ports are given', () => {
    expect(names(createAlertApp(config, recordingAlertPorts([], {})))).toEqual(CHAIN);
  });

  // What would let the paths drift apart: a module that strings the pipeline together itself.
  it('nothing outside shared/app/alert.ts composes the pipeline', () => {
    const COMPOSING = /\b(defaultStages|runStages|handleAlertEvent|handleGroupCloseBatch|publishAlerts)\(/;
    // Where those are defined, and the one module that calls them.
    const allowed = new Set([
      'shared/app/alert.ts',
      'shared/pipeline/alert.ts',
      'shared/pipeline/default-stages.ts',
      'shared/pipeline/group-close.ts',
      'shared/pipeline/stages.ts',
    ]);
    const sources = (folder: string): string[] =>
      readdirSync(folder).flatMap((name) => {
        const path = `${folder}/${name}`;
        if (statSync(path).isDirectory()) return sources(path);
        return name.endsWith('.ts') ? [path] : [];
      });
    const composing = ['functions', 'shared', 'cli', 'scripts', 'bench']
      .flatMap(sources)
      .filter((file) => !allowed.has(file) && COMPOSING.test(readFileSync(file, 'utf8')));
    expect(composing).toEqual([]);
  });
});

describe('the alert function fails its cold start on missing configuration', () => {
  it('names every missing variable at once', () => {
    expect(() =>
      lambdaAlertPorts(config, { ALERTS_BUS_NAME: 'cloud-alerts-dev-alerts' }, { logger: silentLogger }),
    ).toThrow(
      new MissingConfigurationError(
        'alert function cannot start: environment variables STATE_TABLE_NAME, GROUP_CLOSE_QUEUE_URL, ACCOUNT_ID are not set (serverless.yml sets them on deploy)',
      ),
    );
  });

  let file: string;
  beforeAll(async () => {
    ({ file } = await buildFunctionBundle('alert', join(dir, 'bundle')));
  });

  it.each(ALERT_FUNCTION_ENV)('the bundle refuses to load without %s', (variable) => {
    const env = functionEnv(join(dir, 'bundle'));
    // The environment serverless.yml gives it, which loads (the control), then without one variable.
    const loads = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], {
      env,
      encoding: 'utf8',
    });
    expect(loads.status).toBe(0);
    delete env[variable];
    const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], {
      env,
      encoding: 'utf8',
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      `alert function cannot start: environment variable ${variable} is not set (serverless.yml sets it on deploy)`,
    );
  });
});
