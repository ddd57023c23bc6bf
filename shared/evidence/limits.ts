import { inlineText, truncate } from '../notify/text.ts';

/** Characters per evidence line, marker included: one line a person reads, not a log dump. */
export const EVIDENCE_LINE_MAX = 300;
/** Lines per evidence section: the page must stay readable on a phone at 3 a.m. */
export const EVIDENCE_LINES_MAX = 8;

/** One inert line of evidence: one line of text, links defused, cut to EVIDENCE_LINE_MAX. */
export function evidenceLine(s: string): string {
  return truncate(inlineText(s), EVIDENCE_LINE_MAX);
}
