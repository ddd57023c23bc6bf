import { isRecord, str } from '../shared/detect/values.ts';
import type { ReplayNotification, ReplayResult } from '../shared/replay/replay.ts';
import { terminalLine } from '../shared/util/terminal.ts';

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

function indent(lines: readonly string[], by: string): string {
  return lines.map((l) => `${by}${l}`).join('\n');
}

/**
 * Every value below comes from an event or a rendered body: each is shown through terminalLine, so an
 * ESC sequence or a bidi override is printed as `\x1b` / `\u202e` and cannot steer the terminal. Only
 * the line structure (and the colours) are ours.
 */
const t = (v: unknown): string => terminalLine(typeof v === 'string' ? v : v === undefined ? '' : String(v));

/** Block Kit as a person would read it in the channel, not as JSON. */
function slackPreview(body: unknown): string[] {
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
  return lines;
}

function pagerDutyPreview(body: unknown): string[] {
  if (!isRecord(body)) return [];
  const payload = isRecord(body.payload) ? body.payload : {};
  const lines = [`${t(str(body.event_action))} dedup_key=${t(str(body.dedup_key))}`];
  if (str(payload.summary)) lines.push(`${t(str(payload.severity))}: ${t(str(payload.summary))}`);
  return lines;
}

const EMAIL_PREVIEW_LINES = 6;

function emailPreview(body: unknown): string[] {
  if (!isRecord(body)) return [];
  const message = (str(body.Message) ?? '').split('\n');
  return [
    `Subject: ${t(str(body.Subject))}`,
    `To: ${t(str(body.TopicArn))}`,
    '',
    ...message.slice(0, EMAIL_PREVIEW_LINES).map(t),
    ...(message.length > EMAIL_PREVIEW_LINES ? ['…'] : []),
  ];
}

function notificationPreview(n: ReplayNotification): string[] {
  if (n.channel === 'slack') return slackPreview(n.body);
  if (n.channel === 'pagerduty') return pagerDutyPreview(n.body);
  return emailPreview(n.body);
}

export function formatResult(r: ReplayResult, style: Style): string {
  const out: string[] = [paint(t(r.source), BOLD, style)];
  if (r.error) {
    out.push(`  ${paint('error', SEVERITY_COLOUR.critical, style)} ${t(r.error)}`);
    return `${out.join('\n')}\n\n`;
  }
  // A grouping summary has no input event: the group-close queue, not a rule, ran the alert function.
  const summary = r.time !== undefined;
  if (r.matchedRules.length === 0 && !summary) {
    out.push(paint('  no serverless.yml rule matches: the alert function would not run', DIM, style));
    return `${out.join('\n')}\n\n`;
  }
  if (!summary) out.push(`  rules: ${r.matchedRules.map(t).join(', ')}`);
  if (r.alerts.length === 0)
    out.push(
      paint(
        r.suppressed.length > 0
          ? '  no alert sent: raised, then held back (below)'
          : '  no alert: the rules judged this event harmless',
        DIM,
        style,
      ),
    );
  for (const a of r.alerts) {
    const label = a.status === 'resolved' ? 'RESOLVED' : t(a.severity).toUpperCase();
    out.push(
      `  ${paint(`● ${label}`, SEVERITY_COLOUR[a.severity], style)} ${t(a.title)} ${paint(`[${t(a.rule)}]`, DIM, style)}`,
    );
    out.push(`    ${t(a.summary)}`);
    if (a.verdict) out.push(`    ${t(a.verdict)}`);
    if (a.examples) out.push('    Examples:', ...a.examples.map((e) => `      • ${t(e)}`));
  }
  for (const s of r.suppressed) {
    out.push(paint(`  ○ suppressed ${t(s.rule)} (${t(s.kind)}): ${t(s.reason)}`, DIM, style));
  }
  for (const n of r.notifications) {
    const delivery = n.delivery ? ` (${t(n.delivery)})` : '';
    out.push(`  ${paint(`→ ${n.channel} ${t(n.receiver)}`, BOLD, style)}${delivery}`);
    out.push(paint(indent(notificationPreview(n), '    │ '), DIM, style));
  }
  return `${out.join('\n')}\n\n`;
}
