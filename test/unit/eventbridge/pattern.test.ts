import { compilePattern, matchPattern, PatternError } from '../../../shared/eventbridge/pattern.ts';

type Case = [name: string, pattern: unknown, event: unknown, expected: boolean];

/** Single-field helper: pattern {f: [matcher]} against event {f: value} (or {} when value is MISSING). */
const MISSING = Symbol('missing');
function field(matcher: unknown, value: unknown): [unknown, unknown] {
  return [{ f: [matcher] }, value === MISSING ? {} : { f: value }];
}
function cases(
  label: string,
  matcher: unknown,
  rows: [what: string, value: unknown, expected: boolean][],
): Case[] {
  return rows.map(([what, value, expected]) => {
    const [pattern, event] = field(matcher, value);
    return [`${label}: ${what}`, pattern, event, expected];
  });
}

const exact: Case[] = [
  ...cases('exact string', 'a', [
    ['equal', 'a', true],
    ['different', 'b', false],
    ['missing', MISSING, false],
    ['null', null, false],
    ['empty array', [], false],
    ['object value', { a: 1 }, false],
    ['array containing it', ['b', 'a'], true],
    ['nested array containing it', [['b'], ['a']], true],
    ['case differs', 'A', false],
  ]),
  ...cases('exact "5" string', '5', [
    ['number 5', 5, false],
    ['string 5', '5', true],
  ]),
  ...cases('exact number 300', 300, [
    ['3.0e2', 3.0e2, true],
    ['300.0', 300.0, true],
    ['string "300"', '300', false],
    ['301', 301, false],
    ['differs only beyond 6 decimals (event-ruler fixed point)', 300.0000001, true],
    ['differs at 6th decimal', 300.000001, false],
    ['missing', MISSING, false],
  ]),
  ...cases('exact number beyond numeric range', 1e10, [
    ['same value', 1e10, true],
    ['other value', 1e10 + 1, false],
  ]),
  ...cases('exact null', null, [
    ['null', null, true],
    ['string "null"', 'null', false],
    ['missing', MISSING, false],
    ['empty array', [], false],
    ['array with null', [null], true],
    ['empty string', '', false],
  ]),
  ...cases('exact true', true, [
    ['true', true, true],
    ['string "true"', 'true', false],
    ['1', 1, false],
    ['false', false, false],
  ]),
  ...cases('exact empty string', '', [
    ['empty string', '', true],
    ['null', null, false],
    ['missing', MISSING, false],
  ]),
  ...cases('exact IPv6 literal', '2001:db8::1', [
    ['expanded upper-case form', '2001:0DB8:0:0:0:0:0:1', true],
    ['other address', '2001:db8::2', false],
  ]),
];

const prefixSuffix: Case[] = [
  ...cases('prefix', { prefix: 'ab' }, [
    ['starts with', 'abc', true],
    ['equal', 'ab', true],
    ['contains later', 'xab', false],
    ['number', 5, false],
    ['null', null, false],
    ['missing', MISSING, false],
    ['empty array', [], false],
    ['object value', { ab: 'ab' }, false],
    ['array with one match', ['x', 'abz'], true],
    ['different case', 'ABC', false],
  ]),
  ...cases('empty prefix', { prefix: '' }, [
    ['any string', 'x', true],
    ['empty string', '', true],
    ['number', 1, false],
  ]),
  ...cases('prefix ending in a quote (event-ruler matches quoted text)', { prefix: 'ab"' }, [
    ['exactly the unquoted text', 'ab', true],
    ['longer', 'abc', false],
  ]),
  ...cases('prefix equals-ignore-case', { prefix: { 'equals-ignore-case': 'EventB' } }, [
    ['lower case', 'eventbridge', true],
    ['upper case', 'EVENTBX', true],
    ['not at start', 'xeventb', false],
    ['number', 5, false],
    ['missing', MISSING, false],
  ]),
  ...cases('suffix', { suffix: '.png' }, [
    ['ends with', 'a.png', true],
    ['different case', 'a.PNG', false],
    ['missing', MISSING, false],
    ['null', null, false],
    ['number', 1.5, false],
  ]),
  ...cases('suffix equals-ignore-case', { suffix: { 'equals-ignore-case': '.png' } }, [
    ['upper case', 'A.PNG', true],
    ['other extension', 'a.jpg', false],
    ['exactly the suffix', '.Png', true],
  ]),
  ...cases('equals-ignore-case', { 'equals-ignore-case': 'EC2' }, [
    ['lower', 'ec2', true],
    ['mixed', 'Ec2', true],
    ['longer', 'ec22', false],
    ['number', 2, false],
    ['null', null, false],
    ['missing', MISSING, false],
    ['array with match', ['x', 'eC2'], true],
  ]),
  ...cases('equals-ignore-case with multi-letter upper case', { 'equals-ignore-case': 'ß' }, [
    ['itself', 'ß', true],
    ['upper-case expansion', 'SS', true],
    ['single S', 'S', false],
  ]),
];

