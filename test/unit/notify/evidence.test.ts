/**
 * alert.evidence in every channel: the exact rendering of a Lambda errors alarm's evidence (metric
 * sparkline and legend, three errors from its logs, its recent history), where it sits, how it is cut,
 * and that an alert without evidence (or a resolve) renders as it did before evidence existed.
 */
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import fc from 'fast-check';
import { escapeHtml } from '../../../shared/backtest/html.ts';
import type { Alert } from '../../../shared/events/alert.ts';
import { email } from '../../../shared/notify/channels/email/index.ts';
import { renderEmail } from '../../../shared/notify/channels/email/render.ts';
import { pagerduty } from '../../../shared/notify/channels/pagerduty/index.ts';
import {
  type PagerDutyTriggerEvent,
  renderPagerDuty,
} from '../../../shared/notify/channels/pagerduty/render.ts';
import { slack } from '../../../shared/notify/channels/slack/index.ts';
import {
  SLACK_BLOCKS_TEXT_MAX,
  SLACK_SECTION_TEXT_MAX,
} from '../../../shared/notify/channels/slack/limits.ts';
import {
  renderSlack,
  type SlackMessage,
  type SlackSectionBlock,
  slackBlocksText,
} from '../../../shared/notify/channels/slack/render.ts';
import { teams } from '../../../shared/notify/channels/teams/index.ts';
import { renderTeams, teamsBodyBytes } from '../../../shared/notify/channels/teams/render.ts';
import { webhook } from '../../../shared/notify/channels/webhook/index.ts';
import { renderWebhookPayload } from '../../../shared/notify/channels/webhook/render.ts';
import {
  EVIDENCE_LINES_MAX,
  evidencePlainLines,
  evidenceText,
  looksLikeChart,
  shownEvidence,
} from '../../../shared/notify/evidence.ts';
import { TRUNCATION_MARKER } from '../../../shared/notify/text.ts';
import { buildAlert, lambdaErrorsAlert } from './fixtures.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:security-alerts';
const ROUTING_KEY = 'R0UT1NGk3yR0UT1NGk3yR0UT1NGk3y01';
const CTX = { secret: ROUTING_KEY, stackTopicArn: TOPIC };

function withoutEvidence(alert: Alert): Alert {
  const { evidence: _, ...rest } = alert;
  return rest;
}

/** Every channel's body for `alert`, for "renders as before" comparisons. */
function allBodies(alert: Alert): unknown[] {
  return [
    renderSlack(alert),
    slack.render(alert, { botTokenParameter: '/cloud-alerts/slack/bot', channel: 'C0123ABCDEF' }, CTX),
    renderPagerDuty(alert, ROUTING_KEY),
    renderEmail(alert, TOPIC),
    renderTeams(alert),
  ];
}

