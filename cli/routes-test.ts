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
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.ts';

const USAGE =
  'usage: cloud-alerts routes test --event FILE [--config FILE] [--stage STAGE] [--at TIMESTAMP] [--alarm-tags FILE]\n';

/** Alert text comes from the event: keep control characters off the terminal. */
function printable(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

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
    io.stderr(`routes test: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }

  const result = evaluate(event, config);
  if (result.rejected || !result.envelope) {
    io.stderr(`routes test: ${result.rejected ?? 'not an event'}\n`);
    return EXIT_USAGE;
  }
  const staged = await runStages(stages, result.alerts, {
    config,
    envelope: result.envelope,
    now,
    logger: silentLogger,
  });
  const lines: string[] = [`${values.event}`];
  if (result.alerts.length === 0) lines.push('  no alert: the rules judge this event harmless');
  for (const s of staged.suppressed)
    lines.push(`  ${s.ruleId}: suppressed by ${s.kind}: ${printable(s.reason)}`);
  const all = new Set<string>();
  for (const alert of staged.alerts) {
    const { matched } = routeAlert(config.route, alert);
    const receivers = notificationsFor(alert, config).map((n) => n.receiver);
    for (const r of receivers) all.add(r);
    lines.push(`  ${alert.ruleId} ${alert.severity} ${alert.status}: ${printable(alert.title)}`);
    lines.push(`    matched: ${matched.join(', ')}`);
    lines.push(`    receivers: ${receivers.length > 0 ? receivers.join(', ') : '(none)'}`);
  }
  lines.push(`receivers: ${all.size > 0 ? [...all].join(', ') : '(none)'}`);
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
