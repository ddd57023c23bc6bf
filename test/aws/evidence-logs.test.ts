import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { createLogEventsPort } from '../../shared/aws/evidence/logs.ts';
import { EVIDENCE_CONFIG_DEFAULTS } from '../../shared/config/evidence.ts';
import { alarmAlert } from '../../shared/enrich/alarm.ts';
import { AlarmDetailSchema } from '../../shared/events/alarm.ts';
import { ERROR_FILTER_PATTERN } from '../../shared/evidence/log-errors.ts';
import { alarmLogEvidence } from '../../shared/evidence/logs.ts';
import { EvidenceReadError, type LogEventsRequest } from '../../shared/evidence/ports.ts';
import { detailOf, envelopeOf, loadEvent } from '../helpers/events.ts';
import { type Moto, REGION, startMoto } from './kit/moto.ts';

/**
 * FilterLogEvents against moto (moto_server on 127.0.0.1, started here). moto 5.2.1 evaluates a
 * single term, space-separated terms (all must appear, as substrings) and one quoted phrase
 * (moto/logs/utils.py EventMessageFilter); a pattern starting with anything else, such as our
 * `?term ?term` OR pattern, is "unsupported" and matches every event in the window. So this test
 * checks what moto can: the request (group, window, paging) and, with a single term, that the pattern
 * reaches the service; the OR pattern itself is checked by the builder's own matcher
 * (matchesErrorPattern, test/unit/evidence/log-errors.test.ts), which is why the builder still counts
 * only error lines here.
 */
const GROUP = '/aws/lambda/example-orders-api';
const REQ = '3f0c2c2a-1b2c-4d5e-8f90-123456789abc';

describe('createLogEventsPort against moto', () => {
  let moto: Moto;
  let client: CloudWatchLogsClient;
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const lines = [
    [now - 40 * 60_000, `${iso(now - 40 * 60_000)}\t${REQ}\tERROR\tlong before the window`],
    [now - 180_000, `${iso(now - 180_000)}\t${REQ}\tINFO\torder accepted`],
    [
      now - 120_000,
      `${iso(now - 120_000)}\t${REQ}\tERROR\tInvoke Error \t{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined (reading 'id')"}`,
    ],
    [
      now - 110_000,
      `${iso(now - 110_000)}\t79b4f56e-95b1-4643-9700-2807f4e68189\tERROR\tInvoke Error \t{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined (reading 'id')"}`,
    ],
    [now - 100_000, `${iso(now - 100_000)} ${REQ} Task timed out after 3.00 seconds`],
    [
      now - 90_000,
      `[ERROR] KeyError: 'customer_id'\nTraceback (most recent call last):\n  File "/var/task/app.py"`,
    ],
    [now - 80_000, `${iso(now - 80_000)}\t${REQ}\tERROR\tlogin failed password=hunter2 <!channel>`],
  ] as const;

  const request = (over: Partial<LogEventsRequest> = {}): LogEventsRequest => ({
    region: REGION,
    logGroup: GROUP,
    startMs: now - 20 * 60_000,
    endMs: now,
    filterPattern: ERROR_FILTER_PATTERN,
    maxPages: 3,
    maxBytes: 1024 * 1024,
    ...over,
  });

  beforeAll(async () => {
    moto = await startMoto();
    client = new CloudWatchLogsClient({
      endpoint: moto.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    await client.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    await client.send(
      new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: '2026/11/20/[$LATEST]abc' }),
    );
    await client.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: '2026/11/20/[$LATEST]abc',
        logEvents: lines.map(([timestamp, message]) => ({ timestamp, message })),
      }),
    );
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  const port = () => createLogEventsPort({ clientFor: () => client });

  it('reads the window only; moto does not evaluate the ?OR pattern and returns every event in it', async () => {
    const result = await port()(request());
    expect(result.events.map((e) => e.timestamp)).toEqual(lines.slice(1).map(([t]) => t));
    expect(result).toMatchObject({ truncated: false, pages: 1 });
    expect(result.bytesRead).toBe(lines.slice(1).reduce((n, [, m]) => n + Buffer.byteLength(m), 0));
  });

  it('sends the pattern: a single term is one moto evaluates', async () => {
    const result = await port()(request({ filterPattern: 'Traceback' }));
    expect(result.events.map((e) => e.message.split('\n')[0])).toEqual(["[ERROR] KeyError: 'customer_id'"]);
  });

  it('answers not-found for a log group that does not exist', async () => {
    const error = await port()(request({ logGroup: '/aws/lambda/missing' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EvidenceReadError);
    expect((error as EvidenceReadError).code).toBe('not-found');
  });

  it('gives the builder what it needs for the alert: distinct errors, masked and inert', async () => {
    const event = loadEvent('cloudwatch/lambda-errors-alarm.json');
    const state = detailOf(event).state as Record<string, unknown>;
    state.timestamp = iso(now);
    state.reasonData = '{}';
    const detail = AlarmDetailSchema.parse(event.detail);
    const result = await alarmLogEvidence(
      { alert: alarmAlert(envelopeOf(event), detail, { accounts: {} }), detail, region: REGION, now },
      { logEvents: port() },
      EVIDENCE_CONFIG_DEFAULTS.logs,
    );
    const lines = result.evidence[0]?.lines ?? [];
    expect(lines[0]).toMatch(/^5 error lines, 4 distinct; read \d+ bytes of 1 page$/);
    expect(lines.slice(1).map((l) => l.replace(/\(first \d\d:\d\d:\d\d\)/, '(first T)'))).toEqual([
      "2× (first T) TypeError: Cannot read properties of undefined (reading 'id')",
      '1× (first T) Task timed out after 3.00 seconds',
      "1× (first T) KeyError: 'customer_id'",
      '1× (first T) login failed password=[masked] <!channel>',
    ]);
  });
});
