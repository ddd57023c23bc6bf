import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadConfigFile } from '../../../../shared/config/load.ts';
import type { Alert, Severity } from '../../../../shared/events/alert.ts';
import { teams } from '../../../../shared/notify/channels/teams/index.ts';
import {
  TEAMS_BODY_MAX_BYTES,
  TEAMS_BUDGET,
  TEAMS_MAX_ACTIONS,
} from '../../../../shared/notify/channels/teams/limits.ts';
import {
  renderTeams,
  type TeamsAdaptiveCard,
  type TeamsContainer,
  type TeamsFact,
  type TeamsFactSet,
  type TeamsMessage,
  type TeamsTextBlock,
  teamsBodyBytes,
  teamsInline,
} from '../../../../shared/notify/channels/teams/render.ts';
import { TEAMS_CHANNEL, workflowUrl } from '../../../../shared/notify/channels/teams/sender.ts';
import type { SendTarget } from '../../../../shared/notify/channels/types.ts';
import { TRUNCATION_MARKER } from '../../../../shared/notify/text.ts';
import { evaluate } from '../../../../shared/pipeline/evaluate.ts';
import { replayMultiTeam } from '../../../helpers/channels.ts';
import { EVENTS_DIR } from '../../../helpers/events.ts';
import { buildAlert, CLOUDTRAIL_EVENT_ID, hugeString, LONE_SURROGATES } from '../fixtures.ts';

const settings = { workflowUrlParameter: '/cloud-alerts/test/teams/security' };
const WORKFLOW_URL =
  'https://prod-12.westeurope.logic.azure.com:443/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE';
const SIGNATURE = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE';

function card(message: TeamsMessage): TeamsAdaptiveCard {
  return message.attachments[0].content;
}
function band(message: TeamsMessage): TeamsContainer {
  const first = card(message).body[0];
  if (first?.type !== 'Container') throw new Error('no severity band');
  return first;
}
function factSets(message: TeamsMessage): TeamsFactSet[] {
  return card(message).body.filter((e): e is TeamsFactSet => e.type === 'FactSet');
}
function textBlocks(message: TeamsMessage): TeamsTextBlock[] {
  return card(message).body.flatMap((e) =>
    e.type === 'Container' ? e.items : e.type === 'TextBlock' ? [e] : [],
  );
}
/** Every string a person can read in the card, with where it sits. */
function readable(message: TeamsMessage): Array<{ where: string; text: string }> {
  const c = card(message);
  return [
    { where: 'fallback', text: c.fallbackText },
    ...textBlocks(message).map((t) => ({ where: 'text', text: t.text })),
    ...factSets(message).flatMap((s) => [
      ...s.facts.map((f) => ({ where: 'fact title', text: f.title })),
      ...s.facts.map((f) => ({ where: 'fact value', text: f.value })),
    ]),
    ...c.actions.map((a) => ({ where: 'button', text: a.title })),
  ];
}

