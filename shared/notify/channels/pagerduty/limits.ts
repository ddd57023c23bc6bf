/** PagerDuty's limits. Byte limits are UTF-8 bytes of the serialised request. */

// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ — payload.summary ≤ 1024 characters
export const PAGERDUTY_SUMMARY_MAX = 1024;

// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ — dedup_key ≤ 255 characters
export const PAGERDUTY_DEDUP_KEY_MAX = 255;

// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ — an event is at most 512 KB
export const PAGERDUTY_EVENT_MAX_BYTES = 512 * 1024;

/**
 * The send budget per receiver (shared/delivery/budget.ts): a token bucket refilled at `perMinute`
 * that holds at most `burst` tokens, of which the last `reserve` are kept for high and critical alerts.
 */
// https://community.pagerduty.com/forum/t/monitoring-api-rate-limiting/3318 — PagerDuty support: "Events -
// 120/min/integration key ... Enforced at the per-integration-key level" (FACTS.md: about 120 a minute per
// routing key). Counted over any 60 seconds, 110 a minute plus a burst of 10 never exceeds 120.
export const PAGERDUTY_BUDGET = { perMinute: 110, burst: 10, reserve: 5 } as const;
