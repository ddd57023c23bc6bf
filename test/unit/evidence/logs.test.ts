import { EVIDENCE_CONFIG_DEFAULTS } from '../../../shared/config/evidence.ts';
import { logGroupAllowed } from '../../../shared/config/evidence-access.ts';
import { alarmAlert } from '../../../shared/enrich/alarm.ts';
import { type AlarmDetail, AlarmDetailSchema } from '../../../shared/events/alarm.ts';
import { EVIDENCE_LINE_MAX } from '../../../shared/evidence/limits.ts';
import { alarmLogEvidence, alarmWindow } from '../../../shared/evidence/logs.ts';
import {
  encodeQueryDetail,
  lambdaMonitorLink,
  logsInsightsLink,
} from '../../../shared/evidence/logs-links.ts';
import type { AlarmEvidenceInput } from '../../../shared/evidence/ports.ts';
import {
  EvidenceReadError,
  type LogEvent,
  type LogEventsPort,
  type LogEventsRequest,
} from '../../../shared/evidence/ports.ts';
import type { LogPort } from '../../../shared/pipeline/logger.ts';
import { detailOf, envelopeOf, loadEvent } from '../../helpers/events.ts';

const LIMITS = EVIDENCE_CONFIG_DEFAULTS.logs;
const REQ = '3f0c2c2a-1b2c-4d5e-8f90-123456789abc';
// lambda-errors-alarm.json: evaluated datapoint 09:14:00, state change 09:15:30.
const STATE_CHANGE = Date.parse('2026-11-20T09:15:30Z');
const NOW = STATE_CHANGE + 2000;
const MONITOR =
  'https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions/example-orders-api?tab=monitoring';
const INSIGHTS =
  'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:logs-insights$3FqueryDetail$3D$257E$2528end$257E$25272026-11-20T09*3A15*3A30.000Z$257Estart$257E$25272026-11-20T09*3A09*3A00.000Z$257EtimeType$257E$2527ABSOLUTE$257Etz$257E$2527UTC$257EeditorString$257E$2527fields*20*40timestamp*2C*20*40requestId*2C*20*40message*20*7C*20filter*20*40message*20like*20*2FERROR*7CerrorType*7CException*7CTraceback*7CTask*20timed*20out*7CRuntime*20exited*7CRuntime*5C.ExitError*2F*20*7C*20sort*20*40timestamp*20desc*20*7C*20limit*20100$257EisLiveTail$257Efalse$257Esource$257E$2528$257E$2527*2Faws*2Flambda*2Fexample-orders-api$2529$2529';

function detailFor(relPath: string, edit?: (detail: Record<string, unknown>) => void): AlarmDetail {
  const event = loadEvent(relPath);
  if (edit) edit(detailOf(event));
  return AlarmDetailSchema.parse(event.detail);
}

function inputFor(
  relPath = 'cloudwatch/lambda-errors-alarm.json',
  options: {
    tags?: Record<string, string>;
    edit?: (detail: Record<string, unknown>) => void;
    logger?: LogPort;
  } = {},
): AlarmEvidenceInput {
  const event = loadEvent(relPath);
  if (options.edit) options.edit(detailOf(event));
  const detail = AlarmDetailSchema.parse(event.detail);
  const alert = { ...alarmAlert(envelopeOf(event), detail, { accounts: {} }), tags: options.tags };
  return { alert, detail, region: 'eu-west-1', now: NOW, logger: options.logger };
}

function portAnswering(
  events: LogEvent[],
  extra: { truncated?: boolean; bytesRead?: number; pages?: number } = {},
) {
  const requests: LogEventsRequest[] = [];
  const port: LogEventsPort = async (request) => {
    requests.push(request);
    return {
      events,
      truncated: extra.truncated ?? false,
      bytesRead: extra.bytesRead ?? events.reduce((n, e) => n + Buffer.byteLength(e.message), 0),
      pages: extra.pages ?? 1,
    };
  };
  return { port, requests };
}

function recordingLogger() {
  const calls: Array<[string, string, Record<string, unknown>[]]> = [];
  const logger: LogPort = {
    info: (m, ...extra) => calls.push(['info', m, extra]),
    warn: (m, ...extra) => calls.push(['warn', m, extra]),
    error: (m, ...extra) => calls.push(['error', m, extra]),
  };
  return { logger, calls };
}

const at = (hms: string) => Date.parse(`2026-11-20T${hms}Z`);
const nodeError = (req: string, type: string, message: string) =>
  `2026-11-20T09:14:03.120Z\t${req}\tERROR\tInvoke Error \t{"errorType":"${type}","errorMessage":"${message}","stack":[]}`;

