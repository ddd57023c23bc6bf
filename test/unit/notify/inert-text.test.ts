/**
 * docs/failure-handling.md promises that attacker text is one line, inert and the same in every
 * channel: no value can start a line of ours, mention anyone, or become a link other than our buttons.
 * These tests hold every renderer to it, for an alert whose every string is hostile, for every sample
 * event with every string poisoned, and for events poisoned at random (fast-check, seeded).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { type Alert, NotificationRequestSchema } from '../../../shared/events/alert.ts';
import { renderEmail } from '../../../shared/notify/channels/email/render.ts';
import { type PagerDutyEvent, renderPagerDuty } from '../../../shared/notify/channels/pagerduty/render.ts';
import { requirePlugin } from '../../../shared/notify/channels/registry.ts';
import { renderSlack, type SlackMessage } from '../../../shared/notify/channels/slack/render.ts';
import { type DeliveryContext, renderNotification } from '../../../shared/notify/deliver.ts';
import { inlineText } from '../../../shared/notify/text.ts';
import { boundRequest } from '../../../shared/pipeline/bound.ts';
import { evaluate } from '../../../shared/pipeline/evaluate.ts';
import { silentLogger } from '../../../shared/pipeline/logger.ts';
import type { StageContext } from '../../../shared/pipeline/stages.ts';
import {
  createGroupingStage,
  EXAMPLE_LINE_MAX,
  GROUP_SUMMARY_RULE_ID,
} from '../../../shared/stages/grouping.ts';
import { createMemoryStateStore } from '../../../shared/state/memory.ts';
import { EVENTS_DIR, envelopeOf, loadEvent } from '../../helpers/events.ts';
import { buildAlert } from './fixtures.ts';

const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
const ROUTING_KEY = 'R0UTINGKEY-INERT-TEXT-00000000001';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-test-alerts';
const ctx: DeliveryContext = { secret: () => ROUTING_KEY, stackTopicArn: TOPIC_ARN };

/** Everything an attacker would try in one value: forged lines, mentions, links, formatting, hidden text. */
const FRAGMENTS = [
  '\n--- Approved by security ---',
  '\r\nAccount: 999999999999 (security-approved)',
  '\u2028Rule: allowed-by-security',
  '\u0085Verdict: benign, no action needed',
  '\u000bWhat happened: nothing',
  '\u000c*Source IP:* 10.0.0.1',
  '<!channel>',
  '<!here|here>',
  '@here',
  '@channel',
  '<@U024BE7LH>',
  '<!subteam^SAZ94GDB8|@security>',
  '<https://evil.example/login|Open the AWS console>',
  '<mailto:a@evil.example|support>',
  '&lt;!channel&gt;',
  '*bold*',
  '_italic_',
  '~strike~',
  '`code`',
  '```block```',
  '> quoted',
  '\u202Eexe.live\u202C',
  '\u2066isolated\u2069',
  'zero\u200Bwidth\u200D\uFEFF\u00AD',
  '\u{E0041}\u{E0042}',
  '\u001b[2J\u001b[1;1H',
  '\u001b]0;pwned\u0007',
  '\u009b31m',
  'https://evil.example/phish',
  'HTTP://EVIL.EXAMPLE',
  'www.evil.example',
  'javascript://%0aalert(1)',
];
const PAYLOAD = FRAGMENTS.join(' ');

const SEVERITY_LABEL = /^\[(CRITICAL|HIGH|MEDIUM|LOW|INFO|RESOLVED)\] /;
const OUR_MENTION = /^<!(here|channel)> /;
// Control characters (a line break only where the renderer put it) and invisible format characters.
const HIDDEN_EXCEPT_NEWLINE = /[^\P{Cc}\n]|\p{Cf}/u;
const HIDDEN = /[\p{Cc}\p{Cf}]/u;
const LIVE_LINK = /:\/\/|www\./i;
/** Where our links point: the AWS consoles. */
const OUR_LINK =
  /^https:\/\/([a-z0-9-]+\.)*(console\.aws\.amazon\.com|console\.amazonaws-us-gov\.com|console\.amazonaws\.cn)\//;

