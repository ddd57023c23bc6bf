import '../../shared/aws/cold-start.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { createAlertApp } from '../../shared/app/alert.ts';
import { lambdaAlertPorts } from '../../shared/app/lambda.ts';
import { invokedLocally, printToStdout } from '../../shared/app/local.ts';
import { localAlertPorts, printStages } from '../../shared/app/local-alert.ts';
import { createLogger } from '../../shared/aws/logger.ts';
import { loadRuntimeConfig } from '../../shared/config/runtime.ts';
import { heartbeatIdentityFromEnv, powertoolsHeartbeat } from '../../shared/heartbeat/heartbeat.ts';
import { METRICS_NAMESPACE, powertoolsCounter } from '../../shared/stages/metrics.ts';

// Built once per cold start: a bad configuration or a missing variable fails here, before any event is lost.
const logger = createLogger('alert');
const config = loadRuntimeConfig();
// `serverless invoke local` runs the same application on ports that print instead of sending.
const local = invokedLocally(process.env);
// Metrics' own warnings (an invocation that counted nothing) go through the function's logger: JSON like
// every other line, and under its log level rather than raw on stdout.
const metrics = local ? undefined : new Metrics({ namespace: METRICS_NAMESPACE, logger });

// The canary's writes (shared/heartbeat): recognised before detection, counted, never sent.
const heartbeatIdentity = heartbeatIdentityFromEnv(process.env);
if (!heartbeatIdentity && !local)
  logger.warn(
    'CLOUD_ALERTS_PREFIX, STAGE, ACCOUNT_ID or AWS_REGION is not set: heartbeats are not recognised',
  );

export const app = createAlertApp(
  config,
  metrics
    ? lambdaAlertPorts(config, process.env, {
        logger,
        counter: powertoolsCounter(metrics),
        heartbeat: heartbeatIdentity && {
          identity: heartbeatIdentity,
          // heartbeatIdentityFromEnv read STAGE: it is set whenever the identity is.
          metric: powertoolsHeartbeat(metrics, process.env.STAGE ?? ''),
        },
      })
    : localAlertPorts(process.env, { logger, print: printToStdout }),
);
if (local) printStages(app, printToStdout);

const chain = middy().use(injectLambdaContext(logger));
if (metrics) chain.use(logMetrics(metrics));
export const handler = chain.handler((event: unknown) => app.handle(event));
