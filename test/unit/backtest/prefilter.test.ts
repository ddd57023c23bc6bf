import { readFileSync } from 'node:fs';
import { patternsFor } from '../../../shared/backtest/prefilter.ts';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { listFiles } from '../../../shared/replay/load.ts';
import { alertFunctionRules, ruleMatcher } from '../../../shared/replay/replay.ts';

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
const withDetail = (e: Record<string, unknown>, fields: Record<string, unknown>) =>
  typeof e.detail === 'object' && e.detail !== null ? { ...e, detail: { ...e.detail, ...fields } } : e;
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
    // The fields the quick detail test reads: an error code, the caller's type, in every shape.
    withDetail(e, { errorCode: 'AccessDeniedException' }),
    withDetail(e, { errorCode: 'Client.UnauthorizedOperation' }),
    withDetail(e, { errorCode: ['AccessDenied'] }),
    withDetail(e, { errorCode: 42 }),
    withDetail(e, { errorCode: null }),
    withDetail(e, { userIdentity: { type: 'Root' } }),
    withDetail(e, { userIdentity: { type: ['Root'] } }),
    withDetail(e, { userIdentity: [{ type: 'Root' }] }),
    withDetail(e, { userIdentity: undefined }),
    withDetail(e, { userIdentity: 'Root' }),
  ];
});

