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
function notificationHtml(n: ReplayNotification, severity: string): string {
  const plugin = pluginFor(n.channel);
  const inner = plugin
    ? plugin.preview.html(n.body, escapeHtml, { severity })
    : `<pre>${escapeHtml(JSON.stringify(n.body) ?? '')}</pre>`;
  return `<figure class="channel channel-${n.channel}"><figcaption>${escapeHtml(n.channel)} → ${escapeHtml(n.receiver)}</figcaption>${inner}</figure>`;
}

/** The anchor of a preview, from its place in the list: a rule name is the caller's text. */
export function previewId(i: number): string {
  return `preview-${i + 1}`;
}

/** Collapsed to its headline, so a page of many alerts reads as a list until one is opened. */
function previewHtml(p: AlertPreview, i: number): string {
  const channels =
    p.notifications.length > 0
      ? p.notifications.map((n) => notificationHtml(n, p.severity)).join('\n')
      : '<p class="muted">routed to no receiver</p>';
  return `<details class="preview-box" id="${previewId(i)}">
<summary><span class="sev sev-${escapeHtml(p.severity)}">${escapeHtml(p.severity)}</span> ${escapeHtml(p.title)} <code>${escapeHtml(p.rule)}</code>${p.status === 'firing' ? '' : ` <em>${escapeHtml(p.status)}</em>`} <span class="muted">×${p.count.toLocaleString('en-US')}</span></summary>
<section class="preview" data-rule="${escapeHtml(p.rule)}">
<p class="muted">${p.count.toLocaleString('en-US')} alert(s) like this; first from ${escapeHtml(p.source)}</p>
<div class="channels">${channels}</div>
</section>
</details>`;
}

/** A cell already made into markup (its strings escaped by whoever made it). */
interface Markup {
  html: string;
}
type Cell = string | number | Markup;

function tableHtml(head: string[], rows: Cell[][], cls = ''): string {
  if (rows.length === 0) return '<p class="muted">none</p>';
  const cell = (c: Cell) =>
    typeof c === 'number'
      ? `<td class="num">${c.toLocaleString('en-US')}</td>`
      : typeof c === 'string'
        ? // A short word (a severity, a status) is never worth breaking to make room for an ARN.
          `<td${/^\S{1,16}$/.test(c) ? ' class="word"' : ''}>${escapeHtml(c)}</td>`
        : `<td>${c.html}</td>`;
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}

/** More bars than this in one chart and their colours stop being told apart; the rest stack as "other". */
export const TOP_RULES = 8;
export const OTHER = 'other';
/**
 * One colour per top rule, told apart by people with the common colour-vision deficiencies too
 * (Okabe & Ito's palette, https://jfly.uni-koeln.de/color/, its faint yellow swapped for brown, plus a
 * dark blue); grey is "other".
 */
export const PALETTE = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#d55e00',
  '#56b4e9',
  '#8c564b',
  '#1d3557',
];
export const OTHER_COLOUR = '#9e9e9e';

export interface ChartSeries {
  rule: string;
  colour: string;
  total: number;
  values: number[];
}

/**
 * Every bucket between the first and last alert, so quiet hours show as gaps, not nothing; the
 * {@link TOP_RULES} busiest rules each as a series, every other rule summed into one "other".
 */
export function chartData(
  timeline: BacktestSummary['timeline'],
  top = TOP_RULES,
): { bucket: string; labels: string[]; series: ChartSeries[] } {
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
  const all = timeline.series.map((s) => {
    const values = labels.map(() => 0);
    for (const [k, v] of s.points) {
      const i = index.get(k);
      if (i !== undefined) values[i] = (values[i] ?? 0) + v;
    }
    return { rule: s.rule, total: values.reduce((a, b) => a + b, 0), values };
  });
  all.sort((a, b) => b.total - a.total || a.rule.localeCompare(b.rule));
  // "Other" standing for a single rule would hide its name for nothing.
  const shown = all.length <= top + 1 ? all : all.slice(0, top);
  const rest = all.slice(shown.length);
  const series: ChartSeries[] = shown.map((s, i) => ({
    rule: s.rule,
    colour: PALETTE[i % PALETTE.length] ?? OTHER_COLOUR,
    total: s.total,
    values: s.values,
  }));
  if (rest.length > 0) {
    series.push({
      rule: `${OTHER} (${rest.length} rules)`,
      colour: OTHER_COLOUR,
      total: rest.reduce((a, s) => a + s.total, 0),
      values: labels.map((_, i) => rest.reduce((a, s) => a + (s.values[i] ?? 0), 0)),
    });
  }
  return { bucket: timeline.bucket, labels, series };
}

