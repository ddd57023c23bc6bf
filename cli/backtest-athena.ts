import {
  type AthenaApi,
  AthenaError,
  formatBytes,
  queryCostUsd,
  runQuery,
  sdkAthenaApi,
} from '../shared/backtest/athena/run.ts';
import { buildQuery, type PartitionColumns, QueryOptionError } from '../shared/backtest/athena/sql.ts';
import { createBacktest } from '../shared/backtest/backtest.ts';
import { formatSummary } from '../shared/backtest/text.ts';
import { PatternError } from '../shared/eventbridge/pattern.ts';
import { terminalJson, terminalLine } from '../shared/util/terminal.ts';
import { writeReport } from './backtest-report.ts';
import { list } from './backtest-sources.ts';
import { parseTime } from './history.ts';
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.ts';
import { loadPipelineSetup } from './setup.ts';

const EXIT_FAILED = 1;

/** The backtest flags this mode reads (cli/commands.ts, backtest). */
export interface AthenaFlags {
  athena?: string;
  database?: string;
  workgroup?: string;
  'athena-output'?: string;
  'date-partition'?: string;
  'region-partition'?: string;
  'account-partition'?: string;
  'print-sql'?: boolean;
  since?: string;
  until?: string;
  region?: readonly string[];
  account?: readonly string[];
  json?: boolean;
  html?: string;
  config?: string;
  stage?: string;
  serverless?: string;
  'alarm-tags'?: string;
}

class UsageError extends Error {}

const ATHENA_ONLY = [
  'database',
  'workgroup',
  'athena-output',
  'date-partition',
  'region-partition',
  'account-partition',
] as const;

/**
 * Without --athena, the flags only this mode reads would be ignored in silence: say so instead. The scope
 * flags (--since, --until, --account, --region) also select s3:// keys: readSourceOptions checks those.
 */
export function athenaFlagMisuse(flags: AthenaFlags): string | undefined {
  const used: string[] = ATHENA_ONLY.filter((f) => flags[f] !== undefined);
  if (used.length === 0) return undefined;
  return `${used.map((f) => `--${f}`).join(', ')} ${used.length === 1 ? 'needs' : 'need'} --athena TABLE`;
}

function partitions(flags: AthenaFlags): PartitionColumns {
  const out: PartitionColumns = {};
  const date = flags['date-partition'];
  if (date !== undefined) {
    const cols = date.split(',').map((c) => c.trim());
    if (cols.length === 1 && cols[0]) out.date = cols[0];
    else if (cols.length === 3 && cols.every((c) => c !== '')) out.date = cols as [string, string, string];
    else throw new UsageError('--date-partition takes one column (yyyy/MM/dd) or three (year,month,day)');
  }
  if (flags['region-partition']) out.region = flags['region-partition'];
  if (flags['account-partition']) out.account = flags['account-partition'];
  return out;
}

function time(flag: 'since' | 'until', value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseTime(value, nowMs);
  if (ms === undefined) throw new UsageError(`--${flag} ${value}: give 7d, 12h, 30m or an ISO time`);
  return ms;
}

/**
 * `cloud-alerts backtest --athena TABLE`: the serverless.yml patterns as a SQL prefilter (never
 * narrower than the rules), run in Athena; the rows it selects run through the real pipeline here.
 */
export async function athenaBacktest(
  flags: AthenaFlags,
  paths: string[],
  io: CliIo,
  deps: { api?: AthenaApi; now?: () => number } = {},
): Promise<number> {
  const table = flags.athena;
  if (table === undefined || table === '') {
    io.stderr('backtest: --print-sql and the Athena flags need --athena TABLE\n');
    return EXIT_USAGE;
  }
  if (paths.length > 0) {
    io.stderr(`backtest: --athena reads the table, not files: drop ${terminalLine(paths.join(' '))}\n`);
    return EXIT_USAGE;
  }
  const output = flags['athena-output'];
  if (output !== undefined && !output.startsWith('s3://')) {
    io.stderr(`backtest: --athena-output must be an s3:// location, not ${terminalLine(output)}\n`);
    return EXIT_USAGE;
  }
  const setup = loadPipelineSetup('backtest', flags, io);
  if (typeof setup === 'number') return setup;
  let sql: string;
  try {
    const nowMs = (deps.now ?? Date.now)();
    const sinceMs = time('since', flags.since, nowMs);
    const untilMs = time('until', flags.until, nowMs);
    if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs)
      throw new UsageError('--since is after --until');
    const query = buildQuery({
      table,
      patterns: setup.rules.filter((r) => r.bus === 'default').map((r) => r.pattern),
      ...(sinceMs !== undefined ? { sinceMs } : {}),
      ...(untilMs !== undefined ? { untilMs } : {}),
      regions: list(flags.region ? [...flags.region] : undefined),
      accounts: list(flags.account ? [...flags.account] : undefined),
      partitions: partitions(flags),
    });
    sql = query.sql;
    if (!query.narrowed) {
      io.stderr(
        'backtest: the patterns make a query longer than Athena takes; reading every record in scope instead (the rules still decide)\n',
      );
    }
  } catch (err) {
    if (!(err instanceof UsageError || err instanceof QueryOptionError || err instanceof PatternError))
      throw err;
    io.stderr(`backtest: ${terminalLine(err.message)}\n`);
    return EXIT_USAGE;
  }
  if (flags['print-sql']) {
    io.stdout(`${sql};\n`);
    return EXIT_OK;
  }

  let run: Awaited<ReturnType<typeof runQuery>>;
  try {
    run = await runQuery({
      sql,
      table,
      api: deps.api ?? (await sdkAthenaApi(io.env)),
      ...(flags.database ? { database: flags.database } : {}),
      ...(flags.workgroup ? { workgroup: flags.workgroup } : {}),
      ...(output ? { outputLocation: output } : {}),
    });
  } catch (err) {
    if (!(err instanceof AthenaError)) throw err;
    // Athena's reason is text from AWS (it quotes the query): one safe line each.
    io.stderr(`backtest: ${err.message.split('\n').map(terminalLine).join('\n')}\n`);
    return EXIT_FAILED;
  }

  const backtest = createBacktest({
    rules: setup.rules,
    config: setup.config,
    replayer: {
      heartbeat: setup.heartbeat,
      ...(setup.alarmLookup ? { alarmLookup: setup.alarmLookup } : {}),
    },
  });
  await backtest.runRecords(`athena:${run.id}`, run.batches);
  await backtest.finish();
  const summary = backtest.summary();
  const cost = queryCostUsd(run.bytesScanned);
  const athena = { queryExecutionId: run.id, bytesScanned: run.bytesScanned, costUsd: cost };
  const costLine = `Athena: query ${run.id} scanned ${formatBytes(run.bytesScanned)}, $${cost.toFixed(4)} at the list price ($5 per TB, 10 MB minimum)\n`;
  io.stdout(
    flags.json ? `${terminalJson({ ...summary, athena })}\n` : `${formatSummary(summary)}${costLine}`,
  );
  if (!writeReport(flags.html, summary, backtest.previews(), io, flags.json === true)) return EXIT_FAILED;
  // Results that stopped half-way are a failed run, even with a summary of what arrived.
  return summary.files.failed > 0 ? EXIT_FAILED : EXIT_OK;
}
