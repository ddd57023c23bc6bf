import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { EXIT_AWS_FAILED, type HistoryDeps, historyCommand, parseTime } from '../../../cli/history.ts';
import type { Clock } from '../../../shared/evidence/history-cache.ts';
import {
  EvidenceReadError,
  type TrailEvent,
  type TrailLookupPort,
  type TrailLookupRequest,
} from '../../../shared/evidence/ports.ts';
import type { TimelineEntry } from '../../../shared/history/timeline.ts';
import { runCli } from '../../helpers/cli.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/history/', import.meta.url));
const NOW = Date.parse('2026-03-10T13:00:00Z');

function fakeClock(): Clock & { slept: number[] } {
  let t = NOW;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
      return true;
    },
  };
}

async function run(args: string[], deps: HistoryDeps = {}, env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const code = await historyCommand(
    args,
    {
      stdin: Readable.from(['']),
      stdout: (s) => {
        out += s;
      },
      stderr: (s) => {
        err += s;
      },
      env,
      isTTY: false,
    },
    { now: () => NOW, clock: fakeClock(), ...deps },
  );
  return { code, out, err };
}

const json = (out: string) => JSON.parse(out) as TimelineEntry[];

describe('history --archive', () => {
  it('lists the writes to the bucket oldest first, with who, where, client and verdict; reads and other buckets left out', async () => {
    const { code, out, err } = await run(['example-reports', '--resource', '--archive', FIXTURES]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^Changes to example-reports, 2026-03-03T13:00:00.000Z – 2026-03-10T13:00:00.000Z \(CloudTrail archives\)$/,
    );
    expect(lines[1]).toMatch(
      /^2026-03-08 09:00:00 UTC {2}\S.* s3:PutBucketPolicy +role terraform-ci \(session run-7\) from 198\.51\.100\.40 with Terraform 1\.7\.5$/,
    );
    expect(lines[2]).toMatch(
      /^2026-03-10 11:56:00 UTC .*CreateBucket +IAM user alice from 192\.0\.2\.10 with AWS CLI 2\.15\.30$/,
    );
    expect(lines[3]).toMatch(
      /^2026-03-10 12:00:00 UTC {2}critical s3-bucket-acl-public {2}s3:PutBucketAcl +IAM user alice/,
    );
    expect(lines[4]).toMatch(/^2026-03-10 12:10:00 UTC .*PutBucketCors/);
    expect(lines[5]).toBe('4 change(s).');
    expect(out).not.toContain('GetBucketAcl');
    expect(out).not.toContain('PutBucketTagging');
  });

  it('never lets a record steer the terminal', async () => {
    const { out } = await run(['example-reports', '--archive', FIXTURES]);
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u0007');
    expect(out).not.toContain('\u202e');
    expect(out).toContain('IAM user mallory\\x1b]52;c;ZXZpbA==\\x07 from 203.0.113.66\\x1b[31m with other');
  });

  it('--json: one array of entries, de-duplicated by eventId, escapes kept inert', async () => {
    const { code, out } = await run(['example-reports', '--archive', FIXTURES, '--json']);
    expect(code).toBe(0);
    expect(out).not.toContain('\u001b');
    const entries = json(out);
    expect(entries.map((e) => e.eventId)).toEqual(['h-policy', 'h-create', 'h-acl', 'h-hostile']);
    expect(entries[2]).toEqual({
      time: '2026-03-10T12:00:00.000Z',
      eventName: 'PutBucketAcl',
      eventSource: 's3.amazonaws.com',
      actor: 'IAM user alice',
      sourceIp: '192.0.2.10',
      client: 'AWS CLI 2.15.30',
      verdict: { ruleId: 's3-bucket-acl-public', severity: 'critical' },
      eventId: 'h-acl',
      region: 'eu-west-1',
    });
    expect(entries[3]?.actor).toBe('IAM user mallory\u001b]52;c;ZXZpbA==\u0007');
  });

  it('by actor: everything alice wrote, whichever bucket; gzip files read the same', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'history-'));
    const gz = path.join(dir, 'trail.json.gz');
    writeFileSync(gz, gzipSync(readFileSync(path.join(FIXTURES, 'trail-2026-03-10.json'))));
    const { out } = await run(['alice', '--actor', '--archive', gz, '--json']);
    expect(json(out).map((e) => e.eventId)).toEqual(['h-create', 'h-acl', 'h-other']);
    const role = await run(['terraform-ci', '--archive', FIXTURES, '--json']);
    expect(json(role.out).map((e) => e.eventId)).toEqual(['h-policy']);
  });

  it('--since / --until bound the timeline; several archive paths after one --archive', async () => {
    const recent = await run(['example-reports', '--since', '1d', '--archive', FIXTURES, '--json']);
    expect(json(recent.out).map((e) => e.eventId)).toEqual(['h-create', 'h-acl', 'h-hostile']);
    const window = await run([
      'example-reports',
      '--since',
      '2026-03-10T11:59:00Z',
      '--until',
      '2026-03-10T12:05:00Z',
      '--archive',
      path.join(FIXTURES, 'trail-2026-03-08.json'),
      path.join(FIXTURES, 'trail-2026-03-10.json'),
      '--json',
    ]);
    expect(json(window.out).map((e) => e.eventId)).toEqual(['h-acl']);
  });

  it('--region with archives keeps only that Region’s records', async () => {
    const { out } = await run(['example-reports', '--archive', FIXTURES, '--region', 'us-east-1', '--json']);
    expect(json(out)).toEqual([]);
  });

  it('a missing archive path is a usage error', async () => {
    const { code, err } = await run(['example-reports', '--archive', '/nonexistent/history-archive']);
    expect(code).toBe(2);
    expect(err).toContain('cannot read /nonexistent/history-archive');
  });
});

