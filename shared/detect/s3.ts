import { s3AccountSettingsLink, s3BucketLink } from '../enrich/links.ts';
import type { Resource } from '../events/alert.ts';
import type { CloudTrailRecord } from '../events/cloudtrail.ts';
import { analyzeBucketAcl, analyzeBucketPolicy, type PolicyStatementSummary } from './s3-policy.ts';
import type { CloudTrailRule, DetectContext, FindingDraft } from './types.ts';
import { field, parsePolicyDocument, str, strings } from './values.ts';

const S3 = 's3.amazonaws.com';
const FEED = 's3-bucket-visibility';

function bucketOf(record: CloudTrailRecord): string {
  return str(field(record.requestParameters, 'bucketName')) ?? 'unknown bucket';
}

function bucket(
  record: CloudTrailRecord,
  ctx: DetectContext,
): { resource: Resource; links: FindingDraft['links'] } {
  const name = bucketOf(record);
  return {
    resource: { type: 'S3 bucket', name, arn: `arn:aws:s3:::${name}` },
    links: [s3BucketLink(record.awsRegion ?? ctx.region, name)],
  };
}

const PUT_ACL = ['PutBucketAcl'] as const;
const POLICY_CALLS = ['PutBucketPolicy', 'DeleteBucketPolicy'] as const;
const BPA_CALLS = ['PutBucketPublicAccessBlock', 'DeleteBucketPublicAccessBlock'] as const;

/** Where a PutBucketAcl says who gets access: a canned ACL, a grant list, or grant headers. */
const ACL_FIELDS = [
  'x-amz-acl',
  'AccessControlPolicy',
  'x-amz-grant-read',
  'x-amz-grant-write',
  'x-amz-grant-read-acp',
  'x-amz-grant-write-acp',
  'x-amz-grant-full-control',
];

export const s3AclPublic: CloudTrailRule = {
  id: 's3-bucket-acl-public',
  title: 'S3 bucket made public by ACL',
  severity: 'critical',
  description:
    'A bucket ACL grants access to everyone (AllUsers) or to any AWS account (AuthenticatedUsers), by canned ACL or grant.',
  cis: '4.8',
  feed: FEED,
  eventSource: S3,
  eventNames: PUT_ACL,
  needs: [
    {
      part: 'requestParameters',
      fields: ACL_FIELDS,
      what: 'ACL in requestParameters (x-amz-acl, AccessControlPolicy or x-amz-grant-*)',
    },
  ],
  check(record, ctx) {
    const acl = analyzeBucketAcl(record.requestParameters);
    if (acl.publicGrants.length === 0) return null;
    const { resource, links } = bucket(record, ctx);
    const how = acl.canned ? `with canned ACL ${acl.canned}` : 'with a public ACL grant';
    return {
      action: `made bucket ${resource.name} public ${how}`,
      verdict: `Public now: ${acl.publicGrants.join('; ')}.`,
      resource,
      links,
      facts: [{ label: 'Public grants', value: acl.publicGrants.join('\n') }],
    };
  },
};

export const s3AclChanged: CloudTrailRule = {
  id: 's3-bucket-acl-changed',
  title: 'S3 bucket ACL changed',
  severity: 'low',
  description:
    'A bucket ACL changed without granting public access (CIS 4.8 monitors every bucket ACL change).',
  cis: '4.8',
  feed: FEED,
  eventSource: S3,
  eventNames: PUT_ACL,
  needs: [
    {
      part: 'requestParameters',
      fields: ACL_FIELDS,
      what: 'ACL in requestParameters (x-amz-acl, AccessControlPolicy or x-amz-grant-*)',
    },
  ],
  check(record, ctx) {
    const acl = analyzeBucketAcl(record.requestParameters);
    if (acl.publicGrants.length > 0) return null;
    const { resource, links } = bucket(record, ctx);
    const how = acl.canned ? ` to canned ACL ${acl.canned}` : '';
    return {
      action: `changed the ACL of bucket ${resource.name}${how}`,
      verdict: 'Not public: no grant to AllUsers or AuthenticatedUsers.',
      resource,
      links,
    };
  },
};

function policyAnalysis(record: CloudTrailRecord, ctx: DetectContext) {
  const doc = parsePolicyDocument(field(record.requestParameters, 'bucketPolicy'));
  // The owner is the envelope's account, which EventBridge sets; recipientAccountId is whatever the record says.
  return doc ? analyzeBucketPolicy(doc, ctx.account) : undefined;
}

