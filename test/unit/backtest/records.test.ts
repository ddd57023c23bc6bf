import fc from 'fast-check';
import {
  MAX_RECORD_CHARS,
  MAX_SINGLE_EVENT_CHARS,
  MalformedRecord,
  RecordScanner,
} from '../../../shared/backtest/records.ts';

/** Feed `text` in pieces cut at `cuts`; returns the parsed elements and the error, if any. */
function scan(
  text: string,
  cuts: number[],
  scanner = new RecordScanner(),
): { values: unknown[]; error: string | undefined } {
  const texts: unknown[] = [];
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    texts.push(...scanner.push(text.slice(at, cut)));
    at = cut;
  }
  texts.push(...scanner.push(text.slice(at)));
  texts.push(...scanner.end());
  return { values: texts, error: scanner.error?.message };
}

const TRICKY = [
  { eventName: 'PutBucketPolicy', note: 'brackets ] } [ { inside a string' },
  { userAgent: 'quote \\" and backslash \\\\ and \\\\" pairs', empty: '' },
  { s: '\\', t: '\\\\', u: '"', v: '\\"]' },
  { nested: [[[{ a: [] }]], {}], n: -1.5e-7, t: true, f: false, z: null },
  { unicode: 'é ✓ 😀 \u2028 \u0000', key: { Records: ['not', 'these'] } },
];

