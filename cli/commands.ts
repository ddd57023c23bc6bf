/**
 * One definition per command: the option tables each command hands to parseArgs, and the text
 * `--help` prints from them, so the help cannot list a flag the parser lacks or miss one it has.
 * Kept free of imports: `cloud-alerts --help` loads this module and nothing else.
 */

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: boolean;
  /** The value's placeholder in the help (FILE, STAGE…), for string flags. */
  value?: string;
  /** One line for `--help`. */
  help: string;
}

export interface CommandSpec {
  /** What follows `cloud-alerts`: the command, its subcommand and positionals. */
  usage: string;
  /** A few lines for the top-level help and the command's own. */
  summary: string;
  options: Readonly<Record<string, FlagSpec>>;
  /** Lines after the options in the command's own help. */
  details?: string;
}

/** Exit codes, the same for every command (README, "Command line"). */
export const EXIT_CODES = `Exit status: 0 ok; 1 findings or failures (an invalid configuration, failed deliveries or
AWS calls, a doctor problem, no pattern match); 2 usage error or unreadable input (a file named on the
command line that cannot be read, is not JSON or gzip, or holds no event; a bad file inside a folder is
skipped and listed, and leaves the exit status alone).`;

const config = {
  type: 'string',
  value: 'FILE',
  help: 'configuration file (default config/cloud-alerts.yml, or $CLOUD_ALERTS_CONFIG)',
} as const;
const stage = {
  type: 'string',
  value: 'STAGE',
  help: 'stage whose rules and configuration apply (default $STAGE or dev)',
} as const;
const serverless = {
  type: 'string',
  value: 'FILE',
  help: 'the serverless.yml whose rules apply (default ./serverless.yml)',
} as const;
const alarmTags = {
  type: 'string',
  value: 'FILE',
  help: 'tags of CloudWatch alarms (YAML), as the deployed function would read them',
} as const;
const json = { type: 'boolean', default: false, help: 'JSON output, for scripts' } as const;

