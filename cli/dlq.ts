import { parseArgs } from 'node:util';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  type DlqEntry,
  flushQueueUrlBeside,
  type RedriveResult,
  receiveAll,
  redrive,
} from '../shared/delivery/dlq.ts';
import type { Channel } from '../shared/events/alert.ts';
import { terminalJson, terminalLine } from '../shared/util/terminal.ts';
import { argsError, COMMANDS, commandUsage } from './commands.ts';
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.ts';

const EXIT_FAILED = 1;

// SQS has no peek: listing hides each message for this long, then it is visible again.
const LIST_VISIBILITY_SECONDS = 30;
// Long enough for PutEvents and DeleteMessage of a batch, short enough that a crash frees messages soon.
const REDRIVE_VISIBILITY_SECONDS = 120;
const DEFAULT_MAX = 1000;

const USAGE = commandUsage('dlq');

/** `https://sqs.eu-west-1.amazonaws.com/123456789012/q` → eu-west-1, so no region flag is needed. */
export function regionOfQueueUrl(url: string): string | undefined {
  return /^https:\/\/(?:sqs\.)?([a-z]{2}(?:-[a-z]+)+-\d)\.(?:queue\.)?amazonaws\.com(?:\.cn)?\//.exec(
    url,
  )?.[1];
}

// Messages in a dead-letter queue quote alerts, that is attackers: every value is shown through
// terminalLine, and --json through terminalJson, so none can steer the terminal.
const t = terminalLine;

function label(e: DlqEntry): string {
  if (e.request) return t(e.request.key);
  if (e.flush) return `overflow flush ${t(e.flush.channel)} ${t(e.flush.receiver)}`;
  return '(no notification request)';
}

function describeEntry(e: DlqEntry): string {
  const what = e.request ? `${t(e.request.channel)} ${t(e.request.receiver)}  ${t(e.request.key)}` : label(e);
  const lines = [`${t(e.messageId)}  ${what}`, `    reason: ${t(e.reason)}`, `    source: ${e.source}`];
  if (e.failedAt !== undefined) lines.push(`    failed at: ${t(e.failedAt)}`);
  if (e.request) lines.push(`    alert: [${t(e.request.alert.severity)}] ${t(e.request.alert.ruleId)}`);
  return lines.join('\n');
}

function jsonLine(e: DlqEntry): string {
  return terminalJson({
    messageId: e.messageId,
    source: e.source,
    reason: e.reason,
    failedAt: e.failedAt ?? null,
    channel: e.request?.channel ?? null,
    receiver: e.request?.receiver ?? null,
    key: e.request?.key ?? null,
  });
}

function describeResult(r: RedriveResult): string {
  const key = label(r.entry);
  const id = t(r.entry.messageId);
  if (r.outcome === 'moved') return `moved    ${id}  ${key}`;
  if (r.outcome === 'skipped') return `skipped  ${id}  ${t(r.entry.reason)}`;
  return `failed   ${id}  ${key}: ${t(r.error)}`;
}

export interface DlqClients {
  sqs: Pick<SQSClient, 'send'>;
  eventBridge: Pick<EventBridgeClient, 'send'>;
}

export async function dlqCommand(argv: string[], io: CliIo, clients?: DlqClients): Promise<number> {
  const [sub, ...rest] = argv;
  let values: {
    queue?: string;
    'dry-run'?: boolean;
    bus?: string;
    stage?: string;
    json?: boolean;
    max?: string;
    'flush-queue'?: string;
  };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: COMMANDS.dlq.options,
    }));
  } catch (err) {
    io.stderr(`dlq: ${terminalLine(argsError(err))}\n${USAGE}`);
    return EXIT_USAGE;
  }
  if ((sub !== 'list' && sub !== 'redrive') || !values.queue) {
    io.stderr(
      `dlq: ${sub === 'list' || sub === 'redrive' ? '--queue <url> is required' : 'list or redrive?'}\n${USAGE}`,
    );
    return EXIT_USAGE;
  }
  const max = values.max === undefined ? DEFAULT_MAX : Number(values.max);
  if (!Number.isInteger(max) || max < 1) {
    io.stderr(`dlq: --max must be a positive integer\n`);
    return EXIT_USAGE;
  }
  const queueUrl = values.queue;
  const region = regionOfQueueUrl(queueUrl) ?? io.env.AWS_REGION;
  const { sqs, eventBridge } = clients ?? {
    sqs: new SQSClient(region === undefined ? {} : { region }),
    eventBridge: new EventBridgeClient(region === undefined ? {} : { region }),
  };
  const moving = sub === 'redrive' && values['dry-run'] !== true;
  const flushQueueFor = (channel: Channel): string | undefined =>
    values['flush-queue'] ?? flushQueueUrlBeside(queueUrl, channel);
  try {
    const entries = await receiveAll({
      sqs,
      queueUrl,
      visibilitySeconds: moving ? REDRIVE_VISIBILITY_SECONDS : LIST_VISIBILITY_SECONDS,
      max,
    });
    if (sub === 'list') {
      if (values.json) for (const e of entries) io.stdout(`${jsonLine(e)}\n`);
      else {
        io.stdout(`${entries.length} message(s) in ${queueUrl}\n`);
        for (const e of entries) io.stdout(`${describeEntry(e)}\n`);
      }
      return EXIT_OK;
    }
    const bus = values.bus ?? io.env.ALERTS_BUS_NAME ?? `cloud-alerts-${values.stage ?? 'dev'}-alerts`;
    if (!moving) {
      const movable = entries.filter((e) => e.request !== undefined || e.flush !== undefined);
      io.stdout(`dry run: would move ${movable.length} of ${entries.length} message(s) to ${bus}\n`);
      for (const e of entries) {
        const where = e.flush ? ` (to ${t(flushQueueFor(e.flush.channel) ?? 'no flush queue known')})` : '';
        io.stdout(`${movable.includes(e) ? 'would move' : 'would skip'}  ${describeEntry(e)}${where}\n`);
      }
      return EXIT_OK;
    }
    const results = await redrive(entries, {
      sqs,
      eventBridge,
      queueUrl,
      busName: bus,
      flushQueueUrl: flushQueueFor,
    });
    for (const r of results) io.stdout(`${describeResult(r)}\n`);
    const count = (o: RedriveResult['outcome']) => results.filter((r) => r.outcome === o).length;
    io.stdout(
      `moved ${count('moved')}, skipped ${count('skipped')}, failed ${count('failed')} (bus ${bus})\n`,
    );
    return count('failed') > 0 ? EXIT_FAILED : EXIT_OK;
  } catch (err) {
    io.stderr(`dlq ${sub}: ${t(err instanceof Error ? `${err.name}: ${err.message}` : String(err))}\n`);
    return EXIT_FAILED;
  }
}