describe('shared/notify/evidence', () => {
  it('makes each string one inert line and caps the lines of a section, counting the rest', () => {
    const text = evidenceText({
      kind: 'logs',
      title: 'Top errors\nin <group>',
      chart: '▁▂\u202E█',
      lines: ['', ...Array.from({ length: 10 }, (_, i) => `${i}× see https://evil.example/${i}`)],
    });
    expect(text.title).toBe('Top errors in <group>');
    expect(text.chart).toBe('▁▂█');
    expect(text.lines).toHaveLength(EVIDENCE_LINES_MAX);
    expect(text.lines[0]).toBe('0× see https[:]//evil.example/0');
    // The empty line is no line at all; of the ten others, two are past the cap.
    expect(text.omitted).toBe(2);
    expect(evidencePlainLines(text).at(-1)).toBe(`  • 2 more line(s) not shown ${TRUNCATION_MARKER}`);
  });

  it('cuts a line past EVIDENCE_LINE_MAX with a marker, and names an untitled section', () => {
    const text = evidenceText({ kind: 'history', title: ' \n ', lines: ['x'.repeat(100_000)] });
    expect(text.title).toBe('Evidence');
    expect(text.lines[0]).toHaveLength(300);
    expect(text.lines[0]?.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('shows none for a resolve', () => {
    expect(shownEvidence(lambdaErrorsAlert({ status: 'resolved' }))).toEqual([]);
    expect(shownEvidence(lambdaErrorsAlert())).toHaveLength(3);
  });

  it('recognises a sparkline, and nothing else, as a chart', () => {
    expect(looksLikeChart('▁▁▂▁▁▅▇█')).toBe(true);
    expect(looksLikeChart('▁·▂')).toBe(true);
    expect(looksLikeChart('Threshold 5')).toBe(false);
  });
});

describe('an alert without evidence renders as before', () => {
  it('renders identically in every channel with no evidence, an empty list, or as a resolve', () => {
    const plain = lambdaErrorsAlert({ evidence: undefined });
    expect(allBodies({ ...plain, evidence: [] })).toEqual(allBodies(withoutEvidence(plain)));
    const resolved = lambdaErrorsAlert({ status: 'resolved' });
    expect(allBodies(resolved)).toEqual(allBodies(withoutEvidence(resolved)));
  });

  it('adds nothing to the webhook document unless the alert has evidence', () => {
    expect(renderWebhookPayload(withoutEvidence(lambdaErrorsAlert())).alert).not.toHaveProperty('evidence');
  });
});

const SLACK_EVIDENCE: SlackSectionBlock[] = [
  {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: [
        '*Metric:* Errors (Sum per minute), 09:55–10:02 UTC',
        '```▁▁▂▁▁▅▇█```',
        '• Threshold 5 (Sum ≥ 5); breaching: the last 3 minutes',
        '• Last 12 Count at 10:02, lowest 0, highest 12',
      ].join('\n'),
      verbatim: true,
    },
  },
  {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: [
        '*Logs:* Top errors in /aws/lambda/checkout, 09:50–10:02 UTC',
        "• 9× TypeError: Cannot read properties of undefined (reading 'id') (first 09:58:11)",
        '• 2× Error: connect ETIMEDOUT 10.0.3.7:5432 (first 09:59:40)',
        '• 1× Task timed out after 3.00 seconds (first 10:01:02)',
      ].join('\n'),
      verbatim: true,
    },
  },
  {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: '*History:* Changes to checkout in the last day\n• Code updated 12 minutes ago by role deploy (session ci-42)',
      verbatim: true,
    },
  },
];