function pagedPort(pages: Record<string, Array<{ events: TrailEvent[]; nextToken?: string } | Error>>): {
  port: TrailLookupPort;
  calls: TrailLookupRequest[];
} {
  const calls: TrailLookupRequest[] = [];
  const served: Record<string, number> = {};
  const port: TrailLookupPort = async (req) => {
    calls.push(req);
    const key = req.attribute.key;
    const i = served[key] ?? 0;
    served[key] = i + 1;
    const page = pages[key]?.[i] ?? { events: [] };
    if (page instanceof Error) throw page;
    return page;
  };
  return { port, calls };
}

function trailEvent(
  id: string,
  name: string,
  time: string,
  user: string,
  extra: Partial<TrailEvent> = {},
): TrailEvent {
  return {
    eventId: id,
    eventName: name,
    eventSource: 'iam.amazonaws.com',
    timeMs: Date.parse(time),
    username: user,
    readOnly: false,
    record: {
      eventID: id,
      eventName: name,
      eventSource: 'iam.amazonaws.com',
      eventTime: time,
      awsRegion: 'us-east-1',
      sourceIPAddress: '192.0.2.1',
      userAgent: 'Boto3/1.34.0 Python/3.12',
      userIdentity: {
        type: 'IAMUser',
        userName: user,
        arn: `arn:aws:iam::444455556666:user/${user}`,
        accountId: '444455556666',
      },
      recipientAccountId: '444455556666',
    },
    ...extra,
  };
}

