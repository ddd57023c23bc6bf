import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkConfig } from '../shared/config/load.ts';
import { configPath } from '../shared/config/runtime.ts';
import { plainError } from '../shared/util/errors.ts';
import { terminalLine } from '../shared/util/terminal.ts';
import { argsError, COMMANDS, commandUsage } from './commands.ts';
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.ts';

export const EXIT_INVALID = 1;

const USAGE = commandUsage('config');

/**
 * `cloud-alerts config check`: validate the file the Lambda will load, naming the line and field
 * of each error; report expired silences and allow-list entries as warnings. Exit 1 on errors only.
 * With `--region`, also what `serverless package` refuses for that region: a receiver
 * naming a topic or key no grant could make work there (shared/config/access.ts).
 */
export async function configCommand(
  argv: string[],
  io: CliIo,
  now: () => Date = () => new Date(),
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'check') {
    io.stderr(`${sub ? `config: unknown subcommand ${sub}\n` : ''}${USAGE}`);
    return EXIT_USAGE;
  }
  let values: { config?: string | undefined; stage?: string | undefined; region?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: COMMANDS.config.options,
    }));
  } catch (err) {
    io.stderr(`config check: ${terminalLine(argsError(err))}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const file = values.config ?? configPath(io.env);
  const stage = values.stage ?? io.env.STAGE ?? 'dev';
  // Only when asked: the stack's region is serverless.yml's (--region), not the shell's AWS_REGION.
  const region = values.region;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    io.stderr(`config check: cannot read ${file}: ${plainError(err)}\n`);
    return EXIT_USAGE;
  }
  const result = checkConfig(text, { stage, region, source: file, now: now() });
  for (const e of result.errors) io.stdout(`error: ${e}\n`);
  for (const w of result.warnings) io.stdout(`warning: ${w}\n`);
  const { config } = result;
  if (!config) {
    io.stdout(`${file}: ${result.errors.length} error(s), ${result.warnings.length} warning(s)\n`);
    return EXIT_INVALID;
  }
  io.stdout(
    `${file}: valid for stage ${stage}${region === undefined ? '' : ` in ${region}`}: ${config.receivers.length} receiver(s), ${config.allowList.length} allow-list entr${config.allowList.length === 1 ? 'y' : 'ies'}, ${config.silences.length} silence(s); ${result.warnings.length} warning(s)\n`,
  );
  return EXIT_OK;
}
