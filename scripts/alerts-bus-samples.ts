/**
 * Writes alerts-bus/notify-<channel>.json: what the alerts bus hands each notifier when the alert
 * function runs on events/s3/put-bucket-acl-public-read.json with config/cloud-alerts.yml (stage dev).
 * They are the samples for `serverless invoke local -f notifySlack -p alerts-bus/notify-slack.json`
 * (and notifyPagerDuty, notifyEmail). test/unit/app/alerts-bus-samples.test.ts fails when they are
 * out of date. Usage: node bin/run-ts.js scripts/alerts-bus-samples.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { alertsBusSamples } from '../shared/replay/alerts-bus-samples.ts';

const check = process.argv.includes('--check');
let stale = 0;
for (const [file, event] of Object.entries(await alertsBusSamples())) {
  const text = `${JSON.stringify(event, null, 2)}\n`;
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  stale++;
  if (check) process.stderr.write(`${file} is out of date\n`);
  else {
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file}\n`);
  }
}
if (check && stale > 0) process.exit(1);
