import { MASK, maskSecrets } from '../../../shared/evidence/mask.ts';

describe('maskSecrets', () => {
  it.each([
    ['an AWS access key id', 'using key AKIAIOSFODNN7EXAMPLE for s3', 'using key [masked] for s3'],
    ['a temporary access key id', 'creds ASIAY34FZKBOKMUTVV7A expired', 'creds [masked] expired'],
    [
      'a secret access key after a key word',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'aws_secret_access_key = [masked]',
    ],
    [
      'a bearer token',
      'Authorization failed for Bearer abc.def-ghi_jkl',
      'Authorization failed for Bearer [masked]',
    ],
    [
      'a JWT',
      'token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c rejected',
      'token [masked] rejected',
    ],
    [
      'a Slack bot token',
      'slack said invalid_auth for xoxb-123456789012-abcdefABCDEF',
      'slack said invalid_auth for [masked]',
    ],
    [
      'a Slack webhook path',
      'POST https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX failed',
      'POST https://hooks.slack.com/services/[masked] failed',
    ],
    ['password=', 'login password=hunter2&user=bob', 'login password=[masked]&user=bob'],
    ['secret:', 'config secret: s3cr3t-value, region eu-west-1', 'config secret: [masked], region eu-west-1'],
    ['token=', 'GET /cb?token=0123abcd', 'GET /cb?token=[masked]'],
    ['api_key= in JSON', '{"api_key":"k-123","user":"bob"}', '{"api_key":"[masked]","user":"bob"}'],
    ['a quoted value with spaces', "password='correct horse'", "password='[masked]'"],
    [
      'a PEM private key',
      'loaded -----BEGIN RSA PRIVATE KEY----- MIIEpAIBAAKCAQEA7 -----END RSA PRIVATE KEY----- ok',
      'loaded [masked] ok',
    ],
    ['a PEM key cut before its end', 'key: -----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqh', 'key: [masked]'],
    [
      'a long hex blob after a key word',
      'signing key 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'signing key [masked]',
    ],
    [
      'a URL with user:pass@',
      'connect postgres://app:s3cret@db.internal:5432/orders',
      'connect postgres://[masked]@db.internal:5432/orders',
    ],
    [
      'user:pass@ after inlineText',
      'connect https[:]//app:s3cret@db.internal/x',
      'connect https[:]//[masked]@db.internal/x',
    ],
  ])('masks %s', (_kind, input, expected) => {
    expect(maskSecrets(input)).toBe(expected);
  });

  it.each([
    ['a GitHub token', 'clone with ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij failed', 'ghp_'],
    ['a fine-grained GitHub token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop', 'github_pat_'],
    ['a Stripe live key', 'charge sk_live_51HabcdefghijklmnopqrstuvWXYZ0123 refused', 'sk_live_51H'],
    ['a Google API key', 'maps AIzaSyA1234567890abcdefghijklmnopqrstuv', 'AIzaSy'],
    ['a Slack app-level token', 'socket xapp-1-A0123456789-0123456789012-abcdef', 'xapp-1-A'],
    ['a bare AWS secret access key', 'creds wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end', 'wJalrXUtnFEMI'],
    ['a password after a space', 'login failed: password hunter2 for bob', 'hunter2'],
    ['a password said in words', 'the Password is swordfish', 'swordfish'],
    ['pass=', 'pass=opensesame&user=bob', 'opensesame'],
    ['a URL-encoded token', 'GET /cb?token%3Dabc123def456 failed', 'abc123def456'],
    ['a password with an @ in a URL', 'postgres://admin:S3cr3tP@ss@db.example:5432/app', 'ss@db'],
    ['JSON logged as a string', '{"body": "{\\"password\\": \\"hunter2\\"}"}', 'hunter2'],
  ])('masks %s', (_what, text, secret) => {
    const masked = maskSecrets(text);
    expect(masked).toContain(MASK);
    expect(masked).not.toContain(secret);
  });

  it('leaves a git object id and a request id alone', () => {
    const text =
      'deploy of 3f786850e387550fdab836ed7e6dc881de23001b failed, request 8d2c5f0a-3b1e-4c7d-9a6f-2e4b1c8d7f30';
    expect(maskSecrets(text)).toBe(text);
  });

  it('leaves ordinary error text alone', () => {
    const text = "TypeError: Cannot read properties of undefined (reading 'id') at handler (index.mjs:3:20)";
    expect(maskSecrets(text)).toBe(text);
  });

  it('is idempotent', () => {
    const once = maskSecrets('password=hunter2 key AKIAIOSFODNN7EXAMPLE Bearer abcdefgh');
    expect(once).toContain(MASK);
    expect(maskSecrets(once)).toBe(once);
  });

  it('stays fast on hostile input built to backtrack', () => {
    const started = Date.now();
    maskSecrets(`${'password'.repeat(500)}${'='.repeat(500)}${'a'.repeat(3000)}`);
    maskSecrets(`eyJ${'a'.repeat(4000)}.`.repeat(2));
    maskSecrets(`https://${'a:'.repeat(2000)}`);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