const wildcard: Case[] = [
  ...cases('wildcard', { wildcard: 'Simple*Service' }, [
    ['fills the gap', 'SimpleQueueService', true],
    ['empty gap', 'SimpleService', true],
    ['missing tail', 'SimpleServic', false],
    ['number', 5, false],
    ['missing', MISSING, false],
    ['null', null, false],
  ]),
  ...cases('wildcard escaped star', { wildcard: 'a\\*b' }, [
    ['literal star', 'a*b', true],
    ['other char', 'axb', false],
  ]),
  ...cases('wildcard escaped backslash', { wildcard: 'a\\\\*' }, [
    ['backslash then anything', 'a\\xyz', true],
    ['no backslash', 'axyz', false],
  ]),
  ...cases('wildcard lone star', { wildcard: '*' }, [
    ['empty string', '', true],
    ['any string', 'anything', true],
    ['boolean', true, false],
  ]),
  ...cases('wildcard several stars', { wildcard: 'a*b*c' }, [
    ['in order', 'abbc', true],
    ['middle missing', 'ac', false],
    ['overlapping pieces', 'abc', true],
  ]),
];

const anythingBut: Case[] = [
  ...cases('anything-but string', { 'anything-but': 'init' }, [
    ['other string', 'running', true],
    ['excluded', 'init', false],
    ['missing', MISSING, false],
    ['null', null, true],
    ['number', 5, true],
    ['array with only excluded', ['init'], false],
    ['array with another value', ['init', 'x'], true],
    ['empty array', [], false],
    ['object value', { a: 1 }, false],
  ]),
  ...cases('anything-but numbers', { 'anything-but': [100, 200] }, [
    ['other number', 150, true],
    ['excluded', 100, false],
    ['excluded written 1e2', 1e2, false],
    ['numeric string', '100', true],
    ['missing', MISSING, false],
  ]),
  ...cases('anything-but string list', { 'anything-but': ['a', 'b'] }, [
    ['other', 'c', true],
    ['excluded', 'a', false],
    ['number', 5, true],
    ['boolean', true, true],
  ]),
  ...cases('anything-but prefix', { 'anything-but': { prefix: 'init' } }, [
    ['has prefix', 'initializing', false],
    ['no prefix', 'running', true],
    ['number', 5, true],
    ['missing', MISSING, false],
  ]),
  ...cases('anything-but suffix', { 'anything-but': { suffix: '.png' } }, [
    ['has suffix', 'a.png', false],
    ['other suffix', 'a.jpg', true],
  ]),
  ...cases('anything-but equals-ignore-case list', { 'anything-but': { 'equals-ignore-case': ['A', 'b'] } }, [
    ['excluded lower', 'a', false],
    ['excluded upper', 'B', false],
    ['other', 'c', true],
    ['null', null, true],
  ]),
  ...cases('anything-but wildcard', { 'anything-but': { wildcard: '*/lib/*' } }, [
    ['matches wildcard', '/usr/lib/x', false],
    ['does not match', '/usr/bin', true],
    ['missing', MISSING, false],
  ]),
];

