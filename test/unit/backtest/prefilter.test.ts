import { readFileSync } from 'node:fs';
import { patternsBySource } from '../../../shared/backtest/backtest.ts';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { listFiles } from '../../../shared/replay/load.ts';

/** The backtest's source prefilter must never drop a pattern that the full match would take. */
const patterns = readServerlessRules('serverless.yml', { stage: 'dev' })
  .filter((r) => r.bus === 'default')
  .map((r) => r.pattern);
const compiled = patterns.map((p) => compilePattern(p));
const candidatesFor = patternsBySource(patterns);

const samples = listFiles('events')
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>);
// The same events under sources a forger or a partner would use, and with none.
const variants = samples.flatMap((e) => [
  e,
  { ...e, source: 'acme.orders' },
  { ...e, source: 'aws.partner/example.com/1/x' },
  { ...e, source: 'AWS.s3' },
  { ...e, source: undefined },
]);

describe('patternsBySource', () => {
  it('keeps every pattern that matches, for every sample under every source', () => {
    expect(variants.length).toBeGreaterThan(500);
    let matched = 0;
    for (const event of variants) {
      const all = compiled.filter((p) => matchPattern(p, event)).length;
      const kept = candidatesFor(event.source).filter((p) => matchPattern(p, event)).length;
      expect([event.source, kept]).toEqual([event.source, all]);
      matched += all;
    }
    expect(matched).toBeGreaterThan(200);
  });

  it('leaves out the patterns that name other sources', () => {
    const forS3 = candidatesFor('aws.s3');
    expect(forS3.length).toBeLessThan(compiled.length);
    expect(forS3.length).toBeGreaterThan(0);
  });
});
