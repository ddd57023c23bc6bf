import {
  dayPrefixes,
  isLogKey,
  keySelected,
  logFileName,
  parseS3Url,
  planS3Keys,
  type S3Lister,
  type S3Selection,
} from '../../../shared/backtest/s3-layout.ts';

const ORG = 'o-a1b2c3d4e5';
const A = '111122223333';
const B = '444455556666';
const C = '777788889999';

function logKey(root: string, account: string, region: string, stamp: string): string {
  const day = `${stamp.slice(0, 4)}/${stamp.slice(4, 6)}/${stamp.slice(6, 8)}`;
  return `${root}${account}/CloudTrail/${region}/${day}/${account}_CloudTrail_${region}_${stamp}Z_Mu0KsOhtH1ar15ZZ.json.gz`;
}

/** An in-memory bucket answering as ListObjectsV2 does, recording each request. */
function bucket(keys: string[]): S3Lister & { calls: string[] } {
  const sorted = [...keys].sort();
  const calls: string[] = [];
  return {
    calls,
    async folders(prefix) {
      calls.push(`folders ${prefix}`);
      const names = new Set<string>();
      for (const k of sorted) {
        if (!k.startsWith(prefix)) continue;
        const rest = k.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash >= 0) names.add(rest.slice(0, slash));
      }
      return [...names];
    },
    async objects(prefix) {
      calls.push(`objects ${prefix}`);
      return sorted.filter((k) => k.startsWith(prefix)).map((key) => ({ key, size: key.length }));
    },
  };
}

const orgRoot = `trail/AWSLogs/${ORG}/`;
const ORG_KEYS = [
  logKey(orgRoot, A, 'eu-west-1', '20261130T2355'),
  logKey(orgRoot, A, 'eu-west-1', '20261201T0005'),
  logKey(orgRoot, A, 'eu-west-1', '20261201T2350'),
  logKey(orgRoot, A, 'eu-west-1', '20261202T0010'),
  logKey(orgRoot, A, 'us-east-1', '20261201T0100'),
  logKey(orgRoot, B, 'eu-west-1', '20261129T1200'),
  logKey(orgRoot, B, 'eu-west-1', '20261201T0100'),
  logKey(orgRoot, C, 'eu-west-1', '20261201T0100'),
  // Not logs: a digest, a manifest, other services beside CloudTrail.
  `trail/AWSLogs/${ORG}/${A}/CloudTrail-Digest/eu-west-1/2026/12/01/${A}_CloudTrail-Digest_eu-west-1_trail_eu-west-1_20261201T0100Z.json.gz`,
  `trail/AWSLogs/${ORG}/${A}/CloudTrail/eu-west-1/2026/12/01/manifest.txt`,
  `trail/AWSLogs/${ORG}/${A}/elasticloadbalancing/eu-west-1/2026/12/01/lb.log.gz`,
];

const keysOf = async (prefix: string, sel: S3Selection, lister: S3Lister) =>
  (await planS3Keys(prefix, sel, lister)).map((o) => o.key);

describe('parseS3Url', () => {
  it('splits bucket and prefix, and refuses what is not s3://bucket', () => {
    expect(parseS3Url('s3://logs/AWSLogs/')).toEqual({ bucket: 'logs', prefix: 'AWSLogs/' });
    expect(parseS3Url('s3://logs')).toEqual({ bucket: 'logs', prefix: '' });
    expect(parseS3Url('s3:///AWSLogs')).toBeUndefined();
    expect(parseS3Url('./AWSLogs')).toBeUndefined();
  });
});

