import { alertFor, fact } from './alerts.ts';

/**
 * `iam-role-trust-changed` reads a role trust policy the way the S3 guide reads a bucket policy
 * (shared/detect/policy.ts): a wildcard principal in any spelling is anyone unless a condition pins it with
 * fixed values. Every "open" shape below was reported high or medium before.
 */
type Edit = (detail: Record<string, unknown>) => void;
const SAMPLE = 'iam/update-assume-role-policy-same-account.json';

function trusting(...statements: Record<string, unknown>[]): Edit {
  return (d) => {
    const rp = d.requestParameters as Record<string, unknown>;
    rp.policyDocument = JSON.stringify({ Version: '2012-10-17', Statement: statements });
  };
}

function assume(extra: Record<string, unknown>): Record<string, unknown> {
  return { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', ...extra };
}

describe('iam-role-trust-changed: who counts as anyone', () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      '"*" under a wildcard org id',
      assume({ Condition: { StringLike: { 'aws:PrincipalOrgID': 'o-*' } } }),
      'Principal "*"',
    ],
    [
      '"*" under a policy variable as the org id',
      assume({ Condition: { StringEquals: { 'aws:PrincipalOrgID': `\${aws:PrincipalOrgID}` } } }),
      'Principal "*"',
    ],
    [
      '{"AWS": ["*"]} under a "?" wildcard in the account',
      assume({
        Principal: { AWS: ['*'] },
        Condition: { StringLike: { 'aws:PrincipalAccount': '12345678901?' } },
      }),
      'Principal "*"',
    ],
    [
      '"*" under a wildcard principal ARN',
      assume({ Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/deploy' } } }),
      'Principal "*"',
    ],
    [
      '"*" under source ranges that add up to the whole internet',
      assume({ Condition: { IpAddress: { 'aws:SourceIp': ['0.0.0.0/1', '128.0.0.0/1'] } } }),
      'Principal "*"',
    ],
    [
      '"*" under aws:username, which any account can have',
      assume({ Condition: { StringEquals: { 'aws:username': 'deploy' } } }),
      'Principal "*"',
    ],
    [
      '"*" under a key in capitals with a wildcard value',
      assume({ Condition: { StringLike: { 'AWS:PRINCIPALORGID': 'o-*' } } }),
      'Principal "*"',
    ],
    [
      'Principal "arn:aws:iam::*:root"',
      assume({ Principal: { AWS: 'arn:aws:iam::*:root' } }),
      'Principal AWS "arn:aws:iam::*:root"',
    ],
    ['Principal {"aws": "*"} in lower case', assume({ Principal: { aws: '*' } }), 'Principal "*"'],
    ['Principal ["*"]', assume({ Principal: ['*'] }), 'Principal "*"'],
    ['Effect "allow" in lower case', assume({ Effect: 'allow' }), 'Principal "*"'],
    [
      'an Allow with NotPrincipal and no condition',
      { Effect: 'Allow', NotPrincipal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: 'sts:AssumeRole' },
      'NotPrincipal',
    ],
  ])('%s is open to anyone (critical)', (_label, statement, who) => {
    const alert = alertFor(SAMPLE, trusting(statement));
    expect([alert.severity, alert.verdict]).toEqual([
      'critical',
      `Assumable from outside this account now: anyone (${who}).`,
    ]);
  });

  it('says which conditions did not pin the "*"', () => {
    const alert = alertFor(
      SAMPLE,
      trusting(assume({ Condition: { StringLike: { 'aws:PrincipalOrgID': 'o-*' } } })),
    );
    expect(fact(alert, 'Conditions that do not pin')).toBe('aws:PrincipalOrgID "o-*" has a wildcard');
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'a fixed org id',
      { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      'aws:PrincipalOrgID o-a1b2c3d4e5',
    ],
    [
      'a fixed account',
      { StringEquals: { 'aws:PrincipalAccount': '123456789012' } },
      'aws:PrincipalAccount 123456789012',
    ],
    [
      'fixed principal ARNs',
      {
        ArnEquals: {
          'aws:PrincipalArn': ['arn:aws:iam::123456789012:role/ci', 'arn:aws:iam::123456789012:role/ops'],
        },
      },
      'aws:PrincipalArn arn:aws:iam::123456789012:role/ci, arn:aws:iam::123456789012:role/ops',
    ],
    ['a fixed /24', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, 'aws:SourceIp 203.0.113.0/24'],
  ])(
    'a "*" pinned by %s is not open to everyone, and the verdict says what pins it',
    (_label, condition, pin) => {
      const alert = alertFor(SAMPLE, trusting(assume({ Condition: condition })));
      expect([alert.severity, alert.verdict, fact(alert, 'Pinned by')]).toEqual([
        'high',
        `Not open to everyone: "*" is pinned by ${pin}. Check that this names only callers you trust.`,
        pin,
      ]);
    },
  );

  it('reads the trust policy whether it arrives as JSON text or URL-encoded JSON text', () => {
    const doc = JSON.stringify({
      Statement: assume({ Condition: { StringLike: { 'aws:PrincipalOrgID': 'o-*' } } }),
    });
    const alert = alertFor(SAMPLE, (d) => {
      (d.requestParameters as Record<string, unknown>).policyDocument = encodeURIComponent(doc);
    });
    expect(alert.severity).toBe('critical');
  });
});

describe('iam-role-trust-changed: whose account', () => {
  // The envelope account is set by EventBridge; recipientAccountId is part of the record and can be forged.
  it('judges "another account" against the envelope account, not recipientAccountId', () => {
    const alert = alertFor('iam/create-role-cross-account-trust.json', (d) => {
      d.recipientAccountId = '210987654321';
    });
    expect([alert.severity, alert.verdict]).toEqual([
      'critical',
      'Assumable from outside this account now: account 210987654321.',
    ]);
  });
});
