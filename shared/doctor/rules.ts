import { ListRulesCommand, type Rule } from '@aws-sdk/client-eventbridge';
import { isRecord } from '../detect/values.ts';
import type { DoctorClients } from './clients.ts';
import type { LocalSetup } from './local.ts';
import { errorLine, type Finding, fail, ok, warn } from './report.ts';
import { alertsBusName, type DeployedStack } from './stack.ts';

const ALL_MANAGEMENT_EVENTS = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

/** All rules on a bus whose names start with `prefix`. */
export async function listRules(
  eventBridge: DoctorClients['eventBridge'],
  prefix: string,
  bus?: string,
): Promise<Rule[]> {
  const rules: Rule[] = [];
  let token: string | undefined;
  do {
    const page = await eventBridge.send(
      new ListRulesCommand({
        NamePrefix: prefix,
        ...(bus ? { EventBusName: bus } : {}),
        ...(token ? { NextToken: token } : {}),
      }),
    );
    rules.push(...(page.Rules ?? []));
    token = page.NextToken;
  } while (token);
  return rules;
}

/** JSON with object keys sorted, so two patterns compare by content, not by key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (isRecord(value))
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical(value[k])]),
    );
  return value;
}

function samePattern(deployed: string | undefined, declared: unknown): boolean {
  if (deployed === undefined) return false;
  try {
    return JSON.stringify(canonical(JSON.parse(deployed))) === JSON.stringify(canonical(declared));
  } catch {
    return false;
  }
}

/**
 * Every rule serverless.yml declares, on both buses, deployed with the same pattern and enabled (in
 * the state that also receives read-only calls where custom.cloudAlerts says so), and every other
 * rule of this stack (the heartbeat's schedule) enabled. A pattern that differs means the stack is
 * not what this checkout would deploy: replay and the tests say one thing, AWS does another.
 */
export async function checkRules(
  local: LocalSetup,
  stack: DeployedStack,
  clients: DoctorClients,
): Promise<Finding[]> {
  const alertsBus = alertsBusName(local.prefix, stack);
  let deployed: { bus: string; rules: Rule[] }[];
  try {
    deployed = await Promise.all(
      [undefined, alertsBus].map(async (bus) => ({
        bus: bus ?? 'default',
        rules: await listRules(clients.eventBridge, `${local.prefix}-`, bus),
      })),
    );
  } catch (err) {
    return [fail('rules', `cannot list the EventBridge rules: ${errorLine(err)}`)];
  }
  const problems: Finding[] = [];
  let counted = 0;
  for (const { bus, rules } of deployed) {
    const declared = local.rules.filter((r) => (r.bus === 'default') === (bus === 'default'));
    const byName = new Map(rules.filter((r) => r.Name).map((r) => [r.Name ?? '', r]));
    const where = bus === 'default' ? 'the default bus' : bus;
    for (const rule of declared) {
      const live = byName.get(rule.name);
      byName.delete(rule.name);
      counted += 1;
      if (!live) {
        problems.push(fail('rules', `${rule.name} is missing from ${where}: deploy the stack again`));
        continue;
      }
      const wanted = local.allManagementEventsRules.has(rule.name) ? ALL_MANAGEMENT_EVENTS : 'ENABLED';
      if (live.State === 'DISABLED')
        problems.push(fail('rules', `${rule.name} is DISABLED: nothing it matches reaches cloud-alerts`));
      else if (live.State !== wanted)
        problems.push(
          fail(
            'rules',
            `${rule.name} is ${live.State ?? 'in no state'}, not ${wanted}: ${wanted === ALL_MANAGEMENT_EVENTS ? 'it misses the read-only calls it exists for' : 'deploy the stack again'}`,
          ),
        );
      if (!samePattern(live.EventPattern, rule.pattern))
        problems.push(
          fail(
            'rules',
            `${rule.name} matches something else than serverless.yml says: deploy this checkout, or run doctor from the one that was deployed`,
          ),
        );
    }
    // The rest carry our prefix without an eventBridge entry: the heartbeat's schedule, or leftovers.
    for (const [name, live] of byName) {
      counted += 1;
      if (live.State === 'DISABLED')
        problems.push(
          fail(
            'rules',
            `${name} is DISABLED${live.ScheduleExpression ? ': the heartbeat canary does not run' : ''}`,
          ),
        );
      else if (!live.ScheduleExpression)
        problems.push(
          warn('rules', `${name} on ${where} is not in serverless.yml (left over from an older deploy?)`),
        );
    }
  }
  if (problems.length > 0) return problems;
  return [
    ok(
      'rules',
      `${counted} rules on the default bus and ${alertsBus}, enabled, with the patterns serverless.yml declares`,
    ),
  ];
}
