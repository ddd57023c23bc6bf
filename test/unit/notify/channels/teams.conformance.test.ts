/**
 * Microsoft Teams (Workflows webhook) through the channel conformance kit
 * (test/kit/channel-conformance.ts). The workflow URL is the secret; its trigger answers 202 Accepted
 * once the run is queued, as the kit's default stand-in does.
 */
import { teams } from '../../../../shared/notify/channels/teams/index.ts';
import { TEAMS_BODY_MAX_BYTES } from '../../../../shared/notify/channels/teams/limits.ts';
import type { TeamsMessage } from '../../../../shared/notify/channels/teams/render.ts';
import { describeChannelConformance } from '../../../kit/channel-conformance.ts';

/** Every string the card shows: fallback, text blocks (in the band too), fact titles and values, buttons. */
function visibleText(message: TeamsMessage): string[] {
  const card = message.attachments[0].content;
  const out = [card.fallbackText];
  for (const element of card.body) {
    if (element.type === 'Container') out.push(...element.items.map((item) => item.text));
    else if (element.type === 'TextBlock') out.push(element.text);
    else for (const fact of element.facts) out.push(fact.title, fact.value);
  }
  out.push(...card.actions.map((action) => action.title));
  return out;
}

describeChannelConformance('teams', {
  plugin: teams,
  receiver: (url) => ({ settings: { workflowUrlParameter: '/cloud-alerts/test/teams' }, secret: url }),
  visibleText,
  // Markdown in TextBlocks and facts: `[label](url)` links and `<https://…>` autolinks; `<at>` mentions;
  // HTML tags a client might honour; `{{DATE(…)}}` templating the client rewrites.
  activeMarkup: [/\]\(/, /<at>/i, /<(https?|mailto):/i, /<[a-z/!?]/i, /\{\{/],
  maxBodyBytes: TEAMS_BODY_MAX_BYTES,
});
