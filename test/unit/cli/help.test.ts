import { readdirSync, readFileSync } from 'node:fs';
import { argsError, COMMANDS, type CommandName, commandHelp, topLevelHelp } from '../../../cli/commands.ts';
import { packageVersion } from '../../../cli/main.ts';
import { runCli } from '../../helpers/cli.ts';

const NAMES = Object.keys(COMMANDS) as CommandName[];
const flagsOf = (name: CommandName) => Object.keys(COMMANDS[name].options).map((f) => `--${f}`);

describe('cloud-alerts help', () => {
  it.each(NAMES)('%s --help and -h print its usage with every flag and exit 0', async (name) => {
    // Subcommands come first where there are some: the help must not need one.
    for (const flag of ['--help', '-h']) {
      const { code, stdout, stderr } = await runCli([name, flag]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout.startsWith(`Usage: cloud-alerts ${COMMANDS[name].usage}`)).toBe(true);
      for (const f of flagsOf(name)) expect(stdout).toContain(f);
      expect(stdout).toContain('Exit status: 0 ok; 1 findings or failures');
    }
    expect((await runCli(['help', name])).stdout).toBe(commandHelp(name));
  });

  it('--help after a subcommand or other flags still helps, and stops at --', async () => {
    expect((await runCli(['dlq', 'list', '--queue', 'q', '--help'])).code).toBe(0);
    expect((await runCli(['routes', 'test', '-h'])).stdout).toMatch(/^Usage: cloud-alerts routes test/);
    const afterDashes = await runCli(['test-pattern', '--', '--help']);
    expect(afterDashes.code).toBe(2);
  });

  // Subcommands and operands where the command wants them, so only the flag can be wrong.
  const LEAD: Record<CommandName, string[]> = {
    replay: [],
    backtest: [],
    history: [],
    'test-pattern': [],
    forwarder: [],
    dlq: ['list'],
    config: ['check'],
    routes: ['test'],
    doctor: [],
  };
  const valueFlags = NAMES.flatMap((name) =>
    Object.entries(COMMANDS[name].options as Record<string, { type: string }>)
      .filter(([, def]) => def.type === 'string')
      .flatMap(([flag]) => [
        [name, flag, '--help'],
        [name, flag, '-h'],
        [name, flag, '--json'],
      ]),
  ) as Array<[CommandName, string, string]>;

  it.each(valueFlags)('%s --%s %s: a missing value, not help (exit 2)', async (name, flag, next) => {
    const { code, stdout, stderr } = await runCli([name, ...LEAD[name], `--${flag}`, next]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toContain(`--${flag} needs a value`);
  });

  it('the top-level help lists every command with every flag it takes', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toBe(topLevelHelp());
    // The flags the issue found missing, by name.
    for (const f of ['--alarm-tags', '--serverless', '--max', '--at']) expect(stdout).toContain(`[${f} `);
    for (const name of NAMES) {
      const block = stdout.slice(stdout.indexOf(`  cloud-alerts ${COMMANDS[name].usage}`));
      expect(block.length).toBeLessThan(stdout.length);
      const synopsis = block.slice(0, block.search(/\n {6}\S/));
      for (const f of flagsOf(name)) expect(synopsis).toMatch(new RegExp(`\\[${f}[ \\]]`));
    }
  });

  it('every command parses with its table in cli/commands.ts, not an option list of its own', () => {
    for (const file of readdirSync('cli').filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(`cli/${file}`, 'utf8');
      for (const call of text.matchAll(/parseArgs\(\{[\s\S]*?\n\s*\}\)/g)) {
        expect(call[0]).toMatch(/options: (\{ \.\.\.)?COMMANDS\.[\w']+\.options/);
      }
    }
  });

  it("README's Command line section names every flag of every command", () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Command line'), readme.indexOf('## Development'));
    for (const name of NAMES) for (const f of flagsOf(name)) expect(`${name} ${section}`).toContain(`[${f}`);
    expect(section).toMatch(/\*\*0\*\* ok; \*\*1\*\* findings or failures .*\*\*2\*\* a usage error/s);
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(packageVersion()).toBe(version);
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `cloud-alerts ${version}\n`, stderr: '' });
  });

  it('an unknown command, or help about one, is a usage error', async () => {
    const unknown = await runCli(['replya']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^unknown command: replya\n\ncloud-alerts — /);
    expect((await runCli(['help', 'nope'])).code).toBe(2);
    expect((await runCli([])).code).toBe(2);
  });
});

describe('argument errors in plain words', () => {
  it.each([
    [['replay', 'events', '--bogus'], 'replay: unknown option --bogus\nUsage: cloud-alerts replay'],
    [['backtest', 'x', '--config'], 'backtest: --config needs a value\n'],
    [['backtest', 'x', '--json=yes'], 'backtest: --json takes no value\n'],
    [['forwarder', 'extra'], 'forwarder: unexpected argument extra\n'],
    [
      ['config', 'check', '--config', '--stage'],
      'config check: --config needs a value (write --config=VALUE',
    ],
  ])('%j', async (args, message) => {
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr.startsWith(message)).toBe(true);
    expect(stderr).not.toMatch(/ERR_PARSE_ARGS|To specify a positional/);
  });

  it('leaves other errors as they are', () => {
    expect(argsError(new Error('boom'))).toBe('boom');
  });
});
