import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBacktest } from '../../../shared/backtest/backtest.ts';
import {
  chartData,
  escapeHtml,
  OTHER_COLOUR,
  PALETTE,
  renderHtmlReport,
  TOP_RULES,
} from '../../../shared/backtest/html.ts';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { readServerlessRules } from '../../../shared/eventbridge/serverless.ts';
import { email } from '../../../shared/notify/channels/email/index.ts';
import { pagerduty } from '../../../shared/notify/channels/pagerduty/index.ts';
import { slack } from '../../../shared/notify/channels/slack/index.ts';
import { mrkdwnToHtml as slackMrkdwnToHtml } from '../../../shared/notify/channels/slack/preview.ts';
import { teams } from '../../../shared/notify/channels/teams/index.ts';
import type { AnyChannelPlugin } from '../../../shared/notify/channels/types.ts';
import { webhook } from '../../../shared/notify/channels/webhook/index.ts';
import { detailOf, loadEvent } from '../../helpers/events.ts';
import { lambdaErrorsAlert } from '../notify/fixtures.ts';

const rules = readServerlessRules('serverless.yml', { stage: 'dev' });
const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'dev' });

const EVIL_USER = '<script>alert(1)</script>';
const EVIL_AGENT = '<!channel> <https://evil.example/phish|Click here> "><img src=x onerror=alert(2)>';

