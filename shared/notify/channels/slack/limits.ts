/**
 * Slack's limits. Text lengths are compared against JavaScript string length (UTF-16 code units),
 * which is never smaller than Slack's character counts, so staying under them is conservative.
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

/**
 * The text of all blocks of one message together, in characters. Slack documents no total for a
 * message's blocks, only per element (above) and 40,000 characters of `text`, past which it truncates
 * (https://api.slack.com/changelog/2018-04-truncating-really-long-messages). It does refuse messages
 * whose blocks hold too much text, with `msg_blocks_too_long`: at about 13,200 characters of block text
 * in https://github.com/slackapi/bolt-js/issues/2509 (labelled a server-side issue; a Slack engineer
 * there put the limit at "12,000 text characters with a buffer for block containers", as
 * https://github.com/slackapi/bolt-js/issues/2867 quotes), and at 11,341 characters over 45 blocks in
 * #2867, where 9,597 over 50 blocks went through. Webhooks
 * and chat.postMessage share the limit (the changelog: "all methods of posting messages"). 8,000 stays
 * under every refusal reported, and is still two screens of text.
 */
export const SLACK_BLOCKS_TEXT_MAX = 8000;

// https://api.slack.com/methods/chat.postMessage#truncating — Slack truncates `text` past 40,000
// characters and recommends ≤ 4,000; the fallback is one line used for notifications.
export const SLACK_TEXT_FALLBACK_MAX = 4000;

/**
 * The send budget per receiver (shared/delivery/budget.ts): a token bucket refilled at `perMinute`
 * that holds at most `burst` tokens, of which the last `reserve` are kept for high and critical alerts.
 */
// https://api.slack.com/docs/rate-limits — incoming webhooks and chat.postMessage: "1 per second" per
// channel, "short bursts" above it allowed. 60 a minute with a burst of 3 stays at that rate.
export const SLACK_BUDGET = { perMinute: 60, burst: 3, reserve: 2 } as const;
