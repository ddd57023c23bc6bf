import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { REPO } from './deploy.ts';

const INVOKE_RUNNER = join(REPO, 'test', 'aws', 'kit', 'invoke.cjs');
/** The SDK the bundles leave out (serverless.yml, esbuild.exclude), as the runtime provides it. */
const RUNTIME_SDK = join(REPO, 'node_modules');
const INVOKE_SLACK_MS = 15_000;

export interface DeployedFunction {
  name: string;
  arn: string;
  /** `functions/notify-slack/handler.handler`: file and export. */
  handler: string;
  roleArn: string;
  runtime: string;
  timeout: number;
  memorySize: number;
  environment: Record<string, string>;
  codeSha256: string;
}

export async function readFunction(lambda: LambdaClient, name: string): Promise<DeployedFunction> {
  const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  if (!c.FunctionArn || !c.Handler || !c.Role || !c.Runtime || !c.CodeSha256) {
    throw new Error(`GetFunctionConfiguration(${name}) left out a field the tier needs`);
  }
  return {
    name,
    arn: c.FunctionArn,
    handler: c.Handler,
    roleArn: c.Role,
    runtime: c.Runtime,
    timeout: c.Timeout ?? 3,
    memorySize: c.MemorySize ?? 128,
    environment: { ...(c.Environment?.Variables ?? {}) },
    codeSha256: c.CodeSha256,
  };
}

/** Lambda's CodeSha256: the base64 SHA-256 of the deployment package. */
export function codeSha256(zipPath: string): string {
  return createHash('sha256').update(readFileSync(zipPath)).digest('base64');
}

/** Unzips a deployment package as Lambda does into /var/task (python3's zipfile: moto needs python3 anyway). */
export function extractPackage(zipPath: string, into: string): string {
  mkdirSync(into, { recursive: true });
  execFileSync('python3', ['-m', 'zipfile', '-e', zipPath, into]);
  return into;
}

export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface Invocation {
  ok: boolean;
  phase?: 'init' | 'invoke';
  errorType?: string;
  errorMessage?: string;
  /** The error's cause chain, which Lambda's own error report leaves out. */
  causes: string[];
  result?: unknown;
  /** Everything the function wrote: what CloudWatch Logs would hold. */
  logs: string;
  /** Connections the function tried to open to anything but 127.0.0.1 (refused). */
  refusedConnections: string[];
}

function parseInvocation(text: string, logs: string): Invocation {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || !('ok' in parsed))
    throw new Error('bad runner output');
  const r: Record<string, unknown> = { ...parsed };
  return {
    ok: r.ok === true,
    ...(r.phase === 'init' || r.phase === 'invoke' ? { phase: r.phase } : {}),
    ...(typeof r.errorType === 'string' ? { errorType: r.errorType } : {}),
    ...(typeof r.errorMessage === 'string' ? { errorMessage: r.errorMessage } : {}),
    causes: Array.isArray(r.causes) ? r.causes.map(String) : [],
    ...('result' in r ? { result: r.result } : {}),
    logs,
    refusedConnections: Array.isArray(r.refusedConnections) ? r.refusedConnections.map(String) : [],
  };
}

/**
 * Runs the function's built bundle once, in a fresh node process (a cold start), with the environment
 * Lambda would give it: the variables deployed on the function, the runtime's own (region, name,
 * LAMBDA_TASK_ROOT) and its role's session credentials. Its AWS calls go to `endpoint`.
 */
export async function invoke(
  fn: DeployedFunction,
  taskRoot: string,
  event: unknown,
  options: { endpoint: string; region: string; credentials: RoleCredentials; env?: Record<string, string> },
): Promise<Invocation> {
  const dot = fn.handler.lastIndexOf('.');
  const bundle = join(taskRoot, `${fn.handler.slice(0, dot)}.cjs`);
  const work = mkdtempSync(join(tmpdir(), 'cloud-alerts-invoke-'));
  const eventFile = join(work, 'event.json');
  const resultFile = join(work, 'result.json');
  writeFileSync(eventFile, JSON.stringify(event));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_PATH: RUNTIME_SDK,
    TZ: 'UTC',
    ...fn.environment,
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    // Set by Lambda for an on-demand function; Powertools reads it to tell cold starts apart.
    // https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: options.credentials.sessionToken,
    AWS_ENDPOINT_URL: options.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...options.env,
  };
  try {
    const logs = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [INVOKE_RUNNER, bundle, fn.handler.slice(dot + 1), eventFile, resultFile, String(fn.timeout), fn.arn],
        { cwd: taskRoot, env, timeout: fn.timeout * 1000 + INVOKE_SLACK_MS, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error)
            reject(new Error(`${fn.name}: the runner failed (${error.message})\n${stdout}\n${stderr}`));
          else resolve(`${stdout}${stderr}`);
        },
      );
    });
    return parseInvocation(readFileSync(resultFile, 'utf8'), logs);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
