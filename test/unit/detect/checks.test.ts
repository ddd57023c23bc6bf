import { detectCloudTrail } from '../../../shared/detect/catalog.ts';
import { isOpenCidr, openIngress } from '../../../shared/detect/network.ts';
import type { DetectContext } from '../../../shared/detect/types.ts';
import { cloudTrailDetail, detailOf, loadEvent } from '../../helpers/events.ts';
import { alertFor, alertsFor, fact } from './alerts.ts';

const CTX: DetectContext = { account: '123456789012', region: 'eu-west-1' };
type Edit = (detail: Record<string, unknown>) => void;

function ruleIds(relPath: string, edit?: Edit) {
  const event = loadEvent(relPath);
  if (edit) edit(detailOf(event));
  return detectCloudTrail(cloudTrailDetail(event), CTX);
}

const params = (d: Record<string, unknown>) => d.requestParameters as Record<string, unknown>;

describe('S3 exposure', () => {
  it('stays quiet when account-level Block Public Access is set fully on', () => {
    expect(ruleIds('s3/put-account-public-access-block-enabled.json')).toEqual({
      findings: [],
      known: true,
      errors: [],
    });
  });

  it('names the account-level flags turned off', () => {
    expect(fact(alertFor('s3/put-account-public-access-block-partial.json'), 'Flags off')).toBe(
      'BlockPublicPolicy, RestrictPublicBuckets',
    );
  });

  it('stays quiet when object ownership is BucketOwnerEnforced (ACLs off)', () => {
    expect(ruleIds('s3/put-bucket-ownership-controls-enforced.json').findings).toEqual([]);
  });

  it('raises a bucket created with an AllUsers grant header to critical', () => {
    const alert = alertFor('s3/create-bucket.json', (d) => {
      params(d)['x-amz-grant-read'] = ['uri="http://acs.amazonaws.com/groups/global/AllUsers"'];
    });
    expect([alert.severity, alert.verdict]).toEqual(['critical', 'Public now: READ to everyone (AllUsers).']);
  });

  it('names the replication destination and the CORS origins', () => {
    expect(fact(alertFor('s3/put-bucket-replication.json'), 'Replicates to')).toBe(
      'arn:aws:s3:::example-data-replica',
    );
    expect(fact(alertFor('s3/put-bucket-cors.json'), 'Allowed origins')).toBe('https://www.example.com\n*');
  });
});