describe('RecordScanner', () => {
  it('yields each element of the Records array with every possible chunk boundary', () => {
    const text = JSON.stringify({ Records: TRICKY });
    for (let cut = 0; cut <= text.length; cut++) {
      expect(scan(text, [cut])).toEqual({ values: TRICKY, error: undefined });
    }
  });

  it('gives the same records when fed one character at a time', () => {
    const text = JSON.stringify({ Records: TRICKY }, null, 2);
    const cuts = Array.from({ length: text.length }, (_, i) => i);
    expect(scan(text, cuts)).toEqual({ values: TRICKY, error: undefined });
  });

  it('agrees with JSON.parse on any records split anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (records, cuts) => {
          const text = JSON.stringify({ Records: records });
          const result = scan(
            text,
            cuts.map((c) => c % (text.length + 1)),
          );
          expect(result).toEqual({ values: JSON.parse(text).Records, error: undefined });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('skips other top-level keys before and after Records', () => {
    const text = '{"Other": {"Records": [1]}, "Records": [{"a": 1}], "After": ["x"]}';
    expect(scan(text, [5, 30])).toEqual({ values: [{ a: 1 }], error: undefined });
  });

  it('yields the elements of a top-level array of events', () => {
    const text = '[{"detail-type": "x"}, {"detail-type": "y"}]';
    expect(scan(text, [3])).toEqual({
      values: [{ 'detail-type': 'x' }, { 'detail-type': 'y' }],
      error: undefined,
    });
  });

  it('yields a file holding one EventBridge event as that event', () => {
    const event = {
      version: '0',
      'detail-type': 'AWS API Call via CloudTrail',
      detail: { a: [1, { b: '}' }] },
    };
    expect(scan(JSON.stringify(event), [10, 40])).toEqual({ values: [event], error: undefined });
  });

  it('passes scalar elements through for the caller to reject', () => {
    expect(scan('{"Records": [1, "two", null, {"x": 3}]}', [14, 20])).toEqual({
      values: [1, 'two', null, { x: 3 }],
      error: undefined,
    });
  });

  it('reports a truncated file after the records it completed', () => {
    const text = JSON.stringify({ Records: TRICKY }).slice(0, -40);
    const result = scan(text, [100]);
    expect(result.values).toEqual(TRICKY.slice(0, 4));
    expect(result.error).toMatch(/^truncated: the file ends inside (a string|the JSON) after 4 record\(s\)$/);
  });

  it('reports a file cut inside a string', () => {
    expect(scan('{"Records": [{"a": "unfinished', []).error).toBe(
      'truncated: the file ends inside a string after 0 record(s)',
    );
  });

  it('reports an empty file, a mismatched bracket and trailing text', () => {
    expect(scan('  \n', []).error).toBe('empty file');
    expect(scan('{"Records": [{"a": 1]]}', []).error).toBe('mismatched bracket at character 20');
    expect(scan('{"Records": [{"a": 1}]} {"Records": []}', [])).toEqual({
      values: [{ a: 1 }],
      error: 'unexpected text after the end of the JSON at character 24',
    });
    expect(scan('Records: 1', []).error).toBe('expected a JSON object or array at character 0');
  });

  it('gives up on a huge top-level object that has no Records array, instead of buffering it', () => {
    const scanner = new RecordScanner();
    scanner.push('{"padding": "');
    const piece = 'x'.repeat(64 * 1024);
    for (let i = 0; i * piece.length <= MAX_SINGLE_EVENT_CHARS && !scanner.error; i++) scanner.push(piece);
    expect(scanner.error?.message).toMatch(
      /^a top-level object of more than 1048576 characters without a Records array/,
    );
  });

  it('keeps memory to the current record while streaming many records', () => {
    const scanner = new RecordScanner();
    scanner.push('{"Records": [');
    const record = JSON.stringify({ eventName: 'DescribeInstances', pad: 'y'.repeat(1000) });
    let emitted = 0;
    for (let i = 0; i < 2000; i++) emitted += scanner.push(`${i ? ',' : ''}${record}`).length;
    emitted += scanner.push(']}').length + scanner.end().length;
    expect(emitted).toBe(2000);
    expect(scanner.error).toBeUndefined();
    // Nothing of the 2 MB already read is still held.
    expect(scanner.pendingChars).toBe(0);
  });
});

describe('RecordScanner limits', () => {
  it('skips the rest of a file whose record grows past the record limit', () => {
    const scanner = new RecordScanner();
    scanner.push('{"Records": [{"a": 1}, {"big": "');
    const piece = 'z'.repeat(1024 * 1024);
    for (let i = 0; i * piece.length <= MAX_RECORD_CHARS && !scanner.error; i++) scanner.push(piece);
    expect(scanner.count).toBe(1);
    expect(scanner.error?.message).toMatch(/^a record of more than 16777216 characters/);
  });

  it('fails a record past the limit the same way, at its start, whether it comes whole or in pieces', () => {
    const head = '{"Records": [{"eventVersion": "1", "a": 1}, ';
    const text = `${head}{"eventVersion": "1", "big": "${'z'.repeat(MAX_RECORD_CHARS)}"}, {"a": 2}]}`;
    const outcomes = [text.length, 65_536, 1_000_003].map((size) => {
      const scanner = new RecordScanner();
      for (let at = 0; at < text.length && !scanner.error; at += size)
        scanner.push(text.slice(at, at + size));
      if (!scanner.error) scanner.end();
      return [scanner.count, scanner.error?.message];
    });
    const expected = [
      1,
      `a record of more than ${MAX_RECORD_CHARS} characters (memory stays bounded, so the file is skipped) at character ${head.length}`,
    ];
    expect(outcomes).toEqual([expected, expected, expected]);
  });
});

/** CloudTrail-shaped: eventVersion first, as CloudTrail writes records. */
function trail(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { eventVersion: '1.09', eventName: 'DescribeInstances', eventID: `id-${i}`, ...extra };
}

describe('RecordScanner fast path for CloudTrail records', () => {
  it('parses runs of whole records at once and agrees with JSON.parse', () => {
    const records = Array.from({ length: 200 }, (_, i) => trail(i, { n: i, pad: 'p'.repeat(i % 50) }));
    const text = JSON.stringify({ Records: records });
    const scanner = new RecordScanner();
    const cuts = Array.from({ length: 20 }, (_, k) => Math.floor((text.length * (k + 1)) / 21));
    expect(scan(text, cuts, scanner)).toEqual({ values: records, error: undefined });
    expect(scanner.fastCount).toBeGreaterThan(150);
  });

  it('is not fooled by the boundary text inside strings or by nested objects that start with eventVersion', () => {
    const records = [
      trail(0, { policy: '{"Statement":[{"a":1},{"eventVersion":"x"}]}' }),
      trail(1, { nested: [{ eventVersion: 'n1' }, { eventVersion: 'n2' }] }),
      trail(2, { tail: '},{"eventVersion":' }),
      trail(3),
    ];
    const text = JSON.stringify({ Records: records });
    for (let cut = 0; cut <= text.length; cut += 7) {
      expect(scan(text, [cut])).toEqual({ values: records, error: undefined });
    }
  });

  it('agrees with JSON.parse on any CloudTrail-shaped records split anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (bodies, cuts) => {
          const records = bodies.map((b, i) => ({ eventVersion: String(i), ...b }));
          const text = JSON.stringify({ Records: records });
          const result = scan(
            text,
            cuts.map((c) => c % (text.length + 1)),
          );
          expect(result).toEqual({ values: JSON.parse(text).Records, error: undefined });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives a malformed record its own place and parses the ones around it', () => {
    const good = Array.from({ length: 5 }, (_, i) => JSON.stringify(trail(i)));
    const text = `{"Records":[${good[0]},${good[1]},{"eventVersion":"1.09","eventName":tru},${good[2]},${good[3]},${good[4]}]}`;
    const { values, error } = scan(text, [text.length - 10]);
    expect(error).toBeUndefined();
    expect(values).toEqual([
      trail(0),
      trail(1),
      new MalformedRecord('invalid JSON'),
      trail(2),
      trail(3),
      trail(4),
    ]);
  });
});
