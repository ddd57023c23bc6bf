/**
 * Microsoft Teams limits for cards posted through a Workflows webhook ("When a Teams webhook request
 * is received", the replacement for the retired Office 365 connectors:
 * https://devblogs.microsoft.com/microsoft365dev/retirement-of-office-365-connectors-within-microsoft-teams/).
 * Text lengths are JavaScript string lengths (UTF-16 code units); the body limit is UTF-8 bytes of the
 * serialised request, which is what postJson sends.
 */

// https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
// — "The message size limit is 28 KB. When the size exceeds 28 KB, you receive an error."
// https://learn.microsoft.com/en-us/connectors/teams/ (known issues) — a message posted through the Teams
// connector, which the workflow's "Post card in a chat or channel" step is, may be "about 28 KB" including
// all its HTML elements, else the step fails with "Request Entity too large". That is not measured on our
// request byte for byte, and third parties report failures below it (https://rubydoc.info/gems/msteams_hermes:
// "testing aligned with 21KB"). Nothing we send needs more than a few KB, so we aim below both: 20 KiB of
// request body.
export const TEAMS_DOCUMENTED_MESSAGE_MAX_BYTES = 28 * 1024;
export const TEAMS_BODY_MAX_BYTES = 20 * 1024;

// https://learn.microsoft.com/en-us/microsoft-copilot-studio/guidance/adaptive-cards-overview — "Teams is
// also limited to version 1.5" (the Adaptive Cards designer's Teams host targets 1.5 too:
// https://github.com/microsoft/AdaptiveCards/blob/main/source/nodejs/adaptivecards-designer/src/containers/teams/teams-container.ts).
// Everything we use (Container styles, FactSet, Action.OpenUrl, TextBlock colours) exists since 1.2
// (https://adaptivecards.io/explorer/); we ask for 1.4, one below the maximum, so a client a release behind
// still renders the card instead of its fallbackText.
export const TEAMS_CARD_VERSION = '1.4';

// https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
// — the request body: {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
// "contentUrl":null,"content":<card>}]}.
export const TEAMS_ATTACHMENT_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

// https://github.com/microsoft/AdaptiveCards/blob/11024974f5cfaa268db9ad6c1193c963365e06ce/source/nodejs/adaptivecards-designer/src/containers/teams-container.ts
// — the Adaptive Cards designer's Teams host config (light and dark) has "maxActions": 6; Microsoft's Teams
// pages state no number, and a host drops the actions past its maximum without a word, so we stop at six and
// say how many links were left out.
export const TEAMS_MAX_ACTIONS = 6;

// Not documented anywhere we could find (Action.OpenUrl `url` and `title` have no stated maximum). Our
// console links are a few hundred characters; 1,000 lets six buttons stay well inside the body budget.
export const TEAMS_BUTTON_URL_MAX = 1000;
// Buttons render one line; Slack's 75 (shared/notify/limits.ts) is a good length for one.
export const TEAMS_BUTTON_TITLE_MAX = 75;

/**
 * The default send budget of a Teams receiver (one workflow URL): a token bucket refilled at
 * `perMinute`, at most `burst` at once, the last `reserve` kept for high and critical alerts.
 *
 * https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
 * — for webhooks: "If more than four requests are made in a second, the client connection is throttled".
 * A burst of 4 never exceeds that.
 * https://learn.microsoft.com/en-us/power-platform/admin/api-request-limits-allocations — every action a
 * flow runs is a Power Platform request, counted per 24 hours against the flow owner's licence (6,000 for
 * Microsoft 365 licences with Power Platform access, https://learn.microsoft.com/en-us/training/modules/power-platform-architecture/6-limits).
 * The Workflows template runs about three actions per card (trigger, "for each" attachment, post card),
 * so 2,000 cards a day; Microsoft documents no per-minute limit for the trigger itself. A per-minute
 * bucket cannot hold a daily quota, so we pick a rate a person can still read (20 a minute) and let the
 * send budget fold the rest into summaries (docs/failure-handling.md, "Send budgets"): a storm has to
 * last over an hour and a half at full rate to reach the quota. Busy channels want a per-flow licence.
 */
export const TEAMS_BUDGET = { perMinute: 20, burst: 4, reserve: 2 } as const;
