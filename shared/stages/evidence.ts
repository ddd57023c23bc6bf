import { alarmArnAccount } from '../alarms/lookup.ts';
import type { EvidenceConfig } from '../config/evidence.ts';
import { isRecord } from '../detect/values.ts';
import { ALARM_RULE_ID, alarmArnOf } from '../enrich/alarm.ts';
import { AlarmDetailSchema } from '../events/alarm.ts';
import { type Alert, EVIDENCE_KINDS, type Evidence, type Link } from '../events/alert.ts';
import { resourceHistoryEvidence } from '../evidence/history.ts';
import { alarmLogEvidence } from '../evidence/logs.ts';
import { alarmMetricEvidence } from '../evidence/metric.ts';
import { type EvidencePorts, type EvidenceResult, NO_EVIDENCE } from '../evidence/ports.ts';
import type { AlertStage, StageContext } from '../pipeline/stages.ts';

export interface EvidenceStageOptions {
  ports: EvidencePorts;
  /**
   * The account the function runs in: evidence is read with its own credentials, so an alarm or a
   * CloudTrail record of another account (an organisation's member) gets none rather than the
   * metrics, logs or history of a namesake here.
   */
  ownAccount?: string | undefined;
  /** Epoch ms; the deadline runs on setTimeout whatever this says. */
  now?: () => number;
}

/** How long after the deadline a read may still hand over what it read before it was aborted. */
export const ABORT_GRACE_MS = 100;

/** One read that may add evidence to one alert. */
interface Read {
  name: string;
  run(signal: AbortSignal): Promise<EvidenceResult>;
}

function isForeign(account: string | undefined, own: string | undefined): boolean {
  return own !== undefined && account !== undefined && account !== own;
}

/** The reads an alert gets: metric and logs for an alarm in ALARM, history for a CloudTrail change. */
function readsFor(
  alert: Alert,
  ctx: StageContext,
  options: EvidenceStageOptions,
  config: EvidenceConfig,
  now: number,
): Read[] {
  const { ports } = options;
  const logger = ctx.logger;
  if (alert.kind === 'alarm' && alert.ruleId === ALARM_RULE_ID && alert.status === 'firing') {
    const parsed = AlarmDetailSchema.safeParse(ctx.envelope.detail);
    if (!parsed.success || parsed.data.state.value !== 'ALARM') return [];
    const detail = parsed.data;
    const arn = alarmArnOf(ctx.envelope, detail);
    // An ARN whose account cannot be read falls back to the envelope's, which EventBridge sets.
    if (isForeign(alarmArnAccount(arn)?.account ?? ctx.envelope.account, options.ownAccount)) {
      logger.info('alarm in another account: no evidence read', { alertId: alert.id, alarmArn: arn });
      return [];
    }
    // Cross-account observability: a query of a source account's metric (its `accountId`) would be
    // read here as this account's namesake, and so would that function's logs. None is read.
    const sourceAccount = (detail.configuration?.metrics ?? [])
      .map((m) => (m as { accountId?: unknown }).accountId)
      .find((id) => typeof id === 'string' && id !== options.ownAccount);
    if (sourceAccount !== undefined) {
      logger.info('alarm on another account’s metric: no evidence read', {
        alertId: alert.id,
        alarmArn: arn,
      });
      return [];
    }
    const region = arn.split(':')[3] || alert.region;
    const input = { alert, detail, region, now, logger };
    const reads: Read[] = [
      {
        name: 'metric',
        run: (signal) => alarmMetricEvidence({ ...input, signal }, ports, config.metric),
      },
    ];
    if (config.logs.enabled)
      reads.push({
        name: 'logs',
        run: (signal) => alarmLogEvidence({ ...input, signal }, ports, config.logs),
      });
    return reads;
  }
  if (alert.kind === 'cloudtrail' && config.history.enabled) {
    if (isForeign(alert.account.id, options.ownAccount)) return [];
    const record = isRecord(ctx.envelope.detail) ? ctx.envelope.detail : undefined;
    return [
      {
        name: 'history',
        run: (signal) =>
          resourceHistoryEvidence(
            { alert, region: alert.region, now, logger, signal, cloudTrailRecord: record },
            ports,
            config.history,
          ),
      },
    ];
  }
  return [];
}

/** Sections in the order a person reads them: what the metric did, why, then who else touched it. */
function byKind(a: Evidence, b: Evidence): number {
  return EVIDENCE_KINDS.indexOf(a.kind) - EVIDENCE_KINDS.indexOf(b.kind);
}

function withEvidence(alert: Alert, results: EvidenceResult[]): Alert {
  const evidence = results.flatMap((r) => r.evidence).sort(byKind);
  const known = new Set(alert.links.map((l) => l.url));
  const links: Link[] = [];
  for (const link of results.flatMap((r) => r.links)) {
    if (known.has(link.url)) continue;
    known.add(link.url);
    links.push(link);
  }
  if (evidence.length === 0 && links.length === 0) return alert;
  return {
    ...alert,
    ...(evidence.length > 0 ? { evidence: [...(alert.evidence ?? []), ...evidence] } : {}),
    links: [...alert.links, ...links],
  };
}

/**
 * Evidence in the alert (docs/evidence.md): the alarm's metric over its last periods, the errors in
 * the failing function's logs, who else changed the resource. It runs last, on the alerts that are
 * going out, so a silenced, repeated or grouped alert costs no read. All of an alert's reads run at
 * once under one deadline (`evidence.timeoutMs`); a read still running then is aborted and the alert
 * goes out with what was read. A failed read never holds back or fails the alert.
 */
export function createEvidenceStage(options: EvidenceStageOptions): AlertStage {
  const clock = options.now ?? Date.now;

  async function enrich(alert: Alert, ctx: StageContext): Promise<Alert> {
    const config = ctx.config.evidence;
    const reads = readsFor(alert, ctx, options, config, clock());
    if (reads.length === 0) return alert;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`evidence deadline of ${config.timeoutMs} ms passed`));
        resolve('deadline');
      }, config.timeoutMs);
    });
    const done: Array<EvidenceResult | undefined> = reads.map(() => undefined);
    let closed = false;
    const settled = Promise.all(
      reads.map((read, i) =>
        read.run(controller.signal).then(
          (result) => {
            // A read that answers once the alert is gone is not used.
            if (!closed) done[i] = result;
          },
          (err: unknown) => {
            ctx.logger.warn('evidence read failed; the alert goes out without it', {
              alertId: alert.id,
              read: read.name,
              error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
            });
          },
        ),
      ),
    );
    const outcome = await Promise.race([settled.then(() => 'read' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      // Aborted, a builder returns what it had read (a page of logs, the metric without its band):
      // a moment to hand it over, then the alert goes.
      await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, ABORT_GRACE_MS))]);
      closed = true;
      ctx.logger.info('evidence deadline passed; the alert goes out with what was read', {
        alertId: alert.id,
        timeoutMs: config.timeoutMs,
        notRead: reads.filter((_, i) => done[i] === undefined).map((r) => r.name),
      });
    }
    return withEvidence(
      alert,
      done.map((r) => r ?? NO_EVIDENCE),
    );
  }

  return {
    name: 'evidence',
    async run(alerts, ctx) {
      // No port (replay without --evidence, `routes test`): nothing to read.
      if (!ctx.config.evidence.enabled || !Object.values(options.ports).some(Boolean))
        return { alerts, suppressed: [] };
      return { alerts: await Promise.all(alerts.map((a) => enrich(a, ctx))), suppressed: [] };
    },
  };
}
