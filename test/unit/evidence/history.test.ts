import { EVIDENCE_CONFIG_DEFAULTS } from '../../../shared/config/evidence.ts';
import type { Alert } from '../../../shared/events/alert.ts';
import { relativeTime, resourceHistoryEvidence } from '../../../shared/evidence/history.ts';
import {
  type Clock,
  createHistoryLookups,
  HistoryCache,
  RegionRateLimiter,
} from '../../../shared/evidence/history-cache.ts';
import { EVIDENCE_LINE_MAX } from '../../../shared/evidence/limits.ts';
import {
  EvidenceReadError,
  type TrailEvent,
  type TrailLookupPort,
  type TrailLookupRequest,
} from '../../../shared/evidence/ports.ts';
import type { LogPort } from '../../../shared/pipeline/logger.ts';

const ACCOUNT = '111122223333';
const ALERT_TIME = '2026-03-10T12:00:00Z';
const T = Date.parse(ALERT_TIME);
const MIN = 60_000;
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const limits = EVIDENCE_CONFIG_DEFAULTS.history;

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'a1',
    ruleId: 's3-bucket-public',
    title: 'Bucket made public',
    severity: 'high',
    status: 'firing',
    kind: 'cloudtrail',
    summary: 'IAM user alice made bucket example-reports public',
    account: { id: ACCOUNT },
    region: 'eu-west-1',
    time: ALERT_TIME,
    actor: { kind: 'iam-user', display: 'IAM user alice', name: 'alice', arn: ALICE, crossAccount: false },
    resource: { type: 'S3 bucket', name: 'example-reports', arn: 'arn:aws:s3:::example-reports' },
    facts: [],
    links: [],
    dedupKey: 'k',
    eventId: 'eb-1',
    cloudTrailEventId: 'own-event',
    ...over,
  } as Alert;
}

function identity(user: string) {
  return { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/${user}`, userName: user, accountId: ACCOUNT };
}

function role(role: string, session: string) {
  return {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
    principalId: `AROAEXAMPLE:${session}`,
    accountId: ACCOUNT,
    sessionContext: {
      sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/${role}`, userName: role },
    },
  };
}

function ev(
  id: string,
  name: string,
  timeMs: number,
  userIdentity?: object,
  extra: Partial<TrailEvent> = {},
): TrailEvent {
  return {
    eventId: id,
    eventName: name,
    eventSource: 's3.amazonaws.com',
    timeMs,
    readOnly: false,
    ...(userIdentity
      ? { record: { eventID: id, eventName: name, eventSource: 's3.amazonaws.com', userIdentity } }
      : {}),
    ...extra,
  };
}

const own = ev('own-event', 'PutBucketAcl', T, identity('alice'));

function portOf(pages: Array<{ events: TrailEvent[]; nextToken?: string } | Error>): {
  port: TrailLookupPort;
  calls: TrailLookupRequest[];
} {
  const calls: TrailLookupRequest[] = [];
  const port: TrailLookupPort = async (req) => {
    calls.push(req);
    const page = pages[calls.length - 1];
    if (page === undefined) throw new Error('no more pages in the test');
    if (page instanceof Error) throw page;
    return page;
  };
  return { port, calls };
}

function recordingLogger(): LogPort & { entries: Array<[string, string]> } {
  const entries: Array<[string, string]> = [];
  return {
    entries,
    info: (m) => entries.push(['info', m]),
    warn: (m) => entries.push(['warn', m]),
    error: (m) => entries.push(['error', m]),
  };
}

async function run(
  pages: Parameters<typeof portOf>[0],
  over: {
    alert?: Alert;
    logger?: LogPort;
    signal?: AbortSignal;
    limits?: Partial<typeof limits>;
    record?: Record<string, unknown>;
  } = {},
) {
  const { port, calls } = portOf(pages);
  const result = await resourceHistoryEvidence(
    {
      alert: over.alert ?? alert(),
      region: 'eu-west-1',
      now: T + 10 * MIN,
      ...(over.logger ? { logger: over.logger } : {}),
      ...(over.signal ? { signal: over.signal } : {}),
      ...(over.record ? { cloudTrailRecord: over.record } : {}),
    },
    { trailLookup: port },
    { ...limits, ...over.limits },
    createHistoryLookups(),
  );
  return { result, calls, lines: result.evidence[0]?.lines ?? [] };
}

