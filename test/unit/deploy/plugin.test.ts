import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../../../shared/config/compiled.ts';
import { loadConfigFile } from '../../../shared/config/load.ts';

interface PluginInstance {
  hooks: Record<string, () => unknown>;
  validateOrganizationId(): void;
}
type PluginClass = new (serverless: unknown, options: unknown, utils: unknown) => PluginInstance;

// osls require()s its plugins: the plugin is CommonJS, loaded here the same way.
const Plugin: PluginClass = createRequire(import.meta.url)('../../../scripts/serverless-cloud-alerts.cjs');

function pluginWith(cloudAlerts: Record<string, unknown>): PluginInstance {
  const serverless = {
    service: { custom: { cloudAlerts }, provider: { stage: 'dev', region: 'eu-west-1' } },
    classes: { Error },
  };
  return new Plugin(serverless, {}, { log: { warning: () => {} } });
}

describe('the serverless plugin', () => {
  it.each(['o-ABC123DEF4', 'o-abc', 'abc123def45', 'o-abc123def4 '])(
    'refuses organizationId %p, which would let no member account forward anything',
    (id) => {
      expect(() => pluginWith({ organizationId: id }).validateOrganizationId()).toThrow(
        `organizationId "${id}" is not an AWS Organizations id`,
      );
    },
  );

  it.each(['', 'o-abc123def4', `o-${'a'.repeat(32)}`])('accepts organizationId %p', (id) => {
    expect(() => pluginWith({ organizationId: id }).validateOrganizationId()).not.toThrow();
  });

  it('finishes the template after osls merged resources/*.yml into it, before writing it', () => {
    expect(Object.keys(pluginWith({}).hooks)).toContain('before:aws:package:finalize:saveServiceState');
  });
});

describe('scripts/finalize-template.ts', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-finalize-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[], input: string) =>
    spawnSync(process.execPath, ['bin/run-ts.js', 'scripts/finalize-template.ts', ...args], {
      input,
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('reads the template on stdin and writes it back with the receivers and evidence policies', () => {
    const compiled = join(dir, 'cloud-alerts.json');
    const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'qa' });
    writeFileSync(compiled, JSON.stringify(compileConfig(config, 'qa')));
    const roles = ['AlertRole', 'NotifySlackRole', 'NotifyPagerDutyRole', 'NotifyEmailRole'];
    const template = {
      Conditions: { Org: { 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] } },
      Resources: Object.fromEntries(roles.map((id) => [id, { Type: 'AWS::IAM::Role', Properties: {} }])),
    };
    const out = run([compiled, 'qa'], JSON.stringify(template));
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const written = JSON.parse(out.stdout);
    expect(written.Conditions).toBeUndefined();
    expect(
      roles.map((id) =>
        written.Resources[id].Properties.Policies.map((p: { PolicyName: string }) => p.PolicyName),
      ),
    ).toEqual([
      ['alert-evidence'],
      ['notify-slack-receivers'],
      ['notify-pagerduty-receivers'],
      ['notify-email-receivers'],
    ]);
  });

  it('refuses a configuration compiled for another stage, saying so', () => {
    const compiled = join(dir, 'cloud-alerts.json');
    const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'qa' });
    writeFileSync(compiled, JSON.stringify(compileConfig(config, 'qa')));
    const out = run([compiled, 'prod'], JSON.stringify({ Resources: {} }));
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/was compiled for stage "qa" but this function runs in stage "prod"/);
  });
});
