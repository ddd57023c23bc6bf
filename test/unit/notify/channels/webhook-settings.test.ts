// Messages as `config check` prints them: the config schema (zod classic) loads zod's English locale,
// which zod/mini alone leaves out.
import '../../../../shared/config/schema.ts';
import { WEBHOOK_HEADERS_MAX } from '../../../../shared/notify/channels/webhook/limits.ts';
import {
  refusedHeaderReason,
  WebhookSettingsSchema,
} from '../../../../shared/notify/channels/webhook/settings.ts';

const VALID = {
  url: 'https://siem.example.com/hooks/cloud-alerts',
  signingSecretParameter: '/cloud-alerts/prod/webhook/siem',
};

function issues(settings: unknown): string[] {
  const parsed = WebhookSettingsSchema.safeParse(settings);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('WebhookSettingsSchema', () => {
  it('accepts a receiver with a KMS key and static headers', () => {
    const settings = {
      ...VALID,
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      headers: { 'X-Tenant': 'secops', 'X-Splunk-Index': 'aws_security' },
    };
    expect(WebhookSettingsSchema.parse(settings)).toEqual(settings);
  });

  it('refuses unknown keys, so a typo is not silently ignored', () => {
    expect(issues({ ...VALID, header: { 'X-Tenant': 'a' } })).toEqual([
      expect.stringContaining('Unrecognized key'),
    ]);
  });

  it.each([
    ['https://siem.example.com/hooks', true],
    ['https://siem.example.com:8443/hooks?team=secops', true],
    ['http://127.0.0.1:8080/hook', true],
    ['http://[::1]:8080/hook', true],
    ['http://localhost:8080/hook', true],
    ['http://siem.example.com/hooks', false],
    ['http://127.0.0.2/hook', false],
    ['http://localhost.example.com/hook', false],
    ['ftp://siem.example.com/hooks', false],
    ['siem.example.com/hooks', false],
    ['https://user:pa55word@siem.example.com/hooks', false],
    ['https://token@siem.example.com/hooks', false],
    ['https://siem.example.com/hooks\n', false],
    ['https://siem.example.com/ho oks', false],
  ])('url %j accepted: %s', (url, ok) => {
    expect(issues({ ...VALID, url }).length === 0).toBe(ok);
  });

  it('never repeats the URL in a message: it may hold a password', () => {
    const url = 'https://user:Sup3rS3cretPa55@siem.example.com/hooks';
    const messages = issues({ ...VALID, url });
    expect(messages).toEqual([expect.stringContaining('must not carry user:password@')]);
    expect(messages.join('\n')).not.toContain('Sup3rS3cretPa55');
  });

  it('takes the signing secret by parameter name, never an ARN or a pasted value', () => {
    expect(issues({ ...VALID, signingSecretParameter: '/cloud-alerts/prod/webhook' })).toEqual([]);
    expect(
      issues({ ...VALID, signingSecretParameter: 'arn:aws:ssm:eu-west-1:123456789012:parameter/x' }),
    ).toEqual([expect.stringContaining('ARNs')]);
    expect(issues({ ...VALID, signingSecretParameter: 'e3b0c44298fc1c149afbf4c8996fb924' })).toEqual([
      expect.stringContaining('must be an SSM parameter name'),
    ]);
    expect(issues({ url: VALID.url })).toEqual([expect.stringMatching(/^signingSecretParameter: /)]);
  });

  describe('static headers', () => {
    it.each([
      // Credentials: stored in the function artifact, they belong in SSM.
      ['Authorization', 'credential'],
      ['proxy-authorization', 'credential'],
      ['Cookie', 'credential'],
      ['X-Api-Key', 'credential'],
      ['X-API-KEY', 'credential'],
      ['apikey', 'credential'],
      ['X-Auth-Token', 'credential'],
      ['X-Access-Token', 'credential'],
      ['X-Client-Secret', 'credential'],
      ['X-Amz-Security-Token', 'credential'],
      ['X-Password', 'credential'],
      ['X-Session-Id', 'credential'],
      ['X-Pwd', 'credential'],
      ['X-JWT', 'credential'],
      ['X-Hub-Signature-256', 'credential'],
      ['Bearer', 'credential'],
      // Ours: they would fight the signature, the body type or the agent.
      ['Content-Type', 'set by cloud-alerts'],
      ['User-Agent', 'set by cloud-alerts'],
      ['X-Cloud-Alerts-Signature', 'set by cloud-alerts'],
      ['x-cloud-alerts-timestamp', 'set by cloud-alerts'],
      ['X-Cloud-Alerts-Anything', 'set by cloud-alerts'],
      // Transport.
      ['Host', 'HTTP client'],
      ['Content-Length', 'HTTP client'],
      ['Transfer-Encoding', 'HTTP client'],
      ['Connection', 'HTTP client'],
      ['Keep-Alive', 'HTTP client'],
      ['Upgrade', 'HTTP client'],
      ['TE', 'HTTP client'],
      ['Content-Encoding', 'HTTP client'],
    ])('refuses %s (%s)', (name, why) => {
      expect(refusedHeaderReason(name)).toContain(why);
      const messages = issues({ ...VALID, headers: { [name]: 'value-not-echoed' } });
      expect(messages).toEqual([expect.stringContaining(why)]);
      expect(messages[0]).toMatch(new RegExp(`^headers\\.${name}: header ${name} `));
      expect(messages.join('\n')).not.toContain('value-not-echoed');
    });

    it.each(['X-Tenant', 'X-Splunk-Index', 'X-Request-Source', 'Accept', 'X-Team_Name', "x-a!#$%&'*+.^_`|~"])(
      'accepts %s',
      (name) => {
        expect(refusedHeaderReason(name)).toBeUndefined();
        expect(issues({ ...VALID, headers: { [name]: 'secops' } })).toEqual([]);
      },
    );

    it.each([['X Tenant'], ['X-Tenant:'], ['X-Tenant\r\nX-Forged'], ['X-Ténant'], ['(X-Tenant)'], ['']])(
      'refuses the name %j without repeating it',
      (name) => {
        const messages = issues({ ...VALID, headers: { [name]: 'v' } });
        expect(messages).toEqual([
          "headers: a header name must be an RFC 9110 token: letters, digits and !#$%&'*+-.^_`|~",
        ]);
      },
    );

    // Whatever the header is called, a value that is a credential stays out of the artifact.
    it.each([
      ['an authentication scheme', 'Bearer abc'],
      ['Splunk HEC authorisation', 'Splunk 0a1b2c3d'],
      ['basic credentials', 'basic dXNlcjpwYXNz'],
      ['a long random token', 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6'],
      ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.e30.sig'],
    ])('refuses a value that looks like %s and never repeats it', (_what, value) => {
      const messages = issues({ ...VALID, headers: { 'X-Tenant': value } });
      expect(messages).toEqual([
        expect.stringMatching(/^headers\.X-Tenant: the value of header X-Tenant looks like a credential/),
      ]);
      expect(messages.join('\n')).not.toContain(value);
    });

    it.each(['secops', 'aws_security', 'Security Operations', 'eu-west-1/prod', 'X-Bypass-Cache'])(
      'accepts the routing value %j',
      (value) => {
        expect(issues({ ...VALID, headers: { 'X-Tenant': value } })).toEqual([]);
      },
    );

    it.each([
      ['a forged line', 'secops\r\nX-Forged: yes'],
      ['a line feed', 'secops\nmore'],
      ['a carriage return', 'secops\r'],
      ['a NUL', 'sec\u0000ops'],
      ['a DEL', 'sec\u007Fops'],
      ['non-ASCII', 'sécops'],
      ['a leading space', ' secops'],
      ['a trailing tab', 'secops\t'],
      ['an over-long value', 'x'.repeat(1025)],
    ])('refuses a value with %s and never repeats it', (_what, value) => {
      const messages = issues({ ...VALID, headers: { 'X-Tenant': value } });
      expect(messages).toEqual([
        expect.stringMatching(/^headers\.X-Tenant: the value of header X-Tenant must be/),
      ]);
      expect(messages.join('\n')).not.toContain(value.trim() || value);
    });

    it('refuses a header named __proto__ instead of dropping it without a word', () => {
      const headers = JSON.parse('{"__proto__":"x","X-Tenant":"secops"}');
      expect(issues({ ...VALID, headers })).toEqual(['headers: header __proto__ is not a usable name']);
    });

    it('accepts inner spaces and the empty value', () => {
      expect(issues({ ...VALID, headers: { 'X-Team': 'Security Operations', 'X-Empty': '' } })).toEqual([]);
    });

    it(`allows at most ${WEBHOOK_HEADERS_MAX}`, () => {
      const headers = (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-H${i}`, 'v']));
      expect(issues({ ...VALID, headers: headers(WEBHOOK_HEADERS_MAX) })).toEqual([]);
      expect(issues({ ...VALID, headers: headers(WEBHOOK_HEADERS_MAX + 1) })).toEqual([
        `headers: at most ${WEBHOOK_HEADERS_MAX} headers`,
      ]);
    });

    it('refuses the same name twice in different case: one would overwrite the other', () => {
      expect(issues({ ...VALID, headers: { 'X-Team': 'a', 'x-team': 'b' } })).toEqual([
        'headers.x-team: header x-team appears twice (names ignore case)',
      ]);
    });
  });
});
