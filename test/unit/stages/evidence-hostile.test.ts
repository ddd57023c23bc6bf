import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { createAlertApp } from '../../../shared/app/alert.ts';
import { recordingAlertPorts } from '../../../shared/app/local-alert.ts';
import { loadConfigFile } from '../../../shared/config/load.ts';
import type { Config } from '../../../shared/config/schema.ts';
import { ALERT_RAISED, type Alert } from '../../../shared/events/alert.ts';
import type { EvidencePorts, LogEventsPort } from '../../../shared/evidence/ports.ts';
import { ABORT_GRACE_MS } from '../../../shared/stages/evidence.ts';
import { loadEvent } from '../../helpers/events.ts';

// Hostile log text against the evidence stage's deadline and its masking (found in review of issue 20).

const shipped = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });
const ALARM = 'cloudwatch/lambda-errors-alarm.json';

async function raise(event: unknown, evidence: EvidencePorts, config: Config = shipped): Promise<Alert[]> {
  const bus: PutEventsRequestEntry[] = [];
  const ports = recordingAlertPorts(bus, {});
  const app = createAlertApp(config, {
    ...ports,
    evidence,
    alarms: { ...ports.alarms, ownAccount: '123456789012' },
  });
  await app.handleEvent(event);
  return bus.filter((e) => e.DetailType === ALERT_RAISED).map((e) => JSON.parse(e.Detail ?? '{}') as Alert);
}

function answering(messages: string[]): LogEventsPort {
  return async (req) => ({
    events: messages.map((message, i) => ({ timestamp: req.endMs - 60_000 + i, message })),
    truncated: false,
    bytesRead: messages.reduce((n, m) => n + m.length, 0),
    pages: 1,
  });
}

describe('evidence under hostile log text', () => {
  it('keeps the alert within evidence.timeoutMs when one page of log lines (the default 1 MB) is costly to mask', async () => {
    // Anyone whose input reaches a function's error log writes these lines; the read returns at once,
    // so every millisecond past the deadline is the builder's synchronous work, which no timer can cut.
    const messages: string[] = [];
    let bytes = 0;
    for (let i = 0; bytes < 1024 * 1024; i++) {
      const m = `ERROR ${'pwd'.repeat(663)}${i}`;
      messages.push(m);
      bytes += m.length;
    }
    const config = { ...shipped, evidence: { ...shipped.evidence, timeoutMs: 500 } };
    const started = Date.now();
    const [alert] = await raise(loadEvent(ALARM), { logEvents: answering(messages) }, config);
    const took = Date.now() - started;
    expect(alert).toBeDefined();
    // Before the fix it took seconds on an idle machine; the slack is for a busy one (every test worker running).
    expect(took).toBeLessThan(500 + ABORT_GRACE_MS + 1500);
  });

  it('masks a password inside JSON that was logged as a string (escaped quotes), as an API Gateway body is', async () => {
    const line =
      '[ERROR]\t2026-11-20T09:14:00.000Z\t3f0c2c2a-1b2c-4d5e-8f90-123456789abc\tbad request {"body": "{\\"username\\": \\"bob\\", \\"password\\": \\"hunter2\\"}"}';
    const [alert] = await raise(loadEvent(ALARM), { logEvents: answering([line]) });
    const text = JSON.stringify(alert?.evidence);
    expect(text).toMatch(/bad request/);
    expect(text).not.toMatch(/hunter2/);
  });

  it('masks a GitHub token and a Stripe live key that no key word precedes', async () => {
    const line =
      '2026-11-20T09:14:00.000Z\t3f0c2c2a-1b2c-4d5e-8f90-123456789abc\tERROR\tclone with ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij failed; charge sk_live_51HabcdefghijklmnopqrstuvWXYZ0123 refused';
    const [alert] = await raise(loadEvent(ALARM), { logEvents: answering([line]) });
    const text = JSON.stringify(alert?.evidence);
    expect(text).toMatch(/clone with/);
    expect(text).not.toMatch(/ghp_ABCDEFGHIJ/);
    expect(text).not.toMatch(/sk_live_51H/);
  });
});
