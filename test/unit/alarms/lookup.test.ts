import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { useFakeAwsEnv } from '../../helpers/aws-env.ts';
import 'aws-sdk-client-mock-jest';
import {
  type AlarmLookup,
  AlarmLookupError,
  cachedAlarmLookup,
  clearAlarmContextCache,
  createCloudWatchAlarmLookup,
} from '../../../shared/alarms/lookup.ts';

const ARN = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:example-orders-api-errors';
const COMPOSITE_ARN = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:example-checkout-health';

describe('createCloudWatchAlarmLookup', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  useFakeAwsEnv();

  beforeEach(() => {
    cloudwatch.reset();
  });

  it('asks DescribeAlarms by name and ListTagsForResource by ARN, and merges the answers', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        {
          AlarmName: 'example-orders-api-errors',
          AlarmDescription: 'orders API errors',
          Threshold: 5,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 3,
          DatapointsToAlarm: 2,
        },
      ],
    });
    cloudwatch.on(ListTagsForResourceCommand).resolves({
      Tags: [
        { Key: 'team', Value: 'orders' },
        { Key: 'severity', Value: 'critical' },
      ],
    });
    const lookup = createCloudWatchAlarmLookup();
    await expect(lookup(ARN, 'eu-west-1')).resolves.toEqual({
      tags: { team: 'orders', severity: 'critical' },
      description: 'orders API errors',
      threshold: 5,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNames: ['example-orders-api-errors'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    });
    expect(cloudwatch).toHaveReceivedCommandWith(ListTagsForResourceCommand, { ResourceARN: ARN });
  });

  it('takes the description of a composite alarm', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      CompositeAlarms: [{ AlarmName: 'example-checkout-health', AlarmDescription: 'checkout health' }],
    });
    cloudwatch.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    const context = await createCloudWatchAlarmLookup()(COMPOSITE_ARN, 'eu-west-1');
    expect(context).toEqual({
      tags: {},
      description: 'checkout health',
      threshold: undefined,
      comparisonOperator: undefined,
      evaluationPeriods: undefined,
      datapointsToAlarm: undefined,
    });
  });

  it('answers undefined for an alarm that no longer exists and has no tags', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
    cloudwatch.on(ListTagsForResourceCommand).resolves({});
    await expect(createCloudWatchAlarmLookup()(ARN, 'eu-west-1')).resolves.toBeUndefined();
  });

  it('wraps a failed call in AlarmLookupError with the SDK error as cause', async () => {
    const denied = new ResourceNotFoundException({ message: 'alarm not found', $metadata: {} });
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    cloudwatch.on(ListTagsForResourceCommand).rejects(denied);
    const error = await createCloudWatchAlarmLookup()(ARN, 'eu-west-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlarmLookupError);
    expect(error).toMatchObject({
      alarmArn: ARN,
      cause: denied,
      message: `looking up alarm ${ARN} failed: ResourceNotFoundException: alarm not found`,
    });
  });

  it('refuses an ARN that names no alarm without calling CloudWatch', async () => {
    await expect(
      createCloudWatchAlarmLookup()('arn:aws:sns:eu-west-1:123456789012:topic', 'eu-west-1'),
    ).rejects.toBeInstanceOf(AlarmLookupError);
    expect(cloudwatch).not.toHaveReceivedAnyCommand();
  });

  it('uses the client for the alarm region', async () => {
    const regions: string[] = [];
    cloudwatch.on(DescribeAlarmsCommand).resolves({});
    cloudwatch.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'team', Value: 'x' }] });
    const lookup = createCloudWatchAlarmLookup({
      clientFor: (region) => {
        regions.push(region);
        return new CloudWatchClient({ region });
      },
    });
    await lookup(ARN.replace('eu-west-1', 'us-east-2'), 'us-east-2');
    expect(regions).toEqual(['us-east-2']);
  });
});