describe('Slack: evidence', () => {
  it('renders a section per evidence after the facts and before the buttons', () => {
    const message = renderSlack(lambdaErrorsAlert());
    expect(message.blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'section',
      'section',
      'actions',
      'context',
    ]);
    expect(message.blocks[2]).toMatchObject({
      fields: [{ text: expect.stringMatching(/^\*Metric:\*/) }, {}],
    });
    expect(message.blocks.slice(3, 6)).toEqual(SLACK_EVIDENCE);
    // The fallback text is the notification line: no evidence in it.
    expect(message.text).toBe(renderSlack(withoutEvidence(lambdaErrorsAlert())).text);
  });

  it('sends the same blocks in app mode (chat.postMessage)', () => {
    const body = slack.render(
      lambdaErrorsAlert(),
      { botTokenParameter: '/cloud-alerts/slack/bot', channel: 'C0123ABCDEF' },
      CTX,
    );
    expect(body).toMatchObject({ channel: 'C0123ABCDEF' });
    expect((body as SlackMessage).blocks.slice(3, 6)).toEqual(SLACK_EVIDENCE);
  });

  it('escapes a chart that would close its code block or ping the channel', () => {
    const message = renderSlack(
      lambdaErrorsAlert({
        evidence: [
          { kind: 'metric', title: '*bold* <!here>', chart: '▁```<!channel>&', lines: ['_x_ @here'] },
        ],
      }),
    );
    expect((message.blocks[3] as SlackSectionBlock).text?.text).toBe(
      '*Metric:* \u2217bold\u2217 &lt;!here&gt;\n```▁\u02cb\u02cb\u02cb&lt;!channel&gt;&amp;```\n• \u02cdx\u02cd \uff20here',
    );
  });

  it('cuts evidence before facts and counts the sections left out', () => {
    const facts = Array.from({ length: 20 }, (_, i) => ({ label: `Fact ${i}`, value: 'v'.repeat(380) }));
    const message = renderSlack(lambdaErrorsAlert({ facts }));
    const factFields = message.blocks.flatMap((b) => (b.type === 'section' ? (b.fields ?? []) : []));
    expect(factFields).toHaveLength(20);
    const context = message.blocks.at(-1);
    // What room the facts left holds the metric, whole; the logs and the history are counted.
    expect(message.blocks.at(-3)).toEqual(SLACK_EVIDENCE[0]);
    expect(context?.type === 'context' && context.elements.map((e) => e.text)).toContain(
      `2 evidence section(s) not shown ${TRUNCATION_MARKER}`,
    );
    expect(slackBlocksText(message)).toBeLessThanOrEqual(SLACK_BLOCKS_TEXT_MAX);
  });

  it('shares the room among sections and says how many lines each left out', () => {
    const long = Array.from({ length: 8 }, (_, i) => `${i} ${'e'.repeat(400)}`);
    const message = renderSlack(
      lambdaErrorsAlert({
        evidence: [
          { kind: 'metric', title: 'Errors', chart: '▁▂█', lines: long },
          { kind: 'children', title: 'Children', lines: long },
          { kind: 'logs', title: 'Top errors', lines: long },
          { kind: 'logs', title: 'More errors', lines: long },
          { kind: 'history', title: 'Changes', lines: ['Code updated 12 minutes ago'] },
        ],
      }),
    );
    const sections = message.blocks.slice(3, 8).map((b) => (b as SlackSectionBlock).text?.text ?? '');
    expect(sections.map((s) => s.split('\n')[0])).toEqual([
      '*Metric:* Errors',
      '*Alarms:* Children',
      '*Logs:* Top errors',
      '*Logs:* More errors',
      '*History:* Changes',
    ]);
    // The short history is shown whole; the four long ones split the rest and count their cut lines.
    expect(sections[4]).toBe('*History:* Changes\n• Code updated 12 minutes ago');
    expect(sections[0]?.split('\n').slice(0, 2)).toEqual(['*Metric:* Errors', '```▁▂█```']);
    const lengths = sections.slice(0, 4).map((s) => s.length);
    expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThan(310);
    for (const section of sections.slice(0, 4)) {
      expect(section).toMatch(/\n• \d more line\(s\) not shown … \(truncated\)$/);
      expect(section.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_MAX);
    }
    expect(slackBlocksText(message)).toBeLessThanOrEqual(SLACK_BLOCKS_TEXT_MAX);
  });

  it('stays within every Slack cap whatever the facts and evidence hold', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 700 });
    const section = fc.record({
      kind: fc.constantFrom('metric' as const, 'children' as const, 'logs' as const, 'history' as const),
      title: text,
      chart: fc.option(text, { nil: undefined }),
      lines: fc.array(text, { maxLength: 12 }),
    });
    const facts = fc.array(fc.record({ label: fc.string({ maxLength: 40 }), value: text }), {
      maxLength: 40,
    });
    fc.assert(
      fc.property(facts, fc.array(section, { maxLength: 12 }), (f, evidence) => {
        const message = renderSlack(lambdaErrorsAlert({ facts: f, evidence }));
        expect(message.blocks.length).toBeLessThanOrEqual(50);
        expect(slackBlocksText(message)).toBeLessThanOrEqual(SLACK_BLOCKS_TEXT_MAX);
        for (const block of message.blocks) {
          if (block.type === 'section' && block.text) {
            expect(block.text.text.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_MAX);
          }
        }
        // Every section is shown or counted.
        const shown = message.blocks.filter(
          (b) => b.type === 'section' && /^\*(Metric|Alarms|Logs|History):\* /.test(b.text?.text ?? ''),
        ).length;
        const note = /(\d+) evidence section\(s\) not shown/.exec(JSON.stringify(message.blocks.at(-1)));
        expect(shown + Number(note?.[1] ?? 0)).toBe(evidence.length);
      }),
      { seed: 20, numRuns: 300 },
    );
  });

  it('previews the chart as a code block: in the text as written, in the report in monospace', () => {
    const body = slack.render(lambdaErrorsAlert(), { webhookUrlParameter: '/cloud-alerts/slack' }, CTX);
    const text = slack.preview.text(body).split('\n');
    expect(text).toContain('*Metric:* Errors (Sum per minute), 09:55–10:02 UTC');
    expect(text).toContain('```▁▁▂▁▁▅▇█```');
    const html = slack.preview.html(body, escapeHtml);
    expect(html).toContain(
      '<div class="s-section"><strong>Metric:</strong> Errors (Sum per minute), 09:55–10:02 UTC<pre class="s-code">▁▁▂▁▁▅▇█</pre>• Threshold 5 (Sum ≥ 5); breaching: the last 3 minutes<br>• Last 12 Count at 10:02, lowest 0, highest 12</div>',
    );
    expect(slack.preview.css).toContain('.slack .s-code{font-family:');
  });
});

