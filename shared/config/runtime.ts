import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCompiledConfig } from './compiled.ts';
import type { Config } from './schema.ts';

/** The YAML people edit; replay and the CLI read it directly (shared/config/load.ts). */
export const DEFAULT_CONFIG_PATH = 'config/cloud-alerts.yml';
/**
 * What the Lambda functions read: the YAML, validated for the stage and compiled to JSON when the
 * stack is packaged (scripts/build-config.ts, run by the serverless plugin). Keeping the YAML parser
 * out of the bundles saves ~110 KB per function and its load time at every cold start.
 */
export const RUNTIME_CONFIG_PATH = 'config/cloud-alerts.json';

/** Where the configuration is: $CLOUD_ALERTS_CONFIG (YAML for the CLI, JSON for the functions), else the default. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLOUD_ALERTS_CONFIG) return resolve(env.CLOUD_ALERTS_CONFIG);
  const root = env.LAMBDA_TASK_ROOT ?? process.cwd();
  return join(root, DEFAULT_CONFIG_PATH);
}

export function runtimeConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLOUD_ALERTS_RUNTIME_CONFIG) return resolve(env.CLOUD_ALERTS_RUNTIME_CONFIG);
  return join(env.LAMBDA_TASK_ROOT ?? process.cwd(), RUNTIME_CONFIG_PATH);
}

/**
 * Read once at cold start: the configuration `serverless package` validated and compiled for this
 * stage (shared/config/compiled.ts). A missing file, one that was not compiled, or one compiled for
 * another stage fails the cold start loudly: a half-understood routing table would page the wrong
 * people.
 */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const file = runtimeConfigPath(env);
  if (!existsSync(file)) {
    throw new Error(
      `cloud-alerts configuration not found at ${file}: it is built from ${DEFAULT_CONFIG_PATH} by 'serverless package'`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(
      `cloud-alerts configuration at ${file} is not JSON: ${e instanceof Error ? e.message : e}`,
    );
  }
  return readCompiledConfig(data, file, env.STAGE);
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}
