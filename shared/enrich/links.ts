import type { Link } from '../events/alert.ts';

/** The partition decides the console host: GovCloud and China have their own. */
function consoleHost(region: string): string {
  if (region.startsWith('us-gov-')) return 'console.amazonaws-us-gov.com';
  if (region.startsWith('cn-')) return 'console.amazonaws.cn';
  return 'console.aws.amazon.com';
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Region names we put into URLs must be region names, not whatever an event claims. */
function safeRegion(region: string): string {
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
    url: consoleUrl(r, `cloudtrail/home?region=${r}#/events/${encodeURIComponent(eventId)}`),
  };
}

export function s3BucketLink(region: string, bucket: string): Link {
  const r = safeRegion(region);
  return {
    text: 'Open bucket',
    url: `https://s3.${consoleHost(r)}/s3/buckets/${encodeURIComponent(bucket)}?region=${r}&tab=permissions`,
  };
}

export function iamLink(kind: 'users' | 'roles' | 'policies', name: string): Link {
  // IAM is global; its console lives under us-east-1 on the commercial partition.
  const label = kind === 'users' ? 'Open user' : kind === 'roles' ? 'Open role' : 'Open policy';
  const target =
    kind === 'policies'
      ? `policies/details/${encodeURIComponent(name)}`
      : `${kind}/details/${encodeURIComponent(name)}`;
  return { text: label, url: `https://us-east-1.console.aws.amazon.com/iam/home#/${target}` };
}

export function alarmLink(region: string, alarmName: string): Link {
  const r = safeRegion(region);
  return {
    text: 'Open alarm',
    url: consoleUrl(r, `cloudwatch/home?region=${r}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`),
  };
}
