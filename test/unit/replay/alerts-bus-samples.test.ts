import { readdirSync, readFileSync } from 'node:fs';
import { compilePattern, matchPattern } from '../../../shared/eventbridge/pattern.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { NotificationRequestSchema } from '../../../shared/events/alert.ts';
import { alertsBusSamples } from '../../../shared/replay/alerts-bus-samples.ts';

const FUNCTION_OF_FILE: Record<string, string> = {
  'alerts-bus/notify-slack.json': 'notifySlack',
  'alerts-bus/notify-pagerduty.json': 'notifyPagerDuty',
  'alerts-bus/notify-email.json': 'notifyEmail',
};

const read = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

describe('alerts-bus samples (the input of `serverless invoke local` for each notifier)', () => {
  it('are one per notifier, and nothing else is in the folder', () => {
    expect(
      readdirSync('alerts-bus')
        .map((f) => `alerts-bus/${f}`)
        .sort(),
    ).toEqual(Object.keys(FUNCTION_OF_FILE).sort());
  });

  // What a reader of `invoke local` output relies on: the request for the same alert and receiver as
  // the alert function puts on the bus today. Hashes and ids may move without making a sample wrong.
  it('ask for what the alert function asks for today (node bin/run-ts.js scripts/alerts-bus-samples.ts rewrites them)', async () => {
    const gist = (event: unknown) => {
      const detail =
        typeof event === 'object' && event !== null && 'detail' in event ? event.detail : undefined;
      const { channel, receiver, alert } = NotificationRequestSchema.parse(detail);
      const { ruleId, severity, status, title, summary } = alert;
      return { channel, receiver, ruleId, severity, status, title, summary };
    };
    const fresh = await alertsBusSamples();
    expect(Object.keys(fresh).sort()).toEqual(Object.keys(FUNCTION_OF_FILE).sort());
    for (const [file, event] of Object.entries(fresh))
      expect([file, gist(read(file))]).toEqual([file, gist(event)]);
  });

  // The rules in serverless.yml decide which notifier a request reaches: each sample reaches its own only.
  const busRules = readServerlessRules('serverless.yml', { stage: 'dev' })
    .filter((r) => r.bus !== 'default')
    .map((r) => ({ fn: r.functionKey, compiled: compilePattern(r.pattern) }));

  it.each(Object.entries(FUNCTION_OF_FILE))('%s reaches %s alone', (file, fn) => {
    const event = read(file);
    expect(busRules.filter((r) => matchPattern(r.compiled, event)).map((r) => r.fn)).toEqual([fn]);
    const detail =
      typeof event === 'object' && event !== null && 'detail' in event ? event.detail : undefined;
    expect(NotificationRequestSchema.safeParse(detail).success).toBe(true);
  });
});
