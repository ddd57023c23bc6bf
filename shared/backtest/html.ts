/**
 * The backtest report: one HTML file that needs nothing else. Data for the chart travels as JSON
 * in the page and a small inline script draws it as SVG; previews are rendered here. Every string
 * from the logs is attacker-controlled, so all of it is escaped, links are kept only when they are
 * http(s), and a Content-Security-Policy forbids any fetch and any script but the page's own.
 */
import { createHash } from 'node:crypto';
import { CHANNEL_PLUGINS, pluginFor } from '../notify/channels/registry.ts';
import type { ReplayNotification } from '../replay/replay.ts';
import type { AlertPreview, BacktestSummary } from './summary.ts';

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The body as its channel's plug-in previews it; every string in it escaped with {@link escapeHtml}. */
function notificationHtml(n: ReplayNotification): string {
  const plugin = pluginFor(n.channel);
  const inner = plugin
    ? plugin.preview.html(n.body, escapeHtml)
    : `<pre>${escapeHtml(JSON.stringify(n.body) ?? '')}</pre>`;
  return `<figure class="channel channel-${n.channel}"><figcaption>${escapeHtml(n.channel)} → ${escapeHtml(n.receiver)}</figcaption>${inner}</figure>`;
}

function previewHtml(p: AlertPreview): string {
  const channels =
    p.notifications.length > 0
      ? p.notifications.map(notificationHtml).join('\n')
      : '<p class="muted">routed to no receiver</p>';
  return `<section class="preview" data-rule="${escapeHtml(p.rule)}">
<h3><span class="sev sev-${escapeHtml(p.severity)}">${escapeHtml(p.severity)}</span> ${escapeHtml(p.title)} <code>${escapeHtml(p.rule)}</code>${p.status === 'firing' ? '' : ` <em>${escapeHtml(p.status)}</em>`}</h3>
<p class="muted">${p.count.toLocaleString('en-US')} alert(s) like this; first from ${escapeHtml(p.source)}</p>
<div class="channels">${channels}</div>
</section>`;
}

function tableHtml(head: string[], rows: Array<Array<string | number>>, cls = ''): string {
  if (rows.length === 0) return '<p class="muted">none</p>';
  const cell = (c: string | number) =>
    typeof c === 'number' ? `<td class="num">${c.toLocaleString('en-US')}</td>` : `<td>${escapeHtml(c)}</td>`;
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}

/** Every bucket between the first and last alert, so quiet hours show as gaps, not nothing. */
export function chartData(timeline: BacktestSummary['timeline']): {
  bucket: string;
  labels: string[];
  series: Array<{ rule: string; values: number[] }>;
} {
  const keys = timeline.series.flatMap((s) => s.points.map(([k]) => k)).sort();
  const first = keys[0];
  const last = keys[keys.length - 1];
  const step = timeline.bucket === 'hour' ? 3_600_000 : 86_400_000;
  const toMs = (k: string) => Date.parse(timeline.bucket === 'hour' ? `${k}:00:00Z` : `${k}T00:00:00Z`);
  const toKey = (ms: number) => new Date(ms).toISOString().slice(0, timeline.bucket === 'hour' ? 13 : 10);
  let labels: string[] = [];
  if (
    first !== undefined &&
    last !== undefined &&
    Number.isFinite(toMs(first)) &&
    Number.isFinite(toMs(last))
  ) {
    for (let t = toMs(first); t <= toMs(last) && labels.length < 5000; t += step) labels.push(toKey(t));
  } else labels = [...new Set(keys)];
  const index = new Map(labels.map((l, i) => [l, i]));
  return {
    bucket: timeline.bucket,
    labels,
    series: timeline.series.map((s) => {
      const values = labels.map(() => 0);
      for (const [k, v] of s.points) {
        const i = index.get(k);
        if (i !== undefined) values[i] = (values[i] ?? 0) + v;
      }
      return { rule: s.rule, values };
    }),
  };
}