const numeric: Case[] = [
  ...cases('numeric range', { numeric: ['>', 0, '<=', 5] }, [
    ['upper bound', 5, true],
    ['lower bound excluded', 0, false],
    ['inside', 0.5, true],
    ['just above', 5.000001, false],
    ['numeric string', '3', false],
    ['null', null, false],
    ['missing', MISSING, false],
    ['array with one inside', [10, 3], true],
    ['empty array', [], false],
    ['object value', { n: 3 }, false],
  ]),
  ...cases('numeric equals', { numeric: ['=', 301.8] }, [
    ['same in exponent form', 3.018e2, true],
    ['other', 301.9, false],
  ]),
  ...cases('numeric greater than zero', { numeric: ['>', 0] }, [
    ['below six decimals (fixed point)', 0.0000001, false],
    ['at six decimals', 0.000001, true],
  ]),
  ...cases('numeric less than', { numeric: ['<', 10] }, [
    ['out of supported range', -1e10, false],
    ['negative in range', -4e9, true],
    ['boolean', false, false],
  ]),
];

const exists: Case[] = [
  ...cases('exists true', { exists: true }, [
    ['string', 'x', true],
    ['null', null, true],
    ['zero', 0, true],
    ['false', false, true],
    ['missing', MISSING, false],
    ['empty object', {}, false],
    ['object value', { a: 1 }, false],
    ['empty array', [], false],
    ['array of leaves', [1], true],
    ['array of objects', [{ a: 1 }], false],
  ]),
  ...cases('exists false', { exists: false }, [
    ['missing', MISSING, true],
    ['null', null, false],
    ['object value (not a leaf)', { a: 1 }, true],
    ['empty array', [], true],
    ['empty string', '', false],
    ['array of leaves', ['x'], false],
  ]),
];

const cidr: Case[] = [
  ...cases('cidr IPv4', { cidr: '10.0.0.0/24' }, [
    ['inside', '10.0.0.255', true],
    ['outside', '10.0.1.0', false],
    ['not an address', '10.0.0.1x', false],
    ['number', 167772161, false],
    ['missing', MISSING, false],
    ['IPv6 value', '::1', false],
    ['array with inside value', ['1.1.1.1', '10.0.0.7'], true],
  ]),
  ...cases('cidr IPv6', { cidr: '2001:db8::/32' }, [
    ['inside', '2001:db8:0:0:1::1', true],
    ['inside upper case', '2001:DB8::1', true],
    ['outside', '2001:db9::1', false],
    ['IPv4 value', '10.0.0.1', false],
  ]),
  // Host bits written in the pattern are masked off, as event-ruler does since aws/event-ruler#89:
  // 10.0.0.77/24 is 10.0.0.0/24.
  ...cases('cidr IPv4 written with host bits', { cidr: '10.0.0.77/24' }, [
    ['network address', '10.0.0.0', true],
    ['below the written address', '10.0.0.1', true],
    ['the written address', '10.0.0.77', true],
    ['top of the block', '10.0.0.255', true],
    ['next block', '10.0.1.0', false],
    ['block below', '9.255.255.255', false],
  ]),
  ...cases('cidr IPv4 host bits across bytes', { cidr: '172.16.201.9/12' }, [
    ['bottom', '172.16.0.0', true],
    ['top', '172.31.255.255', true],
    ['outside', '172.32.0.0', false],
  ]),
  ...cases('cidr IPv4 /31 on the last address', { cidr: '255.255.255.255/31' }, [
    ['lower of the pair', '255.255.255.254', true],
    ['upper', '255.255.255.255', true],
    ['below', '255.255.255.253', false],
  ]),
  ...cases('cidr IPv6 written with host bits', { cidr: '2001:db8:abcd:12::7/48' }, [
    ['network address', '2001:db8:abcd::', true],
    ['top', '2001:db8:abcd:ffff:ffff:ffff:ffff:ffff', true],
    ['next block', '2001:db8:abce::', false],
  ]),
];

