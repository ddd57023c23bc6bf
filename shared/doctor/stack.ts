import {
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import type { DoctorClients } from './clients.ts';
import type { LocalSetup } from './local.ts';
import { ago, errorLine, type Finding, fail, ok, utc, warn } from './report.ts';

/** What the other checks need to know about the deployed stack. */
export interface DeployedStack {
  name: string;
  status: string;
  account: string;
  partition: string;
  created: Date;
  outputs: Readonly<Record<string, string>>;
  /** Physical id and type by logical id (queue URLs, the topic ARN, the bus name, alarm names…). */
  resources: ReadonlyMap<string, { type: string; physicalId: string }>;
}

/**
 * The alerts bus: its physical id, or the name resources/core.yml gives it when the stack does not
 * report one (an emulator may not).
 */
export function alertsBusName(prefix: string, stack: DeployedStack): string {
  return stack.resources.get('AlertsBus')?.physicalId ?? `${prefix}-alerts`;
}

/** `arn:aws:cloudformation:eu-west-1:123456789012:stack/name/uuid` → partition and account. */
const STACK_ID = /^arn:(aws[a-z-]*):cloudformation:[a-z0-9-]+:(\d{12}):stack\//;

/** A missing stack is a ValidationError whose message says so. */
function isMissingStack(err: unknown): boolean {
  return err instanceof Error && err.name === 'ValidationError' && /does not exist/i.test(err.message);
}

type Status = 'ok' | 'busy' | 'broken';

/**
 * CREATE/UPDATE/IMPORT_COMPLETE run what was deployed last. An update in progress will settle. A
 * rolled-back update runs the deployment before it (not what was just deployed); a failed creation
 * or a stack being deleted runs nothing trustworthy.
 */
function classify(status: string): Status {
  if (/ROLLBACK|DELETE|FAILED/.test(status)) return 'broken';
  if (status.endsWith('_COMPLETE')) return 'ok';
  return 'busy';
}

async function listResources(
  clients: DoctorClients,
  name: string,
): Promise<Map<string, { type: string; physicalId: string }>> {
  const out = new Map<string, { type: string; physicalId: string }>();
  let token: string | undefined;
  do {
    const page = await clients.cloudFormation.send(
      new ListStackResourcesCommand({ StackName: name, ...(token ? { NextToken: token } : {}) }),
    );
    for (const r of page.StackResourceSummaries ?? ([] as StackResourceSummary[]))
      if (r.LogicalResourceId && r.PhysicalResourceId && r.ResourceType)
        out.set(r.LogicalResourceId, { type: r.ResourceType, physicalId: r.PhysicalResourceId });
    token = page.NextToken;
  } while (token);
  return out;
}

/** Looks the stack up by name; undefined when it does not exist. Other errors are thrown. */
export async function describeStack(
  clients: DoctorClients,
  name: string,
): Promise<
  { status: string; id: string; created: Date; updated?: Date; outputs: Record<string, string> } | undefined
> {
  try {
    const out = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: name }));
    const stack = out.Stacks?.[0];
    if (!stack?.StackStatus || stack.StackStatus === 'DELETE_COMPLETE') return undefined;
    const outputs: Record<string, string> = {};
    for (const o of stack.Outputs ?? [])
      if (o.OutputKey && o.OutputValue) outputs[o.OutputKey] = o.OutputValue;
    return {
      status: stack.StackStatus,
      id: stack.StackId ?? '',
      created: stack.CreationTime ?? new Date(0),
      ...(stack.LastUpdatedTime ? { updated: stack.LastUpdatedTime } : {}),
      outputs,
    };
  } catch (err) {
    if (isMissingStack(err)) return undefined;
    throw err;
  }
}

export function isHealthyStatus(status: string): boolean {
  return classify(status) === 'ok';
}

/** The stack line; the stack itself when the other checks can read it. */
export async function checkStack(
  local: LocalSetup,
  clients: DoctorClients,
  now: Date,
): Promise<{ finding: Finding; stack?: DeployedStack }> {
  const where = `${local.prefix} in ${local.region}`;
  let found: Awaited<ReturnType<typeof describeStack>>;
  try {
    found = await describeStack(clients, local.prefix);
  } catch (err) {
    return { finding: fail('stack', `cannot describe ${where}: ${errorLine(err)}`) };
  }
  if (!found) {
    return {
      finding: fail(
        'stack',
        `${where} not found: deploy it (npx serverless deploy --stage ${local.stage} --region ${local.region}), or check --stage and --region`,
      ),
    };
  }
  const id = STACK_ID.exec(found.id);
  let resources: Map<string, { type: string; physicalId: string }>;
  try {
    resources = await listResources(clients, local.prefix);
  } catch (err) {
    return { finding: fail('stack', `cannot list the resources of ${where}: ${errorLine(err)}`) };
  }
  const stack: DeployedStack = {
    name: local.prefix,
    status: found.status,
    account: id?.[2] ?? '',
    partition: id?.[1] ?? 'aws',
    created: found.created,
    outputs: found.outputs,
    resources,
  };
  const last = found.updated ?? found.created;
  const when = `${found.updated ? 'updated' : 'created'} ${utc(last)} (${ago(last, now)})`;
  const text = `${where}: ${found.status}, ${when}`;
  switch (classify(found.status)) {
    case 'ok':
      return { finding: ok('stack', text), stack };
    case 'busy':
      return { finding: warn('stack', `${text}: run doctor again when it settles`), stack };
    default:
      return {
        finding: fail(
          'stack',
          found.status === 'UPDATE_ROLLBACK_COMPLETE'
            ? `${text}: the last update failed and was rolled back, so the stack runs the deployment before it; see the stack's events`
            : `${text}: see the stack's events in CloudFormation`,
        ),
        stack,
      };
  }
}

/** The deployed configuration against the local one (both hashed the same way, shared/config/compiled.ts). */
export function checkConfig(local: LocalSetup, stack: DeployedStack): Finding {
  const file = local.configFile;
  if (!local.config.ok) {
    const first = local.config.error.split('\n').slice(0, 2).join(' ');
    return fail('config', `${first} (cloud-alerts config check --stage ${local.stage} lists every problem)`);
  }
  const deployed = stack.outputs.CloudAlertsConfigDigest;
  if (!deployed)
    return warn(
      'config',
      `the stack has no CloudAlertsConfigDigest output (packaged by an older cloud-alerts?): deploy again so doctor can compare it with ${file}`,
    );
  if (deployed !== local.config.digest)
    return fail(
      'config',
      `the functions run another configuration than ${file} for stage ${local.stage}: deploy it, or pass --config the file that was deployed (the receivers checked below are this file's)`,
    );
  return ok('config', `the functions run ${file} as it is here (sha256 ${deployed.slice(0, 12)}…)`);
}
