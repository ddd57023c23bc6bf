/**
 * Jest's node environment with the console held per test: a passing test's logs (Powertools' JSON lines,
 * EMF metrics, figures a test prints) are dropped, a failing test's are printed inside its failure, so
 * `npm test` on success is its summary and a failure still shows everything it logged.
 * CLOUD_ALERTS_TEST_LOGS=1 prints every log as it comes (to read a run's figures or debug a pass).
 *
 * - A failing test's console is added to the test's own errors, so Jest prints it in the test's failure
 *   block: where the failure is, in a one-file run and a many-file run alike, and never after the
 *   summary (console output written when the test ends can be printed after the summary).
 * - Each line says where it was logged from (the test's source, not this file), as Jest does.
 * - A line logged after its test ended (a timer or promise outliving it) is not dropped with the next
 *   test's: it is printed, labelled, when the file fails, and flagged with a count when it passes; one
 *   logged after the file's last test is handed to Jest, which reports it ("Cannot log after tests are
 *   done").
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatWithOptions } from 'node:util';
import { TestEnvironment } from 'jest-environment-node';

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir'];
const THIS_FILE = fileURLToPath(import.meta.url);

/**
 * The last line of the text added to a failing test's errors. Jest takes an error's message to end
 * where its first stack frame starts (without a frame, it keeps only the first line) and leaves
 * `at <anonymous>` frames out of what it prints: this one ends the message and is not shown.
 */
const END_OF_MESSAGE = '\n    at <anonymous>:0:0';

/** The test function's wrapper (QuietEnvironment.#own) is no part of what a failure's stack should show. */
function withoutOurFrames(error) {
  if (typeof error?.stack !== 'string' || !error.stack.includes(THIS_FILE)) return;
  try {
    error.stack = error.stack
      .split('\n')
      .filter((l) => !l.includes(THIS_FILE))
      .join('\n');
  } catch {
    // A frozen error keeps its stack: two extra frames, nothing lost.
  }
}

/** @typedef {{ method: string; args: unknown[]; at: Error; after?: string }} Entry */
/** @typedef {{ name: string; done: boolean }} Running */

export default class QuietEnvironment extends TestEnvironment {
  /** @type {Entry[]} */
  #held = [];
  /** Logs from outside any test (module load, beforeAll, afterAll): shown when anything in the file fails. */
  /** @type {Entry[]} */
  #outside = [];
  /** @type {'outside' | 'test' | 'finished'} */
  #phase = 'outside';
  /**
   * The test whose code (and every timer and promise it started) is running: set when a test starts,
   * so a log from a timer a finished test left behind is known as that test's, even while another runs.
   * @type {AsyncLocalStorage<Running>}
   */
  #owner = new AsyncLocalStorage();
  /** @type {Running | undefined} */
  #running;
  #failed = false;
  #real = console;
  #root;
  #passThrough = process.env.CLOUD_ALERTS_TEST_LOGS === '1';

  constructor(config, context) {
    super(config, context);
    this.#root = config.projectConfig.rootDir;
    const env = this.global.process.env;
    // Powertools' Logger and Metrics write to their own stdout Console, out of Jest's reach; in dev mode
    // they use the global console, which is held below. Metrics stay on (dev mode would turn them off)
    // so the code paths under test are those of Lambda.
    env.POWERTOOLS_DEV ??= 'true';
    env.POWERTOOLS_METRICS_DISABLED ??= 'false';
  }

