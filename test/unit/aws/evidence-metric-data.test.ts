import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createAlarmStatesPort,
  createMetricDataPort,
  DESCRIBE_ALARMS_NAMES_MAX,
  evidenceReadError,
  METRIC_DATA_PAGES_MAX,
} from '../../../shared/aws/evidence/metric-data.ts';
import { EvidenceReadError, type MetricDataQuery } from '../../../shared/evidence/ports.ts';
import { useFakeAwsEnv } from '../../helpers/aws-env.ts';
import 'aws-sdk-client-mock-jest';

const T0 = Date.parse('2026-11-20T09:10:00Z');
const at = (minute: number) => new Date(T0 + minute * 60_000);

const ERRORS: MetricDataQuery = {
  id: 'm1',
  returnData: true,
  metricStat: {
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: [{ name: 'FunctionName', value: 'example-orders-api' }],
    period: 60,
    stat: 'Sum',
    unit: 'Count',
  },
};

function named(name: string, message = 'no'): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

describe('createMetricDataPort', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  useFakeAwsEnv();

  beforeEach(() => {
    cloudwatch.reset();
  });

  it('asks GetMetricData for the window, oldest first, and passes the deadline signal', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'm1',
          Label: 'Errors',
          Timestamps: [at(0), at(1), at(2)],
          Values: [0, 6, 9],
          StatusCode: 'Complete',
        },
      ],
    });
    const controller = new AbortController();
    const port = createMetricDataPort();
    await expect(
      port({
        region: 'eu-west-1',
        queries: [ERRORS, { id: 'e1', returnData: true, expression: 'SELECT MAX(x) FROM y', period: 300 }],
        startMs: T0,
        endMs: T0 + 5 * 60_000,
        signal: controller.signal,
      }),
    ).resolves.toEqual([
      {
        id: 'm1',
        label: 'Errors',
        timestamps: [T0, T0 + 60_000, T0 + 120_000],
        values: [0, 6, 9],
        status: 'Complete',
      },
    ]);
    expect(cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      MetricDataQueries: [
        {
          Id: 'm1',
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'Errors',
              Dimensions: [{ Name: 'FunctionName', Value: 'example-orders-api' }],
            },
            Period: 60,
            Stat: 'Sum',
            Unit: 'Count',
          },
        },
        { Id: 'e1', ReturnData: true, Expression: 'SELECT MAX(x) FROM y', Period: 300 },
      ],
      StartTime: new Date(T0),
      EndTime: new Date(T0 + 5 * 60_000),
      ScanBy: 'TimestampAscending',
    });
    // The SDK takes the signal as send()'s second argument: { abortSignal }.
    const args: readonly unknown[] = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args ?? [];
    expect(args[1]).toEqual({ abortSignal: controller.signal });
  });

  it('leaves out a unit GetMetricData would refuse instead of failing the request', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const metricStat = ERRORS.metricStat ? { ...ERRORS.metricStat, unit: 'Bananas' } : undefined;
    await createMetricDataPort()({
      region: 'eu-west-1',
      queries: [{ ...ERRORS, metricStat }],
      startMs: T0,
      endMs: T0 + 60_000,
    });
    const sent = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(sent?.MetricDataQueries?.[0]?.MetricStat).not.toHaveProperty('Unit');
  });

  it("keeps an anomaly band's two results apart: same Id, different labels", async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'ad1',
          Label: 'Latency (expected) upper',
          Timestamps: [at(0)],
          Values: [600],
          StatusCode: 'Complete',
        },
        {
          Id: 'ad1',
          Label: 'Latency (expected) lower',
          Timestamps: [at(0)],
          Values: [100],
          StatusCode: 'Complete',
        },
      ],
    });
    const series = await createMetricDataPort()({
      region: 'eu-west-1',
      queries: [ERRORS],
      startMs: T0,
      endMs: T0 + 60_000,
    });
    expect(series.map((s) => [s.id, s.values])).toEqual([
      ['ad1', [600]],
      ['ad1', [100]],
    ]);
  });

  it('follows NextToken to a second page and merges the pages in time order', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'm1', Timestamps: [at(2), at(0)], Values: [9, 0], StatusCode: 'PartialData' },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [{ Id: 'm1', Timestamps: [at(1)], Values: [6], StatusCode: 'Complete' }],
      });
    const series = await createMetricDataPort()({
      region: 'eu-west-1',
      queries: [ERRORS],
      startMs: T0,
      endMs: T0 + 3 * 60_000,
    });
    expect(series).toEqual([
      {
        id: 'm1',
        label: undefined,
        timestamps: [T0, T0 + 60_000, T0 + 120_000],
        values: [0, 6, 9],
        status: 'Complete',
      },
    ]);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[1]?.args[0].input.NextToken).toBe('page-2');
  });

  it(`reads at most ${METRIC_DATA_PAGES_MAX} pages and marks what it read as partial`, async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'm1', Timestamps: [at(0)], Values: [1], StatusCode: 'PartialData' }],
      NextToken: 'more',
    });
    const series = await createMetricDataPort()({
      region: 'eu-west-1',
      queries: [ERRORS],
      startMs: T0,
      endMs: T0 + 60_000,
    });
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, METRIC_DATA_PAGES_MAX);
    expect(series[0]?.status).toBe('PartialData');
  });

  it('gives what the first page read when the second fails', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: 'm1', Timestamps: [at(0)], Values: [4], StatusCode: 'PartialData' }],
        NextToken: 'page-2',
      })
      .rejectsOnce(named('AbortError', 'aborted'));
    const series = await createMetricDataPort()({
      region: 'eu-west-1',
      queries: [ERRORS],
      startMs: T0,
      endMs: T0 + 60_000,
    });
    expect(series).toEqual([
      { id: 'm1', label: undefined, timestamps: [T0], values: [4], status: 'PartialData' },
    ]);
  });

  it.each([
    ['AccessDeniedException', 'denied'],
    ['AccessDenied', 'denied'],
    ['UnauthorizedOperation', 'denied'],
    ['ResourceNotFoundException', 'not-found'],
    ['Throttling', 'throttled'],
    ['ThrottlingException', 'throttled'],
    ['LimitExceededException', 'throttled'],
    ['RequestLimitExceeded', 'throttled'],
    ['AbortError', 'timeout'],
    ['InvalidParameterValueException', 'failed'],
  ])('maps %s on the first page to %s', async (name, code) => {
    cloudwatch.on(GetMetricDataCommand).rejects(named(name));
    const read = createMetricDataPort()({
      region: 'eu-west-1',
      queries: [ERRORS],
      startMs: T0,
      endMs: T0 + 60_000,
    });
    await expect(read).rejects.toBeInstanceOf(EvidenceReadError);
    await expect(read).rejects.toMatchObject({ code });
  });

  it('maps the SDK error class itself, not only its name', () => {
    const err = new ResourceNotFoundException({ message: 'gone', $metadata: {} });
    expect(evidenceReadError(err, 'GetMetricData').code).toBe('not-found');
    expect(evidenceReadError(err, 'GetMetricData').cause).toBe(err);
  });

  it('does not call once the deadline has passed', async () => {
    const read = createMetricDataPort()({
      region: 'eu-west-1',
      queries: [ERRORS],
      startMs: T0,
      endMs: T0 + 60_000,
      signal: AbortSignal.abort(),
    });
    await expect(read).rejects.toMatchObject({ code: 'timeout' });
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
  });

  it('uses the client given for the region', async () => {
    const asked: string[] = [];
    const client = new CloudWatchClient({ region: 'us-east-1' });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const port = createMetricDataPort({
      clientFor: (region) => {
        asked.push(region);
        return client;
      },
    });
    await port({ region: 'us-east-1', queries: [ERRORS], startMs: T0, endMs: T0 + 60_000 });
    expect(asked).toEqual(['us-east-1']);
  });
});

