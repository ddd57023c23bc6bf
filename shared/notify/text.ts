/** Appended whenever we cut text so that a reader can tell something is missing. */
export const TRUNCATION_MARKER = '… (truncated)';

const REPLACEMENT_CHARACTER = '\uFFFD';
// Without the `u` flag the pattern sees UTF-16 code units, which is what a lone surrogate is.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Replaces unpaired surrogates with U+FFFD. JSON.stringify would emit them as `\udXXX` escapes that
 * some receivers reject, and an e-mail body cannot encode them at all.
 */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, REPLACEMENT_CHARACTER);
}

const SLACK_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Slack's control sequences (`<!channel>`, `<https://x|label>`, `<@U123>`) all start with `<`, so
 * escaping these three characters is enough; Slack asks us to escape nothing else.
 */
export function escapeSlack(s: string): string {
  return s.replace(/[&<>]/g, (c) => SLACK_ENTITIES[c] ?? c);
}

/** Cuts to at most `n` code units without leaving the high half of a surrogate pair at the end. */
function cutCodeUnits(s: string, n: number): string {
  if (n <= 0) return '';
  if (s.length <= n) return s;
  const end = isHighSurrogate(s.charCodeAt(n - 1)) ? n - 1 : n;
  return s.slice(0, end);
}

/**
 * Limits `s` to `max` UTF-16 code units, marker included. Lone surrogates become U+FFFD first so the
 * result is always well formed.
 */
export function truncate(s: string, max: number, marker: string = TRUNCATION_MARKER): string {
  const text = wellFormed(s);
  if (text.length <= max) return text;
  if (marker.length >= max) return cutCodeUnits(marker, max);
  return cutCodeUnits(text, max - marker.length) + marker;
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

export function utf8ByteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function cutBytes(s: string, budget: number): string {
  let used = 0;
  let end = 0;
  for (const ch of s) {
    const size = utf8Length(ch.codePointAt(0) ?? 0);
    if (used + size > budget) break;
    used += size;
    end += ch.length;
  }
  return s.slice(0, end);
}

/** Like {@link truncate}, for limits expressed in UTF-8 bytes (SNS, PagerDuty). */
export function truncateBytes(s: string, maxBytes: number, marker: string = TRUNCATION_MARKER): string {
  const text = wellFormed(s);
  if (utf8ByteLength(text) <= maxBytes) return text;
  const markerBytes = utf8ByteLength(marker);
  if (markerBytes >= maxBytes) return cutBytes(marker, maxBytes);
  return cutBytes(text, maxBytes - markerBytes) + marker;
}

/** Every way a line can end: CRLF, CR, LF, VT, FF, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR. */
const LINE_BREAK = /\r\n?|[\n\v\f\u0085\u2028\u2029]/g;

// Cc: C0 controls but tab and newline, DEL, C1. Cf: bidi overrides and isolates (they can make
// `evil.exe` read as `exe.live`), zero-width spaces and joiners, soft hyphen, BOM, tag characters;
// none of them is visible, so an attacker's text holding them reads differently from what it is.
const HIDDEN = /[^\P{Cc}\t\n]|\p{Cf}/gu;

/**
 * Text for e-mail bodies: well formed, every line break normalised to `\n`, and no control or
 * invisible formatting characters except `\n` and `\t`.
 */
export function plainText(s: string): string {
  return wellFormed(s).replace(LINE_BREAK, '\n').replace(HIDDEN, '');
}

/** One line: control and invisible characters removed and every run of whitespace (line breaks too) made one space. */
export function oneLine(s: string): string {
  return plainText(s).replace(/\s+/g, ' ').trim();
}

/**
 * Our labels for the two lines of prose (Slack bolds them), the same in every channel: neither line
 * can start with an attacker's words, such as an alarm's state reason.
 */
export const SUMMARY_LABEL = 'What happened:';
export const VERDICT_LABEL = 'Verdict:';

/**
 * The items of a fact value. Rules join list items ("Trusted principals", "Public grants") with
 * `\n`; each item is one line of its own, and a renderer puts every item behind a marker of ours, so a
 * line break an attacker wrote inside an item can add an item but never start a line of the message.
 */
export function factItems(value: string): string[] {
  return value
    .split(LINE_BREAK)
    .map(inlineText)
    .filter((item) => item !== '');
}

// `scheme://` and `www.` are what mail clients, PagerDuty and Slack's own notification text turn into
// links by themselves; an attacker's URL must stay text, so its shape is broken the way analysts
// write indicators ("[:]//", "[.]"): still readable, no longer clickable. Every occurrence, even
// inside a word ("1.2.3.4https://…"), since linkifiers do not wait for a word boundary.
const URL_SCHEME_MARK = /:\/\//g;
const WWW = /www\./gi;

/**
 * An untrusted value as one inert line of plain text: {@link oneLine}, and no link a client would
 * make clickable. E-mail and PagerDuty send every event-derived string through it; Slack builds on it.
 */
export function inlineText(s: string): string {
  return oneLine(s)
    .replace(URL_SCHEME_MARK, '[:]//')
    .replace(WWW, (www) => `${www.slice(0, 3)}[.]`);
}
