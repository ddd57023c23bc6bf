import fc from 'fast-check';
import { analyzeBucketAcl, analyzeBucketPolicy } from '../../../shared/detect/s3-policy.ts';
import { alertFor, fact } from './alerts.ts';

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

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'reads a canned ACL or grantee URI named %s as nothing public, not as a property of Object',
    (name) => {
      const grantee = { Grant: { Grantee: { URI: name }, Permission: 'READ' } };
      expect(
        analyzeBucketAcl({
          'x-amz-acl': [name],
          AccessControlPolicy: { AccessControlList: grantee },
        }),
      ).toEqual({ canned: name, publicGrants: [] });
    },
  );

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
        {
          sid: 'Open',
          actions: ['s3:GetObject'],
          resources: ['arn:aws:s3:::example-data/*'],
          opensTo: ['Principal "*"'],
          notPinning: [],
        },
      ],
      otherAccounts: [],
      otherOrganizations: [],
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
      otherOrganizations: [],
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
      {
        actions: ['s3:DeleteObject'],
        resources: ['arn:aws:s3:::example-data/private/*'],
        opensTo: ['Principal "*"'],
        notPinning: [],
      },
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
      otherOrganizations: [],
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

/**
 * The S3 user guide's definition ("The meaning of public", Block Public Access chapter): a statement is
 * non-public only when it grants to fixed values; an aws:SourceIp range broader than /8 (IPv4) or /32
 * (IPv6) is not fixed. Every shape in the first table was reported "not public" before this definition.
 */
