/**
 * Seeded CloudTrail log files for benchmarks and tests: the same seed gives the same bytes.
 * The mix follows what a busy account's trail looks like: mostly read-only calls from a few
 * machine roles, a few per cent of writes, and rarely a dangerous change (taken from the samples
 * under events/, which the rules are known to flag), from a long tail of people and roles.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { isRecord } from '../detect/values.ts';

export interface GenerateOptions {
  seed: number;
  files: number;
  recordsPerFile: number;
  /** First file's time; each file covers `minutesPerFile` after the previous one. */
  start?: Date;
  minutesPerFile?: number;
  accountId?: string;
  region?: string;
  /** Share of records that are writes, and of dangerous changes (from events/). */
  writeShare?: number;
  dangerShare?: number;
  /** gzip level; 1 keeps generating a gigabyte fast, real CloudTrail files use the default. */
  gzipLevel?: number;
}

export interface GeneratedSet {
  files: string[];
  records: number;
  /** Uncompressed JSON bytes. */
  bytes: number;
  compressedBytes: number;
}

const EVENTS_DIR = fileURLToPath(new URL('../../events/', import.meta.url));

/** Samples the rules flag (critical/high), reused with fresh ids, times and callers. */
export const DANGEROUS_SAMPLES = [
  's3/put-bucket-acl-public-read.json',
  's3/put-bucket-policy-public.json',
  's3/delete-bucket-public-access-block.json',
  's3/put-bucket-acl-public-denied.json',
  'iam/attach-user-policy-admin.json',
  'iam/put-user-policy-star.json',
  'iam/create-user-by-root.json',
  'iam/attach-role-policy-admin-denied.json',
];

/** Everyday writes, some of which rules look at and judge harmless or low. */
export const WRITE_SAMPLES = [
  's3/put-bucket-acl-private.json',
  's3/put-bucket-public-access-block-enabled.json',
  'iam/attach-role-policy-readonly.json',
  'iam/put-role-policy-scoped.json',
  'iam/create-user.json',
  'iam/create-access-key-self.json',
];

/** Share of writes that change IAM or S3 settings (the rules look at those); the rest is housekeeping. */
const CONFIG_CHANGE_SHARE = 0.1;

/** mulberry32: tiny, fast and good enough to make test data repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function loadDetail(rel: string): Record<string, unknown> {
  const event: unknown = JSON.parse(readFileSync(join(EVENTS_DIR, rel), 'utf8'));
  if (!isRecord(event) || !isRecord(event.detail)) throw new Error(`events/${rel} has no CloudTrail detail`);
  return event.detail;
}

interface Identity {
  identity: Record<string, unknown>;
  userAgent: string;
  sourceIPAddress: string;
}

function assumedRole(account: string, role: string, session: string, agent: string, ip: string): Identity {
  return {
    identity: {
      type: 'AssumedRole',
      principalId: `AROAXQ3ZJ7KD${role.length.toString().padStart(2, '0')}EXAMPLE:${session}`,
      arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
      accountId: account,
      accessKeyId: 'ASIAXQ3ZJ7KDEXAMPLE1',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: `AROAXQ3ZJ7KD${role.length.toString().padStart(2, '0')}EXAMPLE`,
          arn: `arn:aws:iam::${account}:role/${role}`,
          accountId: account,
          userName: role,
        },
        attributes: { creationDate: '2026-11-16T00:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    userAgent: agent,
    sourceIPAddress: ip,
  };
}

function iamUser(account: string, name: string, agent: string, ip: string): Identity {
  return {
    identity: {
      type: 'IAMUser',
      principalId: `AIDAXQ3ZJ7KD${name.toUpperCase().padEnd(9, 'X').slice(0, 9)}`,
      arn: `arn:aws:iam::${account}:user/${name}`,
      accountId: account,
      accessKeyId: 'AKIAXQ3ZJ7KDEXAMPLE2',
      userName: name,
    },
    userAgent: agent,
    sourceIPAddress: ip,
  };
}

const SDK = 'aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.173.0';
const CLI =
  'aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard';
const CONSOLE =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
const TERRAFORM =
  'APN/1.0 HashiCorp/1.0 Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-aws/5.62.0';

/** Callers, busiest first: weights fall off like a real account's (a few roles make most calls). */
function identities(account: string): Array<{ weight: number; who: Identity }> {
  const people = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
  return [
    {
      weight: 30,
      who: assumedRole(account, 'eks-node-group-role', 'i-0a1b2c3d4e5f60718', SDK, '10.0.12.40'),
    },
    {
      weight: 18,
      who: assumedRole(account, 'karpenter-controller', '1731744000123456789', SDK, '10.0.14.7'),
    },
    {
      weight: 12,
      who: assumedRole(account, 'datadog-integration', 'DatadogAWSIntegration', 'Datadog', '3.233.147.10'),
    },
    {
      weight: 8,
      who: assumedRole(account, 'github-actions-deploy', 'GitHubActions', TERRAFORM, '4.148.0.17'),
    },
    { weight: 5, who: iamUser(account, 'ci-legacy', CLI, '198.51.100.23') },
    ...people.map((p, i) => ({
      weight: 4 / (i + 1),
      who: assumedRole(
        account,
        'AWSReservedSSO_AdministratorAccess_3f4e5d6c7b8a9f0e',
        `${p}@example.com`,
        CONSOLE,
        `203.0.113.${10 + i}`,
      ),
    })),
    ...people
      .slice(0, 3)
      .map((p, i) => ({ weight: 1 / (i + 1), who: iamUser(account, p, CLI, `192.0.2.${20 + i}`) })),
  ];
}

