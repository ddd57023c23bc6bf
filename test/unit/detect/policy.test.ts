import {
  conditionPins,
  describePin,
  principalAccount,
  principalScope,
  readCondition,
  readFederated,
  readPrincipals,
} from '../../../shared/detect/policy.ts';

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

/**
 * Where a "*" in a value is a wildcard: under the pattern operators (StringLike, ArnLike, ArnEquals), not
 * under StringEquals, which compares exactly. And the wildcard forms the S3 guide still counts as fixed.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
 */
describe("conditionPins: fixed values by AWS's definition", () => {
  it.each([
    [
      '"*" under StringEquals (only the string "*" matches)',
      { StringEquals: { 'aws:PrincipalAccount': '*' } },
    ],
    ['"?" under StringEqualsIgnoreCase', { StringEqualsIgnoreCase: { 'aws:SourceVpce': 'vpce-?' } }],
    [
      '"*" under ForAnyValue:StringEquals',
      { 'ForAnyValue:StringEquals': { 'aws:SourceVpce': ['vpce-1', '*'] } },
    ],
    [
      'aws:userid "AROLEID:*" (every session of one role)',
      { StringLike: { 'aws:userid': 'AROAEXAMPLEID:*' } },
    ],
    [
      'aws:PrincipalOrgPaths with a trailing "/*"',
      { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-abc/r-ab12/ou-ab12-1111/*' } },
    ],
    ['aws:SourceOrgPaths with a trailing "/*"', { StringLike: { 'aws:SourceOrgPaths': 'o-abc/*' } }],
    ['a literal "*" written as an escape', { StringLike: { 'aws:PrincipalOrgID': `o-\${*}` } }],
    ['a literal "$" written as an escape', { StringEquals: { 'aws:SourceVpce': `vpce-\${$}1` } }],
  ])('pins on %s', (_label, condition) => {
    expect(conditionPins(condition)).toBe(true);
  });

  it.each([
    [
      '"*" under StringLike',
      { StringLike: { 'aws:PrincipalAccount': '*' } },
      'aws:PrincipalAccount "*" has a wildcard',
    ],
    [
      '"*" under ArnEquals, which matches patterns',
      { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:*:*:*' } },
      'aws:SourceArn "arn:aws:sns:*:*:*" has a wildcard',
    ],
    [
      'aws:userid with a wildcard role id',
      { StringLike: { 'aws:userid': 'AROA*:*' } },
      'aws:userid "AROA*:*" has a wildcard',
    ],
    [
      'aws:userid of any user of a name',
      { StringLike: { 'aws:userid': '*:alice' } },
      'aws:userid "*:alice" has a wildcard',
    ],
    [
      'aws:userid with the role id open at the end',
      { StringLike: { 'aws:userid': 'AROAEXAMPLE*' } },
      'aws:userid "AROAEXAMPLE*" has a wildcard',
    ],
    [
      'an org path with a wildcard inside an id',
      { StringLike: { 'aws:PrincipalOrgPaths': 'o-abc/r-ab*/*' } },
      'aws:PrincipalOrgPaths "o-abc/r-ab*/*" has a wildcard',
    ],
    [
      'an org path that is only "*"',
      { StringLike: { 'aws:PrincipalOrgPaths': '*' } },
      'aws:PrincipalOrgPaths "*" has a wildcard',
    ],
    [
      'a policy variable under StringEquals',
      { StringEquals: { 'aws:PrincipalAccount': `\${aws:PrincipalAccount}` } },
      `aws:PrincipalAccount "\${aws:PrincipalAccount}" is a policy variable`,
    ],
  ])('does not pin on %s', (_label, condition, why) => {
    expect(readCondition(condition)).toEqual({ notPinning: [why] });
  });
});

describe('principalScope', () => {
  const OWN = '123456789012';
  it.each<[string, Record<string, unknown>, ReturnType<typeof principalScope>]>([
    [
      'another account',
      { StringEquals: { 'aws:PrincipalAccount': '999988887777' } },
      { otherAccounts: ['999988887777'], organizations: [] },
    ],
    [
      'this account',
      { StringEquals: { 'aws:PrincipalAccount': OWN } },
      { otherAccounts: [], organizations: [] },
    ],
    [
      'an ARN in another account',
      {
        ArnEquals: { 'aws:PrincipalArn': ['arn:aws:iam::999988887777:role/x', `arn:aws:iam::${OWN}:role/y`] },
      },
      { otherAccounts: ['999988887777'], organizations: [] },
    ],
    [
      'an organization',
      { StringEquals: { 'aws:PrincipalOrgID': 'o-attacker123' } },
      { otherAccounts: [], organizations: ['o-attacker123'] },
    ],
    [
      'accounts in two entries (ANDed: only those both allow)',
      {
        StringEquals: { 'aws:PrincipalAccount': ['999988887777', '111122223333'] },
        ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/ci' },
      },
      { otherAccounts: ['111122223333'], organizations: [] },
    ],
    [
      'an account within an organization (the account decides)',
      { StringEquals: { 'aws:PrincipalAccount': OWN, 'aws:PrincipalOrgID': 'o-a1' } },
      { otherAccounts: [], organizations: [] },
    ],
    ['a network only', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, undefined],
    ['an account key that does not pin', { StringLike: { 'aws:PrincipalAccount': '*' } }, undefined],
    ['an account key that does not narrow', { StringNotEquals: { 'aws:PrincipalAccount': OWN } }, undefined],
  ])('reads %s', (_label, condition, scope) => {
    expect(principalScope(condition, OWN)).toEqual(scope);
  });
});

describe('readFederated', () => {
  const OWN = '123456789012';
  it('does not trust a provider name that looks up a prototype property', () => {
    expect(readFederated('__proto__', undefined, OWN)).toEqual({
      kind: 'open',
      provider: '__proto__',
      why: 'no condition pins __proto__:sub',
    });
    expect(readFederated('constructor', { StringEquals: { 'constructor:sub': 'x' } }, OWN)).toEqual({
      kind: 'pinned',
      provider: 'constructor',
      pins: ['constructor:sub x'],
    });
  });

  it('reads a SAML provider of this account as yours and one of another account as theirs', () => {
    expect(readFederated(`arn:aws:iam::${OWN}:saml-provider/okta`, undefined, OWN)).toEqual({ kind: 'saml' });
    expect(readFederated('arn:aws-us-gov:iam::999988887777:saml-provider/x', undefined, OWN)).toEqual({
      kind: 'other-account',
      account: '999988887777',
    });
  });

  it('does not let a condition key written twice in different case pin the subject', () => {
    const condition = {
      StringEquals: {
        'token.actions.githubusercontent.com:sub': 'repo:a/b:ref:refs/heads/main',
        'TOKEN.actions.githubusercontent.com:SUB': 'repo:a/b:ref:refs/heads/main',
      },
    };
    expect(readFederated('token.actions.githubusercontent.com', condition, OWN).kind).toBe('open');
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

describe('readCondition', () => {
  it('names the first entry that pins', () => {
    expect(
      readCondition({
        StringLike: { 'aws:SourceVpce': 'vpce-*' },
        StringEquals: { 'aws:PrincipalOrgID': ['o-a1b2c3d4e5'], 's3:prefix': 'home/' },
      }),
    ).toEqual({ pin: { key: 'aws:PrincipalOrgID', values: ['o-a1b2c3d4e5'] }, notPinning: [] });
  });

  it.each([
    [{ StringLike: { 'aws:PrincipalOrgID': 'o-*' } }, 'aws:PrincipalOrgID "o-*" has a wildcard'],
    [
      { StringEquals: { 'aws:SourceAccount': `\${aws:PrincipalAccount}` } },
      `aws:SourceAccount "\${aws:PrincipalAccount}" is a policy variable`,
    ],
    [{ IpAddress: { 'aws:SourceIp': '10.0.0.0/7' } }, 'aws:SourceIp "10.0.0.0/7" is broader than an IPv4 /8'],
    [{ IpAddress: { 'aws:SourceIp': '::/1' } }, 'aws:SourceIp "::/1" is broader than an IPv6 /32'],
    [
      { IpAddress: { 'aws:SourceIp': ['52.0.0.0/8', '53.0.0.0/8'] } },
      'aws:SourceIp ranges together cover more public IPv4 addresses than a /8',
    ],
    [
      { IpAddress: { 'aws:SourceIp': ['2001:db8::/32', '2001:db9::/32'] } },
      'aws:SourceIp ranges together cover more IPv6 addresses than a /32',
    ],
    [{ IpAddress: { 'aws:SourceIp': 42 } }, 'aws:SourceIp 42 is not an IP range'],
    [
      { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
      'aws:SourceIp under NotIpAddress does not narrow who may call',
    ],
    [
      { StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1' } },
      'aws:PrincipalOrgID under StringEqualsIfExists does not narrow who may call',
    ],
    [{ StringEquals: { 'aws:PrincipalOrgID': [] } }, 'aws:PrincipalOrgID has no values'],
    [{ StringEquals: { 'aws:PrincipalOrgID': ' ' } }, 'aws:PrincipalOrgID is empty'],
    [
      { StringEquals: { 'aws:PrincipalOrgID': [['o-a1']] } },
      'aws:PrincipalOrgID ["o-a1"] is not a single value',
    ],
    [
      { StringEquals: { 'aws:PrincipalOrgID': 'o-a1' }, stringequals: { 'aws:PrincipalOrgID': 'o-a1' } },
      'aws:PrincipalOrgID under StringEquals is written more than once in different letter case',
    ],
  ])('does not pin on %j: %s', (condition, why) => {
    const reading = readCondition(condition);
    expect(reading.pin).toBeUndefined();
    expect(reading.notPinning[0]).toBe(why);
  });

  it('reads keys that cannot pin as saying nothing', () => {
    expect(
      readCondition({ Bool: { 'aws:SecureTransport': 'true' }, StringEquals: { 's3:prefix': '*' } }),
    ).toEqual({
      notPinning: [],
    });
  });

  it('reads a number value as the fixed value it is', () => {
    expect(readCondition({ StringEquals: { 'aws:SourceAccount': 123456789012 } }).pin).toEqual({
      key: 'aws:SourceAccount',
      values: ['123456789012'],
    });
  });
});

describe('describePin', () => {
  it('writes the key and its values on one short line', () => {
    expect(describePin({ key: 'aws:SourceIp', values: ['203.0.113.0/24', '198.51.100.0/24'] })).toBe(
      'aws:SourceIp 203.0.113.0/24, 198.51.100.0/24',
    );
    expect(describePin({ key: 'aws:SourceVpce', values: new Array(40).fill('vpce-1a2b3c4d') })).toHaveLength(
      120,
    );
  });
});

describe('readPrincipals', () => {
  it.each([
    ['"*"', '*', [{ kind: 'AWS', value: '*' }]],
    ['{"AWS": ["*"]}', { AWS: ['*'] }, [{ kind: 'AWS', value: '*' }]],
    ['{"aws": "*"}', { aws: '*' }, [{ kind: 'AWS', value: '*' }]],
    ['{"CanonicalUser": "*"}', { CanonicalUser: '*' }, [{ kind: 'CanonicalUser', value: '*' }]],
    [
      'an ARN with a wildcard account',
      { AWS: 'arn:aws:iam::*:root' },
      [{ kind: 'AWS', value: 'arn:aws:iam::*:root' }],
    ],
    ['a policy variable', { AWS: `\${aws:username}` }, [{ kind: 'AWS', value: `\${aws:username}` }]],
    ['a list of strings', ['*'], [{ kind: 'AWS', value: '*' }]],
  ])('reads %s as anyone', (_label, principal, anyone) => {
    expect(readPrincipals(principal).anyone).toEqual(anyone);
  });

  it('separates federated providers from fixed principals and ignores non-strings', () => {
    expect(
      readPrincipals({
        AWS: ['arn:aws:iam::210987654321:root', 42, null],
        Service: 'cloudfront.amazonaws.com',
        Federated: 'cognito-identity.amazonaws.com',
      }),
    ).toEqual({
      anyone: [],
      federated: [{ kind: 'Federated', value: 'cognito-identity.amazonaws.com' }],
      named: [
        { kind: 'AWS', value: 'arn:aws:iam::210987654321:root' },
        { kind: 'Service', value: 'cloudfront.amazonaws.com' },
      ],
    });
  });

  it.each([[undefined], [null], [42], [{}]])('reads %p as no principal', (principal) => {
    expect(readPrincipals(principal)).toEqual({ anyone: [], federated: [], named: [] });
  });
});
