/**
 * Jest's default reporter without the PASS line of each passing, quiet file: `npm test` ends in its
 * summary (190 files would otherwise print 190 lines). A failing file prints as before, each failing
 * test's held console inside its failure (quiet-environment.js); so does a file with console output of
 * its own (logs outside tests when it fails, the flag for logs after their test ended when it passes).
 * The live progress line in a terminal is unchanged.
 */
import { DefaultReporter } from '@jest/reporters';

export default class FailuresReporter extends DefaultReporter {
  printTestFileHeader(testPath, config, result) {
    const quiet = result.numFailingTests === 0 && !result.testExecError && !result.console?.length;
    if (quiet && process.env.CLOUD_ALERTS_TEST_LOGS !== '1') return;
    super.printTestFileHeader(testPath, config, result);
  }
}
