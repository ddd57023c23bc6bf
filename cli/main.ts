import { backtestCommand } from './backtest.ts';
import { configCommand } from './config-check.ts';
import { dlqCommand } from './dlq.ts';
import { doctorCommand } from './doctor.ts';
import { forwarderCommand } from './forwarder.ts';
import { historyCommand } from './history.ts';
import { type CliIo, EXIT_USAGE, processIo } from './io.ts';
import { replayCommand } from './replay.ts';
import { routesCommand } from './routes-test.ts';
import { testPatternCommand } from './test-pattern.ts';

const USAGE = `cloud-alerts — AWS alerts from CloudTrail and CloudWatch alarms

Usage:
  cloud-alerts replay <path...> [--json] [--send] [--config FILE] [--stage STAGE] [--alarm-tags FILE] [--evidence FILE]
      Run events (EventBridge events, CloudTrail log files, .json.gz, folders) through the
      serverless.yml patterns and the real handlers; print what each channel would receive.
  cloud-alerts backtest <path...> [--json] [--html report.html] [--config FILE] [--stage STAGE]
      Stream CloudTrail log files (.json, .json.gz, folders) through the same rules and routing:
      alerts per rule, receiver and actor, suppressions and errors; nothing is sent.
  cloud-alerts history <resource | actor> [--since 7d] [--until TIME] [--archive PATH...] [--region R]
                      [--resource | --actor] [--json]
      Who changed it: each write to the resource (or by the actor), oldest first, with who, from
      where, with which client and our rules' verdict; from CloudTrail event history (90 days) or
      archive files. history --help for details.
  cloud-alerts test-pattern --pattern <file|json> --event <file|json>
  cloud-alerts test-pattern --jsonl < cases.jsonl
      Evaluate an EventBridge event pattern like 'aws events test-event-pattern'.
  cloud-alerts forwarder --target-bus <event bus ARN> [--global-only] [--alarm-reader <role ARN>]
                        [--stage STAGE]
      Print a CloudFormation template (StackSet-ready) forwarding what the alert rules match to
      the target bus: us-east-1 global events to the home region, or a member account to the
      central account. --alarm-reader (members) adds a role that only the central alert function
      (its role ARN, stack output AlertRoleArn) may assume, to read the member's alarms.
  cloud-alerts dlq list --queue <url> [--json]
  cloud-alerts dlq redrive --queue <url> [--dry-run] [--bus NAME] [--flush-queue <url>]
      Show dead-lettered notifications with their reasons; put them back on the alerts bus
      (overflow flushes back on their flush queue), deleting each message only after it was taken.
  cloud-alerts config check [--config FILE] [--stage STAGE]
      Validate the configuration, naming the line and field of each error; warn about expired
      silences and allow-list entries. Exit 1 on errors.
  cloud-alerts routes test --event FILE [--config FILE] [--stage STAGE] [--at TIMESTAMP]
      Run one event through the pipeline and print which receivers it reaches and why
      (matched routes, or the allow-list entry, silence or window that held it back).
  cloud-alerts doctor [--stage STAGE] [--region REGION] [--config FILE] [--send-test [--timeout SECONDS]]
      Check a deployed stack before trusting it: stack current, rules enabled, receivers' secrets
      present (never read), e-mail subscription confirmed, us-east-1 covered, dead-letter queues,
      alarms, last heartbeat. --send-test sends a test notification to every receiver through the
      deployed pipeline and reports which delivered. Exit 0 healthy, 1 on a problem, 2 on usage.
  cloud-alerts help
`;

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'replay':
      return replayCommand(rest, io);
    case 'backtest':
      return backtestCommand(rest, io);
    case 'history':
      return historyCommand(rest, io);
    case 'forwarder':
      return forwarderCommand(rest, io);
    case 'dlq':
      return dlqCommand(rest, io);
    case 'doctor':
      return doctorCommand(rest, io);
    case 'test-pattern':
      return testPatternCommand(rest, io);
    case 'config':
      return configCommand(rest, io);
    case 'routes':
      return routesCommand(rest, io);
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
