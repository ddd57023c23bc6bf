import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { isRecord } from '../../../shared/detect/values.ts';
import { evaluate } from '../../../shared/pipeline/evaluate.ts';
import { detailOf, loadEvent } from '../../helpers/events.ts';

const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });
const CORPUS = resolve('../shared/corpus');

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return name.endsWith('.json') ? [path] : [];
  });
}

/** Third-party "CloudWatch Alarm State Change" events with a detail object (read-only, when present). */
function corpusAlarmEvents(): Array<[string, Record<string, unknown>]> {
  if (!existsSync(CORPUS)) return [];
  const out: Array<[string, Record<string, unknown>]> = [];
  for (const file of jsonFiles(CORPUS)) {
    let event: unknown;
    try {
      event = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (isRecord(event) && event['detail-type'] === 'CloudWatch Alarm State Change' && isRecord(event.detail))
      out.push([file.slice(CORPUS.length + 1), event]);
  }
  return out;
}

describe('alarm events from ../shared/corpus', () => {
  const events = corpusAlarmEvents();

  it(`become alarm alerts, never generic ones (${events.length > 0 ? `${events.length} events` : 'corpus absent: nothing to check'})`, () => {
    for (const [file, event] of events) {
      const { alerts, warnings } = evaluate(event, config);
      expect([file, warnings]).toEqual([file, []]);
      expect([file, alerts.map((a) => a.ruleId)]).toEqual([file, ['cloudwatch-alarm']]);
    }
    expect(events.length === 0 || events.length >= 5).toBe(true);
  });
});

describe('alarm events of an unexpected shape', () => {
  it('still resolve when configuration, previousState and reasonData are odd', () => {
    const event = loadEvent('cloudwatch/lambda-errors-ok.json');
    const detail = detailOf(event);
    detail.configuration = {
      metrics: ['x', { metricStat: { metric: { dimensions: { a: 1 } } } }],
      threshold: 'high',
    };
    detail.previousState = 'ALARM';
    (detail.state as Record<string, unknown>).reasonData = { not: 'a string' };
    const { alerts, warnings } = evaluate(event, config);
    expect(warnings).toEqual([]);
    expect(alerts.map((a) => [a.ruleId, a.status, a.severity])).toEqual([
      ['cloudwatch-alarm', 'resolved', 'high'],
    ]);
  });

  it('become a generic alert only without a state value', () => {
    const event = loadEvent('cloudwatch/lambda-errors-ok.json');
    (detailOf(event).state as Record<string, unknown>).value = 'UNKNOWN';
    expect(evaluate(event, config).alerts.map((a) => a.ruleId)).toEqual(['generic-event']);
  });
});