describe('the S3 definition of a public policy', () => {
  function isPublic(...statements: Record<string, unknown>[]): boolean {
    return analyzeBucketPolicy(policy(...statements), OWNER).publicStatements.length > 0;
  }
  const when = (condition: Record<string, unknown>) => allowAll({ Condition: condition });
  const EVERY_SLASH_8 = Array.from({ length: 256 }, (_, i) => `${i}.0.0.0/8`);

  it.each<[string, Record<string, unknown>]>([
    ['a wildcard org id under StringLike', when({ StringLike: { 'aws:PrincipalOrgID': 'o-*' } })],
    ['a "?" wildcard in an account id', when({ StringLike: { 'aws:SourceAccount': '12345678901?' } })],
    ['a wildcard VPC endpoint', when({ StringLike: { 'aws:SourceVpce': 'vpce-*' } })],
    // The guide's own example of a public policy.
    ['a wildcard VPC id (the S3 guide example)', when({ StringLike: { 'aws:SourceVpc': 'vpc-*' } })],
    [
      'a policy variable as the value',
      when({ StringEquals: { 'aws:PrincipalAccount': `\${aws:PrincipalAccount}` } }),
    ],
    [
      'a policy variable inside an ARN',
      when({ ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::\${aws:PrincipalAccount}:role/reader` } }),
    ],
    [
      'a list with one wildcard value',
      when({ StringLike: { 'aws:PrincipalOrgID': ['o-a1b2c3d4e5', 'o-*'] } }),
    ],
    [
      'a "*" under StringLike in an account list',
      when({ StringLike: { 'aws:PrincipalAccount': [OWNER, '*'] } }),
    ],
    // The guide's aws:userid exception is for one role's sessions: the role id must be fixed.
    ['aws:userid with a wildcard role id', when({ StringLike: { 'aws:userid': 'AROA*:*' } })],
    ['aws:userid of a user name in any account', when({ StringLike: { 'aws:userid': '*:alice' } })],
    ['aws:userid of a role prefix', when({ StringLike: { 'aws:userid': 'AROAEXAMPLEROLE*' } })],
    [
      'an org path with a wildcard inside the org id',
      when({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-a1*/*' } }),
    ],
    [
      'an org path with a wildcard before a fixed OU',
      when({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-a1b2c3d4e5/*/ou-ab12-11111111/*' } }),
    ],
    [
      'an org path under ForAllValues:, which a caller with no org satisfies',
      when({ 'ForAllValues:StringLike': { 'aws:PrincipalOrgPaths': 'o-a1b2c3d4e5/r-ab12/*' } }),
    ],
    ['a wildcard under a key spelled in capitals', when({ StringLike: { 'AWS:SOURCEVPCE': 'vpce-*' } })],
    [
      'the same key twice in different case, one of them a wildcard',
      when({ StringLike: { 'aws:PrincipalOrgID': 'o-*', 'AWS:PRINCIPALORGID': 'o-a1b2c3d4e5' } }),
    ],
    ['aws:username, which any account can have', when({ StringEquals: { 'aws:username': 'alice' } })],
    [
      'aws:SourceIp 0.0.0.0/1 + 128.0.0.0/1',
      when({ IpAddress: { 'aws:SourceIp': ['0.0.0.0/1', '128.0.0.0/1'] } }),
    ],
    ['aws:SourceIp /7', when({ IpAddress: { 'aws:SourceIp': '10.0.0.0/7' } })],
    ['aws:SourceIp IPv6 ::/1', when({ IpAddress: { 'aws:SourceIp': '::/1' } })],
    ['aws:SourceIp IPv6 /31', when({ IpAddress: { 'aws:SourceIp': '2001:db8::/31' } })],
    ['aws:SourceIp all IPv4-mapped IPv6', when({ IpAddress: { 'aws:SourceIp': '::ffff:0:0/96' } })],
    ['aws:SourceIp as 256 /8 blocks', when({ IpAddress: { 'aws:SourceIp': EVERY_SLASH_8 } })],
    [
      'aws:SourceIp two public /8 blocks',
      when({ IpAddress: { 'aws:SourceIp': ['52.0.0.0/8', '54.0.0.0/8'] } }),
    ],
    ['aws:SourceIp that is not a range', when({ IpAddress: { 'aws:SourceIp': 'anywhere' } })],
    [
      'an access point ARN with a wildcard account',
      when({ StringLike: { 's3:DataAccessPointArn': 'arn:aws:s3:eu-west-1:*:accesspoint/*' } }),
    ],
    [
      'NotPrincipal pinned only by a wildcard',
      allowAll({
        Principal: undefined,
        NotPrincipal: { AWS: `arn:aws:iam::${OTHER}:root` },
        Condition: { StringLike: { 'aws:PrincipalOrgID': 'o-*' } },
      }),
    ],
    ['Principal {"AWS": "arn:aws:iam::*:root"}', allowAll({ Principal: { AWS: 'arn:aws:iam::*:root' } })],
    ['Principal {"aws": "*"} (kind in lower case)', allowAll({ Principal: { aws: '*' } })],
    ['Principal ["*"]', allowAll({ Principal: ['*'] })],
    ['Principal {"Service": "*"}', allowAll({ Principal: { Service: '*' } })],
    ['a policy variable as the principal', allowAll({ Principal: { AWS: `\${aws:username}` } })],
    // The S3 guide's first public example: anyone who can sign in with the provider.
    ['a federated principal', allowAll({ Principal: { Federated: 'graph.facebook.com' } })],
    ['Effect "allow" in lower case', allowAll({ Effect: 'allow' })],
  ])('%s is public', (_label, st) => {
    expect(isPublic(st)).toBe(true);
  });

  it('reads a lower-case "statement" element', () => {
    expect(analyzeBucketPolicy({ statement: [allowAll()] }, OWNER).publicStatements).toHaveLength(1);
  });

  it.each<[string, Record<string, unknown>]>([
    ['Principal {"CanonicalUser": "*"}', allowAll({ Principal: { CanonicalUser: '*' } })],
    ['…IfExists', when({ StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } })],
    ['ForAllValues:', when({ 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } })],
    ['a negated operator', when({ StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } })],
    ['the Null operator', when({ Null: { 'aws:PrincipalOrgID': 'false' } })],
    // A spelling AWS may not read as StringEquals must not vouch for the statement.
    ['an operator in the wrong case', when({ stringequals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } })],
    [
      'a condition element in the wrong case',
      allowAll({ condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1' } } }),
    ],
    ['an object as the value', when({ StringEquals: { 'aws:PrincipalOrgID': { id: 'o-a1b2c3d4e5' } } })],
    ['an empty value', when({ StringEquals: { 'aws:PrincipalOrgID': '' } })],
    ['aws:SourceIp under StringEquals', when({ StringEquals: { 'aws:SourceIp': '203.0.113.0/24' } })],
  ])('%s stays public', (_label, st) => {
    expect(isPublic(st)).toBe(true);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a fixed org id', when({ StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } })],
    [
      'a fixed org id under a key spelled in capitals',
      when({ StringEquals: { 'AWS:PRINCIPALORGID': 'o-a1b2c3d4e5' } }),
    ],
    ['a fixed org id under StringLike', when({ StringLike: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } })],
    ['a fixed /24 source range', when({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } })],
    ['a single source address', when({ IpAddress: { 'aws:SourceIp': '203.0.113.7' } })],
    ['exactly a /8', when({ IpAddress: { 'aws:SourceIp': '52.0.0.0/8' } })],
    [
      'a public /8 plus the private 10/8',
      when({ IpAddress: { 'aws:SourceIp': ['52.0.0.0/8', '10.0.0.0/8'] } }),
    ],
    [
      'the three RFC 1918 blocks',
      when({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }),
    ],
    ['an IPv6 /32', when({ IpAddress: { 'aws:SourceIp': '2001:db8::/32' } })],
    ['fixed VPC endpoints', when({ StringEquals: { 'aws:SourceVpce': ['vpce-1a2b3c4d', 'vpce-5e6f7a8b'] } })],
    [
      'a fixed source ARN',
      when({
        ArnEquals: { 'aws:SourceArn': 'arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE' },
      }),
    ],
    [
      'a fixed source account written as a number',
      when({ StringEquals: { 'aws:SourceAccount': 123456789012 } }),
    ],
    [
      'fixed org paths under ForAnyValue:',
      when({
        'ForAnyValue:StringEquals': { 'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'] },
      }),
    ],
    [
      'an access point ARN with a fixed account and wildcard region and name',
      when({ StringLike: { 's3:DataAccessPointArn': 'arn:aws:s3:*:123456789012:accesspoint/*' } }),
    ],
    [
      'an access point ARN with a fixed account and a wildcard name (the S3 guide exception)',
      when({ StringLike: { 's3:DataAccessPointArn': 'arn:aws:s3:us-west-2:123456789012:accesspoint/*' } }),
    ],
    ['a fixed aws:userid', when({ StringEquals: { 'aws:userid': 'AIDAJQABLZS4A3QDU576Q' } })],
    // "A fixed value of aws:userid outside the pattern AROLEID:*" (the guide): every session of one role.
    [
      'aws:userid "AROLEID:*", every session of one role',
      when({ StringLike: { 'aws:userid': 'AROAEXAMPLEROLEID1234:*' } }),
    ],
    [
      'an org path with everything under it (the documented form)',
      when({
        'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*' },
      }),
    ],
    [
      'a whole organization written as a path',
      when({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-a1b2c3d4e5/*' } }),
    ],
    // StringEquals compares exactly: "*" there is the character "*", which no account id or org id is.
    ['"*" under StringEquals', when({ StringEquals: { 'aws:PrincipalAccount': [OWNER, '*'] } })],
    ['"o-*" under StringEqualsIgnoreCase', when({ StringEqualsIgnoreCase: { 'aws:PrincipalOrgID': 'o-*' } })],
    // ${*} is how a policy writes a literal "*": not a variable, not a wildcard.
    [
      'a literal "*" written as an escape under StringLike',
      when({ StringLike: { 'aws:PrincipalOrgID': `o-\${*}` } }),
    ],
    [
      'one broad and one fixed condition (conditions are ANDed)',
      when({
        IpAddress: { 'aws:SourceIp': '0.0.0.0/0' },
        StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
      }),
    ],
    [
      'a fixed service principal with its source account',
      allowAll({
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': OWNER } },
      }),
    ],
    ['a fixed account principal', allowAll({ Principal: { AWS: `arn:aws:iam::${OTHER}:root` } })],
    [
      'a fixed canonical user',
      allowAll({ Principal: { CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98e' } }),
    ],
  ])('%s is not public', (_label, st) => {
    expect(isPublic(st)).toBe(false);
  });

  it('says why a condition did not pin', () => {
    const st = when({
      StringLike: { 'aws:PrincipalOrgID': 'o-*' },
      IpAddress: { 'aws:SourceIp': ['0.0.0.0/1', '128.0.0.0/1'] },
    });
    expect(analyzeBucketPolicy(policy(st), OWNER).publicStatements).toEqual([
      {
        sid: 'Open',
        actions: ['s3:GetObject'],
        resources: ['arn:aws:s3:::example-data/*'],
        opensTo: ['Principal "*"'],
        notPinning: [
          'aws:PrincipalOrgID "o-*" has a wildcard',
          'aws:SourceIp "0.0.0.0/1" is broader than an IPv4 /8',
        ],
      },
    ]);
  });

  it('names who a statement opens to', () => {
    const st = allowAll({
      Principal: { AWS: ['arn:aws:iam::*:root', '*'], Federated: 'accounts.google.com' },
    });
    expect(analyzeBucketPolicy(policy(st), OWNER).publicStatements[0]?.opensTo).toEqual([
      'Principal AWS "arn:aws:iam::*:root"',
      'Principal "*"',
      'federated accounts.google.com',
    ]);
  });

  describe('properties', () => {
    const VALUES = [
      'o-a1b2c3d4e5',
      'o-*',
      '203.0.113.0/24',
      '0.0.0.0/1',
      '128.0.0.0/1',
      '10.0.0.0/8',
      '52.0.0.0/8',
      '2001:db8::/32',
      '::/1',
      'vpce-1a2b3c4d',
      'arn:aws:sns:eu-west-1:123456789012:topic',
      `\${aws:username}`,
      '',
    ];
    const value = fc.oneof(fc.constantFrom(...VALUES), fc.constant(123456789012));
    const values = fc.oneof(value, fc.array(value, { maxLength: 3 }));
    const block = fc.dictionary(
      fc.constantFrom(
        'aws:PrincipalOrgID',
        'aws:SourceIp',
        'AWS:SOURCEVPCE',
        'aws:SourceArn',
        'aws:username',
        's3:prefix',
      ),
      values,
      { maxKeys: 3 },
    );
    const condition = fc.dictionary(
      fc.constantFrom(
        'StringEquals',
        'StringLike',
        'ArnLike',
        'IpAddress',
        'StringNotEquals',
        'StringEqualsIfExists',
        'ForAnyValue:StringEquals',
        'ForAllValues:StringEquals',
        'Null',
      ),
      block,
      { maxKeys: 3 },
    );
    const principal = fc.constantFrom<unknown>(
      '*',
      { AWS: '*' },
      { AWS: ['*'] },
      { AWS: 'arn:aws:iam::*:root' },
      { AWS: `arn:aws:iam::${OTHER}:root` },
      { Service: 'cloudfront.amazonaws.com' },
      { Federated: 'graph.facebook.com' },
      { CanonicalUser: '*' },
    );
    const statement = fc.record({
      Effect: fc.constantFrom('Allow', 'allow', 'Deny'),
      Principal: principal,
      Action: fc.constant('s3:GetObject'),
      Resource: fc.constant('*'),
      Condition: condition,
    });
    const statements = fc.array(statement, { maxLength: 4 });
    const publicCount = (list: Record<string, unknown>[]) =>
      analyzeBucketPolicy(policy(...list), OWNER).publicStatements.length;

    /** Each condition entry rewritten by `edit`, which sees the entry's value as written. */
    function editValues(list: Record<string, unknown>[], edit: (v: unknown) => unknown) {
      return list.map((st) => ({
        ...st,
        Condition: Object.fromEntries(
          Object.entries(st.Condition as Record<string, Record<string, unknown>>).map(([op, b]) => [
            op,
            Object.fromEntries(Object.entries(b).map(([k, v]) => [k, edit(v)])),
          ]),
        ),
      }));
    }
    const has = (v: unknown, x: unknown) => (Array.isArray(v) ? v.includes(x) : v === x);

    it('adding a Deny never makes a policy more or less public', () => {
      fc.assert(
        fc.property(statements, statement, (list, extra) => {
          expect(publicCount([...list, { ...extra, Effect: 'Deny' }])).toBe(publicCount(list));
        }),
      );
    });

    it('replacing a fixed value with a wildcard or a policy variable never makes a policy less public', () => {
      fc.assert(
        fc.property(
          statements,
          // Only fixed values: a policy variable or an empty value pins nothing to begin with.
          fc.constantFrom(...VALUES.filter((v) => v !== '' && !/[*?]|\$\{/.test(v))),
          fc.constantFrom('*', 'o-*', `\${aws:SourceAccount}`),
          (list, from, to) => {
            const swap = (v: unknown) =>
              Array.isArray(v) ? v.map((x) => (x === from ? to : x)) : v === from ? to : v;
            expect(publicCount(editValues(list, swap))).toBeGreaterThanOrEqual(publicCount(list));
          },
        ),
      );
    });

    it('an Allow to "*" whose condition values are all policy variables is public', () => {
      fc.assert(
        fc.property(
          condition,
          fc.constantFrom(`\${aws:SourceIp}`, `o-\${aws:PrincipalOrgID}`),
          (cond, variable) => {
            const [st] = editValues([allowAll({ Condition: cond })], (v) =>
              Array.isArray(v) ? v.map(() => variable) : variable,
            );
            expect(st && analyzeBucketPolicy(policy(st), OWNER).publicStatements).toHaveLength(1);
          },
        ),
      );
    });

    // Under StringEquals a "*" is a character, not a wildcard (see the table above), so this holds for
    // conditions whose operators match patterns or do not narrow at all.
    const patternCondition = fc.dictionary(
      fc.constantFrom(
        'StringLike',
        'ArnLike',
        'ForAnyValue:StringLike',
        'IpAddress',
        'StringNotEquals',
        'Null',
      ),
      block,
      { maxKeys: 3 },
    );
    it('an Allow to "*" whose pattern-matching condition values are all wildcards is public', () => {
      fc.assert(
        fc.property(patternCondition, fc.constantFrom('*', 'o-*', '10.0.0.?'), (cond, wild) => {
          const [st] = editValues([allowAll({ Condition: cond })], (v) =>
            Array.isArray(v) ? v.map(() => wild) : wild,
          );
          expect(st && analyzeBucketPolicy(policy(st), OWNER).publicStatements).toHaveLength(1);
        }),
      );
    });

    it('adding an alternative value to a condition key never makes a policy less public', () => {
      fc.assert(
        fc.property(statements, fc.constantFrom(...VALUES), value, (list, at, extra) => {
          const widened = editValues(list, (v) =>
            has(v, at) ? [...(Array.isArray(v) ? v : [v]), extra] : v,
          );
          expect(publicCount(widened)).toBeGreaterThanOrEqual(publicCount(list));
        }),
      );
    });
  });
});

/**
 * A `*` that the principal keys pin to another account is that account's grant, written another way:
 * `{"AWS": "<account>"}` and `"*"` + aws:PrincipalAccount "<account>" open the bucket to the same callers,
 * so both name the account. Before, the pinned form read "not public" and named no one.
 */
describe('a "*" pinned to other accounts or organizations', () => {
  const when = (condition: Record<string, unknown>) => allowAll({ Condition: condition });
  const outside = (st: Record<string, unknown>) => {
    const a = analyzeBucketPolicy(policy(st), OWNER);
    return { public: a.publicStatements.length, accounts: a.otherAccounts, orgs: a.otherOrganizations };
  };

  it.each<[string, Record<string, unknown>, string[], string[]]>([
    ['aws:PrincipalAccount', { StringEquals: { 'aws:PrincipalAccount': OTHER } }, [OTHER], []],
    [
      'aws:PrincipalArn',
      { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${OTHER}:role/reader` } },
      [OTHER],
      [],
    ],
    [
      'the owner and another account',
      { StringEquals: { 'aws:PrincipalAccount': [OWNER, OTHER] } },
      [OTHER],
      [],
    ],
    [
      'aws:PrincipalOrgID',
      { StringEquals: { 'aws:PrincipalOrgID': 'o-attacker123' } },
      [],
      ['o-attacker123'],
    ],
    [
      'aws:PrincipalOrgPaths',
      { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-attacker123/r-ab12/*' } },
      [],
      ['o-attacker123'],
    ],
    // Entries are ANDed: an account key narrows an organization key further.
    [
      'the owner account within an organization',
      { StringEquals: { 'aws:PrincipalAccount': OWNER, 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      [],
      [],
    ],
    ['the owner account', { StringEquals: { 'aws:PrincipalAccount': OWNER } }, [], []],
    ['a network, which names no account', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, [], []],
  ])('pinned by %s: not public, and names who is let in', (_label, condition, accounts, orgs) => {
    expect(outside(when(condition))).toEqual({ public: 0, accounts, orgs });
  });

  it('names nobody for a pin that does not hold (a wildcard account is public instead)', () => {
    expect(outside(when({ StringLike: { 'aws:PrincipalAccount': '2109876543*' } }))).toEqual({
      public: 1,
      accounts: [],
      orgs: [],
    });
  });

  it('raises the pinned-to-another-account form exactly like the plain one (medium, naming it)', () => {
    const plain = alertFor('s3/put-bucket-policy-org-pinned.json', (d) => {
      const rp = d.requestParameters as { bucketPolicy: { Statement: Record<string, unknown>[] } };
      rp.bucketPolicy.Statement = [
        { Effect: 'Allow', Principal: { AWS: OTHER }, Action: 's3:GetObject', Resource: '*' },
      ];
    });
    const pinned = alertFor('s3/put-bucket-policy-org-pinned.json', (d) => {
      const rp = d.requestParameters as { bucketPolicy: { Statement: Record<string, unknown>[] } };
      rp.bucketPolicy.Statement = [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalAccount': OTHER } },
        },
      ];
    });
    for (const alert of [plain, pinned])
      expect([alert.ruleId, alert.severity, alert.verdict, fact(alert, 'Other accounts granted')]).toEqual([
        's3-bucket-policy-changed',
        'medium',
        `Not public, but grants access to other account(s): ${OTHER}.`,
        OTHER,
      ]);
  });

  it('names an organization it cannot tell is yours (medium)', () => {
    const alert = alertFor('s3/put-bucket-policy-org-pinned.json');
    expect([alert.severity, alert.verdict]).toEqual([
      'medium',
      'Not public, but grants access to other account(s): organization o-a1b2c3d4e5. cloud-alerts cannot tell whether an organization is yours: check its id.',
    ]);
  });
});

describe('account-level Block Public Access, end to end', () => {
  // The envelope account is set by EventBridge; recipientAccountId is part of the record and can be forged.
  it('names the envelope account, not the recipientAccountId the record claims', () => {
    const alert = alertFor('s3/delete-account-public-access-block.json', (d) => {
      d.recipientAccountId = '999999999999';
    });
    expect(alert.resource).toEqual({ type: 'AWS account', name: '123456789012' });
  });
});

describe('s3-bucket-policy-public, end to end', () => {
  type Statement = Record<string, unknown>;
  /** The first statement of the sample's bucket policy, for an edit. */
  const firstStatement = (d: Record<string, unknown>): Statement => {
    const rp = d.requestParameters as { bucketPolicy: { Statement: Statement[] } };
    const [st] = rp.bucketPolicy.Statement;
    if (!st) throw new Error('sample has no statement');
    return st;
  };

  it('fires critical for an org id that is a wildcard, and says why it is not pinned', () => {
    const alert = alertFor('s3/put-bucket-policy-org-pinned.json', (d) => {
      firstStatement(d).Condition = { StringLike: { 'aws:PrincipalOrgID': 'o-*' } };
    });
    expect([alert.ruleId, alert.severity, fact(alert, 'Public statements')]).toEqual([
      's3-bucket-policy-public',
      'critical',
      'AllowOrganizationRead: s3:GetObject, s3:ListBucket (not pinned: aws:PrincipalOrgID "o-*" has a wildcard)',
    ]);
  });

  it('fires critical for source ranges that together cover the internet', () => {
    const alert = alertFor('s3/put-bucket-policy-source-ip-pinned.json', (d) => {
      firstStatement(d).Condition = { IpAddress: { 'aws:SourceIp': ['0.0.0.0/1', '128.0.0.0/1'] } };
    });
    expect([alert.ruleId, alert.severity]).toEqual(['s3-bucket-policy-public', 'critical']);
  });

  it('fires critical when the policy arrives as JSON text', () => {
    const alert = alertFor('s3/put-bucket-policy-org-pinned.json', (d) => {
      const rp = d.requestParameters as Record<string, unknown>;
      const st = firstStatement(d);
      st.Condition = { StringEquals: { 'aws:PrincipalOrgID': `\${aws:PrincipalOrgID}` } };
      rp.bucketPolicy = JSON.stringify({ Statement: st });
    });
    expect([alert.ruleId, alert.severity]).toEqual(['s3-bucket-policy-public', 'critical']);
  });

  it('says who a statement opens to when it is more than "*"', () => {
    const alert = alertFor('s3/put-bucket-policy-public.json', (d) => {
      firstStatement(d).Principal = { Federated: 'graph.facebook.com' };
    });
    expect([alert.severity, fact(alert, 'Public statements')]).toEqual([
      'critical',
      'PublicReadGetObject: s3:GetObject (opens to federated graph.facebook.com)',
    ]);
  });

  it('stays a low policy change for a fixed /24', () => {
    const alert = alertFor('s3/put-bucket-policy-source-ip-pinned.json');
    expect([alert.ruleId, alert.severity]).toEqual(['s3-bucket-policy-changed', 'low']);
  });
});
