/**
 * SQS accepts only #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF in a body.
 * JSON.stringify already escapes control characters and lone surrogates; U+FFFE and U+FFFF it leaves
 * alone, and an attacker can put them in a user agent. Inside JSON they can only occur in strings,
 * where a `\uXXXX` escape means the same thing.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
export function sqsSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
