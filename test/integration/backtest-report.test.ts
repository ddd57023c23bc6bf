import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeLogFiles } from '../../shared/backtest/generate.ts';
import { runCli } from '../helpers/cli.ts';

const CHROMIUM = process.env.CHROMIUM ?? 'chromium';
const NO_BROWSER = process.env.CLOUD_ALERTS_NO_BROWSER === '1';
const INSTALL_HINT =
  `${CHROMIUM} is not installed: this test opens the backtest report in headless Chromium. ` +
  'Install it (Debian: apt-get update && apt-get install -y chromium), point CHROMIUM at the binary, ' +
  'or set CLOUD_ALERTS_NO_BROWSER=1 to check the page statically instead.';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'backtest-report-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function chromiumAvailable(): boolean {
  const r = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0;
}

/** The DOM after the page's own script ran, as headless Chromium serialises it. No network. */
function dumpDom(file: string, extraFlags: string[] = []): string {
  const profile = join(dir, `profile-${Math.random().toString(36).slice(2)}`);
  const r = spawnSync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      ...extraFlags,
      '--dump-dom',
      pathToFileURL(file).href,
    ],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  return r.stdout;
}

async function writeReport(): Promise<{ file: string; previews: number }> {
  writeLogFiles(join(dir, 'logs'), {
    seed: 9,
    files: 12,
    recordsPerFile: 200,
    dangerShare: 0.02,
    writeShare: 0.2,
  });
  const file = join(dir, 'report.html');
  const { code, stdout } = await runCli(['backtest', join(dir, 'logs'), '--json', '--html', file]);
  expect(code).toBe(0);
  const summary = JSON.parse(stdout);
  // One preview per rule + severity + status.
  return { file, previews: summary.alerts.byRule.length };
}

describe('backtest HTML report', () => {
  it(NO_BROWSER
    ? 'has its chart data, drawing script and previews (static check: CLOUD_ALERTS_NO_BROWSER=1)'
    : 'renders its chart and previews in headless Chromium', async () => {
    const { file, previews } = await writeReport();
    expect(previews).toBeGreaterThan(3);
    if (NO_BROWSER) {
      const html = readFileSync(file, 'utf8');
      const data = JSON.parse(
        /<script type="application\/json" id="chart-data">([^<]*)<\/script>/.exec(html)?.[1] ?? 'null',
      );
      expect(data.series.length).toBeGreaterThan(0);
      expect(data.labels.length).toBeGreaterThan(0);
      expect(html.match(/<section class="preview"/g)).toHaveLength(previews);
      // The drawing script is there and writes the marker the browser run checks for.
      expect(html).toContain("document.documentElement.setAttribute('data-rendered', 'yes')");
      expect(html).toContain('<p id="render-status">not rendered');
      return;
    }
    if (!chromiumAvailable()) throw new Error(INSTALL_HINT);
    const dom = dumpDom(file);
    expect(dom).toContain('data-rendered="yes"');
    const status = /<p id="render-status">([^<]*)<\/p>/.exec(dom)?.[1];
    expect(status).toMatch(
      new RegExp(`^rendered: chart with \\d+ series and \\d+ bars; ${previews} previews$`),
    );
    const bars = Number(/and (\d+) bars/.exec(status ?? '')?.[1]);
    expect(bars).toBeGreaterThan(0);
    expect(dom.match(/<rect [^>]*class="bar"/g)).toHaveLength(bars);
    expect(dom).toMatch(/<div id="chart"><svg [^>]*viewBox="0 0 \d+ 280"/);
    expect(dom.match(/<section class="preview"/g)).toHaveLength(previews);
    expect(dom).toContain('<figure class="channel channel-slack">');
    expect(dom).toContain('<figure class="channel channel-pagerduty">');
    expect(dom).toContain('<figure class="channel channel-email">');
  }, 120_000);
});

/**
 * What the report looks like laid out at `width` CSS pixels with every preview open, measured from a
 * wrapper page: headless Chromium will not make a window narrower than 500 px, but an iframe can be
 * any width, and with --allow-file-access-from-files the wrapper may read the report's DOM.
 */
interface Layout {
  innerWidth: number;
  scrollWidth: number;
  overflowing: string[];
  chartWidth: number;
  svgWidth: number;
  series: Array<{ rule: string; colour: string }>;
  legend: Array<{ series: string; colour: string; text: string }>;
  bars: Array<{ series: string; colour: string }>;
  ticks: { x: number; y: number };
  toc: Array<{ target: string; found: boolean }>;
  details: number;
}

