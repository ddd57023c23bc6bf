import { inlineText, oneLine, truncate } from '../notify/text.ts';
import { maskSecrets } from './mask.ts';

/** Characters per evidence line, marker included: one line a person reads, not a log dump. */
export const EVIDENCE_LINE_MAX = 300;
/** Lines per evidence section: the page must stay readable on a phone at 3 a.m. */
export const EVIDENCE_LINES_MAX = 8;

/**
 * How much of a text is masked and made inert before it is cut to EVIDENCE_LINE_MAX: enough that a
 * secret starting inside the shown part ends inside the masked part.
 */
const MASK_WINDOW = 1000;

/**
 * One inert line of evidence from text we did not write (a log line, an alarm's reason, a user
 * name): one line, secret-looking values masked, links defused, cut to EVIDENCE_LINE_MAX.
 */
export function evidenceLine(raw: string): string {
  const line = oneLine(raw.length > MASK_WINDOW ? raw.slice(0, MASK_WINDOW) : raw);
  return truncate(inlineText(maskSecrets(line)), EVIDENCE_LINE_MAX);
}
