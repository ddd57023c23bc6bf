import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { cachedAlarmLookup, createCloudWatchAlarmLookup } from '../alarms/lookup.ts';
import { memberReaderFromEnv } from '../alarms/member-access.ts';
import { EventBridgeClient, putEventsWith } from '../aws/clients.ts';
import { createTrailLookupPort } from '../aws/evidence/cloudtrail.ts';
import { createLogEventsPort } from '../aws/evidence/logs.ts';
import { createAlarmStatesPort, createMetricDataPort } from '../aws/evidence/metric-data.ts';
import { createSqsGroupCloseQueue } from '../aws/group-close-queue.ts';
import type { Config } from '../config/schema.ts';
import type { EvidencePorts } from '../evidence/ports.ts';
import type { HeartbeatDeps } from '../heartbeat/heartbeat.ts';
import type { LogPort } from '../pipeline/logger.ts';
import type { CounterPort } from '../stages/metrics.ts';
import { createDynamoDbStateStore } from '../state/dynamodb.ts';
import type { AlertPorts } from './alert.ts';

/**
 * What serverless.yml gives the alert function (functions.alert.environment). Each one is needed for
 * the function to do what Lambda must do: without the state table or the group-close queue, dedupe and
 * grouping would quietly stop; without its own account id, an alarm forwarded from a member account
 * would be looked up by name in this account and could borrow the tags of a namesake.
 */
export const ALERT_FUNCTION_ENV = [
  'ALERTS_BUS_NAME',
  'STATE_TABLE_NAME',
  'GROUP_CLOSE_QUEUE_URL',
  'ACCOUNT_ID',
] as const;

type AlertEnv = Record<(typeof ALERT_FUNCTION_ENV)[number], string>;

export class MissingConfigurationError extends Error {
  override readonly name = 'MissingConfigurationError';
}

function hasAll<N extends string>(
  vars: Partial<Record<N, string>>,
  names: readonly N[],
): vars is Record<N, string> {
  return names.every((n) => Boolean(vars[n]));
}

/** Every variable in `names`, or one error naming all that are missing, so a bad deploy fails its cold start once, clearly. */
export function requiredEnv<const N extends string>(
  fn: string,
  names: readonly N[],
  env: Readonly<Record<string, string | undefined>>,
): Record<N, string> {
  const vars: Partial<Record<N, string>> = {};
  for (const n of names) if (env[n]) vars[n] = env[n];
  if (hasAll(vars, names)) return vars;
  const missing = names.filter((n) => !vars[n]);
  const [what, verb, it] = missing.length > 1 ? ['variables', 'are', 'them'] : ['variable', 'is', 'it'];
  throw new MissingConfigurationError(
    `${fn} function cannot start: environment ${what} ${missing.join(', ')} ${verb} not set (serverless.yml sets ${it} on deploy)`,
  );
}

/**
 * Evidence read with the function's own role (shared/config/evidence-access.ts grants exactly these):
 * each client loads on its first read, so a CloudTrail event never loads CloudWatch Logs.
 */
export function lambdaEvidencePorts(config: Config): EvidencePorts | undefined {
  const { evidence } = config;
  if (!evidence.enabled) return undefined;
  return {
    metricData: createMetricDataPort(),
    alarmStates: createAlarmStatesPort(),
    ...(evidence.logs.enabled ? { logEvents: createLogEventsPort() } : {}),
    ...(evidence.history.enabled ? { trailLookup: createTrailLookupPort() } : {}),
  };
}

/**
 * The alert function's ports in AWS, from its environment. Only the clients every invocation uses are
 * created here (EventBridge, DynamoDB); CloudWatch, STS and SQS load on first use (docs/deploy.md).
 */
export function lambdaAlertPorts(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  parts: { logger: LogPort; counter?: CounterPort; heartbeat?: HeartbeatDeps | undefined },
): AlertPorts {
  const vars: AlertEnv = requiredEnv('alert', ALERT_FUNCTION_ENV, env);
  // An organisation's member accounts: their alarms are read through the reader role they deploy.
  const members = memberReaderFromEnv(env);
  const groupClose = createSqsGroupCloseQueue({ queueUrl: vars.GROUP_CLOSE_QUEUE_URL });
  return {
    bus: { name: vars.ALERTS_BUS_NAME, putEvents: putEventsWith(new EventBridgeClient({})) },
    state: createDynamoDbStateStore({
      tableName: vars.STATE_TABLE_NAME,
      client: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    }),
    groupClose,
    alarms: {
      lookup: cachedAlarmLookup(createCloudWatchAlarmLookup(members ? { members } : {}), {
        ttlSeconds: config.alarms.cacheSeconds,
      }),
      ownAccount: vars.ACCOUNT_ID,
      readsMemberAccounts: members !== undefined,
    },
    evidence: lambdaEvidencePorts(config),
    logger: parts.logger,
    ...(parts.counter ? { counter: parts.counter } : {}),
    ...(parts.heartbeat ? { heartbeat: parts.heartbeat } : {}),
  };
}
