import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alarmNameFromArn } from '../../../shared/enrich/alarm.ts';
import { loadEvidenceFile, lookupUsername, parseEvidenceFile } from '../../../shared/evidence/recorded.ts';

/**
 * events/evidence.yml answers for the samples: everything it names must be in one, so the file cannot
 * rot when a sample is renamed or removed, and the answers must agree with what the samples say.
 */
const FILE = 'events/evidence.yml';
const evidence = parseEvidenceFile(readFileSync(FILE, 'utf8'), FILE);
const ports = loadEvidenceFile(FILE);

interface Sample {
  file: string;
  event: Record<string, unknown>;
  detail: Record<string, unknown>;
}

function samples(dir = 'events'): Sample[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return samples(path);
    if (!entry.name.endsWith('.json')) return [];
    const event = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    return [{ file: path, event, detail: (event.detail ?? {}) as Record<string, unknown> }];
  });
}
const all = samples();
const alarmSamples = all.filter((s) => s.event.source === 'aws.cloudwatch');
const trailSamples = all.filter((s) => typeof s.detail.eventID === 'string');

interface AlarmMetric {
  id?: string;
  expression?: string;
  metricStat?: { metric?: { namespace?: string; dimensions?: Record<string, string> } };
}
const metricsOf = (s: Sample) =>
  ((s.detail.configuration as { metrics?: AlarmMetric[] } | undefined)?.metrics ?? []) as AlarmMetric[];
const stateOf = (s: Sample) => s.detail.state as { value: string; timestamp: string };

/** The samples of one alarm that went to ALARM, by name or ARN. */
function alarmed(key: string): Sample[] {
  const name = key.startsWith('arn:') ? alarmNameFromArn(key) : key;
  return alarmSamples.filter((s) => s.detail.alarmName === name && stateOf(s).value === 'ALARM');
}

/** Query ids as GetMetricData is asked for them: an id it refuses becomes m<N>, N its position. */
const QUERY_ID = /^[a-z][a-zA-Z0-9_]{0,254}$/;
const askedIds = (s: Sample) =>
  metricsOf(s).map((m, i) => (m.id && QUERY_ID.test(m.id) ? m.id : `m${i + 1}`));

/** "2026-11-20T09:15:30.000+0000" (the alarm event's spelling) as epoch ms. */
const alarmTime = (t: string) => Date.parse(t.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));

