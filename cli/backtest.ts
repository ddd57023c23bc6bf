import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { type Backtest, createBacktest } from '../shared/backtest/backtest.ts';
import { resolveInputs } from '../shared/backtest/inputs.ts';
import { type ReaderPool, startReaderPool } from '../shared/backtest/pool.ts';
import { Progress } from '../shared/backtest/progress.ts';
import { planS3Reads } from '../shared/backtest/s3.ts';
import { isS3Url } from '../shared/backtest/s3-layout.ts';
import { logName } from '../shared/backtest/sources.ts';
import { formatSummary } from '../shared/backtest/text.ts';
import { terminalJson, terminalLine } from '../shared/util/terminal.ts';
import { athenaBacktest, athenaFlagMisuse } from './backtest-athena.ts';
import { whyUnwritable, writeReport } from './backtest-report.ts';
import { readSourceOptions } from './backtest-sources.ts';
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
  // A run over a year of logs (or an Athena query) takes a while: a report path that cannot be
  // written is found now, not after it.
  const unwritable = args.values.html === undefined ? undefined : whyUnwritable(args.values.html);
  if (args.values.html !== undefined && unwritable !== undefined) {
    io.stderr(`backtest: cannot write --html ${terminalLine(args.values.html)}: ${unwritable}\n`);
    return EXIT_USAGE;
  }
  if (args.values.athena !== undefined || args.values['print-sql'])
    return athenaBacktest(args.values, paths, io);
  const misuse = athenaFlagMisuse(args.values);
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
  const sources = readSourceOptions(paths, args.values, Date.now());
  if (typeof sources === 'string') {
    io.stderr(`backtest: ${sources}\n${commandUsage('backtest')}`);
    return EXIT_USAGE;
  }
  const workers = workerCount(args.values.workers);
  if (workers === undefined) {
    io.stderr(
      `backtest: --workers takes a whole number from 1 to ${MAX_WORKERS}\n${commandUsage('backtest')}`,
    );
    return EXIT_USAGE;
  }
  // The readers start loading now, while the configuration and rules are read. Not for S3, read on
  // this thread with its GETs ahead (see run).
  let pool: ReaderPool | undefined =
    workers > 1 && !paths.some(isS3Url) ? startReaderPool(workers) : undefined;
  try {
    return await run(args, paths, sources, io, pool);
  } finally {
    await pool?.close();
    pool = undefined;
  }
}

async function run(
  args: ReturnType<typeof parse>,
  paths: string[],
  sources: Exclude<ReturnType<typeof readSourceOptions>, string>,
  io: CliIo,
  pool: ReaderPool | undefined,
): Promise<number> {
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

  // A path given on the command line that cannot be read or listed, or holds no log file, is bad
  // input (exit 2, as in replay); the summary still counts it. A bad file inside a folder is skipped
  // and listed (cli/paths.ts).
  let exit = EXIT_OK;
  const inputs = await resolveInputs(paths, sources.selection);
  for (const failure of inputs.failures) {
    io.stderr(`backtest: ${terminalLine(failure.error)}\n`);
    backtest.pathFailed(failure.path, failure.error);
    exit = EXIT_USAGE;
  }
  const refs = inputs.refs;
  // A file given by its own name (not found in a folder or under a prefix).
  const named = new Set(paths);
  // S3 objects are fetched ahead, in order, on this thread (shared/backtest/s3.ts): reading from S3
  // waits on the network more than on a core. Local files are read on every core.
  const s3 = refs.filter((r) => r.kind === 's3');
  if (s3.length > 0) planS3Reads(s3, { concurrency: sources.s3Concurrency });
  // Progress is for a person watching; JSON output is for a program.
  const progress =
    io.isTTY && !args.values.json
      ? new Progress({
          write: io.stderr,
          totalFiles: refs.length,
          totalBytes: refs.reduce((sum, r) => sum + r.size, 0),
        })
      : undefined;
  await backtest.runLogs(refs, {
    // One object gains nothing from threads.
    ...(pool && refs.length > 1 ? { pool } : {}),
    ...(progress
      ? {
          onObject: () => progress.fileStarted(),
          onBytes: (b: number) => progress.addBytes(b),
          onRecords: (r: number) => progress.addRecords(r),
        }
      : {}),
    onDone: (ref, outcome) => {
      // A file named on the command line that could not be read, or held no record, is bad input.
      const file = logName(ref);
      if (named.has(file) && (outcome.error !== undefined || outcome.events === 0)) {
        io.stderr(
          `backtest: ${terminalLine(file)}: ${terminalLine(outcome.error ?? 'holds no CloudTrail record or event')}\n`,
        );
        exit = EXIT_USAGE;
      }
    },
  });
  progress?.done();

  await backtest.finish();
  const summary = backtest.summary();
  io.stdout(args.values.json ? `${terminalJson(summary)}\n` : formatSummary(summary));
  if (!writeReport(args.values.html, summary, backtest.previews(), io, args.values.json === true))
    return EXIT_WRITE_FAILED;
  return exit;
}

/** More threads than this only add memory: reading is bound by gunzip and JSON.parse per core. */
const MAX_WORKERS = 64;

/** --workers as given, or one per core (as many as Node says this process may use). */
function workerCount(value: string | undefined): number | undefined {
  if (value === undefined) return Math.min(availableParallelism(), MAX_WORKERS);
  if (!/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= MAX_WORKERS ? n : undefined;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: COMMANDS.backtest.options,
  });
}
