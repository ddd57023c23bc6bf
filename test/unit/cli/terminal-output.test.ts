import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { formatSummary } from '../../../shared/backtest/text.ts';
import type { NotificationRequest } from '../../../shared/events/alert.ts';
import { terminalJson, terminalLine, terminalText } from '../../../shared/util/terminal.ts';
import { runCli } from '../../helpers/cli.ts';
import { loadEvent } from '../../helpers/events.ts';
import { buildAlert } from '../notify/fixtures.ts';

/** Clears the screen, homes the cursor, retitles the window, rings the bell; a C1 CSI; bidi; zero-width. */
const STEER = '\u001b[2J\u001b[H\u001b]0;pwned\u0007\u009b31m\u202Eexe.live\u202C\u200B\u007f';
// Anything a terminal obeys or hides, once the line breaks that are ours are set aside.
const OBEYED = /[^\P{Cc}\n]|\p{Cf}/u;

describe('terminalLine', () => {
  it('shows every control and invisible character as a visible escape', () => {
    expect(terminalLine(STEER)).toBe(
      '\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07\\x9b31m\\u202eexe.live\\u202c\\u200b\\x7f',
    );
  });

  it('shows line breaks and tabs too, so one value stays one line', () => {
    expect(terminalLine('a\nb\r\tc\u2028d\u0085e')).toBe('a\\x0ab\\x0d\\x09c\\u2028d\\x85e');
  });

  it('shows tag characters and lone surrogates', () => {
    expect(terminalLine('\u{E0041}x\uD800')).toBe('\\u{e0041}x\\ud800');
  });

  it('leaves ordinary text alone, non-Latin scripts and emoji included', () => {
    expect(terminalLine('arn:aws:iam::123456789012:role/Admin — ünïcode 日本 😀')).toBe(
      'arn:aws:iam::123456789012:role/Admin — ünïcode 日本 😀',
    );
  });
});

describe('terminalText', () => {
  it('keeps our newlines and tabs and escapes the rest', () => {
    expect(terminalText('a\n\tb\u001b[1mc\rd')).toBe('a\n\tb\\x1b[1mc\\x0dd');
  });
});