describe('CloudTrail file names', () => {
  it('reads account, Region and delivery minute from the documented name', () => {
    expect(
      logFileName('x/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz'),
    ).toEqual({
      account: '111122223333',
      region: 'us-east-2',
      deliveredMs: Date.UTC(2015, 7, 1, 2, 10),
    });
    expect(logFileName('x/events.json.gz')).toBeUndefined();
  });

  it('keeps .json and .json.gz, never digests', () => {
    expect(isLogKey('a/b.json.gz')).toBe(true);
    expect(isLogKey('a/b.json')).toBe(true);
    expect(isLogKey('a/b.txt')).toBe(false);
    expect(isLogKey(`AWSLogs/${A}/CloudTrail-Digest/eu-west-1/2026/12/01/x.json.gz`)).toBe(false);
  });

  it('keeps a file whose delivery minute meets the window', () => {
    const key = logKey('', A, 'eu-west-1', '20261201T0100');
    const t = Date.UTC(2026, 11, 1, 1, 0);
    expect(keySelected(key, { sinceMs: t + 59_000, untilMs: t + 3_600_000 })).toBe(true);
    expect(keySelected(key, { sinceMs: t + 60_000 })).toBe(false);
    expect(keySelected(key, { untilMs: t })).toBe(true);
    expect(keySelected(key, { untilMs: t - 1 })).toBe(false);
    expect(keySelected(key, { accounts: [B] })).toBe(false);
    expect(keySelected(key, { regions: ['eu-west-1'] })).toBe(true);
  });

  it('day prefixes run across a month and a year boundary, in UTC', () => {
    expect(dayPrefixes(Date.UTC(2026, 11, 30, 23), Date.UTC(2027, 0, 2, 1))).toEqual([
      '2026/12/30/',
      '2026/12/31/',
      '2027/01/01/',
      '2027/01/02/',
    ]);
  });
});

