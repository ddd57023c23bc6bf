import { terminalLine } from '../util/terminal.ts';
import type { BacktestSummary } from './summary.ts';

/**
 * Strings from the logs go to a terminal: an escape sequence in a user agent or session name could
 * rewrite the screen, so every control or invisible character is shown escaped (`\x1b`, `\u202e`).
 */
export const printable = terminalLine;

const n = (x: number) => x.toLocaleString('en-US');

/** Every cell is shown through {@link printable}: rule, receiver and kind names included. */
function table(cells: string[][], indent = '  '): string[] {
  const rows = cells.map((r) => r.map(printable));
  const widths: number[] = [];
  for (const r of rows) {
    for (const [i, c] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  }
  return rows.map((r) =>
    `${indent}${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd(),
  );
}

/** The summary as a person reads it after a run. */
export function formatSummary(s: BacktestSummary): string {
  const out: string[] = [];
  const range = s.timeRange ? ` from ${printable(s.timeRange.first)} to ${printable(s.timeRange.last)}` : '';
  out.push(
    `${n(s.records.read)} record(s) in ${n(s.files.read + s.files.failed)} file(s)${range}; ` +
      `${n(s.records.matched)} matched a rule, ${n(s.alerts.total)} alert(s), ${n(s.notifications.total)} notification(s), ` +
      `${n(s.suppressed.total)} suppressed, ${n(s.errors.total)} error(s). Dry run: nothing was sent.`,
  );
  const section = (title: string, rows: string[][]) => {
    out.push('', title);
    out.push(...(rows.length > 0 ? table(rows) : ['  none']));
  };
  section(
    'Records matched per serverless.yml rule',
    Object.entries(s.matchedByRule).map(([rule, c]) => [n(c), rule]),
  );
  section(
    'Alerts per rule and severity',
    s.alerts.byRule.map((r) => [n(r.count), r.severity, r.status === 'firing' ? '' : r.status, r.rule]),
  );
  section(
    'Notifications per receiver',
    s.notifications.byReceiver.map((r) => [n(r.count), r.channel, r.receiver]),
  );
  section(
    'Suppressed',
    s.suppressed.byEntry.map((e) => [n(e.count), e.kind, e.rule, printable(e.reason)]),
  );
  section(
    `Busiest actors (records, alerts)${s.actors.approximate ? ' — approximate: too many distinct callers to count exactly' : ''}`,
    s.actors.busiest.slice(0, 10).map((a) => [n(a.records), n(a.alerts), printable(a.actor)]),
  );
  section(
    'Actors behind the most alerts',
    s.actors.noisiest.slice(0, 10).map((a) => [n(a.alerts), printable(a.actor)]),
  );
  const errors = [
    ...s.errors.files.map((f) => [`file`, printable(f.file), printable(f.error)]),
    ...s.errors.records.map((r) => [n(r.count), printable(r.reason), `e.g. ${printable(r.example)}`]),
  ];
  if (s.errors.unlisted > 0) errors.push([n(s.errors.unlisted), 'more, not listed']);
  section('Errors (skipped, the run went on)', errors);
  return `${out.join('\n')}\n`;
}
