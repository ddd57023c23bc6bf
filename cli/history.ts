import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createTrailLookupPort } from '../shared/aws/evidence/cloudtrail.ts';
import { errorText, scanFile } from '../shared/backtest/files.ts';
import { isCloudTrailRecord } from '../shared/backtest/reader.ts';
import { MalformedRecord } from '../shared/backtest/records.ts';
import { ConfigError, loadConfigFile } from '../shared/config/load.ts';
import { configPath } from '../shared/config/runtime.ts';
import type { Config } from '../shared/config/schema.ts';
import { isRecord } from '../shared/detect/values.ts';
import { type Clock, RegionRateLimiter, realClock } from '../shared/evidence/history-cache.ts';
import { EvidenceReadError, readCode, type TrailLookupPort } from '../shared/evidence/ports.ts';
import {
  entryFromRecord,
  entryFromTrailEvent,
  type HistoryMode,
  isReadOnly,
  matches,
  orderTimeline,
  type TimelineEntry,
} from '../shared/history/timeline.ts';
import { listPath } from '../shared/replay/load.ts';
import { terminalJson, terminalLine } from '../shared/util/terminal.ts';
import { parseTime } from '../shared/util/time.ts';
import { argsError, COMMANDS, commandHelp } from './commands.ts';
import { type CliIo, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './io.ts';
import { namedFile } from './paths.ts';

/** LookupEvents failed (denied, throttled past our retries, no network): the message says which. */
export const EXIT_AWS_FAILED = EXIT_FAILED;

/** CloudTrail event history keeps 90 days. https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html */
export const EVENT_HISTORY_DAYS = 90;
/** Pages read per lookup at most (50 events each): 10,000 events is already more than a timeline reads. */
export const MAX_PAGES = 200;
/** A throttled page is retried after 1 s, 2 s, 4 s (on top of the SDK's own attempts), then reported. */
const THROTTLE_RETRIES = 3;

// The same forms as backtest's --since/--until read (shared/util/time.ts).
export { parseTime };

export const HISTORY_USAGE = commandHelp('history');

export interface HistoryDeps {
  /** LookupEvents; the SDK-backed port when absent. */
  trailLookup?: TrailLookupPort;
  now?: () => number;
  clock?: Clock;
}

class UsageError extends Error {}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    tokens: true,
    options: { ...COMMANDS.history.options, help: { type: 'boolean', short: 'h', default: false } },
  });
}

interface Plan {
  target: string;
  mode: HistoryMode;
  sinceMs: number;
  untilMs: number;
  archives: string[];
  region: string | undefined;
  json: boolean;
}

function plan(args: ReturnType<typeof parse>, io: CliIo, nowMs: number): Plan {
  // `--archive a b c`: the paths after the first arrive as positionals. Which positional is the
  // target and which an archive path is told by where it stands: after --archive (until the next
  // option) it is a path, wherever the target is written.
  const archives = [...(args.values.archive ?? [])];
  const targets: string[] = [];
  let afterArchive = false;
  for (const token of args.tokens ?? []) {
    if (token.kind === 'option') afterArchive = token.name === 'archive';
    else if (token.kind === 'positional') (afterArchive ? archives : targets).push(token.value);
  }
  const [target, ...rest] = targets;
  if (!target || target.trim() === '')
    throw new UsageError(
      'give a resource or an actor, before --archive, e.g. cloud-alerts history example-reports --archive ./trail',
    );
  if (rest.length > 0)
    throw new UsageError(`one resource or actor at a time (also got: ${rest.map(terminalLine).join(' ')})`);
  if (args.values.resource && args.values.actor)
    throw new UsageError('--resource and --actor exclude each other');
  const mode: HistoryMode = args.values.resource ? 'resource' : args.values.actor ? 'actor' : 'either';
  const since = args.values.since ?? '7d';
  const sinceMs = parseTime(since, nowMs);
  if (sinceMs === undefined)
    throw new UsageError(`--since ${terminalLine(since)}: give a duration (7d, 12h, 30m) or an ISO time`);
  const until = args.values.until;
  const untilMs = until === undefined ? nowMs : parseTime(until, nowMs);
  if (untilMs === undefined)
    throw new UsageError(
      `--until ${terminalLine(until ?? '')}: give a duration (7d, 12h, 30m) or an ISO time`,
    );
  if (sinceMs >= untilMs) throw new UsageError('--since must be before --until');
  // With archives only an explicit --region filters: the shell's AWS_REGION says nothing about the files.
  const region =
    archives.length > 0
      ? args.values.region
      : (args.values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION);
  if (archives.length === 0 && !region)
    throw new UsageError('give --region (or set AWS_REGION): event history is read per Region');
  return { target: target.trim(), mode, sinceMs, untilMs, archives, region, json: args.values.json };
}