describe('createCloudWatchAlarmLookup across member accounts', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  useFakeAwsEnv();
  beforeEach(() => {
    cloudwatch.reset();
    cloudwatch.on(DescribeAlarmsCommand).resolves({});
    cloudwatch.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'team', Value: 'x' }] });
  });

  it('keeps at most 200 member clients, dropping and closing the least recently used', async () => {
    const destroyed: CloudWatchClient[] = [];
    const realDestroy = CloudWatchClient.prototype.destroy;
    CloudWatchClient.prototype.destroy = function (this: CloudWatchClient) {
      destroyed.push(this);
    };
    try {
      const lookup = createCloudWatchAlarmLookup({
        members: {
          ownAccount: '123456789012',
          roleName: 'cloud-alerts-dev-alarm-reader',
          credentials: () => async () => {
            throw new Error('not signed: the client is mocked');
          },
        },
      });
      const account = (i: number) => String(200000000000 + i);
      const clientOf = async (i: number) => {
        cloudwatch.send.resetHistory();
        await lookup(`arn:aws:cloudwatch:eu-west-1:${account(i)}:alarm:a`, 'eu-west-1');
        return cloudwatch.send.getCall(0).thisValue as CloudWatchClient;
      };
      const clients = new Map<number, CloudWatchClient>();
      for (let i = 1; i <= 200; i++) clients.set(i, await clientOf(i));
      expect(new Set(clients.values()).size).toBe(200);
      expect(destroyed).toEqual([]);
      // Account 1 is used again (it becomes the most recent); the 201st account evicts account 2.
      expect(await clientOf(1)).toBe(clients.get(1));
      await clientOf(201);
      expect(destroyed).toEqual([clients.get(2)]);
      // The evicted account gets a new client when it comes back.
      expect(await clientOf(2)).not.toBe(clients.get(2));
    } finally {
      CloudWatchClient.prototype.destroy = realDestroy;
    }
  });
});

describe('cachedAlarmLookup', () => {
  let calls: number;
  let clock: number;
  let fail: boolean;
  const inner: AlarmLookup = async (arn) => {
    calls++;
    if (fail) throw new AlarmLookupError(arn, { cause: new Error('Throttling') });
    return { tags: { call: String(calls) } };
  };

  beforeEach(() => {
    clearAlarmContextCache();
    calls = 0;
    clock = 1_000_000;
    fail = false;
  });

  it('answers from the cache within the TTL', async () => {
    const lookup = cachedAlarmLookup(inner, { ttlSeconds: 300, now: () => clock });
    await lookup(ARN, 'eu-west-1');
    clock += 299_000;
    await expect(lookup(ARN, 'eu-west-1')).resolves.toEqual({ tags: { call: '1' } });
    expect(calls).toBe(1);
  });

  it('asks again once the TTL has passed', async () => {
    const lookup = cachedAlarmLookup(inner, { ttlSeconds: 300, now: () => clock });
    await lookup(ARN, 'eu-west-1');
    clock += 300_000;
    await expect(lookup(ARN, 'eu-west-1')).resolves.toEqual({ tags: { call: '2' } });
    expect(calls).toBe(2);
  });

  it('keeps alarms apart', async () => {
    const lookup = cachedAlarmLookup(inner, { ttlSeconds: 300, now: () => clock });
    await lookup(ARN, 'eu-west-1');
    await expect(lookup(COMPOSITE_ARN, 'eu-west-1')).resolves.toEqual({ tags: { call: '2' } });
  });

  it('does not cache a failure: the next event asks again', async () => {
    const lookup = cachedAlarmLookup(inner, { ttlSeconds: 300, now: () => clock });
    fail = true;
    await expect(lookup(ARN, 'eu-west-1')).rejects.toBeInstanceOf(AlarmLookupError);
    fail = false;
    await expect(lookup(ARN, 'eu-west-1')).resolves.toEqual({ tags: { call: '2' } });
  });

  it('caches nothing with a TTL of 0', async () => {
    const lookup = cachedAlarmLookup(inner, { ttlSeconds: 0, now: () => clock });
    await lookup(ARN, 'eu-west-1');
    await lookup(ARN, 'eu-west-1');
    expect(calls).toBe(2);
  });
});
