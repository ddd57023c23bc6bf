/** Amazon SNS's limits for the e-mail channel. Byte limits are UTF-8 bytes of the serialised request. */

// https://docs.aws.amazon.com/sns/latest/api/API_Publish.html — Message ≤ 256 KB (262,144 bytes),
// message attributes included in that total.
export const SNS_MESSAGE_MAX_BYTES = 256 * 1024;

// https://docs.aws.amazon.com/sns/latest/api/API_Publish.html — Subject "must be less than 100 characters"
export const SNS_SUBJECT_MAX = 99;

/**
 * The send budget per receiver (shared/delivery/budget.ts): a token bucket refilled at `perMinute`
 * that holds at most `burst` tokens, of which the last `reserve` are kept for high and critical alerts.
 */
// https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html — an e-mail endpoint sent more
// than 10 messages a second is suspended (PendingConfirmation, then deleted after 48 hours): every
// later e-mail would be lost. 120 a minute with a burst of 4 allows at most 6 in any second, so even
// deliveries bunched by network or scheduling delays stay well under 10.
export const EMAIL_BUDGET = { perMinute: 120, burst: 4, reserve: 2 } as const;
