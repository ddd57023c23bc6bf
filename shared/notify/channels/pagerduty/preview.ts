import { isRecord, str } from '../../../detect/values.ts';
import { htmlLink, previewLine as t } from '../preview.ts';
import type { ChannelPreview } from '../types.ts';
import type { PagerDutyEvent } from './render.ts';

function pagerDutyText(event: PagerDutyEvent): string {
  const body: unknown = event;
  if (!isRecord(body)) return '';
  const payload = isRecord(body.payload) ? body.payload : {};
  const lines = [`${t(str(body.event_action))} dedup_key=${t(str(body.dedup_key))}`];
  if (str(payload.summary)) lines.push(`${t(str(payload.severity))}: ${t(str(payload.summary))}`);
  return lines.join('\n');
}

function pagerDutyHtml(event: PagerDutyEvent, escapeHtml: (s: string) => string): string {
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
  return `<div class="pd"><div class="pd-summary"><span class="sev sev-${escapeHtml(str(p.severity) ?? 'info')}">${escapeHtml(str(p.severity) ?? '')}</span> ${escapeHtml(str(p.summary) ?? '')}</div>
<table>${row('event_action', body.event_action)}${row('dedup_key', body.dedup_key)}${row('source', p.source)}${row('component', p.component)}${row('group', p.group)}${row('class', p.class)}</table>
${links.length > 0 ? `<div class="pd-links">${links.join(' · ')}</div>` : ''}</div>`;
}

export const pagerDutyPreview: ChannelPreview<PagerDutyEvent> = { text: pagerDutyText, html: pagerDutyHtml };
