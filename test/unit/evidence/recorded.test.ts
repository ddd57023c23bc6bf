import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EvidenceReadError,
  type LogEventsRequest,
  type MetricDataQuery,
} from '../../../shared/evidence/ports.ts';
import {
  EvidenceFileError,
  type EvidenceFileInput,
  EvidenceFileSchema,
  LOG_PAGE_BYTES,
  loadEvidenceFile,
  parseEvidenceFile,
  recordedEvidencePorts,
} from '../../../shared/evidence/recorded.ts';

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const region = 'eu-west-1';

function ports(input: EvidenceFileInput, options?: { logPageEvents?: number }) {
  const p = recordedEvidencePorts(EvidenceFileSchema.parse(input), options);
  if (!p.metricData || !p.alarmStates || !p.logEvents || !p.trailLookup) throw new Error('a port is missing');
  return {
    metricData: p.metricData,
    alarmStates: p.alarmStates,
    logEvents: p.logEvents,
    trailLookup: p.trailLookup,
  };
}

const metric = (id: string, returnData = true): MetricDataQuery => ({
  id,
  returnData,
  metricStat: {
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: [{ name: 'FunctionName', value: 'f' }],
    period: 60,
    stat: 'Sum',
  },
});

describe('parseEvidenceFile', () => {
  const good = [
    'metrics:',
    '  example-a:',
    "    changed: '2026-11-20T09:15:30Z'",
    '    series:',
    '      m1: [0, null, 7]',
    '      ad1: { lower: [1, 2], upper: [3, 4] }',
    'alarms:',
    "  example-b: { state: ALARM, reason: 'r', updated: '2026-11-20T09:15:30.112Z' }",
    'logs:',
    '  /aws/lambda/f:',
    "    - { at: '2026-11-20T09:14:00Z', message: 'ERROR x' }",
    'cloudtrail:',
    '  bucket-1:',
    "    - { eventID: e1, eventTime: '2026-11-20T09:14:00Z', eventName: CreateBucket, eventSource: s3.amazonaws.com, requestParameters: { bucketName: bucket-1 } }",
    '',
  ].join('\n');

  it('reads a good file, every section', () => {
    const file = parseEvidenceFile(good, 'e.yml');
    expect(file.metrics['example-a']?.series.m1).toEqual([0, null, 7]);
    expect(file.alarms['example-b']).toMatchObject({ state: 'ALARM', kind: 'metric' });
    expect(file.logs['/aws/lambda/f']).toHaveLength(1);
    expect(file.cloudtrail['bucket-1']?.[0]?.eventName).toBe('CreateBucket');
  });

  it('reads an empty file as "nothing recorded"', () => {
    expect(parseEvidenceFile('', 'e.yml')).toEqual({ metrics: {}, alarms: {}, logs: {}, cloudtrail: {} });
  });

  it.each([
    [
      'an unknown section',
      'metric: {}\n',
      /e\.yml:1:1: metric: unknown key "metric"; did you mean "metrics"\?/,
    ],
    ['an unknown key in an entry', 'metrics:\n  a:\n    serie: {}\n', /metrics\.a/],
    [
      'a value that is not a number',
      'metrics:\n  a:\n    series:\n      m1: [1, x]\n',
      /e\.yml:4:\d+: metrics\.a\.series\.m1\[1\]: expected a number/,
    ],
    [
      'an id GetMetricData refuses',
      'metrics:\n  a:\n    series:\n      M-1: [1]\n',
      /metrics\.a\.series\.M-1: .*query id/,
    ],
    [
      'a band with uneven edges',
      'metrics:\n  a:\n    series:\n      ad1: { lower: [1], upper: [1, 2] }\n',
      /metrics\.a\.series\.ad1/,
    ],
    [
      'a period GetMetricData refuses',
      'metrics:\n  a:\n    period: 90\n    series: {}\n',
      /metrics\.a\.period: .*multiple of 60/,
    ],
    [
      'a time without a zone',
      "metrics:\n  a:\n    changed: '2026-11-20T09:15:30'\n    series: {}\n",
      /metrics\.a\.changed/,
    ],
    ['an unknown alarm state', 'alarms:\n  b: { state: FIRING }\n', /alarms\.b\.state/],
    [
      'a band id naming no metric',
      'alarms:\n  b: { state: OK, thresholdMetricId: ad1, metrics: [{ id: m1, expression: m2 }] }\n',
      /alarms\.b: thresholdMetricId/,
    ],
    [
      'a query with both metricStat and expression',
      'alarms:\n  b:\n    state: OK\n    metrics:\n      - { id: m1, expression: x, metricStat: { namespace: n, metricName: m, period: 60, stat: Sum } }\n',
      /e\.yml:5:\d+: alarms\.b\.metrics\[0\]/,
    ],
    ['a bad log group name', "logs:\n  'bad group!': []\n", /logs\.bad group!/],
    [
      'a log event without a time',
      'logs:\n  /g:\n    - { message: x }\n',
      /e\.yml:3:\d+: logs\.\/g\[0\]\.at: missing/,
    ],
    [
      'a record without its eventID',
      "cloudtrail:\n  b:\n    - { eventTime: '2026-11-20T09:14:00Z', eventName: X, eventSource: s, requestParameters: { bucketName: b } }\n",
      /e\.yml:3:\d+: cloudtrail\.b\[0\]\.eventID: missing/,
    ],
    [
      'a record filed under a name it does not carry',
      "cloudtrail:\n  other:\n    - { eventID: e, eventTime: '2026-11-20T09:14:00Z', eventName: X, eventSource: s, requestParameters: { bucketName: b } }\n",
      /e\.yml:3:\d+: cloudtrail\.other\[0\]: names neither/,
    ],
    ['invalid YAML', 'metrics: [\n', /e\.yml:2:\d+: invalid YAML/],
    ['a duplicate key', 'logs:\n  /g: []\n  /g: []\n', /e\.yml:3:\d+: invalid YAML: .*unique/i],
  ])('refuses %s, naming where', (_label, text, message) => {
    expect(() => parseEvidenceFile(text, 'e.yml')).toThrow(EvidenceFileError);
    expect(() => parseEvidenceFile(text, 'e.yml')).toThrow(message);
    // In the configuration's words: line:col and key path, never zod's.
    expect(() => parseEvidenceFile(text, 'e.yml')).not.toThrow(
      /Invalid input|Unrecognized key|expected \w+, received/,
    );
  });

  describe('loadEvidenceFile', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-evidence-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('reads JSON too, and answers from it', async () => {
      const file = join(dir, 'e.json');
      writeFileSync(file, JSON.stringify({ alarms: { 'example-b': { state: 'OK' } } }));
      const loaded = loadEvidenceFile(file);
      await expect(loaded.alarmStates?.({ region, names: ['example-b'] })).resolves.toEqual([
        { name: 'example-b', kind: 'metric', state: 'OK' },
      ]);
    });

    it('names the file it cannot read', () => {
      expect(() => loadEvidenceFile(join(dir, 'missing.yml'))).toThrow(/missing\.yml/);
    });

    it('names the file and the key path of a bad one', () => {
      const file = join(dir, 'bad.yml');
      writeFileSync(file, 'alarms:\n  b: { state: nope }\n');
      expect(() => loadEvidenceFile(file)).toThrow(/bad\.yml:2:\d+: alarms\.b\.state: "nope" is not one of/);
    });
  });
});

