import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { ParameterMetadata } from '@aws-sdk/client-ssm';
import { heartbeatParameterName } from '../heartbeat/heartbeat.ts';
import {
  checkAlarms,
  checkDeadLetters,
  checkEmail,
  checkGlobalEvents,
  checkHeartbeat,
  checkSecrets,
  describeOwnAlarms,
  describeParameters,
  heartbeatAlarmName,
  lastHeartbeat,
  secretParameters,
} from './checks.ts';
import type { ClientsFor } from './clients.ts';
import type { LocalSetup } from './local.ts';
import { type Finding, skip } from './report.ts';
import { checkRules } from './rules.ts';
import { sendTest } from './send-test.ts';
import { checkConfig, checkStack } from './stack.ts';

export interface DoctorOptions {
  local: LocalSetup;
  clientsFor: ClientsFor;
  now?: () => Date;
  /** Put a test notification through the deployed pipeline to every receiver, waiting this long. */
  sendTest?: { timeoutMs: number; pollMs?: number; sleep?: (ms: number) => Promise<void> } | undefined;
}

/** An error as a value, so one failing call fails its own check and no other. */
function settle<T>(p: Promise<T>): Promise<T | Error> {
  return p.catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
}

const DEPENDS_ON_STACK = [
  'config',
  'rules',
  'secret',
  'e-mail',
  'us-east-1',
  'dead letters',
  'alarms',
  'heartbeat',
];

/**
 * Every check, reported in a fixed order: the stack first (the others read its resources), then the
 * rest, which run side by side; `--send-test` last.
 */
export async function runDoctor(opts: DoctorOptions, report: (f: Finding) => void): Promise<Finding[]> {
  const now = opts.now ?? (() => new Date());
  const { local } = opts;
  const clients = opts.clientsFor(local.region);
  const findings: Finding[] = [];
  const emit = (f: Finding | Finding[]) => {
    for (const one of Array.isArray(f) ? f : [f]) {
      findings.push(one);
      report(one);
    }
  };

  const { finding, stack } = await checkStack(local, clients, now());
  emit(finding);
  if (!stack) {
    for (const check of DEPENDS_ON_STACK) emit(skip(check, 'needs the stack'));
    if (opts.sendTest) emit(skip('send-test', 'needs the stack'));
    return findings;
  }
  const config = local.config.ok ? local.config.value : undefined;
  const heartbeatParameter = heartbeatParameterName(local.service, local.stage);
  const parameterNames = [
    ...(config ? secretParameters(config).map((s) => s.parameter) : []),
    heartbeatParameter,
  ];

  const [rules, parameters, email, global, deadLetters, alarms] = await Promise.all([
    checkRules(local, stack, clients),
    settle<Map<string, ParameterMetadata>>(describeParameters(clients.ssm, parameterNames)),
    checkEmail(config, stack, clients),
    checkGlobalEvents(local, stack, opts.clientsFor),
    checkDeadLetters(stack, clients),
    settle<MetricAlarm[]>(describeOwnAlarms(clients.cloudWatch, local.prefix)),
  ]);
  const heartbeatAlarm =
    alarms instanceof Error
      ? undefined
      : alarms.find((a) => a.AlarmName === heartbeatAlarmName(local.prefix));
  const last = await settle(lastHeartbeat(clients.cloudWatch, heartbeatAlarm, local.prefix, now()));

  emit(checkConfig(local, stack));
  emit(rules);
  emit(config ? checkSecrets(local, config, parameters) : skip('secret', 'needs a valid configuration'));
  emit(email);
  emit(global);
  emit(deadLetters);
  emit(checkAlarms(local, stack, alarms, now()));
  emit(checkHeartbeat(local, stack, last, parameters, now()));

  if (opts.sendTest) {
    if (!config) emit(skip('send-test', 'needs a valid configuration'));
    else
      emit(
        await sendTest({
          local,
          config,
          stack,
          clients,
          now,
          timeoutMs: opts.sendTest.timeoutMs,
          ...(opts.sendTest.pollMs !== undefined ? { pollMs: opts.sendTest.pollMs } : {}),
          ...(opts.sendTest.sleep ? { sleep: opts.sendTest.sleep } : {}),
        }),
      );
  }
  return findings;
}
