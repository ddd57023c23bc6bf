import { lambdaLink, rdsLink } from '../enrich/links.ts';
import { isOwnFunction, reservedConcurrency } from './alerting.ts';
import type { CloudTrailRule } from './types.ts';
import { field, str } from './values.ts';

/** Operational changes people ask "who did this?" about: Lambda concurrency, stopped or deleted databases. */
const FEED = 'resource-changes';

export const lambdaConcurrencyChanged: CloudTrailRule = {
  id: 'lambda-concurrency-changed',
  title: 'Lambda concurrency changed',
  severity: 'high',
  description:
    'Reserved concurrency set (medium; 0 is high: the function stops running) or removed (low). CloudTrail names these calls with an API version suffix.',
  feed: FEED,
  eventSource: 'lambda.amazonaws.com',
  // Recorded as PutFunctionConcurrency20171031 / DeleteFunctionConcurrency20171031.
  // https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html
  eventNames: ['PutFunctionConcurrency*', 'DeleteFunctionConcurrency*'],
  needs: ['requestParameters'],
  check(record, ctx) {
    const fn = str(field(record.requestParameters, 'functionName')) ?? 'unknown function';
    const name = fn.startsWith('arn:') ? (fn.split(':')[6] ?? fn) : fn;
    const resource = { type: 'Lambda function', name, ...(fn.startsWith('arn:') ? { arn: fn } : {}) };
    const links = [lambdaLink(record.awsRegion ?? ctx.region, fn)];
    if (record.eventName.startsWith('DeleteFunctionConcurrency')) {
      return {
        action: `removed the reserved concurrency of function ${name}`,
        severity: 'low',
        verdict: 'The function now shares the account’s unreserved pool: no limit, no guarantee.',
        resource,
        links,
      };
    }
    const n = reservedConcurrency(record);
    // cloud-alerts' own functions throttled to zero (or to a value the event does not show) are
    // someone switching off alerting: alerting-function-disabled raises that one alert, critical.
    if (isOwnFunction(fn, ctx) && (n === 0 || Number.isNaN(n))) return null;
    const zero = n === 0;
    return {
      action: `set the reserved concurrency of function ${name} to ${Number.isNaN(n) ? 'an unknown value' : n}`,
      severity: zero ? 'high' : 'medium',
      verdict: zero
        ? 'The function is throttled completely: every invocation fails until this is raised.'
        : `At most ${Number.isNaN(n) ? 'that many' : n} concurrent executions: more are throttled.`,
      resource,
      links,
      ...(Number.isNaN(n) ? {} : { facts: [{ label: 'Reserved concurrency', value: String(n) }] }),
    };
  },
};

export const rdsStoppedOrDeleted: CloudTrailRule = {
  id: 'rds-stopped-or-deleted',
  title: 'RDS database stopped or deleted',
  severity: 'high',
  description:
    'An RDS instance or Aurora cluster stopped or deleted (medium); deleted without a final snapshot (high).',
  feed: FEED,
  eventSource: 'rds.amazonaws.com',
  eventNames: ['StopDBInstance', 'DeleteDBInstance', 'StopDBCluster', 'DeleteDBCluster'],
  needs: ['requestParameters'],
  check(record, ctx) {
    const rp = record.requestParameters;
    const cluster = record.eventName.endsWith('Cluster');
    const id = str(field(rp, cluster ? 'dBClusterIdentifier' : 'dBInstanceIdentifier')) ?? 'unknown database';
    const kind = cluster ? 'DB cluster' : 'DB instance';
    const resource = { type: `RDS ${kind}`, name: id };
    const links = [rdsLink(record.awsRegion ?? ctx.region, cluster ? 'cluster' : 'instance', id)];
    if (record.eventName.startsWith('Stop')) {
      return {
        action: `stopped ${kind} ${id}`,
        severity: 'medium',
        verdict: 'Unavailable until started; RDS starts it again by itself after seven days.',
        resource,
        links,
      };
    }
    const skip = field(rp, 'skipFinalSnapshot');
    const noSnapshot = skip === true || skip === 'true';
    const snapshot = str(field(rp, 'finalDBSnapshotIdentifier'));
    return {
      action: `deleted ${kind} ${id}${noSnapshot ? ' without a final snapshot' : ''}`,
      severity: noSnapshot ? 'high' : 'medium',
      verdict: noSnapshot
        ? 'Data since the last retained backup is gone for good.'
        : 'Deleted; a final snapshot was requested: confirm it exists.',
      resource,
      links,
      ...(snapshot ? { facts: [{ label: 'Final snapshot', value: snapshot }] } : {}),
    };
  },
};

export const RESOURCE_RULES: readonly CloudTrailRule[] = [lambdaConcurrencyChanged, rdsStoppedOrDeleted];