// Field names are event-ruler's: dotted paths, where an empty name is an empty step. Event-ruler reads an
// event only through keys that are steps of the pattern's field names, splitting those names as Java does
// (trailing empty steps dropped), so an empty name nested last is never read.
const emptyNames: Case[] = [
  [
    'nested empty names: same shape is not read',
    { detail: { '': { '': ['x'] } } },
    { detail: { '': { '': 'x' } } },
    false,
  ],
  ['nested empty names: dotted key', { detail: { '': { '': ['x'] } } }, { 'detail..': 'x' }, true],
  ['nested empty names: key "."', { detail: { '': { '': ['x'] } } }, { detail: { '.': 'x' } }, true],
  ['nested empty names: other value', { detail: { '': { '': ['x'] } } }, { 'detail..': 'y' }, false],
  [
    'nested empty names: exists false holds',
    { detail: { '': { '': [{ exists: false }] } } },
    { detail: { '': { '': 'x' } } },
    true,
  ],
  ['empty name nested last', { detail: { '': ['x'] } }, { detail: { '': 'x' } }, false],
  ['empty name in the middle is a step', { a: { '': { b: ['x'] } } }, { a: { '': { b: 'x' } } }, true],
  ['empty name in the middle: wrong value', { a: { '': { b: ['x'] } } }, { a: { '': { b: 'y' } } }, false],
  ['top-level empty name', { '': ['x'] }, { '': 'x' }, true],
  ['one empty name on top vanishes from the field name', { '': { a: ['x'] } }, { a: 'x' }, true],
  ['one empty name on top: same shape is not read', { '': { a: ['x'] } }, { '': { a: 'x' } }, false],
  ['two empty names on top are ..a', { '': { '': { a: ['x'] } } }, { '..a': 'x' }, true],
  ['two empty names on top: a alone', { '': { '': { a: ['x'] } } }, { a: 'x' }, false],
  [
    'empty names inside $or',
    { $or: [{ d: { '': { b: ['1'] } } }, { c: ['2'] }] },
    { d: { '': { b: '1' } } },
    true,
  ],
];

const structure: Case[] = [
  ['OR within a field', { f: ['a', { prefix: 'x' }, { exists: false }] }, { f: 'xy' }, true],
  ['OR within a field: absent alternative', { f: ['a', { prefix: 'x' }, { exists: false }] }, {}, true],
  ['OR within a field: none', { f: ['a', { prefix: 'x' }, { exists: false }] }, { f: 'b' }, false],
  ['AND across fields', { a: ['1'], b: ['2'] }, { a: '1', b: '2' }, true],
  ['AND across fields: one fails', { a: ['1'], b: ['2'] }, { a: '1', b: '3' }, false],
  ['nested object', { d: { s: ['x'] } }, { d: { s: 'x' } }, true],
  ['nested object: field is a leaf instead', { d: { s: ['x'] } }, { d: 'x' }, false],
  ['$or', { $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '2' }, true],
  ['$or: neither', { $or: [{ a: ['1'] }, { b: ['2'] }] }, { a: 'x', b: 'y' }, false],
  [
    '$or nested with AND',
    { s: ['x'], d: { $or: [{ a: ['1'] }, { b: ['2'] }] } },
    { s: 'x', d: { a: '1' } },
    true,
  ],
  [
    '$or nested with AND: outer fails',
    { s: ['x'], d: { $or: [{ a: ['1'] }, { b: ['2'] }] } },
    { s: 'y', d: { a: '1' } },
    false,
  ],
  ['$or inside $or', { $or: [{ a: ['1'] }, { $or: [{ b: ['2'] }, { c: ['3'] }] }] }, { c: '3' }, true],
  ['dotted key vs nested event', { 'a.b': ['x'] }, { a: { b: 'x' } }, true],
  ['dotted key vs dotted event key', { 'a.b': ['x'] }, { 'a.b': 'x' }, true],
  ['nested pattern vs dotted event key', { a: { b: ['x'] } }, { 'a.b': 'x' }, true],
  ['dotted key: wrong value', { 'a.b': ['x'] }, { a: { b: 'y' } }, false],
  [
    'array consistency: same element',
    { e: { f: ['Anna'], l: ['Smith'] } },
    {
      e: [
        { f: 'Anna', l: 'Smith' },
        { f: 'P', l: 'J' },
      ],
    },
    true,
  ],
  [
    'array consistency: split elements',
    { e: { f: ['Anna'], l: ['J'] } },
    {
      e: [
        { f: 'Anna', l: 'Smith' },
        { f: 'P', l: 'J' },
      ],
    },
    false,
  ],
  ['arrays of arrays flattened', { e: { f: ['P'] } }, { e: [[{ f: 'A' }], [{ f: 'P' }]] }, true],
  [
    'different arrays combine freely',
    { a: { x: ['1'] }, b: { y: ['2'] } },
    { a: [{ x: '1' }], b: [{ y: '0' }, { y: '2' }] },
    true,
  ],
  // event-ruler checks `exists: false` when its sorted field order reaches it ("d.a" before "d.b").
  [
    'exists false before a positive field in the same array',
    { d: { a: [{ exists: false }], b: [{ exists: true }] } },
    { d: [{ b: 1 }, { a: 2 }] },
    false,
  ],
  [
    'exists false after a positive field in the same array',
    { d: { a: [{ exists: true }], b: [{ exists: false }] } },
    { d: [{ a: 1 }, { a: 3, b: 4 }] },
    true,
  ],
  ['inherited names are not fields', { constructor: [{ exists: true }] }, {}, false],
  ['inherited names are absent', { toString: [{ exists: false }] }, {}, true],
  ['own field named like an Object member', { constructor: ['x'] }, JSON.parse('{"constructor":"x"}'), true],
  ['non-object event: absent field', { a: [{ exists: false }] }, 'str', true],
  ['null event', { a: ['x'] }, null, false],
  ['top-level array event is searched element-wise', { a: ['x'] }, [{ a: 'y' }, { a: 'x' }], true],
];