describe('patternsFor', () => {
  it('keeps every pattern that matches, for every sample under every source', () => {
    expect(variants.length).toBeGreaterThan(2000);
    let matched = 0;
    for (const event of variants) {
      const all = compiled.filter((p) => matchPattern(p, event)).length;
      const kept = named(event).filter(
        (p) => p.mayMatch(event.detail) && matchPattern(p.compiled, event),
      ).length;
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

  it('keeps every pattern for an event whose source is missing or not a string (found in review)', () => {
    const odd = [
      { source: [{ exists: false }] },
      { source: [{ exists: true }] },
      { source: [5] },
      { source: [{ 'anything-but': 'aws.s3' }] },
      { source: [{ prefix: 'aws.' }, 5] },
      { source: ['aws.s3'] },
    ];
    const judge = patternsFor(odd);
    const events = [
      { detail: {} },
      { source: 5, detail: {} },
      { source: ['aws.s3'], detail: {} },
      { source: null },
    ];
    let matches = 0;
    for (const event of events) {
      for (const pattern of odd) {
        if (!matchPattern(compilePattern(pattern), event)) continue;
        matches++;
        const kept = judge(event.source, undefined).some(
          (p) => p.mayMatch(event.detail) && matchPattern(p.compiled, event),
        );
        expect([pattern, event, kept]).toEqual([pattern, event, true]);
      }
    }
    expect(matches).toBeGreaterThanOrEqual(6);
  });

  it('follows $or: rules out a record no branch can match, keeps every one a branch matches', () => {
    const pattern = {
      source: ['aws.logs'],
      detail: {
        $or: [
          { eventName: ['DeleteLogGroup'] },
          { eventName: ['PutRetentionPolicy'], requestParameters: { logGroupName: [{ prefix: '/aws/' }] } },
        ],
      },
    };
    const compiledOne = compilePattern(pattern);
    const [candidate] = patternsFor([pattern])('aws.logs', undefined);
    if (!candidate) throw new Error('the pattern names aws.logs');
    const details = [
      { eventName: 'DeleteLogGroup' },
      { eventName: 'PutRetentionPolicy', requestParameters: { logGroupName: '/aws/lambda/x' } },
      { eventName: 'PutRetentionPolicy', requestParameters: { logGroupName: ['/other', '/aws/y'] } },
      { eventName: 'PutRetentionPolicy', requestParameters: [{ logGroupName: '/aws/z' }] },
      { eventName: ['CreateLogStream', 'DeleteLogGroup'] },
      { eventName: 'PutRetentionPolicy', requestParameters: { logGroupName: '/other' } },
      { eventName: 'PutRetentionPolicy' },
      { eventName: 'CreateLogStream' },
      {},
    ];
    const verdicts = details.map((detail) => {
      const event = { source: 'aws.logs', detail };
      return [matchPattern(compiledOne, event), candidate.mayMatch(detail)];
    });
    // Never "cannot match" where the engine matches; "cannot match" for the plain misses.
    for (const [matches, may] of verdicts) if (matches) expect(may).toBe(true);
    expect(verdicts.map(([, may]) => may)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('rules out, from the detail alone, the patterns an ordinary read cannot match', () => {
    const read = { eventName: 'ListBuckets', userIdentity: { type: 'AssumedRole' } };
    const left = candidatesFor('aws.s3', 'ListBuckets').filter((p) => p.mayMatch(read));
    expect(left).toEqual([]);
    // A denied read is still tried against the pattern for denied calls.
    const denied = candidatesFor('aws.s3', 'ListBuckets').filter((p) =>
      p.mayMatch({ ...read, errorCode: 'AccessDenied' }),
    );
    expect(denied.length).toBe(1);
  });
});

describe('ruleMatcher (replay and routes test: which alert-function rules an event matches)', () => {
  it.each(['dev', 'prod'])(
    'names exactly the rules the full match names, in order, with the %s stage',
    (stage) => {
      const entryRules = alertFunctionRules(readServerlessRules('serverless.yml', { stage }));
      const matching = ruleMatcher(entryRules);
      let named = 0;
      for (const event of variants) {
        const expected = entryRules.filter((r) => matchPattern(r.compiled, event)).map((r) => r.name);
        expect(matching(event)).toEqual(expected);
        named += expected.length;
      }
      expect(named).toBeGreaterThan(100);
    },
  );
});

/**
 * What the byte reader (shared/backtest/skim.ts) builds for a quick test from the fields it read:
 * only the paths the test says it reads; a string as it is, an object with the children read, and
 * null for any other value.
 */
function project(detail: unknown, reads: string[][]): unknown {
  const kind = (v: unknown): unknown =>
    typeof v === 'string' ? v : typeof v === 'object' && v !== null && !Array.isArray(v) ? {} : null;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return detail;
  const d = detail as Record<string, unknown>;
  const view: Record<string, unknown> = {};
  for (const [top, child] of reads) {
    // JSON holds no undefined: a field set to it here is a missing field there.
    if (top === undefined || !Object.hasOwn(d, top) || d[top] === undefined) continue;
    const value = d[top];
    view[top] ??= kind(value);
    const held = view[top];
    if (child !== undefined && typeof held === 'object' && held !== null) {
      const inner = value as Record<string, unknown>;
      if (Object.hasOwn(inner, child) && inner[child] !== undefined)
        (held as Record<string, unknown>)[child] = kind(inner[child]);
    }
  }
  return view;
}

describe('what a quick test reads', () => {
  it('is all it needs: on only those paths it says what it says on the whole detail', () => {
    const all = patternsFor([
      ...patterns,
      ...readServerlessRules('serverless.yml', { stage: 'prod' }).map((r) => r.pattern),
    ]).all;
    let judged = 0;
    for (const event of variants) {
      for (const c of all) {
        if (!c.reads || c.reads.some((path) => path.length > 2)) continue;
        expect(c.mayMatch(project(event.detail, c.reads))).toBe(c.mayMatch(event.detail));
        judged++;
      }
    }
    expect(judged).toBeGreaterThan(10_000);
  });

  it('names every field of a pattern it tests, $or branches and nested objects included', () => {
    const [c] = patternsFor([
      {
        detail: {
          errorCode: ['x'],
          userIdentity: { type: ['Root'], sessionContext: { attributes: { mfa: ['true'] } } },
          $or: [{ eventType: ['AwsApiCall'] }, { requestParameters: { name: [{ prefix: 'a' }] } }],
          'dotted.name': ['ignored'],
          readOnly: [false],
        },
      },
    ]).all;
    expect(c?.reads).toEqual([
      ['errorCode'],
      ['userIdentity', 'type'],
      ['userIdentity', 'sessionContext', 'attributes', 'mfa'],
      ['eventType'],
      ['requestParameters', 'name'],
    ]);
  });
});
