/**
 * Which keys of a CloudTrail bucket a backtest reads, planned as key prefixes so that --since/--until,
 * --account and --region cost a few LIST requests instead of listing years of logs.
 *
 * CloudTrail's layout (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html):
 *   [prefix/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>
 *   [prefix/]AWSLogs/<o-org-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>   (organisation trails)
 * and each file is named <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz, the time being
 * when it was delivered (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html).
 * Pure: the listing is a port, so planning is tested without a network.
 */

export interface S3Location {
  bucket: string;
  /** The key prefix after the bucket, '' for the whole bucket. */
  prefix: string;
}

/** What to read: each bound or list is optional. Times in ms since the epoch (UTC). */
export interface S3Selection {
  sinceMs?: number;
  untilMs?: number;
  accounts?: readonly string[];
  regions?: readonly string[];
}

export interface S3Object {
  key: string;
  size: number;
}

/** The two LIST shapes the planner needs (ListObjectsV2, every page). */
export interface S3Lister {
  /** The "folders" one level below `prefix` (CommonPrefixes with Delimiter '/'), names without the slash. */
  folders(prefix: string): Promise<string[]>;
  /** Every object whose key starts with `prefix`. */
  objects(prefix: string): Promise<S3Object[]>;
}

/** `s3://bucket/some/prefix` → bucket and prefix; undefined when it is not an s3:// URL with a bucket. */
export function parseS3Url(url: string): S3Location | undefined {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m?.[1]) return undefined;
  return { bucket: m[1], prefix: m[2] ?? '' };
}

export function isS3Url(path: string): boolean {
  return path.startsWith('s3://');
}

const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** What a CloudTrail file name says about itself. */
export interface LogFileName {
  account: string;
  region: string;
  /** The minute it was delivered (ms, UTC). */
  deliveredMs: number;
}

/** Reads `<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json[.gz]` at the end of a key. */
export function logFileName(key: string): LogFileName | undefined {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const m = /^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/.exec(base);
  if (!m) return undefined;
  const [, account, region, y, mo, d, h, mi] = m;
  const deliveredMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi));
  if (!Number.isFinite(deliveredMs) || !account || !region) return undefined;
  return { account, region, deliveredMs };
}

/**
 * A log object: `.json` or `.json.gz`, and not a digest file (CloudTrail-Digest/…, which holds hashes
 * of log files, not records: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html).
 */
export function isLogKey(key: string): boolean {
  if (!/\.json(\.gz)?$/.test(key)) return false;
  return !/(^|\/)CloudTrail-Digest\/|_CloudTrail-Digest_/.test(key);
}

/**
 * Whether a key is in the selection by what its name says: a file delivered during the minute T holds
 * records up to T + 1 min, so it is kept when [T, T + 1 min) meets [since, until]. A key without a
 * CloudTrail name is kept (nothing to judge it by).
 */
export function keySelected(key: string, sel: S3Selection): boolean {
  if (!isLogKey(key)) return false;
  const name = logFileName(key);
  if (!name) return true;
  if (sel.sinceMs !== undefined && name.deliveredMs + MINUTE_MS <= sel.sinceMs) return false;
  if (sel.untilMs !== undefined && name.deliveredMs > sel.untilMs) return false;
  if (sel.accounts?.length && !sel.accounts.includes(name.account)) return false;
  if (sel.regions?.length && !sel.regions.includes(name.region)) return false;
  return true;
}

/** `YYYY/MM/DD/` for every UTC day from since's to until's, oldest first. */
export function dayPrefixes(sinceMs: number, untilMs: number): string[] {
  const days: string[] = [];
  const first = Math.floor(sinceMs / DAY_MS) * DAY_MS;
  for (let t = first; t <= untilMs; t += DAY_MS)
    days.push(`${new Date(t).toISOString().slice(0, 10).replace(/-/g, '/')}/`);
  return days;
}

/** Where in the layout a prefix ending in '/' stands. */
type Level = 'awslogs' | 'org' | 'account' | 'trail' | 'region';

/** Binary order, as S3 lists keys (UTF-8 byte order equals UTF-16 order for these ASCII keys). */
function byKey(a: S3Object, b: S3Object): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * The log objects under `prefix` that the selection admits, sorted by key. A prefix through
 * `AWSLogs/` is walked level by level (accounts and regions discovered with one delimiter LIST each,
 * or taken from --account/--region; only the days in --since..--until listed); any other prefix, or
 * one that leaves the layout (AWSLogs/<account>/elasticloadbalancing/…), is listed whole.
 */