describe('matchPattern semantics', () => {
  it.each([
    ...exact,
    ...prefixSuffix,
    ...wildcard,
    ...anythingBut,
    ...numeric,
    ...exists,
    ...cidr,
    ...structure,
    ...emptyNames,
  ])('%s', (_name, pattern, event, expected) => {
    expect(matchPattern(compilePattern(pattern), event)).toBe(expected);
  });

  it('matches the typical CloudTrail pattern', () => {
    const pattern = compilePattern({
      source: ['aws.s3'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['s3.amazonaws.com'], eventName: ['PutBucketAcl', 'PutBucketPolicy'] },
    });
    const event = {
      source: 'aws.s3',
      'detail-type': 'AWS API Call via CloudTrail',
      detail: { eventSource: 's3.amazonaws.com', eventName: 'PutBucketPolicy', requestParameters: {} },
    };
    expect(matchPattern(pattern, event)).toBe(true);
    expect(matchPattern(pattern, { ...event, detail: { ...event.detail, eventName: 'GetObject' } })).toBe(
      false,
    );
  });

  it('keeps the last of duplicate keys in a JSON string pattern', () => {
    const pattern = compilePattern('{"a": [{"prefix": "us-"}], "a": [{"anything-but": "us-east"}]}');
    expect(matchPattern(pattern, { a: 'eu-west' })).toBe(true);
    expect(matchPattern(pattern, { a: 'us-east' })).toBe(false);
  });

  it('keeps the last definition when a dotted key and a nested object name the same field', () => {
    const pattern = compilePattern({ 'a.b': ['1'], a: { b: ['2'] } });
    expect(matchPattern(pattern, { a: { b: '2' } })).toBe(true);
    expect(matchPattern(pattern, { a: { b: '1' } })).toBe(false);
  });

  it('compiles uncompiled patterns (object or JSON string) on the fly', () => {
    expect(matchPattern({ a: ['x'] }, { a: 'x' })).toBe(true);
    expect(matchPattern('{"a": ["x"]}', { a: 'y' })).toBe(false);
  });

  it('exposes the parsed source of the pattern', () => {
    expect(compilePattern('{"a": ["x"]}').source).toEqual({ a: ['x'] });
  });
});

