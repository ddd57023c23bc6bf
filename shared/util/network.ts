/**
 * Node's socket and DNS error codes that mean "the request may not have reached the service, or its
 * answer did not reach us": worth a retry, never a verdict on the request itself.
 */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
