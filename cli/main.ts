import { readFileSync } from 'node:fs';
import { asksForHelp, type CommandName, commandHelp, isCommand, topLevelHelp } from './commands.ts';
import { type CliIo, EXIT_OK, EXIT_USAGE, processIo } from './io.ts';

// Each command is imported when it runs: `--help` and `--version` load no AWS SDK, zod or YAML.
const RUN: Record<CommandName, () => Promise<(argv: string[], io: CliIo) => Promise<number>>> = {
  replay: async () => (await import('./replay.ts')).replayCommand,
  backtest: async () => (await import('./backtest.ts')).backtestCommand,
  history: async () => (await import('./history.ts')).historyCommand,
  forwarder: async () => (await import('./forwarder.ts')).forwarderCommand,
  dlq: async () => (await import('./dlq.ts')).dlqCommand,
  doctor: async () => (await import('./doctor.ts')).doctorCommand,
  'test-pattern': async () => (await import('./test-pattern.ts')).testPatternCommand,
  config: async () => (await import('./config-check.ts')).configCommand,
  routes: async () => (await import('./routes-test.ts')).routesCommand,
};

/** The package's version: package.json is one folder up from cli/ and two from the bundle in .build/cli/. */
export function packageVersion(): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8'));
      if (pkg.name === 'cloud-alerts' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not this folder
    }
  }
  return 'unknown';
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    const about = rest[0];
    if (about !== undefined && !isCommand(about)) {
      io.stderr(`unknown command: ${about}\n\n${topLevelHelp()}`);
      return EXIT_USAGE;
    }
    io.stdout(about === undefined ? topLevelHelp() : commandHelp(about));
    return EXIT_OK;
  }
  if (command === '--version' || command === '-v') {
    io.stdout(`cloud-alerts ${packageVersion()}\n`);
    return EXIT_OK;
  }
  if (!isCommand(command)) {
    io.stderr(`${command ? `unknown command: ${command}\n\n` : ''}${topLevelHelp()}`);
    return EXIT_USAGE;
  }
  if (asksForHelp(command, rest)) {
    io.stdout(commandHelp(command));
    return EXIT_OK;
  }
  const run = await RUN[command]();
  return run(rest, io);
}
