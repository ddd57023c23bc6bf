import { SNS_SUBJECT_MAX } from '../../../shared/notify/channels/email/limits.ts';
import { asciiSubject } from '../../../shared/notify/channels/email/subject.ts';
import {
  escapeSlack,
  oneLine,
  plainText,
  TRUNCATION_MARKER,
  truncate,
  truncateBytes,
  utf8ByteLength,
  wellFormed,
} from '../../../shared/notify/text.ts';
import { HOSTILE_USER_AGENT, hugeString, LONE_SURROGATES } from './fixtures.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('escapeSlack', () => {
  it('escapes a user agent carrying <!channel> and a relabelled link', () => {
    expect(escapeSlack(HOSTILE_USER_AGENT)).toBe('&lt;!channel&gt; &lt;https://evil.example|Click here&gt;');
  });

  it('escapes & first-class, so an existing entity is shown literally', () => {
    expect(escapeSlack('a &lt; b & c')).toBe('a &amp;lt; b &amp; c');
  });

  it('leaves mrkdwn characters and quotes alone', () => {
    expect(escapeSlack('*bold* _it_ `code` "q" \'s\' ~x~')).toBe('*bold* _it_ `code` "q" \'s\' ~x~');
  });
});

describe('wellFormed', () => {
  it('replaces lone surrogates with U+FFFD and keeps pairs', () => {
    expect(wellFormed(LONE_SURROGATES)).toBe('a\uFFFDb\uFFFDc');
    expect(wellFormed('ok 😀')).toBe('ok 😀');
  });
});

describe('truncate', () => {
  it('returns short text unchanged', () => {
    expect(truncate('hello', 5)).toBe('hello');
  });

  it('appends the marker and stays within the limit', () => {
    const out = truncate('x'.repeat(100), 50);
    expect(out).toHaveLength(50);
    expect(out.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(out).toBe(`${'x'.repeat(50 - TRUNCATION_MARKER.length)}${TRUNCATION_MARKER}`);
  });

  it('never splits a surrogate pair at the cut', () => {
    // 'a' then emoji pairs: cutting at 4 code units would land between the halves of the second emoji.
    const out = truncate('a😀😀😀😀', 5, '~');
    expect(out).toBe('a😀~');
    expect(LONE_SURROGATE.test(out)).toBe(false);
  });

  it('replaces lone surrogates before measuring', () => {
    expect(truncate(LONE_SURROGATES, 100)).toBe('a\uFFFDb\uFFFDc');
  });

  it('returns only (part of) the marker when the limit is smaller than the marker', () => {
    expect(truncate('abcdef', 3, '[cut]')).toBe('[cu');
  });

  it('cuts a 250 KB string to the limit', () => {
    const out = truncate(hugeString(), 3000);
    expect(out).toHaveLength(3000);
    expect(out.endsWith(TRUNCATION_MARKER)).toBe(true);
  });
});

describe('truncateBytes', () => {
  it('counts UTF-8 bytes and never cuts inside a code point', () => {
    const text = hugeString(250 * 1024, 'é😀');
    const out = truncateBytes(text, 1000);
    expect(utf8ByteLength(out)).toBeLessThanOrEqual(1000);
    expect(utf8ByteLength(out)).toBeGreaterThan(990);
    expect(out.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(LONE_SURROGATE.test(out)).toBe(false);
  });

  it('returns text within the limit unchanged', () => {
    expect(truncateBytes('héllo', 6)).toBe('héllo');
  });
});

describe('plainText', () => {
  it('strips control characters but keeps newlines and tabs', () => {
    expect(plainText('a\u0000b\u0007c\td\ne\u001bf\u007fg\u009bh')).toBe('abc\td\nefgh');
  });

  it('makes every line break a newline: VT, FF, NEL and the Unicode separators too', () => {
    expect(plainText('a\u000bb\u000cc\u0085d\u2028e\u2029f')).toBe('a\nb\nc\nd\ne\nf');
  });

  it('drops zero-width, soft-hyphen, BOM and tag characters, which hide text from a reader', () => {
    expect(plainText('ad\u200bmin\u200c\u200d\u2060\u00ad\ufeff\u{E0041}\u061c')).toBe('admin');
  });

  it('normalises CRLF and CR to LF', () => {
    expect(plainText('one\r\ntwo\rthree')).toBe('one\ntwo\nthree');
  });

  it('drops bidi overrides that could disguise a name', () => {
    expect(plainText('invoice\u202Eexe.pdf')).toBe('invoiceexe.pdf');
  });

  it('fixes lone surrogates', () => {
    expect(plainText(LONE_SURROGATES)).toBe('a\uFFFDb\uFFFDc');
  });
});

describe('oneLine', () => {
  it('folds every kind of line break and whitespace run into one space', () => {
    expect(oneLine('  a\r\n b\u2028c\t\td \n')).toBe('a b c d');
  });
});

describe('asciiSubject', () => {
  it('keeps a plain subject as it is', () => {
    expect(asciiSubject('[CRITICAL] S3 bucket made public', 'in production (123456789012)')).toBe(
      '[CRITICAL] S3 bucket made public in production (123456789012)',
    );
  });

  it('transliterates accents and typographic punctuation, and strips the rest', () => {
    expect(asciiSubject('Café “prod” – naïve… 😀 日本')).toBe('Cafe "prod" - naive...');
  });

  it('removes line breaks and control characters', () => {
    expect(asciiSubject('line one\r\nBcc: victim@example.com\u0007')).toBe(
      'line one Bcc: victim@example.com',
    );
  });

  it('starts with a letter, number or punctuation mark', () => {
    expect(asciiSubject('  $|~ 😀 hello')).toBe('hello');
    expect(asciiSubject('😀')).toBe('cloud-alerts notification');
  });

  it('stays under 100 characters and keeps the suffix whole', () => {
    const subject = asciiSubject(`[HIGH] ${'very long title '.repeat(20)}`, 'in production (123456789012)');
    expect(subject.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX);
    expect(subject.endsWith('... in production (123456789012)')).toBe(true);
    expect(subject.startsWith('[HIGH] very long title')).toBe(true);
  });

  it('cuts a 250 KB subject with a visible ellipsis', () => {
    const subject = asciiSubject(hugeString());
    expect(subject).toBe(`${'x'.repeat(96)}...`);
  });

  it('outputs only printable ASCII for hostile input', () => {
    const subject = asciiSubject(`${HOSTILE_USER_AGENT}\n${LONE_SURROGATES}\u202E`);
    expect(subject).toMatch(/^[\x21-\x7E][\x20-\x7E]*$/);
    expect(subject).toBe('!channel> <https://evil.example|Click here> abc');
  });
});