// Long ARNs and user agents have no spaces: overflow-wrap:anywhere breaks them only where a line
// would overflow, where word-break:break-all broke every word at the edge, short ones too.
const STYLE = `
body{font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1100px;padding:24px;color:#1d1c1d;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px;scroll-margin-top:8px}h3{font-size:15px;margin:0 0 4px}
.muted{color:#616061}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table{border-collapse:collapse;margin:4px 0;max-width:100%}th,td{padding:3px 10px 3px 0;text-align:left;vertical-align:top}thead th{border-bottom:1px solid #ccc;white-space:nowrap}
td.word{white-space:nowrap}td,code,figcaption,summary,.s-fields,.s-section,.pd-summary{overflow-wrap:anywhere}code{background:#f0f0f0;padding:0 3px;border-radius:3px;font-size:12px}
nav.toc{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:8px 14px;margin:12px 0}nav.toc ol{margin:4px 0;padding-left:20px}nav.toc a{color:#1264a3}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}.card{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:8px 14px}.card b{display:block;font-size:20px}
#chart{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:8px 8px 4px;overflow:hidden}#chart svg{display:block}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:6px 0 4px;padding:0;list-style:none;font-size:12px}.legend li{display:flex;align-items:center;gap:4px;overflow-wrap:anywhere}.legend svg{flex:none}
.sev{display:inline-block;border-radius:3px;padding:0 6px;color:#fff;font-size:12px;text-transform:uppercase;background:#888}
.sev-critical{background:#b3261e}.sev-high{background:#e0641b}.sev-medium{background:#c99700}.sev-low{background:#2a7ab0}
details.preview-box{background:#fff;border:1px solid #e0e0e0;border-radius:6px;margin:8px 0}details.preview-box>summary{cursor:pointer;padding:8px 14px;font-weight:600}
details.preview-box[open]>summary{border-bottom:1px solid #eee}.preview{padding:4px 14px 12px}
.channels{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(300px,100%),1fr));gap:10px}.channel{margin:0;border:1px solid #eee;border-radius:6px;padding:8px;overflow:hidden;min-width:0}
figcaption{font-size:11px;color:#616061;text-transform:uppercase;margin-bottom:6px}
.slack{border-left:4px solid #ddd;padding-left:8px}.s-header{font-weight:700;font-size:16px;margin-bottom:4px}.s-section{margin:4px 0}
.s-fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 12px;margin:6px 0}.s-fields>div{min-width:0}.s-actions{margin:6px 0}
.s-button{display:inline-block;border:1px solid #ccc;border-radius:4px;padding:2px 10px;color:#1d1c1d;text-decoration:none;font-weight:600;font-size:13px}
.s-context{color:#616061;font-size:12px}.mention{background:#fff3c4;color:#1264a3;border-radius:3px;padding:0 2px}
.pd-summary{font-weight:600;margin-bottom:4px}.pd table{font-size:12px}.email pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;margin:4px 0 0}.e-subject{font-weight:600}
pre{white-space:pre-wrap;overflow-wrap:anywhere}
#render-status{font-size:11px;color:#999}
@media (max-width:600px){body{padding:12px}.s-fields{grid-template-columns:1fr}}
`;

/**
 * Draws the stacked bars from the JSON in #chart-data; DOM APIs only, so no string becomes markup.
 * The drawing is as wide as its box in CSS pixels, so its text stays 11 px on a phone too.
 */