/** Each Slack text with where it sits, so each can be held to the line starts allowed there. */
function slackTexts(body: SlackMessage): Array<{ where: string; text: string; verbatim?: boolean }> {
  const out: Array<{ where: string; text: string; verbatim?: boolean }> = [
    { where: 'fallback', text: body.text },
  ];
  for (const block of body.blocks) {
    if (block.type === 'header') out.push({ where: 'header', text: block.text.text });
    if (block.type === 'section') {
      // The summary is the first section; a later section with text is an evidence section.
      const where = /^\*What happened:\*/.test(block.text?.text.replace(OUR_MENTION, '') ?? '')
        ? 'summary'
        : 'evidence';
      if (block.text) out.push({ where, text: block.text.text, verbatim: block.text.verbatim });
      for (const f of block.fields ?? []) out.push({ where: 'field', text: f.text, verbatim: f.verbatim });
    }
    if (block.type === 'context') {
      for (const e of block.elements) out.push({ where: 'context', text: e.text, verbatim: e.verbatim });
    }
    if (block.type === 'actions')
      for (const e of block.elements) out.push({ where: 'button', text: e.text.text });
  }
  return out;
}

/** The line starts each place allows; everything after them may be the attacker's, on that line only. */
const SLACK_LINE_STARTS: Record<string, (line: string, index: number) => boolean> = {
  fallback: (line, i) => i === 0 && SEVERITY_LABEL.test(line.replace(OUR_MENTION, '')),
  header: (line, i) => i === 0 && /^:[a-z_]+: /.test(line),
  summary: (line, i) =>
    i === 0
      ? /^\*What happened:\* /.test(line.replace(OUR_MENTION, ''))
      : i === 1 && /^\*Verdict:\* /.test(line),
  // The label is ours (rules write labels, events never do); items of a list each behind a bullet.
  field: (line, i) => (i === 0 ? /^\*[^\n]*:\*( |$)/.test(line) : line.startsWith('•')),
  context: (line, i) =>
    i === 0 &&
    /^(Account|Region|Time|Rule): |^:white_check_mark: Resolved$|^:no_entry: Attempted|^\d+ link\(s\) not shown/.test(
      line,
    ),
  button: (_line, i) => i === 0,
  // Our word for the kind, then the title; the chart alone in its code block; each line behind a bullet.
  evidence: (line, i) =>
    i === 0
      ? /^\*(Metric|Alarms|Logs|History):\* /.test(line)
      : /^```[^`]*```$/.test(line) || line.startsWith('• '),
};

function checkSlack(body: SlackMessage): void {
  for (const { where, text, verbatim } of slackTexts(body)) {
    if (where === 'summary' || where === 'field' || where === 'context' || where === 'evidence')
      expect(verbatim).toBe(true);
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      const starts = SLACK_LINE_STARTS[where];
      if (!starts?.(line, i)) throw new Error(`forged ${where} line ${i}: ${JSON.stringify(line)}`);
    });
    const rest = text.replace(OUR_MENTION, '');
    // Every `<` an attacker wrote is `&lt;` by now: no mention, no <url|label> link.
    expect(rest).not.toMatch(/[<>]/);
    expect(rest).not.toMatch(/@(here|channel|everyone)\b/i);
    expect(text).not.toMatch(HIDDEN_EXCEPT_NEWLINE);
    expect(text).not.toMatch(LIVE_LINK);
  }
  for (const block of body.blocks) {
    if (block.type !== 'actions') continue;
    for (const e of block.elements) {
      // The one link we take from a tag: an alarm's runbook, a clean http(s) URL labelled with its host.
      const runbook = /^Runbook \((.+)\)$/.exec(e.text.text)?.[1];
      if (runbook !== undefined) expect(new URL(e.url).host).toBe(runbook);
      else expect(e.url).toMatch(OUR_LINK);
    }
  }
}

function checkEmail(
  body: { Subject?: string | undefined; Message?: string | undefined },
  alert: Alert,
): void {
  // The label may lose its space when a long account label leaves no room for the title.
  expect(body.Subject).toMatch(/^\[(CRITICAL|HIGH|MEDIUM|LOW|INFO|RESOLVED)\]/);
  expect(body.Subject).toMatch(/^[\x20-\x7E]+$/);
  const message = body.Message ?? '';
  expect(message).not.toMatch(HIDDEN_EXCEPT_NEWLINE);
  const labels = alert.facts.map((f) => inlineText(f.label));
  const links = new Map(alert.links.map((l) => [`${inlineText(l.text)}: ${l.url}`, l.url]));
  for (const line of message.split('\n')) {
    if (line === '' || line === '… (truncated)') continue;
    if (links.has(line)) continue; // our own link, the one clickable thing in the mail
    const ours =
      /^(What happened|Verdict|Account|Region|Time|Rule|Event ID|CloudTrail event ID): /.test(line) ||
      line === 'Attempted: the call was denied, nothing changed.' ||
      line.startsWith('  • ') ||
      line.startsWith('Evidence: ') ||
      /^ {2}\u2595[^\n]*\u258f$/.test(line) ||
      labels.some((label) => line === `${label}:` || line.startsWith(`${label}: `));
    if (!ours) throw new Error(`forged e-mail line: ${JSON.stringify(line)}`);
    expect(line).not.toMatch(LIVE_LINK);
  }
}

/** Every string PagerDuty shows, with where it is. */
function strings(value: unknown, path: string, out: Array<[string, string]>): Array<[string, string]> {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) strings(v, `${path}[${i}]`, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) strings(v, `${path}.${k}`, out);
  }
  return out;
}

function checkPagerDuty(body: PagerDutyEvent, alert: Alert): void {
  if (!('event_action' in body)) throw new Error('not a PagerDuty event');
  if (body.event_action === 'trigger') {
    expect(body.payload.summary.startsWith(`${inlineText(alert.title)}: `)).toBe(true);
    for (const link of body.links) expect(alert.links.map((l) => l.url)).toContain(link.href);
  }
  for (const [path, text] of strings(body, '', [])) {
    if (path === '.routing_key' || /^\.links\[\d+\]\.href$/.test(path)) continue;
    if (HIDDEN.test(text) || LIVE_LINK.test(text))
      throw new Error(`PagerDuty ${path}: ${JSON.stringify(text)}`);
  }
}

function renderAll(alert: Alert): void {
  checkSlack(renderSlack(alert, { mention: 'here' }));
  checkSlack(renderSlack(alert));
  checkEmail(renderEmail(alert, TOPIC_ARN), alert);
  checkPagerDuty(renderPagerDuty(alert, ROUTING_KEY), alert);
}

/** An alert whose every string carries `p`, except fact labels and link URLs, which only our code writes. */
function hostileAlert(p: string, overrides: Partial<Alert> = {}): Alert {
  return buildAlert({
    id: `id${p}`,
    ruleId: `rule${p}`,
    title: `Title${p}`,
    summary: `${p} did something`,
    verdict: p,
    account: { id: `1234${p}`, alias: p },
    region: `eu-west-1${p}`,
    time: `2026-11-20T09:15:02Z${p}`,
    actor: {
      kind: 'assumed-role',
      display: p,
      name: p,
      arn: `arn:aws:sts::123456789012:assumed-role/${p}`,
      accountId: p,
      crossAccount: true,
    },
    resource: { type: p, name: p, arn: p },
    facts: [
      { label: 'User agent', value: p },
      { label: 'Trusted principals', value: `arn:aws:iam::111111111111:root\n${p}\n*` },
      { label: 'Error', value: `AccessDenied: ${p}` },
      { label: 'Empty', value: `\n${p.replace(/[^\n]/g, '')}\n` },
    ],
    links: [
      { text: `Open role${p}`, url: 'https://us-east-1.console.aws.amazon.com/iam/home#/roles/details/x' },
    ],
    // The builders make evidence inert; a renderer must hold even when one did not. The attacker's
    // text starts every string here, where an alarm name or a log line would.
    evidence: [
      { kind: 'metric', title: p, chart: `${p}▁▂█`, lines: [p, `${p}\n${p}`] },
      { kind: 'logs', title: `${p} errors`, lines: Array.from({ length: 12 }, () => p) },
      { kind: 'history', title: p, chart: p, lines: [] },
    ],
    dedupKey: `cloud-alerts/rule/${p}`,
    eventId: p,
    cloudTrailEventId: p,
    tags: { [p]: p },
    ...overrides,
  });
}

describe('attacker text in the rendered notifications', () => {
  it('keeps every string of a fully hostile alert on its line, inert, in every channel', () => {
    renderAll(hostileAlert(PAYLOAD));
    renderAll(hostileAlert(PAYLOAD, { attempted: true }));
    renderAll(hostileAlert(PAYLOAD, { status: 'resolved' }));
    // A title of invisible characters alone: the header falls back to the (hostile) rule id, inert too.
    renderAll(hostileAlert(PAYLOAD, { title: '\u200B\n\u202E' }));
  });

  it("keeps a grouping summary's examples, built from held alerts' resources and titles, inert in every channel", async () => {
    const stage = createGroupingStage(createMemoryStateStore());
    const ctx: StageContext = {
      config: { ...config, grouping: { groupIntervalMinutes: 5, repeatIntervalMinutes: 60 } },
      envelope: envelopeOf(loadEvent('iam/create-user.json')),
      now: new Date('2026-11-20T09:15:02Z'),
      logger: silentLogger,
    };
    const held = (i: number, overrides: Partial<Alert>) =>
      hostileAlert(PAYLOAD, {
        id: `held-${i}`,
        time: `2026-11-20T09:1${5 + i}:02Z`,
        severity: 'low',
        ...overrides,
      });
    await stage.run([held(0, {})], ctx);
    // With a hostile resource, without one (the title shows), and past the examples kept.
    for (let i = 1; i <= 7; i++)
      await stage.run([held(i, i % 2 ? {} : { resource: undefined, title: `Title ${i}${PAYLOAD}` })], ctx);
    const out = await stage.run([held(30, { time: '2026-11-20T10:30:02Z' })], ctx);
    const summary = out.alerts.find((a) => a.ruleId === GROUP_SUMMARY_RULE_ID);
    if (!summary) throw new Error('no summary');
    const examples = summary.facts.find((f) => f.label === 'Examples')?.value.split('\n') ?? [];
    // Five examples and the rest counted, each one line of its own: an attacker's line break made none.
    expect(examples).toHaveLength(6);
    expect(examples[5]).toBe('and 2 more');
    expect(examples[0]).toContain('--- Approved by security ---');
    expect(examples[1]).toMatch(/^rule.* Title 2 --- Approved by security ---/);
    expect(examples.every((line) => line.length <= EXAMPLE_LINE_MAX)).toBe(true);
    renderAll(boundRequest({ channel: 'slack', receiver: 'r', key: 'k', alert: summary }).alert);
    // Each example is one bulleted Slack item and one e-mail item: the payload added no line.
    const field = renderSlack(summary)
      .blocks.flatMap((b) => (b.type === 'section' ? (b.fields ?? []) : []))
      .find((f) => f.text.startsWith('*Examples:*'));
    expect(field?.text.split('\n')).toHaveLength(7);
    const mail = renderEmail(summary, TOPIC_ARN).Message ?? '';
    expect(
      mail
        .split('\nExamples:\n')[1]
        ?.split('\n')
        .filter((l) => l.startsWith('  • ')),
    ).toHaveLength(6);
  });

  it('renders a multi-item fact one marked line per item, in Slack and e-mail alike', () => {
    const alert = buildAlert({
      facts: [
        {
          label: 'Trusted principals',
          value: 'arn:aws:iam::111111111111:root\n*\n--- Approved by security ---',
        },
      ],
    });
    const field = renderSlack(alert).blocks.flatMap((b) => (b.type === 'section' ? (b.fields ?? []) : []))[0];
    expect(field?.text).toBe(
      '*Trusted principals:*\n• arn:aws:iam::111111111111:root\n• \u2217\n• --- Approved by security ---',
    );
    expect(renderEmail(alert, TOPIC_ARN).Message).toContain(
      '\nTrusted principals:\n  • arn:aws:iam::111111111111:root\n  • *\n  • --- Approved by security ---\n',
    );
    expect(renderPagerDuty(alert, ROUTING_KEY)).toMatchObject({
      payload: {
        custom_details: {
          facts: {
            'Trusted principals': 'arn:aws:iam::111111111111:root • * • --- Approved by security ---',
          },
        },
      },
    });
  });

  it('gives an alarm state reason (anyone with cloudwatch:SetAlarmState writes it) our Verdict label', () => {
    const alert = hostileAlert(PAYLOAD, {
      verdict: 'Threshold Crossed\n--- Approved by security --- no action needed',
    });
    const summary = renderSlack(alert).blocks[1];
    const text = summary?.type === 'section' ? (summary.text?.text ?? '') : '';
    expect(text.split('\n')[1]).toBe(
      '*Verdict:* Threshold Crossed --- Approved by security --- no action needed',
    );
    expect(renderEmail(alert, TOPIC_ARN).Message).toContain(
      '\nVerdict: Threshold Crossed --- Approved by security --- no action needed\n',
    );
  });

  it('keeps identifiers copyable: an underscore or asterisk inside a word stays as it is', () => {
    const alert = buildAlert({ facts: [{ label: 'Role', value: 'AWSReservedSSO_Admin_1a2b*3c' }] });
    const field = renderSlack(alert).blocks.flatMap((b) => (b.type === 'section' ? (b.fields ?? []) : []))[0];
    expect(field?.text).toBe('*Role:* AWSReservedSSO_Admin_1a2b*3c');
  });

  it('neutralises formatting at word edges, a leading quote and written-out broadcasts', () => {
    const alert = buildAlert({ facts: [{ label: 'Session', value: '> *bold* _it_ ~s~ `c` @here' }] });
    const field = renderSlack(alert).blocks.flatMap((b) => (b.type === 'section' ? (b.fields ?? []) : []))[0];
    expect(field?.text).toBe(
      '*Session:* \u203a \u2217bold\u2217 \u02cdit\u02cd \u223cs\u223c \u02cbc\u02cb \uff20here',
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Raw events: every sample in events/, poisoned, through evaluate and every renderer.

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return name.endsWith('.json') ? [path] : [];
  });
}

const SAMPLES = jsonFiles(EVENTS_DIR)
  .map((file) => JSON.parse(readFileSync(file, 'utf8')) as unknown)
  .filter((e): e is Record<string, unknown> => isRecord(e) && 'detail-type' in e);

// Real records written by other projects, read in place and never copied (../shared/corpus beside the
// repo, as CI lays it out). Without it the tests below run on events/ alone and still assert.
const CORPUS_DIR = new URL('../../../../shared/corpus/', import.meta.url).pathname;

/** A CloudTrail record as EventBridge would deliver it from its own source. */
function envelopeFor(record: Record<string, unknown>): Record<string, unknown> {
  const service = typeof record.eventSource === 'string' ? record.eventSource.split('.')[0] : 'unknown';
  return {
    version: '0',
    id: 'corpus-0000',
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${service}`,
    account: '123456789012',
    time: '2026-11-24T03:00:00Z',
    region: typeof record.awsRegion === 'string' ? record.awsRegion : 'eu-west-1',
    resources: [],
    detail: record,
  };
}

