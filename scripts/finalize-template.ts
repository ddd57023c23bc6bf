/**
 * Package time (run by scripts/serverless-cloud-alerts.cjs once osls has compiled the template):
 * reads the template on stdin and writes the one to deploy on stdout. It decides the conditions
 * known at package time, drops the DependsOn entries references already imply (shared/deploy/
 * template.ts), and gives each notifier role exactly the parameters, topics and keys its receivers
 * name in the compiled configuration (shared/config/access.ts), and the alert role the evidence reads
 * the configuration turns on (shared/config/evidence-access.ts).
 * Usage: finalize-template.ts <compiled config.json> <stage> < template.json > template.json
 */
import { readFileSync } from 'node:fs';
import { receiverAccess } from '../shared/config/access.ts';
import { readCompiledConfig } from '../shared/config/compiled.ts';
import { evidencePolicy } from '../shared/config/evidence-access.ts';
import { finalizeTemplate } from '../shared/deploy/template.ts';
import { isRecord } from '../shared/detect/values.ts';

const [configFile, stage] = process.argv.slice(2);
if (configFile === undefined || stage === undefined) {
  process.stderr.write('usage: finalize-template.ts <compiled config.json> <stage> < template.json\n');
  process.exit(2);
}
try {
  const config = readCompiledConfig(JSON.parse(readFileSync(configFile, 'utf8')), configFile, stage);
  const template: unknown = JSON.parse(readFileSync(0, 'utf8'));
  if (!isRecord(template) || !isRecord(template.Resources)) throw new Error('stdin holds no template');
  const evidence = evidencePolicy(config.evidence);
  process.stdout.write(
    JSON.stringify(finalizeTemplate(template, receiverAccess(config), evidence ? [evidence] : [])),
  );
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
