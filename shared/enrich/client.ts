/**
 * What the caller used, from the user agent. The order matters: Terraform and CloudFormation call
 * through SDKs, so their markers are checked before the SDK's.
 */
const CLIENTS: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray) => string]> = [
  // The S3 console calls through the Java SDK and names itself first.
  [/S3Console\//, () => 'AWS console (S3)'],
  [/Terraform\/([\d.]+)/, (m) => `Terraform ${m[1]}`],
  [/^cloudformation\.amazonaws\.com$/, () => 'CloudFormation'],
  [/Pulumi\/([\d.]+)/i, (m) => `Pulumi ${m[1]}`],
  [/aws-cdk\/([\d.]+)/i, (m) => `AWS CDK ${m[1]}`],
  [/^aws-cli\/([\d.]+)/, (m) => `AWS CLI ${m[1]}`],
  [/aws-sdk-go-v2\/([\d.]+)/, (m) => `AWS SDK for Go v2 ${m[1]}`],
  [/aws-sdk-go\/([\d.]+)/, (m) => `AWS SDK for Go ${m[1]}`],
  [/Boto3\/([\d.]+)/i, (m) => `Boto3 ${m[1]}`],
  [/aws-sdk-js\/([\d.]+)/, (m) => `AWS SDK for JavaScript ${m[1]}`],
  [/aws-sdk-java\/([\d.]+)/, (m) => `AWS SDK for Java ${m[1]}`],
  [/aws-sdk-dotnet[\w-]*\/([\d.]+)/i, (m) => `AWS SDK for .NET ${m[1]}`],
  [/aws-sdk-ruby\d*\/([\d.]+)/, (m) => `AWS SDK for Ruby ${m[1]}`],
  [/aws-sdk-php\/([\d.]+)/, (m) => `AWS SDK for PHP ${m[1]}`],
  [/aws-sdk-rust\/([\d.]+)/, (m) => `AWS SDK for Rust ${m[1]}`],
  [/^AWS Internal$/, () => 'AWS internal'],
  [/^(signin|console)\.amazonaws\.com$/, () => 'AWS console'],
  [/^[a-z0-9-]+\.amazonaws\.com$/, (m) => `AWS service ${m[0]}`],
  [/Mozilla\/|Chrome\/|Safari\/|Firefox\//, () => 'AWS console (browser)'],
];

export function describeClient(userAgent: string | undefined): string | undefined {
  if (!userAgent) return undefined;
  const ua = userAgent.slice(0, 2048);
  for (const [re, name] of CLIENTS) {
    const m = re.exec(ua);
    if (m) return name(m);
  }
  return 'other';
}
