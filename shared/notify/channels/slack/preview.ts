import { isRecord, str } from '../../../detect/values.ts';
import { htmlLink, previewLine as t } from '../preview.ts';
import type { ChannelPreview } from '../types.ts';
import type { SlackPostBody } from './app/sender.ts';
import type { SlackMessage } from './render.ts';

/** What a Slack receiver is sent: the webhook's message, or an app's chat.postMessage body. */
export type SlackBody = SlackMessage | SlackPostBody;

/** App mode only: where the message goes and what later alerts of its key do to it. */
function appNote(body: SlackBody): string | undefined {
  if (!('channel' in body)) return undefined;
  return `(Slack app: chat.postMessage to channel ${t(body.channel)}; a repeat replies in its thread, a resolve updates the original message and replies in the thread)`;
}

/** Block Kit as a person would read it in the channel, not as JSON. */
function slackText(message: SlackBody): string {
  const body: unknown = message;
  const lines: string[] = [];
  const blocks = isRecord(body) && Array.isArray(body.blocks) ? body.blocks : [];
  for (const b of blocks) {
    if (!isRecord(b)) continue;
    const text = isRecord(b.text) ? str(b.text.text) : undefined;
    if (b.type === 'header' && text) lines.push(`# ${t(text)}`);
    else if (b.type === 'section') {
      if (text) lines.push(...text.split('\n').map(t));
      for (const f of Array.isArray(b.fields) ? b.fields : []) {
        const field = isRecord(f) ? str(f.text) : undefined;
        if (field) lines.push(`  ${field.split('\n').map(t).join(' | ')}`);
      }
    } else if (b.type === 'actions') {
      const buttons = (Array.isArray(b.elements) ? b.elements : [])
        .map((e) => (isRecord(e) && isRecord(e.text) ? `[${t(str(e.text.text))}]` : ''))
        .filter(Boolean);
      lines.push(buttons.join(' '));
    } else if (b.type === 'context') {
      const parts = (Array.isArray(b.elements) ? b.elements : []).map((e) =>
        isRecord(e) ? t(str(e.text)) : '',
      );
      lines.push(parts.join(' · '));
    }
  }
  const note = appNote(message);
  if (note !== undefined) lines.push(note);
  return lines.join('\n');
}

