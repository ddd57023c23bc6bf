import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.ts';

/**
 * README, "Exit codes, the same for every command": 0 ok; 1 findings or failures (an invalid
 * configuration among them, in every command); 2 a usage error or input named on the command line
 * that cannot be read, is not JSON or gzip, or holds no event. A bad file inside a folder is skipped
 * and listed without changing the exit code. Each command, through the CLI entry, over the same
 * kinds of bad input.
 */

let dir: string;
const at = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-exit-'));
  const event = JSON.parse(readFileSync('events/s3/put-bucket-policy-public.json', 'utf8'));
  const log = JSON.stringify({ Records: [event.detail] });
  writeFileSync(at('log.json'), log);
  writeFileSync(at('not-json.json'), 'this is not JSON {');
  writeFileSync(at('not-event.json'), '{"hello": "world"}');
  mkdirSync(at('mixed'));
  writeFileSync(at('mixed/a-good.json'), log);
  writeFileSync(at('mixed/b-broken.json'), 'this is not JSON {');
  mkdirSync(at('empty'));
  writeFileSync(at('invalid-config.yml'), 'receivers: 3\nroute: {}\n');
  writeFileSync(at('broken-serverless.yml'), 'service: x\nfunctions:\n  a: [\n');
  writeFileSync(at('not-serverless.yml'), '- just\n- a list\n');
  writeFileSync(at('bad-tags.yml'), '- not a mapping\n');
  writeFileSync(at('pattern.json'), '{"source": ["aws.s3"]}');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** How each command is given one input path and extra flags. */
const COMMANDS: Record<string, (input: string, ...flags: string[]) => string[]> = {
  replay: (input, ...flags) => ['replay', input, ...flags],
  'routes test': (input, ...flags) => ['routes', 'test', input, ...flags],
  backtest: (input, ...flags) => ['backtest', input, ...flags],
  history: (input, ...flags) => ['history', 'example-bucket', '--archive', input, ...flags],
};

type Row = [command: string, code: number, input: string, flags: string[]];

const PATH_ROWS: Array<[what: string, input: string, flags: string[], code: number]> = [
  ['a good log file', 'log.json', [], 0],
  ['a folder with one broken file among good ones', 'mixed', [], 0],
  ['an unknown flag', 'log.json', ['--bogus'], 2],
  ['a flag without its value', 'log.json', ['--config', '--json'], 2],
  ['a named path that does not exist', 'missing.json', [], 2],
  ['a named file that is not JSON', 'not-json.json', [], 2],
  ['a named file that holds no event', 'not-event.json', [], 2],
  ['a folder without a log file', 'empty', [], 2],
  ['an invalid configuration', 'log.json', ['--config', 'invalid-config.yml'], 1],
  ['a configuration that is a folder', 'log.json', ['--config', 'empty'], 2],
];

const rows: Array<[string, ...Row]> = [];
for (const command of Object.keys(COMMANDS))
  for (const [what, input, flags, code] of PATH_ROWS) rows.push([what, command, code, input, flags]);
// The inputs only the pipeline commands read.
for (const command of ['replay', 'routes test', 'backtest']) {
  rows.push([
    'a serverless.yml that is not YAML',
    command,
    2,
    'log.json',
    ['--serverless', 'broken-serverless.yml'],
  ]);
  rows.push([
    'a serverless.yml that is a list',
    command,
    2,
    'log.json',
    ['--serverless', 'not-serverless.yml'],
  ]);
  rows.push([
    'an alarm tags file of the wrong shape',
    command,
    2,
    'log.json',
    ['--alarm-tags', 'bad-tags.yml'],
  ]);
}

/** Relative names are files in the test's folder; flags stay as they are. */
const resolve = (arg: string) => (arg.startsWith('-') ? arg : at(arg));

describe('exit codes, the same for every command', () => {
  it.each(rows)('%s: %s, exit %i', async (_what, command, code, input, flags) => {
    const args = (COMMANDS[command] as (typeof COMMANDS)[string])(at(input), ...flags.map(resolve));
    const result = await runCli(args);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code, stderr: expect.any(String) });
    // A non-zero exit always says why, in words.
    if (code !== 0) expect(result.stderr).not.toBe('');
    expect(result.stderr).not.toMatch(/Invalid input|EISDIR|ENOENT|YAMLParseError|at line \d+, column/);
  });

  it.each([
    ['a valid configuration', ['config', 'check'], 0],
    ['an invalid configuration', ['config', 'check', '--config', 'invalid-config.yml'], 1],
    ['a configuration that is a folder', ['config', 'check', '--config', 'empty'], 2],
    ['a configuration that does not exist', ['config', 'check', '--config', 'missing.yml'], 2],
    ['an unknown flag', ['config', 'check', '--bogus'], 2],
    ['a match', ['test-pattern', '--pattern', 'pattern.json', '--event', 'not-event.json'], 1],
    [
      'a named event that is not JSON',
      ['test-pattern', '--pattern', 'pattern.json', '--event', 'not-json.json'],
      2,
    ],
    [
      'a named event that does not exist',
      ['test-pattern', '--pattern', 'pattern.json', '--event', 'missing.json'],
      2,
    ],
    ['a flag without its value', ['test-pattern', '--pattern', '--event'], 2],
    ['an unknown flag', ['doctor', '--bogus'], 2],
    ['a serverless.yml that is not YAML', ['doctor', '--serverless', 'broken-serverless.yml'], 2],
    ['a configuration that is a folder', ['doctor', '--config', 'empty'], 2],
  ])('%s: %j, exit %i', async (_what, args, code) => {
    const resolved = args.map((a, i) => (i > 0 && /\.(json|yml)$|^empty$/.test(a) ? at(a) : a));
    const result = await runCli(resolved);
    expect(result.code).toBe(code);
    // Usage errors say why on stderr; findings (config errors, no match) are the output itself.
    expect(code === 2 ? result.stderr : result.stdout).not.toBe('');
    expect(result.stderr).not.toMatch(/Invalid input|EISDIR|ENOENT|YAMLParseError/);
  });
});

describe('bad input named on the command line is named back, with its line', () => {
  it.each([
    [['--serverless', 'broken-serverless.yml'], 'broken-serverless.yml:4:1: invalid YAML: '],
    [
      ['--serverless', 'not-serverless.yml'],
      'not-serverless.yml:1:1: not a serverless.yml: expected a mapping with service, provider and functions',
    ],
    [['--config', 'empty'], 'cannot read configuration DIR/empty: is a folder, not a file'],
    [['--alarm-tags', 'bad-tags.yml'], 'bad-tags.yml:1:1: (top level): expected a mapping; got a list'],
  ])('replay %j', async (flags, said) => {
    const { code, stderr } = await runCli(['replay', at('log.json'), ...flags.map(resolve)]);
    expect(code).toBe(2);
    expect(stderr).toContain(said.replace('DIR/', `${dir}/`));
  });
});
