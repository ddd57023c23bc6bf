import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { configDigest, readLocalSetup } from '../../../shared/doctor/local.ts';

describe('the configuration digest', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-digest-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['dev', 'prod'])(
    'is the SHA-256 of the file the package step compiles for %s (the one the plugin stamps)',
    (stage) => {
      const out = join(dir, `${stage}.json`);
      const run = spawnSync(process.execPath, ['bin/run-ts.js', 'scripts/build-config.ts', stage, out], {
        encoding: 'utf8',
      });
      expect(run.status).toBe(0);
      const stamped = createHash('sha256').update(readFileSync(out)).digest('hex');
      expect(configDigest(loadConfigFile('config/cloud-alerts.yml', { stage }), stage)).toBe(stamped);
    },
  );

  it('differs between stages and between configurations', () => {
    const dev = configDigest(loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' }), 'dev');
    const prod = configDigest(loadConfigFile('config/cloud-alerts.yml', { stage: 'prod' }), 'prod');
    const multi = configDigest(loadConfigFile('config/examples/multi-team.yml', { stage: 'dev' }), 'dev');
    expect(new Set([dev, prod, multi]).size).toBe(3);
  });
});

describe('readLocalSetup', () => {
  it('reads the service, prefix, rules for the region and the read-only rules of serverless.yml', () => {
    const local = readLocalSetup({
      serverlessFile: 'serverless.yml',
      configFile: 'config/cloud-alerts.yml',
      stage: 'prod',
      region: 'us-east-1',
    });
    expect(local.service).toBe('cloud-alerts');
    expect(local.prefix).toBe('cloud-alerts-prod');
    expect([...local.allManagementEventsRules].sort()).toEqual([
      'cloud-alerts-prod-root-usage',
      'cloud-alerts-prod-unauthorized-calls',
    ]);
    const heartbeat = local.rules.find((r) => r.name === 'cloud-alerts-prod-heartbeat');
    expect(JSON.stringify(heartbeat?.pattern)).toContain(
      '"userName":["cloud-alerts-prod-us-east-1-heartbeat"]',
    );
    expect(local.config.ok).toBe(true);
  });

  it('keeps a configuration that is invalid as an error, not a throw', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-local-'));
    const configFile = join(dir, 'bad.yml');
    writeFileSync(configFile, 'receivers: 3\n');
    try {
      const local = readLocalSetup({
        serverlessFile: 'serverless.yml',
        configFile,
        stage: 'dev',
        region: 'eu-west-1',
      });
      expect(local.config).toEqual({
        ok: false,
        error: expect.stringContaining(`${configFile}:1:12: receivers`),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('throws for a configuration that cannot be read: a usage error, as in every command', () => {
    expect(() =>
      readLocalSetup({
        serverlessFile: 'serverless.yml',
        configFile: '/nonexistent/cloud-alerts.yml',
        stage: 'dev',
        region: 'eu-west-1',
      }),
    ).toThrow('cannot read configuration /nonexistent/cloud-alerts.yml: no such file or folder');
  });
});
