/**
 * `cloud-alerts test-pattern`: evaluate EventBridge event patterns locally.
 *
 *   test-pattern --pattern <file|json> --event <file|json>   prints true/false; exit 0 match, 1 no match, 2 error
 *   test-pattern --jsonl                                     stdin lines {"pattern":…,"event":…} -> true/false/error
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { compilePattern, matchPattern, PatternError } from '../shared/eventbridge/pattern.ts';
import { plainError } from '../shared/util/errors.ts';
import { terminalLine } from '../shared/util/terminal.ts';
import { argsError, COMMANDS, commandUsage } from './commands.ts';

export interface TestPatternIo {
  stdin: NodeJS.ReadableStream;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = commandUsage('test-pattern');

class UsageError extends Error {}

interface Options {
  pattern?: string | undefined;
  event?: string | undefined;
  jsonl: boolean;
}

function parseOptions(args: string[]): Options {
  let values: { pattern?: string | undefined; event?: string | undefined; jsonl?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args, options: COMMANDS['test-pattern'].options, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(argsError(err));
  }
  const opts: Options = { jsonl: values.jsonl === true, pattern: values.pattern, event: values.event };
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
    opts = parseOptions(args);
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
