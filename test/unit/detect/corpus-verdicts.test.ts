import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { rulesFor } from '../../../shared/detect/catalog.ts';
import { isRecord, str } from '../../../shared/detect/values.ts';
import { evaluate } from '../../../shared/pipeline/evaluate.ts';
import { inputsFromFile, listFiles } from '../../../shared/replay/load.ts';

/**
 * Real records written by other projects, in the shapes exports, SIEMs and fixtures give them
 * (explicit nulls, "true"/"false" strings, trimmed fields, stray keys): ../shared/corpus/cloudtrail-more
 * beside the repository (see its PROVENANCE.md). Each must reach its own rule: the generic fallback
 * is for calls no rule knows. Absent corpus → the table is empty and the test title says so.
 */
const DIR = resolve('../shared/corpus/cloudtrail-more');
const present = existsSync(DIR);
const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });

const results = present
  ? listFiles(DIR).flatMap((file) =>
      inputsFromFile(file).map((input) => {
        const name = input.source.slice(DIR.length + 1);
        const result = evaluate(input.event, config);
        const detail = isRecord(input.event) && isRecord(input.event.detail) ? input.event.detail : {};
        const call = [str(detail.eventSource) ?? '', str(detail.eventName) ?? ''] as const;
        return { name, result, call };
      }),
    )
  : [];
const verdictOf = (name: string) =>
  results.find((r) => r.name === name)?.result.alerts.map((a) => `${a.ruleId}:${a.severity}`);

describe(`records from ../shared/corpus/cloudtrail-more (${present ? `${results.length} records` : 'corpus absent: nothing to check'})`, () => {
  it('reads every record, or there is no corpus beside the repository', () => {
    if (!present) {
      expect(existsSync(DIR)).toBe(false);
      return;
    }
    expect(results.length).toBeGreaterThan(100);
    expect(results.filter((r) => r.result.rejected)).toEqual([]);
  });

  it('gives every record that names a call the catalog knows its own rule, never the generic fallback', () => {
    const known = results.filter((r) =>
      rulesFor(r.call[0], r.call[1]).some((rule) => rule.eventSource !== '*'),
    );
    if (present) expect(known.length).toBeGreaterThan(50);
    const generic = known
      .filter((r) => r.result.alerts.some((a) => a.ruleId === 'generic-event'))
      .map((r) => `${r.name}: ${r.result.warnings.join('; ')}`);
    expect(generic).toEqual([]);
  });

  it.each([
    ['fivexl-cloudtrail-to-slack/cloudtrail-stop-logging.json', 'cloudtrail-tampering:critical'],
    ['fivexl-cloudtrail-to-slack/cloudtrail-delete-trail.json', 'cloudtrail-tampering:critical'],
    ['permiso-cartographer/cloudtrail-stop-logging-trimmed.json', 'cloudtrail-tampering:critical'],
    ['permiso-cartographer/cloudtrail-delete-trail-trimmed.json', 'cloudtrail-tampering:critical'],
    ['fivexl-cloudtrail-to-slack/root-console-login-with-mfa.json', 'root-usage:critical'],
    [
      'permiso-cartographer/ec2-authorize-sg-ingress-ssh-world-trimmed.json',
      'security-group-open-ingress:high',
    ],
    ['permiso-cartographer/iam-create-access-key-trimmed.json', 'iam-access-key-created:high'],
    ['elastic-integrations/iam-create-access-key-for-other-user.json', 'iam-access-key-created:high'],
    ['fivexl-cloudtrail-to-slack/signin-console-login-without-mfa.json', 'console-login-without-mfa:high'],
  ])('%s → %s', (name, expected) => {
    if (!present) return expect(verdictOf(name)).toBeUndefined();
    expect(verdictOf(name)).toContain(expected);
  });
});
