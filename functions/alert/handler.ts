import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { EventBridgeClient, putEventsWith } from '../../shared/aws/clients.ts';
import { createLogger } from '../../shared/aws/logger.ts';
import { loadRuntimeConfig, requireEnv } from '../../shared/config/runtime.ts';
import { handleAlertEvent } from '../../shared/pipeline/alert.ts';
import { defaultStages } from '../../shared/pipeline/default-stages.ts';

// Built once per cold start: a bad configuration fails here, loudly, before any event is lost.
const logger = createLogger('alert');
const config = loadRuntimeConfig();
const busName = requireEnv('ALERTS_BUS_NAME');
const putEvents = putEventsWith(new EventBridgeClient({}));
const stages = defaultStages(config, {});

export const handler = middy()
  .use(injectLambdaContext(logger))
  .handler((event: unknown) => handleAlertEvent(event, { config, busName, putEvents, logger, stages }));