describe('resourceHistoryEvidence', () => {
  it('asks LookupEvents once by the resource name, newest-first page of 50, over the lookback', async () => {
    const { calls, result } = await run([
      { events: [own, ev('c', 'CreateBucket', T - 4 * MIN, identity('alice'))] },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      region: 'eu-west-1',
      attribute: { key: 'ResourceName', value: 'example-reports' },
      maxResults: 50,
      startMs: T + 10 * MIN - 90 * 24 * 60 * MIN,
      endMs: T + 10 * MIN,
    });
    expect(result.evidence[0]?.kind).toBe('history');
    expect(result.evidence[0]?.title).toBe(
      'Recent changes to S3 bucket example-reports (CloudTrail, last 90 days)',
    );
  });

  it('says the bucket was created minutes earlier by the same user, leaving out its own event and reads', async () => {
    const { lines } = await run([
      {
        events: [
          own,
          ev('r', 'GetBucketAcl', T - 2 * MIN, identity('bob'), { readOnly: true }),
          ev('c', 'CreateBucket', T - 4 * MIN, identity('alice')),
        ],
      },
    ]);
    expect(lines).toEqual(['Created 4 minutes earlier by the same user (CreateBucket)']);
  });

  it('leaves out a namesake of another service: a table named like the bucket is not its history', async () => {
    const { lines } = await run(
      [
        {
          events: [
            own,
            ev('t', 'CreateTable', T - 2 * MIN, identity('mallory'), {
              eventSource: 'dynamodb.amazonaws.com',
            }),
            ev('c', 'CreateBucket', T - 4 * MIN, identity('alice')),
          ],
        },
      ],
      { record: { eventSource: 's3.amazonaws.com', userIdentity: identity('alice') } },
    );
    expect(lines).toEqual([expect.stringMatching(/^Created 4 minutes earlier by .*\(CreateBucket\)$/)]);
    expect(lines.join('\n')).not.toMatch(/mallory|CreateTable/);
  });

  it('names who last changed the policy, and the other changes of the day with how many people', async () => {
    const { lines } = await run([
      {
        events: [
          own,
          ev('p', 'PutBucketPolicy', T - 2 * 60 * MIN, role('terraform-ci', 'run-7')),
          ev('a1', 'PutBucketAcl', T - 3 * 60 * MIN, identity('bob')),
          ev('a2', 'PutBucketTagging', T - 5 * 60 * MIN, identity('carol')),
          ev('old', 'PutBucketVersioning', T - 3 * 24 * 60 * MIN, identity('bob')),
        ],
      },
    ]);
    expect(lines[0]).toBe(
      'Policy last changed by role terraform-ci (session run-7) 2 h earlier (PutBucketPolicy)',
    );
    expect(lines[1]).toBe(
      'In the 24 h before: 2 other changes by 2 principals — PutBucketAcl by IAM user bob 3 h earlier, PutBucketTagging by IAM user carol 5 h earlier',
    );
    expect(lines).toHaveLength(2);
  });

  it('tells another session of the same role from the same user', async () => {
    const { lines } = await run(
      [
        {
          events: [
            ev('own-event', 'PutBucketAcl', T),
            ev('p', 'PutBucketPolicy', T - 3 * 24 * 60 * MIN, role('deploy', 'b')),
          ],
        },
      ],
      {
        alert: alert({
          actor: {
            kind: 'assumed-role',
            display: 'role deploy (session a)',
            name: 'deploy',
            arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/a`,
            issuerArn: `arn:aws:iam::${ACCOUNT}:role/deploy`,
            crossAccount: false,
          },
        }),
      },
    );
    expect(lines[0]).toBe(
      'Policy last changed by role deploy (session b) (the same role, another session) 3 days earlier (PutBucketPolicy)',
    );
  });

  it('compares Username when the record is unreadable', async () => {
    const { lines } = await run(
      [{ events: [own, ev('c', 'CreateBucket', T - 60 * MIN, undefined, { username: 'alice' })] }],
      {
        alert: alert({
          actor: { kind: 'iam-user', display: 'IAM user alice', name: 'alice', crossAccount: false },
        }),
      },
    );
    expect(lines[0]).toBe('Created 1 h earlier by the same user (CreateBucket)');
  });

  it('says "first change in 90 days" only when the lookup read everything', async () => {
    const complete = await run([{ events: [own] }]);
    expect(complete.lines).toEqual(['First change to this resource in 90 days']);
    const partial = await run([
      { events: [own], nextToken: 'n1' },
      { events: [], nextToken: 'n2' },
    ]);
    expect(partial.calls).toHaveLength(2);
    expect(partial.lines[0]).toMatch(
      /^No earlier change among the 1 most recent events read; older history was not read/,
    );
    expect(partial.lines.join('\n')).not.toMatch(/First change/);
  });

  it('adds the delivery-lag caveat when event history does not yet hold the alert’s own call', async () => {
    const { lines } = await run([{ events: [ev('c', 'CreateBucket', T - 4 * MIN, identity('alice'))] }]);
    expect(lines).toContain(
      'Event history lags the API call (typically about 5 minutes) and did not yet hold this call: the latest changes may be missing',
    );
  });

  it('follows pages up to maxCalls and no further', async () => {
    const { calls, lines } = await run(
      [
        { events: [own], nextToken: 't1' },
        { events: [ev('c', 'CreateBucket', T - 30 * MIN, identity('bob'))], nextToken: 't2' },
        { events: [] },
      ],
      { limits: { maxCalls: 2 } },
    );
    expect(calls).toHaveLength(2);
    expect(calls[1]?.nextToken).toBe('t1');
    expect(lines[0]).toBe('Created 30 minutes earlier by IAM user bob (CreateBucket)');
  });

  it('reads nothing for denied calls, quiet severities, alarms, resolved alerts, or no resource', async () => {
    for (const a of [
      alert({ attempted: true }),
      alert({ severity: 'low' }),
      alert({ kind: 'alarm' }),
      alert({ status: 'resolved' }),
      alert({ resource: undefined }),
      alert({ resource: { type: 'AWS account', name: ACCOUNT } }),
    ]) {
      const { calls, result } = await run([{ events: [own] }], { alert: a });
      expect(calls).toHaveLength(0);
      expect(result.evidence).toEqual([]);
    }
    const off = await run([{ events: [own] }], { limits: { enabled: false } });
    expect(off.calls).toHaveLength(0);
  });

  it('gives no evidence without a port', async () => {
    const r = await resourceHistoryEvidence({ alert: alert(), region: 'eu-west-1', now: T }, {}, limits);
    expect(r.evidence).toEqual([]);
  });

  it('a throttled lookup gives no history and is logged as info; denied as warn', async () => {
    const info = recordingLogger();
    const throttled = await run([new EvidenceReadError('throttled', 'LookupEvents: ThrottlingException')], {
      logger: info,
    });
    expect(throttled.result.evidence).toEqual([]);
    expect(info.entries).toEqual([['info', expect.stringMatching(/LookupEvents throttled/)]]);
    const warn = recordingLogger();
    await run([new EvidenceReadError('denied', 'AccessDenied')], { logger: warn });
    expect(warn.entries[0]?.[0]).toBe('warn');
  });

  it('keeps what the first page said when a later page fails', async () => {
    const { lines } = await run([
      { events: [own, ev('c', 'CreateBucket', T - 4 * MIN, identity('alice'))], nextToken: 't' },
      new EvidenceReadError('throttled', 'slow down'),
    ]);
    expect(lines[0]).toBe('Created 4 minutes earlier by the same user (CreateBucket)');
  });

  it('an aborted deadline skips the lookup and says so in the log', async () => {
    const logger = recordingLogger();
    const controller = new AbortController();
    controller.abort();
    const { calls, result } = await run([{ events: [own] }], { signal: controller.signal, logger });
    expect(calls).toHaveLength(0);
    expect(result.evidence).toEqual([]);
    expect(logger.entries[0]).toEqual(['info', expect.stringMatching(/no LookupEvents call slot/)]);
  });

  it('hostile names stay one inert, capped line', async () => {
    const hostile = `evil\u001b[2J\nhttps://x.example/${'A'.repeat(500)}`;
    const { lines } = await run([
      { events: [own, ev('c', `Create${hostile}`, T - 4 * MIN, undefined, { username: hostile })] },
    ]);
    for (const l of lines) {
      expect(l.length).toBeLessThanOrEqual(EVIDENCE_LINE_MAX);
      expect(l).not.toContain('\u001b');
      expect(l).not.toContain('\n');
      expect(l).not.toContain('https://');
    }
    expect(lines[0]).toMatch(/^Created 4 minutes earlier by evil/);
  });

  it('reuses a read for the next alert on the same resource within cacheSeconds', async () => {
    const lookups = createHistoryLookups();
    const { port, calls } = portOf([
      { events: [own, ev('c', 'CreateBucket', T - 4 * MIN, identity('alice'))] },
    ]);
    const input = { alert: alert(), region: 'eu-west-1', now: T + MIN };
    await resourceHistoryEvidence(input, { trailLookup: port }, limits, lookups);
    const second = await resourceHistoryEvidence(
      { ...input, alert: alert({ cloudTrailEventId: 'next' }), now: T + MIN + 20_000 },
      { trailLookup: port },
      limits,
      lookups,
    );
    expect(calls).toHaveLength(1);
    expect(second.evidence[0]?.lines).toContain(
      'Read from event history 20 s earlier for another alert on this resource: changes since are not in it',
    );
    // Past cacheSeconds (60) it reads again.
    await expect(
      resourceHistoryEvidence({ ...input, now: T + 3 * MIN }, { trailLookup: port }, limits, lookups),
    ).resolves.toMatchObject({ evidence: [] });
    expect(calls).toHaveLength(2);
  });
});

describe('relativeTime', () => {
  it.each([
    [T - 10_000, 'seconds earlier'],
    [T - MIN, '1 minute earlier'],
    [T - 59 * MIN, '59 minutes earlier'],
    [T - 2 * 60 * MIN, '2 h earlier'],
    [T - 24 * 60 * MIN, '1 day earlier'],
    [T + 3 * MIN, '3 minutes later'],
  ])('%s → %s', (at, words) => {
    expect(relativeTime(at, T)).toBe(words);
  });
});

function fakeClock(start = 0): Clock & { t: number; slept: number[] } {
  const clock = {
    t: start,
    slept: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) return false;
      clock.slept.push(ms);
      clock.t += ms;
      return true;
    },
  };
  return clock;
}

describe('RegionRateLimiter', () => {
  it('lets two calls a second start per Region and paces the third', async () => {
    const clock = fakeClock(1000);
    const limiter = new RegionRateLimiter({ clock });
    expect(await limiter.acquire('eu-west-1')).toBe(true);
    expect(await limiter.acquire('eu-west-1')).toBe(true);
    expect(await limiter.acquire('us-east-1')).toBe(true);
    expect(clock.slept).toEqual([]);
    expect(await limiter.acquire('eu-west-1')).toBe(true);
    expect(clock.slept).toEqual([1000]);
  });

  it('says no instead of waiting past the deadline, and gives the slot back', async () => {
    const clock = fakeClock(0);
    const limiter = new RegionRateLimiter({ clock });
    await limiter.acquire('r');
    await limiter.acquire('r');
    const controller = new AbortController();
    controller.abort();
    expect(await limiter.acquire('r', controller.signal)).toBe(false);
    expect(await limiter.acquire('r', undefined, 500)).toBe(false);
    expect(limiter.nextSlot('r')).toBe(1000);
  });

  it('a real sleep ends early when the signal aborts', async () => {
    const limiter = new RegionRateLimiter();
    await limiter.acquire('r');
    await limiter.acquire('r');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    expect(await limiter.acquire('r', controller.signal)).toBe(false);
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe('HistoryCache', () => {
  it('expires entries after the ttl and drops the least recently used past its size', () => {
    const cache = new HistoryCache(2);
    const read = { events: [], complete: true, readAtMs: 0, startMs: 0 };
    cache.set('a', read);
    cache.set('b', read);
    expect(cache.get('a', 10, 60_000)).toBe(read);
    cache.set('c', read);
    expect(cache.get('b', 10, 60_000)).toBeUndefined();
    expect(cache.get('a', 10, 60_000)).toBe(read);
    expect(cache.get('a', 60_000, 60_000)).toBeUndefined();
  });
});