export const COMMANDS = {
  replay: {
    usage: 'replay <path...>',
    summary: `Run events (EventBridge events, CloudTrail log files, .json.gz, folders) through the
serverless.yml patterns and the real handlers; print what each channel would receive.`,
    options: {
      json: { ...json, help: 'one JSON line per event, for scripts' },
      send: {
        type: 'boolean',
        default: false,
        help: 'deliver for real (secrets from the environment); default: dry run',
      },
      config,
      stage,
      serverless,
      'alarm-tags': alarmTags,
      evidence: { type: 'string', value: 'FILE', help: 'recorded AWS answers (YAML) for the evidence lines' },
    },
  },
  backtest: {
    usage: 'backtest <path...> | --athena TABLE',
    summary: `Stream CloudTrail log files (.json, .json.gz, folders, s3://bucket/prefix) through the same
rules and routing: alerts per rule, receiver and actor, suppressions and errors; nothing is sent.
With --athena, a query over the trail's Athena table selects the candidate records and only those
run locally.`,
    options: {
      json,
      html: { type: 'string', value: 'FILE', help: 'also write an HTML report there' },
      workers: {
        type: 'string',
        value: 'N',
        help: 'reader threads (default: one per core; 1 reads on the main thread); the result is the same',
      },
      config,
      stage,
      serverless,
      'alarm-tags': alarmTags,
      since: {
        type: 'string',
        value: 'TIME',
        help: 's3:// paths: files delivered from then on; --athena: records from then on. 7d, 12h, 30m (before now) or an ISO time (UTC unless zoned)',
      },
      until: {
        type: 'string',
        value: 'TIME',
        help: 's3:// paths: delivered until then; --athena: records up to then. Same forms (default now)',
      },
      account: {
        type: 'string',
        multiple: true,
        value: 'ID',
        help: 's3:// paths and --athena: only these accounts (repeatable, or a comma list)',
      },
      region: {
        type: 'string',
        multiple: true,
        value: 'REGION',
        help: 's3:// paths and --athena: only these Regions (repeatable, or a comma list)',
      },
      's3-concurrency': {
        type: 'string',
        value: 'N',
        help: 'S3 objects fetched at once, ahead of the scan (default 8)',
      },
      athena: {
        type: 'string',
        value: 'TABLE',
        help: "read the candidates from this Athena table over the trail (AWS's CloudTrail DDL; docs/backtest.md)",
      },
      database: { type: 'string', value: 'NAME', help: 'with --athena: the Glue database holding the table' },
      workgroup: {
        type: 'string',
        value: 'NAME',
        help: 'with --athena: the workgroup to run in (default primary)',
      },
      'athena-output': {
        type: 'string',
        value: 'S3URI',
        help: "with --athena: where Athena writes results (s3://bucket/prefix/); default: the workgroup's",
      },
      'date-partition': {
        type: 'string',
        value: 'COLUMN[,M,D]',
        help: 'with --athena: the yyyy/MM/dd partition column (projection DDL: timestamp), or year,month,day',
      },
      'region-partition': {
        type: 'string',
        value: 'COLUMN',
        help: 'with --athena: the partition column holding the Region, if the table has one',
      },
      'account-partition': {
        type: 'string',
        value: 'COLUMN',
        help: 'with --athena: the partition column holding the account, if the table has one',
      },
      'print-sql': {
        type: 'boolean',
        default: false,
        help: 'with --athena: print the query and stop (no AWS call)',
      },
    },
    details: `An s3:// path through AWSLogs/ (organisation trails: AWSLogs/o-…/) is read by CloudTrail's layout:
only the accounts, Regions and days asked for are listed (docs/backtest.md, "From S3"). Credentials
and Region come from the AWS SDK's standard chain (AWS_PROFILE, AWS_REGION…).`,
  },
  history: {
    usage: 'history <resource | actor>',
    summary: `Who changed it: each write to the resource (or by the actor), oldest first: time (UTC), call,
who, from where, with which client and our rules' verdict ("—": none); from CloudTrail event
history (90 days) or archive files. Both a resource and an actor are looked up unless
--resource or --actor says which.`,
    options: {
      resource: { type: 'boolean', default: false, help: 'the argument is a resource name or ARN' },
      actor: { type: 'boolean', default: false, help: 'the argument is a user, role or session name or ARN' },
      since: {
        type: 'string',
        value: 'TIME',
        help: '7d, 12h, 30m (before now) or an ISO time (UTC unless zoned); default 7d',
      },
      until: { type: 'string', value: 'TIME', help: 'same forms as --since; default now' },
      archive: {
        type: 'string',
        multiple: true,
        value: 'PATH...',
        help: 'read CloudTrail log files (.json, .json.gz, folders) instead of event history',
      },
      region: {
        type: 'string',
        value: 'REGION',
        help: 'the Region whose event history is read (default $AWS_REGION); with --archive, only its records',
      },
      json: { ...json, help: 'one JSON array of entries, for scripts' },
      config: { ...config, help: 'the configuration the verdicts use (default config/cloud-alerts.yml)' },
      stage,
    },
  },
  'test-pattern': {
    usage: 'test-pattern',
    summary: `Evaluate an EventBridge event pattern like 'aws events test-event-pattern': prints true or false,
exit 0 on a match, 1 on none.`,
    options: {
      pattern: { type: 'string', value: 'FILE|JSON', help: 'the event pattern, a file or inline JSON' },
      event: { type: 'string', value: 'FILE|JSON', help: 'the event, a file or inline JSON' },
      jsonl: {
        type: 'boolean',
        default: false,
        help: 'read {"pattern": …, "event": …} lines on stdin, print one answer a line',
      },
    },
  },
  forwarder: {
    usage: 'forwarder',
    summary: `Print a CloudFormation template (StackSet-ready) forwarding what the alert rules match to the
target bus: us-east-1 global events to the home region, or a member account to the central account.`,
    options: {
      'target-bus': {
        type: 'string',
        value: 'ARN',
        help: 'the event bus ARN events are forwarded to (required)',
      },
      'global-only': {
        type: 'boolean',
        default: false,
        help: 'forward only us-east-1 global-service events (the home account)',
      },
      'alarm-reader': {
        type: 'string',
        value: 'ARN',
        help: "members: a role only this alert function's role (stack output AlertRoleArn) may assume, to read alarms",
      },
      stage,
      serverless,
    },
  },
  dlq: {
    usage: 'dlq <list | redrive>',
    summary: `Show dead-lettered notifications with their reasons (list); put them back on the alerts bus,
overflow flushes back on their flush queue, deleting each message only after it was taken (redrive).`,
    options: {
      queue: { type: 'string', value: 'URL', help: 'the dead-letter queue URL (required)' },
      'dry-run': {
        type: 'boolean',
        default: false,
        help: 'redrive: say what would be put back, change nothing',
      },
      bus: {
        type: 'string',
        value: 'NAME',
        help: 'redrive: the alerts bus (default $ALERTS_BUS_NAME or cloud-alerts-<stage>-alerts)',
      },
      stage,
      json,
      max: { type: 'string', value: 'N', help: 'read at most N messages (default 1000)' },
      'flush-queue': {
        type: 'string',
        value: 'URL',
        help: 'redrive: the flush queue for overflow (default: the one beside the DLQ)',
      },
    },
    details: `redrive puts notification requests back on the alerts bus, and overflow flushes back on the
channel's flush queue (by default the one beside the dead-letter queue: <prefix>-notify-<channel>-flush).`,
  },
  config: {
    usage: 'config check',
    summary: `Validate the configuration, naming the line and field of each error; warn about expired
silences and allow-list entries. Exit 1 on errors.`,
    options: {
      config,
      stage,
      region: {
        type: 'string',
        value: 'REGION',
        help: "also refuse what serverless package refuses for that Region's stack",
      },
    },
  },
  routes: {
    usage: 'routes test [--event] <path...>',
    summary: `Run events through the pipeline and print which receivers each reaches and why (matched
routes, or the allow-list entry, silence or window that held it back). Paths as replay reads them:
an event, a CloudTrail record or log file (Records), a list, .json.gz, a folder.`,
    options: {
      event: {
        type: 'string',
        multiple: true,
        value: 'PATH',
        help: 'an event, CloudTrail record or log file, .json.gz or folder (repeatable; or give paths on their own)',
      },
      config,
      stage,
      at: {
        type: 'string',
        value: 'TIME',
        help: 'the clock for silences, windows and grouping, an ISO time (default: now)',
      },
      'alarm-tags': alarmTags,
      serverless,
    },
  },
  doctor: {
    usage: 'doctor',
    summary: `Check a deployed stack before trusting it: stack current, rules enabled, receivers' secrets
present (never read), e-mail subscription confirmed, us-east-1 covered, dead-letter queues,
alarms, last heartbeat. Exit 0 healthy, 1 on a problem.`,
    options: {
      stage,
      region: {
        type: 'string',
        value: 'REGION',
        help: "the stack's Region (default $AWS_REGION or eu-west-1)",
      },
      config,
      serverless,
      'send-test': {
        type: 'boolean',
        default: false,
        help: 'send a test notification to every receiver and report which delivered',
      },
      timeout: {
        type: 'string',
        value: 'SECONDS',
        help: 'with --send-test: how long to wait for deliveries (default 120)',
      },
    },
    details: `It reads, and writes only with --send-test (a test notification per receiver on the alerts bus).
It never reads a secret.`,
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

function flagLabel(name: string, flag: FlagSpec): string {
  const long = `--${name}${flag.type === 'string' ? ` ${flag.value ?? 'VALUE'}` : ''}`;
  return flag.short ? `-${flag.short}, ${long}` : long;
}

/** `replay <path...> [--json] [--send] [--config FILE] …`, wrapped under the command. */
function synopsis(name: CommandName, lead = '  ', width = 100): string {
  const spec: CommandSpec = COMMANDS[name];
  const head = `${lead}cloud-alerts ${spec.usage}`;
  const indent = ' '.repeat(Math.min(head.length + 1, 24));
  const lines = [head];
  for (const [flag, def] of Object.entries(spec.options)) {
    const part = `[${flagLabel(flag, def)}]`;
    const last = lines.length - 1;
    if (`${lines[last]} ${part}`.length > width) lines.push(`${indent}${part}`);
    else lines[last] = `${lines[last]} ${part}`;
  }
  return lines.join('\n');
}

function indentBlock(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `${by}${l}` : l))
    .join('\n');
}

