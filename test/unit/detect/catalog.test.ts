import { CLOUDTRAIL_RULES, detectCloudTrail, rulesFor } from '../../../shared/detect/catalog.ts';
import type { DetectContext, Finding } from '../../../shared/detect/types.ts';
import type { CloudTrailRecord } from '../../../shared/events/cloudtrail.ts';
import { cloudTrailDetail, detailOf, loadEvent } from '../../helpers/events.ts';

const CTX: DetectContext = { account: '123456789012', region: 'eu-west-1' };

function detect(relPath: string, edit?: (detail: Record<string, unknown>) => void) {
  const event = loadEvent(relPath);
  if (edit) edit(detailOf(event));
  return detectCloudTrail(cloudTrailDetail(event), CTX);
}

function only(relPath: string, edit?: (detail: Record<string, unknown>) => void): Finding {
  const { findings, errors } = detect(relPath, edit);
  expect(errors).toEqual([]);
  expect(findings).toHaveLength(1);
  const [finding] = findings;
  if (!finding) throw new Error('no finding');
  return finding;
}

describe('CLOUDTRAIL_RULES', () => {
  it('gives every rule a unique id', () => {
    const ids = CLOUDTRAIL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists every rule in the order it raises alerts, the fallback last', () => {
    expect(CLOUDTRAIL_RULES.map((r) => r.id)).toEqual([
      's3-bucket-acl-public',
      's3-bucket-acl-changed',
      's3-bucket-policy-public',
      's3-bucket-policy-changed',
      's3-block-public-access-weakened',
      's3-account-block-public-access-weakened',
      's3-bucket-acls-enabled',
      's3-bucket-created',
      's3-bucket-config-changed',
      'iam-user-created',
      'iam-access-key-created',
      'iam-policy-attached',
      'iam-inline-policy-changed',
      'iam-user-deleted',
      'iam-access-key-changed',
      'iam-login-profile-changed',
      'iam-group-changed',
      'iam-policy-detached',
      'iam-inline-policy-deleted',
      'iam-managed-policy-changed',
      'iam-role-trust-changed',
      'iam-mfa-deactivated',
      'root-usage',
      'console-login-without-mfa',
      'console-login-failed',
      'kms-key-disabled',
      'cloudtrail-tampering',
      'cloudtrail-changed',
      'config-tampering',
      'config-changed',
      'guardduty-tampering',
      'securityhub-disabled',
      'vpc-flow-logs-deleted',
      'security-group-open-ingress',
      'security-group-changed',
      'network-acl-changed',
      'network-gateway-changed',
      'route-table-changed',
      'vpc-changed',
      'organizations-changed',
      'lambda-concurrency-changed',
      'rds-stopped-or-deleted',
      'alerting-eventbridge-tampered',
      'alerting-function-disabled',
      'alerting-function-changed',
      'alerting-secret-deleted',
      'alerting-secret-changed',
      'alerting-topic-tampered',
      'alerting-log-group-deleted',
      'alerting-alarm-disabled',
      'alerting-queue-deleted',
      'alerting-queue-changed',
      'alerting-table-deleted',
      'unauthorized-call',
    ]);
  });

  it.each(CLOUDTRAIL_RULES.filter((r) => r.eventSource !== '*').map((r) => [r.id, r.eventSource]))(
    '%s watches %s',
    (_id, source) => {
      expect(source).toMatch(/^[a-z0-9-]+\.amazonaws\.com$/);
    },
  );

  it('has exactly two rules that look at every call: root use and the unauthorized-call fallback', () => {
    expect(
      CLOUDTRAIL_RULES.filter((r) => r.eventSource === '*').map((r) => [r.id, r.eventNames, r.fallback]),
    ).toEqual([
      ['root-usage', ['*'], undefined],
      ['unauthorized-call', ['*'], true],
    ]);
  });
});

/** Rule ids for a call, leaving out the two rules that look at every call. */
function specificIds(source: string, name: string): string[] {
  return rulesFor(source, name)
    .filter((r) => r.eventSource !== '*')
    .map((r) => r.id);
}