describe('IAM', () => {
  it('says a customer managed policy document is not in the event', () => {
    const alert = alertFor('iam/attach-role-policy-readonly.json', (d) => {
      params(d).policyArn = 'arn:aws:iam::123456789012:policy/example-deploy';
    });
    expect(alert.verdict).toBe(
      'Permissions changed: a customer managed policy, whose document is not in the event; open it and check what it allows: if it grants administrator access, example-auditor-role is now an administrator.',
    );
    expect(alert.links.map((l) => l.text)).toEqual(['Open role', 'Open policy', 'CloudTrail event']);
  });

  it.each([
    // A new default version whose document the record lacks may be admin: not ruled out, at critical.
    [
      true,
      undefined,
      'critical',
      'The record has no requestParameters.policyDocument (an export trimmed it, or it was too large for CloudTrail), so "IAM managed policy changed" cannot be ruled out: open the event in CloudTrail and check.',
    ],
    [
      true,
      JSON.stringify({
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::x/*' }],
      }),
      'medium',
      'In effect now for everyone the policy is attached to: no wildcard action or resource.',
    ],
    [
      'true',
      JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] }),
      'critical',
      'Privilege escalation: everyone the policy is attached to now has administrator access (statement: iam:* on Resource "*" (every IAM action: it can grant itself the rest)).',
    ],
    [
      false,
      JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      'medium',
      'Not in effect: the new version is not the default, but it grants administrator access (statement: Action "*" on Resource "*"): making it the default would hand that to everyone the policy is attached to.',
    ],
  ])('CreatePolicyVersion setAsDefault %p with %s is %s', (setAsDefault, doc, severity, verdict) => {
    const alert = alertFor('iam/create-policy-version-default-star.json', (d) => {
      params(d).setAsDefault = setAsDefault;
      params(d).policyDocument = doc;
    });
    expect([alert.severity, alert.verdict]).toEqual([severity, verdict]);
  });

  it.each([
    [
      // Every account of the organization may assume it, and cloud-alerts cannot tell the org is yours.
      'Principal "*" pinned by aws:PrincipalOrgID',
      { Principal: { AWS: '*' }, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } },
      'critical',
    ],
    [
      'Principal "*" pinned by aws:PrincipalAccount to the own account',
      { Principal: { AWS: '*' }, Condition: { StringEquals: { 'aws:PrincipalAccount': '123456789012' } } },
      'high',
    ],
    ['a bare account id of another account', { Principal: { AWS: '210987654321' } }, 'critical'],
    ['Principal "*" as a string', { Principal: '*' }, 'critical'],
    ['the own account root', { Principal: { AWS: 'arn:aws:iam::123456789012:root' } }, 'medium'],
    [
      'a SAML provider (Federated)',
      { Principal: { Federated: 'arn:aws:iam::123456789012:saml-provider/okta' } },
      'medium',
    ],
    ['a Deny for everyone', { Effect: 'Deny', Principal: { AWS: '*' } }, 'medium'],
  ])('a trust policy with %s is %s', (_what, statement, severity) => {
    const alert = alertFor('iam/update-assume-role-policy-same-account.json', (d) => {
      params(d).policyDocument = JSON.stringify({
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', ...statement }],
      });
    });
    expect(alert.severity).toBe(severity);
  });

  it('lists every trusted principal', () => {
    expect(fact(alertFor('iam/update-assume-role-policy-same-account.json'), 'Trusted principals')).toBe(
      'AWS: arn:aws:iam::123456789012:role/terraform-ci\nFederated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
    );
  });

  it('says when the trust policy is not readable', () => {
    const alert = alertFor('iam/create-role-cross-account-trust.json', (d) => {
      params(d).assumeRolePolicyDocument = 'not json';
    });
    expect([alert.severity, alert.verdict]).toEqual([
      'low',
      'Trust policy not readable in the event: open the role and check who can assume it.',
    ]);
  });

  it('reads the MFA device owner from the serial number when no user is named', () => {
    expect(alertFor('iam/delete-virtual-mfa-device.json').resource).toEqual({
      type: 'IAM user',
      name: 'alice',
    });
  });
});

describe('root usage', () => {
  it.each([
    [
      'called by an AWS service for root (invokedBy)',
      (d: Record<string, unknown>) => {
        (d.userIdentity as Record<string, unknown>).invokedBy = 'cloudformation.amazonaws.com';
      },
    ],
    [
      'an AwsServiceEvent',
      (d: Record<string, unknown>) => {
        d.eventType = 'AwsServiceEvent';
      },
    ],
  ])('ignores a root identity %s', (_what, edit) => {
    expect(alertsFor('s3/list-buckets-by-root.json', edit)).toEqual([]);
  });

  it('keeps critical when the root call is denied, and says why', () => {
    const alert = alertFor('s3/list-buckets-by-root.json', (d) => {
      d.errorCode = 'AccessDenied';
    });
    expect([alert.severity, alert.title, alert.verdict]).toEqual([
      'critical',
      'Attempted: Root user used',
      'Denied: nothing changed, but the attempt alone is the signal (kept critical). Find out who holds these credentials and why they tried.',
    ]);
  });

  it('links to the root security credentials', () => {
    expect(alertFor('s3/list-buckets-by-root.json').links[0]).toEqual({
      text: 'Open root security credentials',
      url: 'https://us-east-1.console.aws.amazon.com/iam/home#/security_credentials',
    });
  });
});

describe('console sign-in', () => {
  it.each(['signin/console-login-with-mfa.json', 'signin/console-login-sso.json'])(
    'raises nothing for %s',
    (file) => {
      expect(alertsFor(file)).toEqual([]);
    },
  );

  it('raises a ConsoleLogin with no outcome as "could not rule out" sign-in without MFA, at high', () => {
    const { findings, errors } = ruleIds('signin/console-login-no-mfa.json', (d) => {
      d.responseElements = null;
    });
    // Both sign-in rules need the outcome; the louder one speaks, and nothing fails.
    expect([findings.map((f) => [f.ruleId, f.severity, f.incomplete]), errors]).toEqual([
      [['console-login-without-mfa', 'high', ['responseElements']]],
      [],
    ]);
  });

  it('names no user and links no user page when CloudTrail hides the typed name', () => {
    const alert = alertFor('signin/console-login-failure-unknown-user.json');
    expect([alert.resource, alert.links.map((l) => l.text)]).toEqual([undefined, ['CloudTrail event']]);
  });
});

describe('tampering', () => {
  it.each([true, 'true', undefined])('stays quiet for UpdateDetector with enable %p', (enable) => {
    const { findings, known } = ruleIds('guardduty/update-detector-disable.json', (d) => {
      params(d).enable = enable;
    });
    expect([findings, known]).toEqual([[], true]);
  });

  it.each([
    ['cloudtrail/stop-logging.json', 'critical'],
    ['config/stop-configuration-recorder.json', 'high'],
    ['guardduty/delete-detector.json', 'critical'],
    ['securityhub/disable-security-hub.json', 'critical'],
  ])('keeps %s at %s when denied', (file, severity) => {
    const alert = alertFor(file, (d) => {
      d.errorCode = 'AccessDenied';
    });
    expect([alert.severity, alert.attempted]).toEqual([severity, true]);
  });

  it('says "failed", not "denied", for an error that is not a refusal', () => {
    const alert = alertFor('cloudtrail/stop-logging.json', (d) => {
      d.errorCode = 'TrailNotFoundException';
    });
    expect(alert.summary).toBe(
      'IAM user bob tried StopLogging on CloudTrail trail org-trail and failed (TrailNotFoundException)',
    );
  });

  it('shows the trail name and keeps the ARN for the resource and link', () => {
    const alert = alertFor('cloudtrail/stop-logging.json');
    expect(alert.resource).toEqual({
      type: 'CloudTrail trail',
      name: 'org-trail',
      arn: 'arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail',
    });
  });
});

function sshFrom(cidrs: string[]): Record<string, unknown> {
  return {
    groupId: 'sg-1',
    ipPermissions: {
      items: [
        {
          ipProtocol: 'tcp',
          fromPort: 22,
          toPort: 22,
          ipRanges: { items: cidrs.map((c) => ({ cidrIp: c })) },
        },
      ],
    },
  };
}

/** ModifySecurityGroupRules as CloudTrail records it (PascalCase, the rule under SecurityGroupRule twice). */
function modifyTo(source: Record<string, unknown>): Record<string, unknown> {
  return {
    ModifySecurityGroupRulesRequest: {
      GroupId: 'sg-0a1b2c3d4e5f67890',
      SecurityGroupRule: {
        tag: 1,
        SecurityGroupRuleId: 'sgr-0123456789abcdef0',
        SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, ...source },
      },
    },
  };
}

/**
 * Administrator-equivalent identity policies (docs/rules.md, "Administrator access"): every action, all but a
 * NotAction list, or every IAM action, on every resource. The NotAction and lower-case shapes read
 * "no wildcard action or resource" before, high inline and low as a new managed policy.
 */
describe('administrator-equivalent policies', () => {
  const OWN = 'arn:aws:iam::123456789012:user/nobody';
  const doc = (...statements: Record<string, unknown>[]) =>
    JSON.stringify({ Version: '2012-10-17', Statement: statements });
  const allow = (x: Record<string, unknown>) => ({ Effect: 'Allow', ...x });
  const inline = (policy: string) =>
    alertFor('iam/put-role-policy-scoped.json', (d) => {
      params(d).policyDocument = policy;
    });

  it.each<[string, string, string]>([
    [
      'NotAction and NotResource',
      doc(allow({ NotAction: 'iam:CreateUser', NotResource: OWN })),
      `statement: every action except "iam:CreateUser" (NotAction) on every resource except "${OWN}" (NotResource)`,
    ],
    [
      'everything but IAM (NotAction iam:*)',
      doc(allow({ NotAction: ['iam:*', 'organizations:*'], Resource: '*' })),
      'statement: every action except "iam:*", "organizations:*" (NotAction) on Resource "*"',
    ],
    ['Action "*:*"', doc(allow({ Action: '*:*', Resource: '*' })), 'statement: Action "*" on Resource "*"'],
    [
      'every IAM action, in capitals',
      doc(allow({ Action: ['s3:GetObject', 'IAM:*'], Resource: '*' })),
      'statement: IAM:* on Resource "*" (every IAM action: it can grant itself the rest)',
    ],
    [
      'a pattern that covers every IAM action',
      doc(allow({ Action: 'ia*', Resource: 'arn:*' })),
      'statement: ia* on Resource "*" (every IAM action: it can grant itself the rest)',
    ],
    [
      'element names in lower case',
      doc({ effect: 'allow', action: '*', resource: '*' }),
      'statement: Action "*" on Resource "*"',
    ],
    [
      'a Sid, among other statements',
      doc(
        allow({ Action: 's3:GetObject', Resource: 'arn:aws:s3:::x/*' }),
        allow({ Sid: 'Ops', NotAction: 's3:DeleteBucket', Resource: ['*'] }),
      ),
      'Ops: every action except "s3:DeleteBucket" (NotAction) on Resource "*"',
    ],
  ])('an inline policy with %s is administrator access (critical)', (_l, policy, statement) => {
    const alert = inline(policy);
    expect([alert.severity, alert.verdict, fact(alert, 'Administrator statements')]).toEqual([
      'critical',
      `Privilege escalation: example-orders-api-role now has administrator access (${statement}).`,
      statement,
    ]);
  });

  it.each<[string, string, string]>([
    [
      'NotAction on some resources',
      doc(allow({ NotAction: 'iam:*', Resource: 'arn:aws:s3:::example-data/*' })),
      'statement: every action except "iam:*" (NotAction) on arn:aws:s3:::example-data/*',
    ],
    [
      'NotResource with some actions',
      doc(allow({ Action: 's3:GetObject', NotResource: 'arn:aws:s3:::secret/*' })),
      'statement: s3:GetObject on every resource except "arn:aws:s3:::secret/*" (NotResource)',
    ],
  ])(
    'an inline policy with %s is a wildcard (critical), not administrator access',
    (_l, policy, statement) => {
      const alert = inline(policy);
      expect([
        alert.severity,
        fact(alert, 'Wildcard statements'),
        fact(alert, 'Administrator statements'),
      ]).toEqual(['critical', statement, undefined]);
    },
  );

  it.each([
    ['NotAction "*", which allows nothing', doc(allow({ NotAction: '*', Resource: '*' }))],
    [
      'every IAM action on some users only',
      doc(allow({ Action: 'iam:*', Resource: 'arn:aws:iam::123456789012:user/app-*' })),
    ],
    [
      'a Deny of everything but one action',
      doc({ Effect: 'Deny', NotAction: 's3:GetObject', Resource: '*' }),
    ],
  ])('keeps %s at high', (_l, policy) => {
    expect(inline(policy).severity).toBe('high');
  });

  const created = (policy: string) =>
    alertFor('iam/create-policy.json', (d) => {
      params(d).policyDocument = policy;
    });

  it.each<[string, string, string]>([
    [
      'NotAction and NotResource',
      doc(allow({ NotAction: 'iam:DeleteAccountPasswordPolicy', NotResource: OWN })),
      `statement: every action except "iam:DeleteAccountPasswordPolicy" (NotAction) on every resource except "${OWN}" (NotResource)`,
    ],
    [
      'Action "*" on Resource "*"',
      doc(allow({ Action: '*', Resource: '*' })),
      'statement: Action "*" on Resource "*"',
    ],
  ])('CreatePolicy with %s is critical: an administrator policy now exists', (_l, policy, statement) => {
    const alert = created(policy);
    expect([alert.severity, alert.verdict]).toEqual([
      'critical',
      `An administrator policy now exists (${statement}): whoever it is attached to becomes an administrator, and the attach call will not show this document.`,
    ]);
  });

  it('keeps CreatePolicy with a wildcard that is not administrator access at medium', () => {
    const alert = created(doc(allow({ Action: '*', Resource: 'arn:aws:s3:::example-data/*' })));
    expect([alert.severity, alert.verdict]).toEqual([
      'medium',
      'Not attached yet, but allows a wildcard: watch where it is attached.',
    ]);
  });

  it('raises a new default version that is administrator-equivalent through NotAction to critical', () => {
    const alert = alertFor('iam/create-policy-version-default-star.json', (d) => {
      params(d).policyDocument = doc(allow({ NotAction: 'iam:CreateUser', Resource: '*' }));
    });
    expect([alert.severity, alert.verdict]).toEqual([
      'critical',
      'Privilege escalation: everyone the policy is attached to now has administrator access (statement: every action except "iam:CreateUser" (NotAction) on Resource "*").',
    ]);
  });
});

describe('network', () => {
  it.each([
    ['0.0.0.0/0', true],
    ['::/0', true],
    ['208.236.235.254/0', true],
    ['10.0.0.0/8', false],
    ['203.0.113.7/32', false],
    ['2001:db8::/32', false],
  ])('isOpenCidr(%s) is %p', (cidr, open) => {
    expect(isOpenCidr(cidr)).toBe(open);
  });

  it.each([
    [
      'the single-rule form with a /0 on an odd address',
      { groupId: 'sg-1', ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIp: '198.51.100.4/0' },
      ['tcp/22 from 198.51.100.4/0'],
    ],
    [
      'a port range',
      {
        ipPermissions: {
          items: [
            {
              ipProtocol: 'udp',
              fromPort: 1000,
              toPort: 2000,
              ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] },
            },
          ],
        },
      },
      ['udp/1000-2000 from 0.0.0.0/0'],
    ],
    [
      'a bare list of permissions',
      {
        ipPermissions: [{ ipProtocol: '6', fromPort: 443, toPort: 443, ipRanges: [{ cidrIp: '0.0.0.0/0' }] }],
      },
      ['tcp/443 from 0.0.0.0/0'],
    ],
    ['a private range', { cidrIp: '10.0.0.0/8', ipProtocol: 'tcp', fromPort: 22, toPort: 22 }, []],
    // The whole internet in two halves, or in /8 blocks: the /8 rule the S3 guide applies to aws:SourceIp.
    [
      'two halves of the internet',
      sshFrom(['0.0.0.0/1', '128.0.0.0/1']),
      ['tcp/22 from 0.0.0.0/1, 128.0.0.0/1 ("0.0.0.0/1" is broader than an IPv4 /8)'],
    ],
    [
      'two public /8 blocks',
      sshFrom(['52.0.0.0/8', '54.0.0.0/8']),
      ['tcp/22 from 52.0.0.0/8, 54.0.0.0/8 (ranges together cover more public IPv4 addresses than a /8)'],
    ],
    [
      'the same port in two permissions, a /8 each',
      {
        ipPermissions: {
          items: ['52.0.0.0/8', '54.0.0.0/8'].map((c) => ({
            ipProtocol: 'tcp',
            fromPort: 22,
            toPort: 22,
            ipRanges: { items: [{ cidrIp: c }] },
          })),
        },
      },
      ['tcp/22 from 52.0.0.0/8, 54.0.0.0/8 (ranges together cover more public IPv4 addresses than a /8)'],
    ],
    [
      'an IPv6 range broader than a /32',
      { ipPermissions: { items: [{ ipProtocol: '-1', ipv6Ranges: { items: [{ cidrIpv6: '2000::/3' }] } }] } },
      ['all traffic from 2000::/3 ("2000::/3" is broader than an IPv6 /32)'],
    ],
    ['one public /8', sshFrom(['52.0.0.0/8']), []],
    ['the three private blocks', sshFrom(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']), []],
    [
      'a /8 on each of two ports',
      {
        ipPermissions: {
          items: [22, 443].map((p) => ({
            ipProtocol: 'tcp',
            fromPort: p,
            toPort: p,
            ipRanges: { items: [{ cidrIp: p === 22 ? '52.0.0.0/8' : '54.0.0.0/8' }] },
          })),
        },
      },
      [],
    ],
    ['text that is not a CIDR block', sshFrom(['anywhere']), []],
    [
      'ModifySecurityGroupRules rewriting a rule to 0.0.0.0/0',
      modifyTo({ CidrIpv4: '0.0.0.0/0' }),
      ['tcp/22 from 0.0.0.0/0 in rule sgr-0123456789abcdef0'],
    ],
    [
      'ModifySecurityGroupRules rewriting a rule to ::/0',
      modifyTo({ CidrIpv6: '::/0' }),
      ['tcp/22 from ::/0 in rule sgr-0123456789abcdef0'],
    ],
    ['ModifySecurityGroupRules to a /32', modifyTo({ CidrIpv4: '203.0.113.7/32' }), []],
    ['ModifySecurityGroupRules to a prefix list', modifyTo({ PrefixListId: 'pl-0123456789abcdef0' }), []],
  ])('openIngress reads %s', (_what, requestParameters, openings) => {
    expect(openIngress(requestParameters).openings).toEqual(openings);
  });

  it('reads several rules rewritten in one ModifySecurityGroupRules call, as a list', () => {
    const rule = (id: string, cidr: string, port: number) => ({
      SecurityGroupRuleId: id,
      SecurityGroupRule: { IpProtocol: 'tcp', FromPort: port, ToPort: port, CidrIpv4: cidr },
    });
    const rp = {
      ModifySecurityGroupRulesRequest: {
        GroupId: 'sg-1',
        SecurityGroupRule: [rule('sgr-1', '10.0.0.0/16', 5432), rule('sgr-2', '0.0.0.0/0', 3389)],
      },
    };
    expect(openIngress(rp).openings).toEqual(['tcp/3389 from 0.0.0.0/0 in rule sgr-2']);
  });

  it('keeps an outbound NACL allow from 0.0.0.0/0 at low', () => {
    const alert = alertFor('ec2/create-network-acl-entry-open.json', (d) => {
      params(d).egress = true;
    });
    expect(alert.severity).toBe('low');
  });

  it('names the peer account of a peering request', () => {
    expect(fact(alertFor('ec2/create-vpc-peering-connection.json'), 'Peer account')).toBe('210987654321');
  });
});

describe('unauthorized calls', () => {
  it('raises unauthorized-call only when no other rule explains the denial', () => {
    expect(alertsFor('iam/attach-role-policy-admin-denied.json').map((a) => a.ruleId)).toEqual([
      'iam-policy-attached',
    ]);
  });

  it('raises it for a denial that a rule looked at and judged harmless', () => {
    const alerts = alertsFor('s3/put-bucket-public-access-block-enabled.json', (d) => {
      d.errorCode = 'AccessDenied';
    });
    expect(alerts.map((a) => [a.ruleId, a.severity])).toEqual([['unauthorized-call', 'medium']]);
  });

  it('stays quiet for errors that are not refusals, leaving the call unknown', () => {
    expect(ruleIds('ec2/run-instances-insufficient-capacity.json')).toEqual({
      findings: [],
      known: false,
      errors: [],
    });
  });
});

describe('resource changes', () => {
  it('reads a reserved concurrency given as a string', () => {
    const alert = alertFor('lambda/put-function-concurrency.json', (d) => {
      params(d).reservedConcurrentExecutions = '0';
    });
    expect(alert.severity).toBe('high');
  });

  it('treats skipFinalSnapshot "true" as no snapshot', () => {
    const alert = alertFor('rds/delete-db-cluster-final-snapshot.json', (d) => {
      params(d).skipFinalSnapshot = 'true';
    });
    expect([alert.severity, alert.summary]).toEqual([
      'high',
      'role terraform-ci (session GitHubActions) deleted DB cluster example-reports-cluster without a final snapshot',
    ]);
  });
});

describe('what to click', () => {
  it.each([
    [
      'kms/disable-key.json',
      'Open KMS key',
      'https://eu-west-1.console.aws.amazon.com/kms/home?region=eu-west-1#/kms/keys/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d',
    ],
    [
      'ec2/authorize-security-group-ingress-ssh-open.json',
      'Open security group',
      'https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#SecurityGroup:groupId=sg-0a1b2c3d4e5f67890',
    ],
    [
      'ec2/create-vpc-peering-connection.json',
      'Open peering connection',
      'https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#PeeringConnectionDetails:VpcPeeringConnectionId=pcx-0a1b2c3d4e5f67890',
    ],
    [
      'rds/delete-db-instance-skip-snapshot.json',
      'Open DB instance',
      'https://eu-west-1.console.aws.amazon.com/rds/home?region=eu-west-1#database:id=example-orders-db;is-cluster=false',
    ],
    [
      'lambda/put-function-concurrency-zero.json',
      'Open function',
      'https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions/example-orders-api?tab=configure',
    ],
    [
      'cloudtrail/stop-logging.json',
      'Open trail',
      'https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/trails/arn%3Aaws%3Acloudtrail%3Aeu-west-1%3A123456789012%3Atrail%2Forg-trail',
    ],
    [
      'guardduty/delete-detector.json',
      'Open GuardDuty settings',
      'https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/settings',
    ],
    [
      's3/delete-account-public-access-block.json',
      'Open account Block Public Access',
      'https://s3.console.aws.amazon.com/s3/settings?region=eu-west-1',
    ],
    [
      'iam/create-policy.json',
      'Open policy',
      'https://us-east-1.console.aws.amazon.com/iam/home#/policies/details/arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fexample-reports-read',
    ],
    [
      'organizations/detach-policy.json',
      'Open AWS Organizations',
      'https://us-east-1.console.aws.amazon.com/organizations/v2/home/accounts',
    ],
  ])('%s links first to "%s"', (file, text, url) => {
    expect(alertFor(file).links[0]).toEqual({ text, url });
  });

  it('builds links from identifiers, never from a region the event makes up', () => {
    const alert = alertFor('kms/disable-key.json', (d) => {
      d.awsRegion = 'evil.example.com/#';
    });
    expect(alert.links[0]?.url).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/kms\//);
  });
});
