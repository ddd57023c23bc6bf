import { describeClient } from '../../../shared/enrich/client.ts';

const TERRAFORM =
  'APN/1.0 HashiCorp/1.0 Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-aws/5.70.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.30.5 ua/2.1 os/linux lang/go#1.22.6';

describe('describeClient', () => {
  it.each([
    ['signin.amazonaws.com', 'AWS console'],
    ['console.amazonaws.com', 'AWS console'],
    [
      'aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.8 command/s3api.put-bucket-acl',
      'AWS CLI 2.15.30',
    ],
    [TERRAFORM, 'Terraform 1.9.5'],
    ['Boto3/1.35.20 md/Botocore#1.35.20 ua/2.0 os/linux#6.1.109 Botocore/1.35.20', 'Boto3 1.35.20'],
    ['cloudformation.amazonaws.com', 'CloudFormation'],
    [
      'aws-sdk-js/3.670.0 ua/2.1 os/linux#5.10 lang/js md/nodejs#20.18.0 api/s3#3.670.0',
      'AWS SDK for JavaScript 3.670.0',
    ],
    ['aws-sdk-go/1.55.5 (go1.22.6; linux; amd64)', 'AWS SDK for Go 1.55.5'],
    ['aws-sdk-go-v2/1.30.5 os/linux lang/go#1.22.6', 'AWS SDK for Go v2 1.30.5'],
    ['AWS Internal', 'AWS internal'],
    ['lambda.amazonaws.com', 'AWS service lambda.amazonaws.com'],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
      'AWS console (browser)',
    ],
    ['curl/8.4.0', 'other'],
  ])('names %s as %s', (ua, expected) => {
    expect(describeClient(ua)).toBe(expected);
  });

  it('recognises Terraform before the Go SDK it calls through', () => {
    expect(TERRAFORM).toContain('aws-sdk-go-v2/');
    expect(describeClient(TERRAFORM)).toBe('Terraform 1.9.5');
  });

  it.each([[undefined], ['']])('returns undefined for %p', (ua) => {
    expect(describeClient(ua)).toBeUndefined();
  });

  it('returns quickly on a 250 KB user agent', () => {
    const huge = `${'a-'.repeat(125_000)}aws-cli/2.0.0`;
    const started = performance.now();
    const result = describeClient(huge);
    expect(performance.now() - started).toBeLessThan(200);
    expect(result).toBe('other');
  });

  it('still names a client whose marker is at the start of a 250 KB user agent', () => {
    expect(describeClient(`Boto3/1.35.20 ${'x'.repeat(250_000)}`)).toBe('Boto3 1.35.20');
  });
});
