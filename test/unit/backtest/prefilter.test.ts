import { readFileSync } from 'node:fs';
import { patternsFor } from '../../../shared/backtest/prefilter.ts';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { listFiles } from '../../../shared/replay/load.ts';

/** The backtest's source and name prefilter must never drop a pattern that the full match would take. */
const patterns = readServerlessRules('serverless.yml', { stage: 'dev' })
  .filter((r) => r.bus === 'default')
  .map((r) => r.pattern);
const compiled = patterns.map((p) => compilePattern(p));
const candidatesFor = patternsFor(patterns);
const named = (e: Record<string, unknown>) =>
  candidatesFor(e.source, (e.detail as Record<string, unknown> | undefined)?.eventName);

const samples = listFiles('events')
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>);
// The same events under sources a forger or a partner would use, and with none.
// And under names: another call, the name as a list (EventBridge matches any element), not a string, none.
const withName = (e: Record<string, unknown>, eventName: unknown) =>
  typeof e.detail === 'object' && e.detail !== null ? { ...e, detail: { ...e.detail, eventName } } : e;
const variants = samples.flatMap((e) => {
  const name = (e.detail as Record<string, unknown> | undefined)?.eventName;
  return [
    e,
    { ...e, source: 'acme.orders' },
    { ...e, source: 'aws.partner/example.com/1/x' },
    { ...e, source: 'AWS.s3' },
    { ...e, source: undefined },
    withName(e, 'ListBuckets'),
    withName(e, [name, 'ListBuckets']),
    withName(e, ['ListBuckets', name]),
    withName(e, 42),
    withName(e, undefined),
  ];
});

describe('patternsFor', () => {
  it('keeps every pattern that matches, for every sample under every source', () => {
    expect(variants.length).toBeGreaterThan(1000);
    let matched = 0;
    for (const event of variants) {
      const all = compiled.filter((p) => matchPattern(p, event)).length;
      const kept = named(event).filter((p) => matchPattern(p, event)).length;
      expect([event.source, kept]).toEqual([event.source, all]);
      matched += all;
    }
    expect(matched).toBeGreaterThan(200);
  });

  it('leaves out the patterns that name other sources, and other calls of the same source', () => {
    const forS3 = candidatesFor('aws.s3', undefined);
    expect(forS3.length).toBeLessThan(compiled.length);
    expect(forS3.length).toBeGreaterThan(0);
    const policy = candidatesFor('aws.s3', 'PutBucketPolicy');
    expect(policy.length).toBeGreaterThan(0);
    // A read no rule names is tried against fewer patterns than the source's full list.
    expect(candidatesFor('aws.s3', 'ListBuckets').length).toBeLessThan(policy.length);
  });
});