/** One line per public statement; who it opens to and why its conditions do not pin, when there is more to say than "*". */
function describeStatements(list: PolicyStatementSummary[]): string {
  return list
    .map((s) => {
      const line = `${s.sid ? `${s.sid}: ` : ''}${s.actions.join(', ') || 'all actions'}`;
      const notes = [
        ...(s.opensTo.length === 1 && s.opensTo[0] === 'Principal "*"'
          ? []
          : [`opens to ${s.opensTo.join(', ')}`]),
        ...(s.notPinning.length > 0 ? [`not pinned: ${s.notPinning.join('; ')}`] : []),
      ];
      return notes.length > 0 ? `${line} (${notes.join('; ')})` : line;
    })
    .join('\n');
}

export const s3PolicyPublic: CloudTrailRule = {
  id: 's3-bucket-policy-public',
  title: 'S3 bucket made public by policy',
  severity: 'critical',
  description:
    "A bucket policy grants to anyone (`*` in any spelling, NotPrincipal, a federated provider) without a condition pinning callers to fixed values (aws:PrincipalOrgID, aws:SourceVpce, aws:SourceIp no broader than /8, …): S3's own definition of public.",
  cis: '4.8',
  feed: FEED,
  eventSource: S3,
  eventNames: ['PutBucketPolicy'],
  needs: [
    'requestParameters',
    { part: 'requestParameters', calls: ['PutBucketPolicy'], fields: ['bucketPolicy'] },
  ],
  check(record, ctx) {
    const a = policyAnalysis(record, ctx);
    if (!a || a.publicStatements.length === 0) return null;
    const { resource, links } = bucket(record, ctx);
    const facts = [{ label: 'Public statements', value: describeStatements(a.publicStatements) }];
    if (a.otherAccounts.length > 0)
      facts.push({ label: 'Other accounts granted', value: a.otherAccounts.join(', ') });
    return {
      action: `made bucket ${resource.name} public with a bucket policy`,
      verdict: `Public now: ${a.publicStatements.length} statement(s) allow anyone without a pinning condition.`,
      resource,
      links,
      facts,
    };
  },
};

export const s3PolicyChanged: CloudTrailRule = {
  id: 's3-bucket-policy-changed',
  title: 'S3 bucket policy changed',
  severity: 'low',
  description:
    'A bucket policy was set without public access, or deleted; other accounts granted access are named.',
  cis: '4.8',
  feed: FEED,
  eventSource: S3,
  eventNames: POLICY_CALLS,
  needs: [
    'requestParameters',
    { part: 'requestParameters', calls: ['PutBucketPolicy'], fields: ['bucketPolicy'] },
  ],
  check(record, ctx) {
    const { resource, links } = bucket(record, ctx);
    if (record.eventName === 'DeleteBucketPolicy') {
      return {
        action: `deleted the bucket policy of ${resource.name}`,
        verdict:
          'Not public: removing a policy takes access away; check nothing relied on its Deny statements.',
        resource,
        links,
      };
    }
    const a = policyAnalysis(record, ctx);
    if (a && a.publicStatements.length > 0) return null;
    const facts =
      a && a.otherAccounts.length > 0
        ? [{ label: 'Other accounts granted', value: a.otherAccounts.join(', ') }]
        : [];
    const verdict = !a
      ? 'Policy not readable in the event: check it in the console.'
      : a.otherAccounts.length > 0
        ? `Not public, but grants access to other account(s): ${a.otherAccounts.join(', ')}.`
        : 'Not public: no statement allows anyone without a pinning condition.';
    return {
      action: `changed the bucket policy of ${resource.name}`,
      ...(a && a.otherAccounts.length > 0 ? { severity: 'medium' as const } : {}),
      verdict,
      resource,
      links,
      facts,
    };
  },
};

const BPA_FLAGS = [
  'BlockPublicAcls',
  'IgnorePublicAcls',
  'BlockPublicPolicy',
  'RestrictPublicBuckets',
] as const;

