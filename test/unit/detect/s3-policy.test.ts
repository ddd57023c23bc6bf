import {
  analyzeBucketAcl,
  analyzeBucketPolicy,
  conditionPins,
  principalAccount,
} from '../../../shared/detect/s3-policy.ts';

const OWNER = '123456789012';
const OTHER = '210987654321';
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';

function grant(uri: string, permission: string): Record<string, unknown> {
  return { Grantee: { 'xsi:type': 'Group', URI: uri }, Permission: permission };
}

function aclWith(grants: unknown): Record<string, unknown> {
  return { bucketName: 'example-data', AccessControlPolicy: { AccessControlList: { Grant: grants } } };
}

function policy(...statements: Record<string, unknown>[]): Record<string, unknown> {
  return { Version: '2012-10-17', Statement: statements };
}

function allowAll(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Sid: 'Open',
    Effect: 'Allow',
    Principal: '*',
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::example-data/*',
    ...extra,
  };
}

describe('analyzeBucketAcl', () => {
  it.each([
    ['public-read', 'canned ACL public-read: everyone can read'],
    ['public-read-write', 'canned ACL public-read-write: everyone can read and write'],
    ['authenticated-read', 'canned ACL authenticated-read: any AWS account can read'],
  ])('flags the canned ACL %s as public', (canned, description) => {
    expect(analyzeBucketAcl({ bucketName: 'b', 'x-amz-acl': [canned] })).toEqual({
      canned,
      publicGrants: [description],
    });
  });

  it('reports the canned ACL private without a public grant', () => {
    expect(analyzeBucketAcl({ bucketName: 'b', 'x-amz-acl': ['private'] })).toEqual({
      canned: 'private',
      publicGrants: [],
    });
  });

  it('accepts x-amz-acl recorded as a plain string', () => {
    expect(analyzeBucketAcl({ 'x-amz-acl': 'public-read' }).publicGrants).toEqual([
      'canned ACL public-read: everyone can read',
    ]);
  });

  it('reads a single Grant object', () => {
    expect(analyzeBucketAcl(aclWith(grant(ALL_USERS, 'READ')))).toEqual({
      publicGrants: ['READ to everyone (AllUsers)'],
    });
  });

  it('reads a list of Grants and names each public one', () => {
    const acl = aclWith([
      { Grantee: { 'xsi:type': 'CanonicalUser', ID: 'abc' }, Permission: 'FULL_CONTROL' },
      grant(ALL_USERS, 'READ'),
      grant(AUTHENTICATED_USERS, 'WRITE'),
    ]);
    expect(analyzeBucketAcl(acl).publicGrants).toEqual([
      'READ to everyone (AllUsers)',
      'WRITE to any AWS account (AuthenticatedUsers)',
    ]);
  });

  it('does not treat the LogDelivery group as public', () => {
    const acl = aclWith([grant(LOG_DELIVERY, 'WRITE'), grant(LOG_DELIVERY, 'READ_ACP')]);
    expect(analyzeBucketAcl(acl).publicGrants).toEqual([]);
  });

  it('falls back to "access" when a public grant has no Permission', () => {
    expect(analyzeBucketAcl(aclWith({ Grantee: { URI: ALL_USERS } })).publicGrants).toEqual([
      'access to everyone (AllUsers)',
    ]);
  });

  it.each([
    ['x-amz-grant-read', ALL_USERS, 'READ to everyone (AllUsers)'],
    ['x-amz-grant-write', ALL_USERS, 'WRITE to everyone (AllUsers)'],
    ['x-amz-grant-read-acp', AUTHENTICATED_USERS, 'READ-ACP to any AWS account (AuthenticatedUsers)'],
    ['x-amz-grant-full-control', AUTHENTICATED_USERS, 'FULL-CONTROL to any AWS account (AuthenticatedUsers)'],
  ])('flags the %s header granting to %s', (header, uri, description) => {
    expect(analyzeBucketAcl({ bucketName: 'b', [header]: [`uri="${uri}"`] }).publicGrants).toEqual([
      description,
    ]);
  });

  it('does not flag a grant header naming a canonical user id', () => {
    expect(analyzeBucketAcl({ 'x-amz-grant-read': ['id="abc123"'] }).publicGrants).toEqual([]);
  });

  it.each([[null], [undefined], [42], ['text'], [[]]])('returns no grants for requestParameters %p', (rp) => {
    expect(analyzeBucketAcl(rp)).toEqual({ publicGrants: [] });
  });
});

describe('analyzeBucketPolicy', () => {
  it.each([
    ['"*"', '*'],
    ['{"AWS":"*"}', { AWS: '*' }],
    ['{"AWS":["*"]}', { AWS: ['*'] }],
  ])('treats an Allow to Principal %s without a condition as public', (_label, principal) => {
    const result = analyzeBucketPolicy(policy(allowAll({ Principal: principal })), OWNER);
    expect(result).toEqual({
      publicStatements: [
        { sid: 'Open', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::example-data/*'] },
      ],
      otherAccounts: [],
      statementCount: 1,
    });
  });

  it('treats NotPrincipal with Allow as public', () => {
    const st = allowAll({ Principal: undefined, NotPrincipal: { AWS: `arn:aws:iam::${OTHER}:root` } });
    expect(analyzeBucketPolicy(policy(st), OWNER).publicStatements).toHaveLength(1);
  });

  it('does not treat NotPrincipal with Allow as public when a condition pins it', () => {
    const st = allowAll({
      Principal: undefined,
      NotPrincipal: { AWS: `arn:aws:iam::${OTHER}:root` },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    });
    expect(analyzeBucketPolicy(policy(st), OWNER).publicStatements).toEqual([]);
  });

  it('never treats a Deny statement as widening access', () => {
    const deny = allowAll({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(analyzeBucketPolicy(policy(deny), OWNER)).toEqual({
      publicStatements: [],
      otherAccounts: [],
      statementCount: 1,
    });
  });

  it('summarises NotAction and NotResource when Action and Resource are absent', () => {
    const st = {
      Effect: 'Allow',
      Principal: '*',
      NotAction: ['s3:DeleteObject'],
      NotResource: 'arn:aws:s3:::example-data/private/*',
    };
    expect(analyzeBucketPolicy(policy(st), OWNER).publicStatements).toEqual([
      { actions: ['s3:DeleteObject'], resources: ['arn:aws:s3:::example-data/private/*'] },
    ]);
  });

  it.each([
    ['IpAddress', 'aws:SourceIp', '203.0.113.0/24'],
    ['StringEquals', 'aws:SourceVpce', 'vpce-1a2b3c4d'],
    ['StringEquals', 'aws:SourceVpc', 'vpc-111bbb22'],
    ['ArnLike', 'aws:SourceArn', 'arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE'],
    ['StringEquals', 'aws:SourceAccount', OWNER],
    ['StringEquals', 'aws:PrincipalOrgID', 'o-a1b2c3d4e5'],
    ['StringEquals', 'aws:PrincipalAccount', OWNER],
  ])('treats %s on %s as pinning', (operator, key, value) => {
    const st = allowAll({ Condition: { [operator]: { [key]: value } } });
    expect(analyzeBucketPolicy(policy(st), OWNER).publicStatements).toEqual([]);
  });

  it('treats aws:SourceIp 0.0.0.0/0 as not pinning', () => {
    const st = allowAll({ Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } } });
    expect(analyzeBucketPolicy(policy(st), OWNER).publicStatements).toHaveLength(1);
  });

  it('treats StringNotEquals as not pinning', () => {
    const st = allowAll({ Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } });
    expect(analyzeBucketPolicy(policy(st), OWNER).publicStatements).toHaveLength(1);
  });

  it('treats the value "*" as not pinning', () => {
    const st = allowAll({ Condition: { StringLike: { 'aws:PrincipalOrgID': '*' } } });
    expect(analyzeBucketPolicy(policy(st), OWNER).publicStatements).toHaveLength(1);
  });

  it('collects other accounts named by id or ARN, sorted and de-duplicated, and not its own', () => {
    const st = {
      Effect: 'Allow',
      Principal: {
        AWS: [
          `arn:aws:iam::${OTHER}:root`,
          '333333333333',
          `arn:aws:iam::${OTHER}:role/reader`,
          `arn:aws:iam::${OWNER}:role/own`,
          OWNER,
        ],
        Service: 'cloudfront.amazonaws.com',
      },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::example-data/*',
    };
    expect(analyzeBucketPolicy(policy(st), OWNER)).toEqual({
      publicStatements: [],
      otherAccounts: ['210987654321', '333333333333'],
      statementCount: 1,
    });
  });

  it('does not collect accounts named only in Deny statements', () => {
    const st = { Effect: 'Deny', Principal: { AWS: OTHER }, Action: 's3:*', Resource: '*' };
    expect(analyzeBucketPolicy(policy(st), OWNER).otherAccounts).toEqual([]);
  });

  it('reads a single Statement object and counts every statement', () => {
    expect(analyzeBucketPolicy({ Statement: allowAll() }, OWNER).statementCount).toBe(1);
    expect(analyzeBucketPolicy(policy(allowAll(), allowAll({ Effect: 'Deny' })), OWNER).statementCount).toBe(
      2,
    );
  });
});

describe('conditionPins', () => {
  it.each([
    ['aws:SourceIp', 'IpAddress', '10.0.0.0/8'],
    ['aws:SourceVpce', 'StringEquals', 'vpce-1a2b3c4d'],
    ['aws:SourceArn', 'ArnEquals', 'arn:aws:sns:eu-west-1:123456789012:topic'],
    ['aws:SourceAccount', 'StringEquals', '123456789012'],
    ['aws:PrincipalOrgID', 'StringEquals', 'o-a1b2c3d4e5'],
    ['aws:PrincipalAccount', 'StringEquals', '123456789012'],
  ])('pins on %s', (key, operator, value) => {
    expect(conditionPins({ [operator]: { [key]: value } })).toBe(true);
  });

  it('matches condition keys case-insensitively', () => {
    expect(conditionPins({ StringEquals: { 'AWS:PRINCIPALORGID': 'o-a1b2c3d4e5' } })).toBe(true);
  });

  it.each([
    ['0.0.0.0/0', ['0.0.0.0/0']],
    ['::/0', ['::/0']],
    ['a list that includes 0.0.0.0/0', ['10.0.0.0/8', '0.0.0.0/0']],
  ])('does not pin on aws:SourceIp %s', (_label, value) => {
    expect(conditionPins({ IpAddress: { 'aws:SourceIp': value } })).toBe(false);
  });

  it.each([
    ['StringNotEquals', { StringNotEquals: { 'aws:SourceAccount': '123456789012' } }],
    ['NotIpAddress', { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }],
    ['Bool', { Bool: { 'aws:SecureTransport': 'true' } }],
    ['a key that does not identify the caller', { StringEquals: { 's3:prefix': 'home/' } }],
    ['the value "*"', { StringLike: { 'aws:SourceArn': '*' } }],
    ['an empty value list', { StringEquals: { 'aws:SourceAccount': [] } }],
  ])('does not pin on %s', (_label, condition) => {
    expect(conditionPins(condition)).toBe(false);
  });

  // With IfExists a missing key satisfies the condition, and anonymous callers carry no
  // aws:PrincipalOrgID or aws:SourceVpce at all, so the statement stays open to them.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
  it('does not pin on StringEqualsIfExists, which a caller without the key satisfies', () => {
    expect(conditionPins({ StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } })).toBe(false);
  });

  // ForAllValues is true when the key is absent from the request.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
  it('does not pin on ForAllValues:StringEquals, which a caller without the key satisfies', () => {
    expect(conditionPins({ 'ForAllValues:StringEquals': { 'aws:SourceVpce': ['vpce-1a2b3c4d'] } })).toBe(
      false,
    );
  });

  it.each([[undefined], [null], ['text'], [[{ StringEquals: {} }]]])('is false for %p', (condition) => {
    expect(conditionPins(condition)).toBe(false);
  });
});

describe('principalAccount', () => {
  it.each([
    ['210987654321', '210987654321'],
    ['arn:aws:iam::210987654321:root', '210987654321'],
    ['arn:aws:iam::210987654321:role/reader', '210987654321'],
    ['arn:aws:sts::210987654321:assumed-role/reader/session', '210987654321'],
    ['arn:aws-us-gov:iam::210987654321:user/alice', '210987654321'],
    ['arn:aws-cn:iam::210987654321:root', '210987654321'],
    ['cloudfront.amazonaws.com', undefined],
    ['79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be', undefined],
    ['21098765432', undefined],
    ['arn:aws:s3:::example-data', undefined],
  ])('reads %s as %p', (principal, expected) => {
    expect(principalAccount(principal)).toBe(expected);
  });
});