export async function planS3Keys(prefix: string, sel: S3Selection, lister: S3Lister): Promise<S3Object[]> {
  const segments = prefix.split('/');
  const at = segments.indexOf('AWSLogs');
  let found: S3Object[];
  if (at === -1 || at === segments.length - 1) {
    // Not (yet) inside AWSLogs/: 'AWSLogs' without its slash is still a partial name.
    found = await plain(prefix, sel, lister);
  } else {
    const base = `${segments.slice(0, at + 1).join('/')}/`;
    found = await walk('awslogs', base, segments.slice(at + 1), sel, lister);
  }
  return found.filter((o) => o.key.startsWith(prefix) && keySelected(o.key, sel)).sort(byKey);
}

async function plain(prefix: string, sel: S3Selection, lister: S3Lister): Promise<S3Object[]> {
  return (await lister.objects(prefix)).filter((o) => keySelected(o.key, sel));
}

/** The next level below a complete segment, or undefined when the segment is outside the layout. */
function below(level: Level, segment: string): Level | undefined {
  switch (level) {
    case 'awslogs':
      return ORG_ID.test(segment) ? 'org' : ACCOUNT_ID.test(segment) ? 'account' : undefined;
    case 'org':
      return ACCOUNT_ID.test(segment) ? 'account' : undefined;
    case 'account':
      return segment === 'CloudTrail' ? 'trail' : undefined;
    case 'trail':
      return /^[a-z0-9-]+$/.test(segment) ? 'region' : undefined;
    case 'region':
      return undefined;
  }
}

/** Whether a complete segment at this level is one the selection excludes. */
function excluded(level: Level, segment: string, sel: S3Selection): boolean {
  if ((level === 'awslogs' || level === 'org') && ACCOUNT_ID.test(segment))
    return Boolean(sel.accounts?.length && !sel.accounts.includes(segment));
  if (level === 'trail') return Boolean(sel.regions?.length && !sel.regions.includes(segment));
  return false;
}

/**
 * `path` ends in '/' at `level`; `rest` is what the user's prefix still says below it (its last
 * element possibly a partial name, '' when the prefix ended with '/').
 */
async function walk(
  level: Level,
  path: string,
  rest: string[],
  sel: S3Selection,
  lister: S3Lister,
): Promise<S3Object[]> {
  if (level === 'region') return days(path, rest.join('/'), sel, lister);
  if (rest.length > 1) {
    const segment = rest[0] as string;
    const next = below(level, segment);
    if (!next) return plain(path + rest.join('/'), sel, lister);
    if (excluded(level, segment, sel)) return [];
    return walk(next, `${path}${segment}/`, rest.slice(1), sel, lister);
  }
  const partial = rest[0] ?? '';
  let children: string[];
  if (level === 'account') children = ['CloudTrail'];
  else if (level === 'trail' && sel.regions?.length) children = [...sel.regions];
  else if (level === 'org' && sel.accounts?.length) children = [...sel.accounts];
  else children = await lister.folders(path);
  const out: S3Object[] = [];
  for (const child of children.filter((c) => c.startsWith(partial)).sort()) {
    const next = below(level, child);
    // Beside the accounts: AWSLogs/<account>/CloudTrail-Digest/, other services' logs: not ours.
    if (!next || excluded(level, child, sel)) continue;
    out.push(...(await walk(next, `${path}${child}/`, [''], sel, lister)));
  }
  return out;
}

/** Below a region: only the days the selection covers, or all of it when it has no bounds. */
async function days(
  path: string,
  datePrefix: string,
  sel: S3Selection,
  lister: S3Lister,
): Promise<S3Object[]> {
  if (sel.sinceMs === undefined || sel.untilMs === undefined) return plain(path + datePrefix, sel, lister);
  const out: S3Object[] = [];
  for (const day of dayPrefixes(sel.sinceMs, sel.untilMs)) {
    // The user's prefix may stop above a day (2026/11/), at one, or inside it (a file name's start).
    if (day.startsWith(datePrefix)) out.push(...(await plain(path + day, sel, lister)));
    else if (datePrefix.startsWith(day)) out.push(...(await plain(path + datePrefix, sel, lister)));
  }
  return out;
}