/** Slack shows `&amp;`, `&lt;`, `&gt;` as the characters they stand for. */
function unslack(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const CODE_BLOCK = /```([^`]*)```/g;

/**
 * Inline mrkdwn on plain text: ```code blocks``` (monospace, nothing inside formats), *bold*,
 * _italic_, `code`. Input is already HTML-escaped.
 */
function emphasis(escaped: string): string {
  const out: string[] = [];
  let last = 0;
  for (let m = CODE_BLOCK.exec(escaped); m; m = CODE_BLOCK.exec(escaped)) {
    out.push(inlineEmphasis(escaped.slice(last, m.index)), `<pre class="s-code">${m[1] ?? ''}</pre>`);
    last = m.index + m[0].length;
  }
  out.push(inlineEmphasis(escaped.slice(last)));
  return out.join('');
}

/**
 * The shortcodes our Slack messages use (and a few common ones), as Slack draws them; Slack's full
 * list (https://api.slack.com/reference/surfaces/formatting#emoji) is thousands long, so any other
 * shortcode stays as its text, as Slack shows one it does not know.
 */
export const SLACK_EMOJI: Readonly<Record<string, string>> = {
  red_circle: '🔴',
  large_orange_circle: '🟠',
  large_yellow_circle: '🟡',
  large_blue_circle: '🔵',
  large_green_circle: '🟢',
  white_circle: '⚪',
  white_check_mark: '✅',
  no_entry: '⛔',
  warning: '⚠️',
  rotating_light: '🚨',
  alarm_clock: '⏰',
  bell: '🔔',
  lock: '🔒',
  unlock: '🔓',
  fire: '🔥',
};

/** `:name:` to its emoji; the names are ASCII, so escaping before or after changes nothing. */
export function slackEmoji(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) =>
    Object.hasOwn(SLACK_EMOJI, name) ? (SLACK_EMOJI[name] ?? whole) : whole,
  );
}

function inlineEmphasis(escaped: string): string {
  return slackEmoji(escaped)
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, '$1<strong>$2</strong>')
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, '$1<em>$2</em>');
}

/**
 * Slack mrkdwn to HTML, close to what the channel shows: `<url|text>` links, `<!here>`-style
 * mentions as badges, emphasis, line breaks. The text between control sequences is unescaped
 * from Slack's entities and escaped again for HTML.
 */
export function mrkdwnToHtml(text: string, escapeHtml: (s: string) => string): string {
  const out: string[] = [];
  const control = /<([^<>]*)>/g;
  let last = 0;
  for (let m = control.exec(text); m; m = control.exec(text)) {
    out.push(emphasis(escapeHtml(unslack(text.slice(last, m.index)))));
    const inner = m[1] ?? '';
    if (inner.startsWith('!')) {
      out.push(`<span class="mention">@${escapeHtml(unslack(inner.slice(1).split('|')[0] ?? ''))}</span>`);
    } else {
      const [url = '', label] = inner.split('|');
      out.push(htmlLink(unslack(url), unslack(label ?? url), escapeHtml));
    }
    last = m.index + m[0].length;
  }
  out.push(emphasis(escapeHtml(unslack(text.slice(last)))));
  // A code block is a block of its own: the line breaks around it are its margins.
  return out
    .join('')
    .replace(/\n?(<pre class="s-code">[^<]*<\/pre>)\n?/g, '$1')
    .replace(/\n/g, '<br>');
}

function slackHtml(message: SlackBody, escapeHtml: (s: string) => string): string {
  const body: unknown = message;
  const mrkdwn = (text: string) => mrkdwnToHtml(text, escapeHtml);
  const blocks = isRecord(body) && Array.isArray(body.blocks) ? body.blocks : [];
  const out: string[] = [];
  for (const b of blocks) {
    if (!isRecord(b)) continue;
    const text = isRecord(b.text) ? str(b.text.text) : undefined;
    if (b.type === 'header' && text !== undefined)
      out.push(`<div class="s-header">${slackEmoji(escapeHtml(text))}</div>`);
    else if (b.type === 'section') {
      if (text !== undefined) out.push(`<div class="s-section">${mrkdwn(text)}</div>`);
      const fields = Array.isArray(b.fields) ? b.fields : [];
      if (fields.length > 0) {
        const cells = fields.map(
          (f) => `<div>${mrkdwn((isRecord(f) ? str(f.text) : undefined) ?? '')}</div>`,
        );
        out.push(`<div class="s-fields">${cells.join('')}</div>`);
      }
    } else if (b.type === 'actions') {
      const buttons = (Array.isArray(b.elements) ? b.elements : []).map((e) => {
        const label = isRecord(e) && isRecord(e.text) ? (str(e.text.text) ?? '') : '';
        const url = isRecord(e) ? str(e.url) : undefined;
        return url
          ? htmlLink(url, label, escapeHtml, 's-button')
          : `<span class="s-button">${escapeHtml(label)}</span>`;
      });
      out.push(`<div class="s-actions">${buttons.join(' ')}</div>`);
    } else if (b.type === 'context') {
      const parts = (Array.isArray(b.elements) ? b.elements : []).map((e) =>
        mrkdwn((isRecord(e) ? str(e.text) : undefined) ?? ''),
      );
      out.push(`<div class="s-context">${parts.join(' ')}</div>`);
    } else if (b.type === 'divider') out.push('<hr>');
  }
  const note = appNote(message);
  if (note !== undefined) out.push(`<div class="s-context">${escapeHtml(note)}</div>`);
  return `<div class="slack">${out.join('\n')}</div>`;
}

export const slackPreview: ChannelPreview<SlackBody> = {
  text: slackText,
  html: slackHtml,
  // Slack shows a code block in monospace on a grey ground: the evidence's sparkline.
  css: '.slack .s-code{font-family:ui-monospace,Menlo,Consolas,monospace;background:#f8f8f8;border:1px solid #e8e8e8;border-radius:4px;padding:2px 6px;margin:2px 0;white-space:pre-wrap;word-break:break-all}',
};
