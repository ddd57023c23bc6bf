import { jest } from '@jest/globals';
import { alarmAlert } from '../../../shared/enrich/alarm.ts';
import { AlarmDetailSchema } from '../../../shared/events/alarm.ts';
import { alarmMetricEvidence } from '../../../shared/evidence/metric.ts';
import {
  type AlarmEvidenceInput,
  type AlarmStateInfo,
  type AlarmStatesPort,
  EvidenceReadError,
  type MetricDataPort,
  type MetricDataRequest,
  type MetricDataSeries,
  NO_EVIDENCE,
} from '../../../shared/evidence/ports.ts';
import type { LogPort } from '../../../shared/pipeline/logger.ts';
import { detailOf, envelopeOf, loadEvent } from '../../helpers/events.ts';

const LIMITS = { periods: 30 };
const REGION = 'eu-west-1';

/** A series of one value per period from startIso; null leaves the period without a datapoint. */
function series(
  id: string,
  startIso: string,
  periodSeconds: number,
  values: Array<number | null>,
  extra: Partial<MetricDataSeries> = {},
): MetricDataSeries {
  const start = Date.parse(startIso);
  const timestamps: number[] = [];
  const kept: number[] = [];
  for (const [i, v] of values.entries()) {
    if (v === null) continue;
    timestamps.push(start + i * periodSeconds * 1000);
    kept.push(v);
  }
  return { id, timestamps, values: kept, ...extra };
}

function fakeMetricData(answer: MetricDataSeries[] | ((r: MetricDataRequest) => MetricDataSeries[])) {
  const requests: MetricDataRequest[] = [];
  const port: MetricDataPort = async (request) => {
    requests.push(request);
    return typeof answer === 'function' ? answer(request) : answer;
  };
  return { port, requests };
}

function recordingLogger() {
  const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  return logger satisfies LogPort;
}

function inputFor(
  sample: string,
  edit?: (detail: Record<string, unknown>) => void,
  extra: Partial<AlarmEvidenceInput> = {},
): AlarmEvidenceInput {
  const event = loadEvent(`cloudwatch/${sample}`);
  if (edit) edit(detailOf(event));
  const envelope = envelopeOf(event);
  const detail = AlarmDetailSchema.parse(event.detail);
  return {
    alert: alarmAlert(envelope, detail, { accounts: {} }),
    detail,
    region: envelope.region,
    now: Date.parse(envelope.time),
    ...extra,
  };
}

const LAMBDA_ERRORS = [
  0,
  0,
  0,
  1,
  0,
  0,
  null,
  0,
  0,
  0,
  0,
  2,
  0,
  0,
  0,
  0,
  0,
  null,
  0,
  0,
  0,
  0,
  1,
  0,
  0,
  3,
  6,
  9,
  12,
  7,
];

