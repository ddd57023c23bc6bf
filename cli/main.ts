import { type CliIo, EXIT_USAGE, processIo } from './io.ts';
import { replayCommand } from './replay.ts';
import { testPatternCommand } from './test-pattern.ts';

const USAGE = `cloud-alerts — AWS alerts from CloudTrail and CloudWatch alarms

Usage:
  cloud-alerts replay <path...> [--json] [--send] [--config FILE] [--stage STAGE]
      Run events (EventBridge events, CloudTrail log files, .json.gz, folders) through the
      serverless.yml patterns and the real handlers; print what each channel would receive.
  cloud-alerts test-pattern --pattern <file|json> --event <file|json>
  cloud-alerts test-pattern --jsonl < cases.jsonl
      Evaluate an EventBridge event pattern like 'aws events test-event-pattern'.
  cloud-alerts help
`;

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'replay':
      return replayCommand(rest, io);
    case 'test-pattern':
      return testPatternCommand(rest, io);
    case 'help':
    case '--help':
    case '-h':
      io.stdout(USAGE);
      return 0;
    default:
      io.stderr(`${command ? `unknown command: ${command}\n\n` : ''}${USAGE}`);
      return EXIT_USAGE;
  }
}