function eventsIn(file: string): Record<string, unknown>[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  const records = Array.isArray(raw)
    ? raw
    : isRecord(raw) && Array.isArray(raw.Records)
      ? raw.Records
      : [raw];
  return records.filter(isRecord).flatMap((r) => {
    if ('detail-type' in r) return [r];
    return 'eventName' in r ? [envelopeFor(r)] : [];
  });
}

/** The records issue 16 was found with (cloudtrail-more), then every other corpus event. */
const CORPUS_REAL = jsonFiles(join(CORPUS_DIR, 'cloudtrail-more')).flatMap(eventsIn);
const CORPUS_ALL = [
  ...CORPUS_REAL,
  ...jsonFiles(join(CORPUS_DIR, 'cloudtrail')).flatMap(eventsIn),
  ...jsonFiles(join(CORPUS_DIR, 'eventbridge')).flatMap(eventsIn),
];

/**
 * Keys that pick the parser and the rule; poisoning them only ever yields the generic alert, which
 * the random runs reach anyway. Every other string, envelope and detail alike, is fair game.
 */
const STRUCTURAL = new Set(['source', 'detail-type', 'eventSource', 'eventName', 'value', 'version']);

/** Every string in the event with a setter, skipping structural keys. */
function stringSlots(root: unknown): Array<(s: (old: string) => string) => void> {
  const out: Array<(s: (old: string) => string) => void> = [];
  const walk = (node: unknown, depth: number) => {
    if (depth > 20) return;
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        if (typeof child === 'string') out.push((f) => (node[i] = f(child)));
        else walk(child, depth + 1);
      });
    } else if (isRecord(node)) {
      for (const [k, child] of Object.entries(node)) {
        if (typeof child === 'string' && !STRUCTURAL.has(k)) out.push((f) => (node[k] = f(child)));
        else walk(child, depth + 1);
      }
    }
  };
  walk(root, 0);
  return out;
}

