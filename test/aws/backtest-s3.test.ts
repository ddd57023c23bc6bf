import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { writeLogFiles } from '../../shared/backtest/generate.ts';
import type { BacktestSummary } from '../../shared/backtest/summary.ts';
import { spawnCli } from '../helpers/cli-process.ts';
import { awsClients, BOOTSTRAP_KEYS, type Keys } from './kit/clients.ts';
import { type Moto, REGION, startMoto } from './kit/moto.ts';

/**
 * `cloud-alerts backtest s3://…` against moto's S3 (moto_server on 127.0.0.1, started here), run as
 * the real CLI in a child process so the SDK's own credential chain and AWS_ENDPOINT_URL are what
 * reach S3. An organisation trail's layout is uploaded; the S3 run must say exactly what a local run
 * over the files it should have picked says.
 */
const BUCKET = 'org-trail-logs';
const ORG = 'o-a1b2c3d4e5';
const ACCOUNTS = ['111122223333', '444455556666'] as const;
const REGIONS = ['eu-west-1', 'us-east-1'] as const;
/** Hourly files from 21:00 on 30 November: eight of them cross into December. */
const START = Date.UTC(2026, 10, 30, 21, 0);
const FILES = 8;
const SINCE = '2026-11-30T23:00Z';
const UNTIL = '2026-12-01T02:00Z';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const cli = (args: string[], env: NodeJS.ProcessEnv): Promise<Run> => spawnCli(args, env);

/** The environment of a person at a shell: no AWS settings but those given, no profile files. */
function envWith(home: string, aws: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  return {
    ...env,
    HOME: home,
    // Never the instance metadata service: the chain must end here, not on a network timeout.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NO_COLOR: '1',
    ...aws,
  };
}

