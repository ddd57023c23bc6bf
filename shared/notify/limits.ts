/**
 * Vendor limits. Text lengths are compared against JavaScript string length (UTF-16 code units),
 * which is never smaller than the vendors' character counts, so staying under them is conservative.
 * Byte limits are UTF-8 bytes of the serialised request.
 */

// https://api.slack.com/reference/block-kit/blocks — "maximum of 50 blocks in each message"
export const SLACK_MAX_BLOCKS = 50;

// https://api.slack.com/reference/block-kit/blocks#section — section `text` ≤ 3000 characters
export const SLACK_SECTION_TEXT_MAX = 3000;

// https://api.slack.com/reference/block-kit/blocks#section — `fields`: at most 10 items of ≤ 2000 characters
export const SLACK_SECTION_FIELDS_MAX = 10;
export const SLACK_FIELD_TEXT_MAX = 2000;

// https://api.slack.com/reference/block-kit/blocks#header — plain_text ≤ 150 characters
export const SLACK_HEADER_TEXT_MAX = 150;

// https://api.slack.com/reference/block-kit/block-elements#button — text ≤ 75, url ≤ 3000 characters
export const SLACK_BUTTON_TEXT_MAX = 75;
export const SLACK_BUTTON_URL_MAX = 3000;

// https://api.slack.com/reference/block-kit/blocks#actions — at most 25 elements
export const SLACK_ACTIONS_ELEMENTS_MAX = 25;

// https://api.slack.com/reference/block-kit/blocks#context — at most 10 elements; text objects ≤ 3000
export const SLACK_CONTEXT_ELEMENTS_MAX = 10;
export const SLACK_CONTEXT_TEXT_MAX = 3000;

// https://api.slack.com/methods/chat.postMessage#truncating — Slack truncates `text` past 40,000
// characters and recommends ≤ 4,000; the fallback is one line used for notifications.
export const SLACK_TEXT_FALLBACK_MAX = 4000;

// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ — payload.summary ≤ 1024 characters
export const PAGERDUTY_SUMMARY_MAX = 1024;

// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ — dedup_key ≤ 255 characters
export const PAGERDUTY_DEDUP_KEY_MAX = 255;

// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ — an event is at most 512 KB
export const PAGERDUTY_EVENT_MAX_BYTES = 512 * 1024;

// https://docs.aws.amazon.com/sns/latest/api/API_Publish.html — Message ≤ 256 KB (262,144 bytes),
// message attributes included in that total.
export const SNS_MESSAGE_MAX_BYTES = 256 * 1024;

// https://docs.aws.amazon.com/sns/latest/api/API_Publish.html — Subject "must be less than 100 characters"
export const SNS_SUBJECT_MAX = 99;

/**
 * Send budgets per receiver (shared/delivery/budget.ts): a token bucket refilled at `perMinute` that
 * holds at most `burst` tokens, of which the last `reserve` are kept for high and critical alerts.
 */

// https://api.slack.com/docs/rate-limits — incoming webhooks and chat.postMessage: "1 per second" per
// channel, "short bursts" above it allowed. 60 a minute with a burst of 3 stays at that rate.
export const SLACK_BUDGET = { perMinute: 60, burst: 3, reserve: 2 } as const;

// https://community.pagerduty.com/forum/t/monitoring-api-rate-limiting/3318 — PagerDuty support: "Events -
// 120/min/integration key ... Enforced at the per-integration-key level" (FACTS.md: about 120 a minute per
// routing key). Counted over any 60 seconds, 110 a minute plus a burst of 10 never exceeds 120.
export const PAGERDUTY_BUDGET = { perMinute: 110, burst: 10, reserve: 5 } as const;

// https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html — an e-mail endpoint sent more
// than 10 messages a second is suspended (PendingConfirmation, then deleted after 48 hours): every
// later e-mail would be lost. 120 a minute with a burst of 4 allows at most 6 in any second, so even
// deliveries bunched by network or scheduling delays stay well under 10.
export const EMAIL_BUDGET = { perMinute: 120, burst: 4, reserve: 2 } as const;
