import { closeSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Backtest, createBacktest } from '../shared/backtest/backtest.ts';
import { errorText } from '../shared/backtest/files.ts';
import { renderHtmlReport } from '../shared/backtest/html.ts';
import { Progress } from '../shared/backtest/progress.ts';
import { formatSummary } from '../shared/backtest/text.ts';
import { listFiles, UnreadablePathError } from '../shared/replay/load.ts';
import { plainError } from '../shared/util/errors.ts';
import { terminalJson, terminalLine } from '../shared/util/terminal.ts';
import { argsError, COMMANDS, commandUsage } from './commands.ts';
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.ts';
import { namedFile } from './paths.ts';
import { loadPipelineSetup } from './setup.ts';

const EXIT_WRITE_FAILED = 1;

/**
 * `cloud-alerts backtest <path...>`: stream CloudTrail archives through the real rules and print how
 * loud they would have been. Sends nothing; bad files are listed and skipped.
 */
export async function backtestCommand(argv: string[], io: CliIo): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    io.stderr(`backtest: ${terminalLine(argsError(err))}\n${commandUsage('backtest')}`);
    return EXIT_USAGE;
  }
  const paths = args.positionals;
  if (paths.length === 0) {
    io.stderr(
      'backtest: give at least one file or folder of CloudTrail logs, e.g. cloud-alerts backtest ./AWSLogs\n',
    );
    return EXIT_USAGE;
  }
  // A run over a year of logs takes a while: a report path that cannot be written is found now, not after it.
  const html = args.values.html;
  const unwritable = html === undefined ? undefined : whyUnwritable(html);
  if (html !== undefined && unwritable !== undefined) {
    io.stderr(`backtest: cannot write --html ${terminalLine(html)}: ${unwritable}\n`);
    return EXIT_USAGE;
  }
  const setup = loadPipelineSetup('backtest', args.values, io);
  if (typeof setup === 'number') return setup;
  const backtest: Backtest = createBacktest({
    rules: setup.rules,
    config: setup.config,
    replayer: {
      heartbeat: setup.heartbeat,
      ...(setup.alarmLookup ? { alarmLookup: setup.alarmLookup } : {}),
    },
  });

  // A path given on the command line that cannot be read, or holds no log file, is bad input (exit 2,
  // as in replay); the summary still counts it. A bad file inside a folder is skipped and listed.
  let exit = EXIT_OK;
  const files: string[] = [];
  const named = new Set<string>();
  for (const path of paths) {
    let found: string[];
    try {
      found = listFiles(path);
    } catch (err) {
      if (!(err instanceof UnreadablePathError)) throw err;
      io.stderr(`backtest: ${terminalLine(err.message)}\n`);
      backtest.pathFailed(path, err.message);
      exit = EXIT_USAGE;
      continue;
    }
    if (found.length === 0) {
      const why = `no log file (.json, .json.gz) in ${path}`;
      io.stderr(`backtest: ${terminalLine(why)}\n`);
      backtest.pathFailed(path, why);
      exit = EXIT_USAGE;
    }
    if (namedFile(path, found)) named.add(path);
    files.push(...found);
  }
  // Progress is for a person watching; JSON output is for a program.
  const progress =
    io.isTTY && !args.values.json
      ? new Progress({ write: io.stderr, totalFiles: files.length, totalBytes: totalSize(files) })
      : undefined;
  for (const file of files) {
    progress?.fileStarted();
    const outcome = await backtest.runFile(
      file,
      progress && ((b) => progress.addBytes(b)),
      progress && ((r) => progress.addRecords(r)),
    );
    // A file named on the command line that could not be read, or held no record, is bad input.
    if (named.has(file) && (outcome.error !== undefined || outcome.events === 0)) {
      io.stderr(
        `backtest: ${terminalLine(file)}: ${terminalLine(outcome.error ?? 'holds no CloudTrail record or event')}\n`,
      );
      exit = EXIT_USAGE;
    }
  }
  progress?.done();

  await backtest.finish();
  const summary = backtest.summary();
  io.stdout(args.values.json ? `${terminalJson(summary)}\n` : formatSummary(summary));
  if (html !== undefined) {
    try {
      writeFileSync(html, renderHtmlReport(summary, backtest.previews()));
    } catch (err) {
      io.stderr(`backtest: cannot write ${html}: ${errorText(err)}\n`);
      return EXIT_WRITE_FAILED;
    }
    if (!args.values.json) io.stdout(`Report written to ${html}\n`);
  }
  return exit;
}

/**
 * Why a report could not be written at `path`, or undefined when it can: the file is opened for
 * appending (created if missing, then removed again), which finds a missing folder, a folder, and a
 * file or folder that is read-only, as the final write would.
 */
function whyUnwritable(path: string): string | undefined {
  let existed = true;
  try {
    if (statSync(path).isDirectory()) return 'is a folder, not a file';
  } catch {
    existed = false;
  }
  try {
    closeSync(openSync(path, 'a'));
  } catch (err) {
    return plainError(err);
  }
  if (!existed) rmSync(path, { force: true });
  return undefined;
}

function totalSize(files: string[]): number {
  let total = 0;
  for (const f of files) {
    try {
      total += statSync(f).size;
    } catch {
      // unreadable: the run reports it when it gets there
    }
  }
  return total;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: COMMANDS.backtest.options,
  });
}
