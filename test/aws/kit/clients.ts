import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** moto accepts any key until IAM is enforced; these are never valid after. */
export const BOOTSTRAP_KEYS: Keys = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * Clients for the emulator with explicit endpoint, region and keys: nothing from the caller's
 * environment or profile, so the tier cannot touch a real account.
 */
export function awsClients(endpoint: string, region: string, credentials: Keys) {
  const config = { endpoint, region, credentials, maxAttempts: 1 };
  return {
    cfn: new CloudFormationClient(config),
    ddb: new DynamoDBClient(config),
    events: new EventBridgeClient(config),
    iam: new IAMClient(config),
    lambda: new LambdaClient(config),
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
    ssm: new SSMClient(config),
    sts: new STSClient(config),
  };
}
export type AwsClients = ReturnType<typeof awsClients>;