describe('alarmMetricEvidence', () => {
  it('charts a single-metric alarm over the periods before its state change, threshold between ▄ and ▅', async () => {
    const { port, requests } = fakeMetricData([series('m1', '2026-11-20T08:45:00Z', 60, LAMBDA_ERRORS)]);
    const result = await alarmMetricEvidence(
      inputFor('lambda-errors-alarm.json'),
      { metricData: port },
      LIMITS,
    );
    expect(result).toEqual({
      evidence: [
        {
          kind: 'metric',
          title: 'Errors (Sum per 1 min), 08:45–09:15 UTC',
          chart: '▁▁▁▁▁▁·▁▁▁▁▂▁▁▁▁▁·▁▁▁▁▁▁▁▃▅▇█▆',
          lines: [
            '▅▆▇█ = at or above the threshold 5; one block per 1 min, oldest first; · = no data',
            'min 0 · max 12 · last 7 · the last period at or above the threshold',
          ],
        },
      ],
      links: [],
    });
    // The event's UUID id is no GetMetricData id; the window ends at the minute of the state change.
    expect(requests).toEqual([
      {
        region: REGION,
        queries: [
          {
            id: 'm1',
            returnData: true,
            metricStat: {
              namespace: 'AWS/Lambda',
              metricName: 'Errors',
              dimensions: [{ name: 'FunctionName', value: 'example-orders-api' }],
              period: 60,
              stat: 'Sum',
            },
          },
        ],
        startMs: Date.parse('2026-11-20T08:45:00Z'),
        endMs: Date.parse('2026-11-20T09:15:00Z'),
        signal: undefined,
        // Not a GetMetricData parameter: recorded answers (replay) are found by it.
        alarmName: 'example-orders-api-errors',
      },
    ]);
  });

  it('charts a metric-math alarm: the expression is the series, its inputs return no data', async () => {
    const rate = [
      0.4, 0.5, 0.3, 0.6, 0.2, 0.5, 0.4, 0.3, 0.5, 0.6, 0.4, 0.5, 0.3, 0.4, 0.5, 0.2, 0.6, 0.4, 0.3, 0.5, 0.4,
      0.5, 0.6, 0.4, 0.5, 4.2, 7.1, 3.9, 9.8, 12.4,
    ];
    const { port, requests } = fakeMetricData([
      series('e1', '2026-11-21T01:44:00Z', 60, rate, { label: '5xx rate (%)' }),
    ]);
    const result = await alarmMetricEvidence(
      inputFor('metric-math-alarm.json'),
      { metricData: port },
      LIMITS,
    );
    expect(result.evidence).toEqual([
      {
        kind: 'metric',
        title: '5xx rate (%) (per 1 min), 01:44–02:14 UTC',
        chart: '▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▄▆▄▇█',
        lines: [
          '▅▆▇█ = above the threshold 5; one block per 1 min, oldest first',
          'min 0.2 · max 12.4 · last 12.4 · 3 of the last 5 periods above the threshold',
        ],
      },
    ]);
    expect(requests[0]?.queries.map((q) => [q.id, q.returnData])).toEqual([
      ['e1', true],
      ['m1', false],
      ['m2', false],
    ]);
    expect(requests[0]?.queries[0]).toEqual({
      id: 'e1',
      label: '5xx rate (%)',
      returnData: true,
      expression: '100 * m1 / m2',
    });
  });

  it('charts an anomaly-band alarm against its band and names the points outside it', async () => {
    const start = '2026-11-20T23:45:00Z';
    const latency = [
      301, 290, 310, 295, 288, 305, 299, 312, 296, 301, 289, 300, 307, 293, 298, 302, 291, 304, 297, 300, 306,
      295, 290, 303, 299, 301, 298, 305, 1622.7, 1840.2,
    ];
    const upper = latency.map((_, i) => 570 + i);
    const lower = latency.map((_, i) => 100 + i);
    const { port, requests } = fakeMetricData([
      series('m1', start, 300, latency),
      // The band comes back as two series with the expression's id; which is which is read off the values.
      series('ad1', start, 300, upper, { label: 'Latency (expected)' }),
      series('ad1', start, 300, lower, { label: 'Latency (expected)' }),
    ]);
    const result = await alarmMetricEvidence(
      inputFor('anomaly-band-alarm.json'),
      { metricData: port },
      LIMITS,
    );
    expect(result.evidence).toEqual([
      {
        kind: 'metric',
        title: 'Latency (p90 per 5 min), 2026-11-20 23:45–02:15 UTC',
        chart: '▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁██',
        lines: [
          'one block per 5 min, oldest first, scaled to the values and the expected band',
          'min 288 · max 1840.2 · last 1840.2 · 2 of the last 2 periods outside the band',
          'Expected band at 02:10: 129–599',
          'Outside the band: 02:05 1622.7 (expected 128–598), 02:10 1840.2 (expected 129–599)',
        ],
      },
    ]);
    expect(requests[0]?.queries.map((q) => [q.id, q.returnData, q.expression])).toEqual([
      ['m1', true, undefined],
      ['ad1', true, 'ANOMALY_DETECTION_BAND(m1, 2)'],
    ]);
  });

  it('charts a Metrics Insights alarm from its SQL and period', async () => {
    const age = [
      40,
      38,
      41,
      39,
      42,
      40,
      37,
      39,
      41,
      38,
      40,
      39,
      42,
      41,
      38,
      40,
      39,
      41,
      40,
      38,
      39,
      42,
      41,
      40,
      120,
      410,
      null,
      987,
      1342,
      1500,
    ];
    const { port, requests } = fakeMetricData([series('q1', '2026-11-21T02:00:00Z', 300, age)]);
    const result = await alarmMetricEvidence(
      inputFor('metrics-insights-alarm.json'),
      { metricData: port },
      LIMITS,
    );
    expect(result.evidence).toEqual([
      {
        kind: 'metric',
        title: 'Metrics Insights query (per 5 min), 02:00–04:30 UTC',
        chart: '▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▂·▅▇█',
        lines: [
          '▅▆▇█ = above the threshold 900; one block per 5 min, oldest first; · = no data',
          'min 37 · max 1500 · last 1500 · 2 of the last 2 periods above the threshold',
        ],
      },
    ]);
    expect(requests[0]?.queries).toEqual([
      {
        id: 'q1',
        returnData: true,
        expression: 'SELECT MAX(ApproximateAgeOfOldestMessage) FROM SCHEMA("AWS/SQS", QueueName)',
        period: 300,
      },
    ]);
  });

  it("gives a Metrics Insights query the reasonData's period when the event's query has none", async () => {
    const { port, requests } = fakeMetricData([]);
    await alarmMetricEvidence(
      inputFor('metrics-insights-alarm.json', (d) => {
        const metrics = (d.configuration as { metrics: Array<Record<string, unknown>> }).metrics;
        if (metrics[0]) delete metrics[0].period;
      }),
      { metricData: port },
      LIMITS,
    );
    expect(requests[0]?.queries[0]?.period).toBe(300);
    expect(requests[0]?.startMs).toBe(Date.parse('2026-11-21T02:00:00Z'));
  });

  it("lists a composite alarm's triggering children and charts the first child's metric", async () => {
    const child: AlarmStateInfo = {
      name: 'example-checkout-5xx-rate',
      kind: 'metric',
      state: 'ALARM',
      reason: 'Threshold Crossed: 3 out of the last 5 datapoints were greater than the threshold (5.0).',
      updatedMs: Date.parse('2026-11-21T02:14:05.112Z'),
      metrics: [
        { id: 'e1', label: '5xx rate (%)', returnData: true, expression: '100 * m1 / m2' },
        {
          id: 'm1',
          returnData: false,
          metricStat: {
            namespace: 'AWS/ApplicationELB',
            metricName: 'HTTPCode_Target_5XX_Count',
            dimensions: [{ name: 'LoadBalancer', value: 'app/example-checkout/0f1e2d3c4b5a6978' }],
            period: 60,
            stat: 'Sum',
          },
        },
      ],
      threshold: 5,
      comparisonOperator: 'GreaterThanThreshold',
      evaluationPeriods: 5,
    };
    const asked: string[][] = [];
    const alarmStates: AlarmStatesPort = async ({ names }) => {
      asked.push(names);
      return [child];
    };
    const rate = Array.from({ length: 30 }, (_, i) =>
      i < 25 ? 0.5 : ([4.2, 7.1, 3.9, 9.8, 12.4][i - 25] ?? 0),
    );
    const { port, requests } = fakeMetricData([series('e1', '2026-11-21T01:44:00Z', 60, rate)]);
    const result = await alarmMetricEvidence(
      inputFor('composite-alarm.json'),
      { metricData: port, alarmStates },
      LIMITS,
    );
    expect(result).toEqual({
      evidence: [
        {
          kind: 'children',
          title: 'Triggered by 1 alarm',
          lines: [
            'example-checkout-5xx-rate: ALARM since 02:14 UTC. Threshold Crossed: 3 out of the last 5 datapoints were greater than the threshold (5.0).',
          ],
        },
        {
          kind: 'metric',
          title: 'example-checkout-5xx-rate: 5xx rate (%) (per 1 min), 01:44–02:14 UTC',
          chart: '▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▄▆▄▇█',
          lines: [
            '▅▆▇█ = above the threshold 5; one block per 1 min, oldest first',
            'min 0.5 · max 12.4 · last 12.4 · 3 of the last 5 periods above the threshold',
          ],
        },
      ],
      links: [],
    });
    expect(asked).toEqual([['example-checkout-5xx-rate']]);
    expect(requests[0]?.queries.map((q) => [q.id, q.returnData])).toEqual([
      ['e1', true],
      ['m1', false],
    ]);
  });

  it("falls back to the event's own words for the children when DescribeAlarms fails, and says why", async () => {
    const logger = recordingLogger();
    const alarmStates: AlarmStatesPort = async () => {
      throw new EvidenceReadError('denied', 'AccessDenied: not allowed');
    };
    const { port, requests } = fakeMetricData([]);
    const result = await alarmMetricEvidence(
      inputFor('composite-alarm.json', undefined, { logger }),
      { metricData: port, alarmStates },
      LIMITS,
    );
    expect(result.evidence).toEqual([
      {
        kind: 'children',
        title: 'Triggered by 1 alarm',
        lines: ['example-checkout-5xx-rate: ALARM at 02:14 UTC when it triggered this alarm'],
      },
    ]);
    expect(requests).toHaveLength(0);
    expect(logger.warn).toHaveBeenCalledWith(
      "metric evidence: reading the child alarms' states failed (denied)",
      expect.objectContaining({ code: 'denied', alarm: 'example-checkout-health' }),
    );
  });

  it('shows at most EVIDENCE_LINES_MAX children, the last line counting the rest, and asks for those shown', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `child-${i + 1}`);
    const asked: string[][] = [];
    const alarmStates: AlarmStatesPort = async (request) => {
      asked.push(request.names);
      return [];
    };
    const result = await alarmMetricEvidence(
      inputFor('composite-alarm.json', (d) => {
        const state = d.state as Record<string, unknown>;
        state.reasonData = JSON.stringify({
          triggeringAlarms: names.map((n) => ({
            arn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${n}`,
            state: { value: 'ALARM', timestamp: '2026-11-20T23:00:00.000+0000' },
          })),
        });
      }),
      { alarmStates },
      LIMITS,
    );
    const lines = result.evidence[0]?.lines ?? [];
    expect(result.evidence[0]?.title).toBe('Triggered by 12 alarms');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toBe(
      'child-1: ALARM at 2026-11-20 23:00 UTC when it triggered this alarm (DescribeAlarms did not find it)',
    );
    expect(lines[7]).toBe('… and 5 more');
    expect(asked).toEqual([names.slice(0, 7)]);
  });

  it('gives no evidence for OK and INSUFFICIENT_DATA, and reads nothing', async () => {
    const { port, requests } = fakeMetricData([series('m1', '2026-11-20T08:45:00Z', 60, LAMBDA_ERRORS)]);
    for (const sample of [
      'lambda-errors-ok.json',
      'lambda-errors-insufficient-data.json',
      'composite-ok.json',
    ]) {
      await expect(alarmMetricEvidence(inputFor(sample), { metricData: port }, LIMITS)).resolves.toEqual(
        NO_EVIDENCE,
      );
    }
    expect(requests).toHaveLength(0);
  });

  it('gives no evidence without a metric data port', async () => {
    await expect(alarmMetricEvidence(inputFor('lambda-errors-alarm.json'), {}, LIMITS)).resolves.toEqual(
      NO_EVIDENCE,
    );
  });

  it.each([
    ['denied', 'warn'],
    ['failed', 'warn'],
    ['throttled', 'info'],
    ['timeout', 'info'],
    ['not-found', 'info'],
  ] as const)('survives a %s read and reports it with %s', async (code, level) => {
    const logger = recordingLogger();
    const metricData: MetricDataPort = async () => {
      throw new EvidenceReadError(code, `GetMetricData failed (${code})`);
    };
    await expect(
      alarmMetricEvidence(
        inputFor('lambda-errors-alarm.json', undefined, { logger }),
        { metricData },
        LIMITS,
      ),
    ).resolves.toEqual(NO_EVIDENCE);
    expect(logger[level]).toHaveBeenCalledWith(
      `metric evidence: reading the metric failed (${code})`,
      expect.objectContaining({ code, alarm: 'example-orders-api-errors' }),
    );
  });

  it('treats anything else a port throws as failed', async () => {
    const logger = recordingLogger();
    const metricData: MetricDataPort = async () => {
      throw new TypeError('boom');
    };
    await expect(
      alarmMetricEvidence(
        inputFor('lambda-errors-alarm.json', undefined, { logger }),
        { metricData },
        LIMITS,
      ),
    ).resolves.toEqual(NO_EVIDENCE);
    expect(logger.warn).toHaveBeenCalledWith(
      'metric evidence: reading the metric failed (failed)',
      expect.objectContaining({ code: 'failed', error: 'boom' }),
    );
  });

  it('reads nothing once the deadline has passed', async () => {
    const logger = recordingLogger();
    const { port, requests } = fakeMetricData([]);
    const signal = AbortSignal.abort();
    await expect(
      alarmMetricEvidence(
        inputFor('lambda-errors-alarm.json', undefined, { logger, signal }),
        { metricData: port },
        LIMITS,
      ),
    ).resolves.toEqual(NO_EVIDENCE);
    expect(requests).toHaveLength(0);
    expect(logger.info).toHaveBeenCalledWith(
      'metric evidence: no time left to read the metric (timeout)',
      expect.objectContaining({ code: 'timeout' }),
    );
  });

  it('passes the deadline signal to the port', async () => {
    const controller = new AbortController();
    const { port, requests } = fakeMetricData([]);
    await alarmMetricEvidence(
      inputFor('lambda-errors-alarm.json', undefined, { signal: controller.signal }),
      { metricData: port },
      LIMITS,
    );
    expect(requests[0]?.signal).toBe(controller.signal);
  });

  it('says so when the metric did not report in the window', async () => {
    const { port } = fakeMetricData([]);
    const result = await alarmMetricEvidence(
      inputFor('lambda-errors-alarm.json'),
      { metricData: port },
      { periods: 5 },
    );
    expect(result.evidence).toEqual([
      {
        kind: 'metric',
        title: 'Errors (Sum per 1 min), 09:10–09:15 UTC',
        chart: '·····',
        lines: [
          '▅▆▇█ = at or above the threshold 5; one block per 1 min, oldest first; · = no data',
          'No datapoints in this window: the metric did not report.',
        ],
      },
    ]);
  });

  it('adds a line when CloudWatch returned partial data', async () => {
    const { port } = fakeMetricData([
      series('m1', '2026-11-20T09:10:00Z', 60, [0, 1, 6, 9, 7], { status: 'PartialData' }),
    ]);
    const result = await alarmMetricEvidence(
      inputFor('lambda-errors-alarm.json'),
      { metricData: port },
      { periods: 5 },
    );
    expect(result.evidence[0]?.lines).toEqual([
      '▅▆▇█ = at or above the threshold 5; one block per 1 min, oldest first',
      'min 0 · max 9 · last 7 · the last period at or above the threshold',
      "Partial data: CloudWatch returned only part of this window's datapoints.",
    ]);
    expect(result.evidence[0]?.chart).toBe('▁▁▆█▇');
  });

  it('ignores datapoints outside the window and non-finite values', async () => {
    const { port } = fakeMetricData([
      {
        id: 'm1',
        timestamps: [
          Date.parse('2026-11-20T09:05:00Z'),
          Date.parse('2026-11-20T09:10:00Z'),
          Date.parse('2026-11-20T09:11:00Z'),
          Date.parse('2026-11-20T09:14:00Z'),
          Date.parse('2026-11-20T09:15:00Z'),
        ],
        values: [100, 2, Number.NaN, 8, 100],
      },
    ]);
    const result = await alarmMetricEvidence(
      inputFor('lambda-errors-alarm.json'),
      { metricData: port },
      { periods: 5 },
    );
    expect(result.evidence[0]?.chart).toBe('▁···█');
    expect(result.evidence[0]?.lines[1]).toBe(
      'min 2 · max 8 · last 8 · the last period at or above the threshold',
    );
  });

  it('says the band is missing when GetMetricData did not return it', async () => {
    const { port } = fakeMetricData([
      series('m1', '2026-11-21T01:50:00Z', 300, [300, 310, 305, 1622.7, 1840.2]),
    ]);
    const result = await alarmMetricEvidence(
      inputFor('anomaly-band-alarm.json'),
      { metricData: port },
      { periods: 5 },
    );
    expect(result.evidence[0]?.lines).toEqual([
      'one block per 5 min, oldest first, scaled from min to max',
      'min 300 · max 1840.2 · last 1840.2',
      'The expected band was not returned: the chart is scaled to the values alone.',
    ]);
  });

  it('keeps hostile text in labels on one inert line', async () => {
    const { port } = fakeMetricData([series('e1', '2026-11-21T02:09:00Z', 60, [1, 2, 3, 9, 12])]);
    const result = await alarmMetricEvidence(
      inputFor('metric-math-alarm.json', (d) => {
        const metrics = (d.configuration as { metrics: Array<Record<string, unknown>> }).metrics;
        if (metrics[0]) metrics[0].label = 'rate\n<!channel> https://evil.example';
      }),
      { metricData: port },
      { periods: 5 },
    );
    expect(result.evidence[0]?.title).toBe(
      'rate <!channel> https[:]//evil[.]example (per 1 min), 02:09–02:14 UTC',
    );
  });

  it('reads nothing when an invalid query id is one an expression refers to', async () => {
    const logger = recordingLogger();
    const { port, requests } = fakeMetricData([]);
    const result = await alarmMetricEvidence(
      inputFor(
        'metric-math-alarm.json',
        (d) => {
          const metrics = (d.configuration as { metrics: Array<Record<string, unknown>> }).metrics;
          if (metrics[0]) metrics[0].expression = '100 * M1 / m2';
          if (metrics[1]) metrics[1].id = 'M1';
        },
        { logger },
      ),
      { metricData: port },
      LIMITS,
    );
    expect(result).toEqual(NO_EVIDENCE);
    expect(requests).toHaveLength(0);
    expect(logger.info).toHaveBeenCalledWith(
      "metric evidence: nothing to chart, the alarm's metrics cannot be queried as the event gives them",
      { alarm: 'example-checkout-5xx-rate' },
    );
  });

  it('takes threshold and comparison from the configuration when the reason has none', async () => {
    const { port } = fakeMetricData([series('m1', '2026-11-20T09:10:00Z', 60, [20, 15, 8, 4, 2])]);
    const result = await alarmMetricEvidence(
      inputFor('lambda-errors-alarm.json', (d) => {
        const state = d.state as Record<string, unknown>;
        state.reason = 'Threshold Crossed';
        state.reasonData = JSON.stringify({ period: 60 });
        const configuration = d.configuration as Record<string, unknown>;
        configuration.threshold = 10;
        configuration.comparisonOperator = 'LessThanThreshold';
        configuration.evaluationPeriods = 3;
      }),
      { metricData: port },
      { periods: 5 },
    );
    expect(result.evidence[0]?.chart).toBe('█▇▄▂▁');
    expect(result.evidence[0]?.lines).toEqual([
      '▁▂▃▄ = below the threshold 10; one block per 1 min, oldest first',
      'min 2 · max 20 · last 2 · 3 of the last 3 periods below the threshold',
    ]);
  });
});
