import { terminalLine } from '../../../util/terminal.ts';
import type { ChannelPlugin } from '../types.ts';
import { TEAMS_BUDGET } from './limits.ts';
import { teamsPreview } from './preview.ts';
import { renderTeams, type TeamsMessage } from './render.ts';
import { createTeamsSender } from './sender.ts';
import { type TeamsSettings, TeamsSettingsSchema } from './settings.ts';

/**
 * Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is
 * received"): one Adaptive Card per alert, a resolve as a follow-up card. The workflow URL is the
 * receiver's secret; the body never carries it.
 */
export const teams: ChannelPlugin<'teams', TeamsSettings, TeamsMessage> = {
  name: 'teams',
  title: 'Microsoft Teams',
  settings: TeamsSettingsSchema,
  secret: (settings) => ({
    parameter: settings.workflowUrlParameter,
    kmsKeyArn: settings.kmsKeyArn,
    field: 'workflowUrlParameter',
    what: 'workflow URL',
    example: '<Teams workflow URL>',
  }),
  budget: TEAMS_BUDGET,
  // Power Automate counts runs per flow, and a flow is one URL.
  budgetIdentity: (_settings, ctx) => ctx.secret?.trim() || undefined,
  render: (alert) => renderTeams(alert),
  // The URL travels in the request line, never in the body: the body is shown as it is.
  shown: (body) => body,
  preview: teamsPreview,
  createSender: createTeamsSender,
  // Under `invoke local` the secret is the placeholder naming its parameter, never the URL.
  describeSend: (target) => `POST to ${terminalLine(target.secret ?? '')}`,
  deploy: {
    id: 'Teams',
    description: 'Notification requests for Microsoft Teams receivers → Teams Workflows webhooks',
  },
};

export { renderTeams, type TeamsMessage, teamsInline } from './render.ts';
export { createTeamsSender, workflowUrl } from './sender.ts';
export { type TeamsSettings, TeamsSettingsSchema } from './settings.ts';
