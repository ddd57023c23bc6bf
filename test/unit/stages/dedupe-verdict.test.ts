import { loadConfigFile } from '../../../shared/config/load.ts';
import type { Config } from '../../../shared/config/schema.ts';
import { evaluate } from '../../../shared/pipeline/evaluate.ts';
import { silentLogger } from '../../../shared/pipeline/logger.ts';
import { runStages } from '../../../shared/pipeline/stages.ts';
import { createDedupeStage } from '../../../shared/stages/dedupe.ts';
import { createMemoryStateStore } from '../../../shared/state/memory.ts';
import { detailOf, envelopeOf, loadEvent } from '../../helpers/events.ts';

/**
 * Dedupe folds true repeats only: the same verdict about the same effective change. Each case runs
 * two real events through evaluate and the dedupe stage with one store, the second a few minutes
 * after the first (well inside the shipped 10-minute window).
 */
const config: Config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });

let seq = 0;
/** The same sample as a new occurrence: its own event ids, `minutes` later. */
function occurrence(relPath: string, minutes: number, edit?: (detail: Record<string, unknown>) => void) {
  const event = loadEvent(relPath);
  seq += 1;
  event.id = `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
  const detail = detailOf(event);
  detail.eventID = `11111111-0000-4000-8000-${String(seq).padStart(12, '0')}`;
  const time = new Date(Date.parse(String(event.time)) + minutes * 60_000).toISOString();
  event.time = time;
  detail.eventTime = time;
  edit?.(detail);
  return event;
}

/** Rule ids sent for each event in turn, through one dedupe store. */
async function sent(events: Record<string, unknown>[]): Promise<string[][]> {
  const stage = createDedupeStage(createMemoryStateStore());
  const out: string[][] = [];
  for (const event of events) {
    const { alerts } = evaluate(event, config);
    const envelope = envelopeOf(event);
    const result = await runStages([stage], alerts, {
      config,
      envelope,
      now: new Date(Date.parse(envelope.time)),
      logger: silentLogger,
    });
    out.push(result.alerts.map((a) => `${a.ruleId}:${a.severity}`));
  }
  return out;
}

const trustTo = (principal: unknown) => (d: Record<string, unknown>) => {
  d.requestParameters = {
    roleName: 'support-access',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
    }),
  };
};

describe('dedupe folds repeats, never escalations', () => {
  it('folds the same public ACL applied twice (Terraform re-applying)', async () => {
    const first = occurrence('s3/put-bucket-acl-grant-allusers.json', 0);
    const again = occurrence('s3/put-bucket-acl-grant-allusers.json', 3);
    expect(await sent([first, again])).toEqual([['s3-bucket-acl-public:critical'], []]);
  });

  it('sends a grant of WRITE to AuthenticatedUsers after a READ grant to AllUsers on the same bucket', async () => {
    const read = occurrence('s3/put-bucket-acl-grant-allusers.json', 0);
    const write = occurrence('s3/put-bucket-acl-grant-allusers.json', 3, (d) => {
      const rp = JSON.parse(JSON.stringify(d.requestParameters));
      rp.AccessControlPolicy.AccessControlList.Grant[1] = {
        Grantee: { 'xsi:type': 'Group', URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' },
        Permission: 'WRITE',
      };
      d.requestParameters = rp;
    });
    expect(await sent([read, write])).toEqual([
      ['s3-bucket-acl-public:critical'],
      ['s3-bucket-acl-public:critical'],
    ]);
  });

  it('sends trust opened to anyone after trust opened to another account on the same role', async () => {
    const other = occurrence(
      'iam/create-role-cross-account-trust.json',
      0,
      trustTo({ AWS: 'arn:aws:iam::210987654321:root' }),
    );
    const anyone = occurrence('iam/create-role-cross-account-trust.json', 2, trustTo({ AWS: '*' }));
    const [a, b] = await sent([other, anyone]);
    expect(a).toEqual(['iam-role-trust-changed:critical']);
    expect(b).toEqual(['iam-role-trust-changed:critical']);
  });

  it('sends a critical root sign-in again from another source IP, and folds the same one', async () => {
    const first = occurrence('signin/console-login-root.json', 0);
    const sameAgain = occurrence('signin/console-login-root.json', 1);
    const elsewhere = occurrence('signin/console-login-root.json', 2, (d) => {
      d.sourceIPAddress = '192.0.2.200';
    });
    expect(await sent([first, sameAgain, elsewhere])).toEqual([
      ['root-usage:critical'],
      [],
      ['root-usage:critical'],
    ]);
  });

  it('sends a public policy widened from one prefix to the whole bucket', async () => {
    const policy = (resource: string) => (d: Record<string, unknown>) => {
      d.requestParameters = {
        bucketName: 'example-data',
        bucketPolicy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: resource }],
        },
      };
    };
    const folder = occurrence(
      's3/put-bucket-policy-public.json',
      0,
      policy('arn:aws:s3:::example-data/public/*'),
    );
    const whole = occurrence('s3/put-bucket-policy-public.json', 2, policy('arn:aws:s3:::example-data/*'));
    const again = occurrence('s3/put-bucket-policy-public.json', 4, policy('arn:aws:s3:::example-data/*'));
    expect(await sent([folder, whole, again])).toEqual([
      ['s3-bucket-policy-public:critical'],
      ['s3-bucket-policy-public:critical'],
      [],
    ]);
  });

  it('sends a sign-in without MFA from a second address, though it is high, not critical', async () => {
    const first = occurrence('signin/console-login-no-mfa.json', 0);
    const elsewhere = occurrence('signin/console-login-no-mfa.json', 4, (d) => {
      d.sourceIPAddress = '192.0.2.77';
    });
    expect(await sent([first, elsewhere])).toEqual([
      ['console-login-without-mfa:high'],
      ['console-login-without-mfa:high'],
    ]);
  });

  it('never lets a forged root sign-in hide the real one that follows', async () => {
    const fake = occurrence('signin/console-login-root.json', 0);
    fake.source = 'acme.orders';
    const real = occurrence('signin/console-login-root.json', 1);
    expect(await sent([fake, real])).toEqual([['forged-aws-event:medium'], ['root-usage:critical']]);
  });

  it('folds repeated forgeries from one account', async () => {
    const fakes = [0, 1, 2].map((m) => {
      const e = occurrence('signin/console-login-root.json', m);
      e.source = 'acme.orders';
      return e;
    });
    expect(await sent(fakes)).toEqual([['forged-aws-event:medium'], [], []]);
  });
});
