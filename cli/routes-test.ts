import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { AlarmLookup } from '../shared/alarms/lookup.ts';
import { loadAlarmTagsFile } from '../shared/alarms/tags-file.ts';
import { type AlertApp, createAlertApp } from '../shared/app/alert.ts';
import { recordingAlertPorts } from '../shared/app/local-alert.ts';
import { loadConfigFile } from '../shared/config/load.ts';
import { configPath } from '../shared/config/runtime.ts';
import type { Config } from '../shared/config/schema.ts';
import {
  ALERT_RAISED,
  type Alert,
  AlertSchema,
  NOTIFICATION_REQUESTED,
  NotificationRequestSchema,
} from '../shared/events/alert.ts';
import { routeAlert } from '../shared/route/route.ts';
import { terminalLine } from '../shared/util/terminal.ts';
import { argsError, COMMANDS, commandUsage } from './commands.ts';
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.ts';

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
  let values: Partial<Record<'event' | 'config' | 'stage' | 'at' | 'alarm-tags', string>>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: COMMANDS.routes.options,
    }));
  } catch (err) {
    io.stderr(`routes test: ${terminalLine(argsError(err))}\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (!values.event) {
    io.stderr(`routes test: --event is required\n${USAGE}`);
    return EXIT_USAGE;
  }
  const now = values.at === undefined ? new Date() : new Date(values.at);
  if (Number.isNaN(now.getTime())) {
    io.stderr(`routes test: --at must be a timestamp such as 2026-12-01T23:00:00Z\n`);
    return EXIT_USAGE;
  }
  let event: unknown;
  let config: Config;
  let alarmLookup: AlarmLookup | undefined;
  try {
    event = JSON.parse(readFileSync(values.event, 'utf8'));
    config = loadConfigFile(values.config ?? configPath(io.env), {
      stage: values.stage ?? io.env.STAGE ?? 'dev',
    });
    const tags = values['alarm-tags'];
    if (tags !== undefined) alarmLookup = loadAlarmTagsFile(tags);
  } catch (err) {
    io.stderr(`routes test: ${terminalLine(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT_USAGE;
  }

  const bus: PutEventsRequestEntry[] = [];
  const outcome = await routesTestApp(config, bus, { alarmLookup, now }).handleEvent(event);
  if (outcome.status === 'rejected') {
    io.stderr(`routes test: ${terminalLine(outcome.reason ?? 'not an event')}\n`);
    return EXIT_USAGE;
  }
  const alerts: Alert[] = parsedDetails(bus, ALERT_RAISED).map((d) => AlertSchema.parse(d));
  const requests = parsedDetails(bus, NOTIFICATION_REQUESTED).map((d) => NotificationRequestSchema.parse(d));
  // Alert text comes from the event: every value is shown through terminalLine, off the terminal's controls.
  const t = terminalLine;
  const lines: string[] = [t(values.event)];
  if (alerts.length === 0 && outcome.suppressed.length === 0)
    lines.push('  no alert: the rules judge this event harmless');
  for (const s of outcome.suppressed)
    lines.push(`  ${t(s.ruleId)}: suppressed by ${t(s.kind)}: ${t(s.reason)}`);
  const all = new Set<string>();
  for (const alert of alerts) {
    const { matched } = routeAlert(config.route, alert);
    const receivers = requests.filter((r) => r.alert.id === alert.id).map((r) => r.receiver);
    for (const r of receivers) all.add(r);
    lines.push(`  ${t(alert.ruleId)} ${t(alert.severity)} ${t(alert.status)}: ${t(alert.title)}`);
    lines.push(`    matched: ${matched.map(t).join(', ')}`);
    lines.push(`    receivers: ${receivers.length > 0 ? receivers.map(t).join(', ') : '(none)'}`);
  }
  lines.push(`receivers: ${all.size > 0 ? [...all].map(t).join(', ') : '(none)'}`);
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
