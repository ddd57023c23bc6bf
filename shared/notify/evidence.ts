import type { Alert, Evidence } from '../events/alert.ts';
import { EVIDENCE_LINE_MAX, EVIDENCE_LINES_MAX } from '../evidence/limits.ts';
import { inlineText, TRUNCATION_MARKER, truncate } from './text.ts';

export { EVIDENCE_LINE_MAX, EVIDENCE_LINES_MAX };

/**
 * The evidence sections (shared/evidence) as every channel shows them, before its own markup: each
 * string one inert line ({@link inlineText}), bounded, in the builders' order. The builders already
 * store inert, bounded text; a renderer must not rely on that (an older or a forged request may carry
 * anything), so every channel goes through here and escapes the result for its markup besides.
 *
 * Where it goes, in every channel: after the facts, before the links. The on-call person reads what
 * happened and whether it is dangerous first, then who and what (the facts), then why (the metric, the
 * errors, the history); the links are for what the message could not say. When a channel runs short
 * of room, evidence is cut before the facts, and the cut is said.
 */

/** Titles are our words ("Errors (Sum per minute), 09:32–10:02 UTC"); a longer one was not built by us. */
export const EVIDENCE_TITLE_MAX = 200;
const UNTITLED = 'Evidence';

/** One section as inert plain text. */
export interface EvidenceText {
  kind: Evidence['kind'];
  title: string;
  /** The sparkline, when there is one: one row, shown in monospace where the channel has it. */
  chart?: string;
  lines: string[];
  /** Lines past {@link EVIDENCE_LINES_MAX}: counted, never silently lost. */
  omitted: number;
}

/**
 * A value this long is cut before the work that scans every character (as Teams' preCut): whatever is
 * left past the limit is cut again, marked, after inlineText.
 */
function preCut(s: string, max: number): string {
  const n = 4 * max + 64;
  return s.length <= n ? s : s.slice(0, n) + TRUNCATION_MARKER;
}

export function inertEvidenceLine(s: string, max: number = EVIDENCE_LINE_MAX): string {
  return truncate(inlineText(preCut(s, max)), max);
}

/** One section, inert and bounded: at most {@link EVIDENCE_LINES_MAX} lines, the rest counted. */
export function evidenceText(section: Evidence): EvidenceText {
  const title = inertEvidenceLine(section.title, EVIDENCE_TITLE_MAX) || UNTITLED;
  const chart = section.chart === undefined ? '' : inertEvidenceLine(section.chart);
  const lines: string[] = [];
  let omitted = 0;
  for (const line of section.lines) {
    if (lines.length >= EVIDENCE_LINES_MAX) {
      omitted++;
      continue;
    }
    const inert = inertEvidenceLine(line);
    if (inert !== '') lines.push(inert);
  }
  return { kind: section.kind, title, ...(chart === '' ? {} : { chart }), lines, omitted };
}

/**
 * The sections a person is shown for `alert`: none for a resolve, which is a short follow-up to the
 * message that showed them (as its facts are left out: Slack, Teams, e-mail; PagerDuty sends a bare
 * resolve). The webhook carries `alert.evidence` as it is, for every type.
 */
export function shownEvidence(alert: Alert): EvidenceText[] {
  if (alert.status !== 'firing') return [];
  return (alert.evidence ?? []).map(evidenceText);
}

/**
 * Our word for each kind, in front of a section's title where the channel has no other marker of
 * ours on that line (Slack, Teams): a title may hold an alarm's or a log group's name, and no line
 * may start with words an attacker chose.
 */
export const EVIDENCE_KIND_LABEL: Readonly<Record<Evidence['kind'], string>> = {
  metric: 'Metric',
  children: 'Alarms',
  logs: 'Logs',
  history: 'History',
};

/** What a section says about the lines it could not show. */
export function moreLinesNote(n: number): string {
  return `${n} more line(s) not shown ${TRUNCATION_MARKER}`;
}

/** What a message says about the sections it could not show. */
export function moreEvidenceNote(n: number): string {
  return `${n} evidence section(s) not shown ${TRUNCATION_MARKER}`;
}

/** Starts each plain-text title line: every line of an e-mail starts with a label or marker of ours. */
export const EVIDENCE_LABEL = 'Evidence:';
/** Indents the chart and the lines under their title, the lines behind a marker of ours. */
export const EVIDENCE_INDENT = '  ';
export const EVIDENCE_ITEM_MARK = '  • ';
/**
 * The chart's frame in plain text: thin bars from the sparkline's own Unicode block (any font that
 * draws the bars draws them), so the chart's line too starts with a character of ours, and a reader
 * sees where the periods start and end.
 */
export const CHART_OPEN = '\u2595'; // ▕ RIGHT ONE EIGHTH BLOCK
export const CHART_CLOSE = '\u258f'; // ▏ LEFT ONE EIGHTH BLOCK

/**
 * A section as plain-text lines (e-mail, terminal previews):
 *
 *   Evidence: Errors (Sum per minute), 09:32–10:02 UTC
 *     ▕▁▁▂▁▁▅▇█▏
 *     • Threshold 5 (Sum ≥ 5 for 1 minute); last 12
 */
export function evidencePlainLines(section: EvidenceText): string[] {
  return [
    `${EVIDENCE_LABEL} ${section.title}`,
    ...(section.chart === undefined ? [] : [`${EVIDENCE_INDENT}${CHART_OPEN}${section.chart}${CHART_CLOSE}`]),
    ...section.lines.map((line) => `${EVIDENCE_ITEM_MARK}${line}`),
    ...(section.omitted > 0 ? [`${EVIDENCE_ITEM_MARK}${moreLinesNote(section.omitted)}`] : []),
  ];
}

/** A sparkline as the builders draw it: block characters, "·" for no data (shared/events/alert.ts). */
const SPARKLINE = /^[\u2581-\u2588\u00b7 ]+$/;

/** For previews that read a body back (PagerDuty's arrays): the value is a chart, shown in monospace. */
export function looksLikeChart(s: string): boolean {
  return SPARKLINE.test(s);
}
