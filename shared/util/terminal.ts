/**
 * Text from events on its way to a terminal. A user agent, session name or alarm reason can carry
 * ESC sequences that move the cursor, clear lines, retitle the window or write to the clipboard
 * (OSC 52), and C1 controls (U+0080–U+009F) that some terminals obey the same way. Bidi overrides and
 * zero-width characters make a line read differently from what it holds. Each of them is shown as a
 * visible escape (`\x1b`, `\u202e`) instead of being obeyed, so the reader sees that it was there.
 */

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

function visible(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${hex(code, 2)}`;
  return code <= 0xffff ? `\\u${hex(code, 4)}` : `\\u{${hex(code, 1)}}`;
}

// Cc: C0, DEL and C1. Cf: bidi controls, zero-width characters, soft hyphen, BOM, tag characters.
// Cs: a lone surrogate half, which a terminal cannot show anyway. U+2028/U+2029 end lines in some.
const UNSAFE_IN_LINE = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/gu;
const UNSAFE_IN_TEXT = /[^\P{Cc}\t\n]|[\p{Cf}\p{Cs}\u2028\u2029]/gu;

/** One line for a terminal: every control and invisible formatting character, line breaks included, shown escaped. */
export function terminalLine(s: string): string {
  return s.replace(UNSAFE_IN_LINE, visible);
}

/**
 * Our own multi-line text for a terminal: `\n` and tab stay (the layout is ours), everything else
 * that {@link terminalLine} escapes is escaped too. Use it only where each line's structure is ours.
 */
export function terminalText(s: string): string {
  return s.replace(UNSAFE_IN_TEXT, visible);
}

// JSON.stringify escapes U+0000–U+001F but leaves DEL, C1, bidi and zero-width characters raw.
const RAW_IN_JSON = /[\u007f-\u009f\p{Cf}\p{Cs}\u2028\u2029]/gu;

/**
 * One JSON line a terminal cannot be steered by: every character JSON.stringify leaves raw that a
 * terminal would obey or hide becomes a `\uXXXX` escape. Such characters occur only inside JSON
 * strings, where the escape means the same character, so `JSON.parse` gives back the same value.
 */
export function terminalJson(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(RAW_IN_JSON, (ch) => {
    const code = ch.codePointAt(0) ?? 0;
    if (code <= 0xffff) return `\\u${hex(code, 4)}`;
    // An astral format character (a tag character): its UTF-16 pair, each half escaped.
    return Array.from({ length: ch.length }, (_, i) => `\\u${hex(ch.charCodeAt(i), 4)}`).join('');
  });
}
