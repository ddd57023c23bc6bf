import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { forwarderTemplate } from '../shared/deploy/forwarder.ts';
import { parseCloudAlertsSettings, parseServerlessRules } from '../shared/eventbridge/serverless.ts';
import { plainError } from '../shared/util/errors.ts';
import { terminalLine } from '../shared/util/terminal.ts';
import { argsError, COMMANDS, commandUsage } from './commands.ts';
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.ts';

export async function forwarderCommand(argv: string[], io: CliIo): Promise<number> {
  let values: {
    'target-bus'?: string;
    'global-only'?: boolean;
    'alarm-reader'?: string;
    stage?: string;
    serverless?: string;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: COMMANDS.forwarder.options,
    }));
  } catch (err) {
    io.stderr(`forwarder: ${terminalLine(argsError(err))}\n${commandUsage('forwarder')}`);
    return EXIT_USAGE;
  }
  if (!values['target-bus']) {
    io.stderr('forwarder: --target-bus <event bus ARN> is required\n');
    return EXIT_USAGE;
  }
  const stage = values.stage ?? 'dev';
  const file = values.serverless ?? 'serverless.yml';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    io.stderr(`forwarder: cannot read ${file}: ${plainError(err)}\n`);
    return EXIT_USAGE;
  }
  try {
    const settings = parseCloudAlertsSettings(text, { stage });
    const principalArn = values['alarm-reader'];
    if (principalArn !== undefined && !settings.alarmReaderRole)
      throw new Error(`--alarm-reader needs custom.cloudAlerts.alarmReaderRole in ${file}`);
    const template = forwarderTemplate(parseServerlessRules(text, { stage }), {
      targetBusArn: values['target-bus'],
      globalOnly: values['global-only'] ?? false,
      allManagementEventsRules: settings.allManagementEventsRules,
      ...(principalArn !== undefined && settings.alarmReaderRole
        ? { alarmReader: { principalArn, roleName: settings.alarmReaderRole } }
        : {}),
    });
    io.stdout(`${JSON.stringify(template, null, 2)}\n`);
    return EXIT_OK;
  } catch (err) {
    io.stderr(`forwarder: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }
}
