import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig, readCompiledConfig } from '../../../shared/config/compiled.ts';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { loadRuntimeConfig } from '../../../shared/config/runtime.ts';

const FILE = '/var/task/config/cloud-alerts.json';
const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'prod' });

describe('readCompiledConfig', () => {
  it('returns the configuration a compile wrote, unchanged', () => {
    const compiled = JSON.parse(JSON.stringify(compileConfig(config, 'prod')));
    expect(readCompiledConfig(compiled, FILE, 'prod')).toEqual(config);
  });

  it('refuses a configuration that did not go through the package step, naming the file', () => {
    expect(() => readCompiledConfig(JSON.parse(JSON.stringify(config)), FILE)).toThrow(
      `${FILE} is not a configuration compiled by 'serverless package': it has no compiledBy marker`,
    );
  });

  it('refuses a file of another format', () => {
    const compiled = { ...compileConfig(config, 'prod'), format: 2 };
    expect(() => readCompiledConfig(compiled, FILE)).toThrow('its format is 2, this code reads 1');
  });

  it('lists every part that is missing or of the wrong kind', () => {
    const { receivers: _receivers, ...rest } = config;
    const compiled = { ...compileConfig(config, 'prod'), config: { ...rest, route: [] } };
    expect(() => readCompiledConfig(compiled, FILE)).toThrow(
      'config.receivers is not a list; config.route is not an object',
    );
  });

  it("refuses an artifact packaged for another stage, so prod's alerts never go to dev's receivers", () => {
    const compiled = compileConfig(loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' }), 'dev');
    expect(() => readCompiledConfig(compiled, FILE, 'prod')).toThrow(
      `${FILE} was compiled for stage "dev" but this function runs in stage "prod": package with --stage prod before deploying.`,
    );
  });
});

describe('loadRuntimeConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-compiled-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads what scripts/build-config.ts writes for the stage', () => {
    const out = join(dir, 'built.json');
    const run = spawnSync(process.execPath, ['bin/run-ts.js', 'scripts/build-config.ts', 'prod', out], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({
      compiledBy: 'cloud-alerts',
      stage: 'prod',
    });
    expect(loadRuntimeConfig({ CLOUD_ALERTS_RUNTIME_CONFIG: out, STAGE: 'prod' })).toEqual(config);
  });

  it('fails the cold start with the path when the file is missing or not JSON', () => {
    const missing = join(dir, 'missing.json');
    expect(() => loadRuntimeConfig({ CLOUD_ALERTS_RUNTIME_CONFIG: missing })).toThrow(
      `cloud-alerts configuration not found at ${missing}`,
    );
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"compiledBy": "cloud-alerts",');
    expect(() => loadRuntimeConfig({ CLOUD_ALERTS_RUNTIME_CONFIG: broken })).toThrow(
      `cloud-alerts configuration at ${broken} is not JSON`,
    );
  });
});