export const s3BlockPublicAccessWeakened: CloudTrailRule = {
  id: 's3-block-public-access-weakened',
  title: 'S3 Block Public Access weakened on a bucket',
  severity: 'high',
  description: 'Bucket-level Block Public Access removed, or set with any of its four flags off.',
  feed: FEED,
  eventSource: S3,
  eventNames: BPA_CALLS,
  needs: [
    'requestParameters',
    { part: 'requestParameters', calls: ['Put*'], fields: ['PublicAccessBlockConfiguration'] },
  ],
  check(record, ctx) {
    const { resource, links } = bucket(record, ctx);
    if (record.eventName === 'DeleteBucketPublicAccessBlock') {
      return {
        action: `removed Block Public Access from bucket ${resource.name}`,
        verdict: 'Exposure risk: a public ACL or policy on this bucket would now take effect.',
        resource,
        links,
      };
    }
    const cfg = field(record.requestParameters, 'PublicAccessBlockConfiguration');
    const off = BPA_FLAGS.filter((f) => field(cfg, f) !== true && field(cfg, f) !== 'true');
    if (off.length === 0) return null;
    return {
      action: `turned off Block Public Access (${off.join(', ')}) on bucket ${resource.name}`,
      verdict: 'Exposure risk: a public ACL or policy on this bucket would now take effect.',
      resource,
      links,
      facts: [{ label: 'Flags off', value: off.join(', ') }],
    };
  },
};

export const s3AccountBlockPublicAccessWeakened: CloudTrailRule = {
  id: 's3-account-block-public-access-weakened',
  title: 'S3 Block Public Access weakened for the whole account',
  severity: 'critical',
  description:
    'Account-level Block Public Access removed, or set with any flag off: every bucket in the account loses its safety net.',
  feed: FEED,
  // The S3 Control API is recorded under s3.amazonaws.com (EventBridge source aws.s3).
  eventSource: S3,
  eventNames: ['PutAccountPublicAccessBlock', 'DeleteAccountPublicAccessBlock'],
  needs: [
    'requestParameters',
    { part: 'requestParameters', calls: ['Put*'], fields: ['PublicAccessBlockConfiguration'] },
  ],
  check(record, ctx) {
    const acct = ctx.account;
    const region = record.awsRegion ?? ctx.region;
    const resource: Resource = { type: 'AWS account', name: acct };
    const links = [s3AccountSettingsLink(region)];
    const verdict =
      'Exposure risk for every bucket: a public ACL or policy on any bucket without its own block would now take effect.';
    if (record.eventName === 'DeleteAccountPublicAccessBlock') {
      return { action: `removed account-level Block Public Access in ${acct}`, verdict, resource, links };
    }
    const cfg = field(record.requestParameters, 'PublicAccessBlockConfiguration');
    const off = BPA_FLAGS.filter((f) => field(cfg, f) !== true && field(cfg, f) !== 'true');
    if (off.length === 0) return null;
    return {
      action: `turned off account-level Block Public Access (${off.join(', ')}) in ${acct}`,
      verdict,
      resource,
      links,
      facts: [{ label: 'Flags off', value: off.join(', ') }],
    };
  },
};

/** Object ownership settings under which ACLs take effect again. https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html */
const ACL_OWNERSHIP = new Set(['ObjectWriter', 'BucketOwnerPreferred']);

export const s3OwnershipControlsAclsEnabled: CloudTrailRule = {
  id: 's3-bucket-acls-enabled',
  title: 'S3 bucket ACLs re-enabled',
  severity: 'medium',
  description:
    'PutBucketOwnershipControls set to ObjectWriter or BucketOwnerPreferred: ACLs work again, so a public ACL could expose objects.',
  cis: '4.8',
  feed: FEED,
  eventSource: S3,
  eventNames: ['PutBucketOwnershipControls'],
  needs: ['requestParameters'],
  check(record, ctx) {
    const rules = field(field(record.requestParameters, 'OwnershipControls'), 'Rule');
    const setting = [rules, ...(Array.isArray(rules) ? rules : [])]
      .map((r) => str(field(r, 'ObjectOwnership')))
      .find((v) => v !== undefined);
    if (!setting || !ACL_OWNERSHIP.has(setting)) return null;
    const { resource, links } = bucket(record, ctx);
    return {
      action: `re-enabled ACLs on bucket ${resource.name} (object ownership ${setting})`,
      verdict: 'Not public by itself, but ACL grants, including public ones, now take effect on this bucket.',
      resource,
      links,
      facts: [{ label: 'Object ownership', value: setting }],
    };
  },
};

