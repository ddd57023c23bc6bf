import type { Link } from '../events/alert.ts';
import { wellFormed } from '../notify/text.ts';

/** encodeURIComponent throws URIError on a lone surrogate, and an event can carry one. */
function encode(s: string): string {
  return encodeURIComponent(wellFormed(s));
}

/** The partition decides the console host: GovCloud and China have their own. */
function consoleHost(region: string): string {
  if (region.startsWith('us-gov-')) return 'console.amazonaws-us-gov.com';
  if (region.startsWith('cn-')) return 'console.amazonaws.cn';
  return 'console.aws.amazon.com';
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Region names we put into URLs must be region names, not whatever an event claims. */
export function safeRegion(region: string): string {
  return REGION.test(region) ? region : 'us-east-1';
}

export function consoleUrl(region: string, path: string): string {
  const r = safeRegion(region);
  return `https://${r}.${consoleHost(r)}/${path}`;
}

export function cloudTrailEventLink(region: string, eventId: string): Link {
  const r = safeRegion(region);
  return {
    text: 'CloudTrail event',
    url: consoleUrl(r, `cloudtrail/home?region=${r}#/events/${encode(eventId)}`),
  };
}

export function s3BucketLink(region: string, bucket: string): Link {
  const r = safeRegion(region);
  return {
    text: 'Open bucket',
    url: `https://s3.${consoleHost(r)}/s3/buckets/${encode(bucket)}?region=${r}&tab=permissions`,
  };
}

/** Account-wide S3 settings, where account-level Block Public Access lives. */
export function s3AccountSettingsLink(region: string): Link {
  const r = safeRegion(region);
  return {
    text: 'Open account Block Public Access',
    url: `https://s3.${consoleHost(r)}/s3/settings?region=${r}`,
  };
}

const IAM_LABELS = {
  users: 'Open user',
  roles: 'Open role',
  groups: 'Open group',
  policies: 'Open policy',
} as const;

export function iamLink(kind: keyof typeof IAM_LABELS, name: string): Link {
  // IAM is global; its console lives under us-east-1 on the commercial partition.
  return {
    text: IAM_LABELS[kind],
    url: `https://us-east-1.console.aws.amazon.com/iam/home#/${kind}/details/${encode(name)}`,
  };
}

/** Where the root user's password, MFA and access keys are managed. */
export function rootCredentialsLink(): Link {
  return {
    text: 'Open root security credentials',
    url: 'https://us-east-1.console.aws.amazon.com/iam/home#/security_credentials',
  };
}

/** A policy ARN opens its IAM page; AWS managed and customer managed alike. */
export function iamPolicyLink(policyArn: string): Link {
  return {
    text: 'Open policy',
    url: `https://us-east-1.console.aws.amazon.com/iam/home#/policies/details/${encode(policyArn)}`,
  };
}

export function kmsKeyLink(region: string, keyId: string): Link {
  const r = safeRegion(region);
  return {
    text: 'Open KMS key',
    url: consoleUrl(r, `kms/home?region=${r}#/kms/keys/${encode(keyId)}`),
  };
}

export function trailLink(region: string, trail: string): Link {
  const r = safeRegion(region);
  // Trails may be given by name or ARN; the console page wants the ARN or the name as is.
  return {
    text: 'Open trail',
    url: consoleUrl(r, `cloudtrail/home?region=${r}#/trails/${encode(trail)}`),
  };
}

/** The console's filtered list pages take the id as a search term, which works for every VPC resource kind. */
const VPC_PAGES = {
  'security-group': ['SecurityGroup:groupId=', 'Open security group'],
  'network-acl': ['NetworkAclDetails:networkAclId=', 'Open network ACL'],
  'internet-gateway': ['InternetGateway:internetGatewayId=', 'Open internet gateway'],
  'customer-gateway': ['CustomerGateways:search=', 'Open customer gateway'],
  'route-table': ['RouteTableDetails:RouteTableId=', 'Open route table'],
  vpc: ['VpcDetails:VpcId=', 'Open VPC'],
  'peering-connection': ['PeeringConnectionDetails:VpcPeeringConnectionId=', 'Open peering connection'],
} as const;

export function vpcLink(region: string, kind: keyof typeof VPC_PAGES, id: string): Link {
  const r = safeRegion(region);
  const [page, text] = VPC_PAGES[kind];
  return { text, url: consoleUrl(r, `vpcconsole/home?region=${r}#${page}${encode(id)}`) };
}

export function rdsLink(region: string, kind: 'instance' | 'cluster', id: string): Link {
  const r = safeRegion(region);
  const type = kind === 'instance' ? 'instance' : 'cluster';
  return {
    text: kind === 'instance' ? 'Open DB instance' : 'Open DB cluster',
    url: consoleUrl(r, `rds/home?region=${r}#database:id=${encode(id)};is-cluster=${type === 'cluster'}`),
  };
}

export function lambdaLink(region: string, fn: string): Link {
  const r = safeRegion(region);
  // A function may be named by ARN; the console path wants the bare name.
  const name = fn.startsWith('arn:') ? (fn.split(':')[6] ?? fn) : fn;
  return {
    text: 'Open function',
    url: consoleUrl(r, `lambda/home?region=${r}#/functions/${encode(name)}?tab=configure`),
  };
}

/** Service home pages, for changes to a regional security service as a whole. */
const SERVICE_PAGES = {
  guardduty: ['guardduty/home?region={r}#/settings', 'Open GuardDuty settings'],
  config: ['config/home?region={r}#/settings', 'Open AWS Config settings'],
  securityhub: ['securityhub/home?region={r}#/summary', 'Open Security Hub'],
  organizations: ['organizations/v2/home/accounts', 'Open AWS Organizations'],
} as const;

export function serviceLink(region: string, service: keyof typeof SERVICE_PAGES): Link {
  const r = safeRegion(region);
  const [path, text] = SERVICE_PAGES[service];
  return { text, url: consoleUrl(r, path.replace('{r}', r)) };
}

export function alarmLink(region: string, alarmName: string): Link {
  const r = safeRegion(region);
  return {
    text: 'Open alarm',
    url: consoleUrl(r, `cloudwatch/home?region=${r}#alarmsV2:alarm/${encode(alarmName)}`),
  };
}
