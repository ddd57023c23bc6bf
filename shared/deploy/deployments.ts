/**
 * The channels the stack deploys a notifier for: serverless.yml (through scripts/notifiers.ts),
 * scripts/check-template.ts, `cloud-alerts dlq`, `cloud-alerts doctor` and the emulated-AWS tier all
 * iterate this list, which is the channel registry's. Not imported by anything a Lambda function
 * bundles (the registry holds every channel's code).
 */
import { CHANNEL_PLUGINS, type Channel } from '../notify/channels/registry.ts';
import type { NotifierDeployment } from './notifiers.ts';

export type NotifierChannelName = Channel;
export const NOTIFIER_DEPLOYMENTS: readonly (NotifierDeployment & { readonly name: NotifierChannelName })[] =
  CHANNEL_PLUGINS.map((p) => ({ name: p.name, title: p.title, deploy: p.deploy }));