describe('recorded metricData (GetMetricData)', () => {
  const changed = '2026-11-20T09:15:30Z';
  const p = ports({
    metrics: {
      'example-a': {
        changed,
        series: { m1: [1, null, 3, 4, 5], ad1: { lower: [0, 0, 0, 0, 1], upper: [9, 9, 9, 9, 8] } },
      },
      'example-math': { series: { e1: [1, 2] } },
      'arn:aws:cloudwatch:us-east-1:123456789012:alarm:example-a': { changed, series: { m1: [100] } },
    },
  });
  // The period holding the change is 09:15; the window the builder asks for ends at its boundary.
  const end = at('2026-11-20T09:16:00Z');

  it('puts the last value on the period holding the state change, and leaves out nulls', async () => {
    const [series] = await p.metricData({
      region,
      alarmName: 'example-a',
      queries: [metric('m1')],
      startMs: end - 10 * MIN,
      endMs: end,
    });
    expect(series).toEqual({
      id: 'm1',
      label: 'Errors',
      timestamps: [
        at('2026-11-20T09:11:00Z'),
        at('2026-11-20T09:13:00Z'),
        at('2026-11-20T09:14:00Z'),
        at('2026-11-20T09:15:00Z'),
      ],
      values: [1, 3, 4, 5],
      status: 'Complete',
    });
  });

  it('answers only the periods that start inside the window [start, end)', async () => {
    const [series] = await p.metricData({
      region,
      alarmName: 'example-a',
      queries: [metric('m1')],
      startMs: at('2026-11-20T09:13:00Z'),
      endMs: at('2026-11-20T09:15:00Z'),
    });
    expect(series?.timestamps).toEqual([at('2026-11-20T09:13:00Z'), at('2026-11-20T09:14:00Z')]);
    expect(series?.values).toEqual([3, 4]);
  });

  it('without `changed`, ends the series at the request end rounded up to a period', async () => {
    const [series] = await p.metricData({
      region,
      alarmName: 'example-math',
      queries: [{ id: 'e1', expression: 'm1 + m2', period: 60, returnData: true }],
      startMs: end - 10 * MIN,
      endMs: end - 30_000,
    });
    expect(series?.timestamps).toEqual([at('2026-11-20T09:14:00Z'), at('2026-11-20T09:15:00Z')]);
  });

  it('returns only the queries asked to return data, an anomaly band as two series', async () => {
    const answer = await p.metricData({
      region,
      alarmName: 'example-a',
      queries: [
        metric('m1', false),
        { id: 'ad1', expression: 'ANOMALY_DETECTION_BAND(m1, 2)', label: 'Expected', returnData: true },
      ],
      startMs: end - 10 * MIN,
      endMs: end,
    });
    expect(answer.map((s) => [s.id, s.label, s.values])).toEqual([
      ['ad1', 'Expected Lower', [0, 0, 0, 0, 1]],
      ['ad1', 'Expected Upper', [9, 9, 9, 9, 8]],
    ]);
  });

  it('answers an empty series for an alarm or a query it has not recorded, as for a metric without data', async () => {
    for (const alarmName of ['example-missing', undefined, 'constructor']) {
      const answer = await p.metricData({
        region,
        alarmName,
        queries: [metric('m1')],
        startMs: 0,
        endMs: end,
      });
      expect(answer).toEqual([{ id: 'm1', label: 'Errors', timestamps: [], values: [], status: 'Complete' }]);
    }
    const other = await p.metricData({
      region,
      alarmName: 'example-a',
      queries: [metric('m9')],
      startMs: 0,
      endMs: end,
    });
    expect(other[0]?.values).toEqual([]);
  });

  it('prefers an ARN entry in the request region to a name entry', async () => {
    const q = { alarmName: 'example-a', queries: [metric('m1')], startMs: end - 10 * MIN, endMs: end };
    expect((await p.metricData({ ...q, region: 'us-east-1' }))[0]?.values).toEqual([100]);
    expect((await p.metricData({ ...q, region }))[0]?.values).toEqual([1, 3, 4, 5]);
  });

  it('throws timeout when the deadline already passed', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      p.metricData({
        region,
        alarmName: 'example-a',
        queries: [metric('m1')],
        startMs: 0,
        endMs: end,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ name: 'EvidenceReadError', code: 'timeout' });
  });
});

