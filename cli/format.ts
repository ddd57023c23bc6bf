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

/** Alerts and notifications per rule over a whole replay, for the table printed before its summary line. */
export class RuleTally {
  private readonly rows = new Map<string, { alerts: number; byChannel: Map<string, number> }>();
  private readonly channels = new Set<string>();

  add(result: ReplayResult): void {
    for (const a of result.alerts) this.row(a.rule).alerts++;
    if (result.notifications.length === 0) return;
    // A notification does not name its alert: when one event raised alerts of several rules, its
    // notifications are counted on a row of their own rather than guessed onto one of them.
    const rules = new Set(result.alerts.map((a) => a.rule));
    const [only] = rules;
    const row = this.row(rules.size === 1 && only !== undefined ? only : '(several rules)');
    for (const n of result.notifications) {
      this.channels.add(n.channel);
      row.byChannel.set(n.channel, (row.byChannel.get(n.channel) ?? 0) + 1);
    }
  }

  private row(rule: string): { alerts: number; byChannel: Map<string, number> } {
    let row = this.rows.get(rule);
    if (!row) {
      row = { alerts: 0, byChannel: new Map() };
      this.rows.set(rule, row);
    }
    return row;
  }

  /** Rule, alerts, then notifications per channel; busiest rule first. Empty when nothing alerted. */
  format(): string {
    if (this.rows.size === 0) return '';
    const channels = [...this.channels].sort();
    const rows = [...this.rows].sort((a, b) => b[1].alerts - a[1].alerts || a[0].localeCompare(b[0]));
    const body = rows.map(([rule, r]) => [
      t(rule),
      String(r.alerts),
      ...channels.map((c) => String(r.byChannel.get(c) ?? 0)),
    ]);
    const total = [
      'total',
      String(rows.reduce((n, [, r]) => n + r.alerts, 0)),
      ...channels.map((c) => String(rows.reduce((n, [, r]) => n + (r.byChannel.get(c) ?? 0), 0))),
    ];
    const table = [['rule', 'alerts', ...channels], ...body, total];
    const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length))) ?? [];
    const line = (r: string[]) =>
      `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`.trimEnd();
    return `Per rule (notifications by channel):\n${table.map(line).join('\n')}\n`;
  }
}