/** The configuration the verdicts use: the one given, else the project's when there is one. */
function loadVerdictConfig(args: ReturnType<typeof parse>, io: CliIo): Config | undefined {
  const file = args.values.config ?? configPath(io.env);
  if (args.values.config === undefined && !existsSync(file)) {
    io.stderr(`history: no configuration at ${terminalLine(file)}; verdicts are left out (pass --config)\n`);
    return undefined;
  }
  return loadConfigFile(file, { stage: args.values.stage ?? io.env.STAGE ?? 'dev' });
}

/**
 * The archives' entries, and whether a path named on the command line was bad (cannot be read, a
 * folder without a log file, a named file that is not one): exit 2 after the rest is shown. A bad file
 * inside a folder is skipped and listed.
 */
async function fromArchives(
  p: Plan,
  config: Config | undefined,
  io: CliIo,
): Promise<{ entries: TimelineEntry[]; badPath: boolean }> {
  const files: string[] = [];
  const named = new Set<string>();
  let badPath = false;
  for (const path of p.archives) {
    const { files: found, problem } = listPath(path, `no log file (.json, .json.gz) in ${path}`);
    if (problem !== undefined) {
      io.stderr(`history: ${terminalLine(problem)}\n`);
      badPath = true;
      continue;
    }
    if (namedFile(path, found)) named.add(path);
    files.push(...found);
  }
  const entries: TimelineEntry[] = [];
  for (const file of files) {
    let read = 0;
    const outcome = await scanFile(file, (records) => {
      for (const value of records) {
        if (value instanceof MalformedRecord || !isRecord(value)) continue;
        const record = 'detail-type' in value && isRecord(value.detail) ? value.detail : value;
        if (!isCloudTrailRecord(record)) continue;
        read++;
        if (isReadOnly(record) || !matches(record, p.target, p.mode)) continue;
        if (p.region && record.awsRegion !== p.region) continue;
        const entry = entryFromRecord(record, config);
        if (!entry) continue;
        const t = Date.parse(entry.time);
        if (t >= p.sinceMs && t <= p.untilMs) entries.push(entry);
      }
    });
    if (outcome.error) {
      io.stderr(`history: ${terminalLine(file)}: ${terminalLine(outcome.error)} (skipped the rest)\n`);
      if (named.has(file)) badPath = true;
    } else if (named.has(file) && read === 0) {
      io.stderr(`history: ${terminalLine(file)}: holds no CloudTrail record\n`);
      badPath = true;
    }
  }
  return { entries, badPath };
}

