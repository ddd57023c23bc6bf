import { alertFor, fact } from './alerts.ts';

/**
 * `iam-role-trust-changed` reads a role trust policy the way the S3 guide reads a bucket policy
 * (shared/detect/policy.ts): a wildcard principal in any spelling is anyone unless a condition pins it with
 * fixed values. Every "open" shape below was reported high or medium before.
 */
type Edit = (detail: Record<string, unknown>) => void;
const SAMPLE = 'iam/update-assume-role-policy-same-account.json';
const OWNER = '123456789012';
const OTHER = '999988887777';

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
    // A user id does not say which account it belongs to: pinned, and the reader checks whose it is.
    ['a fixed user id', { StringEquals: { 'aws:userid': 'AIDAFOREIGNUSER' } }, 'aws:userid AIDAFOREIGNUSER'],
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

  // `{"AWS": "<account>"}` is critical; a "*" the principal keys pin to that account lets in exactly the
  // same callers. Before, these read "Not open to everyone" at high.
  it.each<[string, Record<string, unknown>, string]>([
    ['aws:PrincipalAccount', { StringEquals: { 'aws:PrincipalAccount': OTHER } }, `account ${OTHER}`],
    [
      'aws:PrincipalArn',
      { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${OTHER}:role/x` } },
      `account ${OTHER}`,
    ],
    [
      'aws:PrincipalAccount naming this account and another',
      { StringEquals: { 'aws:PrincipalAccount': [OWNER, OTHER] } },
      `account ${OTHER}`,
    ],
    [
      'aws:PrincipalOrgID',
      { StringEquals: { 'aws:PrincipalOrgID': 'o-attacker123' } },
      'every account of organization o-attacker123 (cloud-alerts cannot tell whether it is yours)',
    ],
    [
      'aws:PrincipalOrgPaths',
      { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-attacker123/r-ab12/ou-ab12-11111111/*' } },
      'every account of organization o-attacker123 (cloud-alerts cannot tell whether it is yours)',
    ],
  ])(
    'a "*" pinned by %s to another account or organization is trusted by it (critical)',
    (_l, condition, who) => {
      const alert = alertFor(SAMPLE, trusting(assume({ Condition: condition })));
      expect([alert.severity, alert.verdict]).toEqual([
        'critical',
        `Assumable from outside this account now: ${who}.`,
      ]);
      expect(fact(alert, 'Pinned by')).toBeDefined();
    },
  );

  it('lets an account key narrow an organization key: this account within the org is not another account', () => {
    const alert = alertFor(
      SAMPLE,
      trusting(
        assume({
          Condition: { StringEquals: { 'aws:PrincipalAccount': OWNER, 'aws:PrincipalOrgID': 'o-a1' } },
        }),
      ),
    );
    expect(alert.severity).toBe('high');
  });

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

/**
 * Federated principals (`Principal.Federated`). A web identity provider hands a token to whoever signs in
 * there, and GitHub Actions to any workflow of any repository: such a trust is open to all of them unless a
 * condition pins the provider's subject to fixed values. Each "open" shape below read "Trust stays inside
 * this account" at medium before.
 */
describe('iam-role-trust-changed: identity providers', () => {
  const GITHUB = `arn:aws:iam::${OWNER}:oidc-provider/token.actions.githubusercontent.com`;
  const SUB = 'token.actions.githubusercontent.com:sub';
  const AUD = { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' };
  const web = (provider: string, condition?: Record<string, unknown>): Record<string, unknown> => ({
    Effect: 'Allow',
    Principal: { Federated: provider },
    Action: 'sts:AssumeRoleWithWebIdentity',
    ...(condition ? { Condition: condition } : {}),
  });
  const open = (who: string) => ['critical', `Assumable from outside this account now: ${who}.`];
  const verdictOf = (statement: Record<string, unknown>) => {
    const alert = alertFor(SAMPLE, trusting(statement));
    return [alert.severity, alert.verdict];
  };

  it.each<[string, Record<string, unknown> | undefined, string]>([
    ['only an aud condition', { StringEquals: AUD }, `no condition pins ${SUB}`],
    ['no condition at all', undefined, `no condition pins ${SUB}`],
    [
      'sub "repo:*"',
      { StringEquals: AUD, StringLike: { [SUB]: 'repo:*' } },
      `${SUB} "repo:*" has a wildcard in the owner or repository`,
    ],
    [
      'any repository of one owner',
      { StringLike: { [SUB]: 'repo:example/*' } },
      `${SUB} "repo:example/*" has a wildcard in the owner or repository`,
    ],
    [
      'one repository name under any owner',
      { StringLike: { [SUB]: 'repo:*/deploy:*' } },
      `${SUB} "repo:*/deploy:*" has a wildcard in the owner or repository`,
    ],
    [
      'a pinned repository next to an open one (values are alternatives)',
      { StringLike: { [SUB]: ['repo:example/deploy:*', 'repo:*'] } },
      `${SUB} "repo:*" has a wildcard in the owner or repository`,
    ],
    [
      'sub under StringLikeIfExists, which a token without the claim satisfies',
      { StringLikeIfExists: { [SUB]: 'repo:example/deploy:*' } },
      `${SUB} under StringLikeIfExists does not narrow who may call`,
    ],
    [
      'sub as a policy variable',
      { StringEquals: { [SUB]: `repo:\${aws:username}/deploy:ref:refs/heads/main` } },
      `${SUB} "repo:\${aws:username}/deploy:ref:refs/heads/main" is a policy variable`,
    ],
  ])('GitHub Actions with %s is open to every repository on GitHub (critical)', (_l, condition, why) => {
    expect(verdictOf(web(GITHUB, condition))).toEqual(
      open(`anyone with a token from token.actions.githubusercontent.com (${why})`),
    );
  });

  it.each<[string, Record<string, unknown>]>([
    [
      'one branch of one repository',
      { StringEquals: { ...AUD, [SUB]: 'repo:example/deploy:ref:refs/heads/main' } },
    ],
    ['anything in one repository', { StringEquals: AUD, StringLike: { [SUB]: 'repo:example/deploy:*' } }],
    ['two repositories', { 'ForAnyValue:StringLike': { [SUB]: ['repo:example/a:*', 'repo:example/b:*'] } }],
    [
      'the key in other letter case',
      { StringLike: { 'Token.Actions.GitHubUserContent.com:Sub': 'repo:example/deploy:*' } },
    ],
  ])('GitHub Actions pinned to %s stays inside (medium), and says what pins it', (_l, condition) => {
    const alert = alertFor(SAMPLE, trusting(web(GITHUB, condition)));
    expect([alert.severity, alert.verdict]).toEqual([
      'medium',
      'Trust stays inside this account, AWS services or identity providers.',
    ]);
    expect(fact(alert, 'Pinned by')).toMatch(/:sub repo:example\//i);
  });

  it('reads a GitHub Enterprise issuer by its own subject key', () => {
    const provider = `arn:aws:iam::${OWNER}:oidc-provider/token.actions.githubusercontent.com/acme`;
    expect(
      verdictOf(
        web(provider, {
          StringEquals: { 'token.actions.githubusercontent.com/acme:aud': 'sts.amazonaws.com' },
        }),
      ),
    ).toEqual(
      open(
        'anyone with a token from token.actions.githubusercontent.com/acme (no condition pins token.actions.githubusercontent.com/acme:sub)',
      ),
    );
    expect(
      verdictOf(
        web(provider, {
          StringLike: { 'token.actions.githubusercontent.com/acme:sub': 'repo:acme/deploy:*' },
        }),
      )[0],
    ).toBe('medium');
  });

  const COGNITO = 'cognito-identity.amazonaws.com';
  const POOL = { [`${COGNITO}:aud`]: 'eu-west-1:12345678-1234-1234-1234-123456789012' };
  it.each<[string, Record<string, unknown> | undefined, string]>([
    ['no condition', undefined, `no condition pins ${COGNITO}:aud to your identity pool`],
    [
      'an identity pool but no amr',
      { StringEquals: POOL },
      `no condition on ${COGNITO}:amr, so unauthenticated (guest) identities get in`,
    ],
    [
      'amr "unauthenticated" (the guest role)',
      { StringEquals: POOL, 'ForAnyValue:StringLike': { [`${COGNITO}:amr`]: 'unauthenticated' } },
      `${COGNITO}:amr allows unauthenticated (guest) identities`,
    ],
    [
      'amr "*authenticated", which matches "unauthenticated" too',
      { StringEquals: POOL, 'ForAnyValue:StringLike': { [`${COGNITO}:amr`]: '*authenticated' } },
      `${COGNITO}:amr "*authenticated" has a wildcard`,
    ],
    [
      'amr "authenticated" but any identity pool',
      {
        StringLike: { [`${COGNITO}:aud`]: '*' },
        'ForAnyValue:StringLike': { [`${COGNITO}:amr`]: 'authenticated' },
      },
      `${COGNITO}:aud "*" has a wildcard`,
    ],
  ])('Cognito with %s is open to anyone who opens the app (critical)', (_l, condition, why) => {
    expect(verdictOf(web(COGNITO, condition))).toEqual(open(`anyone with a token from ${COGNITO} (${why})`));
  });

  it.each([['authenticated'], ['graph.facebook.com']])(
    'Cognito pinned to one identity pool and amr %s stays inside (medium)',
    (amr) => {
      const condition = { StringEquals: POOL, 'ForAnyValue:StringLike': { [`${COGNITO}:amr`]: amr } };
      expect(verdictOf(web(COGNITO, condition))[0]).toBe('medium');
    },
  );

  it.each<[string, Record<string, unknown> | undefined, string]>([
    [
      'an EKS service-account provider with only aud',
      { StringEquals: { 'oidc.eks.eu-west-1.amazonaws.com/id/ABC123:aud': 'sts.amazonaws.com' } },
      'anyone with a token from oidc.eks.eu-west-1.amazonaws.com/id/ABC123 (no condition pins oidc.eks.eu-west-1.amazonaws.com/id/ABC123:sub)',
    ],
    [
      'an EKS provider with any service account',
      { StringLike: { 'oidc.eks.eu-west-1.amazonaws.com/id/ABC123:sub': 'system:serviceaccount:*' } },
      'anyone with a token from oidc.eks.eu-west-1.amazonaws.com/id/ABC123 (oidc.eks.eu-west-1.amazonaws.com/id/ABC123:sub "system:serviceaccount:*" has a wildcard)',
    ],
  ])('an OIDC provider with %s is open (critical)', (_l, condition, who) => {
    const provider = `arn:aws:iam::${OWNER}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123`;
    expect(verdictOf(web(provider, condition))).toEqual(open(who));
  });

  it.each<[string, string, Record<string, unknown>]>([
    [
      'an EKS provider pinned to one service account',
      `arn:aws:iam::${OWNER}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123`,
      {
        StringEquals: {
          'oidc.eks.eu-west-1.amazonaws.com/id/ABC123:sub': 'system:serviceaccount:prod:deployer',
        },
      },
    ],
    [
      'Google pinned to one user',
      'accounts.google.com',
      { StringEquals: { 'accounts.google.com:sub': '1234567890' } },
    ],
    [
      'Facebook pinned to one user id',
      'graph.facebook.com',
      { StringEquals: { 'graph.facebook.com:id': '1234567890' } },
    ],
  ])('%s stays inside (medium)', (_l, provider, condition) => {
    expect(verdictOf(web(provider, condition))[0]).toBe('medium');
  });

  it('reads Google pinned only to an app (aud) as open: anyone with a Google account signs in to it', () => {
    expect(
      verdictOf(
        web('accounts.google.com', {
          StringEquals: { 'accounts.google.com:aud': 'app.apps.googleusercontent.com' },
        }),
      ),
    ).toEqual(
      open('anyone with a token from accounts.google.com (no condition pins accounts.google.com:sub)'),
    );
  });

  it.each<[string, string]>([
    ['a SAML provider', `arn:aws:iam::${OTHER}:saml-provider/Evil`],
    ['an OIDC provider', `arn:aws:iam::${OTHER}:oidc-provider/token.actions.githubusercontent.com`],
  ])('%s defined in another account is trusted by that account (critical)', (_l, provider) => {
    expect(verdictOf({ ...web(provider), Action: 'sts:AssumeRoleWithSAML' })).toEqual(
      open(`account ${OTHER}, through its identity provider`),
    );
  });

  // Your IdP decides who gets an assertion for the role; SAML:aud only checks it was meant for AWS.
  it('keeps a SAML provider of this account inside (medium), with or without SAML:aud', () => {
    const provider = `arn:aws:iam::${OWNER}:saml-provider/okta`;
    for (const condition of [
      undefined,
      { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
    ])
      expect(verdictOf({ ...web(provider, condition), Action: 'sts:AssumeRoleWithSAML' })).toEqual([
        'medium',
        'Trust stays inside this account, AWS services or identity providers.',
      ]);
  });
});
