import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfigFile } from './load.ts';
import type { Config } from './schema.ts';

export const DEFAULT_CONFIG_PATH = 'config/cloud-alerts.yml';

/** Where the configuration is: $CLOUD_ALERTS_CONFIG, else the bundled default beside the code. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLOUD_ALERTS_CONFIG) return resolve(env.CLOUD_ALERTS_CONFIG);
  const root = env.LAMBDA_TASK_ROOT ?? process.cwd();
  return join(root, DEFAULT_CONFIG_PATH);
}

/**
 * Read once at cold start. A bad file fails the cold start with every problem listed, which is
 * what we want: a half-understood routing table would page the wrong people.
 */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const file = configPath(env);
  if (!existsSync(file))
    throw new Error(`cloud-alerts configuration not found at ${file} (set CLOUD_ALERTS_CONFIG)`);
  return loadConfigFile(file, { stage: env.STAGE ?? 'dev' });
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}