describe('alarmLogEvidence', () => {
  it('reads /aws/lambda/<FunctionName> over the evaluation window plus the lead, and shows distinct errors', async () => {
    const { port, requests } = portAnswering([
      {
        timestamp: at('09:14:03'),
        message: nodeError(REQ, 'TypeError', "Cannot read properties of undefined (reading 'id')"),
      },
      {
        timestamp: at('09:14:09'),
        message: nodeError(
          '0b7d3c1e-2f4a-4b6c-8d9e-0a1b2c3d4e5f',
          'TypeError',
          "Cannot read properties of undefined (reading 'id')",
        ),
      },
      {
        timestamp: at('09:13:58'),
        message: `2026-11-20T09:13:58.000Z ${REQ} Task timed out after 3.00 seconds`,
      },
    ]);
    const result = await alarmLogEvidence(inputFor(), { logEvents: port }, LIMITS);
    expect(requests).toEqual([
      {
        region: 'eu-west-1',
        logGroup: '/aws/lambda/example-orders-api',
        startMs: at('09:09:00'),
        endMs: STATE_CHANGE,
        filterPattern:
          '?ERROR ?errorType ?Exception ?Traceback ?"Task timed out" ?"Runtime exited" ?"Runtime.ExitError"',
        maxPages: 3,
        maxBytes: 1024 * 1024,
        signal: undefined,
      },
    ]);
    expect(result.evidence).toEqual([
      {
        kind: 'logs',
        title: 'Errors in /aws/lambda/example-orders-api, 09:09–09:15 UTC',
        lines: [
          '3 error lines, 2 distinct; read 467 bytes of 1 page',
          "2× (first 09:14:03) TypeError: Cannot read properties of undefined (reading 'id')",
          '1× (first 09:13:58) Task timed out after 3.00 seconds',
        ],
      },
    ]);
    expect(result.links).toEqual([
      { text: 'Open Logs Insights', url: INSIGHTS },
      { text: 'Open function monitoring', url: MONITOR },
    ]);
  });

  it('says when the bounds stopped the read', async () => {
    const { port } = portAnswering(
      [{ timestamp: at('09:14:03'), message: nodeError(REQ, 'Error', 'boom') }],
      { truncated: true, bytesRead: 412 * 1024, pages: 3 },
    );
    const result = await alarmLogEvidence(inputFor(), { logEvents: port }, LIMITS);
    expect(result.evidence[0]?.lines[0]).toBe(
      '1 error line, 1 distinct; read 412 KB of 3 pages, more not read',
    );
  });

  it('shows the top errors by count, within the lines cap', async () => {
    const events = Array.from({ length: 12 }, (_, kind) =>
      Array.from({ length: 12 - kind }, (_, i) => ({
        timestamp: at('09:14:00') + kind * 1000 + i,
        message: nodeError(REQ, `E${String.fromCharCode(65 + kind)}`, 'failed'),
      })),
    ).flat();
    const { port } = portAnswering(events);
    const top3 = await alarmLogEvidence(inputFor(), { logEvents: port }, { ...LIMITS, topErrors: 3 });
    expect(top3.evidence[0]?.lines.slice(1)).toEqual([
      '12× (first 09:14:00) EA: failed',
      '11× (first 09:14:01) EB: failed',
      '10× (first 09:14:02) EC: failed',
    ]);
    const top10 = await alarmLogEvidence(inputFor(), { logEvents: port }, { ...LIMITS, topErrors: 10 });
    expect(top10.evidence[0]?.lines).toHaveLength(8);
    expect(top10.evidence[0]?.lines[0]).toBe('78 error lines, 12 distinct; read 10 KB of 1 page');
  });

  it('says there were no error lines, which is evidence too', async () => {
    const { port } = portAnswering([]);
    const result = await alarmLogEvidence(inputFor(), { logEvents: port }, LIMITS);
    expect(result.evidence).toEqual([
      {
        kind: 'logs',
        title: 'Errors in /aws/lambda/example-orders-api, 09:09–09:15 UTC',
        lines: ['no error lines in 09:09–09:15 UTC'],
      },
    ]);
  });

  it('counts only error lines when the reader filtered loosely', async () => {
    const { port } = portAnswering([
      { timestamp: at('09:14:00'), message: `2026-11-20T09:14:00.000Z\t${REQ}\tINFO\tall good` },
    ]);
    const result = await alarmLogEvidence(inputFor(), { logEvents: port }, LIMITS);
    expect(result.evidence[0]?.lines).toEqual(['no error lines in 09:09–09:15 UTC']);
  });

  it('finds the function of a metric-math input and of a Resource dimension with an alias', async () => {
    const { port, requests } = portAnswering([]);
    const input = inputFor('cloudwatch/metric-math-alarm.json', {
      edit: (d) => {
        const metrics = (d.configuration as { metrics: Array<Record<string, unknown>> }).metrics;
        metrics[1] = {
          id: 'm1',
          metricStat: {
            metric: { namespace: 'AWS/Lambda', name: 'Errors', dimensions: { Resource: 'checkout:live' } },
            period: 60,
            stat: 'Sum',
          },
          returnData: false,
        };
      },
    });
    await alarmLogEvidence(
      { ...input, now: Date.parse('2026-11-21T02:15:00Z') },
      { logEvents: port },
      LIMITS,
    );
    expect(requests[0]?.logGroup).toBe('/aws/lambda/checkout');
    // metric-math-alarm.json: evaluated 02:09–02:13, state change 02:14:05.112, 5 minutes' lead.
    expect(requests[0]?.startMs).toBe(Date.parse('2026-11-21T02:04:00Z'));
  });

  it('reads the log group an alarm is tagged with, on any alarm', async () => {
    const { port, requests } = portAnswering([]);
    const result = await alarmLogEvidence(
      inputFor('cloudwatch/metric-math-alarm.json', { tags: { 'log-group': '/ecs/checkout' } }),
      { logEvents: port },
      { ...LIMITS, logGroups: ['/aws/lambda/*', '/ecs/*'] },
    );
    expect(requests[0]?.logGroup).toBe('/ecs/checkout');
    expect(result.links.map((l) => l.text)).toEqual(['Open Logs Insights']);
  });

  it('with followTag off, a tag chooses nothing: the function’s own group is read', async () => {
    const { port, requests } = portAnswering([]);
    await alarmLogEvidence(
      inputFor(undefined, { tags: { 'log-group': '/aws/lambda/payments-ledger' } }),
      { logEvents: port },
      { ...LIMITS, followTag: false },
    );
    expect(requests.map((r) => r.logGroup)).toEqual(['/aws/lambda/example-orders-api']);
  });

  it('refuses a tagged log group outside evidence.logs.logGroups, in the alert and in the log', async () => {
    const { port, requests } = portAnswering([]);
    const { logger, calls } = recordingLogger();
    const result = await alarmLogEvidence(
      inputFor(undefined, { tags: { 'log-group': '/secret/payments' }, logger }),
      { logEvents: port },
      LIMITS,
    );
    expect(requests).toHaveLength(0);
    expect(result).toEqual({
      evidence: [
        {
          kind: 'logs',
          title: 'Errors in /secret/payments, 09:09–09:15 UTC',
          lines: [
            'log group /secret/payments is not in evidence.logs.logGroups; the function may not read it',
          ],
        },
      ],
      links: [],
    });
    expect(calls[0]?.[0]).toBe('info');
  });

  it('refuses a tag that is not a log group name without repeating it', async () => {
    const { port, requests } = portAnswering([]);
    const result = await alarmLogEvidence(
      inputFor(undefined, { tags: { 'log-group': '/aws/lambda/x <!channel> https://evil.example' } }),
      { logEvents: port },
      LIMITS,
    );
    expect(requests).toHaveLength(0);
    expect(JSON.stringify(result)).not.toContain('channel');
    expect(result.evidence[0]?.lines).toEqual([
      "the alarm's log-group tag is not a log group name (1-512 of A-Z a-z 0-9 . - _ / #)",
    ]);
  });

  it('only logs a function group the config leaves out', async () => {
    const { port, requests } = portAnswering([]);
    const { logger, calls } = recordingLogger();
    const result = await alarmLogEvidence(
      inputFor(undefined, { logger }),
      { logEvents: port },
      {
        ...LIMITS,
        logGroups: ['/aws/lambda/prod-*'],
      },
    );
    expect(requests).toHaveLength(0);
    expect(result).toEqual({ evidence: [], links: [] });
    expect(calls.map((c) => c[1])).toEqual([
      'log group /aws/lambda/example-orders-api is not in evidence.logs.logGroups; logs not read',
    ]);
  });

  it('says a log group does not exist, and how to name the right one', async () => {
    const port: LogEventsPort = async () => {
      throw new EvidenceReadError('not-found', 'no such group');
    };
    const result = await alarmLogEvidence(inputFor(), { logEvents: port }, LIMITS);
    expect(result).toEqual({
      evidence: [
        {
          kind: 'logs',
          title: 'Errors in /aws/lambda/example-orders-api, 09:09–09:15 UTC',
          lines: [
            'no log group /aws/lambda/example-orders-api (if the function logs elsewhere, tag the alarm log-group=<name>)',
          ],
        },
      ],
      links: [{ text: 'Open function monitoring', url: MONITOR }],
    });
  });

  it("points at the alarm's tag when the tagged log group does not exist", async () => {
    const port: LogEventsPort = async () => {
      throw new EvidenceReadError('not-found', 'no such group');
    };
    const result = await alarmLogEvidence(
      inputFor(undefined, { tags: { 'log-group': '/aws/lambda/renamed' } }),
      { logEvents: port },
      LIMITS,
    );
    expect(result.evidence[0]?.lines).toEqual([
      "no log group /aws/lambda/renamed (check the alarm's log-group tag)",
    ]);
  });

  it.each([
    ['denied', 'warn'],
    ['failed', 'warn'],
    ['throttled', 'info'],
    ['timeout', 'info'],
  ] as const)('goes out without the section when the read is %s, and logs it as %s', async (code, level) => {
    const port: LogEventsPort = async () => {
      throw new EvidenceReadError(code, 'x');
    };
    const { logger, calls } = recordingLogger();
    const result = await alarmLogEvidence(inputFor(undefined, { logger }), { logEvents: port }, LIMITS);
    expect(result.evidence).toEqual([]);
    expect(result.links.map((l) => l.text)).toEqual(['Open Logs Insights', 'Open function monitoring']);
    expect(calls).toEqual([
      [
        level,
        expect.any(String),
        [{ alarm: 'example-orders-api-errors', logGroup: '/aws/lambda/example-orders-api', code }],
      ],
    ]);
  });

  it('reads nothing for an OK, a non-Lambda alarm without the tag, a missing port or logs turned off', async () => {
    const { port, requests } = portAnswering([]);
    const none = { evidence: [], links: [] };
    await expect(
      alarmLogEvidence(inputFor('cloudwatch/lambda-errors-ok.json'), { logEvents: port }, LIMITS),
    ).resolves.toEqual(none);
    await expect(
      alarmLogEvidence(inputFor('cloudwatch/metric-math-alarm.json'), { logEvents: port }, LIMITS),
    ).resolves.toEqual(none);
    await expect(alarmLogEvidence(inputFor(), {}, LIMITS)).resolves.toEqual(none);
    await expect(
      alarmLogEvidence(inputFor(), { logEvents: port }, { ...LIMITS, enabled: false }),
    ).resolves.toEqual(none);
    expect(requests).toHaveLength(0);
  });

  it('renders hostile log text as one inert, masked, capped line', async () => {
    const hostile = [
      '<!channel> <https://evil.example|click here> <@U123>',
      'line one\r\n2026-11-20T09:14:03.120Z\tforged\tERROR\tforged line',
      'invoice\u202Efdp.exe and zero\u200Bwidth and \u001b[31mred\u001b[0m <script>alert(1)</script>',
      'creds AKIAIOSFODNN7EXAMPLE password=hunter2 xoxb-123456789012-abcdefABCDEF',
    ];
    const { port } = portAnswering(
      hostile.map((h, i) => ({
        timestamp: at('09:14:00') + i,
        message: `2026-11-20T09:14:03.120Z\t${REQ}\tERROR\t${h} #${i}`,
      })),
    );
    const result = await alarmLogEvidence(inputFor(), { logEvents: port }, LIMITS);
    const lines = result.evidence[0]?.lines ?? [];
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      for (const hidden of ['\r', '\n', '\u202E', '\u200B', '\u001b']) expect(line).not.toContain(hidden);
      expect(line).not.toContain('://');
      expect(line.length).toBeLessThanOrEqual(EVIDENCE_LINE_MAX);
    }
    const all = lines.join('\n');
    expect(all).toContain('<https[:]//evil[.]example|click here>');
    expect(all).toContain('line one'); // the forged second line stays inside the first
    expect(all).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(all).not.toContain('hunter2');
    expect(all).not.toContain('xoxb-');
    expect(all).toContain('invoicefdp[.]exe');
  });

  it('caps a 1 MB line', async () => {
    const { port } = portAnswering([
      {
        timestamp: at('09:14:00'),
        message: `2026-11-20T09:14:03.120Z\t${REQ}\tERROR\t${'A'.repeat(1024 * 1024)}`,
      },
    ]);
    const result = await alarmLogEvidence(inputFor(), { logEvents: port }, LIMITS);
    expect(result.evidence[0]?.lines[1]?.length).toBe(EVIDENCE_LINE_MAX);
    expect(result.evidence[0]?.lines[1]?.endsWith('… (truncated)')).toBe(true);
  });
});