type Builder = (rand: () => number) => Partial<Record<string, unknown>>;

const READS: Array<{ weight: number; build: Builder }> = [
  {
    weight: 25,
    build: (r) => ({
      eventSource: 'ec2.amazonaws.com',
      eventName: 'DescribeInstances',
      requestParameters: {
        instancesSet: {},
        filterSet: {
          items: [{ name: 'tag:karpenter.sh/nodepool', valueSet: { items: [{ value: 'default' }] } }],
        },
        maxResults: 1000 + Math.floor(r() * 10),
      },
      responseElements: null,
    }),
  },
  {
    weight: 15,
    build: (r) => ({
      eventSource: 'kms.amazonaws.com',
      eventName: 'Decrypt',
      requestParameters: {
        encryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        encryptionContext: {
          'aws:lambda:FunctionArn': `arn:aws:lambda:eu-west-1:123456789012:function:orders-${Math.floor(r() * 20)}`,
        },
      },
      responseElements: null,
      resources: [
        {
          accountId: '123456789012',
          type: 'AWS::KMS::Key',
          ARN: 'arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
        },
      ],
    }),
  },
  {
    weight: 12,
    build: () => ({
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetCallerIdentity',
      requestParameters: null,
      responseElements: null,
    }),
  },
  {
    weight: 10,
    build: (r) => ({
      eventSource: 'ssm.amazonaws.com',
      eventName: 'GetParameter',
      requestParameters: { name: `/orders/prod/db-password-${Math.floor(r() * 5)}`, withDecryption: true },
      responseElements: null,
    }),
  },
  {
    weight: 8,
    build: () => ({
      eventSource: 'monitoring.amazonaws.com',
      eventName: 'DescribeAlarms',
      requestParameters: { maxRecords: 100, alarmTypes: ['CompositeAlarm', 'MetricAlarm'] },
      responseElements: null,
    }),
  },
  {
    weight: 6,
    build: () => ({
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      requestParameters: { Host: 's3.eu-west-1.amazonaws.com' },
      responseElements: null,
    }),
  },
  {
    weight: 5,
    build: (r) => ({
      eventSource: 'lambda.amazonaws.com',
      eventName: 'ListFunctions20150331',
      requestParameters: { maxItems: 50 + Math.floor(r() * 50) },
      responseElements: null,
    }),
  },
];

const WRITES: Array<{ weight: number; build: Builder }> = [
  {
    weight: 10,
    build: (r) => ({
      eventSource: 'logs.amazonaws.com',
      eventName: 'CreateLogStream',
      requestParameters: {
        logGroupName: '/aws/lambda/orders-api',
        logStreamName: `2026/11/16/[$LATEST]${Math.floor(r() * 1e16).toString(16)}`,
      },
      responseElements: null,
    }),
  },
  {
    weight: 6,
    build: (r) => ({
      eventSource: 'ec2.amazonaws.com',
      eventName: 'CreateTags',
      requestParameters: {
        resourcesSet: { items: [{ resourceId: `i-0${Math.floor(r() * 1e15).toString(16)}` }] },
        tagSet: { items: [{ key: 'karpenter.sh/nodeclaim', value: 'default-x7k2p' }] },
      },
      responseElements: { _return: true },
    }),
  },
];

function pick<T extends { weight: number }>(items: readonly T[], rand: () => number): T {
  const total = items.reduce((s, x) => s + x.weight, 0);
  let at = rand() * total;
  for (const item of items) {
    at -= item.weight;
    if (at < 0) return item;
  }
  const last = items[items.length - 1];
  if (!last) throw new Error('pick from an empty list');
  return last;
}