describe('rulesFor', () => {
  it.each([
    ['s3.amazonaws.com', 'PutBucketAcl', ['s3-bucket-acl-public', 's3-bucket-acl-changed']],
    ['s3.amazonaws.com', 'PutBucketPolicy', ['s3-bucket-policy-public', 's3-bucket-policy-changed']],
    ['s3.amazonaws.com', 'DeleteBucketPolicy', ['s3-bucket-policy-changed']],
    ['s3.amazonaws.com', 'PutBucketPublicAccessBlock', ['s3-block-public-access-weakened']],
    ['s3.amazonaws.com', 'DeleteBucketPublicAccessBlock', ['s3-block-public-access-weakened']],
    ['iam.amazonaws.com', 'CreateUser', ['iam-user-created']],
    ['iam.amazonaws.com', 'CreateAccessKey', ['iam-access-key-created']],
    ['iam.amazonaws.com', 'AttachUserPolicy', ['iam-policy-attached']],
    ['iam.amazonaws.com', 'AttachRolePolicy', ['iam-policy-attached']],
    ['iam.amazonaws.com', 'PutUserPolicy', ['iam-inline-policy-changed']],
    ['iam.amazonaws.com', 'PutRolePolicy', ['iam-inline-policy-changed']],
    ['iam.amazonaws.com', 'AttachGroupPolicy', ['iam-policy-attached']],
    ['s3.amazonaws.com', 'PutAccountPublicAccessBlock', ['s3-account-block-public-access-weakened']],
    ['signin.amazonaws.com', 'ConsoleLogin', ['console-login-without-mfa', 'console-login-failed']],
    [
      'lambda.amazonaws.com',
      'PutFunctionConcurrency20171031',
      ['lambda-concurrency-changed', 'alerting-function-disabled'],
    ],
    ['lambda.amazonaws.com', 'DeleteFunctionConcurrency20171031', ['lambda-concurrency-changed']],
    // DeleteFunction20* must not swallow the other DeleteFunction… calls.
    ['lambda.amazonaws.com', 'DeleteFunction20150331', ['alerting-function-disabled']],
    ['lambda.amazonaws.com', 'DeleteFunctionEventInvokeConfig', ['alerting-function-disabled']],
    ['lambda.amazonaws.com', 'DeleteFunctionUrlConfig', []],
    ['lambda.amazonaws.com', 'UpdateFunctionConfiguration20150331v2', ['alerting-function-changed']],
    // EventBridge's RemovePermission (a bus policy) and SNS's (a topic policy) are not Lambda's.
    ['events.amazonaws.com', 'RemovePermission', ['alerting-eventbridge-tampered']],
    ['sns.amazonaws.com', 'RemovePermission', ['alerting-topic-tampered']],
    ['ec2.amazonaws.com', 'DeleteFlowLogs', ['vpc-flow-logs-deleted']],
    [
      'ec2.amazonaws.com',
      'AuthorizeSecurityGroupIngress',
      ['security-group-open-ingress', 'security-group-changed'],
    ],
  ])('maps %s %s to %p', (source, name, ids) => {
    expect(specificIds(source, name)).toEqual(ids);
  });

  it('adds root use and the unauthorized-call fallback to every call, in that order', () => {
    expect(rulesFor('iam.amazonaws.com', 'CreateUser').map((r) => r.id)).toEqual([
      'iam-user-created',
      'root-usage',
      'unauthorized-call',
    ]);
    expect(rulesFor('ec2.amazonaws.com', 'DescribeInstances').map((r) => r.id)).toEqual([
      'root-usage',
      'unauthorized-call',
    ]);
  });

  it.each([
    ['iam.amazonaws.com', 'ListUsers'],
    ['s3.amazonaws.com', 'GetBucketAcl'],
    ['iam.amazonaws.com', 'PutBucketAcl'],
    ['s3.amazonaws.com', 'putbucketacl'],
    ['lambda.amazonaws.com', 'UpdateFunctionUrlConfig20211031'],
    ['lambda.amazonaws.com', 'XPutFunctionConcurrency20171031'],
  ])('has no rule for %s %s', (source, name) => {
    expect(specificIds(source, name)).toEqual([]);
  });
});

