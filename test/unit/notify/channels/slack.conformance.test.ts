/**
 * Slack incoming webhooks through the channel conformance kit (test/kit/channel-conformance.ts).
 * The webhook URL is the secret; Slack answers a good post with 200 "ok" and refusals with a word
 * (https://api.slack.com/messaging/webhooks#handling_errors).
 */
import { slack } from '../../../../shared/notify/channels/slack/index.ts';
import { SLACK_BLOCKS_TEXT_MAX } from '../../../../shared/notify/channels/slack/limits.ts';
import { slackBlocksText, slackBlockTexts } from '../../../../shared/notify/channels/slack/render.ts';
import { describeChannelConformance } from '../../../kit/channel-conformance.ts';

describeChannelConformance('slack', {
  plugin: slack,
  receiver: (url) => ({ settings: { webhookUrlParameter: '/cloud-alerts/test/slack' }, secret: url }),
  replies: {
    accepted: { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' },
    rejected: { status: 400, body: 'invalid_blocks' },
    unauthorized: { status: 403, body: 'invalid_token' },
  },
  // Every string a person reads: the notification text and each block's text, fields and labels.
  visibleText: (message) => [message.text, ...slackBlockTexts(message.blocks)],
  // Slack's control sequences (<!here>, <!channel>, <!subteam^…>, <@U…>, <#C…>, <url|label>) and the
  // broadcast words, which Slack parses in text that is not verbatim (the notification `text`).
  activeMarkup: [/<[!@#]/, /<(https?|mailto):/i, /(^|[^\w\uff20])@(here|channel|everyone)\b/i],
  // Slack's limit on a message's blocks is on their text, not on the request's bytes (limits.ts).
  maxBodyBytes: SLACK_BLOCKS_TEXT_MAX,
  measure: slackBlocksText,
});