describe('matchPattern robustness', () => {
  const pattern = compilePattern({ a: [{ exists: true }], b: { c: [{ 'anything-but': 'x' }] } });
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  let deep: unknown = 'leaf';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const throwing = new Proxy(
    {},
    {
      get() {
        throw new Error('boom');
      },
    },
  );

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a bigint', 10n],
    ['NaN field', { a: Number.NaN, b: { c: Number.POSITIVE_INFINITY } }],
    ['a cyclic array', { a: cyclic, b: { c: cyclic } }],
    ['a very deep array', { a: deep, b: { c: deep } }],
    ['a throwing proxy', throwing],
  ])('returns false instead of throwing for %s', (_name, event) => {
    expect(matchPattern(pattern, event)).toBe(false);
  });
});

type Invalid = [name: string, pattern: unknown, fragment: string];

const invalid: Invalid[] = [
  ['empty pattern', {}, '(root): empty object is not allowed'],
  ['array pattern', [], 'pattern must be a JSON object'],
  ['null pattern', null, 'pattern must be a JSON object'],
  ['non-JSON string', '{nope', 'not valid JSON'],
  ['empty matcher list', { detail: { eventName: [] } }, 'detail.eventName: empty list is not allowed'],
  ['string leaf', { a: 'x' }, 'a: value must be an object or an array'],
  ['number leaf', { a: 5 }, 'a: value must be an object or an array'],
  ['empty nested object', { a: {} }, 'a: empty object is not allowed'],
  ['array inside matcher list', { a: [['x']] }, 'a: match value must be'],
  ['empty operator object', { a: [{}] }, 'a: match expression must name an operator'],
  ['two operators in one object', { a: [{ prefix: 'x', suffix: 'y' }] }, 'only one key allowed'],
  ['unknown operator', { a: [{ contains: 'x' }] }, 'unrecognized match type "contains"'],
  ['prefix with a number', { a: [{ prefix: 5 }] }, 'prefix match pattern must be a string'],
  [
    'anything-but nested in prefix',
    { a: [{ prefix: { 'anything-but': 'x' } }] },
    'unsupported prefix pattern',
  ],
  [
    'suffix with two keys',
    { a: [{ suffix: { 'equals-ignore-case': 'x', x: 1 } }] },
    'only one key allowed in suffix',
  ],
  [
    'equals-ignore-case list',
    { a: [{ 'equals-ignore-case': ['x'] }] },
    'equals-ignore-case match pattern must be a string',
  ],
  ['wildcard with **', { a: [{ wildcard: 'a**b' }] }, 'consecutive wildcard'],
  ['wildcard bad escape', { a: [{ wildcard: 'a\\b' }] }, 'backslash may only escape'],
  ['wildcard not a string', { a: [{ wildcard: 1 }] }, 'wildcard match pattern must be a string'],
  ['anything-but empty prefix', { a: [{ 'anything-but': { prefix: '' } }] }, 'must not be empty'],
  [
    'exists inside anything-but',
    { a: [{ 'anything-but': { exists: true } }] },
    'unsupported anything-but pattern: "exists"',
  ],
  ['anything-but mixed list', { a: [{ 'anything-but': [1, 'a'] }] }, 'all strings or all numbers'],
  ['anything-but empty list', { a: [{ 'anything-but': [] }] }, 'must not be empty'],
  ['anything-but null', { a: [{ 'anything-but': null }] }, 'value of anything-but must be'],
  [
    'anything-but ignore-case number',
    { a: [{ 'anything-but': { 'equals-ignore-case': 5 } }] },
    'values must be strings',
  ],
  ['anything-but wildcard **', { a: [{ 'anything-but': { wildcard: 'x**' } }] }, 'consecutive wildcard'],
  ['anything-but number out of range', { a: [{ 'anything-but': 6e9 }] }, 'out of range'],
  [
    'numeric range out of order',
    { a: [{ numeric: ['>', 5, '<', 1] }] },
    'a: numeric range bottom must be less than top',
  ],
  ['numeric empty range', { a: [{ numeric: ['>=', 5, '<=', 5] }] }, 'bottom must be less than top'],
  ['numeric string value', { a: [{ numeric: ['>', '5'] }] }, 'numeric value must be a number'],
  ['numeric unknown operator', { a: [{ numeric: ['!', 5] }] }, 'unrecognized numeric operator'],
  ['numeric upper bound first', { a: [{ numeric: ['<', 5, '>', 1] }] }, 'too many elements'],
  ['numeric two lower bounds', { a: [{ numeric: ['>', 1, '>', 5] }] }, 'bad numeric range operator'],
  ['numeric extra term', { a: [{ numeric: ['>', 1, '<', 5, 6] }] }, 'too many terms'],
  ['numeric missing value', { a: [{ numeric: ['>'] }] }, 'value of > must be numeric'],
  ['numeric out of range', { a: [{ numeric: ['>', 6e9] }] }, 'out of range'],
  ['numeric not an array', { a: [{ numeric: '> 5' }] }, 'value of numeric must be an array'],
  ['numeric empty', { a: [{ numeric: [] }] }, 'must start with an operator'],
  ['exists not boolean', { a: [{ exists: 'true' }] }, 'exists match pattern must be either true or false'],
  ['cidr without mask', { a: [{ cidr: '10.0.0.0' }] }, "one '/' required"],
  ['cidr IPv4 /32', { a: [{ cidr: '10.0.0.0/32' }] }, 'IPv4 mask bits must be < 32'],
  ['cidr bad address', { a: [{ cidr: '300.0.0.0/8' }] }, 'invalid IP address'],
  ['cidr bad mask', { a: [{ cidr: '10.0.0.0/x' }] }, 'mask bits must be an integer'],
  ['cidr negative mask', { a: [{ cidr: '10.0.0.0/-1' }] }, 'must not be negative'],
  ['$or with one branch', { $or: [{ a: ['1'] }] }, '$or: $or must contain at least two objects'],
  ['$or not an array', { $or: { a: ['1'] } }, '$or must be an array'],
  ['$or with a non-object', { $or: [{ a: ['1'] }, 'x'] }, 'only objects are allowed'],
  [
    '$or with a reserved field name',
    { $or: [{ prefix: ['1'] }, { b: ['2'] }] },
    'prefix: "prefix" is a reserved name',
  ],
  ['nested $or path in message', { detail: { $or: [{ a: ['1'] }] } }, 'detail.$or: '],
  ['error deep inside $or', { $or: [{ a: ['1'] }, { b: { c: [] } }] }, 'b.c: empty list is not allowed'],
];

