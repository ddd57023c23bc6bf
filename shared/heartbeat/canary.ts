import type { PutParameterCommandInput } from '@aws-sdk/client-ssm';

export interface CanaryDeps {
  /** The heartbeat parameter (`HEARTBEAT_PARAMETER`, set from custom.heartbeatParameter). */
  parameterName: string;
  putParameter: (input: PutParameterCommandInput) => Promise<unknown>;
  now?: () => Date;
}

/**
 * The canary's one write: the time, overwriting the last. Standard tier named explicitly, so an
 * account whose default tier is Advanced or Intelligent-Tiering is not charged for it
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-default-tier.html). A failure is
 * thrown: Lambda retries it, and a heartbeat that never arrives is what the alarm is for.
 */
export async function writeHeartbeat(deps: CanaryDeps): Promise<{ parameter: string; time: string }> {
  const time = (deps.now?.() ?? new Date()).toISOString();
  await deps.putParameter({
    Name: deps.parameterName,
    Value: time,
    Type: 'String',
    Tier: 'Standard',
    Overwrite: true,
  });
  return { parameter: deps.parameterName, time };
}
