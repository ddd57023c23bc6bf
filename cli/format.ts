import { previewLine } from '../shared/notify/channels/preview.ts';
import { pluginFor } from '../shared/notify/channels/registry.ts';
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

function indent(lines: readonly string[], by: string): string {
  return lines.map((l) => `${by}${l}`).join('\n');
}

/**
 * Every value below comes from an event or a rendered body: each is shown through terminalLine, so an
 * ESC sequence or a bidi override is printed as `\x1b` / `\u202e` and cannot steer the terminal. Only
 * the line structure (and the colours) are ours.
 */
const t = previewLine;

/** The body as its channel's plug-in previews it (already inert), a line per element. */
function notificationPreview(n: ReplayNotification): string[] {
  const plugin = pluginFor(n.channel);
  const text = plugin ? plugin.preview.text(n.body) : t(JSON.stringify(n.body) ?? '');
  return text === '' ? [] : text.split('\n');
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