describe('PagerDuty: evidence', () => {
  it('puts the evidence in custom_details.evidence, title → [chart, ...lines], after the facts', () => {
    const event = renderPagerDuty(lambdaErrorsAlert(), ROUTING_KEY) as PagerDutyTriggerEvent;
    const details = event.payload.custom_details;
    expect(Object.keys(details).slice(0, 3)).toEqual(['facts', 'evidence', 'verdict']);
    expect(details.evidence).toEqual({
      'Errors (Sum per minute), 09:55–10:02 UTC': [
        '▁▁▂▁▁▅▇█',
        'Threshold 5 (Sum ≥ 5); breaching: the last 3 minutes',
        'Last 12 Count at 10:02, lowest 0, highest 12',
      ],
      'Top errors in /aws/lambda/checkout, 09:50–10:02 UTC': [
        "9× TypeError: Cannot read properties of undefined (reading 'id') (first 09:58:11)",
        '2× Error: connect ETIMEDOUT 10.0.3.7:5432 (first 09:59:40)',
        '1× Task timed out after 3.00 seconds (first 10:01:02)',
      ],
      'Changes to checkout in the last day': ['Code updated 12 minutes ago by role deploy (session ci-42)'],
    });
  });

  it('keeps two sections of one title apart, and a title spelled __proto__ as a key', () => {
    const event = renderPagerDuty(
      lambdaErrorsAlert({
        evidence: [
          { kind: 'metric', title: '__proto__', lines: ['a'] },
          { kind: 'metric', title: '__proto__', lines: ['b'] },
        ],
      }),
      ROUTING_KEY,
    ) as PagerDutyTriggerEvent;
    expect(JSON.stringify(event.payload.custom_details.evidence)).toBe(
      '{"__proto__":["a"],"__proto__ (2)":["b"]}',
    );
  });

  it('replaces the evidence before the facts when many small values are too big', () => {
    const evidence = Array.from({ length: 3000 }, (_, i) => ({
      kind: 'logs' as const,
      title: `Section ${i}`,
      lines: Array.from({ length: 8 }, (_, j) => `${j} ${'e'.repeat(280)}`),
    }));
    const event = renderPagerDuty(lambdaErrorsAlert({ evidence }), ROUTING_KEY) as PagerDutyTriggerEvent;
    expect(event.payload.custom_details.evidence).toBe(
      `evidence removed: the event exceeded 524288 bytes ${TRUNCATION_MARKER}`,
    );
    expect(event.payload.custom_details.facts).toEqual({
      Metric: 'AWS/Lambda Errors (FunctionName=checkout)',
      Threshold: 'Sum ≥ 5 for 1 of 1 minute',
    });
  });

  it('previews the evidence as the incident lists it, the chart in monospace in the report', () => {
    const event = pagerduty.render(lambdaErrorsAlert(), { routingKeyParameter: '/cloud-alerts/pd' }, CTX);
    expect(pagerduty.preview.text(event).split('\n').slice(2)).toEqual([
      'evidence:',
      '  Errors (Sum per minute), 09:55–10:02 UTC:',
      '    ▁▁▂▁▁▅▇█',
      '    Threshold 5 (Sum ≥ 5); breaching: the last 3 minutes',
      '    Last 12 Count at 10:02, lowest 0, highest 12',
      '  Top errors in /aws/lambda/checkout, 09:50–10:02 UTC:',
      "    9× TypeError: Cannot read properties of undefined (reading 'id') (first 09:58:11)",
      '    2× Error: connect ETIMEDOUT 10.0.3.7:5432 (first 09:59:40)',
      '    1× Task timed out after 3.00 seconds (first 10:01:02)',
      '  Changes to checkout in the last day:',
      '    Code updated 12 minutes ago by role deploy (session ci-42)',
    ]);
    const html = pagerduty.preview.html(event, escapeHtml);
    expect(html).toContain(
      '<div class="pd-ev-title">Errors (Sum per minute), 09:55–10:02 UTC</div><ul><li class="pd-chart">▁▁▂▁▁▅▇█</li><li>Threshold 5 (Sum ≥ 5); breaching: the last 3 minutes</li>',
    );
    expect(html).toContain(
      '<li>9× TypeError: Cannot read properties of undefined (reading &#39;id&#39;) (first 09:58:11)</li>',
    );
    expect(pagerduty.preview.css).toContain('.pd .pd-chart{font-family:');
  });
});

