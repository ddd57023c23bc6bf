import { loadConfigFile } from '../../../shared/config/load.ts';
import { severityRank } from '../../../shared/events/alert.ts';
import { evaluate } from '../../../shared/pipeline/evaluate.ts';
import { listFiles } from '../../../shared/replay/load.ts';
import { detailOf, loadEvent } from '../../helpers/events.ts';

/**
 * A record that lost a part (an export trimmed it, CloudTrail left out an oversized body) must never
 * read as safer than the whole record: every CloudTrail sample, with each part it has removed in
 * turn, raises an alert at least as loud as before.
 */
const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });
const PARTS = ['requestParameters', 'responseElements', 'additionalEventData'] as const;

/**
 * Pairs where AWS itself records the part as null for a legitimate call and the rule reads that as
 * such. None today: CreateAccessKey with no request (a key for the caller) still finds the key's owner
 * in the response, so a dropped request cannot turn a key for someone else into one for oneself.
 */
const LEGITIMATELY_NULL = new Set<string>();

const loudest = (event: unknown) =>
  Math.max(-1, ...evaluate(event, config).alerts.map((a) => severityRank(a.severity)));

const cases = listFiles('events')
  .filter(
    (f) => f.endsWith('.json') && !f.startsWith('events/cloudwatch/') && !f.startsWith('events/forged/'),
  )
  .map((f) => f.slice('events/'.length))
  .flatMap((rel) => {
    const detail = detailOf(loadEvent(rel));
    return PARTS.filter((p) => detail[p] !== undefined && detail[p] !== null).map((p) => [rel, p] as const);
  })
  .filter(([rel, part]) => !LEGITIMATELY_NULL.has(`${rel} ${part}`));

describe('a record missing a part is never judged safer', () => {
  it('has cases for every part', () => {
    for (const part of PARTS) expect(cases.filter(([, p]) => p === part).length).toBeGreaterThan(3);
  });

  it.each(cases)('%s without %s', (rel, part) => {
    const whole = loudest(loadEvent(rel));
    for (const missing of [null, undefined, 'null', {}, 'truncated {"Statement":']) {
      const event = loadEvent(rel);
      const detail = detailOf(event);
      if (missing === undefined) delete detail[part];
      else detail[part] = missing;
      expect(loudest(event)).toBeGreaterThanOrEqual(whole);
    }
  });

  it('says what it could not tell', () => {
    const event = loadEvent('s3/put-bucket-acl-public-read.json');
    detailOf(event).requestParameters = null;
    const [alert] = evaluate(event, config).alerts;
    expect(alert).toMatchObject({
      ruleId: 's3-bucket-acl-public',
      severity: 'critical',
      title: 'Could not rule out: S3 bucket made public by ACL',
    });
    expect(alert?.facts).toContainEqual({ label: 'Missing from the record', value: 'requestParameters' });
    expect(alert?.verdict).toMatch(/^The record has no requestParameters .* open the event in CloudTrail/);
  });
});

describe('a field inside a part missing or cut short is never judged safer', () => {
  const keep =
    (...keys: string[]) =>
    (d: Record<string, unknown>) => {
      const rp = d.requestParameters as Record<string, unknown>;
      d.requestParameters = Object.fromEntries(keys.map((k) => [k, rp[k]]));
    };
  const set = (key: string, value: unknown) => (d: Record<string, unknown>) => {
    (d.requestParameters as Record<string, unknown>)[key] = value;
  };

  it.each([
    [
      's3/put-bucket-policy-public.json',
      'no bucketPolicy',
      keep('bucketName'),
      's3-bucket-policy-public:critical',
    ],
    [
      's3/put-bucket-policy-public.json',
      'a policy cut short',
      set('bucketPolicy', '{"Statement": ['),
      's3-bucket-policy-public:critical',
    ],
    [
      's3/put-bucket-acl-grant-allusers.json',
      'no ACL at all',
      keep('bucketName'),
      's3-bucket-acl-public:critical',
    ],
    [
      'ec2/authorize-security-group-ingress-ssh-open.json',
      'no ipPermissions',
      keep('groupId'),
      'security-group-open-ingress:high',
    ],
    [
      'iam/create-role-cross-account-trust.json',
      'no trust document',
      keep('roleName'),
      'iam-role-trust-changed:critical',
    ],
    [
      'iam/update-assume-role-policy-star.json',
      'a trust document cut short',
      set('policyDocument', '{'),
      'iam-role-trust-changed:critical',
    ],
    [
      'iam/put-user-policy-star.json',
      'no policy document',
      keep('userName', 'policyName'),
      'iam-inline-policy-changed:critical',
    ],
  ])('%s with %s → %s (could not rule out)', (rel, _what, edit, expected) => {
    const event = loadEvent(rel);
    edit(detailOf(event));
    const alerts = evaluate(event, config).alerts;
    expect(alerts.map((a) => `${a.ruleId}:${a.severity}`)).toEqual([expected]);
    expect(alerts[0]?.title).toMatch(/^Could not rule out: /);
  });
});

describe('an access key minted for someone else, with the request dropped', () => {
  it('still names the owner from the response, at high', () => {
    const event = loadEvent('iam/create-access-key.json');
    detailOf(event).requestParameters = null;
    const [alert] = evaluate(event, config).alerts;
    expect([alert?.severity, alert?.summary]).toEqual([
      'high',
      expect.stringContaining('created an access key for another user, example-ci-bot'),
    ]);
  });
});
