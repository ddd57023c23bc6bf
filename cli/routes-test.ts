import { parseArgs } from 'node:util';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { AlarmLookup } from '../shared/alarms/lookup.ts';
import { type AlertApp, createAlertApp } from '../shared/app/alert.ts';
import { recordingAlertPorts } from '../shared/app/local-alert.ts';
import type { Config } from '../shared/config/schema.ts';
import { isRecord } from '../shared/detect/values.ts';
import {
  ALERT_RAISED,
  type Alert,
  AlertSchema,
  NOTIFICATION_REQUESTED,
  NotificationRequestSchema,
} from '../shared/events/alert.ts';
import { inputsFromFile, listPath } from '../shared/replay/load.ts';
import { alertFunctionRules, ruleMatcher } from '../shared/replay/replay.ts';
import { routeAlert } from '../shared/route/route.ts';
import { terminalLine } from '../shared/util/terminal.ts';
import { argsError, COMMANDS, commandUsage } from './commands.ts';
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.ts';
import { namedFile } from './paths.ts';
import { loadPipelineSetup } from './setup.ts';

const USAGE = commandUsage('routes');

/** The alert application Lambda runs, with the clock at --at and a bus that keeps what it is given. */
export function routesTestApp(
  config: Config,
  bus: PutEventsRequestEntry[],
  opts: { alarmLookup?: AlarmLookup | undefined; now: Date },
): AlertApp {
  return createAlertApp(
    config,
    recordingAlertPorts(bus, { alarmLookup: opts.alarmLookup, clock: () => opts.now.getTime() }),
  );
}

function parsedDetails(entries: PutEventsRequestEntry[], detailType: string): unknown[] {
  return entries.filter((e) => e.DetailType === detailType).map((e) => JSON.parse(e.Detail ?? 'null'));
}

/**
 * `cloud-alerts routes test`, like `amtool config routes test`: run the event through the alert
 * application Lambda runs (with fresh in-memory state) and say which receivers each alert reaches,
 * through which routes, or why it was held back.
 */
export async function routesCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'test') {
    io.stderr(`${sub ? `routes: unknown subcommand ${sub}\n` : ''}${USAGE}`);
    return EXIT_USAGE;
  }
  let values: Partial<Record<'config' | 'stage' | 'at' | 'alarm-tags' | 'serverless', string>> & {
    event?: string[] | undefined;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: COMMANDS.routes.options,
    }));
  } catch (err) {
    io.stderr(`routes test: ${terminalLine(argsError(err))}\n${USAGE}`);
    return EXIT_USAGE;
  }
  // Paths as replay takes them (files, log files, archives, folders), after --event or on their own.
  const paths = [...(values.event ?? []), ...positionals];
  if (paths.length === 0) {
    io.stderr(
      `routes test: give an event, a log file or a folder (--event PATH, or the path alone)\n${USAGE}`,
    );
    return EXIT_USAGE;
  }
  const now = values.at === undefined ? new Date() : new Date(values.at);
  if (Number.isNaN(now.getTime())) {
    io.stderr(`routes test: --at must be a timestamp such as 2026-12-01T23:00:00Z\n`);
    return EXIT_USAGE;
  }
  const setup = loadPipelineSetup('routes test', values, io);
  if (typeof setup === 'number') return setup;
  const { config, alarmLookup } = setup;
  // The rules that run the alert function: an event none matches is not routed at all, as in replay.
  const matchingRuleNames = ruleMatcher(alertFunctionRules(setup.rules));

  // Alert text comes from the event: every value is shown through terminalLine, off the terminal's controls.
  const t = terminalLine;
  let exit = EXIT_OK;
  const lines: string[] = [];
  const all = new Set<string>();
  /** Whether the event could be routed at all (a bad one is listed and, in a named file, exit 2). */
  const test = async (source: string, event: unknown): Promise<boolean> => {
    lines.push(t(source));
    if (!isRecord(event)) {
      lines.push('  error: not a JSON object');
      io.stderr(`routes test: ${t(source)}: not a JSON object\n`);
      return false;
    }
    if (matchingRuleNames(event).length === 0) {
      lines.push('  no serverless.yml rule matches: the alert function would not run');
      return true;
    }
    // Fresh state for each event: the answer is where this event goes, whatever came before it.
    const bus: PutEventsRequestEntry[] = [];
    const outcome = await routesTestApp(config, bus, { alarmLookup, now }).handleEvent(event);
    if (outcome.status === 'rejected') {
      lines.push(`  error: ${t(outcome.reason ?? 'not an event')}`);
      io.stderr(`routes test: ${t(source)}: ${t(outcome.reason ?? 'not an event')}\n`);
      return false;
    }
    const alerts: Alert[] = parsedDetails(bus, ALERT_RAISED).map((d) => AlertSchema.parse(d));
    const requests = parsedDetails(bus, NOTIFICATION_REQUESTED).map((d) =>
      NotificationRequestSchema.parse(d),
    );
    if (alerts.length === 0 && outcome.suppressed.length === 0)
      lines.push('  no alert: the rules judge this event harmless');
    for (const s of outcome.suppressed)
      lines.push(`  ${t(s.ruleId)}: suppressed by ${t(s.kind)}: ${t(s.reason)}`);
    for (const alert of alerts) {
      const { matched } = routeAlert(config.route, alert);
      const receivers = requests.filter((r) => r.alert.id === alert.id).map((r) => r.receiver);
      for (const r of receivers) all.add(r);
      lines.push(`  ${t(alert.ruleId)} ${t(alert.severity)} ${t(alert.status)}: ${t(alert.title)}`);
      lines.push(`    matched: ${matched.map(t).join(', ')}`);
      lines.push(`    receivers: ${receivers.length > 0 ? receivers.map(t).join(', ') : '(none)'}`);
    }
    return true;
  };
  for (const path of paths) {
    const { files, problem } = listPath(path, `${path}: no .json or .json.gz files`);
    if (problem !== undefined) {
      io.stderr(`routes test: ${t(problem)}\n`);
      exit = EXIT_USAGE;
      continue;
    }
    let routed = 0;
    for (const file of files) {
      for (const input of inputsFromFile(file)) {
        if (input.error === undefined) {
          if (await test(input.source, input.event)) routed++;
        } else {
          lines.push(t(input.source), `  error: ${t(input.error)}`);
          io.stderr(`routes test: ${t(input.source)}: ${t(input.error)}\n`);
        }
      }
    }
    if (namedFile(path, files) && routed === 0) exit = EXIT_USAGE;
  }
  lines.push(`receivers: ${all.size > 0 ? [...all].map(t).join(', ') : '(none)'}`);
  io.stdout(`${lines.join('\n')}\n`);
  return exit;
}