describe('alarmWindow', () => {
  it('takes the evaluated datapoints, the lead before them, and ends at the state change', () => {
    expect(alarmWindow(detailFor('cloudwatch/lambda-errors-alarm.json'), NOW, 5)).toEqual({
      startMs: at('09:09:00'),
      endMs: STATE_CHANGE,
    });
  });

  it('falls back to period × evaluation periods, then to 15 minutes', () => {
    const periods = detailFor('cloudwatch/lambda-errors-alarm.json', (d) => {
      (d.state as Record<string, unknown>).reasonData = JSON.stringify({
        period: 300,
        recentDatapoints: [1, 2, 3],
      });
    });
    expect(alarmWindow(periods, NOW, 0)).toEqual({
      startMs: STATE_CHANGE - 15 * 60_000,
      endMs: STATE_CHANGE,
    });
    const nothing = detailFor('cloudwatch/lambda-errors-alarm.json', (d) => {
      (d.state as Record<string, unknown>).reasonData = 'not json';
      (d.configuration as Record<string, unknown>).metrics = [];
    });
    expect(alarmWindow(nothing, NOW, 2)).toEqual({
      startMs: STATE_CHANGE - 17 * 60_000,
      endMs: STATE_CHANGE,
    });
  });

  it('caps the window at 60 minutes and never ends in the future', () => {
    const long = detailFor('cloudwatch/lambda-errors-alarm.json', (d) => {
      (d.state as Record<string, unknown>).reasonData = JSON.stringify({
        startDate: '2026-11-19T00:00:00.000+0000',
      });
      (d.state as Record<string, unknown>).timestamp = '2030-01-01T00:00:00.000+0000';
    });
    expect(alarmWindow(long, NOW, 60)).toEqual({ startMs: NOW - 60 * 60_000, endMs: NOW });
  });
});

