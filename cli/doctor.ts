import { existsSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { configPath } from '../shared/config/runtime.ts';
import type { ClientsFor, DoctorClients } from '../shared/doctor/clients.ts';
import { runDoctor } from '../shared/doctor/doctor.ts';
import { type LocalSetup, readLocalSetup } from '../shared/doctor/local.ts';
import { exitCode, formatFinding, summaryLine } from '../shared/doctor/report.ts';
import { terminalLine } from '../shared/util/terminal.ts';
import { argsError, COMMANDS, commandUsage } from './commands.ts';
import { type CliIo, EXIT_USAGE } from './io.ts';

const USAGE = commandUsage('doctor');

/** serverless.yml's default region, when neither --region nor the environment names one. */
const DEFAULT_REGION = 'eu-west-1';
const DEFAULT_TIMEOUT_SECONDS = 120;
const MAX_TIMEOUT_SECONDS = 900;
const STAGE = /^[A-Za-z0-9-]{1,64}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * Real clients, one set per region, made when first asked for. With an endpoint override (an
 * emulator, AWS_ENDPOINT_URL), SQS calls go there too instead of to the host in the queue URL.
 */
export function sdkClients(env: NodeJS.ProcessEnv = process.env): ClientsFor {
  const sqsOptions = env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_SQS ? { useQueueUrlAsEndpoint: false } : {};
  const made = new Map<string, DoctorClients>();
  return (region) => {
    let clients = made.get(region);
    if (!clients) {
      clients = {
        cloudFormation: new CloudFormationClient({ region }),
        eventBridge: new EventBridgeClient({ region }),
        ssm: new SSMClient({ region }),
        sns: new SNSClient({ region }),
        sqs: new SQSClient({ region, ...sqsOptions }),
        cloudWatch: new CloudWatchClient({ region }),
        logs: new CloudWatchLogsClient({ region }),
        sts: new STSClient({ region }),
      };
      made.set(region, clients);
    }
    return clients;
  };
}

/** A path as the user would type it: relative to the working directory when it lies inside it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export interface DoctorDeps {
  clientsFor?: ClientsFor;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * `cloud-alerts doctor`: the post-deploy check. One line per check; exit 0 when healthy (warnings
 * allowed), 1 when a problem was found, 2 for a usage error. It reads, and writes only with
 * --send-test (a test notification per receiver on the alerts bus). It never reads a secret.
 */
export async function doctorCommand(argv: string[], io: CliIo, deps: DoctorDeps = {}): Promise<number> {
  let values: {
    stage?: string | undefined;
    region?: string | undefined;
    config?: string | undefined;
    serverless?: string | undefined;
    'send-test'?: boolean | undefined;
    timeout?: string | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: COMMANDS.doctor.options,
    }));
  } catch (err) {
    io.stderr(`doctor: ${terminalLine(argsError(err))}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const usage = (problem: string) => {
    io.stderr(`doctor: ${terminalLine(problem)}\n${USAGE}`);
    return EXIT_USAGE;
  };
  const stage = values.stage ?? io.env.STAGE ?? 'dev';
  if (!STAGE.test(stage)) return usage(`not a stage name: ${stage}`);
  const region = values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? DEFAULT_REGION;
  if (!REGION.test(region)) return usage(`not a region: ${region}`);
  if (values.timeout !== undefined && !values['send-test']) return usage('--timeout goes with --send-test');
  const timeout = values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TIMEOUT_SECONDS)
    return usage(`--timeout must be a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}`);
  const serverlessFile = values.serverless ?? 'serverless.yml';
  if (!existsSync(serverlessFile))
    return usage(`${serverlessFile} not found (run from the project folder or pass --serverless)`);

  let local: LocalSetup;
  try {
    local = readLocalSetup({
      serverlessFile,
      configFile: values.config ?? shown(configPath(io.env)),
      stage,
      region,
    });
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }

  io.stdout(`cloud-alerts doctor: stage ${stage}, region ${region}\n`);
  const findings = await runDoctor(
    {
      local,
      clientsFor: deps.clientsFor ?? sdkClients(io.env),
      ...(deps.now ? { now: deps.now } : {}),
      sendTest: values['send-test']
        ? { timeoutMs: timeout * 1000, ...(deps.sleep ? { sleep: deps.sleep } : {}) }
        : undefined,
    },
    (f) => io.stdout(`${formatFinding(f)}\n`),
  );
  io.stdout(`${summaryLine(findings)}\n`);
  return exitCode(findings);
}
