import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CloudTrailRecord, CloudTrailRecordSchema } from '../../shared/events/cloudtrail.ts';
import { type Envelope, EnvelopeSchema } from '../../shared/events/envelope.ts';

/** The repo's `events/` directory, found from this file so tests do not depend on the working directory. */
export const EVENTS_DIR = fileURLToPath(new URL('../../events/', import.meta.url));

const cache = new Map<string, Record<string, unknown>>();

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A sample event from `events/<relPath>`, deep-cloned on every call so a test may mutate it freely
 * without leaking into the next one.
 */
export function loadEvent(relPath: string): Record<string, unknown> {
  let parsed = cache.get(relPath);
  if (!parsed) {
    const raw: unknown = JSON.parse(readFileSync(join(EVENTS_DIR, relPath), 'utf8'));
    if (!isRecord(raw)) throw new Error(`events/${relPath} is not a JSON object`);
    parsed = raw;
    cache.set(relPath, parsed);
  }
  return structuredClone(parsed);
}

/** The CloudTrail record inside an EventBridge event, parsed the way the pipeline parses it. */
export function cloudTrailDetail(event: Record<string, unknown>): CloudTrailRecord {
  return CloudTrailRecordSchema.parse(event.detail);
}

/** The `detail` object of a loaded event, for tests that edit it in place. */
export function detailOf(event: Record<string, unknown>): Record<string, unknown> {
  const detail = event.detail;
  if (!isRecord(detail)) throw new Error('event.detail is not an object');
  return detail;
}

/** The EventBridge envelope of a loaded event, parsed the way the pipeline parses it. */
export function envelopeOf(event: Record<string, unknown>): Envelope {
  return EnvelopeSchema.parse(event);
}

/** The event EventBridge hands a notifier for one notification request on the alerts bus. */
export function notificationEvent(detail: unknown, id = 'eb-test'): Record<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': 'Notification Requested',
    source: 'cloud-alerts',
    account: '123456789012',
    time: '2026-11-24T03:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  };
}
