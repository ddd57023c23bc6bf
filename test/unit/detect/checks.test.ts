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
      'Permissions changed: a customer managed policy, whose document is not in the event; open it to see what it allows.',
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
      'Privilege escalation: the policy now allows a wildcard (statement: iam:* on Resource "*") to everyone it is attached to.',
    ],
    [
      false,
      JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      'medium',
      'Not in effect: the new version is not the default.',
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
      'Principal "*" pinned by aws:PrincipalOrgID',
      { Principal: { AWS: '*' }, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } },
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
  ])('openIngress reads %s', (_what, requestParameters, openings) => {
    expect(openIngress(requestParameters).openings).toEqual(openings);
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
