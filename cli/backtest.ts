import { statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Backtest, createBacktest } from '../shared/backtest/backtest.ts';
import { errorText } from '../shared/backtest/files.ts';
import { renderHtmlReport } from '../shared/backtest/html.ts';
import { Progress } from '../shared/backtest/progress.ts';
import { formatSummary } from '../shared/backtest/text.ts';
import { listFiles, UnreadablePathError } from '../shared/replay/load.ts';
import { terminalJson, terminalLine } from '../shared/util/terminal.ts';
import { athenaBacktest, athenaFlagMisuse } from './backtest-athena.ts';
import { argsError, COMMANDS, commandUsage } from './commands.ts';
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.ts';
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
  if (args.values.athena !== undefined || args.values['print-sql'])
    return athenaBacktest(args.values, paths, io);
  const misuse = athenaFlagMisuse(args.values, paths);
  if (misuse) {
    io.stderr(`backtest: ${misuse}\n`);
    return EXIT_USAGE;
  }
  if (paths.length === 0) {
    io.stderr(
      'backtest: give at least one file or folder of CloudTrail logs, e.g. cloud-alerts backtest ./AWSLogs\n',
    );
    return EXIT_USAGE;
  }
  const setup = loadPipelineSetup('backtest', args.values, io);
  if (!setup) return EXIT_USAGE;
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
    files.push(...found);
  }
  // Progress is for a person watching; JSON output is for a program.
  const progress =
    io.isTTY && !args.values.json
      ? new Progress({ write: io.stderr, totalFiles: files.length, totalBytes: totalSize(files) })
      : undefined;
  for (const file of files) {
    progress?.fileStarted();
    await backtest.runFile(
      file,
      progress && ((b) => progress.addBytes(b)),
      progress && ((r) => progress.addRecords(r)),
    );
  }
  progress?.done();

  await backtest.finish();
  const summary = backtest.summary();
  io.stdout(args.values.json ? `${terminalJson(summary)}\n` : formatSummary(summary));
  const html = args.values.html;
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