describe('renderTeams', () => {
  it('renders a firing alert as a message with one Adaptive Card: band, prose, context, evidence, buttons', () => {
    expect(renderTeams(buildAlert())).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            fallbackText:
              '[CRITICAL] S3 bucket made public: IAM user alice made bucket example-data public with ACL public-read',
            msteams: { width: 'Full' },
            body: [
              {
                type: 'Container',
                style: 'attention',
                bleed: true,
                items: [
                  {
                    type: 'TextBlock',
                    text: 'CRITICAL: S3 bucket made public',
                    wrap: true,
                    weight: 'Bolder',
                    size: 'Large',
                    color: 'Attention',
                  },
                ],
              },
              {
                type: 'TextBlock',
                text: '**What happened:** IAM user alice made bucket example-data public with ACL public-read',
                wrap: true,
              },
              {
                type: 'TextBlock',
                text: '**Verdict:** Public now: anyone on the internet can list the bucket and read its objects.',
                wrap: true,
              },
              {
                type: 'FactSet',
                facts: [
                  { title: 'Who', value: 'IAM user alice' },
                  { title: 'Resource', value: 'S3 bucket example-data' },
                  { title: 'Account', value: 'production (123456789012)' },
                  { title: 'Region', value: 'eu-west-1' },
                  { title: 'Time', value: '2026-11-20T09:15:02Z' },
                  { title: 'Rule', value: 's3-bucket-acl-public' },
                ],
              },
              { type: 'TextBlock', text: 'Evidence', wrap: true, weight: 'Bolder' },
              {
                type: 'FactSet',
                facts: [
                  { title: 'Source IP', value: '203.0.113.10' },
                  { title: 'Client', value: 'AWS CLI 2.15.0' },
                  { title: 'MFA', value: 'no' },
                  { title: 'Event', value: 's3:PutBucketAcl' },
                ],
              },
            ],
            actions: [
              {
                type: 'Action.OpenUrl',
                title: 'Open bucket',
                url: 'https://s3.console.aws.amazon.com/s3/buckets/example-data?region=eu-west-1',
              },
              {
                type: 'Action.OpenUrl',
                title: 'CloudTrail event',
                url: `https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/events/${CLOUDTRAIL_EVENT_ID}`,
              },
            ],
          },
        },
      ],
    });
  });

  it.each<[Severity, string, string, string]>([
    ['critical', 'attention', 'Attention', 'CRITICAL'],
    ['high', 'warning', 'Warning', 'HIGH'],
    ['medium', 'accent', 'Accent', 'MEDIUM'],
    ['low', 'emphasis', 'Default', 'LOW'],
    ['info', 'default', 'Default', 'INFO'],
  ])('colours a %s alert %s and says the severity in words', (severity, style, color, label) => {
    const message = renderTeams(buildAlert({ severity }));
    expect(band(message).style).toBe(style);
    expect(band(message).items[0]).toMatchObject({ text: `${label}: S3 bucket made public`, color });
    expect(card(message).fallbackText.startsWith(`[${label}] `)).toBe(true);
  });

  it('renders a resolve as a short green follow-up card: "Resolved:", the time in ALARM, no evidence', () => {
    const message = renderTeams(
      buildAlert({
        status: 'resolved',
        severity: 'high',
        title: 'Alarm api-5xx',
        summary: 'api-5xx is back to OK',
        verdict: 'Resolved after 12 min in ALARM.',
      }),
    );
    expect(band(message).style).toBe('good');
    expect(band(message).items).toEqual([
      {
        type: 'TextBlock',
        text: 'Resolved: Alarm api-5xx',
        wrap: true,
        weight: 'Bolder',
        size: 'Large',
        color: 'Good',
      },
    ]);
    expect(textBlocks(message).map((t) => t.text)).toContain('**Verdict:** Resolved after 12 min in ALARM.');
    expect(factSets(message)).toHaveLength(1);
    expect(JSON.stringify(message)).not.toContain('Evidence');
    expect(card(message).fallbackText).toBe('[RESOLVED] Alarm api-5xx: api-5xx is back to OK');
  });

  it('marks an attempted (denied) call under the title', () => {
    expect(band(renderTeams(buildAlert({ attempted: true }))).items[1]).toEqual({
      type: 'TextBlock',
      text: 'Attempted: the call was denied, nothing changed',
      wrap: true,
      isSubtle: true,
    });
  });

  it('says what a grouping summary stands for, in words, under the title', () => {
    const summary = renderTeams(buildAlert({ title: '7 more alerts by IAM user alice', covers: 7 }));
    expect(band(summary).items.map((i) => i.text)).toEqual([
      'CRITICAL: 7 more alerts by IAM user alice',
      'Summary card: stands for 7 alerts not sent one by one',
    ]);
    expect(band(renderTeams(buildAlert({ covers: 1 }))).items[1]?.text).toBe(
      'Summary card: stands for 1 alert not sent one by one',
    );
    for (const covers of [0, -3, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(band(renderTeams(buildAlert({ covers }))).items).toHaveLength(1);
    }
  });

  it('leaves out who and which resource when the alert has none, keeps where and when', () => {
    const message = renderTeams(buildAlert({ actor: undefined, resource: undefined }));
    expect(factSets(message)[0]?.facts.map((f) => f.title)).toEqual(['Account', 'Region', 'Time', 'Rule']);
  });

  it('renders a multi-item fact one bulleted line per item, so no item starts a line of its own', () => {
    const message = renderTeams(
      buildAlert({
        facts: [
          {
            label: 'Trusted principals',
            value: 'arn:aws:iam::111111111111:root\n*\n--- Approved by security ---',
          },
        ],
      }),
    );
    expect(factSets(message)[1]?.facts).toEqual([
      {
        title: 'Trusted principals',
        value: '• arn:aws:iam::111111111111:root\n• \u2217\n• \u2010-- Approved by security ---',
      },
    ]);
  });

  it('makes buttons only of http(s) links, at most the card action limit, and says how many were left out', () => {
    const links = [
      { text: 'Script', url: 'javascript:alert(1)' },
      { text: 'Data', url: 'data:text/html,<script>alert(1)</script>' },
      { text: 'Spaced', url: 'https://x.test/a b' },
      { text: 'Hidden', url: 'https://x.test/\u202Egpj.exe' },
      { text: 'Long', url: `https://x.test/${'a'.repeat(2000)}` },
      ...Array.from({ length: 8 }, (_, i) => ({
        text: `Link ${i}`,
        url: `https://console.aws.amazon.com/${i}`,
      })),
    ];
    const message = renderTeams(buildAlert({ links }));
    expect(card(message).actions.map((a) => a.url)).toEqual(
      Array.from({ length: TEAMS_MAX_ACTIONS }, (_, i) => `https://console.aws.amazon.com/${i}`),
    );
    expect(textBlocks(message).at(-1)).toEqual({
      type: 'TextBlock',
      text: `7 link(s) not shown ${TRUNCATION_MARKER}`,
      wrap: true,
      isSubtle: true,
    });
  });

  it('never sends an empty text: empty labels, values and button titles get a placeholder', () => {
    const message = renderTeams(
      buildAlert({
        title: '\u200B',
        ruleId: '',
        facts: [{ label: '', value: '   ' }],
        links: [{ text: '', url: 'https://x.test/' }],
      }),
    );
    for (const { text } of readable(message)) expect(text.trim()).not.toBe('');
    expect(band(message).items[0]?.text).toBe('CRITICAL: —');
    expect(card(message).actions[0]?.title).toBe('Open');
  });

  it('replaces lone surrogates so the body is valid UTF-8', () => {
    const message = renderTeams(
      buildAlert({ title: LONE_SURROGATES, facts: [{ label: 'Session', value: LONE_SURROGATES }] }),
    );
    expect(JSON.stringify(message)).not.toMatch(/\\ud[89a-f]/i);
    expect(factSets(message)[1]?.facts).toEqual([{ title: 'Session', value: 'a\uFFFDb\uFFFDc' }]);
  });
});

