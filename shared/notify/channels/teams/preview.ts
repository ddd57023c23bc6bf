import type { ChannelPreview } from '../types.ts';
import type { TeamsElement, TeamsFact, TeamsMessage } from './render.ts';

/**
 * The previews read the exact body: what replay prints and what the report shows is what the workflow
 * would post. Every string in a card is already one inert line (render.ts), so the previews only lay
 * it out; the only Markdown we write ourselves is `**label**`, shown as the label.
 */

function unbold(s: string): string {
  return s.replace(/\*\*([^*]+)\*\*/g, '$1');
}

function factLines(facts: readonly TeamsFact[], indent: string): string[] {
  return facts.flatMap((f) => {
    const [first = '', ...rest] = f.value.split('\n');
    return [`${indent}${f.title}: ${first}`, ...rest.map((line) => `${indent}  ${line}`)];
  });
}

function elementLines(element: TeamsElement): string[] {
  if (element.type === 'Container') {
    return element.items.map((item, i) => (i === 0 ? `[${element.style}] ${item.text}` : `  ${item.text}`));
  }
  if (element.type === 'FactSet') return factLines(element.facts, '  ');
  return [unbold(element.text)];
}

function text(body: TeamsMessage): string {
  const card = body.attachments[0].content;
  const lines = card.body.flatMap(elementLines);
  for (const action of card.actions) lines.push(`[button] ${action.title} → ${action.url}`);
  return lines.join('\n');
}

function html(body: TeamsMessage, escapeHtml: (s: string) => string): string {
  const card = body.attachments[0].content;
  const rows = (facts: readonly TeamsFact[]) =>
    facts
      .map(
        (f) =>
          `<tr><th>${escapeHtml(f.title)}</th><td>${escapeHtml(f.value).replace(/\n/g, '<br>')}</td></tr>`,
      )
      .join('');
  const parts = card.body.map((element) => {
    if (element.type === 'Container') {
      const items = element.items.map((item, i) =>
        i === 0
          ? `<div class="t-title">${escapeHtml(item.text)}</div>`
          : `<div class="t-note">${escapeHtml(item.text)}</div>`,
      );
      return `<div class="t-band t-${escapeHtml(element.style)}">${items.join('')}</div>`;
    }
    if (element.type === 'FactSet') return `<table class="t-facts">${rows(element.facts)}</table>`;
    // `**label**` is the only Markdown we write: bold it after escaping, so nothing else can be.
    const escaped = escapeHtml(element.text).replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
    const classes = [
      't-text',
      ...(element.isSubtle ? ['t-subtle'] : []),
      ...(element.weight === 'Bolder' ? ['t-bold'] : []),
      ...(element.fontType === 'Monospace' ? ['t-mono'] : []),
      ...(element.spacing === 'None' ? ['t-tight'] : []),
    ];
    return `<div class="${classes.join(' ')}">${escaped}</div>`;
  });
  // render.ts keeps only http(s) URLs in buttons; the report checks again before making a link.
  const buttons = card.actions.map((action) =>
    /^https?:\/\//i.test(action.url)
      ? `<a class="t-button" href="${escapeHtml(action.url)}" rel="noopener noreferrer" target="_blank">${escapeHtml(action.title)}</a>`
      : `<span class="t-button">${escapeHtml(action.title)}</span>`,
  );
  if (buttons.length > 0) parts.push(`<div class="t-actions">${buttons.join(' ')}</div>`);
  return `<div class="teams">${parts.join('\n')}</div>`;
}

/** The card's look in the report: the severity band in the Adaptive Card container style's colour. */
const css = [
  '.teams{border:1px solid #e0e0e0;border-radius:4px;overflow:hidden;font-size:13px}',
  '.teams .t-band{padding:6px 10px}.teams .t-title{font-weight:700;font-size:15px}.teams .t-note{font-size:12px}',
  '.teams .t-attention{background:#fde7e9;border-left:4px solid #c4314b}.teams .t-warning{background:#fff4ce;border-left:4px solid #c19c00}',
  '.teams .t-accent{background:#e8ebfa;border-left:4px solid #5b5fc7}.teams .t-emphasis{background:#f5f5f5;border-left:4px solid #8a8886}',
  '.teams .t-default{background:#fff;border-left:4px solid #c8c6c4}.teams .t-good{background:#e7f2da;border-left:4px solid #6bb700}',
  '.teams .t-text{margin:6px 10px}.teams .t-subtle{color:#616061;font-size:12px}',
  '.teams .t-bold{font-weight:700}.teams .t-tight{margin-top:0}',
  '.teams .t-mono{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all}',
  '.teams .t-facts{margin:6px 10px;font-size:12px}.teams .t-facts th{font-weight:600;white-space:nowrap}',
  '.teams .t-actions{margin:6px 10px 8px;display:flex;flex-wrap:wrap;gap:6px}',
  '.teams .t-button{display:inline-block;border:1px solid #c8c6c4;border-radius:4px;padding:2px 10px;color:#242424;text-decoration:none;font-weight:600;font-size:12px}',
].join('\n');

export const teamsPreview: ChannelPreview<TeamsMessage> = { text, html, css };
