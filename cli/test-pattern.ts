/**
 * `cloud-alerts test-pattern`: evaluate EventBridge event patterns locally.
 *
 *   test-pattern --pattern <file|json> --event <file|json>   prints true/false; exit 0 match, 1 no match, 2 error
 *   test-pattern --jsonl                                     stdin lines {"pattern":…,"event":…} -> true/false/error
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { compilePattern, matchPattern, PatternError } from '../shared/eventbridge/pattern.ts';
import { plainError } from '../shared/util/errors.ts';
import { terminalLine } from '../shared/util/terminal.ts';
import { commandUsage } from './commands.ts';

export interface TestPatternIo {
  stdin: NodeJS.ReadableStream;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = commandUsage('test-pattern');

class UsageError extends Error {}

interface Options {
  pattern?: string;
  event?: string;
  jsonl: boolean;
}

function parseArgs(args: readonly string[]): Options {
  const opts: Options = { jsonl: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    if (name === '--jsonl' && inline === undefined) {
      opts.jsonl = true;
    } else if (name === '--pattern' || name === '--event') {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      if (name === '--pattern') opts.pattern = value;
      else opts.event = value;
    } else {
      throw new UsageError(`unknown argument: ${arg}`);
    }
  }
  if (opts.jsonl && (opts.pattern !== undefined || opts.event !== undefined)) {
    throw new UsageError('--jsonl cannot be combined with --pattern/--event');
  }
  if (!opts.jsonl && (opts.pattern === undefined || opts.event === undefined)) {
    throw new UsageError('both --pattern and --event are required');
  }
  return opts;
}

/** JSON.parse quotes the input it choked on, an event's bytes included: keep them off the terminal's controls. */
function message(err: unknown): string {
  return terminalLine(err instanceof Error ? err.message : String(err));
}

/** An argument starting with `{` is inline JSON; anything else names a file. */
async function loadJson(arg: string, what: string): Promise<unknown> {
  let text = arg;
  if (!arg.trim().startsWith('{')) {
    try {
      text = await readFile(arg, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${what} file ${arg}: ${terminalLine(plainError(err))}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON: ${message(err)}`);
  }
}

export async function testPatternCommand(args: string[], io: TestPatternIo): Promise<number> {
  let opts: Options;
  try {
    opts = parseArgs(args);
  } catch (err) {
    io.stderr(`test-pattern: ${message(err)}\n${USAGE}`);
    return 2;
  }
  return opts.jsonl ? runJsonl(io) : runSingle(opts.pattern ?? '', opts.event ?? '', io);
}

async function runSingle(patternArg: string, eventArg: string, io: TestPatternIo): Promise<number> {
  try {
    const pattern = compilePattern(await loadJson(patternArg, 'pattern'));
    const event = await loadJson(eventArg, 'event');
    const matched = matchPattern(pattern, event);
    io.stdout(`${matched}\n`);
    return matched ? 0 : 1;
  } catch (err) {
    const prefix = err instanceof PatternError ? 'invalid pattern: ' : '';
    io.stderr(`test-pattern: ${prefix}${message(err)}\n`);
    return 2;
  }
}

function evaluateLine(line: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    return `error: invalid JSON line: ${message(err)}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'error: line must be an object with "pattern" and "event"';
  }
  if (!('pattern' in parsed) || !('event' in parsed)) {
    return 'error: line must have both "pattern" and "event"';
  }
  try {
    return String(matchPattern(compilePattern(parsed.pattern), parsed.event));
  } catch (err) {
    const prefix = err instanceof PatternError ? 'invalid pattern: ' : '';
    return `error: ${prefix}${message(err)}`;
  }
}

async function runJsonl(io: TestPatternIo): Promise<number> {
  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    io.stdout(`${evaluateLine(line)}\n`);
  }
  return 0;
}
