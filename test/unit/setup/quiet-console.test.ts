import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The quiet environment (test/setup/quiet-environment.js) and reporter, run as `npm test` runs them, on
 * the two tiny files of test/fixtures/quiet-console in a child Jest: what is printed, and in what order.
 */
const CONFIG = 'test/fixtures/quiet-console/jest.config.cjs';

/** One child Jest, stdout and stderr in one stream as a terminal shows them. */
function jest(paths: string[], env: Record<string, string> = {}): Promise<string> {
  const args = [resolve('node_modules/jest/bin/jest.js'), '--config', CONFIG, '--runTestsByPath', ...paths];
  return new Promise((done, fail) => {
    const child = spawn('sh', ['-c', '"$0" "$@" 2>&1', process.execPath, ...args], {
      env: { ...process.env, CLOUD_ALERTS_TEST_LOGS: '', ...env },
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', fail);
    child.on('close', () => done(out));
  });
}

const FAILING = 'test/fixtures/quiet-console/failing.fixture.cjs';
const PASSING = 'test/fixtures/quiet-console/passing.fixture.cjs';

describe('the quiet test environment', () => {
  let failing: string;
  let passing: string;
  let both: string;
  let loud: string;

  beforeAll(async () => {
    // One file (Jest writes the console as it comes), two files (Jest buffers it per file), and with logs on.
    [failing, passing, both, loud] = await Promise.all([
      jest([FAILING]),
      jest([PASSING]),
      jest([FAILING, PASSING]),
      jest([PASSING], { CLOUD_ALERTS_TEST_LOGS: '1' }),
    ]);
  });

  /** Where `text` is in `out`; fails the test when it is not there. */
  const at = (out: string, text: string) => {
    const i = out.indexOf(text);
    if (i === -1) throw new Error(`not printed: ${text}\n---\n${out}`);
    return i;
  };

  it.each([
    ['one file', () => failing],
    ['two files', () => both],
  ])("a failing test's console is in its failure, before the summary (%s)", (_, run) => {
    const out = run();
    const summary = at(out, 'Test Suites:');
    const failure = at(out, '● fails\n');
    const log = at(out, 'LOG-OF-FAILING { n: 1 }');
    expect(log).toBeGreaterThan(failure);
    expect(log).toBeLessThan(at(out, '● times out'));
    expect(log).toBeLessThan(summary);
    // The timed-out test's too, in its own failure.
    expect(at(out, 'LOG-BEFORE-TIMEOUT')).toBeGreaterThan(at(out, '● times out'));
    expect(at(out, 'LOG-BEFORE-TIMEOUT')).toBeLessThan(summary);
    expect(out).not.toContain('LOG-OF-PASSING');
  });

  it("each line names where the test logged it, never the environment's file", () => {
    expect(failing).toContain(
      'console.log — Object.<anonymous> (failing.fixture.cjs:7:11)\n        LOG-OF-FAILING',
    );
    expect(failing).toContain('(failing.fixture.cjs:12:11)\n        LOG-BEFORE-TIMEOUT');
    expect(failing).toMatch(/LOG-IN-BEFORE-ALL\n\n\s+at .*\(failing\.fixture\.cjs:2:\d+\)/);
    for (const out of [failing, passing, both]) expect(out).not.toContain('quiet-environment.js');
  });

  it('a line logged after its test ended is printed, labelled, when the file fails', () => {
    for (const out of [failing, both]) {
      expect(out).toMatch(
        /\(after the test "leaves a timer" ended\) LOG-AFTER-ITS-TEST\n\n\s+at .*\(failing\.fixture\.cjs:17:\d+\)/,
      );
      expect(at(out, 'LOG-AFTER-ITS-TEST')).toBeLessThan(at(out, 'Test Suites:'));
    }
  });

  it('and flagged, with where it came from, when the file passes', () => {
    for (const out of [passing, both]) {
      expect(out).toContain(
        '1 console line(s) logged after their test ended (async work outliving "leaves a timer"); CLOUD_ALERTS_TEST_LOGS=1 shows them',
      );
      expect(out).toMatch(/at .*\(passing\.fixture\.cjs:3:\d+\)/);
      // In the code frame of where it came from, not as a line printed.
      expect(out).not.toMatch(/^\s*LOG-AFTER-A-PASS$/m);
    }
  });

  it('CLOUD_ALERTS_TEST_LOGS=1 prints every line as it comes', () => {
    expect(loud).toMatch(/^\s*LOG-AFTER-A-PASS$/m);
    expect(loud).not.toContain('logged after their test ended');
    expect(passing).toContain('Tests:       2 passed, 2 total');
  });
});
