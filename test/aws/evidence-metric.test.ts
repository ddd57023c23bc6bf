/**
 * The metric evidence's AWS reads against moto_server (started here on 127.0.0.1 with a free port,
 * stopped after): GetMetricData for a metric's datapoints, a Metrics Insights query, and DescribeAlarms
 * for a metric alarm. moto answers metric-math and ANOMALY_DETECTION_BAND expressions with empty series
 * and has no PutCompositeAlarm, so those shapes are covered with aws-sdk-client-mock in
 * test/unit/aws/evidence-metric-data.test.ts and with fake ports in test/unit/evidence/metric.test.ts.
 */
import { CloudWatchClient, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { createAlarmStatesPort, createMetricDataPort } from '../../shared/aws/evidence/metric-data.ts';
import { alarmAlert } from '../../shared/enrich/alarm.ts';
import { AlarmDetailSchema } from '../../shared/events/alarm.ts';
import { alarmMetricEvidence } from '../../shared/evidence/metric.ts';
import { detailOf, envelopeOf, loadEvent } from '../helpers/events.ts';
import { type Moto, startMoto } from './kit/moto.ts';

const REGION = 'eu-west-1';
// PutMetricData refuses namespaces starting with "AWS/", so the sample's metric moves to our own.
const NAMESPACE = 'Example/Lambda';
const FUNCTION = 'example-orders-api';
const MINUTE = 60_000;

describe('metric evidence against moto', () => {
  let moto: Moto;
  let client: CloudWatchClient;
  // The last five whole minutes before now: moto keeps what it is given, CloudWatch would too.
  const endMs = Math.floor(Date.now() / MINUTE) * MINUTE;
  const startMs = endMs - 5 * MINUTE;
  const values = [0, 1, 6, 9, 7];

  beforeAll(async () => {
    moto = await startMoto();
    client = new CloudWatchClient({
      region: REGION,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'AKIAMOTOMOTOMOTO', secretAccessKey: 'moto' },
    });
    await client.send(
      new PutMetricDataCommand({
        Namespace: NAMESPACE,
        MetricData: values.map((v, i) => ({
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: FUNCTION }],
          Timestamp: new Date(startMs + i * MINUTE),
          Value: v,
          Unit: 'Count',
        })),
      }),
    );
  }, 30_000);

  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  const clientFor = (region: string) => {
    if (region !== REGION) throw new Error(`unexpected region ${region}`);
    return client;
  };

  it('reads a metric series back through GetMetricData, oldest first', async () => {
    const series = await createMetricDataPort({ clientFor })({
      region: REGION,
      queries: [
        {
          id: 'm1',
          returnData: true,
          metricStat: {
            namespace: NAMESPACE,
            metricName: 'Errors',
            dimensions: [{ name: 'FunctionName', value: FUNCTION }],
            period: 60,
            stat: 'Sum',
          },
        },
      ],
      startMs,
      endMs,
    });
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({
      id: 'm1',
      timestamps: values.map((_, i) => startMs + i * MINUTE),
      values,
      status: 'Complete',
    });
  });

  it('runs a Metrics Insights query', async () => {
    const series = await createMetricDataPort({ clientFor })({
      region: REGION,
      queries: [
        { id: 'q1', returnData: true, expression: `SELECT SUM(Errors) FROM "${NAMESPACE}"`, period: 60 },
      ],
      startMs,
      endMs,
    });
    expect(series.find((s) => s.id === 'q1')?.values).toEqual(values);
  });

  it("charts the Lambda errors sample's metric from what moto returns", async () => {
    const event = loadEvent('cloudwatch/lambda-errors-alarm.json');
    const detail = detailOf(event);
    const state = detail.state as Record<string, unknown>;
    // The state change lands half a minute into the minute after the last datapoint.
    state.timestamp = new Date(endMs + 30_000).toISOString();
    const metrics = (
      detail.configuration as { metrics: Array<{ metricStat: { metric: Record<string, unknown> } }> }
    ).metrics;
    for (const m of metrics) m.metricStat.metric.namespace = NAMESPACE;
    const envelope = envelopeOf(event);
    const parsed = AlarmDetailSchema.parse(detail);
    const result = await alarmMetricEvidence(
      {
        alert: alarmAlert(envelope, parsed, { accounts: {} }),
        detail: parsed,
        region: REGION,
        now: endMs + 30_000,
      },
      { metricData: createMetricDataPort({ clientFor }) },
      { periods: 5 },
    );
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const sameDay =
      new Date(startMs).toISOString().slice(0, 10) === new Date(endMs).toISOString().slice(0, 10);
    const from = sameDay ? hhmm(startMs) : `${new Date(startMs).toISOString().slice(0, 10)} ${hhmm(startMs)}`;
    expect(result).toEqual({
      evidence: [
        {
          kind: 'metric',
          title: `Errors (Sum per 1 min), ${from}–${hhmm(endMs)} UTC`,
          chart: '▁▁▆█▇',
          lines: [
            '▅▆▇█ = at or above the threshold 5; one block per 1 min, oldest first',
            'min 0 · max 9 · last 7 · the last period at or above the threshold',
          ],
        },
      ],
      links: [],
    });
  });

  it('describes a metric alarm with its metric, threshold and comparison', async () => {
    await client.send(
      new PutMetricAlarmCommand({
        AlarmName: 'example-orders-api-errors',
        Namespace: NAMESPACE,
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: FUNCTION }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    const infos = await createAlarmStatesPort({ clientFor })({
      region: REGION,
      names: ['example-orders-api-errors', 'no-such-alarm'],
    });
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatchObject({
      name: 'example-orders-api-errors',
      kind: 'metric',
      threshold: 5,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 1,
      metrics: [
        {
          id: 'm1',
          returnData: true,
          metricStat: {
            namespace: NAMESPACE,
            metricName: 'Errors',
            dimensions: [{ name: 'FunctionName', value: FUNCTION }],
            period: 60,
            stat: 'Sum',
          },
        },
      ],
    });
    expect(['OK', 'ALARM', 'INSUFFICIENT_DATA']).toContain(infos[0]?.state);
  });
});