export const s3BucketCreated: CloudTrailRule = {
  id: 's3-bucket-created',
  title: 'S3 bucket created',
  severity: 'critical',
  description: 'A new bucket: info, unless it was created with a public canned ACL or grant (critical).',
  feed: FEED,
  eventSource: S3,
  eventNames: ['CreateBucket'],
  needs: ['requestParameters'],
  check(record, ctx) {
    const { resource, links } = bucket(record, ctx);
    const acl = analyzeBucketAcl(record.requestParameters);
    if (acl.publicGrants.length > 0) {
      return {
        action: `created bucket ${resource.name} public${acl.canned ? ` with canned ACL ${acl.canned}` : ''}`,
        verdict: `Public now: ${acl.publicGrants.join('; ')}.`,
        resource,
        links,
        facts: [{ label: 'Public grants', value: acl.publicGrants.join('\n') }],
      };
    }
    return {
      action: `created bucket ${resource.name}`,
      severity: 'info',
      verdict: 'Not public: created without a public ACL (new buckets block public access by default).',
      resource,
      links,
    };
  },
};

/** CIS 4.8 also watches the bucket settings that move or serve data elsewhere. */
const CONFIG_CHANGES: Record<string, string> = {
  PutBucketCors: 'set the CORS rules of',
  DeleteBucketCors: 'deleted the CORS rules of',
  PutBucketLifecycle: 'set the lifecycle rules of',
  PutBucketLifecycleConfiguration: 'set the lifecycle rules of',
  DeleteBucketLifecycle: 'deleted the lifecycle rules of',
  PutBucketReplication: 'set replication on',
  DeleteBucketReplication: 'deleted replication from',
  PutBucketWebsite: 'turned on static website hosting for',
  DeleteBucketWebsite: 'turned off static website hosting for',
};

function replicationTargets(record: CloudTrailRecord): string[] {
  const rules = field(field(record.requestParameters, 'ReplicationConfiguration'), 'Rule');
  const out = new Set<string>();
  for (const r of Array.isArray(rules) ? rules : [rules]) {
    const b = str(field(field(r, 'Destination'), 'Bucket'));
    if (b) out.add(b);
  }
  return [...out];
}

export const s3BucketConfigChanged: CloudTrailRule = {
  id: 's3-bucket-config-changed',
  title: 'S3 bucket configuration changed',
  severity: 'low',
  description: 'CORS, lifecycle, replication or website configuration of a bucket changed (CIS 4.8).',
  cis: '4.8',
  feed: FEED,
  eventSource: S3,
  eventNames: Object.keys(CONFIG_CHANGES),
  check(record, ctx) {
    const { resource, links } = bucket(record, ctx);
    const facts = [];
    if (record.eventName === 'PutBucketReplication') {
      const targets = replicationTargets(record);
      if (targets.length > 0) facts.push({ label: 'Replicates to', value: targets.join('\n') });
    }
    if (record.eventName === 'PutBucketCors') {
      const origins = new Set<string>();
      const rules = field(field(record.requestParameters, 'CORSConfiguration'), 'CORSRule');
      for (const r of Array.isArray(rules) ? rules : [rules])
        for (const o of strings(field(r, 'AllowedOrigin'))) origins.add(o);
      if (origins.size > 0) facts.push({ label: 'Allowed origins', value: [...origins].join('\n') });
    }
    const verdict =
      record.eventName === 'PutBucketReplication'
        ? 'Data will be copied to the destination bucket(s): confirm they are yours.'
        : record.eventName === 'PutBucketWebsite'
          ? 'Website hosting serves objects over HTTP only if the bucket is also public: check its permissions.'
          : 'Not an exposure by itself: confirm the change is expected.';
    return {
      action: `${CONFIG_CHANGES[record.eventName] ?? 'changed the configuration of'} bucket ${resource.name}`,
      verdict,
      resource,
      links,
      facts,
    };
  },
};

export const S3_RULES: readonly CloudTrailRule[] = [
  s3AclPublic,
  s3AclChanged,
  s3PolicyPublic,
  s3PolicyChanged,
  s3BlockPublicAccessWeakened,
  s3AccountBlockPublicAccessWeakened,
  s3OwnershipControlsAclsEnabled,
  s3BucketCreated,
  s3BucketConfigChanged,
];
