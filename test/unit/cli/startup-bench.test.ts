import { CLI_STARTUP_TARGET_MS, cliStartupRows, measureCliStartup } from '../../../bench/cli.ts';

describe('bench: CLI start-up', () => {
  it('times `cloud-alerts --help` built and through tsx, and reports both against the target', () => {
    const s = measureCliStartup(1);
    expect(s.runs).toBe(1);
    for (const ms of [s.builtMs, s.typescriptMs, s.bareMs]) expect(ms).toBeGreaterThan(0);
    // The built CLI skips compiling TypeScript; even one run under a loaded test machine shows it.
    expect(s.builtMs).toBeLessThan(s.typescriptMs);
    const rows = cliStartupRows({ builtMs: 212.4, typescriptMs: 621.2, bareMs: 151.3, runs: 21 });
    expect(rows[0]).toEqual([
      expect.stringMatching(/^CLI start-up: `cloud-alerts --help`.*bare node 151 ms$/),
      '212 ms',
      `< ${CLI_STARTUP_TARGET_MS} ms`,
    ]);
    expect(rows[1]?.[1]).toBe('621 ms');
  }, 60_000);
});