describe('recorded alarmStates (DescribeAlarms)', () => {
  const p = ports({
    alarms: {
      'example-child': {
        state: 'ALARM',
        reason: 'Threshold Crossed',
        updated: '2026-11-21T02:14:05.112Z',
        threshold: 5,
        comparisonOperator: 'GreaterThanThreshold',
        metrics: [
          {
            id: 'm1',
            metricStat: { namespace: 'N', metricName: 'M', dimensions: { A: 'b' }, period: 60, stat: 'Sum' },
          },
        ],
      },
      'example-composite': { state: 'OK', kind: 'composite' },
    },
  });

  it('answers the alarms it has, with their metric, and leaves out the rest as DescribeAlarms does', async () => {
    const answer = await p.alarmStates({
      region,
      names: ['example-child', 'example-gone', 'example-composite', '__proto__'],
    });
    expect(answer).toEqual([
      {
        name: 'example-child',
        kind: 'metric',
        state: 'ALARM',
        reason: 'Threshold Crossed',
        updatedMs: at('2026-11-21T02:14:05.112Z'),
        threshold: 5,
        comparisonOperator: 'GreaterThanThreshold',
        metrics: [
          {
            id: 'm1',
            returnData: true,
            metricStat: {
              namespace: 'N',
              metricName: 'M',
              dimensions: [{ name: 'A', value: 'b' }],
              period: 60,
              stat: 'Sum',
            },
          },
        ],
      },
      { name: 'example-composite', kind: 'composite', state: 'OK' },
    ]);
  });

  it('hands out copies: a builder editing an answer does not edit the next one', async () => {
    const [first] = await p.alarmStates({ region, names: ['example-child'] });
    first?.metrics?.splice(0);
    const [second] = await p.alarmStates({ region, names: ['example-child'] });
    expect(second?.metrics).toHaveLength(1);
  });
});