async function fromEventHistory(
  p: Plan,
  config: Config | undefined,
  io: CliIo,
  deps: HistoryDeps,
  nowMs: number,
): Promise<TimelineEntry[]> {
  const region = p.region as string;
  const port = deps.trailLookup ?? createTrailLookupPort({ maxAttempts: 3 });
  const clock = deps.clock ?? realClock;
  const limiter = new RegionRateLimiter({ clock });
  const oldest = nowMs - EVENT_HISTORY_DAYS * 86_400_000;
  if (p.sinceMs < oldest)
    io.stderr(`history: event history keeps ${EVENT_HISTORY_DAYS} days; older changes need --archive\n`);
  const keys: Array<'ResourceName' | 'Username'> =
    p.mode === 'resource'
      ? ['ResourceName']
      : p.mode === 'actor'
        ? ['Username']
        : ['ResourceName', 'Username'];
  const entries: TimelineEntry[] = [];
  for (const key of keys) {
    let nextToken: string | undefined;
    let pages = 0;
    do {
      let retries = 0;
      for (;;) {
        await limiter.acquire(region);
        try {
          const page = await port({
            region,
            attribute: { key, value: p.target },
            startMs: Math.max(p.sinceMs, oldest),
            endMs: p.untilMs,
            maxResults: 50,
            ...(nextToken ? { nextToken } : {}),
          });
          for (const e of page.events) {
            if (e.readOnly === true || (e.record && isReadOnly(e.record))) continue;
            entries.push(entryFromTrailEvent(e, region, config));
          }
          nextToken = page.nextToken;
          break;
        } catch (err) {
          if (readCode(err) === 'throttled' && retries < THROTTLE_RETRIES) {
            await clock.sleep(1000 * 2 ** retries);
            retries++;
            continue;
          }
          throw err;
        }
      }
      pages++;
    } while (nextToken && pages < MAX_PAGES);
    if (nextToken)
      io.stderr(`history: stopped after ${MAX_PAGES} pages by ${key}; narrow --since/--until for the rest\n`);
  }
  return entries;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** One line per entry, every event-derived field made inert for the terminal. */
export function formatTimeline(entries: TimelineEntry[]): string {
  const verdictOf = (e: TimelineEntry) => (e.verdict ? `${e.verdict.severity} ${e.verdict.ruleId}` : '—');
  // The service beside the call: a resource name can be shared by a bucket, a table and a role.
  const call = (e: TimelineEntry) => `${e.eventSource.replace(/\.amazonaws\.com$/, '')}:${e.eventName}`;
  const nameWidth = Math.min(48, Math.max(0, ...entries.map((e) => call(e).length)));
  const verdictWidth = Math.min(48, Math.max(0, ...entries.map((e) => verdictOf(e).length)));
  const lines = entries.map((e) => {
    const time = `${e.time.slice(0, 19).replace('T', ' ')} UTC`;
    const verdict = verdictOf(e);
    const where = e.sourceIp ? ` from ${terminalLine(e.sourceIp)}` : '';
    const client = e.client ? ` with ${terminalLine(e.client)}` : '';
    return `${time}  ${pad(verdict, verdictWidth)}  ${pad(terminalLine(call(e)), nameWidth)}  ${terminalLine(e.actor)}${where}${client}`;
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** `cloud-alerts history <resource | actor>`: who changed it, as a timeline. */
export async function historyCommand(argv: string[], io: CliIo, deps: HistoryDeps = {}): Promise<number> {
  const nowMs = (deps.now ?? Date.now)();
  let args: ReturnType<typeof parse>;
  let p: Plan;
  let config: Config | undefined;
  try {
    args = parse(argv);
    if (args.values.help) {
      io.stdout(HISTORY_USAGE);
      return EXIT_OK;
    }
    p = plan(args, io, nowMs);
  } catch (err) {
    io.stderr(`history: ${terminalLine(argsError(err))}\n\n${HISTORY_USAGE}`);
    return EXIT_USAGE;
  }
  try {
    config = loadVerdictConfig(args, io);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // As in every command: a configuration read and found invalid is 1, one that cannot be read is 2.
    io.stderr(`history: ${err.message.split('\n').map(terminalLine).join('\n')}\n`);
    return err.unreadable ? EXIT_USAGE : EXIT_FAILED;
  }

  let entries: TimelineEntry[];
  let exit = EXIT_OK;
  try {
    if (p.archives.length > 0) {
      const read = await fromArchives(p, config, io);
      if (read.badPath) exit = EXIT_USAGE;
      entries = orderTimeline(read.entries);
    } else entries = orderTimeline(await fromEventHistory(p, config, io, deps, nowMs));
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`history: ${terminalLine(err.message)}\n`);
      return EXIT_USAGE;
    }
    const why = err instanceof EvidenceReadError ? `${err.code}: ${err.message}` : errorText(err);
    const hint =
      readCode(err) === 'denied'
        ? ' (the caller needs cloudtrail:LookupEvents)'
        : readCode(err) === 'throttled'
          ? ' (LookupEvents allows 2 calls a second per account and Region; try again shortly)'
          : '';
    io.stderr(`history: reading CloudTrail event history failed: ${terminalLine(why)}${hint}\n`);
    return EXIT_AWS_FAILED;
  }

  if (p.json) {
    io.stdout(`${terminalJson(entries)}\n`);
    return exit;
  }
  const span = `${new Date(p.sinceMs).toISOString()} – ${new Date(p.untilMs).toISOString()}`;
  const what = p.mode === 'either' ? 'to or by' : p.mode === 'resource' ? 'to' : 'by';
  const source = p.archives.length > 0 ? 'CloudTrail archives' : `CloudTrail event history, ${p.region}`;
  io.stdout(`Changes ${what} ${terminalLine(p.target)}, ${span} (${terminalLine(source)})\n`);
  io.stdout(formatTimeline(entries));
  io.stdout(`${entries.length} change(s).\n`);
  return exit;
}