const EMAIL_EVIDENCE = [
  'Evidence: Errors (Sum per minute), 09:55–10:02 UTC',
  '  ▕▁▁▂▁▁▅▇█▏',
  '  • Threshold 5 (Sum ≥ 5); breaching: the last 3 minutes',
  '  • Last 12 Count at 10:02, lowest 0, highest 12',
  '',
  'Evidence: Top errors in /aws/lambda/checkout, 09:50–10:02 UTC',
  "  • 9× TypeError: Cannot read properties of undefined (reading 'id') (first 09:58:11)",
  '  • 2× Error: connect ETIMEDOUT 10.0.3.7:5432 (first 09:59:40)',
  '  • 1× Task timed out after 3.00 seconds (first 10:01:02)',
  '',
  'Evidence: Changes to checkout in the last day',
  '  • Code updated 12 minutes ago by role deploy (session ci-42)',
];

describe('E-mail: evidence', () => {
  it('writes a block per evidence after the facts and before the links, the subject unchanged', () => {
    const input = renderEmail(lambdaErrorsAlert(), TOPIC);
    expect(input.Subject).toBe(renderEmail(withoutEvidence(lambdaErrorsAlert()), TOPIC).Subject);
    expect(input.Message?.split('\n')).toEqual([
      'What happened: Alarm checkout-errors went to ALARM: Errors ≥ 5 for 1 minute',
      'Verdict: Threshold crossed: 12 errors in the last minute (threshold 5).',
      '',
      'Metric: AWS/Lambda Errors (FunctionName=checkout)',
      'Threshold: Sum ≥ 5 for 1 of 1 minute',
      '',
      ...EMAIL_EVIDENCE,
      '',
      'Open alarm: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-errors',
      '',
      'Account: production (123456789012)',
      'Region: eu-west-1',
      'Time: 2026-11-20T10:02:00Z',
      'Rule: cloudwatch-alarm',
      'Event ID: b1f0c2d3-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
    ]);
  });

  it('loses evidence, not facts, links or footer, when the body is cut to 256 KB', () => {
    const evidence = Array.from({ length: 200 }, (_, i) => ({
      kind: 'logs' as const,
      title: `Section ${i}`,
      lines: Array.from({ length: 8 }, () => 'e'.repeat(300)),
    }));
    const message = renderEmail(lambdaErrorsAlert({ evidence }), TOPIC).Message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(256 * 1024);
    expect(message).toContain('Threshold: Sum ≥ 5 for 1 of 1 minute\n\nEvidence: Section 0\n');
    expect(message).toContain(`\n${TRUNCATION_MARKER}\n\nOpen alarm: https://`);
    expect(message.endsWith('Event ID: b1f0c2d3-4e5f-6a7b-8c9d-0e1f2a3b4c5d')).toBe(true);
  });

  it('previews the first lines and every evidence block in the terminal', () => {
    const input: PublishCommandInput = email.render(lambdaErrorsAlert(), { topicArn: TOPIC }, CTX);
    expect(email.preview.text(input).split('\n').slice(3)).toEqual([
      'What happened: Alarm checkout-errors went to ALARM: Errors ≥ 5 for 1 minute',
      'Verdict: Threshold crossed: 12 errors in the last minute (threshold 5).',
      '',
      'Metric: AWS/Lambda Errors (FunctionName=checkout)',
      'Threshold: Sum ≥ 5 for 1 of 1 minute',
      '',
      ...EMAIL_EVIDENCE,
      '…',
    ]);
    // The report shows the whole mail in a <pre>: the chart in monospace.
    expect(email.preview.html(input, escapeHtml)).toContain('\n  ▕▁▁▂▁▁▅▇█▏\n');
  });
});