describe('recorded logEvents (FilterLogEvents)', () => {
  const group = '/aws/lambda/example-orders-api';
  const events = [
    { at: '2026-11-20T09:10:00Z', message: 'ERROR before the window' },
    { at: '2026-11-20T09:14:00Z', message: 'ERROR\tTypeError: boom', stream: 's1' },
    { at: '2026-11-20T09:13:00Z', message: 'INFO order accepted' },
    { at: '2026-11-20T09:14:30Z', message: 'Task timed out after 6.01 seconds' },
    { at: '2026-11-20T09:15:00Z', message: 'error in lower case' },
    { at: '2026-11-20T09:15:30Z', message: 'ERROR at the very end' },
    { at: '2026-11-20T09:16:00Z', message: 'ERROR after the window' },
  ];
  const p = ports({ logs: { [group]: events, '/aws/lambda/quiet': [] } });
  const base: LogEventsRequest = {
    region,
    logGroup: group,
    startMs: at('2026-11-20T09:13:00Z'),
    endMs: at('2026-11-20T09:15:30Z'),
    filterPattern: '',
    maxPages: 3,
    maxBytes: 1_000_000,
  };
  const messages = async (request: Partial<LogEventsRequest>) =>
    (await p.logEvents({ ...base, ...request })).events.map((e) => e.message);

  it('reads the window, both ends included, oldest first', async () => {
    expect(await messages({})).toEqual([
      'INFO order accepted',
      'ERROR\tTypeError: boom',
      'Task timed out after 6.01 seconds',
      'error in lower case',
      'ERROR at the very end',
    ]);
  });

  it('keeps the stream an event came from', async () => {
    const { events: read } = await p.logEvents({ ...base, filterPattern: 'TypeError' });
    expect(read).toEqual([
      { timestamp: at('2026-11-20T09:14:00Z'), message: 'ERROR\tTypeError: boom', logStream: 's1' },
    ]);
  });

  it.each([
    ['ERROR', ['ERROR\tTypeError: boom', 'ERROR at the very end']],
    ['ERROR TypeError', ['ERROR\tTypeError: boom']],
    ['?TypeError ?"timed out"', ['ERROR\tTypeError: boom', 'Task timed out after 6.01 seconds']],
    ['"timed out after"', ['Task timed out after 6.01 seconds']],
    ['error', ['error in lower case']],
    ['ERROR -TypeError', ['ERROR at the very end']],
  ])('filters with the pattern %s (case-sensitive, terms anywhere)', async (filterPattern, expected) => {
    expect(await messages({ filterPattern })).toEqual(expected);
  });

  it.each([
    ['{ $.level = "ERROR" }'],
    ['[ip, user, ...]'],
    ['%ERR(OR)?%'],
    ['?ERROR TypeError'],
    ['Invoke.Error'],
    ['"unclosed'],
  ])('refuses the pattern %s outside the subset, in words', async (filterPattern) => {
    const failure = p.logEvents({ ...base, filterPattern });
    await expect(failure).rejects.toBeInstanceOf(EvidenceReadError);
    await expect(failure).rejects.toMatchObject({
      code: 'failed',
      message: expect.stringMatching(/subset|quote/),
    });
  });

  it('answers not-found for a log group the file does not hold, as ResourceNotFoundException', async () => {
    for (const logGroup of ['/aws/lambda/absent', 'constructor']) {
      await expect(p.logEvents({ ...base, logGroup })).rejects.toMatchObject({
        name: 'EvidenceReadError',
        code: 'not-found',
        message: expect.stringContaining('ResourceNotFoundException'),
      });
    }
  });

  it('answers nothing, untruncated, for a group with no events', async () => {
    await expect(p.logEvents({ ...base, logGroup: '/aws/lambda/quiet' })).resolves.toEqual({
      events: [],
      truncated: false,
      bytesRead: 0,
      pages: 1,
    });
  });

  it('counts UTF-8 bytes and pages', async () => {
    const result = await p.logEvents({ ...base, filterPattern: 'ERROR' });
    expect(result).toMatchObject({ truncated: false, pages: 1 });
    expect(result.bytesRead).toBe(
      Buffer.byteLength('ERROR\tTypeError: boom') + Buffer.byteLength('ERROR at the very end'),
    );
  });

  describe('bounds', () => {
    const many = Array.from({ length: 10 }, (_, i) => ({
      at: new Date(at('2026-11-20T09:14:00Z') + i * 1000).toISOString(),
      message: `ERROR n${i} é`,
    }));
    const paged = ports({ logs: { [group]: many } }, { logPageEvents: 3 });
    const size = Buffer.byteLength('ERROR n0 é');

    it('stops at maxPages, pages of N events, and says more matched', async () => {
      const result = await paged.logEvents({ ...base, maxPages: 2 });
      expect(result.events.map((e) => e.message)).toEqual(many.slice(0, 6).map((e) => e.message));
      expect(result).toMatchObject({ truncated: true, pages: 2, bytesRead: 6 * size });
    });

    it('reads every page when they fit, untruncated', async () => {
      const result = await paged.logEvents({ ...base, maxPages: 4 });
      expect(result).toMatchObject({ truncated: false, pages: 4 });
      expect(result.events).toHaveLength(10);
    });

    it('never reads past maxBytes', async () => {
      const result = await paged.logEvents({ ...base, maxBytes: 4 * size + size - 1 });
      expect(result.events).toHaveLength(4);
      expect(result.bytesRead).toBe(4 * size);
      expect(result).toMatchObject({ truncated: true, pages: 2 });
    });

    it('fills a page with at most 1 MB, as FilterLogEvents does', async () => {
      const big = 'x'.repeat(400 * 1024);
      const heavy = ports({
        logs: { [group]: [0, 1, 2].map((i) => ({ at: `2026-11-20T09:14:0${i}Z`, message: `ERROR ${big}` })) },
      });
      const result = await heavy.logEvents({ ...base, maxPages: 1, maxBytes: 10 * LOG_PAGE_BYTES });
      expect(result.events).toHaveLength(2);
      expect(result).toMatchObject({ truncated: true, pages: 1 });
    });

    it('throws timeout when the deadline passed before the read', async () => {
      const gone = new AbortController();
      gone.abort();
      await expect(paged.logEvents({ ...base, signal: gone.signal })).rejects.toMatchObject({
        code: 'timeout',
      });
    });

    it('keeps what it read and says truncated when the deadline passes between pages', async () => {
      // Passes after the first look: the read has started, the second page is never asked for.
      let looks = 0;
      const passing = {
        get aborted() {
          return looks++ > 0;
        },
      } as AbortSignal;
      const result = await paged.logEvents({ ...base, signal: passing });
      expect(result).toMatchObject({ truncated: true, pages: 1 });
      expect(result.events).toHaveLength(3);
    });
  });
});

