import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { plainError } from '../../../shared/util/errors.ts';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('plainError', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plain-error-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says what Node and zlib mean, once, without their codes', () => {
    expect(plainError(thrown(() => readFileSync(join(dir, 'missing'))))).toBe('no such file or folder');
    expect(plainError(thrown(() => readFileSync(dir)))).toBe('is a folder, not a file');
    expect(plainError(thrown(() => gunzipSync(Buffer.from('not gzip at all'))))).toBe('not a gzip file');
    const cut = gzipSync(Buffer.from('x'.repeat(10_000))).subarray(0, 20);
    expect(plainError(thrown(() => gunzipSync(cut)))).toBe('truncated gzip file');
  });

  it('keeps a message it has no words for, with its code once', () => {
    expect(plainError(Object.assign(new Error('went wrong'), { code: 'EWHATEVER' }))).toBe(
      'EWHATEVER: went wrong',
    );
    expect(plainError(Object.assign(new Error('EBUSY: resource busy'), { code: 'EBUSY' }))).toBe(
      'EBUSY: resource busy',
    );
    expect(plainError('text')).toBe('text');
  });

  it('describes a write into a missing folder', () => {
    const err = thrown(() => writeFileSync(join(dir, 'nope', 'x.html'), ''));
    expect(plainError(err)).toBe('no such file or folder');
  });
});