describe('Teams: evidence', () => {
  it('renders TextBlocks after the facts: the title bold, the chart in monospace, a bullet per line', () => {
    const card = renderTeams(lambdaErrorsAlert()).attachments[0].content;
    const at = card.body.findIndex((e) => e.type === 'TextBlock' && e.text === 'Evidence');
    expect(card.body[at + 1]?.type).toBe('FactSet');
    expect(card.body.slice(at + 2)).toEqual([
      {
        type: 'TextBlock',
        text: 'Metric: Errors (Sum per minute), 09:55–10:02 UTC',
        wrap: true,
        weight: 'Bolder',
      },
      { type: 'TextBlock', text: '▁▁▂▁▁▅▇█', wrap: true, fontType: 'Monospace', spacing: 'None' },
      {
        type: 'TextBlock',
        text: '• Threshold 5 (Sum ≥ 5); breaching: the last 3 minutes',
        wrap: true,
        spacing: 'None',
      },
      {
        type: 'TextBlock',
        text: '• Last 12 Count at 10:02, lowest 0, highest 12',
        wrap: true,
        spacing: 'None',
      },
      {
        type: 'TextBlock',
        text: 'Logs: Top errors in /aws/lambda/checkout, 09:50–10:02 UTC',
        wrap: true,
        weight: 'Bolder',
      },
      {
        type: 'TextBlock',
        text: "• 9× TypeError: Cannot read properties of undefined (reading 'id') (first 09:58:11)",
        wrap: true,
        spacing: 'None',
      },
      {
        type: 'TextBlock',
        text: '• 2× Error: connect ETIMEDOUT 10.0.3.7:5432 (first 09:59:40)',
        wrap: true,
        spacing: 'None',
      },
      {
        type: 'TextBlock',
        text: '• 1× Task timed out after 3.00 seconds (first 10:01:02)',
        wrap: true,
        spacing: 'None',
      },
      {
        type: 'TextBlock',
        text: 'History: Changes to checkout in the last day',
        wrap: true,
        weight: 'Bolder',
      },
      {
        type: 'TextBlock',
        text: '• Code updated 12 minutes ago by role deploy (session ci-42)',
        wrap: true,
        spacing: 'None',
      },
    ]);
  });

  it('neutralises Markdown in the title, chart and lines as it does in facts', () => {
    const card = renderTeams(
      lambdaErrorsAlert({
        evidence: [
          { kind: 'logs', title: '# [x](http://e) <at>y</at>', chart: '**▁**', lines: ['- {{DATE(x)}}'] },
        ],
      }),
    ).attachments[0].content;
    const texts = card.body.slice(-3).map((e) => (e.type === 'TextBlock' ? e.text : ''));
    expect(texts).toEqual(['Logs: ＃ [x］(http[:]//e) ‹at>y‹/at>', '∗∗▁∗∗', '• ‐ ｛{DATE(x)}}']);
  });

  it('drops sections before facts to stay under the body limit, and says how many', () => {
    const evidence = Array.from({ length: 40 }, (_, i) => ({
      kind: 'logs' as const,
      title: `Section ${i}`,
      lines: Array.from({ length: 8 }, () => 'e'.repeat(300)),
    }));
    const message = renderTeams(lambdaErrorsAlert({ evidence }));
    const body = message.attachments[0].content.body;
    expect(teamsBodyBytes(message)).toBeLessThanOrEqual(20 * 1024);
    expect(body.find((e) => e.type === 'FactSet' && e.facts[0]?.title === 'Metric')).toBeDefined();
    const note = body.at(-1);
    expect(note?.type === 'TextBlock' && note.text).toMatch(
      /^\d+ evidence section\(s\) not shown … \(truncated\)$/,
    );
  });

  it('previews the chart in monospace and titles in bold', () => {
    const message = renderTeams(lambdaErrorsAlert());
    expect(teams.preview.text(message).split('\n')).toContain('▁▁▂▁▁▅▇█');
    const html = teams.preview.html(message, escapeHtml);
    expect(html).toContain(
      '<div class="t-text t-bold">Metric: Errors (Sum per minute), 09:55–10:02 UTC</div>',
    );
    expect(html).toContain('<div class="t-text t-mono t-tight">▁▁▂▁▁▅▇█</div>');
    expect(teams.preview.css).toContain('.teams .t-mono{font-family:');
  });
});

