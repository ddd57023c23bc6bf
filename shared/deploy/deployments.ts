/**
 * The channels the stack deploys a notifier for: serverless.yml (through scripts/notifiers.ts),
 * scripts/check-template.ts, `cloud-alerts dlq`, `cloud-alerts doctor` and the emulated-AWS tier all
 * iterate this list. Not imported by anything a Lambda function bundles.
 */
import type { NotifierDeployment } from './notifiers.ts';

// Until the channel registry exists this is a literal of today's three channels, with their released
// logical ids. Once shared/notify/channels/registry.ts lands this whole literal becomes:
//   const CHANNELS = CHANNEL_PLUGINS.map((p) => ({ name: p.name, title: p.title, deploy: p.deploy }));
const CHANNELS = [
  {
    name: 'slack',
    title: 'Slack',
    deploy: {
      id: 'Slack',
      description: 'Notification requests for Slack receivers → Slack incoming webhooks',
    },
  },
  {
    name: 'pagerduty',
    title: 'PagerDuty',
    deploy: {
      id: 'PagerDuty',
      description: 'Notification requests for PagerDuty receivers → Events API v2',
      // The incidents it opened, so a resolve closes them (shared/state/incidents.ts).
      stateKeyPrefixes: ['incident#pagerduty#'],
    },
  },
  {
    name: 'email',
    title: 'e-mail',
    deploy: {
      id: 'Email',
      description: 'Notification requests for e-mail receivers → SNS Publish',
      environment: { ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' } },
    },
  },
] as const satisfies readonly NotifierDeployment[];

export type NotifierChannelName = (typeof CHANNELS)[number]['name'];
export const NOTIFIER_DEPLOYMENTS: readonly (NotifierDeployment & { readonly name: NotifierChannelName })[] =
  CHANNELS;