describe('the Teams body limit', () => {
  it.each([
    ['ASCII', 'x'],
    ['three-byte characters', '\u6f22'],
    ['astral characters', '\u{1F600}'],
    ['quotes JSON doubles', '"'],
  ])('keeps an alert of 250 KB %s everywhere under the limit and marks every cut', (_name, unit) => {
    const huge = hugeString(250 * 1024, unit);
    const message = renderTeams(
      buildAlert({
        title: huge,
        summary: huge,
        verdict: huge,
        ruleId: huge,
        region: huge,
        time: huge,
        account: { id: huge, alias: huge },
        actor: { kind: 'iam-user', display: huge, crossAccount: false },
        resource: { type: huge, name: huge },
        facts: Array.from({ length: 300 }, () => ({ label: huge, value: `${huge}\n${huge}` })),
        links: Array.from({ length: 20 }, (_, i) => ({
          text: huge,
          url: `https://console.aws.amazon.com/${i}`,
        })),
      }),
    );
    expect(teamsBodyBytes(message)).toBeLessThanOrEqual(TEAMS_BODY_MAX_BYTES);
    expect(band(message).items[0]?.text.endsWith(TRUNCATION_MARKER)).toBe(true);
    const evidence = factSets(message)[1]?.facts ?? [];
    expect(evidence.at(-1)?.title).toBe('More facts');
    expect(evidence.at(-1)?.value).toMatch(
      new RegExp(`^\\d+ more not shown ${TRUNCATION_MARKER.replace(/[().]/g, '\\$&')}$`),
    );
    expect(card(message).actions).toHaveLength(TEAMS_MAX_ACTIONS);
  });

  it('shows as many facts as fit and counts the rest, every one accounted for', () => {
    const facts = Array.from({ length: 2000 }, (_, i) => ({
      label: `Fact ${i}`,
      value: `value ${i} ${'v'.repeat(40)}`,
    }));
    const message = renderTeams(buildAlert({ facts }));
    expect(teamsBodyBytes(message)).toBeLessThanOrEqual(TEAMS_BODY_MAX_BYTES);
    const evidence = factSets(message)[1]?.facts ?? [];
    const shown = evidence.length - 1;
    expect(shown).toBeGreaterThan(100);
    expect(evidence.slice(0, shown).map((f: TeamsFact) => f.title)).toEqual(
      facts.slice(0, shown).map((f) => f.label),
    );
    expect(evidence.at(-1)?.value).toBe(`${2000 - shown} more not shown ${TRUNCATION_MARKER}`);
    // Full: one more fact (about 70 bytes) would not have fitted.
    expect(teamsBodyBytes(message)).toBeGreaterThan(TEAMS_BODY_MAX_BYTES - 150);
  });

  it('shows every fact of an ordinary alert: nothing is cut that fits', () => {
    const facts = Array.from({ length: 40 }, (_, i) => ({ label: `Fact ${i}`, value: `value ${i}` }));
    expect(factSets(renderTeams(buildAlert({ facts })))[1]?.facts).toEqual(
      facts.map((f) => ({ title: f.label, value: f.value })),
    );
  });
});

