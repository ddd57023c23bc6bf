import { detectCloudTrail } from '../../../shared/detect/catalog.ts';
import { cloudTrailAlert } from '../../../shared/enrich/cloudtrail.ts';
import type { Alert } from '../../../shared/events/alert.ts';
import { cloudTrailDetail, detailOf, envelopeOf, loadEvent } from '../../helpers/events.ts';

/**
 * What a responder reads for a sample: detect, then enrich, exactly as the alert function does.
 * `edit` changes the sample's CloudTrail detail (a fresh clone) before it is parsed.
 */
export function alertsFor(relPath: string, edit?: (detail: Record<string, unknown>) => void): Alert[] {
  const event = loadEvent(relPath);
  if (edit) edit(detailOf(event));
  const envelope = envelopeOf(event);
  const record = cloudTrailDetail(event);
  const { findings, errors } = detectCloudTrail(record, {
    account: envelope.account,
    region: envelope.region,
  });
  if (errors.length > 0) throw new Error(`rules failed on ${relPath}: ${errors.join('; ')}`);
  return findings.map((f) => cloudTrailAlert(envelope, record, f, {}));
}

/** The single alert a sample raises; fails the test when it raises none or several. */
export function alertFor(relPath: string, edit?: (detail: Record<string, unknown>) => void): Alert {
  const alerts = alertsFor(relPath, edit);
  if (alerts.length !== 1)
    throw new Error(`${relPath} raised ${alerts.length} alerts: ${alerts.map((a) => a.ruleId).join(', ')}`);
  const [alert] = alerts;
  if (!alert) throw new Error('unreachable');
  return alert;
}

export function fact(alert: Alert, label: string): string | undefined {
  return alert.facts.find((f) => f.label === label)?.value;
}
