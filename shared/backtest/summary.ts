import { isRecord } from '../detect/values.ts';
import type { ReplayNotification, ReplayResult } from '../replay/replay.ts';
import { BoundedCounter } from './counter.ts';
import { actorOfIdentity, type PartTotals } from './reader.ts';

/** Everything a backtest found, as `--json` prints it. Every string from the logs is untrusted. */
export interface BacktestSummary {
  files: { read: number; failed: number };
  records: {
    read: number;
    /** Records that reached the alert function (matched at least one serverless.yml rule). */
    matched: number;
    malformed: number;
  };
  /** Earliest and latest event time seen (EventBridge `time`, i.e. CloudTrail eventTime). */
  timeRange: { first: string; last: string } | null;
  /** serverless.yml rule name → records it matched. */
  matchedByRule: Record<string, number>;
  alerts: {
    total: number;
    byRule: Array<{ rule: string; severity: string; status: string; count: number }>;
  };
  notifications: {
    total: number;
    byReceiver: Array<{ channel: string; receiver: string; count: number }>;
  };
  suppressed: {
    total: number;
    byKind: Record<string, number>;
    /** One row per allow-list entry / silence / window, as the stage words its reason. */
    byEntry: Array<{ kind: string; rule: string; reason: string; count: number }>;
  };
  actors: {
    /** Callers with the most records. */
    busiest: Array<{ actor: string; records: number; alerts: number }>;
    /** Callers behind the most alerts. */
    noisiest: Array<{ actor: string; alerts: number; records: number }>;
    /** True when there were too many distinct callers to count exactly (counts are lower bounds). */
    approximate: boolean;
  };
  /** Alerts per catalog rule per time bucket (UTC), oldest first. */
  timeline: { bucket: 'hour' | 'day'; series: Array<{ rule: string; points: Array<[string, number]> }> };
  errors: {
    total: number;
    /** Files that could not be read to the end (unreadable, not gzip, truncated, not JSON). */
    files: Array<{ file: string; error: string; recordsBefore: number }>;
    /** Records that were not JSON objects, not events, or that the alert function rejected. */
    records: Array<{ reason: string; count: number; example: string }>;
    /** Entries beyond the listing limits (still counted in total). */
    unlisted: number;
  };
}

/** The first alert of each rule + severity + status, with exactly what each channel would get. */
export interface AlertPreview {
  rule: string;
  severity: string;
  status: string;
  title: string;
  summary: string;
  verdict: string | null;
  source: string;
  count: number;
  notifications: ReplayNotification[];
}

const TOP_ACTORS = 15;
const MAX_LISTED_FILE_ERRORS = 100;
const MAX_RECORD_ERROR_KINDS = 50;
/** Beyond about ten days of hourly bars a chart is unreadable; switch to days. */
const MAX_HOURLY_POINTS = 240;

/** Who made the call, as CloudTrail names them; undefined for events with no caller (alarms). */
export function actorOf(event: Record<string, unknown>): string | undefined {
  const detail = event.detail;
  if (!isRecord(detail) || !isRecord(detail.userIdentity)) return undefined;
  return actorOfIdentity(detail.userIdentity);
}

/** One kind of alert: the rows of the summary and the previews are kept per kind. */
function previewKey(a: { rule: string; severity: string; status: string }): string {
  return `${a.rule}\u0000${a.severity}\u0000${a.status}`;
}

export class SummaryBuilder {
  private filesRead = 0;
  private filesFailed = 0;
  private recordsRead = 0;
  private recordsMatched = 0;
  private malformed = 0;
  private first: string | undefined;
  private last: string | undefined;
  private readonly matchedByRule = new Map<string, number>();
  private readonly alertsByRule = new Map<
    string,
    { rule: string; severity: string; status: string; count: number }
  >();
  private alertsTotal = 0;
  private readonly byReceiver = new Map<string, { channel: string; receiver: string; count: number }>();
  private notificationsTotal = 0;
  private suppressedTotal = 0;
  private readonly suppressedByKind = new Map<string, number>();
  private readonly suppressedEntries = new BoundedCounter(2_000);
  private readonly actorRecords = new BoundedCounter(10_000);
  private readonly actorAlerts = new BoundedCounter(10_000);
  /** rule → hour ("2026-11-16T08") → alerts. */
  private readonly hourly = new Map<string, Map<string, number>>();
  private readonly fileErrors: BacktestSummary['errors']['files'] = [];
  private readonly recordErrors = new Map<string, { count: number; example: string }>();
  private unlisted = 0;
  private readonly previews = new Map<string, AlertPreview>();

  fileDone(): void {
    this.filesRead++;
  }

  fileFailed(file: string, error: string, recordsBefore: number): void {
    this.filesFailed++;
    if (this.fileErrors.length < MAX_LISTED_FILE_ERRORS) this.fileErrors.push({ file, error, recordsBefore });
    else this.unlisted++;
  }

  recordFailed(reason: string, source: string): void {
    this.malformed++;
    const seen = this.recordErrors.get(reason);
    if (seen) seen.count++;
    else if (this.recordErrors.size < MAX_RECORD_ERROR_KINDS)
      this.recordErrors.set(reason, { count: 1, example: source });
    else this.unlisted++;
  }

  /** The well-formed records of one object, matched or not (shared/backtest/reader.ts). */
  records(part: PartTotals): void {
    this.recordsRead += part.records;
    if (part.first !== undefined && (this.first === undefined || part.first < this.first))
      this.first = part.first;
    if (part.last !== undefined && (this.last === undefined || part.last > this.last)) this.last = part.last;
    for (const [actor, n] of part.actors) this.actorRecords.add(actor, n);
    if (part.actorsApproximate) this.actorRecords.approximate = true;
  }

