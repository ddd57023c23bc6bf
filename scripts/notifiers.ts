/**
 * Package time (run by scripts/serverless-notifiers.cjs while osls resolves serverless.yml): prints
 * the notifier functions and their resources for every deployed channel (shared/deploy/notifiers.ts)
 * as JSON `{ "functions": …, "resources": … }`.
 * Usage: notifiers.ts <prefix>, the resolved ${self:custom.prefix}.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { NOTIFIER_DEPLOYMENTS } from '../shared/deploy/deployments.ts';
import { notifierFunctions, notifierResources } from '../shared/deploy/notifiers.ts';
import { isRecord } from '../shared/detect/values.ts';

const [prefix] = process.argv.slice(2);
if (prefix === undefined || prefix === '' || prefix.includes('${')) {
  process.stderr.write(`usage: notifiers.ts <resolved prefix> (got ${JSON.stringify(prefix)})\n`);
  process.exit(2);
}
const assumeRolePolicy: unknown = parse(readFileSync('resources/lambda-trust.yml', 'utf8'));
if (!isRecord(assumeRolePolicy)) throw new Error('resources/lambda-trust.yml is not a policy document');
process.stdout.write(
  JSON.stringify({
    functions: notifierFunctions(NOTIFIER_DEPLOYMENTS, { prefix }),
    resources: notifierResources(NOTIFIER_DEPLOYMENTS, { prefix, assumeRolePolicy }),
  }),
);
