import {
  AccessDeniedException,
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  LimitExceededException,
  ResourceNotFoundException,
  ServiceUnavailableException,
  ThrottlingException,
} from '@aws-sdk/client-cloudwatch-logs';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createLogEventsPort,
  FILTER_PAGE_EVENTS_MAX,
  logsReadCode,
} from '../../../shared/aws/evidence/logs.ts';
import { EvidenceReadError, type LogEventsRequest } from '../../../shared/evidence/ports.ts';
import { useFakeAwsEnv } from '../../helpers/aws-env.ts';
import 'aws-sdk-client-mock-jest';

const REQUEST: LogEventsRequest = {
  region: 'eu-west-1',
  logGroup: '/aws/lambda/example-orders-api',
  startMs: 1_000,
  endMs: 2_000,
  filterPattern: '?ERROR',
  maxPages: 3,
  maxBytes: 10_000,
};

function page(count: number, size: number, nextToken?: string) {
  return {
    events: Array.from({ length: count }, (_, i) => ({
      timestamp: 1_000 + i,
      message: 'E'.repeat(size),
      logStreamName: '2026/11/20/[$LATEST]abc',
    })),
    nextToken,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof EvidenceReadError) return e.code;
    throw e;
  }
  throw new Error('expected the read to fail');
}

describe('createLogEventsPort', () => {
  const logs = mockClient(CloudWatchLogsClient);
  useFakeAwsEnv();

  beforeEach(() => {
    logs.reset();
  });

  it('asks FilterLogEvents for the window, the pattern and a page at a time, following nextToken', async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce(page(2, 10, 't1'))
      .resolvesOnce(page(1, 10));
    const result = await createLogEventsPort()(REQUEST);
    expect(result).toEqual({
      events: [
        { timestamp: 1_000, message: 'E'.repeat(10), logStream: '2026/11/20/[$LATEST]abc' },
        { timestamp: 1_001, message: 'E'.repeat(10), logStream: '2026/11/20/[$LATEST]abc' },
        { timestamp: 1_000, message: 'E'.repeat(10), logStream: '2026/11/20/[$LATEST]abc' },
      ],
      truncated: false,
      bytesRead: 30,
      pages: 2,
    });
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 2);
    expect(logs).toHaveReceivedNthSpecificCommandWith(1, FilterLogEventsCommand, {
      logGroupName: '/aws/lambda/example-orders-api',
      startTime: 1_000,
      endTime: 2_000,
      filterPattern: '?ERROR',
      limit: FILTER_PAGE_EVENTS_MAX,
      nextToken: undefined,
    });
    expect(logs).toHaveReceivedNthSpecificCommandWith(2, FilterLogEventsCommand, { nextToken: 't1' });
  });

  it('stops at maxPages and says more may have matched', async () => {
    logs.on(FilterLogEventsCommand).resolves(page(1, 10, 'more'));
    const result = await createLogEventsPort()({ ...REQUEST, maxPages: 3 });
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 3);
    expect(result).toMatchObject({ truncated: true, pages: 3, bytesRead: 30 });
  });

  it('keeps pages that are empty while a nextToken remains within the page bound', async () => {
    logs.on(FilterLogEventsCommand).resolvesOnce({ events: [], nextToken: 'a' }).resolvesOnce(page(1, 5));
    const result = await createLogEventsPort()(REQUEST);
    expect(result).toMatchObject({ truncated: false, pages: 2, bytesRead: 5 });
  });

  it('stops at maxBytes: keeps the event that crosses it, not those after it, and reads no further page', async () => {
    logs.on(FilterLogEventsCommand).resolves(page(5, 4_000, 'more'));
    const result = await createLogEventsPort()({ ...REQUEST, maxBytes: 10_000 });
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 1);
    expect(result.events).toHaveLength(3);
    expect(result).toMatchObject({ truncated: true, pages: 1, bytesRead: 12_000 });
  });

  it('counts a 1 MB line as one event and its UTF-8 bytes', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [{ timestamp: 1, message: 'é'.repeat(512 * 1024) }] });
    const result = await createLogEventsPort()({ ...REQUEST, maxBytes: 1024 * 1024 });
    expect(result).toMatchObject({ truncated: false, pages: 1, bytesRead: 1024 * 1024 });
    expect(result.events).toHaveLength(1);
  });

  it('passes the deadline to the SDK and answers timeout when it passed before any page', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(codeOf(createLogEventsPort()({ ...REQUEST, signal: controller.signal }))).resolves.toBe(
      'timeout',
    );
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 0);
  });

  it('returns the pages read when the deadline passes in the middle', async () => {
    const controller = new AbortController();
    logs
      .on(FilterLogEventsCommand)
      .callsFakeOnce(async () => page(1, 10, 'next'))
      .callsFakeOnce(async () => {
        controller.abort();
        throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
      });
    const result = await createLogEventsPort()({ ...REQUEST, signal: controller.signal });
    expect(result).toMatchObject({ truncated: true, pages: 1, bytesRead: 10 });
  });

  it('hands the AbortSignal to client.send', async () => {
    const controller = new AbortController();
    const send = jest.fn(async () => page(0, 0));
    const client = { send } as unknown as CloudWatchLogsClient;
    await createLogEventsPort({ clientFor: () => client })({ ...REQUEST, signal: controller.signal });
    expect(send).toHaveBeenCalledWith(expect.any(FilterLogEventsCommand), { abortSignal: controller.signal });
  });

  it.each([
    [
      'not-found',
      new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: {} }),
    ],
    ['denied', new AccessDeniedException({ message: 'not authorized', $metadata: {} })],
    ['throttled', new ThrottlingException({ message: 'Rate exceeded', $metadata: {} })],
    ['throttled', new LimitExceededException({ message: 'limit', $metadata: {} })],
    ['failed', new ServiceUnavailableException({ message: 'down', $metadata: {} })],
    ['timeout', Object.assign(new Error('aborted'), { name: 'AbortError' })],
  ])('maps the SDK error to %s', async (code, error) => {
    logs.on(FilterLogEventsCommand).rejects(error);
    await expect(codeOf(createLogEventsPort()(REQUEST))).resolves.toBe(code);
  });

  it('keeps the SDK error as the cause and the message free of its text', async () => {
    const sdkError = new AccessDeniedException({
      message: 'User arn:aws:sts::123456789012:assumed-role/x is not authorized',
      $metadata: {},
    });
    logs.on(FilterLogEventsCommand).rejects(sdkError);
    const error = await createLogEventsPort()(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EvidenceReadError);
    expect((error as EvidenceReadError).cause).toBe(sdkError);
    expect((error as EvidenceReadError).message).toBe(
      'FilterLogEvents on /aws/lambda/example-orders-api failed: AccessDeniedException',
    );
  });

  it('uses one client per region', async () => {
    const regions: string[] = [];
    const send = jest.fn(async () => page(0, 0));
    const port = createLogEventsPort({
      clientFor: (region) => {
        regions.push(region);
        return { send } as unknown as CloudWatchLogsClient;
      },
    });
    await port(REQUEST);
    await port({ ...REQUEST, region: 'us-east-1' });
    expect(regions).toEqual(['eu-west-1', 'us-east-1']);
  });
});

describe('logsReadCode', () => {
  it('names UnauthorizedOperation denied and RequestLimitExceeded throttled', () => {
    expect(logsReadCode(Object.assign(new Error('x'), { name: 'UnauthorizedOperation' }))).toBe('denied');
    expect(logsReadCode(Object.assign(new Error('x'), { name: 'RequestLimitExceeded' }))).toBe('throttled');
    expect(logsReadCode('not an error')).toBe('failed');
  });
});