const STYLE = `
body{font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1100px;padding:24px;color:#1d1c1d;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:0 0 4px}
.muted{color:#616061}.num{text-align:right;font-variant-numeric:tabular-nums}
table{border-collapse:collapse;margin:4px 0}th,td{padding:3px 10px 3px 0;text-align:left;vertical-align:top}thead th{border-bottom:1px solid #ccc}
td{word-break:break-all}code{background:#f0f0f0;padding:0 3px;border-radius:3px;font-size:12px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}.card{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:8px 14px}.card b{display:block;font-size:20px}
#chart svg{background:#fff;border:1px solid #e0e0e0;border-radius:6px}.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:6px 0;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.sev{display:inline-block;border-radius:3px;padding:0 6px;color:#fff;font-size:12px;text-transform:uppercase;background:#888}
.sev-critical{background:#b3261e}.sev-high,.sev-error{background:#e0641b}.sev-medium,.sev-warning{background:#c99700}.sev-low{background:#2a7ab0}
.preview{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:12px 14px;margin:12px 0}
.channels{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:10px}.channel{margin:0;border:1px solid #eee;border-radius:6px;padding:8px;overflow:hidden}
figcaption{font-size:11px;color:#616061;text-transform:uppercase;margin-bottom:6px}
.slack{border-left:4px solid #ddd;padding-left:8px}.s-header{font-weight:700;font-size:16px;margin-bottom:4px}.s-section{margin:4px 0}
.s-fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 12px;margin:6px 0;word-break:break-all}.s-actions{margin:6px 0}
.s-button{display:inline-block;border:1px solid #ccc;border-radius:4px;padding:2px 10px;color:#1d1c1d;text-decoration:none;font-weight:600;font-size:13px}
.s-context{color:#616061;font-size:12px}.mention{background:#fff3c4;color:#1264a3;border-radius:3px;padding:0 2px}
.pd-summary{font-weight:600;margin-bottom:4px}.pd table{font-size:12px}.email pre{white-space:pre-wrap;word-break:break-word;font-size:12px;margin:4px 0 0}.e-subject{font-weight:600}
#render-status{font-size:11px;color:#999}
`;

