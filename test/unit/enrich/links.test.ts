import {
  alarmLink,
  cloudTrailEventLink,
  consoleUrl,
  iamLink,
  s3BucketLink,
} from '../../../shared/enrich/links.ts';

describe('consoleUrl', () => {
  it.each([
    ['eu-west-1', 'https://eu-west-1.console.aws.amazon.com/x'],
    ['us-gov-west-1', 'https://us-gov-west-1.console.amazonaws-us-gov.com/x'],
    ['cn-north-1', 'https://cn-north-1.console.amazonaws.cn/x'],
    ['ap-southeast-2', 'https://ap-southeast-2.console.aws.amazon.com/x'],
  ])('builds the console host for %s', (region, url) => {
    expect(consoleUrl(region, 'x')).toBe(url);
  });

  it.each([['"><script>'], ['evil.com/'], [''], ['EU-WEST-1'], ['eu-west-1.evil.com'], ['eu-west-1\n']])(
    'replaces the region %p with us-east-1',
    (region) => {
      expect(consoleUrl(region, 'x')).toBe('https://us-east-1.console.aws.amazon.com/x');
    },
  );
});

describe('cloudTrailEventLink', () => {
  it('links the event in its region', () => {
    expect(cloudTrailEventLink('eu-west-1', '3b5b9776-954a-4b25-b6e9-715e24e6b6dd')).toEqual({
      text: 'CloudTrail event',
      url: 'https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/events/3b5b9776-954a-4b25-b6e9-715e24e6b6dd',
    });
  });

  it('uses us-east-1 everywhere in the URL when the event claims a region like "><script>', () => {
    const { url } = cloudTrailEventLink('"><script>', 'id');
    expect(url).toBe('https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/id');
    expect(url).not.toContain('<');
  });

  it('URL-encodes the event id', () => {
    expect(cloudTrailEventLink('eu-west-1', 'a b/"c').url).toMatch(/#\/events\/a%20b%2F%22c$/);
  });
});

describe('s3BucketLink', () => {
  it.each([
    [
      'eu-west-1',
      'https://s3.console.aws.amazon.com/s3/buckets/example-data?region=eu-west-1&tab=permissions',
    ],
    [
      'us-gov-east-1',
      'https://s3.console.amazonaws-us-gov.com/s3/buckets/example-data?region=us-gov-east-1&tab=permissions',
    ],
    [
      'cn-northwest-1',
      'https://s3.console.amazonaws.cn/s3/buckets/example-data?region=cn-northwest-1&tab=permissions',
    ],
    [
      '"><script>',
      'https://s3.console.aws.amazon.com/s3/buckets/example-data?region=us-east-1&tab=permissions',
    ],
  ])('links the bucket for region %s', (region, url) => {
    expect(s3BucketLink(region, 'example-data')).toEqual({ text: 'Open bucket', url });
  });

  it('URL-encodes the bucket name', () => {
    expect(s3BucketLink('eu-west-1', 'a?b&c#d').url).toContain('/s3/buckets/a%3Fb%26c%23d?region=');
  });
});

describe('iamLink', () => {
  it.each([
    ['users', 'alice', 'Open user', 'https://us-east-1.console.aws.amazon.com/iam/home#/users/details/alice'],
    [
      'roles',
      'deploy',
      'Open role',
      'https://us-east-1.console.aws.amazon.com/iam/home#/roles/details/deploy',
    ],
    [
      'policies',
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
      'Open policy',
      'https://us-east-1.console.aws.amazon.com/iam/home#/policies/details/arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess',
    ],
  ] as const)('links IAM %s %s', (kind, name, text, url) => {
    expect(iamLink(kind, name)).toEqual({ text, url });
  });

  it('URL-encodes the name', () => {
    expect(iamLink('users', 'a/b<c>').url).toMatch(/users\/details\/a%2Fb%3Cc%3E$/);
  });
});

describe('alarmLink', () => {
  it('links the alarm with its name encoded', () => {
    expect(alarmLink('eu-west-1', 'orders api #1')).toEqual({
      text: 'Open alarm',
      url: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/orders%20api%20%231',
    });
  });

  it('sanitises the region', () => {
    expect(alarmLink('x"y', 'a').url).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/a',
    );
  });
});