describe('backtest straight from S3 (moto)', () => {
  let moto: Moto;
  let dir: string;
  let home: string;
  /** Files the selection below must pick, as local paths. */
  const picked: string[] = [];
  const keys: Record<'reader' | 'lister' | 'nobody', Keys> = {
    reader: BOOTSTRAP_KEYS,
    lister: BOOTSTRAP_KEYS,
    nobody: BOOTSTRAP_KEYS,
  };
  const as = (who: keyof typeof keys) =>
    envWith(home, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: keys[who].accessKeyId,
      AWS_SECRET_ACCESS_KEY: keys[who].secretAccessKey,
    });

  beforeAll(async () => {
    moto = await startMoto();
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-s3-'));
    home = join(dir, 'home');
    mkdirSync(home);
    const s3 = new S3Client({
      endpoint: moto.endpoint,
      region: REGION,
      credentials: BOOTSTRAP_KEYS,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    await s3.send(
      new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    let seed = 1;
    for (const account of ACCOUNTS) {
      for (const region of REGIONS) {
        const set = writeLogFiles(join(dir, 'logs'), {
          seed: 20261205 + seed++,
          files: FILES,
          recordsPerFile: 60,
          start: new Date(START),
          minutesPerFile: 60,
          accountId: account,
          region,
          dangerShare: 0.05,
        });
        for (const [i, file] of set.files.entries()) {
          // AWSLogs/<account>/… as written; an organisation trail puts o-<id>/ after AWSLogs/.
          const key = relative(join(dir, 'logs'), file).replace(/^AWSLogs\//, `AWSLogs/${ORG}/`);
          await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(file) }));
          // 23:00, 00:00, 01:00, 02:00 (files 2 to 5) of the first account in eu-west-1.
          if (account === ACCOUNTS[0] && region === 'eu-west-1' && i >= 2 && i <= 5) picked.push(file);
        }
      }
    }
    // Beside the logs: a digest file, which is no log and must not be read.
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `AWSLogs/${ORG}/${ACCOUNTS[0]}/CloudTrail-Digest/eu-west-1/2026/12/01/${ACCOUNTS[0]}_CloudTrail-Digest_eu-west-1_t_eu-west-1_20261201T0030Z.json.gz`,
        Body: gzipSync(JSON.stringify({ digestStartTime: '2026-12-01T00:00:00Z' })),
      }),
    );

    // Who reads: everything S3; list only; nothing of S3.
    const { iam } = awsClients(moto.endpoint, REGION, BOOTSTRAP_KEYS);
    const grants: Record<keyof typeof keys, object[]> = {
      reader: [{ Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetObject'], Resource: '*' }],
      lister: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}` }],
      nobody: [{ Effect: 'Allow', Action: 'sqs:ListQueues', Resource: '*' }],
    };
    for (const who of Object.keys(keys) as Array<keyof typeof keys>) {
      await iam.send(new CreateUserCommand({ UserName: `backtest-${who}` }));
      await iam.send(
        new PutUserPolicyCommand({
          UserName: `backtest-${who}`,
          PolicyName: 'backtest',
          PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: grants[who] }),
        }),
      );
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: `backtest-${who}` }))).AccessKey;
      if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error(`no access key for ${who}`);
      keys[who] = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
    }
  });

  afterAll(async () => {
    await moto?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('with --since/--until/--account/--region gives exactly the summary of a local run over the same files', async () => {
    expect(picked).toHaveLength(4);
    const fromS3 = await cli(
      [
        'backtest',
        `s3://${BUCKET}/AWSLogs/`,
        '--since',
        SINCE,
        '--until',
        UNTIL,
        '--account',
        ACCOUNTS[0],
        '--region',
        'eu-west-1',
        '--s3-concurrency',
        '3',
        '--json',
      ],
      as('reader'),
    );
    expect({ code: fromS3.code, stderr: fromS3.stderr }).toEqual({ code: 0, stderr: '' });
    const local = await cli(['backtest', ...picked, '--json'], as('reader'));
    expect(local.code).toBe(0);
    const s3Summary: BacktestSummary = JSON.parse(fromS3.stdout);
    const localSummary: BacktestSummary = JSON.parse(local.stdout);
    expect(s3Summary.files).toEqual({ read: 4, failed: 0 });
    expect(s3Summary.records.read).toBe(240);
    // Something for the comparison to bite on: alerts were raised.
    expect(s3Summary.alerts.total).toBeGreaterThan(0);
    expect(s3Summary).toEqual(localSummary);
  });

  it('reads every account and Region of the organisation by key order without the filters', async () => {
    const run = await cli(['backtest', `s3://${BUCKET}/AWSLogs/${ORG}/`, '--json'], as('reader'));
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const summary: BacktestSummary = JSON.parse(run.stdout);
    expect(summary.files).toEqual({ read: ACCOUNTS.length * REGIONS.length * FILES, failed: 0 });
  });

  it('names a missing bucket and exits 2, as for a missing local path', async () => {
    const run = await cli(['backtest', 's3://no-such-trail-bucket/AWSLogs/', '--json'], as('reader'));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('backtest: no bucket named no-such-trail-bucket (or it is in another account)\n');
  });

  it('without credentials says where the SDK looked', async () => {
    writeFileSync(join(home, '.keep'), '');
    const run = await cli(
      ['backtest', `s3://${BUCKET}/AWSLogs/`, '--json'],
      envWith(home, { AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: REGION }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^backtest: no AWS credentials found: the AWS SDK looks for them in AWS_ACCESS_KEY_ID/,
    );
  });
  /**
   * From here on moto checks every request against IAM. moto 5.2.1 recomputes SigV4 over the decoded
   * query string, so a ListObjectsV2 whose Prefix or Delimiter holds '/' fails its signature check
   * (SignatureDoesNotMatch) before IAM is asked: these runs use a prefix without one ('AWSLogs',
   * listed plainly, the filters then applied to the file names).
   */
  describe('with IAM enforced', () => {
    beforeAll(async () => {
      await moto.enforceIam();
    });

    it('says which grant is missing when listing is denied, and exits 2', async () => {
      const run = await cli(['backtest', `s3://${BUCKET}/AWSLogs`, '--json'], as('nobody'));
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `backtest: access denied listing s3://${BUCKET}/AWSLogs: the caller needs s3:ListBucket on arn:aws:s3:::${BUCKET} and s3:GetObject on arn:aws:s3:::${BUCKET}/AWSLogs*\n`,
      );
      expect(run.stderr).not.toContain(keys.nobody.accessKeyId);
      expect(run.stderr).not.toContain(keys.nobody.secretAccessKey);
    });

    it('counts objects it may not read as failed files and goes on', async () => {
      const run = await cli(
        ['backtest', `s3://${BUCKET}/AWSLogs`, '--region', 'us-east-1', '--account', ACCOUNTS[1], '--json'],
        as('lister'),
      );
      expect(run.code).toBe(0);
      const summary: BacktestSummary = JSON.parse(run.stdout);
      expect(summary.files).toEqual({ read: 0, failed: FILES });
      expect(summary.errors.files[0]?.error).toMatch(
        new RegExp(
          `^cannot read: access denied reading s3://${BUCKET}/AWSLogs/${ORG}/${ACCOUNTS[1]}/CloudTrail/us-east-1/2026/11/30/.*: the caller needs s3:GetObject on arn:aws:s3:::${BUCKET}/`,
        ),
      );
      expect(run.stdout).not.toContain(keys.lister.secretAccessKey);
    });
  });
});
