import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
function dumpDom(file: string): string {
  const profile = join(dir, 'profile');
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
    expect(dom).toMatch(/<div id="chart"><svg [^>]*viewBox="0 0 1000 280"/);
    expect(dom.match(/<section class="preview"/g)).toHaveLength(previews);
    expect(dom).toContain('<figure class="channel channel-slack">');
    expect(dom).toContain('<figure class="channel channel-pagerduty">');
    expect(dom).toContain('<figure class="channel channel-email">');
  }, 120_000);
});
