import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { invokedLocally, printToStdout } from '../../shared/app/local-env.ts';
import { requireEnv } from '../../shared/config/runtime.ts';
import { writeHeartbeat } from '../../shared/heartbeat/canary.ts';

// The canary (shared/heartbeat/heartbeat.ts): one PutParameter per scheduled invocation, nothing else.
const parameterName = requireEnv('HEARTBEAT_PARAMETER');
// `serverless invoke local` prints the write it would make: it must never write with the user's own
// credentials (that write would be a heartbeat from the wrong identity, or fail without credentials).
const putParameter = invokedLocally(process.env)
  ? async (input: ConstructorParameters<typeof PutParameterCommand>[0]) => {
      printToStdout(
        `serverless invoke local: would call ssm:PutParameter ${JSON.stringify(input)} (nothing sent)\n`,
      );
      return {};
    }
  : (() => {
      const ssm = new SSMClient({});
      return (input: ConstructorParameters<typeof PutParameterCommand>[0]) =>
        ssm.send(new PutParameterCommand(input));
    })();

export const handler = () => writeHeartbeat({ parameterName, putParameter });
