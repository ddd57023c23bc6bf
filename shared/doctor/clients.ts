import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';

/**
 * The AWS clients of one region. Only reads, except `--send-test`'s PutEvents on the alerts bus. No
 * call reads a secret: parameters are described (name, type, date), never fetched.
 */
export interface DoctorClients {
  cloudFormation: Pick<CloudFormationClient, 'send'>;
  eventBridge: Pick<EventBridgeClient, 'send'>;
  ssm: Pick<SSMClient, 'send'>;
  sns: Pick<SNSClient, 'send'>;
  sqs: Pick<SQSClient, 'send'>;
  cloudWatch: Pick<CloudWatchClient, 'send'>;
  logs: Pick<CloudWatchLogsClient, 'send'>;
  sts: Pick<STSClient, 'send'>;
}

/** Clients for a region: the home region, and us-east-1 where IAM events are recorded. */
export type ClientsFor = (region: string) => DoctorClients;
