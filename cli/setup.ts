import { existsSync } from 'node:fs';
import type { AlarmLookup } from '../shared/alarms/lookup.ts';
import { loadAlarmTagsFile } from '../shared/alarms/tags-file.ts';
import { ConfigError, loadConfigFile } from '../shared/config/load.ts';
import { configPath } from '../shared/config/runtime.ts';
import type { Config } from '../shared/config/schema.ts';
import { DEFAULT_SERVICE } from '../shared/detect/alerting.ts';
import { type DeclaredRule, readServerlessRules } from '../shared/eventbridge/serverless.ts';
import { type HeartbeatIdentity, replayHeartbeatIdentity } from '../shared/heartbeat/heartbeat.ts';
import { terminalLine } from '../shared/util/terminal.ts';
import { type CliIo, EXIT_FAILED, EXIT_USAGE } from './io.ts';

/** What replay and backtest both run on: the deployed rules, the configuration, local alarm tags. */
export interface PipelineSetup {
  stage: string;
  rules: DeclaredRule[];
  config: Config;
  alarmLookup?: AlarmLookup;
  /** The heartbeat canary's writes, recognised as the Lambda recognises them (no account to pin). */
  heartbeat: HeartbeatIdentity;
}

export interface SetupFlags {
  stage?: string | undefined;
  serverless?: string | undefined;
  config?: string | undefined;
  'alarm-tags'?: string | undefined;
}

/**
 * Reads serverless.yml, the config and the alarm tags file; on a problem says why on stderr and
 * returns the exit code: 1 for a configuration that was read and is invalid, as `config check` says,
 * 2 for a file that cannot be read or used.
 */
export function loadPipelineSetup(command: string, flags: SetupFlags, io: CliIo): PipelineSetup | number {
  const stage = flags.stage ?? io.env.STAGE ?? 'dev';
  const serverlessFile = flags.serverless ?? 'serverless.yml';
  if (!existsSync(serverlessFile)) {
    io.stderr(`${command}: ${serverlessFile} not found (run from the project folder or pass --serverless)\n`);
    return EXIT_USAGE;
  }
  try {
    const config = loadConfigFile(flags.config ?? configPath(io.env), { stage });
    const rules = readServerlessRules(serverlessFile, { stage });
    const tags = flags['alarm-tags'];
    const heartbeat = replayHeartbeatIdentity(DEFAULT_SERVICE, stage);
    return {
      stage,
      rules,
      config,
      heartbeat,
      ...(tags === undefined ? {} : { alarmLookup: loadAlarmTagsFile(tags) }),
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`${command}: ${message.split('\n').map(terminalLine).join('\n')}\n`);
    return err instanceof ConfigError && !err.unreadable ? EXIT_FAILED : EXIT_USAGE;
  }
}
