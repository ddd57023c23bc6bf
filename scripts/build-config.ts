/**
 * Package time (run by scripts/serverless-cloud-alerts.cjs): validate config/cloud-alerts.yml for
 * the stage, with line numbers for every problem, and write the JSON the functions read.
 * Usage: build-config.ts <stage> [out.json]. Exit 1 with the problems when the file is invalid.
 */
import { writeFileSync } from 'node:fs';
import { compiledConfigText } from '../shared/config/compiled.ts';
import { loadConfigFile } from '../shared/config/load.ts';
import { configPath, RUNTIME_CONFIG_PATH } from '../shared/config/runtime.ts';

const stage = process.argv[2] ?? 'dev';
const out = process.argv[3] ?? RUNTIME_CONFIG_PATH;
try {
  const config = loadConfigFile(configPath(), { stage });
  writeFileSync(out, compiledConfigText(config, stage));
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