describe(`${FILE}`, () => {
  it('loads, and records something in every section', () => {
    expect(Object.keys(evidence.metrics).length).toBeGreaterThan(0);
    expect(Object.keys(evidence.alarms).length).toBeGreaterThan(0);
    expect(Object.keys(evidence.logs).length).toBeGreaterThan(0);
    expect(Object.keys(evidence.cloudtrail).length).toBeGreaterThan(0);
  });

  it('covers the metric of every kind of alarm sample that fires: single, math, anomaly band, Metrics Insights', () => {
    for (const file of [
      'events/cloudwatch/lambda-errors-alarm.json',
      'events/cloudwatch/metric-math-alarm.json',
      'events/cloudwatch/anomaly-band-alarm.json',
      'events/cloudwatch/metrics-insights-alarm.json',
    ]) {
      const sample = alarmSamples.find((s) => s.file === file);
      expect(sample && Object.hasOwn(evidence.metrics, String(sample.detail.alarmName))).toBe(true);
    }
  });

  describe.each(Object.entries(evidence.metrics))('metrics for %s', (key, entry) => {
    it('names an alarm a sample fires, and its state change', () => {
      const fired = alarmed(key);
      expect(fired.length).toBeGreaterThan(0);
      if (entry.changed !== undefined) {
        expect(fired.map((s) => alarmTime(stateOf(s).timestamp))).toContain(Date.parse(entry.changed));
      }
    });

    it("records only the queries the alarm's samples ask for, one value per period", () => {
      const ids = new Set(alarmed(key).flatMap(askedIds));
      const childIds = (evidence.alarms[key]?.metrics ?? []).map((q) => q.id);
      for (const id of Object.keys(entry.series)) expect([...ids, ...childIds]).toContain(id);
      const lengths = Object.values(entry.series).map((s) => (Array.isArray(s) ? s.length : s.lower.length));
      expect(new Set(lengths).size).toBe(1);
    });
  });

  it("gives a composite sample's children, each as DescribeAlarms would answer", async () => {
    const composite = alarmSamples.find((s) => s.file === 'events/cloudwatch/composite-alarm.json');
    if (!composite) throw new Error('no composite alarm sample');
    const rule = String((composite.detail.configuration as { alarmRule?: string }).alarmRule);
    const children = [...rule.matchAll(/ALARM\("([^"]+)"\)/g)].map((m) => m[1] as string);
    expect(Object.keys(evidence.alarms).sort()).toEqual([...children].sort());
    const answer = await ports.alarmStates?.({ region: 'eu-west-1', names: children });
    // The child that triggered the composite is in ALARM, and its metric is recorded to chart it.
    const triggering = JSON.parse(String((composite.detail.state as { reasonData: string }).reasonData))
      .triggeringAlarms as Array<{ arn: string }>;
    const first = alarmNameFromArn(triggering[0]?.arn ?? '');
    expect(answer?.find((a) => a.name === first)).toMatchObject({ state: 'ALARM', kind: 'metric' });
    expect(Object.hasOwn(evidence.metrics, first ?? '')).toBe(true);
    for (const [name, child] of Object.entries(evidence.alarms)) {
      // A child that is a sample's alarm too has the metric that sample shows.
      const own = alarmed(name)[0];
      if (own && child.metrics) expect(child.metrics.map((q) => q.id)).toEqual(askedIds(own));
    }
  });

  it.each(Object.keys(evidence.logs))(
    '%s is the log group of a Lambda function a sample alarm watches',
    (group) => {
      const functions = alarmSamples.flatMap((s) =>
        metricsOf(s)
          .filter((m) => m.metricStat?.metric?.namespace === 'AWS/Lambda')
          .map((m) => m.metricStat?.metric?.dimensions?.FunctionName),
      );
      expect(functions.map((f) => `/aws/lambda/${f}`)).toContain(group);
    },
  );

  it("agrees with the alarm: the function's failed invocations per minute are the Errors the metric recorded", () => {
    const events = evidence.logs['/aws/lambda/example-orders-api'] ?? [];
    const failed = new Map<number, number>();
    for (const e of events) {
      // A failed invocation: the runtime's Invoke Error (text or JSON format) or a timeout.
      if (!/"errorType"|Task timed out/.test(e.message)) continue;
      const minute = Math.floor(Date.parse(e.at) / 60_000) * 60_000;
      failed.set(minute, (failed.get(minute) ?? 0) + 1);
    }
    const series = evidence.metrics['example-orders-api-errors']?.series.m1;
    const changed = Date.parse(evidence.metrics['example-orders-api-errors']?.changed ?? '');
    if (!Array.isArray(series)) throw new Error('no Errors series');
    const last = Math.floor(changed / 60_000) * 60_000;
    series.forEach((value, i) => {
      const minute = last - (series.length - 1 - i) * 60_000;
      expect([minute, failed.get(minute) ?? 0]).toEqual([minute, value ?? 0]);
    });
  });

  it('holds the hostile log line replay must render inert: a mention, a forged line, an access key id', () => {
    const hostile = (evidence.logs['/aws/lambda/example-orders-api'] ?? []).find((e) =>
      e.message.includes('<!channel>'),
    );
    expect(hostile?.message).toMatch(/AKIA[0-9A-Z]{16}/);
    expect(hostile?.message.trimEnd()).toContain('\n');
  });

  describe.each(Object.entries(evidence.cloudtrail))('cloudtrail under %s', (key, records) => {
    it('names a resource or user a sample names', () => {
      const named = trailSamples.some((s) => {
        const params = (s.detail.requestParameters ?? {}) as Record<string, unknown>;
        return Object.values(params).includes(key) || lookupUsername(s.detail) === key;
      });
      expect(named).toBe(true);
    });

    it("keeps a sample's record exactly as the sample has it", () => {
      for (const record of records) {
        const sample = trailSamples.find((s) => s.detail.eventID === record.eventID);
        if (sample) expect(record).toEqual(sample.detail);
      }
    });
  });

  it('tells the bucket made public that it was created 4 minutes earlier by the same user', async () => {
    const sample = trailSamples.find((s) => s.file === 'events/s3/put-bucket-policy-public-new-bucket.json');
    const detail = sample?.detail as { eventTime: string; requestParameters: { bucketName: string } };
    const now = Date.parse(detail.eventTime);
    const answer = await ports.trailLookup?.({
      region: 'eu-west-1',
      attribute: { key: 'ResourceName', value: detail.requestParameters.bucketName },
      startMs: now - 86_400_000,
      endMs: now,
      maxResults: 50,
    });
    expect(
      answer?.events.map((e) => [e.eventName, e.username, Math.round((now - e.timeMs) / 60_000)]),
    ).toEqual([['CreateBucket', lookupUsername(sample?.detail ?? {}), 4]]);
    // The same user's older call, unrelated to the bucket, is a read.
    const byUser = await ports.trailLookup?.({
      region: 'eu-west-1',
      attribute: { key: 'Username', value: 'alice' },
      startMs: now - 86_400_000,
      endMs: now,
      maxResults: 50,
    });
    expect(byUser?.events.map((e) => [e.eventName, e.readOnly])).toEqual([
      ['CreateBucket', false],
      ['ListBuckets', true],
    ]);
  });
});