describe('history from CloudTrail event history', () => {
  it('asks by resource name and by user name, follows pages, merges by eventId, drops reads', async () => {
    const shared = trailEvent('e2', 'AttachRolePolicy', '2026-03-09T10:00:00Z', 'deploy');
    const { port, calls } = pagedPort({
      ResourceName: [
        {
          events: [shared, trailEvent('e3', 'GetRole', '2026-03-09T11:00:00Z', 'bob', { readOnly: true })],
          nextToken: 't1',
        },
        { events: [trailEvent('e1', 'CreateRole', '2026-03-08T10:00:00Z', 'alice')] },
      ],
      Username: [{ events: [shared] }],
    });
    const clock = fakeClock();
    const { code, out } = await run(['deploy', '--region', 'us-east-1', '--json'], {
      trailLookup: port,
      clock,
    });
    expect(code).toBe(0);
    expect(calls.map((c) => [c.attribute.key, c.nextToken ?? null])).toEqual([
      ['ResourceName', null],
      ['ResourceName', 't1'],
      ['Username', null],
    ]);
    expect(calls[0]).toMatchObject({
      region: 'us-east-1',
      attribute: { value: 'deploy' },
      startMs: NOW - 7 * 86_400_000,
      endMs: NOW,
      maxResults: 50,
    });
    // Three calls in one Region: the third waits for the next second.
    expect(clock.slept).toEqual([1000]);
    expect(json(out).map((e) => [e.eventId, e.client])).toEqual([
      ['e1', 'Boto3 1.34.0'],
      ['e2', 'Boto3 1.34.0'],
    ]);
  });

  it('--actor asks only by user name; an unreadable record still gives a line from what LookupEvents said', async () => {
    const { port, calls } = pagedPort({
      Username: [
        {
          events: [
            {
              eventId: 'x1',
              eventName: 'DeleteRole',
              eventSource: 'iam.amazonaws.com',
              timeMs: NOW - 60_000,
              username: 'alice',
              readOnly: false,
            },
          ],
        },
      ],
    });
    const { out } = await run(['alice', '--actor', '--region', 'us-east-1', '--json'], { trailLookup: port });
    expect(calls.map((c) => c.attribute.key)).toEqual(['Username']);
    expect(json(out)).toEqual([
      {
        time: new Date(NOW - 60_000).toISOString(),
        eventName: 'DeleteRole',
        eventSource: 'iam.amazonaws.com',
        actor: 'alice',
        sourceIp: null,
        client: null,
        verdict: null,
        eventId: 'x1',
        region: 'us-east-1',
      },
    ]);
  });

  it('a throttled page is retried after a pause, then the timeline comes out', async () => {
    const clock = fakeClock();
    const { port, calls } = pagedPort({
      ResourceName: [
        new EvidenceReadError('throttled', 'ThrottlingException'),
        { events: [trailEvent('e1', 'CreateRole', '2026-03-08T10:00:00Z', 'alice')] },
      ],
    });
    const { code, out } = await run(['deploy', '--resource', '--region', 'us-east-1', '--json'], {
      trailLookup: port,
      clock,
    });
    expect(code).toBe(0);
    expect(calls).toHaveLength(2);
    expect(clock.slept).toContain(1000);
    expect(json(out)).toHaveLength(1);
  });

  it('throttled past the retries, or denied: exit 1 with the reason and no stack', async () => {
    const throttled = pagedPort({
      ResourceName: Array(5).fill(new EvidenceReadError('throttled', 'LookupEvents: ThrottlingException')),
    });
    const t = await run(['deploy', '--resource', '--region', 'us-east-1'], { trailLookup: throttled.port });
    expect(t.code).toBe(EXIT_AWS_FAILED);
    expect(throttled.calls).toHaveLength(4);
    expect(t.err).toMatch(
      /^history: reading CloudTrail event history failed: throttled: .*try again shortly\)\n$/,
    );
    const denied = pagedPort({
      ResourceName: [new EvidenceReadError('denied', 'LookupEvents: AccessDeniedException: no')],
    });
    const d = await run(['deploy', '--resource', '--region', 'us-east-1'], { trailLookup: denied.port });
    expect(d.code).toBe(1);
    expect(d.err).toContain('cloudtrail:LookupEvents');
    expect(d.err).not.toMatch(/\n\s+at /);
    expect(d.out).toBe('');
  });

  it('takes the Region from AWS_REGION, and warns when --since reaches past 90 days', async () => {
    const { port, calls } = pagedPort({});
    const { err } = await run(
      ['deploy', '--resource', '--since', '120d'],
      { trailLookup: port },
      { AWS_REGION: 'eu-central-1' },
    );
    expect(calls[0]?.region).toBe('eu-central-1');
    expect(calls[0]?.startMs).toBe(NOW - 90 * 86_400_000);
    expect(err).toContain('event history keeps 90 days');
  });
});