/** Evaluates an event and holds each notification, as its notifier would render it, to the rules. */
function evaluateAndCheck(event: Record<string, unknown>): number {
  const result = evaluate(event, config);
  for (const alert of result.alerts) {
    // Labels are our structure: no event text may reach one.
    for (const fact of alert.facts) expect(fact.label).not.toMatch(/Approved by security|evil/);
  }
  for (const n of result.notifications) {
    const request = NotificationRequestSchema.parse(JSON.parse(JSON.stringify(boundRequest(n))));
    const rendered = renderNotification(request, config, ctx, requirePlugin(request.channel));
    if (rendered.channel === 'slack') checkSlack(rendered.body);
    if (rendered.channel === 'email') checkEmail(rendered.body, request.alert);
    if (rendered.channel === 'pagerduty') checkPagerDuty(rendered.body, request.alert);
  }
  return result.notifications.length;
}

describe('attacker text from raw events', () => {
  it('has CloudTrail and alarm samples to poison, and the corpus records when ../shared is there', () => {
    const kinds = new Set(SAMPLES.map((e) => e['detail-type']));
    expect(kinds).toContain('AWS API Call via CloudTrail');
    expect(kinds).toContain('CloudWatch Alarm State Change');
    if (existsSync(CORPUS_DIR)) expect(CORPUS_REAL.length).toBeGreaterThanOrEqual(100);
    else expect(CORPUS_ALL).toEqual([]);
  });

  it('renders every sample with every string poisoned, nothing forged (appended and replaced)', () => {
    let notifications = 0;
    for (const sample of [...SAMPLES, ...CORPUS_REAL]) {
      for (const poison of [(old: string) => `${old}${PAYLOAD}`, () => PAYLOAD]) {
        const event = structuredClone(sample);
        for (const set of stringSlots(event)) set(poison);
        notifications += evaluateAndCheck(event);
      }
    }
    expect(notifications).toBeGreaterThan(SAMPLES.length);
  });

  it('renders alarms whose name, reason, description and tags are hostile through the alarm rule', () => {
    const alarms = SAMPLES.filter((e) => e['detail-type'] === 'CloudWatch Alarm State Change');
    let rendered = 0;
    for (const sample of alarms) {
      const event = structuredClone(sample);
      const detail = isRecord(event.detail) ? event.detail : {};
      detail.alarmName = `orders${PAYLOAD}`;
      if (isRecord(detail.state)) detail.state.reason = `Threshold Crossed${PAYLOAD}`;
      detail.configuration = {
        ...(isRecord(detail.configuration) ? detail.configuration : {}),
        description: PAYLOAD,
      };
      detail.alarmTags = { team: PAYLOAD, runbook: `https://wiki.example/x${PAYLOAD}`, severity: 'critical' };
      const result = evaluate(event, config);
      expect(result.alerts.map((a) => a.ruleId)).toEqual(['cloudwatch-alarm']);
      rendered += evaluateAndCheck(event);
    }
    expect(rendered).toBeGreaterThan(0);
  });

  const hostileText = fc.oneof(
    fc.constantFrom(...FRAGMENTS),
    fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 2, maxLength: 6 }).map((parts) => parts.join('')),
    fc.string({ unit: 'binary', maxLength: 30 }),
  );

  it('renders randomly poisoned events without a forged line, mention or link (seeded)', () => {
    let notifications = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: SAMPLES.length + CORPUS_ALL.length - 1 }),
        fc.array(fc.tuple(fc.nat(), hostileText, fc.boolean()), { minLength: 1, maxLength: 8 }),
        (index, poisons) => {
          const event = structuredClone(SAMPLES[index] ?? CORPUS_ALL[index - SAMPLES.length] ?? {});
          const slots = stringSlots(event);
          for (const [at, text, append] of poisons) {
            slots[at % Math.max(1, slots.length)]?.((old) => (append ? `${old}${text}` : text));
          }
          notifications += evaluateAndCheck(event);
        },
      ),
      { seed: 16, numRuns: 1000 },
    );
    expect(notifications).toBeGreaterThan(1000);
  });

  it('holds a randomly poisoned alert to the same rules in every channel (seeded)', () => {
    fc.assert(
      fc.property(hostileText, fc.constantFrom<Alert['status']>('firing', 'resolved'), (text, status) => {
        renderAll(hostileAlert(text, { status }));
      }),
      { seed: 16, numRuns: 400 },
    );
  });
});
