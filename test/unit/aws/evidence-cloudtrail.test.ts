import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createTrailLookupPort,
  parseTrailRecord,
  trailErrorCode,
} from '../../../shared/aws/evidence/cloudtrail.ts';
import { EvidenceReadError } from '../../../shared/evidence/ports.ts';
import { useFakeAwsEnv } from '../../helpers/aws-env.ts';

useFakeAwsEnv();
const trail = mockClient(CloudTrailClient);
afterEach(() => trail.reset());

const client = new CloudTrailClient({ region: 'eu-west-1' });
const port = createTrailLookupPort({ clientFor: () => client });
const request = {
  region: 'eu-west-1',
  attribute: { key: 'ResourceName' as const, value: 'example-reports' },
  startMs: Date.parse('2026-01-01T00:00:00Z'),
  endMs: Date.parse('2026-03-01T00:00:00Z'),
  maxResults: 50,
};

function sdkError(name: string): Error {
  const err = new Error(`${name} happened`);
  err.name = name;
  return err;
}

describe('createTrailLookupPort', () => {
  it('sends one LookupEvents with the attribute, times, page size and token, and maps the answer', async () => {
    trail.on(LookupEventsCommand).resolves({
      NextToken: 'next-2',
      Events: [
        {
          EventId: 'e1',
          EventName: 'PutBucketPolicy',
          EventSource: 's3.amazonaws.com',
          EventTime: new Date('2026-02-01T10:00:00Z'),
          Username: 'alice',
          ReadOnly: 'false',
          CloudTrailEvent: JSON.stringify({
            eventID: 'e1',
            userIdentity: { type: 'IAMUser', userName: 'alice' },
          }),
        },
        {
          EventId: 'e2',
          EventName: 'GetBucketPolicy',
          EventSource: 's3.amazonaws.com',
          EventTime: new Date('2026-02-01T09:00:00Z'),
          ReadOnly: 'true',
          CloudTrailEvent: '{"eventID": "e2", "userIdentity": {',
        },
      ],
    });
    const out = await port({ ...request, nextToken: 'next-1' });
    const sent = trail.commandCalls(LookupEventsCommand)[0]?.args[0].input;
    expect(sent).toEqual({
      LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'example-reports' }],
      StartTime: new Date(request.startMs),
      EndTime: new Date(request.endMs),
      MaxResults: 50,
      NextToken: 'next-1',
    });
    expect(out.nextToken).toBe('next-2');
    expect(out.events).toEqual([
      {
        eventId: 'e1',
        eventName: 'PutBucketPolicy',
        eventSource: 's3.amazonaws.com',
        timeMs: Date.parse('2026-02-01T10:00:00Z'),
        username: 'alice',
        readOnly: false,
        record: { eventID: 'e1', userIdentity: { type: 'IAMUser', userName: 'alice' } },
      },
      // Bad JSON: the event stays, without a record.
      {
        eventId: 'e2',
        eventName: 'GetBucketPolicy',
        eventSource: 's3.amazonaws.com',
        timeMs: Date.parse('2026-02-01T09:00:00Z'),
        readOnly: true,
      },
    ]);
  });

  it('follows pages one call at a time: the token it was given is the one it sends', async () => {
    trail
      .on(LookupEventsCommand, { NextToken: undefined })
      .resolves({ Events: [], NextToken: 'p2' })
      .on(LookupEventsCommand, { NextToken: 'p2' })
      .resolves({ Events: [] });
    const first = await port(request);
    const second = await port({ ...request, nextToken: first.nextToken });
    expect(first.nextToken).toBe('p2');
    expect(second.nextToken).toBeUndefined();
    expect(trail.commandCalls(LookupEventsCommand)).toHaveLength(2);
  });

  it('drops events it cannot place in time or name', async () => {
    trail.on(LookupEventsCommand).resolves({
      Events: [{ EventId: 'x', EventSource: 's3.amazonaws.com', CloudTrailEvent: 'null' }],
    });
    expect((await port(request)).events).toEqual([]);
  });

  it.each([
    ['ThrottlingException', 'throttled'],
    ['AccessDeniedException', 'denied'],
    ['UnauthorizedOperation', 'denied'],
    ['ResourceNotFoundException', 'not-found'],
    ['InvalidLookupAttributesException', 'failed'],
  ])('maps %s to %s', async (name, code) => {
    trail.on(LookupEventsCommand).rejects(sdkError(name));
    const err = await port(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvidenceReadError);
    expect((err as EvidenceReadError).code).toBe(code);
    expect((err as Error).message).toContain(name);
  });

  it('passes the abort signal to send, and an aborted read is a timeout', async () => {
    const controller = new AbortController();
    trail.on(LookupEventsCommand).callsFake(() => {
      controller.abort();
      throw sdkError('AbortError');
    });
    const err = await port({ ...request, signal: controller.signal }).catch((e: unknown) => e);
    expect((err as EvidenceReadError).code).toBe('timeout');
    const late = await port({ ...request, signal: controller.signal }).catch((e: unknown) => e);
    expect((late as EvidenceReadError).code).toBe('timeout');
    // The second read never reached the SDK: the deadline had already passed.
    expect(trail.commandCalls(LookupEventsCommand)).toHaveLength(1);
  });

  it('hands the signal to the SDK', async () => {
    trail.on(LookupEventsCommand).resolves({ Events: [] });
    const options: unknown[] = [];
    const watched = {
      send: (command: LookupEventsCommand, opts: unknown) => {
        options.push(opts);
        return client.send(command, opts as { abortSignal?: AbortSignal });
      },
    } as unknown as CloudTrailClient;
    const controller = new AbortController();
    await createTrailLookupPort({ clientFor: () => watched })({ ...request, signal: controller.signal });
    expect(options).toEqual([{ abortSignal: controller.signal }]);
  });
});

describe('parseTrailRecord and trailErrorCode', () => {
  it('reads only JSON objects', () => {
    expect(parseTrailRecord('{"a":1}')).toEqual({ a: 1 });
    expect(parseTrailRecord('[1]')).toBeUndefined();
    expect(parseTrailRecord('"x"')).toBeUndefined();
    expect(parseTrailRecord('{')).toBeUndefined();
    expect(parseTrailRecord(undefined)).toBeUndefined();
  });

  it('knows the throttling family and non-errors', () => {
    expect(trailErrorCode(sdkError('RequestLimitExceeded'))).toBe('throttled');
    expect(trailErrorCode(sdkError('LimitExceededException'))).toBe('throttled');
    expect(trailErrorCode('boom')).toBe('failed');
  });
});