describe('detectCloudTrail', () => {
  describe('S3 bucket ACL', () => {
    it.each([
      [
        's3/put-bucket-acl-public-read.json',
        'made bucket example-data public with canned ACL public-read',
        'Public now: canned ACL public-read: everyone can read.',
      ],
      [
        's3/put-bucket-acl-authenticated-read.json',
        'made bucket example-reports public with canned ACL authenticated-read',
        'Public now: canned ACL authenticated-read: any AWS account can read.',
      ],
      [
        's3/put-bucket-acl-grant-allusers.json',
        'made bucket example-assets public with a public ACL grant',
        'Public now: READ to everyone (AllUsers).',
      ],
    ])('flags %s as s3-bucket-acl-public, critical', (file, action, verdict) => {
      const f = only(file);
      expect(f).toMatchObject({
        ruleId: 's3-bucket-acl-public',
        title: 'S3 bucket made public by ACL',
        severity: 'critical',
        action,
        verdict,
      });
    });

    it('names the bucket resource with its ARN and a permissions link in the event region', () => {
      const f = only('s3/put-bucket-acl-public-read.json');
      expect(f.resource).toEqual({
        type: 'S3 bucket',
        name: 'example-data',
        arn: 'arn:aws:s3:::example-data',
      });
      expect(f.links).toEqual([
        {
          text: 'Open bucket',
          url: 'https://s3.console.aws.amazon.com/s3/buckets/example-data?region=eu-west-1&tab=permissions',
        },
      ]);
      expect(f.facts).toEqual([
        { label: 'Public grants', value: 'canned ACL public-read: everyone can read' },
      ]);
    });

    it.each([
      ['s3/put-bucket-acl-private.json', 'changed the ACL of bucket example-uploads to canned ACL private'],
      ['s3/put-bucket-acl-log-delivery.json', 'changed the ACL of bucket example-logs'],
    ])('reports %s as s3-bucket-acl-changed, low, not public', (file, action) => {
      expect(only(file)).toMatchObject({
        ruleId: 's3-bucket-acl-changed',
        title: 'S3 bucket ACL changed',
        severity: 'low',
        action,
        verdict: 'Not public: no grant to AllUsers or AuthenticatedUsers.',
      });
    });

    it('still flags a denied public ACL: the attempt is judged on what was asked', () => {
      expect(only('s3/put-bucket-acl-public-denied.json')).toMatchObject({
        ruleId: 's3-bucket-acl-public',
        severity: 'critical',
        action: 'made bucket example-shared public with canned ACL public-read',
      });
    });
  });

  describe('S3 bucket policy', () => {
    it.each([
      ['s3/put-bucket-policy-public.json', 'example-website', 'PublicReadGetObject: s3:GetObject'],
      [
        's3/put-bucket-policy-public-aws-star.json',
        'example-static',
        'AllowEveryoneRead: s3:GetObject, s3:ListBucket',
      ],
    ])('flags %s as s3-bucket-policy-public, critical', (file, bucket, statements) => {
      expect(only(file)).toMatchObject({
        ruleId: 's3-bucket-policy-public',
        title: 'S3 bucket made public by policy',
        severity: 'critical',
        action: `made bucket ${bucket} public with a bucket policy`,
        verdict: 'Public now: 1 statement(s) allow anyone without a pinning condition.',
        facts: [{ label: 'Public statements', value: statements }],
      });
    });

    it('names other accounts alongside a public statement', () => {
      const f = only('s3/put-bucket-policy-public.json', (d) => {
        const rp = d.requestParameters as { bucketPolicy: { Statement: unknown[] } };
        rp.bucketPolicy.Statement.push({
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::210987654321:root' },
          Action: 's3:ListBucket',
          Resource: 'arn:aws:s3:::example-website',
        });
      });
      expect(f.facts).toContainEqual({ label: 'Other accounts granted', value: '210987654321' });
    });

    it.each([
      ['s3/put-bucket-policy-source-ip-pinned.json', 'example-reports'],
      ['s3/put-bucket-policy-deny-only.json', 'example-backups'],
    ])('reports %s as a low policy change, not public', (file, bucket) => {
      expect(only(file)).toMatchObject({
        ruleId: 's3-bucket-policy-changed',
        title: 'S3 bucket policy changed',
        severity: 'low',
        action: `changed the bucket policy of ${bucket}`,
        verdict: 'Not public: no statement allows anyone without a pinning condition.',
        facts: [],
      });
    });

    it('raises a "*" pinned to an organization to medium and names it: its id is not known to be yours', () => {
      expect(only('s3/put-bucket-policy-org-pinned.json')).toMatchObject({
        ruleId: 's3-bucket-policy-changed',
        severity: 'medium',
        action: 'changed the bucket policy of example-shared',
        facts: [{ label: 'Other accounts granted', value: 'organization o-a1b2c3d4e5' }],
      });
    });

    it('raises a cross-account grant to medium and names the account', () => {
      expect(only('s3/put-bucket-policy-cross-account.json')).toMatchObject({
        ruleId: 's3-bucket-policy-changed',
        severity: 'medium',
        action: 'changed the bucket policy of example-artifacts',
        verdict: 'Not public, but grants access to other account(s): 210987654321.',
        facts: [{ label: 'Other accounts granted', value: '210987654321' }],
      });
    });

    it('does not count the bucket owner account (the envelope account) as another account', () => {
      const record = cloudTrailDetail(loadEvent('s3/put-bucket-policy-cross-account.json'));
      const { findings } = detectCloudTrail(record, { ...CTX, account: '210987654321' });
      expect(findings).toMatchObject([{ severity: 'low', facts: [] }]);
    });

    it('takes the owner from the envelope, not from a recipientAccountId the record claims', () => {
      const f = only('s3/put-bucket-policy-cross-account.json', (d) => {
        d.recipientAccountId = '210987654321';
      });
      expect(f).toMatchObject({
        severity: 'medium',
        facts: [{ label: 'Other accounts granted', value: '210987654321' }],
      });
    });

    it('reports DeleteBucketPolicy as low', () => {
      expect(only('s3/delete-bucket-policy.json')).toMatchObject({
        ruleId: 's3-bucket-policy-changed',
        severity: 'low',
        action: 'deleted the bucket policy of example-website',
        verdict:
          'Not public: removing a policy takes access away; check nothing relied on its Deny statements.',
      });
    });

    it('says when the policy is not readable in the event', () => {
      const f = only('s3/put-bucket-policy-public.json', (d) => {
        (d.requestParameters as Record<string, unknown>).bucketPolicy = 'not json';
      });
      expect(f).toMatchObject({
        ruleId: 's3-bucket-policy-changed',
        severity: 'low',
        verdict: 'Policy not readable in the event: check it in the console.',
      });
    });

    it('reads a bucket policy given as a JSON string', () => {
      const f = only('s3/put-bucket-policy-public.json', (d) => {
        const rp = d.requestParameters as Record<string, unknown>;
        rp.bucketPolicy = JSON.stringify(rp.bucketPolicy);
      });
      expect(f.ruleId).toBe('s3-bucket-policy-public');
    });
  });

  describe('S3 Block Public Access', () => {
    it('raises nothing when all four flags are on', () => {
      expect(detect('s3/put-bucket-public-access-block-enabled.json')).toEqual({
        findings: [],
        known: true,
        errors: [],
      });
    });

    it('raises high listing every flag turned off', () => {
      expect(only('s3/put-bucket-public-access-block-disabled.json')).toMatchObject({
        ruleId: 's3-block-public-access-weakened',
        title: 'S3 Block Public Access weakened on a bucket',
        severity: 'high',
        action:
          'turned off Block Public Access (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets) on bucket example-static',
        verdict: 'Exposure risk: a public ACL or policy on this bucket would now take effect.',
      });
    });

    it.each(['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'])(
      'raises high when only %s is off',
      (flag) => {
        const f = only('s3/put-bucket-public-access-block-enabled.json', (d) => {
          const rp = d.requestParameters as { PublicAccessBlockConfiguration: Record<string, unknown> };
          rp.PublicAccessBlockConfiguration[flag] = false;
        });
        expect(f).toMatchObject({
          severity: 'high',
          action: `turned off Block Public Access (${flag}) on bucket example-data`,
          facts: [{ label: 'Flags off', value: flag }],
        });
      },
    );

    it('accepts flags recorded as the string "true"', () => {
      const { findings } = detect('s3/put-bucket-public-access-block-enabled.json', (d) => {
        const rp = d.requestParameters as { PublicAccessBlockConfiguration: Record<string, unknown> };
        for (const k of ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'])
          rp.PublicAccessBlockConfiguration[k] = 'true';
      });
      expect(findings).toEqual([]);
    });

    it('raises high for DeleteBucketPublicAccessBlock', () => {
      expect(only('s3/delete-bucket-public-access-block.json')).toMatchObject({
        ruleId: 's3-block-public-access-weakened',
        severity: 'high',
        action: 'removed Block Public Access from bucket example-website',
      });
    });
  });

  describe('IAM', () => {
    it('reports CreateUser as medium', () => {
      expect(only('iam/create-user.json')).toMatchObject({
        ruleId: 'iam-user-created',
        title: 'IAM user created',
        severity: 'medium',
        action: 'created IAM user example-contractor',
        verdict: 'New long-lived identity: confirm it is expected and has an owner.',
        resource: { type: 'IAM user', name: 'example-contractor' },
        links: [
          {
            text: 'Open user',
            url: 'https://us-east-1.console.aws.amazon.com/iam/home#/users/details/example-contractor',
          },
        ],
      });
    });

    it('raises an access key created for another user to high', () => {
      expect(only('iam/create-access-key.json')).toMatchObject({
        ruleId: 'iam-access-key-created',
        severity: 'high',
        action: 'created an access key for another user, example-ci-bot',
        verdict: 'Credentials minted for someone else: confirm the user asked for it.',
        facts: [{ label: 'Access key', value: 'AKIAXQ3ZJ7KDXFOGO6MV' }],
      });
    });

    it('keeps an access key the caller created for itself (requestParameters null) at medium', () => {
      expect(only('iam/create-access-key-self.json')).toMatchObject({
        ruleId: 'iam-access-key-created',
        severity: 'medium',
        action: 'created an access key for bob',
        verdict: 'New long-lived credentials: rotate old keys and confirm it is expected.',
        resource: { type: 'IAM user', name: 'bob' },
      });
    });

    it('keeps an access key for a user naming itself at medium', () => {
      const f = only('iam/create-access-key-self.json', (d) => {
        d.requestParameters = { userName: 'bob' };
      });
      expect(f.severity).toBe('medium');
    });

    it('says "the caller" without a link when no user name is known', () => {
      const f = only('iam/create-access-key-self.json', (d) => {
        d.userIdentity = { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/r/s' };
        // Neither the request nor the response names the key's owner.
        d.responseElements = { accessKey: { accessKeyId: 'AKIAEXAMPLE', status: 'Active' } };
      });
      expect(f).toMatchObject({
        action: 'created an access key for the caller',
        severity: 'medium',
        links: [],
      });
    });

    it.each([
      [
        'AdministratorAccess',
        'critical',
        'Privilege escalation: example-contractor now has full administrator access.',
      ],
      ['IAMFullAccess', 'high', 'Broad privileges granted: IAMFullAccess.'],
      ['PowerUserAccess', 'high', 'Broad privileges granted: PowerUserAccess.'],
      ['ReadOnlyAccess', 'medium', 'Permissions changed: review what the policy allows.'],
    ])('attaching the AWS managed %s is %s', (policyName, severity, verdict) => {
      const f = only('iam/attach-user-policy-admin.json', (d) => {
        (d.requestParameters as Record<string, unknown>).policyArn = `arn:aws:iam::aws:policy/${policyName}`;
      });
      expect(f).toMatchObject({
        ruleId: 'iam-policy-attached',
        severity,
        action: `attached ${policyName} to user example-contractor`,
        verdict,
        facts: [{ label: 'Policy', value: `arn:aws:iam::aws:policy/${policyName}` }],
      });
    });

    it('reports the AttachRolePolicy ReadOnlyAccess fixture as medium on the role', () => {
      expect(only('iam/attach-role-policy-readonly.json')).toMatchObject({
        severity: 'medium',
        action: 'attached ReadOnlyAccess to role example-auditor-role',
        resource: { type: 'IAM role', name: 'example-auditor-role' },
      });
    });

    it('does not treat a customer managed policy named AdministratorAccess as the AWS one', () => {
      const f = only('iam/attach-user-policy-admin.json', (d) => {
        (d.requestParameters as Record<string, unknown>).policyArn =
          'arn:aws:iam::123456789012:policy/AdministratorAccess';
      });
      expect(f.severity).toBe('medium');
    });

    it.each([
      ['GovCloud', 'arn:aws-us-gov:iam::aws:policy/AdministratorAccess'],
      ['China', 'arn:aws-cn:iam::aws:policy/AdministratorAccess'],
    ])('treats AdministratorAccess in the %s partition as critical', (_partition, arn) => {
      const f = only('iam/attach-user-policy-admin.json', (d) => {
        (d.requestParameters as Record<string, unknown>).policyArn = arn;
      });
      expect(f.severity).toBe('critical');
    });

    it('raises an inline policy allowing Action "*" to critical', () => {
      expect(only('iam/put-user-policy-star.json')).toMatchObject({
        ruleId: 'iam-inline-policy-changed',
        severity: 'critical',
        action: 'put inline policy ci-full-access on user example-ci-bot',
        verdict:
          'Privilege escalation: example-ci-bot now has administrator access (statement: Action "*" on Resource "*").',
        facts: [{ label: 'Administrator statements', value: 'statement: Action "*" on Resource "*"' }],
      });
    });

    it('keeps a scoped inline policy at high', () => {
      expect(only('iam/put-role-policy-scoped.json')).toMatchObject({
        ruleId: 'iam-inline-policy-changed',
        severity: 'high',
        action: 'put inline policy read-example-data on role example-orders-api-role',
        verdict: 'Permissions changed: no wildcard action or resource.',
        facts: [],
      });
    });

    it('raises an inline policy allowing actions on Resource "*" to critical', () => {
      const f = only('iam/put-role-policy-scoped.json', (d) => {
        (d.requestParameters as Record<string, unknown>).policyDocument = JSON.stringify({
          Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }],
        });
      });
      expect(f).toMatchObject({
        severity: 'critical',
        facts: [{ label: 'Wildcard statements', value: 'Everything: s3:GetObject on Resource "*"' }],
      });
    });

    it('parses a URL-encoded policyDocument string', () => {
      const f = only('iam/put-role-policy-scoped.json', (d) => {
        const doc = JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        });
        (d.requestParameters as Record<string, unknown>).policyDocument = encodeURIComponent(doc);
      });
      expect(f).toMatchObject({
        severity: 'critical',
        facts: [{ label: 'Administrator statements', value: 'statement: Action "*" on Resource "*"' }],
      });
    });

    it('says when the inline policy document is not readable', () => {
      const f = only('iam/put-role-policy-scoped.json', (d) => {
        (d.requestParameters as Record<string, unknown>).policyDocument = '%%not a policy';
      });
      expect(f).toMatchObject({
        severity: 'high',
        verdict: 'Policy document not readable in the event: review it in the console.',
      });
    });

    it('ignores Deny statements with wildcards', () => {
      const f = only('iam/put-role-policy-scoped.json', (d) => {
        (d.requestParameters as Record<string, unknown>).policyDocument = JSON.stringify({
          Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
        });
      });
      expect(f.severity).toBe('high');
    });
  });

  describe('calls no rule knows', () => {
    it.each(['iam/list-users.json', 's3/get-bucket-acl.json'])('returns known false for %s', (file) => {
      expect(detect(file)).toEqual({ findings: [], known: false, errors: [] });
    });
  });

  describe('odd shapes', () => {
    it.each([
      ['a number', 42],
      ['an array', [{ bucketName: 'example-data' }]],
      ['a string', 'bucketName=example-data'],
    ])(
      'reads requestParameters that are %s as missing: the public-ACL rule cannot rule itself out',
      (_label, value) => {
        const { findings, errors } = detect('s3/put-bucket-acl-public-read.json', (d) => {
          d.requestParameters = value;
        });
        expect(errors).toEqual([]);
        // Not "ACL changed, not public" at low: the record cannot say, so the loudest rule speaks.
        expect(findings).toEqual([
          expect.objectContaining({
            ruleId: 's3-bucket-acl-public',
            severity: 'critical',
            title: 'Could not rule out: S3 bucket made public by ACL',
            incomplete: ['requestParameters'],
          }),
        ]);
      },
    );

    it('treats requestParameters that are an array on an IAM call as missing', () => {
      const { findings, errors } = detect('iam/create-user.json', (d) => {
        d.requestParameters = [{ userName: 'x' }];
      });
      expect(errors).toEqual([]);
      expect(findings.map((f) => f.action)).toEqual(['created IAM user unknown']);
    });

    it('reports a rule that throws in errors and keeps the other rules running', () => {
      const record: CloudTrailRecord = {
        ...cloudTrailDetail(loadEvent('s3/put-bucket-acl-public-read.json')),
        requestParameters: {
          get 'x-amz-acl'(): never {
            throw new Error('odd shape');
          },
        },
      };
      let result: ReturnType<typeof detectCloudTrail> | undefined;
      expect(() => {
        result = detectCloudTrail(record, CTX);
      }).not.toThrow();
      expect(result).toEqual({
        findings: [],
        known: true,
        errors: ['s3-bucket-acl-public: odd shape', 's3-bucket-acl-changed: odd shape'],
      });
    });

    it('reports a non-Error throw as its string form', () => {
      const record: CloudTrailRecord = {
        ...cloudTrailDetail(loadEvent('iam/create-user.json')),
        requestParameters: {
          get userName(): never {
            throw 'plain string';
          },
        },
      };
      expect(detectCloudTrail(record, CTX).errors).toEqual(['iam-user-created: plain string']);
    });
  });
});
