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
  'password|passwd|pwd|pass|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|authorization|signature|session[_-]?key';

/**
 * Percent-encoded and JSON-escaped forms of the characters the rules below look for: a secret logged
 * inside a URL-encoded form (`token%3Dabc`) or inside JSON logged as a string (`{\"password\": …}`)
 * is unwrapped first, so it meets the same rules as the plain one.
 */
const UNWRAP: ReadonlyArray<readonly [RegExp, string]> = [
  [/%3D/gi, '='],
  [/%3A/gi, ':'],
  [/%2F/gi, '/'],
  [/%40/gi, '@'],
  [/%22/gi, '"'],
  [/%26/gi, '&'],
  [/\\{1,8}"/g, '"'],
];

const RULES: ReadonlyArray<readonly [RegExp, string | ((...m: string[]) => string)]> = [
  // A PEM private key: everything from its BEGIN line to its END line, or to the end of the text
  // when the line was cut before it.
  [
    /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----|[\s\S]*$)/g,
    MASK,
  ],
  // A URL's user-info (`scheme://user:pass@host`), also after inlineText made it `scheme[:]//`.
  // The password ends at the last `@` before the host: a password may hold an `@` itself.
  [/((?::|\[:\])\/\/)[^\s/@:[\]]{1,256}:[^\s/]{1,256}@/g, (_m, scheme) => `${scheme}${MASK}@`],
  // Slack incoming-webhook and workflow URLs: the path is the secret.
  [
    /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]{1,200}/gi,
    (_m, host) => `${host}${MASK}`,
  ],
  // Slack tokens (bot, user, refresh…) and app-level tokens.
  [/xox[abeoprs]-[A-Za-z0-9-]{10,200}/g, MASK],
  [/xapp-[A-Za-z0-9-]{10,200}/g, MASK],
  // Tokens that say what they are by their prefix, wherever they stand: GitHub (ghp_, gho_, ghu_,
  // ghs_, ghr_, github_pat_), GitLab (glpat-), npm (npm_), Stripe secret and restricted keys
  // (sk_/rk_ live/test), Google API keys (AIza).
  [
    /(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255}|glpat-[A-Za-z0-9_-]{20,255}|npm_[A-Za-z0-9]{30,255}|[sr]k_(?:live|test)_[A-Za-z0-9]{10,255}|AIza[0-9A-Za-z_-]{30,60})/g,
    MASK,
  ],
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
  // "password hunter2", "Password is x": a password word, then the next word, whatever it is.
  [
    /\b((?:password|passwd|passphrase|pwd)\s{1,3}(?:is\s{1,3})?)(?!\[masked\])([^\s,;]{1,200})/gi,
    (_m, lead) => `${lead}${MASK}`,
  ],
  // A bare AWS secret access key: 40 base64 characters with upper and lower case and a digit (a git
  // object id, 40 lower-case hex, is not one).
  [
    /(?<![A-Za-z0-9+/=])(?=[A-Za-z0-9+/]{0,39}[a-z])(?=[A-Za-z0-9+/]{0,39}[A-Z])(?=[A-Za-z0-9+/]{0,39}[0-9])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])/g,
    MASK,
  ],
];

/** `s` with every secret-looking value replaced by `[masked]`. Idempotent. */
export function maskSecrets(s: string): string {
  let out = s;
  for (const [pattern, plain] of UNWRAP) out = out.replace(pattern, plain);
  for (const [pattern, replacement] of RULES) {
    out =
      typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}
