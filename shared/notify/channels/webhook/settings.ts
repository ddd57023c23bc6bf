import * as z from 'zod/mini';
import { KmsKeyArn, ParameterName } from '../../../config/primitives.ts';
import { isHttpsOrLoopback } from '../../http.ts';
import { WEBHOOK_HEADER_VALUE_MAX, WEBHOOK_HEADERS_MAX } from './limits.ts';

/**
 * Where the body goes. https, because the body describes the account's security events; plain http
 * only to this machine (a test receiver, a sidecar). No user:password@: the URL is stored in the
 * function's artifact, and credentials belong in SSM. Messages never repeat the URL.
 */
const WebhookUrl = z.string().check(
  z.superRefine((value, ctx) => {
    // The URL parser silently drops tabs and line breaks; refuse them so the URL shown is the URL used.
    if (!/^[\x21-\x7E]+$/.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be printable ASCII without spaces (percent-encode anything else)',
      });
      return;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an https:// URL' });
      return;
    }
    if (!isHttpsOrLoopback(url)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an https:// URL (http:// only for 127.0.0.1, ::1 or localhost)',
      });
    }
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({
        code: 'custom',
        message:
          'must not carry user:password@: the configuration is stored in the function artifact; the body is signed with the secret in signingSecretParameter instead',
      });
    }
  }),
);

// RFC 9110 §5.1 field-name = token; §5.6.2 tchar.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Visible ASCII and spaces inside; no CR, LF or other controls (they would split or forge a header),
// nothing outside ASCII (fetch sends Latin-1 at best), no space at either end (fetch trims it, so the
// value sent would differ from the one configured).
const VALUE = /^(?:[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?)?$/;

/** Headers cloud-alerts sets itself: a static one would fight the signature, the body or the agent. */
const OURS = ['content-type', 'user-agent'];
const OURS_PREFIX = 'x-cloud-alerts-';

/** Connection-level, or describing the body: fetch manages them, and a wrong one breaks the request. */
const TRANSPORT = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
  'content-length',
  'content-encoding',
  'expect',
];

/** Names that carry credentials, exactly or as a part ("x-auth-token", "apikey", "x-client-secret"). */
const CREDENTIAL_NAMES = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];
const CREDENTIAL_PARTS = [
  'auth',
  'token',
  'secret',
  'key',
  'password',
  'passwd',
  'pwd',
  'credential',
  'session',
  'signature',
  'jwt',
  'bearer',
];

/**
 * Values that are credentials whatever the header is called: an HTTP authentication scheme and its
 * parameters (RFC 9110 §11.4: "Bearer …", "Basic …"), or a long unbroken run of letters and digits
 * like an API key or a JWT. Routing values (a tenant, an index) are short words.
 */
const CREDENTIAL_VALUE =
  /^(bearer|basic|digest|token|apikey|splunk|negotiate|hmac)\s+\S|[A-Za-z0-9+/_-]{32,}|^eyJ[A-Za-z0-9_-]+\./i;

/** Why a header name is refused, or undefined when it may be configured. The name is already a token. */
export function refusedHeaderReason(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (OURS.includes(lower) || lower.startsWith(OURS_PREFIX)) {
    return 'is set by cloud-alerts itself';
  }
  if (CREDENTIAL_NAMES.includes(lower) || CREDENTIAL_PARTS.some((part) => lower.includes(part))) {
    return 'looks like it carries a credential: the configuration is stored in the function artifact, so secrets belong in SSM; the receiver authenticates us by the X-Cloud-Alerts-Signature header instead';
  }
  if (TRANSPORT.includes(lower)) return 'is managed by the HTTP client';
  return undefined;
}

/**
 * Static, non-secret headers for routing (a tenant, an index, a queue name). Messages name a header
 * only when its name is a valid token, and never repeat a value.
 */
const HeaderMap = z.record(z.string(), z.string()).check(
  z.superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > WEBHOOK_HEADERS_MAX) {
      ctx.addIssue({ code: 'custom', message: `at most ${WEBHOOK_HEADERS_MAX} headers` });
    }
    const seen = new Set<string>();
    for (const [name, value] of Object.entries(headers)) {
      if (!TOKEN.test(name)) {
        ctx.addIssue({
          code: 'custom',
          message: "a header name must be an RFC 9110 token: letters, digits and !#$%&'*+-.^_`|~",
        });
        continue;
      }
      const refused = refusedHeaderReason(name);
      if (refused !== undefined) {
        ctx.addIssue({ code: 'custom', message: `header ${name} ${refused}`, path: [name] });
      }
      const lower = name.toLowerCase();
      if (seen.has(lower)) {
        ctx.addIssue({
          code: 'custom',
          message: `header ${name} appears twice (names ignore case)`,
          path: [name],
        });
      }
      seen.add(lower);
      if (!VALUE.test(value) || value.length > WEBHOOK_HEADER_VALUE_MAX) {
        ctx.addIssue({
          code: 'custom',
          message: `the value of header ${name} must be printable ASCII without line breaks or surrounding spaces, at most ${WEBHOOK_HEADER_VALUE_MAX} characters`,
          path: [name],
        });
      } else if (CREDENTIAL_VALUE.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: `the value of header ${name} looks like a credential (an authentication scheme or a long token): the configuration is stored in the function artifact, so secrets belong in SSM; the receiver authenticates us by the X-Cloud-Alerts-Signature header instead`,
          path: [name],
        });
      }
    }
  }),
);

// A record built by assignment turns a key spelled "__proto__" into the prototype: the header would
// vanish without a word. It is caught on the raw input, before that happens (a failed first stage
// of a pipe stops it).
const StaticHeaders = z.pipe(
  z.unknown().check(
    z.superRefine((raw, ctx) => {
      if (typeof raw === 'object' && raw !== null && Object.hasOwn(raw, '__proto__')) {
        ctx.addIssue({ code: 'custom', message: 'header __proto__ is not a usable name' });
      }
    }),
  ),
  HeaderMap,
);

export const WebhookSettingsSchema = z.strictObject({
  /** The receiver's endpoint: https (http only for loopback). Not a secret: it is in the config. */
  url: WebhookUrl.check(z.describe('the https:// URL the notifications are posted to')),
  /** SecureString parameter holding the HMAC signing secret (openssl rand -hex 32). */
  signingSecretParameter: ParameterName.check(
    z.describe(
      'the SSM SecureString parameter holding the HMAC signing secret, such as /cloud-alerts/prod/webhook/signing',
    ),
  ),
  /** The customer managed key the parameter is encrypted with, if not aws/ssm. */
  kmsKeyArn: z.optional(KmsKeyArn),
  /** Static headers sent with every request; never credentials (see refusedHeaderReason). */
  headers: z.optional(StaticHeaders),
});

export type WebhookSettings = z.infer<typeof WebhookSettingsSchema>;