const MEASURE = `
document.getElementById('f').onload = function () {
  var w = this.contentWindow, d = w.document;
  var details = d.querySelectorAll('details');
  for (var i = 0; i < details.length; i++) details[i].open = true;
  var all = d.querySelectorAll('body *'), overflowing = [];
  for (var j = 0; j < all.length; j++) {
    var r = all[j].getBoundingClientRect();
    if (r.right > w.innerWidth + 0.5 && overflowing.length < 10) overflowing.push(all[j].tagName + '.' + all[j].getAttribute('class') + ' right=' + Math.round(r.right));
  }
  var chart = d.getElementById('chart'), svg = chart.querySelector('svg');
  function pick(list, f) { return Array.prototype.map.call(list, f); }
  var out = {
    innerWidth: w.innerWidth, scrollWidth: d.documentElement.scrollWidth, overflowing: overflowing,
    chartWidth: chart.getBoundingClientRect().width, svgWidth: svg.getBoundingClientRect().width,
    series: JSON.parse(d.getElementById('chart-data').textContent).series.map(function (s) { return { rule: s.rule, colour: s.colour }; }),
    legend: pick(chart.querySelectorAll('.legend li'), function (li) { return { series: li.getAttribute('data-series'), colour: li.querySelector('rect').getAttribute('fill'), text: li.textContent }; }),
    bars: pick(svg.querySelectorAll('rect.bar'), function (b) { return { series: b.getAttribute('data-series'), colour: b.getAttribute('fill') }; }),
    ticks: { x: svg.querySelectorAll('text.tick-x').length, y: svg.querySelectorAll('text.tick-y').length },
    toc: pick(d.querySelectorAll('nav.toc a'), function (a) { var id = a.getAttribute('href').slice(1); return { target: id, found: d.getElementById(id) !== null }; }),
    details: details.length
  };
  document.getElementById('out').textContent = JSON.stringify(out);
};
`;

function layoutAt(report: string, width: number): Layout {
  const wrapper = join(dir, `at-${width}.html`);
  writeFileSync(
    wrapper,
    `<!doctype html><html><body style="margin:0"><iframe id="f" src="${pathToFileURL(report).href}" style="width:${width}px;height:2000px;border:0"></iframe><pre id="out"></pre><script>${MEASURE}</script></body></html>`,
  );
  const dom = dumpDom(wrapper, ['--allow-file-access-from-files', '--window-size=1500,2200']);
  const json = /<pre id="out">([^<]*)<\/pre>/.exec(dom)?.[1] ?? '';
  expect(json).not.toBe('');
  return JSON.parse(json.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Layout;
}

describe('backtest HTML report of the samples in events/, laid out', () => {
  let report: string;
  beforeEach(async () => {
    report = join(dir, 'report.html');
    const { code } = await runCli([
      'backtest',
      'events',
      '--alarm-tags',
      'events/alarm-tags.yml',
      '--html',
      report,
    ]);
    expect(code).toBe(0);
  });

  for (const width of [1400, 390]) {
    it(`fits ${width} px with every preview open, and its legend, bars and contents agree`, () => {
      if (NO_BROWSER) {
        // Without a browser there is no layout to measure; the structure is checked in the unit tests.
        expect(readFileSync(report, 'utf8')).toContain('<nav class="toc"');
        return;
      }
      if (!chromiumAvailable()) throw new Error(INSTALL_HINT);
      const at = layoutAt(report, width);
      expect(at.innerWidth).toBe(width);
      // Nothing sticks out sideways: long ARNs, agents and Slack fields wrapped, the chart drawn to its box.
      expect(at.overflowing).toEqual([]);
      expect(at.scrollWidth).toBeLessThanOrEqual(width);
      expect(at.svgWidth).toBeLessThanOrEqual(at.chartWidth);
      expect(at.details).toBeGreaterThan(20);
      // Top rules plus "other": the samples raise alerts of many more rules than the chart keeps.
      expect(at.series.length).toBe(9);
      expect(at.series.at(-1)?.rule).toMatch(/^other \(\d+ rules\)$/);
      expect(new Set(at.series.map((s) => s.colour)).size).toBe(at.series.length);
      // One legend entry per series, in its series' colour, and every bar in the colour of its series.
      expect(at.legend.map((l) => [Number(l.series), l.colour])).toEqual(
        at.series.map((s, i) => [i, s.colour]),
      );
      for (const [i, l] of at.legend.entries()) expect(l.text).toContain(at.series[i]?.rule);
      expect(at.bars.length).toBeGreaterThan(0);
      for (const b of at.bars) expect(b.colour).toBe(at.series[Number(b.series)]?.colour);
      expect(new Set(at.bars.map((b) => b.series)).size).toBe(at.series.length);
      expect(at.ticks.y).toBeGreaterThanOrEqual(3);
      expect(at.ticks.x).toBeGreaterThanOrEqual(width < 500 ? 2 : 6);
      expect(at.toc.length).toBe(9);
      expect(at.toc.filter((t) => !t.found)).toEqual([]);
    }, 120_000);
  }
});
