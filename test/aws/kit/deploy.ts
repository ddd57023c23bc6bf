import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  ValidateTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { BOOTSTRAP_KEYS } from './clients.ts';

const run = promisify(execFile);
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SERVERLESS = join(REPO, 'node_modules', '.bin', 'serverless');
const DEPLOY_TIMEOUT_MS = 240_000;
const OUTPUT_TAIL_CHARS = 3_000;

/**
 * What the AWS SDK in a child process may read: the emulator's endpoint and fake keys, and nothing
 * from the caller (no profile, no config file, no instance metadata), so no run can reach a real
 * account whatever the shell holds.
 */
export function emulatorEnv(endpoint: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

function tail(text: string): string {
  return text.length > OUTPUT_TAIL_CHARS ? `…${text.slice(-OUTPUT_TAIL_CHARS)}` : text;
}

async function serverless(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await run(SERVERLESS, args, { cwd: REPO, env, timeout: DEPLOY_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const out =
      e instanceof Error && 'stdout' in e && 'stderr' in e
        ? `${String(e.stdout)}\n${String(e.stderr)}`
        : String(e);
    throw new Error(`serverless ${args.join(' ')} failed:\n${tail(out)}`);
  }
}

/**
 * osls says a stack failed, not why. moto refuses a template cfn-lint finds anything in, and
 * CloudFormation's events tell why a resource failed: both are asked.
 */
async function whyDeployFailed(endpoint: string, region: string, stage: string, packageDir: string) {
  const cfn = new CloudFormationClient({ endpoint, region, credentials: BOOTSTRAP_KEYS });
  const why: string[] = [];
  const template = readFileSync(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8');
  await cfn.send(new ValidateTemplateCommand({ TemplateBody: template })).catch((e: unknown) => {
    why.push(`ValidateTemplate: ${e instanceof Error ? e.message : String(e)}`);
  });
  const events = await cfn
    .send(new DescribeStackEventsCommand({ StackName: `cloud-alerts-${stage}` }))
    .then((out) => out.StackEvents ?? [])
    .catch(() => []);
  for (const e of events) {
    if (e.ResourceStatus?.endsWith('FAILED')) {
      why.push(`${e.LogicalResourceId} ${e.ResourceStatus}: ${e.ResourceStatusReason ?? ''}`);
    }
  }
  return why;
}

/**
 * `serverless package` into `packageDir`, then `serverless deploy` of exactly that package against the
 * emulator, so the bundles the tier runs are the ones deployed. osls polls the stack every 5 s by
 * default; moto finishes at once, so it polls every 0.5 s here.
 */
export async function deployStage(options: {
  stage: string;
  region: string;
  endpoint: string;
  packageDir: string;
}): Promise<void> {
  const { stage, region, endpoint, packageDir } = options;
  const env = emulatorEnv(endpoint, { SLS_AWS_MONITORING_FREQUENCY: '500' });
  // Packaging compiles config/cloud-alerts.json for the stage; what was there before (say, dev's, for
  // `serverless invoke local`) is put back, so the tier leaves the working tree as it found it.
  const compiled = join(REPO, 'config', 'cloud-alerts.json');
  const before = existsSync(compiled) ? readFileSync(compiled) : undefined;
  try {
    await serverless(['package', '--stage', stage, '--region', region, '--package', packageDir], env);
    try {
      await serverless(['deploy', '--stage', stage, '--region', region, '--package', packageDir], env);
    } catch (e) {
      const why = await whyDeployFailed(endpoint, region, stage, packageDir);
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n${why.join('\n')}`);
    }
  } finally {
    if (before === undefined) rmSync(compiled, { force: true });
    else writeFileSync(compiled, before);
  }
}
