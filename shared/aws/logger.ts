import { Logger } from '@aws-lambda-powertools/logger';

/** One logger per function; the service name comes from POWERTOOLS_SERVICE_NAME in serverless.yml. */
export function createLogger(fn: string): Logger {
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cloud-alerts',
    persistentKeys: { fn },
  });
}
