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
 * A bare domain (`evil-example.com/aws-login`): mail clients, PagerDuty and Teams make it a link with
 * no scheme at all. Its last dot is broken the way analysts write indicators (`evil-example[.]com`),
 * still readable; a version number or `6.01` (no letters after the dot) stays as it is.
 */
const BARE_DOMAIN =
  /\b((?:[A-Za-z0-9][A-Za-z0-9-]{0,62}\.){0,10}[A-Za-z0-9][A-Za-z0-9-]{0,62})\.([a-z]{2,24})(?![.A-Za-z0-9-])/g;

/**
 * One inert line of evidence from text we did not write (a log line, an alarm's reason, a user
 * name): one line, secret-looking values masked, links and bare domains defused, cut to
 * EVIDENCE_LINE_MAX.
 */
export function evidenceLine(raw: string): string {
  const line = oneLine(raw.length > MASK_WINDOW ? raw.slice(0, MASK_WINDOW) : raw);
  const inert = inlineText(maskSecrets(line)).replace(BARE_DOMAIN, (_m, head, tld) => `${head}[.]${tld}`);
  return truncate(inert, EVIDENCE_LINE_MAX);
}
