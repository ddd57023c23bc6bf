import '../../shared/aws/cold-start.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { createAlarmContextStage } from '../../shared/alarms/context-stage.ts';
import { cachedAlarmLookup, createCloudWatchAlarmLookup } from '../../shared/alarms/lookup.ts';
import { memberReaderFromEnv } from '../../shared/alarms/member-access.ts';
import { EventBridgeClient, putEventsWith } from '../../shared/aws/clients.ts';
import { createSqsGroupCloseQueue } from '../../shared/aws/group-close-queue.ts';
import { createLogger } from '../../shared/aws/logger.ts';
import { loadRuntimeConfig, requireEnv } from '../../shared/config/runtime.ts';
import { heartbeatIdentityFromEnv, powertoolsHeartbeat } from '../../shared/heartbeat/heartbeat.ts';
import { handleAlertEvent, publishAlerts } from '../../shared/pipeline/alert.ts';
import { defaultStages } from '../../shared/pipeline/default-stages.ts';
import { handleGroupCloseBatch, isSqsEvent } from '../../shared/pipeline/group-close.ts';
import {
  countingPutEvents,
  countSuppressions,
  METRICS_NAMESPACE,
  powertoolsCounter,
} from '../../shared/stages/metrics.ts';
import { createDynamoDbStateStore } from '../../shared/state/dynamodb.ts';

// Built once per cold start: a bad configuration fails here, loudly, before any event is lost.
const logger = createLogger('alert');
const metrics = new Metrics({ namespace: METRICS_NAMESPACE });
const counter = powertoolsCounter(metrics);
const config = loadRuntimeConfig();
const busName = requireEnv('ALERTS_BUS_NAME');
const putEvents = countingPutEvents(putEventsWith(new EventBridgeClient({})), counter);
// An organisation's member accounts: their alarms are read through the reader role they deploy.
const members = memberReaderFromEnv(process.env);
const alarmContext = createAlarmContextStage({
  lookup: cachedAlarmLookup(createCloudWatchAlarmLookup(members ? { members } : {}), {
    ttlSeconds: config.alarms.cacheSeconds,
  }),
  ownAccount: process.env.ACCOUNT_ID,
  readsMemberAccounts: members !== undefined,
});
const tableName = process.env.STATE_TABLE_NAME;
// serverless.yml always sets it; without it (a bare test harness) flapping, dedupe and grouping are off.
if (!tableName) logger.warn('STATE_TABLE_NAME is not set: flapping, dedupe and grouping are off');
const state = tableName
  ? createDynamoDbStateStore({ tableName, client: DynamoDBDocumentClient.from(new DynamoDBClient({})) })
  : undefined;
// Grouping summaries go out when their window closes: a message delayed on this queue, consumed below.
const groupCloseQueueUrl = process.env.GROUP_CLOSE_QUEUE_URL;
const groupClose = groupCloseQueueUrl
  ? createSqsGroupCloseQueue({ queueUrl: groupCloseQueueUrl })
  : undefined;
// The canary's writes (shared/heartbeat): recognised before detection, counted, never sent.
const heartbeatIdentity = heartbeatIdentityFromEnv(process.env);
if (!heartbeatIdentity)
  logger.warn(
    'CLOUD_ALERTS_PREFIX, STAGE, ACCOUNT_ID or AWS_REGION is not set: heartbeats are not recognised',
  );
const heartbeat = heartbeatIdentity && {
  identity: heartbeatIdentity,
  metric: powertoolsHeartbeat(metrics, requireEnv('STAGE')),
};
const stages = defaultStages(config, {
  alarmContext,
  ...(state ? { state } : {}),
  ...(groupClose ? { groupClose: groupClose.scheduler } : {}),
});

export const handler = middy()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (event: unknown) => {
    if (isSqsEvent(event)) {
      // Only the group-close queue triggers this function through SQS.
      if (!state || !groupClose)
        throw new Error('group-close messages need STATE_TABLE_NAME and GROUP_CLOSE_QUEUE_URL');
      return handleGroupCloseBatch(event, {
        store: state,
        publish: (alerts) => publishAlerts(alerts, { config, busName, putEvents, logger }),
        requeue: groupClose.requeue,
        logger,
      });
    }
    const outcome = await handleAlertEvent(event, { config, busName, putEvents, logger, stages, heartbeat });
    countSuppressions(counter, outcome.suppressed);
    return outcome;
  });