/** The synopsis alone, after a usage error. */
export function commandUsage(name: CommandName): string {
  return `${synopsis(name, 'Usage: ')}\n(cloud-alerts ${name} --help for more)\n`;
}

/** `cloud-alerts <command> --help`. */
export function commandHelp(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  const flags: Array<[string, string]> = [
    ...Object.entries(spec.options).map(([flag, def]): [string, string] => [flagLabel(flag, def), def.help]),
    ['-h, --help', 'this help'],
  ];
  const column = Math.max(...flags.map(([label]) => label.length)) + 2;
  return `${synopsis(name, 'Usage: ')}\n\n${spec.summary}\n\nOptions:\n${flags
    .map(([label, help]) => `  ${label.padEnd(column)}${help}`)
    .join('\n')}\n${spec.details ? `\n${spec.details}\n` : ''}\n${EXIT_CODES}\n`;
}

/**
 * parseArgs' errors in a person's words: "Unknown option '--bogus'. To specify a positional argument
 * starting with a '-', place it at the end…" becomes "unknown option --bogus".
 */
export function argsError(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const message = err instanceof Error ? err.message : String(err);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const flag = quoted.split(' ')[0] ?? quoted;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message)) return `${flag} takes no value`;
      if (/argument missing/.test(message)) return `${flag} needs a value`;
      // "argument is ambiguous": the value looks like an option (--config --stage); --config=VALUE says it is one.
      if (/ambiguous/.test(message))
        return `${flag} needs a value (write ${flag}=VALUE for one starting with -)`;
      return message.split('\n')[0] ?? message;
    default:
      return message;
  }
}

