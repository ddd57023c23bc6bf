/**
 * Secret-looking values in text we did not write (log lines), replaced before the text is stored in
 * an alert: an alert travels to Slack, PagerDuty and mailboxes that keep it far longer and show it
 * to far more people than the log group it came from.
 *
 * Run it on one line (oneLine first, so a zero-width character or a line break cannot split a key
 * past these patterns) and before inlineText, which rewrites `://` and would hide a URL's user-info.
 * Every quantifier is bounded or linear: the input is attacker-written.
 */
export const MASK = '[masked]';

/** Words that name a secret in `key=value`, `"key": "value"` and `key: value` shapes. */
const KEY_WORDS =
  'password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|authorization|signature|session[_-]?key';

const RULES: ReadonlyArray<readonly [RegExp, string | ((...m: string[]) => string)]> = [
  // A PEM private key: everything from its BEGIN line to its END line, or to the end of the text
  // when the line was cut before it.
  [
    /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----|[\s\S]*$)/g,
    MASK,
  ],
  // A URL's user-info (`scheme://user:pass@host`), also after inlineText made it `scheme[:]//`.
  [/((?::|\[:\])\/\/)[^\s/@:[\]]{1,256}:[^\s/@]{1,256}@/g, (_m, scheme) => `${scheme}${MASK}@`],
  // Slack incoming-webhook and workflow URLs: the path is the secret.
  [
    /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]{1,200}/gi,
    (_m, host) => `${host}${MASK}`,
  ],
  // Slack tokens (bot, user, app-level, refresh…).
  [/xox[abprs]-[A-Za-z0-9-]{10,200}/g, MASK],
  // AWS access key ids (long-term AKIA, temporary ASIA).
  [/(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/g, MASK],
  // JSON Web Tokens: three base64url parts, the first a JSON object (`{"` is `eyJ`).
  [/eyJ[A-Za-z0-9_-]{2,4000}\.[A-Za-z0-9_-]{2,4000}\.[A-Za-z0-9_-]{0,4000}/g, MASK],
  // HTTP bearer credentials.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,4000}/gi, (_m, scheme) => `${scheme} ${MASK}`],
  // key=value, key: value, "key": "value" — the key stays (it says what was there), the value goes.
  [
    new RegExp(
      `((?:["']?)[A-Za-z0-9_.-]{0,40}(?:${KEY_WORDS})[A-Za-z0-9_.-]{0,40}["']?\\s{0,3}[=:]\\s{0,3})(?!\\[masked\\])("[^"]{0,4000}"|'[^']{0,4000}'|[^\\s,;&"'}\\]]{1,4000})`,
      'gi',
    ),
    (_m, key, value) =>
      `${key}${value.startsWith('"') ? `"${MASK}"` : value.startsWith("'") ? `'${MASK}'` : MASK}`,
  ],
  // A long key-like blob a few characters after a key word ("secret key wJalr…", "token is 9f8e…"):
  // AWS secret access keys are 40 base64 characters, most API keys 32+ hex or base64.
  [
    new RegExp(`((?:${KEY_WORDS}|key)\\W{1,5}(?:is\\s{1,3})?)([A-Za-z0-9+/_=-]{32,4000})`, 'gi'),
    (_m, lead) => `${lead}${MASK}`,
  ],
];

/** `s` with every secret-looking value replaced by `[masked]`. Idempotent. */
export function maskSecrets(s: string): string {
  let out = s;
  for (const [pattern, replacement] of RULES) {
    out =
      typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}