const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('chart-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var box = document.getElementById('chart');
  var cs = window.getComputedStyle(box), W = Math.max(260, Math.floor((box.clientWidth || 1000) - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight))), H = 280, L = 44, R = 12, B = 40, T = 12;
  var n = data.labels.length, totals = [];
  for (var i = 0; i < n; i++) { var t = 0; for (var s = 0; s < data.series.length; s++) t += data.series[s].values[i] || 0; totals.push(t); }
  var peak = Math.max.apply(null, totals.concat([1]));
  // A round step (1, 2 or 5 times a power of ten) giving at most five gridlines.
  var raw = peak / 5, mag = Math.pow(10, Math.floor(Math.log10(raw))), step = mag;
  if (raw > mag * 5) step = mag * 10; else if (raw > mag * 2) step = mag * 5; else if (raw > mag) step = mag * 2;
  step = Math.max(1, step);
  var max = Math.ceil(peak / step) * step;
  var svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H); svg.setAttribute('width', String(W)); svg.setAttribute('height', String(H)); svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'alerts per rule per ' + data.bucket);
  function el(name, attrs, text, parent) { var e = document.createElementNS(NS, name); for (var k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; (parent || svg).appendChild(e); return e; }
  var plotH = H - B - T, plotW = W - R - L;
  for (var g = 0; g <= max; g += step) {
    var gy = H - B - plotH * g / max;
    el('line', { x1: L, y1: gy.toFixed(1), x2: W - R, y2: gy.toFixed(1), stroke: g === 0 ? '#888' : '#e6e6e6', 'class': 'grid' });
    el('text', { x: L - 6, y: (gy + 4).toFixed(1), 'text-anchor': 'end', 'font-size': 11, fill: '#444', 'class': 'tick-y' }, String(g));
  }
  el('text', { x: 12, y: T + plotH / 2, 'text-anchor': 'middle', 'font-size': 11, fill: '#444', transform: 'rotate(-90 12 ' + (T + plotH / 2) + ')' }, 'alerts');
  var bw = plotW / Math.max(n, 1), bars = 0;
  for (var j = 0; j < n; j++) {
    var y = H - B;
    for (var s2 = 0; s2 < data.series.length; s2++) {
      var v = data.series[s2].values[j] || 0; if (!v) continue;
      var h = plotH * v / max; y -= h;
      var r = el('rect', { x: (L + j * bw + bw * 0.1).toFixed(2), y: y.toFixed(2), width: Math.max(bw * 0.8, 0.5).toFixed(2), height: h.toFixed(2), fill: data.series[s2].colour, 'class': 'bar', 'data-series': String(s2) });
      var tip = document.createElementNS(NS, 'title'); tip.textContent = data.labels[j] + ' ' + data.series[s2].rule + ': ' + v; r.appendChild(tip);
      bars++;
    }
  }
  // As many date labels as fit without touching: about one per 90 px.
  var every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / 90))));
  for (var x = 0; x < n; x += every) {
    var cx = L + x * bw + bw / 2, label = data.labels[x];
    el('line', { x1: cx.toFixed(1), y1: H - B, x2: cx.toFixed(1), y2: H - B + 4, stroke: '#888' });
    el('text', { x: cx.toFixed(1), y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#444', 'class': 'tick-x' }, data.bucket === 'hour' ? label.slice(5).replace('T', ' ') + 'h' : label.slice(5));
  }
  el('text', { x: L + plotW / 2, y: H - 4, 'text-anchor': 'middle', 'font-size': 11, fill: '#444' }, (data.bucket === 'hour' ? 'hour' : 'day') + ' (UTC' + (n > 0 ? ', ' + data.labels[0].slice(0, 4) : '') + ')');
  box.appendChild(svg);
  var legend = document.createElement('ul'); legend.className = 'legend';
  data.series.forEach(function (se, k) {
    var item = document.createElement('li'); item.setAttribute('data-series', String(k));
    var sw = document.createElementNS(NS, 'svg'); sw.setAttribute('width', '12'); sw.setAttribute('height', '12');
    el('rect', { width: 12, height: 12, rx: 2, fill: se.colour }, undefined, sw);
    item.appendChild(sw); item.appendChild(document.createTextNode(' ' + se.rule + ' '));
    var c = document.createElement('span'); c.className = 'muted'; c.textContent = String(se.total); item.appendChild(c);
    legend.appendChild(item);
  });
  box.appendChild(legend);
  var previews = document.querySelectorAll('section.preview').length;
  var status = document.getElementById('render-status');
  status.textContent = 'rendered: chart with ' + data.series.length + ' series and ' + bars + ' bars; ' + previews + ' previews';
  document.documentElement.setAttribute('data-rendered', 'yes');
})();
`;

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
  const style = STYLE + CHANNEL_PLUGINS.map((p) => p.preview.css ?? '').join('');
  const csp = `default-src 'none'; style-src 'sha256-${sha256(style)}'; script-src 'sha256-${sha256(SCRIPT)}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const s = summary;
  const range = s.timeRange
    ? `${escapeHtml(s.timeRange.first)} – ${escapeHtml(s.timeRange.last)}`
    : 'no records';
  const card = (label: string, value: number) =>
    `<div class="card"><b>${value.toLocaleString('en-US')}</b>${escapeHtml(label)}</div>`;
  const errorRows: Cell[][] = [
    ...s.errors.files.map((f) => [f.file, f.error, f.recordsBefore]),
    ...s.errors.records.map((r) => [r.example, r.reason, r.count]),
  ];
  const previewAt = new Map(previews.map((p, i) => [`${p.rule}\u0000${p.severity}\u0000${p.status}`, i]));
  const ruleCell = (r: { rule: string; severity: string; status: string }): Cell => {
    const i = previewAt.get(`${r.rule}\u0000${r.severity}\u0000${r.status}`);
    return i === undefined ? r.rule : { html: `<a href="#${previewId(i)}">${escapeHtml(r.rule)}</a>` };
  };
  const sections: Array<{ id: string; title: string; html: string }> = [
    {
      id: 'chart-section',
      title: `Alerts per rule over time (per ${s.timeline.bucket}, UTC)`,
      html: '<div id="chart"></div>',
    },
    {
      id: 'by-rule',
      title: 'Alerts per rule and severity',
      html: tableHtml(
        ['alerts', 'severity', 'status', 'rule'],
        s.alerts.byRule.map((r) => [r.count, r.severity, r.status, ruleCell(r)]),
      ),
    },
    {
      id: 'noisiest',
      title: 'Noisiest actors',
      html:
        (s.actors.approximate
          ? '<p class="muted">Approximate: too many distinct callers to count exactly; counts are lower bounds.</p>\n'
          : '') +
        tableHtml(
          ['alerts', 'records', 'actor'],
          s.actors.noisiest.map((a) => [a.alerts, a.records, a.actor]),
          'actors',
        ),
    },
    {
      id: 'busiest',
      title: 'Busiest actors',
      html: tableHtml(
        ['records', 'alerts', 'actor'],
        s.actors.busiest.map((a) => [a.records, a.alerts, a.actor]),
      ),
    },
    {
      id: 'receivers',
      title: 'Notifications per receiver',
      html: tableHtml(
        ['notifications', 'channel', 'receiver'],
        s.notifications.byReceiver.map((r) => [r.count, r.channel, r.receiver]),
      ),
    },
    {
      id: 'matched',
      title: 'Records matched per serverless.yml rule',
      html: tableHtml(
        ['records', 'rule'],
        Object.entries(s.matchedByRule).map(([rule, c]) => [c, rule]),
      ),
    },
    {
      id: 'suppressed',
      title: 'Suppressed',
      html: tableHtml(
        ['alerts', 'kind', 'rule', 'reason'],
        s.suppressed.byEntry.map((e) => [e.count, e.kind, e.rule, e.reason]),
      ),
    },
    {
      id: 'errors',
      title: 'Errors (skipped; the run went on)',
      html: tableHtml(['where', 'error', 'count / records before'], errorRows),
    },
    {
      id: 'previews',
      title: `What each distinct alert looks like (${previews.length})`,
      html:
        previews.length > 0
          ? `<p class="muted">Each opens to what every channel would get; the rule names above link here.</p>\n${previews.map(previewHtml).join('\n')}`
          : '<p class="muted">no alerts</p>',
    },
  ];
  const toc = `<nav class="toc" aria-label="Contents"><b>Contents</b><ol>${sections.map((x) => `<li><a href="#${x.id}">${escapeHtml(x.title)}</a></li>`).join('')}</ol></nav>`;
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
${toc}
${sections.map((x) => `<h2 id="${x.id}">${escapeHtml(x.title)}</h2>\n${x.html}`).join('\n')}
<p id="render-status">not rendered: this page draws its chart with an inline script</p>
<script type="application/json" id="chart-data">${scriptJson(chartData(s.timeline))}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
