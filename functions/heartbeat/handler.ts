import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { requireEnv } from '../../shared/config/runtime.ts';
import { writeHeartbeat } from '../../shared/heartbeat/canary.ts';

// The canary (shared/heartbeat/heartbeat.ts): one PutParameter per scheduled invocation, nothing else.
const parameterName = requireEnv('HEARTBEAT_PARAMETER');
const ssm = new SSMClient({});

export const handler = () =>
  writeHeartbeat({ parameterName, putParameter: (input) => ssm.send(new PutParameterCommand(input)) });
