/**
 * Slack incoming webhooks through the channel conformance kit (test/kit/channel-conformance.ts).
 * The webhook URL is the secret; Slack answers a good post with 200 "ok" and refusals with a word
 * (https://api.slack.com/messaging/webhooks#handling_errors).
 */
import { slack } from '../../../../shared/notify/channels/slack/index.ts';
import { SLACK_BLOCKS_TEXT_MAX } from '../../../../shared/notify/channels/slack/limits.ts';
import { type SlackMessage, slackBlocksText } from '../../../../shared/notify/channels/slack/render.ts';
import { describeChannelConformance } from '../../../kit/channel-conformance.ts';

/** Every string a person reads: the notification text and each block's text, field and button label. */
function visibleText(message: SlackMessage): string[] {
  const out = [message.text];
  for (const block of message.blocks) {
    if (block.type === 'header') out.push(block.text.text);
    if (block.type === 'section') {
      if (block.text) out.push(block.text.text);
      for (const field of block.fields ?? []) out.push(field.text);
    }
    if (block.type === 'actions') for (const button of block.elements) out.push(button.text.text);
    if (block.type === 'context') for (const element of block.elements) out.push(element.text);
  }
  return out;
}

describeChannelConformance('slack', {
  plugin: slack,
  receiver: (url) => ({ settings: { webhookUrlParameter: '/cloud-alerts/test/slack' }, secret: url }),
  replies: {
    accepted: { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' },
    rejected: { status: 400, body: 'invalid_blocks' },
    unauthorized: { status: 403, body: 'invalid_token' },
  },
  visibleText,
  // Slack's control sequences (<!here>, <!channel>, <!subteam^…>, <@U…>, <#C…>, <url|label>) and the
  // broadcast words, which Slack parses in text that is not verbatim (the notification `text`).
  activeMarkup: [/<[!@#]/, /<(https?|mailto):/i, /(^|[^\w\uff20])@(here|channel|everyone)\b/i],
  // Slack's limit on a message's blocks is on their text, not on the request's bytes (limits.ts).
  maxBodyBytes: SLACK_BLOCKS_TEXT_MAX,
  measure: slackBlocksText,
});
