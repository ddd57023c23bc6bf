import fc from 'fast-check';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';

/** Valid patterns that together use every operator, all rooted at fields the event generator produces. */
const PATTERNS: unknown[] = [
  { a: ['x', 1, true, null] },
  { a: [{ prefix: 'x' }], b: { c: [{ suffix: 'y' }] } },
  { a: [{ prefix: { 'equals-ignore-case': 'X' } }, { suffix: { 'equals-ignore-case': 'Y' } }] },
  { a: [{ 'equals-ignore-case': 'x' }], 'b.c': [{ wildcard: 'a*b\\*' }] },
  { a: [{ 'anything-but': 'x' }], b: [{ 'anything-but': [1, 2] }] },
  { a: [{ 'anything-but': { prefix: 'x' } }, { 'anything-but': { suffix: 'y' } }] },
  { a: [{ 'anything-but': { 'equals-ignore-case': ['x', 'Y'] } }, { 'anything-but': { wildcard: '*z*' } }] },
  { a: [{ numeric: ['>', 0, '<=', 5] }], b: { c: [{ numeric: ['=', 3] }] } },
  { a: [{ exists: true }], b: { c: [{ exists: false }] } },
  { a: [{ cidr: '10.0.0.0/8' }, { cidr: '2001:db8::/32' }] },
  { $or: [{ a: ['x'] }, { b: { c: [{ exists: true }], 'a.b': [{ numeric: ['<', 0] }] } }] },
];
const compiled = PATTERNS.map((p) => compilePattern(p));

const keys = fc.constantFrom('a', 'b', 'c', 'a.b', 'b.c', 'x', '__proto__', 'constructor');
const leaf = fc.oneof(
  fc.constantFrom('x', 'X', 'y', 'ab*', '10.1.2.3', '2001:db8::1', '', 0, 3, 5, -1, true, false, null),
  fc.string(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 6 }),
    fc.dictionary(keys, tie('tree'), { maxKeys: 6 }),
  ),
}));
const events = fc.oneof(
  fc.jsonValue({ maxDepth: 12 }),
  fc.object({ maxDepth: 6 }),
  tree,
  fc.dictionary(keys, fc.array(tree, { maxLength: 2000 }), { maxKeys: 3 }),
);

describe('matchPattern properties', () => {
  it('never throws and always returns a boolean for arbitrary JSON events', () => {
    fc.assert(
      fc.property(events, (event) => {
        for (const p of compiled) expect(typeof matchPattern(p, event)).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('exists:true and exists:false are complementary on a single field', () => {
    const present = compilePattern({ a: { b: [{ exists: true }] } });
    const absent = compilePattern({ a: { b: [{ exists: false }] } });
    fc.assert(
      fc.property(events, (event) => {
        expect(matchPattern(present, event)).toBe(!matchPattern(absent, event));
      }),
      { numRuns: 300 },
    );
  });

  it('on a scalar leaf, exactly one of a value and anything-but that value matches', () => {
    const same = compilePattern({ a: ['x'] });
    const other = compilePattern({ a: [{ 'anything-but': 'x' }] });
    fc.assert(
      fc.property(leaf, (v) => {
        expect(matchPattern(same, { a: v })).toBe(!matchPattern(other, { a: v }));
      }),
    );
  });

  it('wrapping a field value in an array never loses a match', () => {
    fc.assert(
      fc.property(leaf, fc.array(leaf, { maxLength: 4 }), (v, others) => {
        for (const p of compiled) {
          if (matchPattern(p, { a: v })) expect(matchPattern(p, { a: [...others, v] })).toBe(true);
        }
      }),
    );
  });

  it('compiled and JSON-string forms of a pattern agree', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: PATTERNS.length - 1 }), events, (i, event) => {
        expect(matchPattern(JSON.stringify(PATTERNS[i]), event)).toBe(matchPattern(compiled[i], event));
      }),
      { numRuns: 200 },
    );
  });
});