function hex(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

function uuid(rand: () => number): string {
  return `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`;
}

/** Yields each file's relative path and its records, without holding more than one file. */
export function* generateLogFiles(
  opts: GenerateOptions,
): Generator<{ path: string; records: Array<Record<string, unknown>> }> {
  const rand = seededRandom(opts.seed);
  const account = opts.accountId ?? '123456789012';
  const region = opts.region ?? 'eu-west-1';
  const start = (opts.start ?? new Date('2026-11-01T00:00:00Z')).getTime();
  const minutes = opts.minutesPerFile ?? 5;
  const writeShare = opts.writeShare ?? 0.04;
  const dangerShare = opts.dangerShare ?? 0.001;
  const who = identities(account);
  const dangerous = DANGEROUS_SAMPLES.map(loadDetail);
  const writes = WRITE_SAMPLES.map(loadDetail);

  for (let f = 0; f < opts.files; f++) {
    const fileStart = start + f * minutes * 60_000;
    const records: Array<Record<string, unknown>> = [];
    for (let k = 0; k < opts.recordsPerFile; k++) {
      const time = new Date(fileStart + Math.floor(rand() * minutes * 60_000))
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z');
      const caller = pick(who, rand).who;
      const roll = rand();
      let body: Record<string, unknown>;
      let readOnly = false;
      if (roll < dangerShare) {
        body = structuredClone(dangerous[Math.floor(rand() * dangerous.length)] ?? {});
      } else if (roll < dangerShare + writeShare) {
        // Most writes are housekeeping (log streams, tags); a few change IAM or S3 settings.
        const sample = rand() < CONFIG_CHANGE_SHARE ? writes[Math.floor(rand() * writes.length)] : undefined;
        body = sample ? structuredClone(sample) : { ...pick(WRITES, rand).build(rand) };
      } else {
        readOnly = true;
        body = { ...pick(READS, rand).build(rand) };
      }
      // The root sample must stay root: that is what makes it dangerous.
      const keepIdentity = isRecord(body.userIdentity) && body.userIdentity.type === 'Root';
      const service = typeof body.eventSource === 'string' ? body.eventSource : 'ec2.amazonaws.com';
      // Keys in the order CloudTrail writes them (the caller, time, source and name before the
      // request), so the figures measured on these files hold for real ones.
      // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
      const {
        eventVersion: _version,
        userIdentity: _identity,
        eventTime: _time,
        eventSource: _source,
        eventName,
        awsRegion: _region,
        sourceIPAddress: _ip,
        userAgent: _agent,
        errorCode,
        errorMessage,
        requestParameters,
        responseElements,
        requestID: _request,
        eventID: _id,
        readOnly: bodyReadOnly,
        eventType,
        managementEvent: _management,
        recipientAccountId: _recipient,
        eventCategory: _category,
        tlsDetails: _tls,
        ...more
      } = body;
      records.push({
        eventVersion: '1.09',
        userIdentity: keepIdentity ? body.userIdentity : caller.identity,
        eventTime: time,
        eventSource: service,
        eventName,
        awsRegion: region,
        sourceIPAddress: keepIdentity ? body.sourceIPAddress : caller.sourceIPAddress,
        userAgent: keepIdentity ? body.userAgent : caller.userAgent,
        ...(errorCode !== undefined ? { errorCode } : {}),
        ...(errorMessage !== undefined ? { errorMessage } : {}),
        requestParameters: requestParameters ?? null,
        responseElements: responseElements ?? null,
        ...more,
        requestID: hex(rand, 16).toUpperCase(),
        eventID: uuid(rand),
        readOnly: bodyReadOnly ?? readOnly,
        eventType: eventType ?? 'AwsApiCall',
        managementEvent: true,
        recipientAccountId: account,
        eventCategory: 'Management',
        tlsDetails: {
          tlsVersion: 'TLSv1.3',
          cipherSuite: 'TLS_AES_128_GCM_SHA256',
          clientProvidedHostHeader: service.replace('.amazonaws.com', `.${region}.amazonaws.com`),
        },
      });
    }
    const stamp = new Date(fileStart).toISOString().replace(/[-:]/g, '').slice(0, 13);
    const day = new Date(fileStart).toISOString().slice(0, 10).replace(/-/g, '/');
    yield {
      path: `AWSLogs/${account}/CloudTrail/${region}/${day}/${account}_CloudTrail_${region}_${stamp}Z_${hex(rand, 16)}.json.gz`,
      records,
    };
  }
}

/** Write a generated set under `dir` as CloudTrail writes it to S3: gzipped `{"Records": [...]}` files. */
export function writeLogFiles(dir: string, opts: GenerateOptions): GeneratedSet {
  const set: GeneratedSet = { files: [], records: 0, bytes: 0, compressedBytes: 0 };
  for (const file of generateLogFiles(opts)) {
    const json = Buffer.from(JSON.stringify({ Records: file.records }));
    const gz = gzipSync(json, { level: opts.gzipLevel ?? 6 });
    const out = join(dir, file.path);
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, gz);
    set.files.push(out);
    set.records += file.records.length;
    set.bytes += json.length;
    set.compressedBytes += gz.length;
  }
  return set;
}
