import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createAlarmContextStage } from '../shared/alarms/context-stage.ts';
import { loadAlarmTagsFile } from '../shared/alarms/tags-file.ts';
import { loadConfigFile } from '../shared/config/load.ts';
import { configPath } from '../shared/config/runtime.ts';
import { defaultStages } from '../shared/pipeline/default-stages.ts';
import { evaluate, notificationsFor } from '../shared/pipeline/evaluate.ts';
import { silentLogger } from '../shared/pipeline/logger.ts';
import { runStages } from '../shared/pipeline/stages.ts';
import { routeAlert } from '../shared/route/route.ts';
import { createMemoryStateStore } from '../shared/state/memory.ts';
import { terminalLine } from '../shared/util/terminal.ts';
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.ts';

const USAGE =
  'usage: cloud-alerts routes test --event FILE [--config FILE] [--stage STAGE] [--at TIMESTAMP] [--alarm-tags FILE]\n';

/**
 * `cloud-alerts routes test`, like `amtool config routes test`: run the event through the real
 * pipeline (evaluate, then the stages, with fresh in-memory state) and say which receivers each
 * alert reaches, through which routes, or why it was held back.
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
      options: {
        event: { type: 'string' },
        config: { type: 'string' },
        stage: { type: 'string' },
        at: { type: 'string' },
        'alarm-tags': { type: 'string' },
      },
    }));
  } catch (err) {
    io.stderr(`routes test: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
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
  let stages: ReturnType<typeof defaultStages>;
  let config: ReturnType<typeof loadConfigFile>;
  try {
    event = JSON.parse(readFileSync(values.event, 'utf8'));
    config = loadConfigFile(values.config ?? configPath(io.env), {
      stage: values.stage ?? io.env.STAGE ?? 'dev',
    });
    const tags = values['alarm-tags'];
    stages = defaultStages(config, {
      ...(tags === undefined
        ? {}
        : { alarmContext: createAlarmContextStage({ lookup: loadAlarmTagsFile(tags) }) }),
      state: createMemoryStateStore(),
    });
  } catch (err) {
    io.stderr(`routes test: ${terminalLine(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT_USAGE;
  }

  const result = evaluate(event, config);
  if (result.rejected || !result.envelope) {
    io.stderr(`routes test: ${terminalLine(result.rejected ?? 'not an event')}\n`);
    return EXIT_USAGE;
  }
  const staged = await runStages(stages, result.alerts, {
    config,
    envelope: result.envelope,
    now,
    logger: silentLogger,
  });
  // Alert text comes from the event: every value is shown through terminalLine, off the terminal's controls.
  const t = terminalLine;
  const lines: string[] = [t(values.event)];
  if (result.alerts.length === 0) lines.push('  no alert: the rules judge this event harmless');
  for (const s of staged.suppressed)
    lines.push(`  ${t(s.ruleId)}: suppressed by ${t(s.kind)}: ${t(s.reason)}`);
  const all = new Set<string>();
  for (const alert of staged.alerts) {
    const { matched } = routeAlert(config.route, alert);
    const receivers = notificationsFor(alert, config).map((n) => n.receiver);
    for (const r of receivers) all.add(r);
    lines.push(`  ${t(alert.ruleId)} ${t(alert.severity)} ${t(alert.status)}: ${t(alert.title)}`);
    lines.push(`    matched: ${matched.map(t).join(', ')}`);
    lines.push(`    receivers: ${receivers.length > 0 ? receivers.map(t).join(', ') : '(none)'}`);
  }
  lines.push(`receivers: ${all.size > 0 ? [...all].map(t).join(', ') : '(none)'}`);
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
