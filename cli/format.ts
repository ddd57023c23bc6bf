import { isRecord, str } from '../shared/detect/values.ts';
import type { ReplayNotification, ReplayResult } from '../shared/replay/replay.ts';

const SEVERITY_COLOUR: Record<string, string> = {
  critical: '\u001b[1;31m',
  high: '\u001b[31m',
  medium: '\u001b[33m',
  low: '\u001b[36m',
  info: '\u001b[2m',
};
const RESET = '\u001b[0m';
const DIM = '\u001b[2m';
const BOLD = '\u001b[1m';

interface Style {
  color: boolean;
}

function paint(s: string, code: string | undefined, style: Style): string {
  return style.color && code ? `${code}${s}${RESET}` : s;
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');
}

/** Block Kit as a person would read it in the channel, not as JSON. */
function slackPreview(body: unknown): string {
  const lines: string[] = [];
  const blocks = isRecord(body) && Array.isArray(body.blocks) ? body.blocks : [];
  for (const b of blocks) {
    if (!isRecord(b)) continue;
    const text = isRecord(b.text) ? str(b.text.text) : undefined;
    if (b.type === 'header' && text) lines.push(`# ${text}`);
    else if (b.type === 'section') {
      if (text) lines.push(text);
      for (const f of Array.isArray(b.fields) ? b.fields : []) {
        const t = isRecord(f) ? str(f.text) : undefined;
        if (t) lines.push(`  ${t.replace(/\n/g, ' | ')}`);
      }
    } else if (b.type === 'actions') {
      const buttons = (Array.isArray(b.elements) ? b.elements : [])
        .map((e) => (isRecord(e) && isRecord(e.text) ? `[${str(e.text.text)}]` : ''))
        .filter(Boolean);
      lines.push(buttons.join(' '));
    } else if (b.type === 'context') {
      const parts = (Array.isArray(b.elements) ? b.elements : []).map((e) =>
        isRecord(e) ? (str(e.text) ?? '') : '',
      );
      lines.push(parts.join(' · '));
    }
  }
  return lines.join('\n');
}

function pagerDutyPreview(body: unknown): string {
  if (!isRecord(body)) return '';
  const payload = isRecord(body.payload) ? body.payload : {};
  const lines = [`${str(body.event_action)} dedup_key=${str(body.dedup_key)}`];
  if (str(payload.summary)) lines.push(`${str(payload.severity)}: ${str(payload.summary)}`);
  return lines.join('\n');
}

function emailPreview(body: unknown): string {
  if (!isRecord(body)) return '';
  const message = str(body.Message) ?? '';
  const head = message.split('\n').slice(0, 6).join('\n');
  return `Subject: ${str(body.Subject)}\nTo: ${str(body.TopicArn)}\n\n${head}${message.split('\n').length > 6 ? '\n…' : ''}`;
}

function notificationPreview(n: ReplayNotification): string {
  if (n.channel === 'slack') return slackPreview(n.body);
  if (n.channel === 'pagerduty') return pagerDutyPreview(n.body);
  return emailPreview(n.body);
}

export function formatResult(r: ReplayResult, style: Style): string {
  const out: string[] = [paint(r.source, BOLD, style)];
  if (r.error) {
    out.push(`  ${paint('error', SEVERITY_COLOUR.critical, style)} ${r.error}`);
    return `${out.join('\n')}\n\n`;
  }
  // A grouping summary has no input event: the group-close queue, not a rule, ran the alert function.
  const summary = r.time !== undefined;
  if (r.matchedRules.length === 0 && !summary) {
    out.push(paint('  no serverless.yml rule matches: the alert function would not run', DIM, style));
    return `${out.join('\n')}\n\n`;
  }
  if (!summary) out.push(`  rules: ${r.matchedRules.join(', ')}`);
  if (r.alerts.length === 0) out.push(paint('  no alert: the rules judged this event harmless', DIM, style));
  for (const a of r.alerts) {
    const label = a.status === 'resolved' ? 'RESOLVED' : a.severity.toUpperCase();
    out.push(
      `  ${paint(`● ${label}`, SEVERITY_COLOUR[a.severity], style)} ${a.title} ${paint(`[${a.rule}]`, DIM, style)}`,
    );
    out.push(`    ${a.summary}`);
    if (a.verdict) out.push(`    ${a.verdict}`);
  }
  for (const s of r.suppressed) {
    out.push(paint(`  ○ suppressed ${s.rule} (${s.kind}): ${s.reason}`, DIM, style));
  }
  for (const n of r.notifications) {
    const delivery = n.delivery ? ` (${n.delivery})` : '';
    out.push(`  ${paint(`→ ${n.channel} ${n.receiver}`, BOLD, style)}${delivery}`);
    out.push(paint(indent(notificationPreview(n), '    │ '), DIM, style));
  }
  return `${out.join('\n')}\n\n`;
}
