import type { PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import {
  batchEntries,
  entrySize,
  PUT_EVENTS_MAX_BYTES,
  PUT_EVENTS_MAX_ENTRIES,
  PublishError,
  type PutEventsPort,
  publishEntries,
} from '../../../shared/pipeline/publish.ts';

function entry(n: number, detailBytes = 10): PutEventsRequestEntry {
  const prefix = `{"n":${n},"pad":"`;
  const pad = 'x'.repeat(Math.max(0, detailBytes - prefix.length - 2));
  return {
    EventBusName: 'alerts',
    Source: 'cloud-alerts',
    DetailType: 'Alert Raised',
    Detail: `${prefix}${pad}"}`,
  };
}

function entries(count: number): PutEventsRequestEntry[] {
  return Array.from({ length: count }, (_, i) => entry(i));
}

function idOf(e: PutEventsRequestEntry): number {
  return (JSON.parse(e.Detail ?? '{}') as { n: number }).n;
}

/** A fake PutEvents that records each call and answers with a scripted result per call. */
function fakePort(script: Array<(batch: PutEventsRequestEntry[]) => PutEventsResultEntry[] | Error>) {
  const calls: number[][] = [];
  const acceptAll = (b: PutEventsRequestEntry[]): PutEventsResultEntry[] => b.map(() => ({ EventId: 'ok' }));
  const put: PutEventsPort = async (batch) => {
    calls.push(batch.map(idOf));
    const step = script[calls.length - 1] ?? acceptAll;
    const result = step(batch);
    if (result instanceof Error) throw result;
    return { FailedEntryCount: result.filter((r) => r.ErrorCode).length, Entries: result };
  };
  return { put, calls };
}

function failIds(ids: number[], code = 'ThrottlingException') {
  return (batch: PutEventsRequestEntry[]): PutEventsResultEntry[] =>
    batch.map((e) =>
      ids.includes(idOf(e))
        ? { ErrorCode: code, ErrorMessage: `${code} for ${idOf(e)}` }
        : { EventId: `ev-${idOf(e)}` },
    );
}

const noSleep = () => Promise.resolve();

/** Records the delays asked for instead of waiting. */
function recordingSleep() {
  const waits: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    waits.push(ms);
  };
  return { sleep, waits };
}

describe('entrySize', () => {
  it('counts UTF-8 bytes of Source, DetailType, Detail and Resources plus 14 for Time', () => {
    const e: PutEventsRequestEntry = {
      EventBusName: 'ignored-bus-name',
      Source: 'src',
      DetailType: 'dt',
      Detail: '{"a":"é"}',
      Resources: ['r1', 'r22'],
    };
    expect(entrySize(e)).toBe(14 + 3 + 2 + 10 + 2 + 3);
  });

  it('is 14 for an empty entry', () => {
    expect(entrySize({})).toBe(14);
  });
});

describe('batchEntries', () => {
  it.each([
    [0, []],
    [1, [1]],
    [10, [10]],
    [11, [10, 1]],
    [25, [10, 10, 5]],
  ])('splits %i entries into batches of %p', (count, sizes) => {
    const batches = batchEntries(entries(count));
    expect(batches.map((b) => b.length)).toEqual(sizes);
    expect(batches.flat().map(idOf)).toEqual(entries(count).map(idOf));
  });

  it('never puts more than PUT_EVENTS_MAX_ENTRIES in a batch', () => {
    expect(PUT_EVENTS_MAX_ENTRIES).toBe(10);
    for (const b of batchEntries(entries(37))) expect(b.length).toBeLessThanOrEqual(10);
  });

  it('keeps each request within 256 KB', () => {
    expect(PUT_EVENTS_MAX_BYTES).toBe(262144);
    const big = Array.from({ length: 5 }, (_, i) => entry(i, 100 * 1024));
    const batches = batchEntries(big);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const b of batches)
      expect(b.reduce((n, e) => n + entrySize(e), 0)).toBeLessThanOrEqual(PUT_EVENTS_MAX_BYTES);
  });

  it('fills a request exactly to 256 KB', () => {
    const half = PUT_EVENTS_MAX_BYTES / 2;
    const overhead = entrySize(entry(1, 1000)) - 1000;
    const exact = [entry(1, half - overhead), entry(2, half - overhead)];
    expect(exact.map(entrySize)).toEqual([half, half]);
    expect(batchEntries(exact).map((b) => b.length)).toEqual([2]);
    const over = [entry(1, half - overhead), entry(2, half - overhead + 1)];
    expect(batchEntries(over).map((b) => b.length)).toEqual([1, 1]);
  });

  it('throws a PublishError for an entry larger than 256 KB', () => {
    const huge = entry(0, PUT_EVENTS_MAX_BYTES);
    expect(() => batchEntries([entry(1), huge])).toThrow(PublishError);
    expect(() => batchEntries([huge])).toThrow(/exceeds the PutEvents limit of 262144/);
  });
});

