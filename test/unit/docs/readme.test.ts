import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../shared/config/load.ts';
import { CLOUDTRAIL_RULES } from '../../../shared/detect/catalog.ts';

const readme = readFileSync('README.md', 'utf8');
const shipped = readFileSync('config/cloud-alerts.yml', 'utf8');
const deployDoc = readFileSync('docs/deploy.md', 'utf8');
const serverlessYml = readFileSync('serverless.yml', 'utf8');

const readmeExample = /```yaml\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? '';

/** The shipped file from its first key: what the README shows, so the header comment may differ. */
function fromFirstKey(text: string): string {
  const start = text.search(/^[a-zA-Z]/m);
  return text.slice(start).trimEnd();
}

/** The commented-out example lines of the shipped file's noise-control block, as live YAML. */
function uncommentedNoiseControls(text: string): string {
  const lines = text.split('\n');
  const first = lines.findIndex((l) => l.startsWith('# allowList:'));
  const last = lines.findIndex((l) => l.startsWith('# alarms:'));
  return lines
    .slice(first, last + 1)
    .filter((l) => l !== '#')
    .map((l) => l.replace(/^# ?/, ''))
    .join('\n');
}

describe('README', () => {
  it('shows the shipped config/cloud-alerts.yml as its configuration example, from its first key', () => {
    expect(readmeExample).toBe(fromFirstKey(shipped));
  });

  it('shows a configuration example that is valid', () => {
    const config = parseConfig(readmeExample, { stage: 'prod', source: 'README.md' });
    expect(config.receivers.map((r) => r.name)).toEqual([
      'slack-default',
      'pagerduty-default',
      'email-default',
    ]);
  });

  it('shows commented noise controls that parse and state the defaults they claim', () => {
    const live = `${shipped}\n${uncommentedNoiseControls(shipped)}\n`;
    const withControls = parseConfig(live, { stage: 'prod', source: 'config/cloud-alerts.yml' });
    const plain = parseConfig(shipped, { stage: 'prod', source: 'config/cloud-alerts.yml' });
    expect(withControls.allowList).toHaveLength(1);
    expect(withControls.silences).toHaveLength(1);
    // The commented dedupe, grouping, flapping and alarms lines say "the defaults": they must be.
    expect(withControls.dedupe).toEqual(plain.dedupe);
    expect(withControls.grouping).toEqual(plain.grouping);
    expect(withControls.flapping).toEqual(plain.flapping);
    expect(withControls.alarms).toEqual(plain.alarms);
  });

  it('lists every catalog rule in its rule table', () => {
    const listed = [...readme.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual(CLOUDTRAIL_RULES.map((r) => r.id));
  });
});

describe('docs/deploy.md', () => {
  it('names every option, parameter and custom.cloudAlerts setting serverless.yml reads', () => {
    const options = [...serverlessYml.matchAll(/\$\{opt:([a-zA-Z]+)/g)].map((m) => `--${m[1]}`);
    const params = [...serverlessYml.matchAll(/\$\{param:([a-zA-Z]+)\}/g)].map((m) => m[1]);
    const block = /^ {2}cloudAlerts:\n((?: {4}.*\n|\s*\n)+)/m.exec(serverlessYml)?.[1] ?? '';
    const settings = [...block.matchAll(/^ {4}([a-zA-Z]+):/gm)].map((m) => m[1]);
    expect(options).toEqual(expect.arrayContaining(['--stage', '--region']));
    expect(params.length).toBeGreaterThan(0);
    expect(settings).toEqual(expect.arrayContaining(['allManagementEventsRules', 'globalEventsForwarded']));
    const section = deployDoc.slice(
      deployDoc.indexOf('## 3. Stage parameters'),
      deployDoc.indexOf('## 4. Deploy'),
    );
    for (const name of [...options, ...params, ...settings]) {
      expect({ name, documented: section.includes(`| \`${name}\``) }).toEqual({ name, documented: true });
    }
  });

  it('names in its parameter table every parameter params.default declares', () => {
    const block = /^params:\n {2}default:\n((?: {4}.*\n)+)/m.exec(serverlessYml)?.[1] ?? '';
    const declared = [...block.matchAll(/^ {4}([a-zA-Z]+):/gm)].map((m) => m[1]);
    expect(declared).toEqual(['alertsBusWriter', 'organizationId', 'emailSubscriptions']);
    for (const name of declared) expect(deployDoc).toContain(`| \`${name}\` |`);
  });
});
