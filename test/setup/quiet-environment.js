/**
 * Jest's node environment with the console held per test: a passing test's logs (Powertools' JSON lines,
 * EMF metrics, figures a test prints) are dropped, a failing test's are printed after its failure, so
 * `npm test` on success is its summary and a failure still shows everything it logged.
 * CLOUD_ALERTS_TEST_LOGS=1 prints every log as it comes (to read a run's figures or debug a pass).
 */
import { TestEnvironment } from 'jest-environment-node';

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir'];

export default class QuietEnvironment extends TestEnvironment {
  /** @type {Array<{ method: string; args: unknown[] }>} */
  #held = [];
  /** Logs from outside any test (module load, beforeAll, afterAll): shown when anything in the file fails. */
  /** @type {Array<{ method: string; args: unknown[] }>} */
  #outside = [];
  #inTest = false;
  #failed = false;
  #real = console;
  #passThrough = process.env.CLOUD_ALERTS_TEST_LOGS === '1';

  constructor(config, context) {
    super(config, context);
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
        (this.#inTest ? this.#held : this.#outside).push({ method, args });
      };
    }
    this.global.console = held;
  }

  #replay(entries, heading) {
    if (entries.length === 0) return;
    this.#real.log(heading);
    for (const { method, args } of entries) this.#real[method](...args);
    entries.length = 0;
  }

  handleTestEvent(event) {
    if (this.#passThrough) return;
    switch (event.name) {
      case 'test_start':
        this.#inTest = true;
        this.#held = [];
        break;
      case 'test_done':
        this.#inTest = false;
        if (event.test.errors.length > 0) {
          this.#failed = true;
          this.#replay(this.#held, `console of the failing test "${event.test.name}":`);
        }
        this.#held = [];
        break;
      case 'hook_failure':
      case 'test_fn_failure':
        this.#failed = true;
        break;
      case 'run_finish':
        if (this.#failed) this.#replay(this.#outside, 'console outside tests (this file has a failure):');
        break;
    }
  }
}