/** What an attacker writes into a CloudTrail field, and what a Teams reader sees of it. */
const HOSTILE: Array<[string, string, string]> = [
  [
    'a Markdown link',
    '[Open the AWS console](https://evil.example/login)',
    '\uff3bOpen the AWS console\uff3d(https[:]//evil.example/login)',
  ],
  ['a javascript link', '[x](javascript:alert(1))', '\uff3bx\uff3d(javascript:alert(1))'],
  ['a link definition at a line start', '[x]: https://evil.example', '\uff3bx]: https[:]//evil.example'],
  ['a Teams mention', '<at>Security Team</at>', '\u2039at>Security Team\u2039/at>'],
  [
    'an HTML link',
    '<a href="https://evil.example">x</a>',
    '\u2039a href="https[:]//evil.example">x\u2039/a>',
  ],
  ['an autolink', '<https://evil.example>', '\u2039https[:]//evil.example>'],
  [
    'an entity-encoded mention',
    '&lt;at&gt;Security&lt;/at&gt;',
    '\uff06lt;at\uff06gt;Security\uff06lt;/at\uff06gt;',
  ],
  ['bold', '**Approved by security**', '\u2217\u2217Approved by security\u2217\u2217'],
  ['italic', '_benign_', '\u02cdbenign\u02cd'],
  ['an identifier with underscores', 'AWSReservedSSO_Admin_1a2b', 'AWSReservedSSO_Admin_1a2b'],
  ['a wildcard', 's3:*', 's3:\u2217'],
  ['code', '`rm -rf`', '\u02cbrm -rf\u02cb'],
  ['strike', '~~old~~', '\u223c\u223cold\u223c\u223c'],
  ['a quote', '> Approved by security', '\u203a Approved by security'],
  ['a heading', '# Benign', '\uff03 Benign'],
  ['a list item', '- Benign', '\u2010 Benign'],
  ['a rule', '---', '\u2010--'],
  ['a numbered item', '1. Benign', '1\u2024 Benign'],
  ['a forged line', 'x\nVerdict: benign, no action needed', 'x Verdict: benign, no action needed'],
  ['a forged line (U+2028)', 'x\u2028Rule: allowed-by-security', 'x Rule: allowed-by-security'],
  ['a bidi override', 'invoice\u202Eexe.pdf\u202C', 'invoiceexe.pdf'],
  ['bidi isolates', '\u2066isolated\u2069', 'isolated'],
  ['zero-width characters', 'ad\u200Bmin\u200D\uFEFF\u00AD', 'admin'],
  ['tag characters', 'a\u{E0041}\u{E0042}b', 'ab'],
  ['terminal escapes', '\u001b[2J\u001b]0;pwned\u0007x', '\uff3b2J]0;pwnedx'],
  ['a broadcast', '@here @channel @team', '\uff20here \uff20channel \uff20team'],
  ['a bare URL', 'https://evil.example/phish', 'https[:]//evil.example/phish'],
  ['a www link', 'www.evil.example', 'www[.]evil.example'],
  ['card templating', '{{DATE(2017-02-14T06:08:00Z, SHORT)}}', '\uff5b{DATE(2017-02-14T06:08:00Z, SHORT)}}'],
  ['a comparison', 'CPUUtilization > 80 and x < 5', 'CPUUtilization > 80 and x < 5'],
];

/**
 * Holds a card to the rules for attacker text: one line per text (a multi-item fact's items each behind
 * our bullet), no Markdown, mention, entity, templating or live link an attacker wrote, nothing hidden,
 * no line that opens a block, only http(s) buttons, and the body under the limit.
 */