describe('planS3Keys', () => {
  it('an organisation trail: discovers accounts and Regions, lists only the days asked for', async () => {
    const lister = bucket(ORG_KEYS);
    const sel = { sinceMs: Date.UTC(2026, 10, 30, 23, 0), untilMs: Date.UTC(2026, 11, 1, 23, 0) };
    expect(await keysOf('trail/AWSLogs/', sel, lister)).toEqual([
      logKey(orgRoot, A, 'eu-west-1', '20261130T2355'),
      logKey(orgRoot, A, 'eu-west-1', '20261201T0005'),
      logKey(orgRoot, A, 'us-east-1', '20261201T0100'),
      logKey(orgRoot, B, 'eu-west-1', '20261201T0100'),
      logKey(orgRoot, C, 'eu-west-1', '20261201T0100'),
    ]);
    // Never the whole bucket, never a day outside the window (2026/11/29 or 2026/12/02).
    expect(lister.calls).not.toContain('objects trail/AWSLogs/');
    expect(lister.calls.filter((c) => c.startsWith('objects'))).toEqual([
      `objects ${orgRoot}${A}/CloudTrail/eu-west-1/2026/11/30/`,
      `objects ${orgRoot}${A}/CloudTrail/eu-west-1/2026/12/01/`,
      `objects ${orgRoot}${A}/CloudTrail/us-east-1/2026/11/30/`,
      `objects ${orgRoot}${A}/CloudTrail/us-east-1/2026/12/01/`,
      `objects ${orgRoot}${B}/CloudTrail/eu-west-1/2026/11/30/`,
      `objects ${orgRoot}${B}/CloudTrail/eu-west-1/2026/12/01/`,
      `objects ${orgRoot}${C}/CloudTrail/eu-west-1/2026/11/30/`,
      `objects ${orgRoot}${C}/CloudTrail/eu-west-1/2026/12/01/`,
    ]);
  });

  it('--account and --region become prefixes: no listing of other accounts or Regions', async () => {
    const lister = bucket(ORG_KEYS);
    const sel = {
      sinceMs: Date.UTC(2026, 10, 29),
      untilMs: Date.UTC(2026, 11, 3),
      accounts: [A, C],
      regions: ['eu-west-1'],
    };
    expect(await keysOf(`trail/AWSLogs/${ORG}/`, sel, lister)).toEqual([
      logKey(orgRoot, A, 'eu-west-1', '20261130T2355'),
      logKey(orgRoot, A, 'eu-west-1', '20261201T0005'),
      logKey(orgRoot, A, 'eu-west-1', '20261201T2350'),
      logKey(orgRoot, A, 'eu-west-1', '20261202T0010'),
      logKey(orgRoot, C, 'eu-west-1', '20261201T0100'),
    ]);
    expect(lister.calls.filter((c) => c.startsWith('folders'))).toEqual([]);
    expect(lister.calls.some((c) => c.includes(B) || c.includes('us-east-1'))).toBe(false);
  });

  it('a trail of one account (no organisation) and a prefix down to a Region or a day', async () => {
    const root = 'AWSLogs/';
    const keys = [
      logKey(root, A, 'eu-west-1', '20261201T0005'),
      logKey(root, A, 'eu-west-1', '20261215T0005'),
      logKey(root, B, 'eu-west-1', '20261201T0005'),
    ];
    expect(await keysOf('AWSLogs/', { accounts: [B] }, bucket(keys))).toEqual([keys[2]]);
    const lister = bucket(keys);
    expect(await keysOf(`AWSLogs/${A}/CloudTrail/eu-west-1/2026/12/`, {}, lister)).toEqual([
      keys[0],
      keys[1],
    ]);
    expect(lister.calls).toEqual([`objects AWSLogs/${A}/CloudTrail/eu-west-1/2026/12/`]);
    const day = bucket(keys);
    const sel = { sinceMs: Date.UTC(2026, 10, 1), untilMs: Date.UTC(2026, 11, 31) };
    expect(await keysOf(`AWSLogs/${A}/CloudTrail/eu-west-1/2026/12/15/`, sel, day)).toEqual([keys[1]]);
    expect(day.calls).toEqual([`objects AWSLogs/${A}/CloudTrail/eu-west-1/2026/12/15/`]);
  });

  it('a partial name at the end of the prefix narrows that level', async () => {
    const lister = bucket(ORG_KEYS);
    expect(await keysOf(`trail/AWSLogs/${ORG}/4444`, {}, lister)).toEqual([
      logKey(orgRoot, B, 'eu-west-1', '20261129T1200'),
      logKey(orgRoot, B, 'eu-west-1', '20261201T0100'),
    ]);
  });

  it('a prefix outside the layout is listed whole, filtered by the file names that have a time', async () => {
    const keys = [
      'exports/2026-12/events.json',
      `exports/2026-12/${A}_CloudTrail_eu-west-1_20261201T0100Z_abcdefabcdef0123.json.gz`,
      `exports/2026-12/${A}_CloudTrail_eu-west-1_20261120T0100Z_abcdefabcdef0123.json.gz`,
      'exports/2026-12/readme.md',
    ];
    const lister = bucket(keys);
    expect(
      await keysOf('exports/', { sinceMs: Date.UTC(2026, 10, 30), untilMs: Date.UTC(2026, 11, 2) }, lister),
    ).toEqual([keys[1], keys[0]]);
    expect(lister.calls).toEqual(['objects exports/']);
  });

  it('leaving the layout under AWSLogs/ (another service) lists that prefix plainly; digests are skipped', async () => {
    const lister = bucket(ORG_KEYS);
    expect(await keysOf(`trail/AWSLogs/${ORG}/${A}/CloudTrail-Digest/`, {}, lister)).toEqual([]);
    expect(await keysOf(`trail/AWSLogs/${ORG}/${A}/elasticloadbalancing/`, {}, lister)).toEqual([]);
    expect(lister.calls).toEqual([
      `objects trail/AWSLogs/${ORG}/${A}/CloudTrail-Digest/`,
      `objects trail/AWSLogs/${ORG}/${A}/elasticloadbalancing/`,
    ]);
  });

  it('without bounds, a Region is listed whole', async () => {
    const lister = bucket(ORG_KEYS);
    const keys = await keysOf('trail/AWSLogs/', { accounts: [B] }, lister);
    expect(keys).toEqual([
      logKey(orgRoot, B, 'eu-west-1', '20261129T1200'),
      logKey(orgRoot, B, 'eu-west-1', '20261201T0100'),
    ]);
    expect(lister.calls.filter((c) => c.startsWith('objects'))).toEqual([
      `objects ${orgRoot}${B}/CloudTrail/eu-west-1/`,
    ]);
  });
});