  async setup() {
    await super.setup();
    if (this.#passThrough) return;
    const real = this.global.console;
    this.#real = real;
    const held = Object.create(real);
    for (const method of METHODS) {
      held[method] = (...args) => {
        // After the last test Jest's own console says the log came too late, and where from.
        if (this.#phase === 'finished') return real[method](...args);
        // The stack is captured now and formatted only if the line is ever shown.
        const entry = { method, args, at: new Error() };
        const owner = this.#owner.getStore();
        if (owner?.done) this.#outside.push({ ...entry, after: owner.name });
        else if (this.#phase === 'test') this.#held.push(entry);
        else this.#outside.push(entry);
      };
    }
    this.global.console = held;
  }

  /** Where a line was logged: the first frame outside this file, preferring our code to a library's. */
  #origin(at) {
    const frames = (at.stack ?? '')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().replace(/^at /, ''))
      .filter((l) => !l.includes(THIS_FILE));
    const frame = frames.find((l) => !l.includes('/node_modules/')) ?? frames[0] ?? 'unknown';
    return frame.replace(/(?:file:\/\/)?(\/[^:()]+)/, (_, path) => relative(this.#root, path));
  }

  /** The entries as text, each under the method and place it was logged from, as Jest shows a console. */
  #format(entries) {
    return entries
      .map(({ method, args, at, after }) => {
        const text = formatWithOptions({ colors: false }, ...args).replace(/\n/g, '\n    ');
        const late = after === undefined ? '' : ` — after "${after}" ended`;
        return `  console.${method} — ${this.#origin(at)}${late}\n    ${text}`;
      })
      .join('\n');
  }

  /**
   * Runs the test's function as `running`'s, and with it every timer and promise it starts. Jest reads
   * the function's length (a `done` parameter or not), so the wrapper keeps it.
   */
  #own(test, running) {
    const fn = test.fn;
    if (typeof fn !== 'function') return;
    const owner = this.#owner;
    const owned = function (...args) {
      return owner.run(running, () => fn.apply(this, args));
    };
    Object.defineProperty(owned, 'length', { value: fn.length });
    test.fn = owned;
  }

  /**
   * One held line through Jest's console, which names where it was logged from: the stack Jest reads
   * for that is made to continue with the line's own frames rather than this file's.
   */
  #replay({ method, args, at, after }) {
    const origin = (at.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l) && !l.includes(THIS_FILE));
    const previous = Error.prepareStackTrace;
    Error.prepareStackTrace = (error, callsites) => {
      const here = callsites.findIndex((c) => c.getFileName()?.includes(THIS_FILE));
      const jest = (here === -1 ? callsites : callsites.slice(0, here)).map((c) => `    at ${c}`);
      return [String(error), ...jest, ...origin].join('\n');
    };
    try {
      if (after === undefined) this.#real[method](...args);
      else this.#real[method](`(after the test "${after}" ended)`, ...args);
    } finally {
      Error.prepareStackTrace = previous;
    }
  }

  handleTestEvent(event) {
    if (this.#passThrough) return;
    switch (event.name) {
      case 'hook_failure':
      case 'test_fn_failure':
        this.#failed = true;
        break;
      case 'test_start':
        this.#phase = 'test';
        this.#held = [];
        this.#running = { name: event.test.name, done: false };
        this.#own(event.test, this.#running);
        break;
      case 'test_done':
        this.#phase = 'outside';
        if (this.#running) this.#running.done = true;
        if (event.test.errors.length > 0) {
          this.#failed = true;
          for (const error of event.test.errors.flat()) withoutOurFrames(error);
          if (this.#held.length > 0) {
            const console = new Error();
            console.stack = `console of this test, oldest first:\n${this.#format(this.#held)}${END_OF_MESSAGE}`;
            event.test.errors.push(console);
          }
        }
        this.#held = [];
        break;
      case 'run_finish': {
        this.#phase = 'finished';
        const late = this.#outside.filter((e) => e.after !== undefined);
        if (this.#failed) {
          for (const entry of this.#outside) this.#replay(entry);
        } else if (late.length > 0) {
          // Where the first of them was logged from: the timer or promise to wait for.
          const tests = [...new Set(late.map((e) => `"${e.after}"`))].join(', ');
          this.#replay({
            method: 'warn',
            args: [
              `${late.length} console line(s) logged after their test ended (async work outliving ${tests}); CLOUD_ALERTS_TEST_LOGS=1 shows them`,
            ],
            at: late[0].at,
          });
        }
        this.#outside = [];
        break;
      }
    }
  }
}
