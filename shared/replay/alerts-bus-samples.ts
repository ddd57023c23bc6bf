import { readFileSync } from 'node:fs';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { createAlertApp } from '../app/alert.ts';
import { recordingAlertPorts } from '../app/local-alert.ts';
import { loadConfigFile } from '../config/load.ts';
import { NOTIFICATION_REQUESTED, NotificationRequestSchema } from '../events/alert.ts';
import { deliveredEvent } from './replay.ts';

/** The event the samples come from, and the configuration and stage they are routed with. */
export const SAMPLES_SOURCE = 'events/s3/put-bucket-acl-public-read.json';
export const SAMPLES_CONFIG = 'config/cloud-alerts.yml';
export const SAMPLES_STAGE = 'dev';

/**
 * What the alerts bus would hand each notifier for SAMPLES_SOURCE: one "Notification Requested" event
 * per channel, keyed by the file it is kept in (alerts-bus/notify-<channel>.json), the input for
 * `serverless invoke local` of a notifier.
 */
export async function alertsBusSamples(): Promise<Record<string, Record<string, unknown>>> {
  const origin: unknown = JSON.parse(readFileSync(SAMPLES_SOURCE, 'utf8'));
  if (typeof origin !== 'object' || origin === null) throw new Error(`${SAMPLES_SOURCE}: not an event`);
  const config = loadConfigFile(SAMPLES_CONFIG, { stage: SAMPLES_STAGE });
  const bus: PutEventsRequestEntry[] = [];
  await createAlertApp(config, recordingAlertPorts(bus, {})).handleEvent(origin);
  const samples: Record<string, Record<string, unknown>> = {};
  for (const entry of bus) {
    if (entry.DetailType !== NOTIFICATION_REQUESTED) continue;
    const { channel } = NotificationRequestSchema.parse(JSON.parse(entry.Detail ?? 'null'));
    const file = `alerts-bus/notify-${channel}.json`;
    if (file in samples) throw new Error(`${SAMPLES_SOURCE} reaches more than one ${channel} receiver`);
    samples[file] = deliveredEvent(entry, { ...origin });
  }
  return samples;
}
