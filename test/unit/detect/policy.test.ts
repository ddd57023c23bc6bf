import {
  conditionPins,
  describePin,
  principalAccount,
  readCondition,
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
