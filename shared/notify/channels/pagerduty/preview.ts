import { isRecord, str } from '../../../detect/values.ts';
import { looksLikeChart } from '../../evidence.ts';
import { htmlLink, previewLine as t } from '../preview.ts';
import type { ChannelPreview, PreviewAlert } from '../types.ts';
import type { PagerDutyEvent } from './render.ts';

/** custom_details.evidence read back: each title and its items (a note when it was removed to fit). */
function evidenceOf(payload: Record<string, unknown>): Array<[string, string[]]> | string | undefined {
  const details = isRecord(payload.custom_details) ? payload.custom_details : {};
  const evidence = details.evidence;
  if (typeof evidence === 'string') return evidence;
  if (!isRecord(evidence)) return undefined;
  return Object.entries(evidence).map(([title, items]): [string, string[]] => [
    title,
    Array.isArray(items) ? items.map((item) => str(item) ?? '') : [],
  ]);
}

function pagerDutyText(event: PagerDutyEvent): string {
  const body: unknown = event;
  if (!isRecord(body)) return '';
  const payload = isRecord(body.payload) ? body.payload : {};
  const lines = [`${t(str(body.event_action))} dedup_key=${t(str(body.dedup_key))}`];
  if (str(payload.summary)) lines.push(`${t(str(payload.severity))}: ${t(str(payload.summary))}`);
  // As the incident's custom details list them: the key, then each title and its items.
  const evidence = evidenceOf(payload);
  if (typeof evidence === 'string') lines.push(`evidence: ${t(evidence)}`);
  else if (evidence !== undefined) {
    lines.push('evidence:');
    for (const [title, items] of evidence)
      lines.push(`  ${t(title)}:`, ...items.map((item) => `    ${t(item)}`));
  }
  return lines.join('\n');
}

function evidenceHtml(payload: Record<string, unknown>, escapeHtml: (s: string) => string): string {
  const evidence = evidenceOf(payload);
  if (evidence === undefined) return '';
  if (typeof evidence === 'string') return `<div class="pd-evidence">${escapeHtml(evidence)}</div>`;
  const sections = evidence.map(([title, items]) => {
    const rows = items.map((item) =>
      looksLikeChart(item) ? `<li class="pd-chart">${escapeHtml(item)}</li>` : `<li>${escapeHtml(item)}</li>`,
    );
    return `<div class="pd-ev-title">${escapeHtml(title)}</div><ul>${rows.join('')}</ul>`;
  });
  return `<div class="pd-evidence">${sections.join('')}</div>`;
}

/**
 * Ours first, then PagerDuty's word for it: PagerDuty has four severities, so our "high" arrives as
 * "error" (https://developer.pagerduty.com/docs/events-api-v2-overview#alert-event-fields), and a
 * reader of the report must not take that for a failure.
 */
function severityHtml(
  pd: string | undefined,
  alert: PreviewAlert | undefined,
  escapeHtml: (s: string) => string,
): string {
  const theirs = pd === undefined ? '' : `<span class="pd-sev">PagerDuty severity: ${escapeHtml(pd)}</span>`;
  if (alert === undefined) return theirs;
  return `<span class="sev sev-${escapeHtml(alert.severity)}">${escapeHtml(alert.severity)}</span> ${theirs}`;
}

function pagerDutyHtml(
  event: PagerDutyEvent,
  escapeHtml: (s: string) => string,
  alert?: PreviewAlert,
): string {
  const body: unknown = event;
  if (!isRecord(body)) return '';
  const p = isRecord(body.payload) ? body.payload : {};
  const row = (k: string, v: unknown) =>
    typeof v === 'string' ? `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>` : '';
  const links = (Array.isArray(body.links) ? body.links : [])
    .map((l) =>
      isRecord(l) ? htmlLink(str(l.href) ?? '', str(l.text) ?? str(l.href) ?? '', escapeHtml) : '',
    )
    .filter(Boolean);
  return `<div class="pd"><div class="pd-summary">${severityHtml(str(p.severity), alert, escapeHtml)} ${escapeHtml(str(p.summary) ?? '')}</div>
<table>${row('event_action', body.event_action)}${row('dedup_key', body.dedup_key)}${row('source', p.source)}${row('component', p.component)}${row('group', p.group)}${row('class', p.class)}</table>
${evidenceHtml(p, escapeHtml)}${links.length > 0 ? `<div class="pd-links">${links.join(' · ')}</div>` : ''}</div>`;
}

export const pagerDutyPreview: ChannelPreview<PagerDutyEvent> = {
  text: pagerDutyText,
  html: pagerDutyHtml,
  css: [
    '.pd .pd-sev{font-size:11px;color:#616061;border:1px solid #ccc;border-radius:3px;padding:0 4px;white-space:nowrap}',
    '.pd .pd-evidence{font-size:12px;margin:4px 0}.pd .pd-ev-title{font-weight:600;margin-top:4px}',
    '.pd .pd-evidence ul{margin:2px 0 2px 18px;padding:0}.pd .pd-chart{font-family:ui-monospace,Menlo,Consolas,monospace;list-style:none}',
  ].join('\n'),
};