/**
 * `--help` or `-h` before a `--` (after it, arguments are operands), and not as the value of a flag
 * that takes one: `replay --config --help` is a missing value (parseArgs says so), not a request for help.
 */
export function asksForHelp(name: CommandName, args: readonly string[]): boolean {
  const options: Readonly<Record<string, FlagSpec>> = COMMANDS[name].options;
  const takesValue = (arg: string): boolean => {
    if (arg.startsWith('--')) return !arg.includes('=') && options[arg.slice(2)]?.type === 'string';
    // -x VALUE, not -xVALUE: only a lone short flag takes the next argument.
    return (
      arg.length === 2 &&
      arg.startsWith('-') &&
      Object.values(options).some((flag) => flag.short === arg[1] && flag.type === 'string')
    );
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
    if (takesValue(arg)) i++;
  }
  return false;
}

/** `cloud-alerts --help`: every command with every flag it takes. */
export function topLevelHelp(): string {
  const commands = (Object.keys(COMMANDS) as CommandName[])
    .map((name) => `${synopsis(name)}\n${indentBlock(COMMANDS[name].summary, '      ')}`)
    .join('\n');
  return `cloud-alerts — AWS alerts from CloudTrail and CloudWatch alarms

Usage:
${commands}
  cloud-alerts --version
  cloud-alerts help [command]      (or: cloud-alerts <command> --help)

${EXIT_CODES}
`;
}