describe('compilePattern validation', () => {
  it.each(invalid)('rejects %s', (_name, pattern, fragment) => {
    let caught: unknown;
    try {
      compilePattern(pattern);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PatternError);
    expect(caught instanceof Error ? caught.message : '').toContain(fragment);
  });

  it('throws PatternError from matchPattern for an invalid uncompiled pattern', () => {
    expect(() => matchPattern({ a: [] }, { a: 1 })).toThrow(PatternError);
  });

  it.each<[string, unknown]>([
    [
      'every operator at once',
      {
        a: [
          'x',
          1,
          true,
          null,
          { prefix: 'p' },
          { suffix: 's' },
          { 'equals-ignore-case': 'e' },
          { wildcard: 'w*' },
          { 'anything-but': ['q'] },
          { numeric: ['>=', 0, '<', 1] },
          { exists: true },
          { cidr: '::/0' },
        ],
      },
    ],
    ['anything-but prefix list', { a: [{ 'anything-but': { prefix: ['a', 'b'] } }] }],
    ['numeric at the range limits', { a: [{ numeric: ['>=', -5e9, '<=', 5e9] }] }],
    ['$or as a nested field', { d: { $or: [{ a: ['1'] }, { b: [{ exists: false }] }] } }],
  ])('accepts %s', (_name, pattern) => {
    expect(compilePattern(pattern).source).toBe(pattern);
  });
});