describe('createAlarmStatesPort', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  useFakeAwsEnv();

  beforeEach(() => {
    cloudwatch.reset();
  });

  it('maps metric alarms (Metrics or a classic metric) and composite alarms, each with its state and since-time', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        {
          AlarmName: 'classic',
          AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:classic',
          StateValue: 'ALARM',
          StateReason: 'Threshold Crossed',
          StateTransitionedTimestamp: at(3),
          StateUpdatedTimestamp: at(4),
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: 'example-orders-api' }],
          ExtendedStatistic: 'p99',
          Period: 60,
          Unit: 'Count',
          Threshold: 5,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
        },
        {
          AlarmName: 'math',
          StateValue: 'OK',
          StateUpdatedTimestamp: at(1),
          Metrics: [
            { Id: 'e1', Expression: 'm1 * 2', Label: 'double', ReturnData: true },
            {
              Id: 'm1',
              ReturnData: false,
              MetricStat: {
                Metric: { Namespace: 'AWS/SQS', MetricName: 'NumberOfMessagesSent', Dimensions: [] },
                Period: 300,
                Stat: 'Sum',
              },
            },
          ],
          ThresholdMetricId: undefined,
        },
        { AlarmName: 'odd-state', StateValue: 'SOMETHING' as never },
      ],
      CompositeAlarms: [
        { AlarmName: 'parent', StateValue: 'ALARM', StateReason: 'child', StateUpdatedTimestamp: at(2) },
      ],
    });
    const controller = new AbortController();
    const infos = await createAlarmStatesPort()({
      region: 'eu-west-1',
      names: ['classic', 'math', 'classic', 'parent', 'odd-state'],
      signal: controller.signal,
    });
    expect(infos).toEqual([
      {
        name: 'classic',
        arn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:classic',
        kind: 'metric',
        state: 'ALARM',
        reason: 'Threshold Crossed',
        updatedMs: T0 + 3 * 60_000,
        metrics: [
          {
            id: 'm1',
            returnData: true,
            metricStat: {
              namespace: 'AWS/Lambda',
              metricName: 'Errors',
              dimensions: [{ name: 'FunctionName', value: 'example-orders-api' }],
              period: 60,
              stat: 'p99',
              unit: 'Count',
            },
          },
        ],
        threshold: 5,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        thresholdMetricId: undefined,
        evaluationPeriods: 1,
      },
      {
        name: 'math',
        arn: undefined,
        kind: 'metric',
        state: 'OK',
        reason: undefined,
        updatedMs: T0 + 60_000,
        metrics: [
          {
            id: 'e1',
            label: 'double',
            returnData: true,
            period: undefined,
            expression: 'm1 * 2',
            metricStat: undefined,
          },
          {
            id: 'm1',
            label: undefined,
            returnData: false,
            period: undefined,
            expression: undefined,
            metricStat: {
              namespace: 'AWS/SQS',
              metricName: 'NumberOfMessagesSent',
              dimensions: [],
              period: 300,
              stat: 'Sum',
              unit: undefined,
            },
          },
        ],
        threshold: undefined,
        comparisonOperator: undefined,
        thresholdMetricId: undefined,
        evaluationPeriods: undefined,
      },
      {
        name: 'parent',
        arn: undefined,
        kind: 'composite',
        state: 'ALARM',
        reason: 'child',
        updatedMs: T0 + 2 * 60_000,
      },
    ]);
    expect(cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 1);
    expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNames: ['classic', 'math', 'parent', 'odd-state'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      MaxRecords: 100,
    });
    // The SDK takes the signal as send()'s second argument: { abortSignal }.
    const args: readonly unknown[] = cloudwatch.commandCalls(DescribeAlarmsCommand)[0]?.args ?? [];
    expect(args[1]).toEqual({ abortSignal: controller.signal });
  });

  it(`asks for at most ${DESCRIBE_ALARMS_NAMES_MAX} names in one call`, async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({});
    const names = Array.from({ length: 150 }, (_, i) => `a${i}`);
    await createAlarmStatesPort()({ region: 'eu-west-1', names });
    const sent = cloudwatch.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input.AlarmNames;
    expect(sent).toEqual(names.slice(0, DESCRIBE_ALARMS_NAMES_MAX));
  });

  it('calls nothing for no names', async () => {
    await expect(createAlarmStatesPort()({ region: 'eu-west-1', names: [] })).resolves.toEqual([]);
    expect(cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 0);
  });

  it('leaves a metric out when the alarm gives it incompletely', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'half', StateValue: 'ALARM', MetricName: 'Errors', Period: 60 }],
    });
    const [info] = await createAlarmStatesPort()({ region: 'eu-west-1', names: ['half'] });
    expect(info?.metrics).toBeUndefined();
  });

  it('maps a denied DescribeAlarms to denied', async () => {
    cloudwatch.on(DescribeAlarmsCommand).rejects(named('AccessDenied', 'User is not authorized'));
    await expect(createAlarmStatesPort()({ region: 'eu-west-1', names: ['x'] })).rejects.toMatchObject({
      code: 'denied',
      message: 'DescribeAlarms failed: AccessDenied: User is not authorized',
    });
  });
});
