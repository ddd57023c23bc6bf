/**
 * The webhook is ours end to end: no vendor publishes a limit for it, so every number here is a
 * choice of this project, documented for receivers in docs/configuration.md ("Webhook receivers").
 */

/** The channel's name in errors and requests. */
export const WEBHOOK_CHANNEL = 'webhook';

/**
 * The body's format version. Additive changes (a new optional field, a new `type`) keep it; removing
 * or renaming a field, changing a type or a meaning bumps it.
 */
export const WEBHOOK_BODY_VERSION = 1;

/**
 * Our own ceiling for the serialised body, in UTF-8 bytes: the limit of the AWS services a receiver
 * most often relays a webhook into, so forwarding our body never needs splitting.
 * SNS: https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (Message ≤ 256 KB);
 * EventBridge: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html (entry < 256 KB).
 */
export const WEBHOOK_BODY_MAX_BYTES = 256 * 1024;

/** Room kept for what the sender adds at send time (delivery id, receiver name, sentAt). */
export const WEBHOOK_ENVELOPE_RESERVE_BYTES = 2 * 1024;

/** No text value is cut shorter than this, however many there are; items are dropped instead. */
export const WEBHOOK_STRING_MIN = 64;

/** A delivery id longer than this (or not printable ASCII) is sent as a prefix and a SHA-256 of the key. */
export const WEBHOOK_DELIVERY_ID_MAX = 200;

/** Static headers per receiver: a handful is plenty for routing or a tenant id. */
export const WEBHOOK_HEADERS_MAX = 20;
export const WEBHOOK_HEADER_VALUE_MAX = 1024;

/** Signatures older or newer than this are refused by {@link verifyWebhookSignature}'s default. */
export const WEBHOOK_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The send budget without `budget` on the receiver: our choice, not a receiver's documented limit.
 * 600 a minute with a burst of 20 keeps a storm from flooding a SIEM collector or a ticket system; a
 * receiver that takes more (or less) sets its own `budget`.
 */
export const WEBHOOK_BUDGET = { perMinute: 600, burst: 20, reserve: 5 } as const;

/** How long one POST may take, answer included. */
export const WEBHOOK_TIMEOUT_MS = 5000;

/** The release in `User-Agent: cloud-alerts/<version>`; a unit test holds it equal to package.json's. */
export const CLOUD_ALERTS_VERSION = '0.1.0';
