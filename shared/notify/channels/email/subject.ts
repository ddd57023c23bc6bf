import { oneLine } from '../../text.ts';
import { SNS_SUBJECT_MAX } from './limits.ts';

const ASCII_LOOKALIKES: ReadonlyArray<readonly [RegExp, string]> = [
  [/[‘’‚‛′`]/g, "'"],
  [/[“”„‟″«»]/g, '"'],
  [/[‐‑‒–—―−]/g, '-'],
  [/[•·]/g, '*'],
];

function toAscii(s: string): string {
  // NFKD splits accents off their letters and spells out compatibility forms (… → ..., ™ → TM).
  let text = oneLine(s).normalize('NFKD').replace(/\p{M}/gu, '');
  for (const [pattern, replacement] of ASCII_LOOKALIKES) text = text.replace(pattern, replacement);
  return text
    .replace(/[^\x20-\x7E]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

// SNS wants the first character to be a letter, number or punctuation mark; ASCII symbols such as
// `$`, `+`, `<`, `=`, `>`, `^`, `|`, `~` are not punctuation in Unicode's sense.
const BAD_SUBJECT_START = /^[^A-Za-z0-9!"#%&'()*,\-./:;?@[\\\]_{}]+/;
const SUBJECT_ELLIPSIS = '...';
const FALLBACK_SUBJECT = 'cloud-alerts notification';

/**
 * An SNS e-mail subject: ASCII only, one line, starting with a letter, number or punctuation, at most
 * 99 characters. `suffix` (for example the account) is kept whole when the main text has to be cut.
 */
export function asciiSubject(s: string, suffix = ''): string {
  const head = toAscii(s).replace(BAD_SUBJECT_START, '');
  const tail = toAscii(suffix);
  const whole = [head, tail].filter((part) => part !== '').join(' ');
  const subject = whole.replace(BAD_SUBJECT_START, '');
  if (subject === '') return FALLBACK_SUBJECT;
  if (subject.length <= SNS_SUBJECT_MAX) return subject;
  const headBudget = SNS_SUBJECT_MAX - tail.length - 1 - SUBJECT_ELLIPSIS.length;
  if (head !== '' && tail !== '' && headBudget >= 10) {
    return `${head.slice(0, headBudget).trimEnd()}${SUBJECT_ELLIPSIS} ${tail}`;
  }
  return `${subject.slice(0, SNS_SUBJECT_MAX - SUBJECT_ELLIPSIS.length).trimEnd()}${SUBJECT_ELLIPSIS}`;
}