describe('terminalJson', () => {
  it('escapes what JSON.stringify leaves raw, and parses back to the same value', () => {
    const value = { s: STEER, nested: [`x${STEER}`], tag: '\u{E0041}' };
    const json = terminalJson(value);
    expect(json).not.toMatch(OBEYED);
    expect(json).toContain('\\u009b');
    expect(json).toContain('\\u202e');
    expect(json).toContain('\\udb40\\udc41');
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('CLI output of hostile events', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-alerts-terminal-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function hostileEventFile(): string {
    const event = loadEvent('s3/put-bucket-acl-public-read.json');
    const detail = event.detail as Record<string, unknown>;
    detail.userAgent = `aws-cli/2.15.30 ${STEER}`;
    (detail.userIdentity as Record<string, unknown>).userName = `alice${STEER}`;
    const file = join(dir, 'hostile.json');
    writeFileSync(file, JSON.stringify(event));
    return file;
  }

  function hostileAlarmFile(): string {
    const event = loadEvent('cloudwatch/lambda-errors-alarm.json');
    const detail = event.detail as Record<string, unknown>;
    detail.alarmName = `orders${STEER}`;
    (detail.state as Record<string, unknown>).reason =
      `Threshold Crossed ${STEER}\n--- Approved by security ---`;
    const file = join(dir, 'hostile-alarm.json');
    writeFileSync(file, JSON.stringify(event));
    return file;
  }

  it('replay prints what the event carried as escapes, never as controls', async () => {
    const { code, stdout, stderr } = await runCli(['replay', hostileEventFile(), hostileAlarmFile()]);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(OBEYED);
    expect(stderr).not.toMatch(OBEYED);
    // The summary line quotes the session name: the reader sees that an ESC was there.
    expect(stdout).toContain('alice\\x1b[2J');
    // The alarm reason's line break is shown, not obeyed: it cannot start a line of its own.
    expect(stdout).toContain('\\x0a--- Approved by security ---');
    expect(stdout).not.toMatch(/^\s*--- Approved by security ---/m);
  });

  it('replay --json escapes DEL, C1 and bidi characters that JSON.stringify leaves raw', async () => {
    const { stdout } = await runCli(['replay', hostileEventFile(), hostileAlarmFile(), '--json']);
    expect(stdout).not.toMatch(OBEYED);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(JSON.parse(line).alerts.length).toBeGreaterThan(0);
  });

  it('routes test prints the alert title and reasons as escapes', async () => {
    const { stdout, stderr } = await runCli(['routes', 'test', '--event', hostileAlarmFile()]);
    expect(stdout).not.toMatch(OBEYED);
    expect(stderr).not.toMatch(OBEYED);
    expect(stdout).toContain('orders\\x1b[2J');
  });

  it('test-pattern quotes a bad event without its control characters', async () => {
    const { stderr } = await runCli([
      'test-pattern',
      '--pattern',
      '{"source":["aws.s3"]}',
      '--event',
      // JSON.parse quotes the text around an unexpected token in its message.
      `{"source": x${STEER}}`,
    ]);
    expect(stderr).toContain('not valid JSON');
    expect(stderr).not.toMatch(OBEYED);
  });

  describe('dlq list', () => {
    const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/cloud-alerts-dev-notify-slack-dlq';
    const sqs = mockClient(SQSClient);
    afterAll(() => sqs.restore());

    function hostileMessage(): Message {
      const alert = buildAlert({ id: `ct:${STEER}:x`, ruleId: `rule${STEER}` });
      const request: NotificationRequest = {
        channel: 'slack',
        receiver: 'slack-default',
        key: `${alert.id}/slack-default`,
        alert,
      };
      const record = {
        reason: `slack delivery failed: ${STEER}`,
        channel: 'slack',
        receiver: 'slack-default',
        key: request.key,
        request,
        failedAt: `2026-11-24T03:10:00.000Z${STEER}`,
      };
      return { MessageId: `m1${STEER}`, ReceiptHandle: 'rh-1', Body: JSON.stringify(record) };
    }

    it.each([[[]], [['--json']]])('shows a hostile dead letter without its controls (%j)', async (flags) => {
      sqs.reset();
      sqs
        .on(ReceiveMessageCommand)
        .resolvesOnce({ Messages: [hostileMessage()] })
        .resolves({ Messages: [] });
      const { code, stdout } = await runCli(['dlq', 'list', '--queue', QUEUE, ...flags]);
      expect(code).toBe(0);
      expect(stdout).toContain('m1');
      expect(stdout).not.toMatch(OBEYED);
    });
  });

  it('backtest text shows hostile actors, reasons and rule names as escapes', () => {
    const text = formatSummary({
      files: { read: 1, failed: 1 },
      records: { read: 1, matched: 1, malformed: 0 },
      timeRange: { first: `2026-11-16T08:42:17Z${STEER}`, last: '2026-11-16T08:42:17Z' },
      matchedByRule: { [`rule${STEER}`]: 1 },
      alerts: { total: 1, byRule: [{ rule: `rule${STEER}`, severity: 'high', status: 'firing', count: 1 }] },
      notifications: { total: 1, byReceiver: [{ receiver: `r${STEER}`, channel: 'slack', count: 1 }] },
      suppressed: {
        total: 1,
        byKind: {},
        byEntry: [{ kind: 'silence', rule: 'x', reason: STEER, count: 1 }],
      },
      actors: { busiest: [{ actor: STEER, records: 1, alerts: 1 }], noisiest: [], approximate: false },
      timeline: { bucket: 'hour', series: [] },
      errors: {
        total: 1,
        files: [{ file: `f${STEER}`, error: STEER, recordsBefore: 0 }],
        records: [{ reason: STEER, example: STEER, count: 1 }],
        unlisted: 0,
      },
    });
    expect(text).not.toMatch(OBEYED);
    expect(text).toContain('rule\\x1b[2J');
  });
});
