/**
 * Package time (run by scripts/serverless-cloud-alerts.cjs): validate config/cloud-alerts.yml for
 * the stage and region, with line numbers for every problem, and write the JSON the functions read.
 * Usage: build-config.ts <stage> [out.json] [--region REGION]. Exit 1 with the problems when the file
 * is invalid. With --region, receivers naming a topic or key no grant could make work there are
 * errors too (shared/config/access.ts).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compiledConfigText } from '../shared/config/compiled.ts';
import { loadConfigFile } from '../shared/config/load.ts';
import { configPath, RUNTIME_CONFIG_PATH } from '../shared/config/runtime.ts';

try {
  const { values, positionals } = parseArgs({
    options: { region: { type: 'string' } },
    allowPositionals: true,
  });
  const [stage = 'dev', out = RUNTIME_CONFIG_PATH] = positionals;
  const config = loadConfigFile(configPath(), { stage, region: values.region });
  writeFileSync(out, compiledConfigText(config, stage));
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