function checkCard(message: TeamsMessage): void {
  for (const { where, text } of readable(message)) {
    const lines = text.split('\n');
    // Only a multi-item fact value has several lines, each behind our bullet.
    if (lines.length > 1) expect(where === 'fact value' && lines.every((l) => l.startsWith('• '))).toBe(true);
    const attacker = text.replace(/^\*\*(What happened|Verdict):\*\* /, '');
    expect(attacker).not.toMatch(/[*`]/);
    expect(attacker).not.toMatch(/\]\(|<[A-Za-z/!?]|&#?[A-Za-z0-9]+;|\{\{/);
    expect(attacker).not.toMatch(/:\/\/|www\./i);
    expect(attacker).not.toMatch(/@(here|channel|everyone|team)\b/i);
    // A line break only between the items of a fact, where the renderer put it.
    expect(attacker).not.toMatch(/[^\P{Cc}\n]|\p{Cf}/u);
    // The fallback is plain text and starts with our label; every other line must not open a block.
    if (where === 'fallback') expect(text).toMatch(/^\[(CRITICAL|HIGH|MEDIUM|LOW|INFO|RESOLVED)\] /);
    else for (const line of lines) expect(line).not.toMatch(/^(>|#|[-+] |--|\d+[.)] |\[)/);
  }
  for (const action of card(message).actions) expect(action.url).toMatch(/^https?:\/\//);
  expect(teamsBodyBytes(message)).toBeLessThanOrEqual(TEAMS_BODY_MAX_BYTES);
}

describe('attacker text in a Teams card', () => {
  it.each(HOSTILE)('renders %s inert', (_name, input, shown) => {
    expect(teamsInline(input, 1000)).toBe(shown);
  });

  it('puts every hostile string of an alert through the same rules, wherever it lands', () => {
    const p = HOSTILE.map(([, input]) => input).join(' ');
    const message = renderTeams(
      buildAlert({
        title: p,
        summary: p,
        verdict: p,
        ruleId: p,
        region: p,
        time: p,
        account: { id: p, alias: p },
        actor: { kind: 'iam-user', display: p, crossAccount: false },
        resource: { type: p, name: p },
        facts: [
          { label: p, value: p },
          { label: 'List', value: `${p}\n${p}` },
        ],
        links: [{ text: p, url: 'https://console.aws.amazon.com/cloudtrail/home' }],
        covers: 3,
        attempted: true,
      }),
    );
    checkCard(message);
    expect(card(message).actions.map((a) => a.url)).toEqual([
      'https://console.aws.amazon.com/cloudtrail/home',
    ]);
  });
});

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return name.endsWith('.json') ? [path] : [];
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keys that pick the parser and the rule: poisoning them only yields the generic alert. */
const STRUCTURAL = new Set(['source', 'detail-type', 'eventSource', 'eventName', 'value', 'version']);

/** The event with `p` appended to every other string, envelope and detail alike. */
function poisoned(node: unknown, p: string, key = ''): unknown {
  if (typeof node === 'string') return STRUCTURAL.has(key) ? node : `${node}${p}`;
  if (Array.isArray(node)) return node.map((child) => poisoned(child, p));
  if (isRecord(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, poisoned(v, p, k)]));
  return node;
}

describe('attacker text from raw events in a Teams card', () => {
  const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
  const samples = jsonFiles(EVENTS_DIR)
    .map((file) => JSON.parse(readFileSync(file, 'utf8')) as unknown)
    .filter((e): e is Record<string, unknown> => isRecord(e) && 'detail-type' in e);
  const payload = HOSTILE.map(([, input]) => input).join(' ');

  it('renders every alert of every sample event, every string poisoned, inert and under the limit', () => {
    let alerts = 0;
    for (const sample of samples) {
      for (const alert of evaluate(poisoned(sample, payload), config).alerts) {
        checkCard(renderTeams(alert));
        alerts++;
      }
    }
    // Most samples still raise their alert with every string poisoned.
    expect(alerts).toBeGreaterThan(samples.length / 2);
  });

  it('holds for random strings in every field of an alert (fast-check, seeded)', () => {
    const hostile = fc.oneof(
      fc.constantFrom(...HOSTILE.map(([, input]) => input)),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({
        unit: fc.constantFrom(
          '[',
          ']',
          '(',
          ')',
          '<',
          '>',
          '&',
          '*',
          '_',
          '#',
          '-',
          '1',
          '.',
          '\n',
          ' ',
          'a',
          '{',
          '@',
        ),
        maxLength: 40,
      }),
    );
    const text = fc.array(hostile, { maxLength: 4 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(
        text,
        text,
        text,
        text,
        fc.array(fc.tuple(text, text), { maxLength: 6 }),
        (title, summary, verdict, name, facts) => {
          checkCard(
            renderTeams(
              buildAlert({
                title,
                summary,
                verdict,
                account: { id: name, alias: name },
                actor: { kind: 'iam-user', display: name, crossAccount: false },
                resource: { type: name, name },
                facts: facts.map(([label, value]) => ({ label, value })),
                links: [{ text: name, url: 'https://console.aws.amazon.com/' }],
              }),
            ),
          );
        },
      ),
      { seed: 19, numRuns: 500 },
    );
  });
});

describe('Teams previews', () => {
  it('prints the exact card as plain lines for the terminal', () => {
    expect(teams.preview.text(renderTeams(buildAlert({ covers: 2 })))).toBe(
      [
        '[attention] CRITICAL: S3 bucket made public',
        '  Summary card: stands for 2 alerts not sent one by one',
        'What happened: IAM user alice made bucket example-data public with ACL public-read',
        'Verdict: Public now: anyone on the internet can list the bucket and read its objects.',
        '  Who: IAM user alice',
        '  Resource: S3 bucket example-data',
        '  Account: production (123456789012)',
        '  Region: eu-west-1',
        '  Time: 2026-11-20T09:15:02Z',
        '  Rule: s3-bucket-acl-public',
        'Evidence',
        '  Source IP: 203.0.113.10',
        '  Client: AWS CLI 2.15.0',
        '  MFA: no',
        '  Event: s3:PutBucketAcl',
        '[button] Open bucket → https://s3.console.aws.amazon.com/s3/buckets/example-data?region=eu-west-1',
        `[button] CloudTrail event → https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/events/${CLOUDTRAIL_EVENT_ID}`,
      ].join('\n'),
    );
  });

  it('prints a multi-item fact as indented lines', () => {
    const text = teams.preview.text(renderTeams(buildAlert({ facts: [{ label: 'Grants', value: 'a\nb' }] })));
    expect(text).toContain('  Grants: • a\n    • b');
  });

  const escapeHtml = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

  it('shows the card in the report with every string escaped and only our buttons as links', () => {
    const html = teams.preview.html(
      renderTeams(
        buildAlert({
          title: '<script>alert(1)</script>',
          summary: '<img src=x onerror=alert(1)> "quoted"',
          facts: [{ label: 'UA', value: '<b>bold</b>' }],
          links: [{ text: '<i>x</i>', url: 'https://console.aws.amazon.com/?a=1&b="2"' }],
        }),
      ),
      escapeHtml,
    );
    expect(html).not.toMatch(/<(script|img|b|i)[\s>]/);
    expect(html).toContain(
      '<div class="t-band t-attention"><div class="t-title">CRITICAL: \u2039script&gt;alert(1)\u2039/script&gt;</div></div>',
    );
    expect(html).toContain(
      '<strong>What happened:</strong> \u2039img src=x onerror=alert(1)&gt; &quot;quoted&quot;',
    );
    expect(html).toContain(
      '<a class="t-button" href="https://console.aws.amazon.com/?a=1&amp;b=&quot;2&quot;" rel="noopener noreferrer" target="_blank">\u2039i&gt;x\u2039/i&gt;</a>',
    );
    expect((html.match(/<a /g) ?? []).length).toBe(1);
  });

  it('shows a resolve in the report with its green band', () => {
    const html = teams.preview.html(renderTeams(buildAlert({ status: 'resolved' })), escapeHtml);
    expect(html).toContain(
      '<div class="t-band t-good"><div class="t-title">Resolved: S3 bucket made public</div></div>',
    );
  });

  it('brings a style rule for every class its report markup uses, every band included', () => {
    const severities: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
    const html = [
      ...severities.map((severity) => buildAlert({ severity })),
      buildAlert({ status: 'resolved' }),
      buildAlert({ covers: 3 }),
    ]
      .map((alert) => teams.preview.html(renderTeams(alert), escapeHtml))
      .join('\n');
    const used = new Set([...html.matchAll(/class="([^"]+)"/g)].flatMap((m) => (m[1] ?? '').split(' ')));
    expect([...used].sort()).toEqual(
      expect.arrayContaining([
        't-attention',
        't-band',
        't-button',
        't-facts',
        't-good',
        't-warning',
        'teams',
      ]),
    );
    const css = teams.preview.css ?? '';
    expect([...used].filter((c) => !css.includes(`.${c}{`) && !css.includes(`.${c} `))).toEqual([]);
    // One stylesheet with a CSP hash: the rules must not reach outside it.
    expect(css).not.toMatch(/url\(|@import|<\//i);
  });
});

describe('the teams plug-in', () => {
  it('takes a receiver with a parameter and an optional key, and nothing else', () => {
    expect(teams.settings.parse(settings)).toEqual(settings);
    const withKey = {
      ...settings,
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    };
    expect(teams.settings.parse(withKey)).toEqual(withKey);
    expect(teams.settings.safeParse({ ...settings, webhookUrl: 'x' }).success).toBe(false);
    expect(teams.settings.safeParse({}).success).toBe(false);
    expect(teams.settings.safeParse({ ...settings, kmsKeyArn: 'alias/aws/ssm' }).success).toBe(false);
  });

  it('refuses a pasted workflow URL or an ARN without repeating the value', () => {
    for (const bad of [WORKFLOW_URL, 'arn:aws:ssm:eu-west-1:123456789012:parameter/teams']) {
      const result = teams.settings.safeParse({ workflowUrlParameter: bad });
      expect(result.success).toBe(false);
      const messages = JSON.stringify(result.error?.issues);
      expect(messages).not.toContain(SIGNATURE);
      expect(messages).not.toContain(bad);
    }
  });

  it('names its secret, budget, identity and deployment', () => {
    expect(teams.name).toBe('teams');
    expect(teams.title).toBe('Microsoft Teams');
    expect(teams.secret(settings)).toEqual({
      parameter: '/cloud-alerts/test/teams/security',
      kmsKeyArn: undefined,
      field: 'workflowUrlParameter',
      what: 'workflow URL',
      example: '<Teams workflow URL>',
    });
    // A burst never above the four requests a second Microsoft documents for webhooks.
    expect(TEAMS_BUDGET.burst).toBeLessThanOrEqual(4);
    expect(teams.budget).toEqual(TEAMS_BUDGET);
    expect(teams.budget.reserve).toBeLessThan(teams.budget.burst);
    expect(teams.budgetIdentity(settings, { secret: ` ${WORKFLOW_URL}\n`, stackTopicArn: undefined })).toBe(
      WORKFLOW_URL,
    );
    expect(teams.budgetIdentity(settings, { secret: undefined, stackTopicArn: undefined })).toBeUndefined();
    expect(teams.deploy).toEqual({
      id: 'Teams',
      description: 'Notification requests for Microsoft Teams receivers → Teams Workflows webhooks',
    });
  });

  it('renders the same body the sender posts, and shows it as it is: the URL is never in it', () => {
    const body = teams.render(buildAlert(), settings, { secret: WORKFLOW_URL, stackTopicArn: undefined });
    expect(body).toEqual(renderTeams(buildAlert()));
    expect(teams.shown(body, settings)).toBe(body);
    expect(JSON.stringify(body)).not.toContain('logic.azure.com');
  });
});

describe('createTeamsSender', () => {
  function target(secret: string | undefined, alert: Alert = buildAlert()): SendTarget<typeof settings> {
    return {
      receiver: 'security-teams',
      settings,
      secret,
      request: {
        channel: TEAMS_CHANNEL,
        receiver: 'security-teams',
        key: `${alert.id}/security-teams`,
        alert,
      },
    };
  }

  it('POSTs the card as JSON to the workflow URL, without following redirects', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const sender = teams.createSender({
      fetchImpl: async (url, init) => {
        calls.push({ url, init });
        return new Response(null, { status: 202 });
      },
    });
    const body = renderTeams(buildAlert());
    await sender.send(body, target(WORKFLOW_URL));
    expect(calls).toHaveLength(1);
    // The URL as parsed: the explicit default port goes, the signature stays.
    expect(calls[0]?.url).toBe(WORKFLOW_URL.replace(':443', ''));
    expect(calls[0]?.init).toMatchObject({
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      redirect: 'manual',
    });
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual(body);
  });

  it.each([
    [undefined, 'no workflow URL for this receiver (its SSM parameter is empty or was not read)'],
    ['  ', 'no workflow URL for this receiver (its SSM parameter is empty or was not read)'],
    ['not a url /workflows/secret-id?sig=SECRETSECRETSECRETSECRET', 'the workflow URL in SSM is not a URL'],
    [
      WORKFLOW_URL.replace('https:', 'http:'),
      'the workflow URL in SSM must be an https:// URL (http:// only for 127.0.0.1)',
    ],
    [
      'http://10.0.0.1/workflows/x?sig=SECRETSECRETSECRETSECRET',
      'the workflow URL in SSM must be an https:// URL (http:// only for 127.0.0.1)',
    ],
    [
      WORKFLOW_URL.replace('https://', 'https://user:SECRETSECRETSECRETSECRET@'),
      'the workflow URL in SSM must not carry a user name or password',
    ],
  ])(
    'refuses a bad workflow URL before sending, permanently, without quoting it (%#)',
    async (secret, reason) => {
      let called = false;
      const sender = teams.createSender({
        fetchImpl: async () => {
          called = true;
          return new Response(null, { status: 202 });
        },
      });
      const promise = sender.send(renderTeams(buildAlert()), target(secret));
      await expect(promise).rejects.toMatchObject({
        channel: 'teams',
        retryable: false,
        message: `teams delivery failed: ${reason}, permanent`,
      });
      await promise.catch((e: Error) => {
        expect(e.message).not.toContain('SECRETSECRET');
        expect(e.message).not.toContain(SIGNATURE);
      });
      expect(called).toBe(false);
    },
  );

  it('accepts http only on the loopback address, where the tests run their stand-in', () => {
    expect(workflowUrl('http://127.0.0.1:8080/x').host).toBe('127.0.0.1:8080');
    expect(workflowUrl('http://[::1]:8080/x').hostname).toBe('[::1]');
    expect(() => workflowUrl('http://localhost.evil.example/x')).toThrow(/https/);
  });

  it('keeps the URL out of an error when the transport error quotes it', async () => {
    const sender = teams.createSender({
      fetchImpl: async () => {
        throw Object.assign(new TypeError(`fetch failed for ${WORKFLOW_URL}`), {
          cause: Object.assign(new Error(`connect ECONNRESET ${WORKFLOW_URL}`), { code: 'ECONNRESET' }),
        });
      },
    });
    const e = await sender.send(renderTeams(buildAlert()), target(WORKFLOW_URL)).catch((err: Error) => err);
    expect(e).toMatchObject({
      retryable: true,
      message: 'teams delivery failed: network error (TypeError ECONNRESET), retryable',
    });
    const all =
      JSON.stringify(e) + String((e as Error).stack) + String(((e as Error).cause as Error).message);
    expect(all).not.toContain(SIGNATURE);
    expect(all).not.toContain('logic.azure.com');
  });

  it('redacts the signature when the workflow quotes it alone, decoded or not', async () => {
    for (const quoted of [SIGNATURE, encodeURIComponent(SIGNATURE)]) {
      const sender = teams.createSender({
        fetchImpl: async () => new Response(`{"error":{"message":"bad sig ${quoted}"}}`, { status: 401 }),
      });
      const e = await sender.send(renderTeams(buildAlert()), target(WORKFLOW_URL)).catch((err: Error) => err);
      expect(e).toMatchObject({ retryable: false, status: 401 });
      expect((e as Error).message).toContain('bad sig [redacted]');
      expect((e as Error).message).not.toContain(SIGNATURE);
    }
  });
});

describe('replay of a Teams receiver', () => {
  it('prints the card the workflow would get, as the plug-in renders it, through the CLI formatter', async () => {
    const { result, printed } = await replayMultiTeam('events/cloudwatch/metric-math-ok.json');
    const note = result.notifications.find((n) => n.channel === 'teams');
    expect(note?.receiver).toBe('teams-payments');
    expect(note?.body).toMatchObject({
      type: 'message',
      attachments: [{ content: { type: 'AdaptiveCard' } }],
    });
    expect(printed).toContain('  → teams teams-payments\n');
    expect(printed).toContain(
      `    │ ${teams.preview
        .text(note?.body as TeamsMessage)
        .split('\n')
        .join('\n    │ ')}\n`,
    );
    expect(printed).toContain('    │ [good] Resolved: Alarm example-checkout-5xx-rate\n');
    // Nothing of the secret: replay has only the placeholder naming the parameter, and the card never carries it.
    expect(JSON.stringify(note)).not.toContain('/cloud-alerts/dev/teams/payments');
  });
});