describe('publishEntries', () => {
  it('sends every entry once when PutEvents accepts them all', async () => {
    const { put, calls } = fakePort([]);
    const { sleep, waits } = recordingSleep();
    await publishEntries(put, entries(12), { sleep });
    expect(calls).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11],
    ]);
    expect(waits).toEqual([]);
  });

  it('retries only the entries PutEvents reports as failed, by position', async () => {
    const { put, calls } = fakePort([failIds([1, 3]), failIds([3])]);
    const { sleep, waits } = recordingSleep();
    await publishEntries(put, entries(5), { sleep });
    expect(calls).toEqual([[0, 1, 2, 3, 4], [1, 3], [3]]);
    expect(waits).toHaveLength(2);
  });

  it('gives up after maxAttempts with a PublishError naming the error codes', async () => {
    const failing = (b: PutEventsRequestEntry[]): PutEventsResultEntry[] =>
      b.map((e) =>
        idOf(e) === 0
          ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }
          : idOf(e) === 1
            ? { ErrorCode: 'InternalException' }
            : { EventId: 'ok' },
      );
    const { put, calls } = fakePort([failing, failing, failing]);
    const { sleep, waits } = recordingSleep();
    const error = await publishEntries(put, entries(3), { maxAttempts: 3, sleep }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).message).toBe(
      '2 of 3 entries still failed after 3 attempts (ThrottlingException, InternalException)',
    );
    expect((error as PublishError).failed).toEqual([
      { errorCode: 'ThrottlingException', errorMessage: 'slow down' },
      { errorCode: 'InternalException' },
    ]);
    expect(calls).toEqual([
      [0, 1, 2],
      [0, 1],
      [0, 1],
    ]);
    expect(waits).toHaveLength(2);
  });

  it('retries a call that throws, then succeeds', async () => {
    const { put, calls } = fakePort([() => new Error('socket hang up')]);
    const { sleep, waits } = recordingSleep();
    await publishEntries(put, entries(2), { sleep });
    expect(calls).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(waits).toHaveLength(1);
  });

  it('throws a PublishError with the cause when the last attempt throws', async () => {
    const boom = new Error('network down');
    const { put, calls } = fakePort([() => boom, () => boom]);
    const error = await publishEntries(put, entries(1), { maxAttempts: 2, sleep: noSleep }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).message).toBe('PutEvents failed after 2 attempts');
    expect((error as PublishError).cause).toBe(boom);
    expect(calls).toHaveLength(2);
  });

  it('waits with growing, jittered, capped backoff through the injected sleep', async () => {
    const fail = failIds([0]);
    const { put } = fakePort([fail, fail, fail, fail, fail]);
    const { sleep, waits } = recordingSleep();
    await expect(
      publishEntries(put, entries(1), { maxAttempts: 5, baseDelayMs: 1000, sleep }),
    ).rejects.toThrow(PublishError);
    expect(waits).toHaveLength(4);
    const caps = [1000, 2000, 2000, 2000];
    for (const [i, ms] of waits.entries()) {
      expect(ms).toBeGreaterThanOrEqual((caps[i] ?? 0) / 2);
      expect(ms).toBeLessThanOrEqual(caps[i] ?? 0);
    }
  });

  it('does not call PutEvents for no entries', async () => {
    const { put, calls } = fakePort([]);
    await publishEntries(put, [], { sleep: noSleep });
    expect(calls).toEqual([]);
  });

  it('rejects an oversize entry before sending anything', async () => {
    const { put, calls } = fakePort([]);
    await expect(publishEntries(put, [entry(0, PUT_EVENTS_MAX_BYTES)], { sleep: noSleep })).rejects.toThrow(
      PublishError,
    );
    expect(calls).toEqual([]);
  });
});
