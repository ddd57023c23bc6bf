/**
 * Slack as an app (chat.postMessage with a bot token) through the channel conformance kit
 * (test/kit/channel-conformance.ts), beside the webhook mode's run in slack.conformance.test.ts.
 * The Web API answers HTTP 200 with {"ok": false, "error": …} for refusals and HTTP 429 with
 * Retry-After when rate-limited (https://docs.slack.dev/apis/web-api, "Evaluating responses" and
 * "Rate limits"); the bot token is the secret and travels only in the Authorization header.
 */
import { slack } from '../../../../shared/notify/channels/slack/index.ts';
import { SLACK_BLOCKS_TEXT_MAX } from '../../../../shared/notify/channels/slack/limits.ts';
import { slackBlocksText, slackBlockTexts } from '../../../../shared/notify/channels/slack/render.ts';
import { describeChannelConformance } from '../../../kit/channel-conformance.ts';

// Shaped like a bot token, long and random-looking, so a leak of it is easy to find.
const TOKEN = 'xoxb-918273645546-1029384756647-Zq8RkT2mWv7NpL3sXc9HdY4e';
const json = { 'content-type': 'application/json; charset=utf-8' };

describeChannelConformance('slack app', {
  plugin: slack,
  receiver: () => ({
    settings: { botTokenParameter: '/cloud-alerts/test/slack-bot', channel: 'C0123ABCDEF' },
    secret: TOKEN,
  }),
  replies: {
    accepted: {
      status: 200,
      headers: json,
      body: '{"ok":true,"channel":"C0123ABCDEF","ts":"1733400000.000100","message":{}}',
    },
    rejected: { status: 200, headers: json, body: '{"ok":false,"error":"invalid_blocks"}' },
    unauthorized: { status: 200, headers: json, body: '{"ok":false,"error":"invalid_auth"}' },
  },
  // The stand-in is the Web API: SLACK_API_URL is honoured for loopback hosts only.
  sender: (url, timeoutMs) => slack.createSender({ timeoutMs, env: { SLACK_API_URL: url } }),
  visibleText: (body) => [body.text, ...slackBlockTexts(body.blocks)],
  activeMarkup: [/<[!@#]/, /<(https?|mailto):/i, /(^|[^\w\uff20])@(here|channel|everyone)\b/i],
  maxBodyBytes: SLACK_BLOCKS_TEXT_MAX,
  measure: slackBlocksText,
});