  /** What the pipeline made of a record that matched a rule. */
  result(event: Record<string, unknown>, r: ReplayResult): void {
    if (r.error) {
      this.recordFailed(`rejected by the alert function: ${r.error}`, r.source);
      return;
    }
    if (r.matchedRules.length > 0) this.recordsMatched++;
    for (const rule of r.matchedRules) this.matchedByRule.set(rule, (this.matchedByRule.get(rule) ?? 0) + 1);
    const actor = actorOf(event);
    const hour = typeof event.time === 'string' ? event.time.slice(0, 13) : 'unknown';
    for (const a of r.alerts) {
      this.alertsTotal++;
      const key = previewKey(a);
      const row = this.alertsByRule.get(key);
      if (row) row.count++;
      else this.alertsByRule.set(key, { rule: a.rule, severity: a.severity, status: a.status, count: 1 });
      if (actor !== undefined) this.actorAlerts.add(actor);
      let series = this.hourly.get(a.rule);
      if (!series) {
        series = new Map();
        this.hourly.set(a.rule, series);
      }
      series.set(hour, (series.get(hour) ?? 0) + 1);
      const preview = this.previews.get(key);
      if (preview) preview.count++;
      else {
        this.previews.set(key, {
          ...a,
          source: r.source,
          count: 1,
          notifications: r.notifications.filter((n) => n.body !== null),
        });
      }
    }
    for (const n of r.notifications) {
      this.notificationsTotal++;
      const key = `${n.channel}\u0000${n.receiver}`;
      const row = this.byReceiver.get(key);
      if (row) row.count++;
      else this.byReceiver.set(key, { channel: n.channel, receiver: n.receiver, count: 1 });
    }
    for (const s of r.suppressed) {
      this.suppressedTotal++;
      this.suppressedByKind.set(s.kind, (this.suppressedByKind.get(s.kind) ?? 0) + 1);
      this.suppressedEntries.add(JSON.stringify([s.kind, s.rule, s.reason]));
    }
  }

  /** Whether an alert of this rule, severity and status has its preview already. */
  hasPreview(a: { rule: string; severity: string; status: string }): boolean {
    return this.previews.has(previewKey(a));
  }

  alertPreviews(): AlertPreview[] {
    return [...this.previews.values()].sort(
      (a, b) => a.rule.localeCompare(b.rule) || a.severity.localeCompare(b.severity),
    );
  }

  summary(): BacktestSummary {
    const sortRows = <T extends { count: number }>(rows: Iterable<T>, key: (t: T) => string): T[] =>
      [...rows].sort((a, b) => b.count - a.count || key(a).localeCompare(key(b)));
    const entries = this.suppressedEntries.top().map(([k, count]) => {
      const parsed: unknown = JSON.parse(k);
      const [kind, rule, reason] = Array.isArray(parsed) ? parsed.map(String) : [];
      return { kind: kind ?? '?', rule: rule ?? '?', reason: reason ?? '?', count };
    });
    const recordErrors = [...this.recordErrors].map(([reason, v]) => ({ reason, ...v }));
    return {
      files: { read: this.filesRead, failed: this.filesFailed },
      records: { read: this.recordsRead, matched: this.recordsMatched, malformed: this.malformed },
      timeRange:
        this.first !== undefined && this.last !== undefined ? { first: this.first, last: this.last } : null,
      matchedByRule: Object.fromEntries(
        [...this.matchedByRule].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
      ),
      alerts: {
        total: this.alertsTotal,
        byRule: sortRows(this.alertsByRule.values(), (r) => `${r.rule} ${r.severity}`),
      },
      notifications: {
        total: this.notificationsTotal,
        byReceiver: sortRows(this.byReceiver.values(), (r) => `${r.channel} ${r.receiver}`),
      },
      suppressed: {
        total: this.suppressedTotal,
        byKind: Object.fromEntries([...this.suppressedByKind].sort((a, b) => b[1] - a[1])),
        byEntry: entries,
      },
      actors: {
        busiest: this.actorRecords
          .top(TOP_ACTORS)
          .map(([actor, records]) => ({ actor, records, alerts: this.actorAlerts.get(actor) })),
        noisiest: this.actorAlerts
          .top(TOP_ACTORS)
          .map(([actor, alerts]) => ({ actor, alerts, records: this.actorRecords.get(actor) })),
        approximate: this.actorRecords.approximate || this.actorAlerts.approximate,
      },
      timeline: this.timeline(),
      errors: {
        total: this.filesFailed + this.malformed,
        files: this.fileErrors,
        records: recordErrors.sort((a, b) => b.count - a.count),
        unlisted: this.unlisted,
      },
    };
  }

  private timeline(): BacktestSummary['timeline'] {
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const s of this.hourly.values()) {
      for (const h of s.keys()) {
        const t = Date.parse(`${h}:00:00Z`);
        if (Number.isFinite(t)) {
          first = Math.min(first, t);
          last = Math.max(last, t);
        }
      }
    }
    const bucket = (last - first) / 3_600_000 >= MAX_HOURLY_POINTS ? 'day' : 'hour';
    const series = [...this.hourly]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([rule, points]) => {
        const merged = new Map<string, number>();
        for (const [h, n] of points) {
          const k = bucket === 'day' ? h.slice(0, 10) : h;
          merged.set(k, (merged.get(k) ?? 0) + n);
        }
        return { rule, points: [...merged].sort((a, b) => a[0].localeCompare(b[0])) };
      });
    return { bucket, series };
  }
}
