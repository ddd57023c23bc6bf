import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { createAlertApp } from '../../../shared/app/alert.ts';
import { recordingAlertPorts } from '../../../shared/app/local-alert.ts';
import { loadConfigFile } from '../../../shared/config/load.ts';
import type { Config } from '../../../shared/config/schema.ts';
import { ALERT_RAISED, type Alert } from '../../../shared/events/alert.ts';
import {
  type EvidencePorts,
  EvidenceReadError,
  type LogEventsPort,
  type MetricDataPort,
  type TrailLookupPort,
} from '../../../shared/evidence/ports.ts';
import type { LogPort } from '../../../shared/pipeline/logger.ts';
import { ABORT_GRACE_MS } from '../../../shared/stages/evidence.ts';
import { loadEvent } from '../../helpers/events.ts';

const shipped = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });
const OWN = '123456789012';

interface Logged {
  level: string;
  message: string;
  extra?: unknown;
}

function logger(into: Logged[]): LogPort {
  const at =
    (level: string) =>
    (message: string, extra?: unknown): void => {
      into.push({ level, message, extra });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as LogPort;
}

/** Runs one event through the alert application with these ports; the raised alerts, as published. */
async function raise(
  event: unknown,
  evidence: EvidencePorts | undefined,
  opts: { config?: Config; ownAccount?: string; logs?: Logged[] } = {},
): Promise<Alert[]> {
  const bus: PutEventsRequestEntry[] = [];
  const ports = recordingAlertPorts(bus, { logger: logger(opts.logs ?? []) });
  const app = createAlertApp(opts.config ?? shipped, {
    ...ports,
    ...(evidence ? { evidence } : {}),
    alarms: { ...ports.alarms, ownAccount: opts.ownAccount ?? OWN },
  });
  await app.handleEvent(event);
  return bus.filter((e) => e.DetailType === ALERT_RAISED).map((e) => JSON.parse(e.Detail ?? '{}') as Alert);
}

const ALARM = 'cloudwatch/lambda-errors-alarm.json';

const metricData: MetricDataPort = async (req) => {
  const q = req.queries.find((x) => x.returnData);
  const period = (q?.metricStat?.period ?? 60) * 1000;
  const values = [0, 0, 1, 2, 7];
  return [
    {
      id: q?.id ?? 'm1',
      timestamps: values.map((_, i) => req.endMs - (values.length - i) * period),
      values,
    },
  ];
};

const logLine = (ms: number, text: string) => ({
  timestamp: ms,
  message: `${new Date(ms).toISOString()}\t3f0c2c2a-1b2c-4d5e-8f90-123456789abc\tERROR\t${text}`,
});

const logEvents: LogEventsPort = async (req) => ({
  events: [
    logLine(req.endMs - 60_000, 'Invoke Error \t{"errorType":"TypeError","errorMessage":"boom"}'),
    logLine(req.endMs - 50_000, 'Invoke Error \t{"errorType":"TypeError","errorMessage":"boom"}'),
  ],
  truncated: false,
  bytesRead: 200,
  pages: 1,
});

/** A read that answers only when its deadline aborts it: with what it had read, as a port may. */
function untilAborted<T>(answer: T): (req: { signal?: AbortSignal | undefined }) => Promise<T> {
  return (req) =>
    new Promise<T>((resolve) => {
      req.signal?.addEventListener('abort', () => resolve(answer), { once: true });
    });
}

/** A read that never answers, whatever its signal says. */
const never = () => new Promise<never>(() => {});

describe('the evidence stage', () => {
  it('puts the metric, then the errors, into an alarm in ALARM, and the links after the alarm’s own', async () => {
    const [alert] = await raise(loadEvent(ALARM), { metricData, logEvents });
    expect(alert?.evidence?.map((e) => e.kind)).toEqual(['metric', 'logs']);
    expect(alert?.evidence?.[1]?.lines.join('\n')).toMatch(/^2× .*TypeError: boom/m);
    const texts = alert?.links.map((l) => l.text) ?? [];
    expect(texts[0]).toMatch(/alarm/i);
    expect(texts.some((t) => /Logs Insights/.test(t))).toBe(true);
    expect(new Set(alert?.links.map((l) => l.url)).size).toBe(alert?.links.length);
  });

  it('reads nothing for an OK, a disabled config, or no ports, and the alert is as it was', async () => {
    const calls: string[] = [];
    const counting: EvidencePorts = {
      metricData: async (r) => {
        calls.push('metric');
        return metricData(r);
      },
    };
    const [ok] = await raise(loadEvent('cloudwatch/lambda-errors-ok.json'), counting);
    expect(ok?.evidence).toBeUndefined();
    const off = { ...shipped, evidence: { ...shipped.evidence, enabled: false } };
    const [disabled] = await raise(loadEvent(ALARM), counting, { config: off });
    expect(disabled?.evidence).toBeUndefined();
    const [bare] = await raise(loadEvent(ALARM), undefined);
    expect(bare?.evidence).toBeUndefined();
    expect(calls).toEqual([]);
    expect(JSON.stringify(bare)).toBe(JSON.stringify(disabled));
  });

  it('goes out at the deadline with what was read: an aborted read hands over its part, one that ignores the abort is left', async () => {
    const config = { ...shipped, evidence: { ...shipped.evidence, timeoutMs: 200 } };
    const logs: Logged[] = [];
    const started = Date.now();
    const [alert] = await raise(
      loadEvent(ALARM),
      {
        metricData: never,
        logEvents: untilAborted({
          events: [
            logLine(
              Date.parse('2026-11-20T09:14:00Z'),
              'Invoke Error \t{"errorType":"RangeError","errorMessage":"late"}',
            ),
          ],
          truncated: true,
          bytesRead: 90,
          pages: 1,
        }),
      },
      { config, logs },
    );
    const took = Date.now() - started;
    expect(took).toBeLessThan(200 + ABORT_GRACE_MS + 1500);
    expect(alert?.evidence?.map((e) => e.kind)).toEqual(['logs']);
    expect(alert?.evidence?.[0]?.lines.join('\n')).toMatch(/RangeError: late/);
    expect(logs.find((l) => /deadline passed/.test(l.message))?.extra).toMatchObject({
      notRead: ['metric'],
      timeoutMs: 200,
    });
  });

  it('a failing read costs only its own section', async () => {
    const logs: Logged[] = [];
    const [alert] = await raise(
      loadEvent(ALARM),
      {
        metricData,
        logEvents: async () => {
          throw new EvidenceReadError('denied', 'AccessDeniedException: not authorized');
        },
      },
      { logs },
    );
    expect(alert?.evidence?.map((e) => e.kind)).toEqual(['metric']);
    expect(alert?.status).toBe('firing');
    expect(logs.filter((l) => l.level === 'warn').map((l) => JSON.stringify(l))).toEqual([
      expect.stringMatching(/denied/),
    ]);
  });

  it('reads nothing for an alarm or a CloudTrail record of another account', async () => {
    const calls: string[] = [];
    const ports: EvidencePorts = {
      metricData: async (r) => {
        calls.push('metric');
        return metricData(r);
      },
      trailLookup: async () => {
        calls.push('history');
        return { events: [] };
      },
    };
    const [alarm] = await raise(loadEvent(ALARM), ports, { ownAccount: '999999999999' });
    const [change] = await raise(loadEvent('s3/put-bucket-policy-public-new-bucket.json'), ports, {
      ownAccount: '999999999999',
    });
    expect(alarm?.evidence).toBeUndefined();
    expect(change?.evidence).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('reads nothing for an alarm on a source account’s metric (cross-account observability)', async () => {
    const calls: string[] = [];
    const event = loadEvent(ALARM) as {
      detail: { configuration: { metrics: Array<Record<string, unknown>> } };
    };
    const [metric] = event.detail.configuration.metrics;
    if (metric) metric.accountId = '444455556666';
    const [alert] = await raise(event, {
      metricData: async (r) => {
        calls.push('metric');
        return metricData(r);
      },
      logEvents: async (r) => {
        calls.push('logs');
        return logEvents(r);
      },
    });
    expect(alert?.evidence).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('gives a public-bucket change the bucket’s history', async () => {
    const event = loadEvent('s3/put-bucket-policy-public-new-bucket.json') as {
      time: string;
      detail: Record<string, unknown>;
    };
    const createdAt = Date.parse(event.time) - 4 * 60_000;
    const trailLookup: TrailLookupPort = async () => ({
      events: [
        {
          eventId: 'c0ffee00-1111-4222-8333-444455556666',
          eventName: 'CreateBucket',
          eventSource: 's3.amazonaws.com',
          timeMs: createdAt,
          readOnly: false,
          record: {
            ...event.detail,
            eventName: 'CreateBucket',
            eventID: 'c0ffee00-1111-4222-8333-444455556666',
            eventTime: new Date(createdAt).toISOString(),
          },
        },
      ],
    });
    const [alert] = await raise(event, { trailLookup });
    expect(alert?.evidence?.map((e) => e.kind)).toEqual(['history']);
    expect(alert?.evidence?.[0]?.lines[0]).toMatch(
      /Created 4 minutes earlier by the same user \(CreateBucket\)/,
    );
  });
});