describe('Webhook: evidence', () => {
  it('carries the evidence verbatim, unescaped, as the last field of the alert', () => {
    const alert = lambdaErrorsAlert({
      evidence: [
        ...(lambdaErrorsAlert().evidence ?? []),
        { kind: 'children', title: '<b>raw</b>', chart: '▁\n█', lines: ['see https://x.example/'] },
      ],
    });
    const payload = renderWebhookPayload(alert);
    expect(payload.alert.evidence).toEqual(alert.evidence);
    expect(Object.keys(payload.alert).at(-1)).toBe('evidence');
    expect(payload.truncated).toBe(false);
  });

  it('drops evidence sections before links and facts when even short strings do not fit', () => {
    const evidence = Array.from({ length: 5000 }, (_, i) => ({
      kind: 'logs' as const,
      title: `Section ${i}`,
      lines: Array.from({ length: 8 }, () => 'e'.repeat(300)),
    }));
    const payload = renderWebhookPayload(lambdaErrorsAlert({ evidence }));
    expect(payload.truncated).toBe(true);
    expect(payload.alert.evidence?.length).toBeLessThan(5000);
    expect(payload.alert.facts).toHaveLength(2);
    expect(payload.alert.links).toHaveLength(1);
  });

  it('previews the document with its evidence', () => {
    const body = webhook.render(
      lambdaErrorsAlert(),
      { url: 'https://siem.example.com/in', signingSecretParameter: '/cloud-alerts/wh' },
      CTX,
    );
    expect(webhook.preview.text(body)).toContain('"chart": "▁▁▂▁▁▅▇█"');
  });
});

describe('the realistic alert, end to end through each preview', () => {
  it('never shows the evidence of a resolve', () => {
    const resolved = lambdaErrorsAlert({ status: 'resolved' });
    const previews = [
      slack.preview.text(renderSlack(resolved)),
      email.preview.text(renderEmail(resolved, TOPIC)),
      teams.preview.text(renderTeams(resolved)),
    ];
    for (const text of previews) expect(text).not.toContain('▁▁▂▁▁▅▇█');
    expect(buildAlert().evidence).toBeUndefined();
  });
});