describe('recorded trailLookup (LookupEvents)', () => {
  const alice = {
    type: 'IAMUser',
    arn: 'arn:aws:iam::123456789012:user/alice',
    accountId: '123456789012',
    userName: 'alice',
  };
  const ci = {
    type: 'AssumedRole',
    arn: 'arn:aws:sts::123456789012:assumed-role/terraform-ci/ci-1942',
    sessionContext: { sessionIssuer: { type: 'Role', userName: 'terraform-ci' } },
  };
  const record = (eventID: string, eventTime: string, eventName: string, extra: Record<string, unknown>) => ({
    eventID,
    eventTime,
    eventName,
    eventSource: 's3.amazonaws.com',
    readOnly: eventName.startsWith('Get') || eventName.startsWith('List'),
    ...extra,
  });
  const created = record('e-create', '2026-11-21T09:14:27Z', 'CreateBucket', {
    userIdentity: alice,
    requestParameters: { bucketName: 'example-reports-2026' },
  });
  const tagged = record('e-tag', '2026-11-21T09:16:00Z', 'PutBucketTagging', {
    userIdentity: ci,
    resources: [{ ARN: 'arn:aws:s3:::example-reports-2026', type: 'AWS::S3::Bucket' }],
  });
  const listed = record('e-list', '2026-11-21T08:41:09Z', 'ListBuckets', { userIdentity: alice });
  const rooted = record('e-root', '2026-11-20T08:00:00Z', 'GetBucketAcl', {
    userIdentity: { type: 'Root', arn: 'arn:aws:iam::123456789012:root' },
    requestParameters: { bucketName: 'example-reports-2026' },
  });
  // The same record filed under two names is one event.
  const p = ports({
    cloudtrail: {
      'example-reports-2026': [created, tagged, rooted],
      alice: [listed, created],
      'ci-1942': [tagged],
    },
  });
  const window = { startMs: at('2026-11-01T00:00:00Z'), endMs: at('2026-11-21T09:18:31Z') };
  const ids = async (key: 'ResourceName' | 'Username', value: string, extra: object = {}) =>
    (
      await p.trailLookup({ region, attribute: { key, value }, maxResults: 50, ...window, ...extra })
    ).events.map((e) => e.eventId);

  it('finds a resource by request parameter or resources[].ARN, newest first, each record once', async () => {
    expect(await ids('ResourceName', 'example-reports-2026')).toEqual(['e-tag', 'e-create', 'e-root']);
    expect(await ids('ResourceName', 'arn:aws:s3:::example-reports-2026')).toEqual(['e-tag']);
  });

  it('finds a user by IAM user name, role session name or root', async () => {
    expect(await ids('Username', 'alice')).toEqual(['e-create', 'e-list']);
    expect(await ids('Username', 'ci-1942')).toEqual(['e-tag']);
    expect(await ids('Username', 'root')).toEqual(['e-root']);
    expect(await ids('Username', 'terraform-ci')).toEqual([]);
    expect(await ids('Username', 'constructor')).toEqual([]);
  });

  it('answers from the asked region only: event history is regional', async () => {
    const elsewhere = ports({
      cloudtrail: {
        'example-reports-2026': [created, { ...tagged, awsRegion: 'us-east-1' }],
      },
    });
    const found = async (r: string) =>
      (
        await elsewhere.trailLookup({
          region: r,
          attribute: { key: 'ResourceName', value: 'example-reports-2026' },
          maxResults: 50,
          ...window,
        })
      ).events.map((e) => e.eventId);
    expect(await found(region)).toEqual(['e-create']);
    expect(await found('us-east-1')).toEqual(['e-tag', 'e-create']);
  });

  it('keeps to the window, both ends included', async () => {
    expect(
      await ids('ResourceName', 'example-reports-2026', {
        startMs: at('2026-11-21T09:14:27Z'),
        endMs: at('2026-11-21T09:16:00Z'),
      }),
    ).toEqual(['e-tag', 'e-create']);
    expect(await ids('ResourceName', 'example-reports-2026', { endMs: at('2026-11-21T09:15:00Z') })).toEqual([
      'e-create',
      'e-root',
    ]);
  });

  it('answers the event as LookupEvents does, with the record itself', async () => {
    const { events } = await p.trailLookup({
      region,
      attribute: { key: 'Username', value: 'alice' },
      maxResults: 1,
      ...window,
    });
    expect(events).toEqual([
      {
        eventId: 'e-create',
        eventName: 'CreateBucket',
        eventSource: 's3.amazonaws.com',
        timeMs: at('2026-11-21T09:14:27Z'),
        username: 'alice',
        readOnly: false,
        record: created,
      },
    ]);
  });

  it('pages by maxResults with a nextToken for the same lookup only', async () => {
    const request = {
      region,
      attribute: { key: 'ResourceName' as const, value: 'example-reports-2026' },
      maxResults: 2,
      ...window,
    };
    const first = await p.trailLookup(request);
    expect(first.events.map((e) => e.eventId)).toEqual(['e-tag', 'e-create']);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await p.trailLookup({ ...request, nextToken: first.nextToken });
    expect(second.events.map((e) => e.eventId)).toEqual(['e-root']);
    expect(second.nextToken).toBeUndefined();
    await expect(
      p.trailLookup({
        ...request,
        attribute: { key: 'Username', value: 'alice' },
        nextToken: first.nextToken,
      }),
    ).rejects.toMatchObject({ code: 'failed', message: expect.stringContaining('InvalidNextToken') });
    await expect(p.trailLookup({ ...request, nextToken: 'garbage' })).rejects.toMatchObject({
      code: 'failed',
    });
  });

  it.each([[0], [51], [1.5]])('refuses maxResults %s as LookupEvents does (1-50)', async (maxResults) => {
    await expect(
      p.trailLookup({ region, attribute: { key: 'Username', value: 'alice' }, maxResults, ...window }),
    ).rejects.toMatchObject({ code: 'failed', message: expect.stringContaining('InvalidMaxResults') });
  });

  it('answers no events for a name nothing carries, and a window reversed is refused', async () => {
    expect(await ids('ResourceName', 'example-other')).toEqual([]);
    await expect(
      p.trailLookup({
        region,
        attribute: { key: 'Username', value: 'alice' },
        maxResults: 5,
        startMs: 2,
        endMs: 1,
      }),
    ).rejects.toMatchObject({ code: 'failed' });
  });

  it('hands out copies of the record', async () => {
    const [first] = (
      await p.trailLookup({ region, attribute: { key: 'Username', value: 'root' }, maxResults: 5, ...window })
    ).events;
    if (first?.record) first.record.eventName = 'Edited';
    const [again] = (
      await p.trailLookup({ region, attribute: { key: 'Username', value: 'root' }, maxResults: 5, ...window })
    ).events;
    expect(again?.record?.eventName).toBe('GetBucketAcl');
  });
});