describe('logGroupAllowed', () => {
  it('takes names exactly and prefixes ending in *', () => {
    expect(logGroupAllowed('/aws/lambda/x', ['/aws/lambda/*'])).toBe(true);
    expect(logGroupAllowed('/aws/lambdax', ['/aws/lambda/*'])).toBe(false);
    expect(logGroupAllowed('/ecs/a', ['/ecs/a'])).toBe(true);
    expect(logGroupAllowed('/ecs/ab', ['/ecs/a'])).toBe(false);
  });
});

describe('console links', () => {
  it('encodes queryDetail the way the console writes it', () => {
    // The shape of the console URL quoted in the explanation (see encodeQueryDetail).
    expect(
      encodeQueryDetail([
        ['end', '2021-07-18T20:59:59.000Z'],
        ['isLiveTail', false],
        ['source', ['/aws/lambda/f']],
      ]),
    ).toBe(
      '$3FqueryDetail$3D$257E$2528end$257E$25272021-07-18T20*3A59*3A59.000Z$257EisLiveTail$257Efalse$257Esource$257E$2528$257E$2527*2Faws*2Flambda*2Ff$2529$2529',
    );
  });

  it("keeps a value's quotes, tildes and parentheses out of the structure", () => {
    const encoded = encodeQueryDetail([['editorString', "filter x like 'a~(b)'"]]);
    expect(encoded).toBe(
      '$3FqueryDetail$3D$257E$2528editorString$257E$2527filter*20x*20like*20*27a*7E*28b*29*27$2529',
    );
  });

  it('builds the Logs Insights and monitoring links with an absolute window', () => {
    expect(
      logsInsightsLink('eu-west-1', '/aws/lambda/example-orders-api', at('09:09:00'), STATE_CHANGE).url,
    ).toBe(INSIGHTS);
    expect(lambdaMonitorLink('eu-west-1', 'example-orders-api').url).toBe(MONITOR);
    expect(lambdaMonitorLink('us-gov-west-1', 'f').url).toBe(
      'https://us-gov-west-1.console.amazonaws-us-gov.com/lambda/home?region=us-gov-west-1#/functions/f?tab=monitoring',
    );
  });
});
