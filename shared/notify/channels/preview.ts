import { terminalLine } from '../../util/terminal.ts';

/**
 * Helpers for the channels' previews (replay's terminal and the backtest report). A preview reads a
 * body back defensively: replay keeps it as `unknown`, and the report may read one written by an
 * older version.
 */

/**
 * A value from a rendered body as one terminal line: an ESC sequence or a bidi override is printed as
 * `\x1b` / `\u202e` and cannot steer the terminal (shared/util/terminal.ts). Only the line structure
 * is the preview's own.
 */
export function previewLine(v: unknown): string {
  return terminalLine(typeof v === 'string' ? v : v === undefined ? '' : String(v));
}

/** Only web links survive into an href; javascript:, data: and the rest become plain text. */
export function htmlLink(url: string, text: string, escapeHtml: (s: string) => string, cls = ''): string {
  if (!/^https?:\/\//i.test(url)) return escapeHtml(text);
  return `<a${cls ? ` class="${cls}"` : ''} href="${escapeHtml(url)}" rel="noopener noreferrer" target="_blank">${escapeHtml(text)}</a>`;
}