/** A report over a public-ACL call whose caller and client are attacker-chosen. */
async function hostileReport(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'backtest-html-'));
  try {
    const record = detailOf(loadEvent('s3/put-bucket-acl-public-read.json'));
    record.userIdentity = {
      type: 'IAMUser',
      arn: `arn:aws:iam::123456789012:user/${EVIL_USER}`,
      accountId: '123456789012',
      userName: EVIL_USER,
    };
    record.userAgent = EVIL_AGENT;
    const file = join(dir, 'log.json');
    writeFileSync(file, JSON.stringify({ Records: [record, detailOf(loadEvent('iam/create-user.json'))] }));
    const backtest = createBacktest({ rules, config });
    await backtest.runFile(file);
    return renderHtmlReport(backtest.summary(), backtest.previews(), new Date('2026-11-24T00:00:00Z'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sectionRanges(html: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (
    let at = html.indexOf('<section class="preview"');
    at >= 0;
    at = html.indexOf('<section class="preview"', at + 1)
  ) {
    ranges.push([at, html.indexOf('</section>', at)]);
  }
  return ranges;
}

describe('renderHtmlReport', () => {
  it('is self-contained: no external script, style, font or image, and a policy forbidding fetches', async () => {
    const html = await hostileReport();
    expect(html).not.toMatch(/<link|@import|url\(|<iframe|<img|<object|<embed/i);
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).toContain('<script type="application/json" id="chart-data">');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const sha = (s: string) => createHash('sha256').update(s).digest('base64');
    expect(csp).toBe(
      `default-src 'none'; style-src 'sha256-${sha(style)}'; script-src 'sha256-${sha(script)}'; img-src data:; base-uri 'none'; form-action 'none'`,
    );
  });

  it('has http links only inside the previews, and only as escaped href values', async () => {
    const html = await hostileReport();
    const previews = sectionRanges(html);
    expect(previews).toHaveLength(2);
    const attrs = [...html.matchAll(/\s(src|href)="([^"]*)"/g)];
    expect(attrs.length).toBeGreaterThan(0);
    // The page's own anchors (contents, rule table → preview) are ids we made, never the caller's text.
    const external = attrs.filter((m) => !/^#[a-z0-9-]+$/.test(m[2] ?? ''));
    expect(attrs.length - external.length).toBeGreaterThanOrEqual(9);
    for (const m of external) {
      expect(m[1]).toBe('href');
      expect(m[2]).toMatch(/^https:\/\//);
      expect(m[2]).not.toMatch(/[<>"]/);
      const at = m.index ?? -1;
      expect(previews.some(([from, to]) => at > from && at < to)).toBe(true);
    }
    expect(html).toContain(
      'href="https://s3.console.aws.amazon.com/s3/buckets/example-data?region=eu-west-1&amp;tab=permissions"',
    );
  });

  it('escapes what the caller wrote everywhere it appears', async () => {
    const html = await hostileReport();
    expect(html).not.toContain(EVIL_USER);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('evil.example/phish"');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // Slack got the agent escaped and its URL broken, so the preview shows text, not a link or a mention.
    expect(html).toContain('&lt;!channel&gt; &lt;https[:]//evil.example/phish|Click here&gt;');
    const data = /<script type="application\/json" id="chart-data">([^<]*)<\/script>/.exec(html)?.[1] ?? '';
    expect(JSON.parse(data).series.map((s: { rule: string }) => s.rule)).toEqual([
      'iam-user-created',
      's3-bucket-acl-public',
    ]);
  });

  it('keeps the chart data from closing its script element', () => {
    const summary = {
      bucket: 'hour' as const,
      series: [
        { rule: '</script><script>alert(1)</script>', points: [['2026-11-16T08', 1] as [string, number]] },
      ],
    };
    const html = renderHtmlReport(
      {
        files: { read: 0, failed: 0 },
        records: { read: 0, matched: 0, malformed: 0 },
        timeRange: null,
        matchedByRule: {},
        alerts: { total: 0, byRule: [] },
        notifications: { total: 0, byReceiver: [] },
        suppressed: { total: 0, byKind: {}, byEntry: [] },
        actors: { busiest: [], noisiest: [], approximate: false },
        timeline: summary,
        errors: { total: 0, files: [], records: [], unlisted: 0 },
      },
      [],
    );
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).toContain('\\u003c/script>\\u003cscript>');
  });
});

describe('chartData', () => {
  it('fills the hours between alerts with zeros', () => {
    expect(
      chartData({
        bucket: 'hour',
        series: [
          {
            rule: 'a',
            points: [
              ['2026-11-16T08', 2],
              ['2026-11-16T11', 1],
            ],
          },
          { rule: 'b', points: [['2026-11-16T09', 4]] },
        ],
      }),
    ).toEqual({
      bucket: 'hour',
      labels: ['2026-11-16T08', '2026-11-16T09', '2026-11-16T10', '2026-11-16T11'],
      // Busiest first.
      series: [
        { rule: 'b', colour: PALETTE[0], total: 4, values: [0, 4, 0, 0] },
        { rule: 'a', colour: PALETTE[1], total: 3, values: [2, 0, 0, 1] },
      ],
    });
  });
});

describe('evidence in the report', () => {
  it('shows each channel preview of an alert with evidence, the sparkline in monospace and styled', () => {
    const alert = lambdaErrorsAlert();
    const ctx = { secret: 'R0UT1NGk3yR0UT1NGk3yR0UT1NGk3y01', stackTopicArn: 'arn:aws:sns:eu-west-1:1:t' };
    const receivers: Array<[AnyChannelPlugin, unknown]> = [
      [slack, { webhookUrlParameter: '/s' }],
      [pagerduty, { routingKeyParameter: '/p' }],
      [email, { topicArn: 'stack' }],
      [teams, { workflowUrlParameter: '/t' }],
      [webhook, { url: 'https://siem.example.com/in', signingSecretParameter: '/w' }],
    ];
    const notifications = receivers.map(([plugin, settings]) => ({
      channel: plugin.name,
      receiver: `${plugin.name}-ops`,
      body: plugin.shown(plugin.render(alert, settings, ctx), settings),
    }));
    const html = renderHtmlReport(
      createBacktest({ rules, config }).summary(),
      [
        {
          rule: alert.ruleId,
          severity: alert.severity,
          status: alert.status,
          title: alert.title,
          summary: alert.summary,
          verdict: alert.verdict ?? null,
          source: 'events/cloudwatch/lambda-errors.json',
          count: 1,
          notifications,
        },
      ] as Parameters<typeof renderHtmlReport>[1],
      new Date('2026-11-24T00:00:00Z'),
    );
    for (const monospace of [
      '<pre class="s-code">▁▁▂▁▁▅▇█</pre>',
      '<li class="pd-chart">▁▁▂▁▁▅▇█</li>',
      '<div class="t-text t-mono t-tight">▁▁▂▁▁▅▇█</div>',
    ]) {
      expect(html).toContain(monospace);
    }
    // E-mail and the webhook are shown in <pre> as a whole.
    expect(html).toContain('\n  ▕▁▁▂▁▁▅▇█▏\n');
    expect(html).toContain('&quot;chart&quot;: &quot;▁▁▂▁▁▅▇█&quot;');
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    for (const rule of ['.slack .s-code{', '.pd .pd-chart{', '.teams .t-mono{'])
      expect(style).toContain(rule);
  });
});

describe('mrkdwnToHtml (the Slack preview)', () => {
  const mrkdwnToHtml = (text: string) => slackMrkdwnToHtml(text, escapeHtml);
  it('renders a code block in monospace, escaped, with nothing formatted inside', () => {
    expect(mrkdwnToHtml('*Errors*\n```▁*x*_y_ &lt;b&gt;```\n• line')).toBe(
      '<strong>Errors</strong><pre class="s-code">▁*x*_y_ &lt;b&gt;</pre>• line',
    );
  });

  it('renders links, mentions and bold as Slack shows them', () => {
    expect(
      mrkdwnToHtml('<!here> *Bucket made public*\n<https://a.example/x?a=1&amp;b=2|Open &amp; see>'),
    ).toBe(
      '<span class="mention">@here</span> <strong>Bucket made public</strong><br><a href="https://a.example/x?a=1&amp;b=2" rel="noopener noreferrer" target="_blank">Open &amp; see</a>',
    );
  });

  it('shows escaped angle brackets as text and drops non-web links', () => {
    expect(mrkdwnToHtml('&lt;script&gt; <javascript:alert(1)|click>')).toBe('&lt;script&gt; click');
    expect(escapeHtml(`<a href="x" onclick='y'>&`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;',
    );
  });
});

describe('the chart keeps the busiest rules and sums the rest as "other"', () => {
  const timeline = {
    bucket: 'hour' as const,
    series: Array.from({ length: 12 }, (_, i) => ({
      rule: `rule-${String(i).padStart(2, '0')}`,
      // rule-00 has 1 alert an hour, rule-11 has 12: the busiest come last alphabetically.
      points: [
        ['2026-11-16T08', i + 1],
        ['2026-11-16T10', 2 * (i + 1)],
      ] as Array<[string, number]>,
    })),
  };

  it('keeps TOP_RULES series by volume, busiest first, each in its own colour, and one grey "other"', () => {
    const data = chartData(timeline);
    expect(data.series.map((s) => s.rule)).toEqual([
      ...Array.from({ length: TOP_RULES }, (_, i) => `rule-${String(11 - i).padStart(2, '0')}`),
      'other (4 rules)',
    ]);
    const colours = data.series.map((s) => s.colour);
    expect(new Set(colours).size).toBe(colours.length);
    expect(colours.at(-1)).toBe(OTHER_COLOUR);
    expect(colours.slice(0, TOP_RULES)).toEqual(PALETTE.slice(0, TOP_RULES));
  });

  it('loses no alert: "other" is the sum of the rules it stands for, bucket by bucket', () => {
    const data = chartData(timeline);
    const other = data.series.at(-1);
    // rule-00..rule-03: 1+2+3+4 = 10 at 08h, twice that at 10h, nothing at 09h.
    expect(other?.values).toEqual([10, 0, 20]);
    expect(other?.total).toBe(30);
    const everything = timeline.series.flatMap((s) => s.points.map(([, v]) => v)).reduce((a, b) => a + b);
    expect(data.series.reduce((a, s) => a + s.total, 0)).toBe(everything);
    for (const s of data.series) expect(s.values.reduce((a, b) => a + b, 0)).toBe(s.total);
  });

  it('names a single leftover rule instead of calling it "other"', () => {
    const data = chartData({ ...timeline, series: timeline.series.slice(0, TOP_RULES + 1) });
    expect(data.series).toHaveLength(TOP_RULES + 1);
    expect(data.series.map((s) => s.rule)).not.toContain(expect.stringMatching(/^other/));
  });
});

describe('report structure', () => {
  it('has a table of contents whose every link lands on an id in the page, and collapsible previews', async () => {
    const html = await hostileReport();
    const nav = /<nav class="toc"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
    const targets = [...nav.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThanOrEqual(9);
    const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    for (const t of targets) expect(ids).toContain(t);
    expect(targets).toContain('previews');
    // Each preview folds into a <details> whose summary says what it is; the rule table links to it.
    const details = [...html.matchAll(/<details class="preview-box" id="(preview-\d+)">\n<summary>/g)];
    expect(details.map((m) => m[1])).toEqual(['preview-1', 'preview-2']);
    for (const [, id] of details) expect(html).toContain(`<a href="#${id}">`);
  });

  it('lets long ARNs and agents wrap where they must, never short words', async () => {
    const html = await hostileReport();
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    expect(style).toMatch(/td,code,[^{]*\{overflow-wrap:anywhere\}/);
    expect(style).not.toContain('word-break:break-all}code');
    expect(html).toMatch(/<td class="word">critical<\/td>/);
    expect(html).toMatch(/<td>arn:aws:iam::123456789012:user\/&lt;script&gt;/);
  });
});

describe('Slack emoji in the preview', () => {
  it('draws the shortcodes our messages use as emoji, and leaves unknown ones and code alone', () => {
    for (const [code, emoji] of [
      [':red_circle:', '🔴'],
      [':large_orange_circle:', '🟠'],
      [':large_yellow_circle:', '🟡'],
      [':large_blue_circle:', '🔵'],
      [':white_circle:', '⚪'],
      [':large_green_circle:', '🟢'],
      [':white_check_mark:', '✅'],
      [':no_entry:', '⛔'],
    ]) {
      expect(slackMrkdwnToHtml(`${code} Resolved`, escapeHtml)).toBe(`${emoji} Resolved`);
    }
    expect(slackMrkdwnToHtml(':not_an_emoji: arn:aws:iam::1:role/x', escapeHtml)).toBe(
      ':not_an_emoji: arn:aws:iam::1:role/x',
    );
    expect(slackMrkdwnToHtml('```:red_circle:```', escapeHtml)).toBe(
      '<pre class="s-code">:red_circle:</pre>',
    );
  });

  it('shows the header of every severity with its emoji, not its shortcode', async () => {
    const html = await hostileReport();
    const slackParts = [...html.matchAll(/<div class="s-header">([^<]*)<\/div>/g)].map((m) => m[1]);
    expect(slackParts.length).toBe(2);
    for (const header of slackParts) {
      expect(header).not.toMatch(/:[a-z_]+:/);
      expect(header).toMatch(/^(🔴|🟠|🟡|🔵|⚪) /u);
    }
  });
});

describe('the PagerDuty preview', () => {
  it("shows our severity beside PagerDuty's word for it", () => {
    const alert = { ...lambdaErrorsAlert(), severity: 'high' as const };
    const body = pagerduty.shown(
      pagerduty.render(
        alert,
        { routingKeyParameter: '/p' },
        { secret: 'R0UT1NGk3yR0UT1NGk3yR0UT1NGk3y01', stackTopicArn: 'arn:aws:sns:eu-west-1:1:t' },
      ),
      { routingKeyParameter: '/p' },
    );
    const html = pagerduty.preview.html(body as Parameters<typeof pagerduty.preview.html>[0], escapeHtml, {
      severity: 'high',
    });
    expect(html).toContain(
      '<div class="pd-summary"><span class="sev sev-high">high</span> <span class="pd-sev">PagerDuty severity: error</span>',
    );
    // No badge dressed as an error: "error" is PagerDuty's level, not a failure.
    expect(html).not.toContain('sev-error');
  });
});