/** Draws the stacked bars from the JSON in #chart-data; DOM APIs only, so no string becomes markup. */
const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('chart-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var colours = ['#1264a3','#e0641b','#2eb67d','#b3261e','#8e44ad','#c99700','#16a085','#d35400','#7f8c8d','#e91e63','#3f51b5','#795548'];
  var W = 1000, H = 280, L = 48, B = 36, T = 10;
  var n = data.labels.length, totals = [];
  for (var i = 0; i < n; i++) { var t = 0; for (var s = 0; s < data.series.length; s++) t += data.series[s].values[i] || 0; totals.push(t); }
  var max = Math.max.apply(null, totals.concat([1]));
  var svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H); svg.setAttribute('width', '100%'); svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'alerts per rule per ' + data.bucket);
  function el(name, attrs, text) { var e = document.createElementNS(NS, name); for (var k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; svg.appendChild(e); return e; }
  el('line', { x1: L, y1: H - B, x2: W - 8, y2: H - B, stroke: '#999' });
  el('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#999' });
  el('text', { x: L - 6, y: T + 10, 'text-anchor': 'end', 'font-size': 11, fill: '#555' }, String(max));
  el('text', { x: L - 6, y: H - B, 'text-anchor': 'end', 'font-size': 11, fill: '#555' }, '0');
  var bw = (W - 8 - L) / Math.max(n, 1), bars = 0;
  for (var j = 0; j < n; j++) {
    var y = H - B;
    for (var s2 = 0; s2 < data.series.length; s2++) {
      var v = data.series[s2].values[j] || 0; if (!v) continue;
      var h = (H - B - T) * v / max; y -= h;
      var r = el('rect', { x: (L + j * bw + bw * 0.1).toFixed(2), y: y.toFixed(2), width: Math.max(bw * 0.8, 0.5).toFixed(2), height: h.toFixed(2), fill: colours[s2 % colours.length], 'class': 'bar' });
      var tip = document.createElementNS(NS, 'title'); tip.textContent = data.labels[j] + ' ' + data.series[s2].rule + ': ' + v; r.appendChild(tip);
      bars++;
    }
  }
  if (n > 0) {
    el('text', { x: L, y: H - B + 16, 'font-size': 11, fill: '#555' }, data.labels[0]);
    el('text', { x: W - 8, y: H - B + 16, 'text-anchor': 'end', 'font-size': 11, fill: '#555' }, data.labels[n - 1]);
  }
  var box = document.getElementById('chart'); box.appendChild(svg);
  var legend = document.createElement('div'); legend.className = 'legend';
  data.series.forEach(function (se, k) { var item = document.createElement('span'); var sw = document.createElement('i'); sw.className = 'c' + (k % colours.length); item.appendChild(sw); item.appendChild(document.createTextNode(se.rule)); legend.appendChild(item); });
  box.appendChild(legend);
  var previews = document.querySelectorAll('section.preview').length;
  var status = document.getElementById('render-status');
  status.textContent = 'rendered: chart with ' + data.series.length + ' series and ' + bars + ' bars; ' + previews + ' previews';
  document.documentElement.setAttribute('data-rendered', 'yes');
})();
`;

const LEGEND_COLOURS = [
  '#1264a3',
  '#e0641b',
  '#2eb67d',
  '#b3261e',
  '#8e44ad',
  '#c99700',
  '#16a085',
  '#d35400',
  '#7f8c8d',
  '#e91e63',
  '#3f51b5',
  '#795548',
];

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64');
}

/** JSON inside a script element: `<` escaped so no string can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function renderHtmlReport(
  summary: BacktestSummary,
  previews: AlertPreview[],
  generatedAt = new Date(),
): string {
  const style =
    STYLE +
    LEGEND_COLOURS.map((c, i) => `.legend i.c${i}{background:${c}}`).join('') +
    CHANNEL_PLUGINS.map((p) => p.preview.css ?? '').join('');
  const csp = `default-src 'none'; style-src 'sha256-${sha256(style)}'; script-src 'sha256-${sha256(SCRIPT)}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const s = summary;
  const range = s.timeRange
    ? `${escapeHtml(s.timeRange.first)} – ${escapeHtml(s.timeRange.last)}`
    : 'no records';
  const card = (label: string, value: number) =>
    `<div class="card"><b>${value.toLocaleString('en-US')}</b>${escapeHtml(label)}</div>`;
  const errorRows: Array<Array<string | number>> = [
    ...s.errors.files.map((f) => [f.file, f.error, f.recordsBefore]),
    ...s.errors.records.map((r) => [r.example, r.reason, r.count]),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cloud-alerts backtest</title>
<style>${style}</style>
</head>
<body>
<h1>cloud-alerts backtest</h1>
<p class="muted">${range} · generated ${escapeHtml(generatedAt.toISOString())} · dry run: nothing was sent</p>
<div class="cards">${card('records read', s.records.read)}${card('matched a rule', s.records.matched)}${card('alerts', s.alerts.total)}${card('notifications', s.notifications.total)}${card('suppressed', s.suppressed.total)}${card('errors', s.errors.total)}</div>
<h2>Alerts per rule over time (per ${escapeHtml(s.timeline.bucket)}, UTC)</h2>
<div id="chart"></div>
<h2>Alerts per rule and severity</h2>
${tableHtml(
  ['alerts', 'severity', 'status', 'rule'],
  s.alerts.byRule.map((r) => [r.count, r.severity, r.status, r.rule]),
)}
<h2>Noisiest actors</h2>
${s.actors.approximate ? '<p class="muted">Approximate: too many distinct callers to count exactly; counts are lower bounds.</p>' : ''}
${tableHtml(
  ['alerts', 'records', 'actor'],
  s.actors.noisiest.map((a) => [a.alerts, a.records, a.actor]),
  'actors',
)}
<h2>Busiest actors</h2>
${tableHtml(
  ['records', 'alerts', 'actor'],
  s.actors.busiest.map((a) => [a.records, a.alerts, a.actor]),
)}
<h2>Notifications per receiver</h2>
${tableHtml(
  ['notifications', 'channel', 'receiver'],
  s.notifications.byReceiver.map((r) => [r.count, r.channel, r.receiver]),
)}
<h2>Records matched per serverless.yml rule</h2>
${tableHtml(
  ['records', 'rule'],
  Object.entries(s.matchedByRule).map(([rule, c]) => [c, rule]),
)}
<h2>Suppressed</h2>
${tableHtml(
  ['alerts', 'kind', 'rule', 'reason'],
  s.suppressed.byEntry.map((e) => [e.count, e.kind, e.rule, e.reason]),
)}
<h2>Errors (skipped; the run went on)</h2>
${tableHtml(['where', 'error', 'count / records before'], errorRows)}
<h2>What each distinct alert looks like</h2>
${previews.length > 0 ? previews.map(previewHtml).join('\n') : '<p class="muted">no alerts</p>'}
<p id="render-status">not rendered: this page draws its chart with an inline script</p>
<script type="application/json" id="chart-data">${scriptJson(chartData(s.timeline))}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