describe('history arguments', () => {
  it.each([
    [[], /give a resource or an actor/],
    [['a', 'b'], /one resource or actor at a time/],
    [['a', '--resource', '--actor', '--region', 'r'], /exclude each other/],
    [['a', '--since', 'yesterday', '--region', 'r'], /--since yesterday: give a duration/],
    [['a', '--until', '5x', '--region', 'r'], /--until 5x/],
    [['a', '--since', '1h', '--until', '2h', '--region', 'r'], /--since must be before --until/],
    [['a'], /give --region/],
    [['a', '--bogus'], /unknown option --bogus\n/],
    [['a', '--since', '\u001b[2Jx', '--region', 'r'], /--since \\x1b\[2Jx/],
  ])('%j → exit 2', async (args, message) => {
    const { code, err, out } = await run(args as string[]);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).toContain('Usage: cloud-alerts history');
    expect(err).not.toContain('\u001b');
    expect(out).toBe('');
  });

  it('tells the target from archive paths by where each stands, not by order', async () => {
    const after = await run([
      'example-reports',
      '--resource',
      '--archive',
      FIXTURES,
      FIXTURES,
      '--since',
      '2026-03-01',
      '--until',
      '2026-03-11',
    ]);
    expect(after.code).toBe(0);
    expect(after.out).toMatch(/4 change\(s\)\.\n$/);
    // Only paths after --archive: no target, said so, rather than a path taken for the target.
    const onlyPaths = await run(['--archive', FIXTURES, FIXTURES]);
    expect(onlyPaths.code).toBe(2);
    expect(onlyPaths.err).toMatch(/give a resource or an actor, before --archive/);
  });

  it('--help prints the usage and exits 0, through main too', async () => {
    const direct = await run(['--help']);
    expect(direct.code).toBe(0);
    expect(direct.out).toContain('Usage: cloud-alerts history');
    const viaMain = await runCli(['history', '--help']);
    expect(viaMain.code).toBe(0);
    expect(viaMain.stdout).toContain('--archive PATH...');
    expect((await runCli(['help'])).stdout).toContain('cloud-alerts history <resource | actor>');
  });

  it('an invalid --config exits 1, as config check does; one that cannot be read is a usage error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'history-cfg-'));
    const file = path.join(dir, 'bad.yml');
    writeFileSync(file, 'receivers: 3\n');
    const invalid = await run(['a', '--archive', FIXTURES, '--config', file]);
    expect(invalid.code).toBe(1);
    expect(invalid.err).toContain(`${file}:1:12: receivers: expected a list; got 3`);
    const folder = await run(['a', '--archive', FIXTURES, '--config', dir]);
    expect(folder.code).toBe(2);
    expect(folder.err).toBe(`history: cannot read configuration ${dir}: is a folder, not a file\n`);
  });

  it('without a configuration the timeline still comes out, verdicts left out', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'history-nocfg-'));
    const { code, out, err } = await run(
      ['example-reports', '--archive', FIXTURES, '--json'],
      {},
      {
        CLOUD_ALERTS_CONFIG: path.join(dir, 'missing.yml'),
      },
    );
    expect(code).toBe(0);
    expect(err).toMatch(
      /^history: no configuration at .*missing\.yml; verdicts are left out \(pass --config\)\n$/,
    );
    expect(json(out)).toHaveLength(4);
    expect(json(out).every((e) => e.verdict === null)).toBe(true);
  });
});

describe('parseTime', () => {
  it.each([
    ['7d', NOW - 7 * 86_400_000],
    ['12h', NOW - 12 * 3_600_000],
    ['30m', NOW - 30 * 60_000],
    ['2026-03-01', Date.parse('2026-03-01')],
    ['2026-03-01T10:00:00Z', Date.parse('2026-03-01T10:00:00Z')],
    ['2026-03-01T10:00:00+02:00', Date.parse('2026-03-01T08:00:00Z')],
    // The timeline is UTC, whatever this machine's zone: a time without a zone is UTC.
    ['2026-03-01T10:00:00', Date.parse('2026-03-01T10:00:00Z')],
    ['2026-03-01 10:00', Date.parse('2026-03-01T10:00:00Z')],
    ['2028-02-29', Date.parse('2028-02-29T00:00:00Z')],
  ])('%s', (s, ms) => {
    expect(parseTime(s, NOW)).toBe(ms);
  });

  it.each(['', 'soon', '7', '7w', '-7d', '2026-13-45', 'March 1', '2026-02-30', '2026-04-31', '2026-00-10'])(
    'rejects %j',
    (s) => {
      expect(parseTime(s, NOW)).toBeUndefined();
    },
  );
});
