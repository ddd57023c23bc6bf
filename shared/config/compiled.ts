import { isRecord } from '../detect/values.ts';
import type { Config } from './schema.ts';

/**
 * What the functions read: the configuration as `serverless package` compiled it for one stage
 * (scripts/build-config.ts). By then it has been validated against the full schema with a line and
 * column for every problem (shared/config/load.ts) and every default is filled in.
 *
 * The envelope is how a function knows that happened. It does not run the schema again: the file
 * sits in the same immutable artifact as the code that validated it, and building the config schema
 * is the largest piece of our own cold start (about 12 ms of zod construction per function,
 * `npm run bench`). What the cold start does check is cheap and catches the mistakes that remain
 * possible: a file that was not compiled, a compiler of another format, and an artifact packaged for
 * one stage deployed to another, which would send prod's alerts to dev's receivers.
 */
export const COMPILED_CONFIG_FORMAT = 1;

export interface CompiledConfig {
  compiledBy: 'cloud-alerts';
  format: typeof COMPILED_CONFIG_FORMAT;
  stage: string;
  config: Config;
}

export function compileConfig(config: Config, stage: string): CompiledConfig {
  return { compiledBy: 'cloud-alerts', format: COMPILED_CONFIG_FORMAT, stage, config };
}

/**
 * The file's exact text. The package step stamps its SHA-256 on the stack (output
 * CloudAlertsConfigDigest) and `cloud-alerts doctor` recomputes it from the local YAML, so both must
 * write the same bytes: this function is the one place that decides them.
 */
export function compiledConfigText(config: Config, stage: string): string {
  return `${JSON.stringify(compileConfig(config, stage), null, 2)}\n`;
}

export class CompiledConfigError extends Error {
  override readonly name = 'CompiledConfigError';
}

const LISTS = ['receivers', 'allowList', 'silences'] as const;
const OBJECTS = ['accounts', 'route', 'alarms', 'dedupe', 'grouping', 'flapping', 'delivery'] as const;

function isCompiledConfig(data: unknown, problems: string[]): data is CompiledConfig {
  if (!isRecord(data) || data.compiledBy !== 'cloud-alerts') {
    problems.push('it has no compiledBy marker, so it was not written by the package step');
    return false;
  }
  if (data.format !== COMPILED_CONFIG_FORMAT) {
    problems.push(`its format is ${JSON.stringify(data.format)}, this code reads ${COMPILED_CONFIG_FORMAT}`);
  }
  if (typeof data.stage !== 'string') problems.push('it names no stage');
  const config = data.config;
  if (!isRecord(config)) {
    problems.push('it holds no config object');
    return false;
  }
  for (const key of LISTS) if (!Array.isArray(config[key])) problems.push(`config.${key} is not a list`);
  for (const key of OBJECTS) if (!isRecord(config[key])) problems.push(`config.${key} is not an object`);
  return problems.length === 0;
}

/**
 * The configuration in a compiled file, or a CompiledConfigError naming the file and every problem.
 * `expectedStage` is the function's own stage (STAGE in serverless.yml); when given, a file compiled
 * for another stage is refused.
 */
export function readCompiledConfig(data: unknown, file: string, expectedStage?: string): Config {
  const problems: string[] = [];
  if (!isCompiledConfig(data, problems)) {
    throw new CompiledConfigError(
      `${file} is not a configuration compiled by 'serverless package': ${problems.join('; ')}. ` +
        'Package the stack again (it runs scripts/build-config.ts <stage>).',
    );
  }
  if (expectedStage !== undefined && data.stage !== expectedStage) {
    throw new CompiledConfigError(
      `${file} was compiled for stage "${data.stage}" but this function runs in stage "${expectedStage}": ` +
        `package with --stage ${expectedStage} before deploying.`,
    );
  }
  return data.config;
}
