import { parseArgs } from 'node:util';
import type { EvidencePorts } from '../shared/evidence/ports.ts';
import { EvidenceFileError, loadEvidenceFile } from '../shared/evidence/recorded.ts';
import { CHANNEL_PLUGINS } from '../shared/notify/channels/registry.ts';
import { inputsFromFile, listPath } from '../shared/replay/load.ts';
import {
  createReplayer,
  emptyResult,
  eventTimeMs,
  type ReplayResult,
  secretsFromEnv,
} from '../shared/replay/replay.ts';
import { terminalJson, terminalLine } from '../shared/util/terminal.ts';
import { argsError, COMMANDS, commandUsage } from './commands.ts';
import { formatResult, RuleTally } from './format.ts';
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.ts';
import { namedFile } from './paths.ts';
import { loadPipelineSetup } from './setup.ts';

/** `replay --send` where a delivery failed: the summary (or stderr, with --json) says which. */
export const EXIT_DELIVERY_FAILED = 1;

export async function replayCommand(argv: string[], io: CliIo): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    io.stderr(`replay: ${terminalLine(argsError(err))}\n${commandUsage('replay')}`);
    return EXIT_USAGE;
  }
  const paths = args.positionals;
  if (paths.length === 0) {
    io.stderr('replay: give at least one file or folder, e.g. cloud-alerts replay events\n');
    return EXIT_USAGE;
  }
  const setup = loadPipelineSetup('replay', args.values, io);
  if (typeof setup === 'number') return setup;
  let evidence: EvidencePorts | undefined;
  if (args.values.evidence !== undefined) {
    try {
      evidence = loadEvidenceFile(args.values.evidence);
    } catch (err) {
      if (!(err instanceof EvidenceFileError)) throw err;
      io.stderr(`replay: ${err.message.split('\n').map(terminalLine).join('\n')}\n`);
      return EXIT_USAGE;
    }
  }
  const send = args.values.send
    ? Object.fromEntries(CHANNEL_PLUGINS.map((plugin) => [plugin.name, plugin.createSender({ env: io.env })]))
    : undefined;
  const topicArn = io.env.ALERTS_TOPIC_ARN;
  const replay = createReplayer({
    rules: setup.rules,
    config: setup.config,
    heartbeat: setup.heartbeat,
    ...(setup.alarmLookup ? { alarmLookup: setup.alarmLookup } : {}),
    ...(evidence ? { evidence } : {}),
    ...(send ? { send, ...secretsFromEnv(io.env) } : {}),
    // --send publishes only to the topic it was given: a guessed ARN would be someone else's topic.
    ...(send || topicArn ? { stackTopicArn: () => topicArn } : {}),
  });

  let exit = EXIT_OK;
  const counts = { events: 0, alerts: 0, notifications: 0, errors: 0, delivered: 0, failed: 0 };
  const tally = new RuleTally();
  const show = (result: ReplayResult) => {
    tally.add(result);
    counts.alerts += result.alerts.length;
    counts.notifications += result.notifications.length;
    for (const n of result.notifications) {
      if (n.delivery === 'delivered') counts.delivered++;
      else if (n.delivery !== undefined) counts.failed++;
    }
    io.stdout(args.values.json ? `${terminalJson(result)}\n` : formatResult(result, { color: io.isTTY }));
  };
  for (const path of paths) {
    const { files, problem } = listPath(path, `no event file (.json, .json.gz) in ${path}`);
    if (problem !== undefined) {
      io.stderr(`replay: ${terminalLine(problem)}\n`);
      // Counted in the summary line too, so a run that read nothing does not look clean.
      counts.errors++;
      exit = EXIT_USAGE;
      continue;
    }
    let replayed = 0;
    for (const file of files) {
      for (const input of inputsFromFile(file)) {
        // Grouping windows that closed before this event send their summaries first, as in Lambda.
        const at = input.error ? undefined : eventTimeMs(input.event);
        if (at !== undefined) for (const summary of await replay.closeDue(at)) show(summary);
        const result: ReplayResult = input.error
          ? { ...emptyResult(input.source), error: input.error }
          : await replay(input.source, input.event);
        counts.events++;
        if (result.error) counts.errors++;
        else replayed++;
        show(result);
      }
    }
    if (namedFile(path, files) && replayed === 0) {
      io.stderr(`replay: ${terminalLine(path)}: holds no event that could be replayed\n`);
      exit = EXIT_USAGE;
    }
  }
  for (const summary of await replay.closeDue()) show(summary);
  const mode = args.values.send
    ? `sent: ${counts.delivered} delivered, ${counts.failed} failed`
    : 'dry-run: nothing sent; --send delivers';
  if (!args.values.json) {
    const table = tally.format();
    if (table !== '') io.stdout(`\n${table}\n`);
    io.stdout(
      `${counts.events} event(s), ${counts.alerts} alert(s), ${counts.notifications} notification(s), ${counts.errors} error(s) (${mode})\n`,
    );
  }
  if (counts.failed > 0) {
    // With --json, stdout holds only the JSON lines: the verdict goes to stderr.
    if (args.values.json)
      io.stderr(`replay: ${counts.failed} of ${counts.notifications} deliveries failed\n`);
    if (exit === EXIT_OK) exit = EXIT_DELIVERY_FAILED;
  }
  return exit;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: COMMANDS.replay.options,
  });
}
