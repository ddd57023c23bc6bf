import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../shared/config/load.ts';
import { CLOUDTRAIL_RULES } from '../../../shared/detect/catalog.ts';

const readme = readFileSync('README.md', 'utf8');

describe('README', () => {
  it('shows a configuration example that is valid', () => {
    const example = /```yaml\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(example).toContain('allowList:');
    const config = parseConfig(example ?? '', { stage: 'prod', source: 'README.md' });
    expect(config.receivers.map((r) => r.name)).toEqual([
      'slack-default',
      'pagerduty-default',
      'email-default',
    ]);
  });

  it('lists every catalog rule in its rule table', () => {
    const listed = [...readme.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual(CLOUDTRAIL_RULES.map((r) => r.id));
  });
});
