import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { CliIo } from '../../cli/io.ts';
import { main } from '../../cli/main.ts';
import { writeLogFiles } from '../../shared/backtest/generate.ts';
import type { BacktestSummary } from '../../shared/backtest/summary.ts';
import { runCli } from '../helpers/cli.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'backtest-cli-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SET = { seed: 5, files: 3, recordsPerFile: 300, dangerShare: 0.02, writeShare: 0.2 };

function parseSummary(stdout: string): BacktestSummary {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? '');
}

describe('cloud-alerts backtest', () => {
  it('prints the summary as one JSON object with --json, skipping a bad file', async () => {
    const set = writeLogFiles(join(dir, 'logs'), SET);
    const bad = join(dir, 'logs', 'zz-broken.json.gz');
    writeFileSync(bad, 'not gzip at all');
    const { code, stdout, stderr } = await runCli(['backtest', join(dir, 'logs'), '--json']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const summary = parseSummary(stdout);
    expect(summary.files).toEqual({ read: 3, failed: 1 });
    expect(summary.records.read).toBe(set.records);
    expect(summary.records.malformed).toBe(0);
    expect(summary.alerts.total).toBeGreaterThan(0);
    expect(summary.errors.files).toEqual([
      { file: bad, error: 'cannot read: not a gzip file', recordsBefore: 0 },
    ]);
    expect(summary.errors.total).toBe(1);
    expect(Object.keys(summary.matchedByRule).every((r) => r.startsWith('cloud-alerts-dev-'))).toBe(true);
  });

  it('prints a readable summary and writes the HTML report', async () => {
    writeLogFiles(dir, SET);
    const report = join(dir, 'report.html');
    const { code, stdout, stderr } = await runCli(['backtest', dir, '--html', report]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(
      /^900 record\(s\) in 3 file\(s\) from 2026-11-01T00:\d\d:\d\dZ to 2026-11-01T00:1\d:\d\dZ; /,
    );
    for (const heading of [
      'Records matched per serverless.yml rule',
      'Alerts per rule and severity',
      'Notifications per receiver',
      'Suppressed',
      'Busiest actors (records, alerts)',
      'Errors (skipped, the run went on)',
    ]) {
      expect(stdout).toContain(`\n${heading}\n`);
    }
    expect(stdout).toContain(`Report written to ${report}\n`);
    expect(readFileSync(report, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('runs the rest past a path that does not exist, counts it and exits 2 as replay does', async () => {
    writeLogFiles(dir, { ...SET, files: 1 });
    const { code, stdout, stderr } = await runCli(['backtest', join(dir, 'nope'), dir, '--json']);
    expect(code).toBe(2);
    expect(stderr).toBe(`backtest: cannot read ${join(dir, 'nope')}: no such file or folder\n`);
    const summary = parseSummary(stdout);
    expect(summary.records.read).toBe(300);
    expect(summary.errors.files).toEqual([
      {
        file: join(dir, 'nope'),
        error: `cannot read ${join(dir, 'nope')}: no such file or folder`,
        recordsBefore: 0,
      },
    ]);
    expect(summary.errors.total).toBe(1);
  });

  it('says so when a folder holds no log file, and exits 2', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const { code, stdout, stderr } = await runCli(['backtest', empty]);
    expect(code).toBe(2);
    expect(stderr).toBe(`backtest: no log file (.json, .json.gz) in ${empty}\n`);
    expect(stdout).toMatch(/^0 record\(s\) in 1 file\(s\); .* 1 error\(s\)\./);
  });

  it('explains its usage when given no path', async () => {
    const { code, stderr } = await runCli(['backtest']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'backtest: give at least one file or folder of CloudTrail logs, e.g. cloud-alerts backtest ./AWSLogs\n',
    );
  });

  it.each([
    ['a missing folder', (d: string) => join(d, 'missing-folder', 'report.html'), 'no such file or folder'],
    ['a folder', (d: string) => d, 'is a folder, not a file'],
    [
      'a path under a file',
      (d: string) => {
        writeFileSync(join(d, 'plain'), '');
        return join(d, 'plain', 'report.html');
      },
      'a part of the path is not a folder',
    ],
  ])('refuses a report path in %s before reading anything (exit 2)', async (_name, pathIn, why) => {
    writeLogFiles(dir, { ...SET, files: 1 });
    const report = pathIn(dir);
    // A configuration that cannot be read would be the next problem: the report path is checked first.
    const { code, stdout, stderr } = await runCli([
      'backtest',
      dir,
      '--json',
      '--config',
      join(dir, 'no-such-config.yml'),
      '--html',
      report,
    ]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toBe(`backtest: cannot write --html ${report}: ${why}\n`);
  });

  it('leaves no empty file behind after checking a new report path', async () => {
    writeLogFiles(dir, { ...SET, files: 1 });
    const report = join(dir, 'report.html');
    const { code } = await runCli([
      'backtest',
      dir,
      '--json',
      '--config',
      join(dir, 'nope.yml'),
      '--html',
      report,
    ]);
    expect(code).toBe(2);
    expect(existsSync(report)).toBe(false);
  });

  describe('progress', () => {
    async function runOnTty(args: string[]) {
      let stdout = '';
      let stderr = '';
      const io: CliIo = {
        stdin: Readable.from(['']),
        stdout: (s) => {
          stdout += s;
        },
        stderr: (s) => {
          stderr += s;
        },
        env: {},
        isTTY: true,
      };
      const code = await main(args, io);
      return { code, stdout, stderr };
    }

    it('draws a progress line on stderr on a terminal and erases it at the end', async () => {
      writeLogFiles(dir, SET);
      const { code, stderr } = await runOnTty(['backtest', dir]);
      expect(code).toBe(0);
      const ERASE = '\r\u001b[2K';
      expect(stderr.startsWith(ERASE)).toBe(true);
      const lines = stderr.split(ERASE).filter(Boolean);
      expect(lines[0]).toMatch(/^\[[#-]{24}\] \d+% · file 1\/3 · [\d,]+ records · [\d,]+ records\/s · ETA /);
      expect(stderr).toContain('file 3/3');
      expect(stderr.endsWith(ERASE)).toBe(true);
    });

    it('stays quiet with --json even on a terminal', async () => {
      writeLogFiles(dir, SET);
      const { code, stdout, stderr } = await runOnTty(['backtest', dir, '--json']);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(parseSummary(stdout).records.read).toBe(900);
    });
  });
});
