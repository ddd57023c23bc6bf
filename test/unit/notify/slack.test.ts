import * as limits from '../../../shared/notify/channels/slack/limits.ts';
import {
  renderSlack,
  type SlackBlock,
  type SlackMessage,
  type SlackSectionBlock,
  slackBlocksText,
  slackBlockTexts,
} from '../../../shared/notify/channels/slack/render.ts';
import { createSlackSender } from '../../../shared/notify/channels/slack/sender.ts';
import { TRUNCATION_MARKER } from '../../../shared/notify/text.ts';
import {
  buildAlert,
  CLOUDTRAIL_EVENT_ID,
  HOSTILE_USER_AGENT,
  HOSTILE_USER_AGENT_ESCAPED,
  hugeString,
  LONE_SURROGATES,
} from './fixtures.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every text a reader can see, to check escaping and limits without caring where it lives. */
function texts(message: SlackMessage): string[] {
  return [message.text, ...slackBlockTexts(message.blocks)];
}

function fieldSections(blocks: SlackBlock[]): SlackSectionBlock[] {
  return blocks.filter((b): b is SlackSectionBlock => b.type === 'section' && b.fields !== undefined);
}

describe('renderSlack', () => {
  it('renders a firing alert as header, summary, facts, buttons and context', () => {
    expect(renderSlack(buildAlert())).toEqual({
      text: '[CRITICAL] S3 bucket made public: IAM user alice made bucket example-data public with ACL public-read',
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: ':red_circle: S3 bucket made public', emoji: true },
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*What happened:* IAM user alice made bucket example-data public with ACL public-read\n*Verdict:* Public now: anyone on the internet can list the bucket and read its objects.',
            verbatim: true,
          },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Source IP:* 203.0.113.10', verbatim: true },
            { type: 'mrkdwn', text: '*Client:* AWS CLI 2.15.0', verbatim: true },
            { type: 'mrkdwn', text: '*MFA:* no', verbatim: true },
            { type: 'mrkdwn', text: '*Event:* s3:PutBucketAcl', verbatim: true },
          ],
        },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Open bucket', emoji: true },
              url: 'https://s3.console.aws.amazon.com/s3/buckets/example-data?region=eu-west-1',
              action_id: 'link-0',
            },
            {
              type: 'button',
              text: { type: 'plain_text', text: 'CloudTrail event', emoji: true },
              url: `https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/events/${CLOUDTRAIL_EVENT_ID}`,
              action_id: 'link-1',
            },
          ],
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'Account: production (123456789012)', verbatim: true },
            { type: 'mrkdwn', text: 'Region: eu-west-1', verbatim: true },
            { type: 'mrkdwn', text: 'Time: 2026-11-20T09:15:02Z', verbatim: true },
            { type: 'mrkdwn', text: 'Rule: s3-bucket-acl-public', verbatim: true },
          ],
        },
      ],
    });
  });

  it('renders a resolved alert shorter: no facts, "Resolved:" header and a resolved marker', () => {
    const message = renderSlack(
      buildAlert({
        status: 'resolved',
        title: 'High 5xx on api',
        verdict: 'was in ALARM for 12 min',
        facts: [],
      }),
    );
    expect(message.text).toBe(
      '[RESOLVED] High 5xx on api: IAM user alice made bucket example-data public with ACL public-read',
    );
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'actions', 'context']);
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':large_green_circle: Resolved: High 5xx on api', emoji: true },
    });
    expect(texts(message)).toContain(
      '*What happened:* IAM user alice made bucket example-data public with ACL public-read\n*Verdict:* was in ALARM for 12 min',
    );
    expect(texts(message)).toContain(':white_check_mark: Resolved');
  });

  it('leaves facts out of a resolved alert even when it has some', () => {
    expect(fieldSections(renderSlack(buildAlert({ status: 'resolved' })).blocks)).toEqual([]);
  });

  it('marks an attempted (denied) call in the context', () => {
    const message = renderSlack(buildAlert({ attempted: true }));
    expect(texts(message)).toContain(':no_entry: Attempted: the call was denied, nothing changed');
  });

  it('escapes a user agent carrying <!channel> in a fact', () => {
    const message = renderSlack(buildAlert({ facts: [{ label: 'User agent', value: HOSTILE_USER_AGENT }] }));
    expect(fieldSections(message.blocks)[0]?.fields).toEqual([
      { type: 'mrkdwn', text: `*User agent:* ${HOSTILE_USER_AGENT_ESCAPED}`, verbatim: true },
    ]);
  });

  it('escapes hostile text in every field an attacker can reach', () => {
    const message = renderSlack(
      buildAlert({
        title: HOSTILE_USER_AGENT,
        summary: HOSTILE_USER_AGENT,
        verdict: HOSTILE_USER_AGENT,
        account: { id: '123456789012', alias: HOSTILE_USER_AGENT },
        facts: [{ label: HOSTILE_USER_AGENT, value: HOSTILE_USER_AGENT }],
        links: [{ text: HOSTILE_USER_AGENT, url: 'https://console.aws.amazon.com/' }],
      }),
    );
    for (const text of texts(message)) {
      expect(text).not.toMatch(/<[!@#]|<https?:/);
      expect(text).not.toContain('<');
    }
    expect(message.text).toBe(`[CRITICAL] ${HOSTILE_USER_AGENT_ESCAPED}: ${HOSTILE_USER_AGENT_ESCAPED}`);
  });

  it('emits <!here> only when asked, at the start of the summary and the fallback', () => {
    const message = renderSlack(buildAlert(), { mention: 'here' });
    expect(message.text.startsWith('<!here> [CRITICAL]')).toBe(true);
    const summary = message.blocks[1];
    expect(summary?.type === 'section' && summary.text?.text.startsWith('<!here> *What happened:* IAM')).toBe(
      true,
    );
    expect(JSON.stringify(renderSlack(buildAlert()))).not.toContain('<!');
  });

  it('emits <!channel> for mention "channel"', () => {
    expect(renderSlack(buildAlert(), { mention: 'channel' }).text.startsWith('<!channel> ')).toBe(true);
  });

  it('puts link URLs only in button url fields, never in text', () => {
    const message = renderSlack(buildAlert());
    for (const text of texts(message)) expect(text).not.toContain('https://');
  });

  it('drops non-http links and says so instead of rendering them', () => {
    const message = renderSlack(
      buildAlert({
        links: [
          { text: 'Script', url: 'javascript:alert(1)' },
          { text: 'Ok', url: 'https://x.test/' },
        ],
      }),
    );
    const actions = message.blocks.find((b) => b.type === 'actions');
    expect(actions?.type === 'actions' && actions.elements.map((e) => e.url)).toEqual(['https://x.test/']);
    expect(texts(message)).toContain(`1 link(s) not shown ${TRUNCATION_MARKER}`);
  });

  it('keeps the header within 150 characters with a truncation marker', () => {
    const header = renderSlack(buildAlert({ title: 'T'.repeat(500) })).blocks[0];
    expect(header?.type).toBe('header');
    if (header?.type !== 'header') return;
    expect(header.text.text.length).toBeLessThanOrEqual(limits.SLACK_HEADER_TEXT_MAX);
    expect(header.text.text.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('splits facts over sections of ten fields and keeps every one', () => {
    const facts = Array.from({ length: 23 }, (_, i) => ({ label: `Fact ${i}`, value: `value ${i}` }));
    const sections = fieldSections(renderSlack(buildAlert({ facts })).blocks);
    expect(sections.map((s) => s.fields?.length)).toEqual([10, 10, 3]);
    expect(sections.flatMap((s) => s.fields ?? []).map((f) => f.text)).toEqual(
      facts.map((f) => `*${f.label}:* ${f.value}`),
    );
  });

  it('stays within 50 blocks and says how many facts were left out', () => {
    const facts = Array.from({ length: 1000 }, (_, i) => ({ label: `F${i}`, value: `v${i}` }));
    const message = renderSlack(buildAlert({ facts }));
    expect(message.blocks).toHaveLength(limits.SLACK_MAX_BLOCKS);
    const fields = fieldSections(message.blocks).flatMap((s) => s.fields ?? []);
    const shown = (limits.SLACK_MAX_BLOCKS - 4) * limits.SLACK_SECTION_FIELDS_MAX - 1;
    expect(fields).toHaveLength(shown + 1);
    expect(fields.at(-1)?.text).toBe(`*More facts:* ${1000 - shown} more not shown ${TRUNCATION_MARKER}`);
    expect(message.blocks.at(-1)?.type).toBe('context');
  });

  it("keeps the text of all blocks under Slack's total, shortening then leaving out facts", () => {
    const huge = hugeString(10 * 1024, '&');
    const facts = Array.from({ length: 40 }, (_, i) => ({ label: `Fact ${i}`, value: huge }));
    const links = Array.from({ length: 30 }, (_, i) => ({
      text: huge,
      url: `https://console.aws.amazon.com/${i}`,
    }));
    const alert = buildAlert({
      summary: huge,
      verdict: huge,
      region: huge,
      time: huge,
      ruleId: huge,
      facts,
      links,
    });
    const message = renderSlack(alert);
    expect(slackBlocksText(message)).toBeLessThanOrEqual(limits.SLACK_BLOCKS_TEXT_MAX);
    const fields = fieldSections(message.blocks).flatMap((s) => s.fields ?? []);
    // Even the largest header, summary, buttons and context leave room for a fact and the note.
    expect(fields.length).toBeGreaterThanOrEqual(2);
    expect(fields.at(-1)?.text).toBe(
      `*More facts:* ${41 - fields.length} more not shown ${TRUNCATION_MARKER}`,
    );
    expect(fields[0]?.text.endsWith(TRUNCATION_MARKER)).toBe(true);
    // A few short facts are shown whole, as before.
    const small = renderSlack(buildAlert({ facts: facts.slice(0, 3).map((f) => ({ ...f, value: 'v' })) }));
    expect(
      fieldSections(small.blocks)
        .flatMap((s) => s.fields ?? [])
        .map((f) => f.text),
    ).toEqual(['*Fact 0:* v', '*Fact 1:* v', '*Fact 2:* v']);
  });

  it('respects every text limit for 250 KB strings and marks each cut', () => {
    const huge = hugeString();
    const message = renderSlack(
      buildAlert({
        title: huge,
        summary: huge,
        verdict: huge,
        facts: [{ label: huge, value: huge }],
        links: [{ text: huge, url: 'https://console.aws.amazon.com/' }],
      }),
    );
    expect(message.text.length).toBeLessThanOrEqual(limits.SLACK_TEXT_FALLBACK_MAX);
    expect(message.text.endsWith(TRUNCATION_MARKER)).toBe(true);
    const [header, summary, facts, actions] = message.blocks;
    expect(header?.type === 'header' && header.text.text.length).toBe(limits.SLACK_HEADER_TEXT_MAX);
    const summaryText = summary?.type === 'section' ? (summary.text?.text ?? '') : '';
    expect(summaryText.length).toBeLessThanOrEqual(limits.SLACK_SECTION_TEXT_MAX);
    expect(summaryText.endsWith(TRUNCATION_MARKER)).toBe(true);
    const field = facts?.type === 'section' ? (facts.fields?.[0]?.text ?? '') : '';
    expect(field.length).toBeLessThanOrEqual(limits.SLACK_FIELD_TEXT_MAX);
    expect(field.endsWith(TRUNCATION_MARKER)).toBe(true);
    const button = actions?.type === 'actions' ? (actions.elements[0]?.text.text ?? '') : '';
    expect(button.length).toBeLessThanOrEqual(75);
    expect(button.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('counts escaped text against the limit and never leaves half an entity', () => {
    const header = renderSlack(buildAlert({ title: '&'.repeat(400) })).blocks[0];
    const text = header?.type === 'header' ? header.text.text : '';
    expect(text.length).toBeLessThanOrEqual(limits.SLACK_HEADER_TEXT_MAX);
    expect(text.slice(0, -TRUNCATION_MARKER.length)).toMatch(/^:red_circle: (&amp;)+$/);
  });

  it('replaces lone surrogates so the payload is valid UTF-8', () => {
    const message = renderSlack(
      buildAlert({ title: LONE_SURROGATES, facts: [{ label: 'Session', value: LONE_SURROGATES }] }),
    );
    for (const text of texts(message)) expect(LONE_SURROGATE.test(text)).toBe(false);
    expect(JSON.stringify(message)).not.toMatch(/\\ud[89a-f]/i);
    expect(texts(message)).toContain('*Session:* a\uFFFDb\uFFFDc');
  });

  it('never sends an empty text object, which Slack rejects', () => {
    const message = renderSlack(
      buildAlert({ facts: [{ label: '', value: '   ' }], links: [{ text: '', url: 'https://x.test/' }] }),
    );
    for (const text of texts(message)) expect(text.trim()).not.toBe('');
  });
});

describe('createSlackSender', () => {
  it('POSTs the message as JSON to the webhook URL', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const sender = createSlackSender({
      fetchImpl: async (url, init) => {
        calls.push({ url, init });
        return new Response('ok', { status: 200 });
      },
    });
    const message = renderSlack(buildAlert());
    await sender.send('https://hooks.slack.com/services/T000/B000/XXXX', message);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('https://hooks.slack.com/services/T000/B000/XXXX');
    expect(calls[0]?.init.method).toBe('POST');
    expect(calls[0]?.init.headers).toEqual({ 'content-type': 'application/json; charset=utf-8' });
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual(message);
  });

  it("rejects with a permanent error naming Slack's reason for a 400", async () => {
    const sender = createSlackSender({
      fetchImpl: async () => new Response('invalid_payload', { status: 400 }),
    });
    await expect(
      sender.send('https://hooks.slack.com/services/T/B/secret-token', renderSlack(buildAlert())),
    ).rejects.toMatchObject({
      name: 'DeliveryError',
      channel: 'slack',
      retryable: false,
      status: 400,
      message: 'slack delivery failed: HTTP 400 (invalid_payload), permanent',
    });
  });
});
