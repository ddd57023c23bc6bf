import type { Alert, Fact, Link, Severity } from '../../../events/alert.ts';
import {
  EVIDENCE_KIND_LABEL,
  type EvidenceText,
  moreEvidenceNote,
  moreLinesNote,
  shownEvidence,
} from '../../evidence.ts';
import {
  escapeSlack,
  factItems,
  inlineText,
  SUMMARY_LABEL,
  TRUNCATION_MARKER,
  truncate,
  VERDICT_LABEL,
} from '../../text.ts';
import {
  SLACK_ACTIONS_ELEMENTS_MAX,
  SLACK_BLOCKS_TEXT_MAX,
  SLACK_BUTTON_TEXT_MAX,
  SLACK_BUTTON_URL_MAX,
  SLACK_CONTEXT_ELEMENTS_MAX,
  SLACK_FIELD_TEXT_MAX,
  SLACK_HEADER_TEXT_MAX,
  SLACK_MAX_BLOCKS,
  SLACK_SECTION_FIELDS_MAX,
  SLACK_SECTION_TEXT_MAX,
  SLACK_TEXT_FALLBACK_MAX,
} from './limits.ts';

/** The Block Kit subset we send. */
export interface SlackPlainText {
  type: 'plain_text';
  text: string;
  emoji: true;
}
export interface SlackMrkdwn {
  type: 'mrkdwn';
  text: string;
  /**
   * Always true: Slack then neither links URLs nor parses mentions or channel names in the text by
   * itself; only the `<!here>` we write on purpose is parsed. Bold, italics and strike still apply,
   * so attacker text has its formatting characters replaced as well (see {@link slackInline}).
   * https://docs.slack.dev/reference/block-kit/composition-objects/text-object
   */
  verbatim: true;
}
export interface SlackHeaderBlock {
  type: 'header';
  text: SlackPlainText;
}
export interface SlackSectionBlock {
  type: 'section';
  text?: SlackMrkdwn;
  fields?: SlackMrkdwn[];
}
export interface SlackButton {
  type: 'button';
  text: SlackPlainText;
  url: string;
  action_id: string;
}
export interface SlackActionsBlock {
  type: 'actions';
  elements: SlackButton[];
}
export interface SlackContextBlock {
  type: 'context';
  elements: SlackMrkdwn[];
}
export type SlackBlock = SlackHeaderBlock | SlackSectionBlock | SlackActionsBlock | SlackContextBlock;

export interface SlackMessage {
  /** Notification and screen-reader fallback; Slack shows the blocks in the channel. */
  text: string;
  blocks: SlackBlock[];
}

export interface RenderSlackOptions {
  /** Notify the channel. The only Slack control sequence we ever emit unescaped. */
  mention?: 'here' | 'channel' | undefined;
}

const SEVERITY_EMOJI: Readonly<Record<Severity, string>> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':large_blue_circle:',
  info: ':white_circle:',
};
const RESOLVED_EMOJI = ':large_green_circle:';
const SUMMARY_MAX = 1000;
const FACT_LABEL_MAX = 200;
/**
 * Each context item (account, region, time, rule). Slack takes 3,000 per element, but four of those
 * would leave the facts no room under SLACK_BLOCKS_TEXT_MAX; these values are short in real events.
 * With it, the header (150), the summary section (3,000), 25 buttons (25 × 75) and the context
 * (4 × 500 and two notes) take at most about 7,100 characters, so the message fits whatever the
 * alert holds and the facts always have room for at least one field and the note of those left out.
 */
const CONTEXT_ITEM_MAX = 500;
/** A fact shortened to less than this is not worth showing: it is counted among those left out. */
const FACT_FIELD_MIN = 400;
const EMPTY = '—';
/** Starts every line of a multi-item fact, so no item an attacker wrote can start a line. */
const ITEM_MARK = '• ';

/**
 * Slack has no escape for its formatting characters (jsx-slack documents the same and swaps in
 * look-alikes: https://github.com/yhatt/jsx-slack/blob/main/docs/about-escape-and-exact-mode.md).
 * `*`, `_` and `~` only format at a word's edge ("Super_cali_fragilistic" stays literal), so one
 * between two letters or digits is kept and `AWSReservedSSO_Admin_1a2b` can still be copied as it is;
 * at an edge it becomes its look-alike. A backtick is always replaced.
 */
const MRKDWN_LOOKALIKES: Readonly<Record<string, string>> = {
  '*': '\u2217', // ∗ ASTERISK OPERATOR
  _: '\u02cd', // ˍ MODIFIER LETTER LOW MACRON
  '~': '\u223c', // ∼ TILDE OPERATOR
  '`': '\u02cb', // ˋ MODIFIER LETTER GRAVE ACCENT
};
const WORD_CHAR = /[\p{L}\p{N}]/u;
// A line starting with `>` (escaped or not) is a block quote; our text never starts a line, but a
// fact value does, under its label.
const QUOTE_MARK = '\u203a'; // ›

function neutraliseMrkdwn(s: string): string {
  const chars = Array.from(s);
  const out = chars.map((ch, i) => {
    const lookalike = MRKDWN_LOOKALIKES[ch];
    if (lookalike === undefined) return ch;
    if (ch === '`') return lookalike;
    const inWord = WORD_CHAR.test(chars[i - 1] ?? '') && WORD_CHAR.test(chars[i + 1] ?? '');
    return inWord ? ch : lookalike;
  });
  if (out[0] === '>') out[0] = QUOTE_MARK;
  return out.join('');
}

// Written out, "@here" is not parsed in verbatim text, and elsewhere only when a message asks for it
// with `link_names`, which we never send. The fallback `text` is not verbatim, so rather than lean on a
// default the words are spelled with a full-width ＠ there and everywhere: no reading makes them a ping.
const BROADCAST = /@(here|channel|everyone)\b/gi;

/** Cuts escaped text to `max` with a marker, never leaving half an entity such as `&am`. */
function cutEscaped(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  let cut = truncate(escaped, max - TRUNCATION_MARKER.length, '');
  const amp = cut.lastIndexOf('&');
  if (amp !== -1 && !cut.includes(';', amp)) cut = cut.slice(0, amp);
  return cut + TRUNCATION_MARKER;
}

/**
 * The one way an alert string reaches a Slack message: one inert line ({@link inlineText}), mrkdwn
 * formatting characters replaced, "@here" spelled with a full-width ＠, `&`, `<`, `>` escaped, then
 * cut to `max` (escaping first keeps the limit honest: `&` grows to five characters).
 */
export function slackInline(s: string, max: number): string {
  return cutEscaped(escapeSlack(neutraliseMrkdwn(inlineText(s)).replace(BROADCAST, '\uff20$1')), max);
}

function plain(text: string): SlackPlainText {
  return { type: 'plain_text', text, emoji: true };
}

function mrkdwn(text: string): SlackMrkdwn {
  return { type: 'mrkdwn', text, verbatim: true };
}

function mentionOf(options: RenderSlackOptions): string {
  return options.mention === undefined ? '' : `<!${options.mention}> `;
}

function header(alert: Alert): SlackHeaderBlock {
  const emoji = alert.status === 'resolved' ? `${RESOLVED_EMOJI} Resolved:` : SEVERITY_EMOJI[alert.severity];
  const room = SLACK_HEADER_TEXT_MAX - emoji.length - 1;
  const title = slackInline(alert.title, room) || slackInline(alert.ruleId, room) || EMPTY;
  return { type: 'header', text: plain(`${emoji} ${title}`) };
}

function summarySection(alert: Alert, mention: string): SlackSectionBlock {
  const summary = slackInline(alert.summary, SUMMARY_MAX) || EMPTY;
  const first = `${mention}*${SUMMARY_LABEL}* ${summary}`;
  const verdict = alert.verdict === undefined ? '' : inlineText(alert.verdict);
  if (verdict === '') return { type: 'section', text: mrkdwn(first) };
  const second = `*${VERDICT_LABEL}* `;
  const room = SLACK_SECTION_TEXT_MAX - first.length - 1 - second.length;
  return { type: 'section', text: mrkdwn(`${first}\n${second}${slackInline(verdict, room)}`) };
}

/** `*Label:* value`, or the label alone on its line with one `•` line per item; at most `max` characters. */
function factField(fact: Fact, max: number): SlackMrkdwn {
  const label = `*${slackInline(fact.label, FACT_LABEL_MAX) || EMPTY}:*`;
  const room = max - label.length - 1;
  const items = factItems(fact.value);
  if (items.length <= 1) return mrkdwn(`${label} ${slackInline(items[0] ?? EMPTY, room) || EMPTY}`);
  const lines = items.map((item) => `${ITEM_MARK}${slackInline(item, room)}`);
  return mrkdwn(`${label}\n${cutEscaped(lines.join('\n'), room)}`);
}

function moreFacts(left: number): SlackMrkdwn {
  return mrkdwn(`*More facts:* ${left} more not shown ${TRUNCATION_MARKER}`);
}
/** The longest "more facts" note (its count has at most 10 digits). */
const MORE_FACTS_MAX = moreFacts(1e9).text.length;

/**
 * Facts in sections of ten fields, within `maxSections` blocks and `room` characters of text: each
 * fact whole (up to Slack's field limit) while it fits, the next one shortened if enough room is left,
 * and past that a last field that says how many were left out.
 */
function factSections(facts: readonly Fact[], maxSections: number, room: number): SlackSectionBlock[] {
  if (facts.length === 0 || maxSections <= 0) return [];
  const capacity = maxSections * SLACK_SECTION_FIELDS_MAX;
  const fields: SlackMrkdwn[] = [];
  let left = room;
  for (const [i, fact] of facts.entries()) {
    const last = i === facts.length - 1;
    // Unless this is the last fact, a slot and room stay free for the note of those left out.
    if (capacity - fields.length - (last ? 0 : 1) <= 0) break;
    const max = Math.min(SLACK_FIELD_TEXT_MAX, left - (last ? 0 : MORE_FACTS_MAX));
    if (max < FACT_FIELD_MIN) break;
    const field = factField(fact, max);
    fields.push(field);
    left -= field.text.length;
  }
  if (fields.length < facts.length) fields.push(moreFacts(facts.length - fields.length));
  const sections: SlackSectionBlock[] = [];
  for (let i = 0; i < fields.length; i += SLACK_SECTION_FIELDS_MAX) {
    sections.push({ type: 'section', fields: fields.slice(i, i + SLACK_SECTION_FIELDS_MAX) });
  }
  return sections;
}

/** An evidence title, and a chart (one row: a sparkline is a few dozen characters), once escaped. */
const ESCAPED_TITLE_MAX = 200;
const ESCAPED_CHART_MAX = 300;
/** An evidence line once escaped: a 300-character line with a few `&` or `<` still fits whole. */
const ESCAPED_LINE_MAX = 600;
/** A line cut to less than this is not worth showing: it is counted with those left out. */
const EVIDENCE_LINE_CUT_MIN = 80;
/**
 * The room a section needs to show its title, its chart and the note of the lines left out; a
 * section granted less (and wanting more) is counted as not shown instead.
 */
const EVIDENCE_SECTION_MIN =
  ESCAPED_TITLE_MAX + ESCAPED_CHART_MAX + 2 * ITEM_MARK.length + moreLinesNote(1e9).length + 16;
/** The longest note of evidence sections left out, kept free in the context block when there is evidence. */
const MORE_EVIDENCE_MAX = moreEvidenceNote(1e9).length;

/**
 * `*Kind:* Title`, the chart in a code block (monospace; escaped like all text: Slack parses `&`, `<`, `>`
 * even there, and slackInline replaces the backticks that could close the block), then one `•` line
 * per line, within `max` characters. Lines that do not fit are counted in a last line of ours.
 */
function evidenceSection(section: EvidenceText, max: number): SlackSectionBlock {
  const label = `*${EVIDENCE_KIND_LABEL[section.kind]}:* `;
  const head = [`${label}${slackInline(section.title, ESCAPED_TITLE_MAX - label.length)}`];
  if (section.chart !== undefined) {
    head.push(`\`\`\`${slackInline(section.chart, ESCAPED_CHART_MAX - 6)}\`\`\``);
  }
  let text = head.join('\n');
  const lines = section.lines.map((line) => `${ITEM_MARK}${slackInline(line, ESCAPED_LINE_MAX)}`);
  const noteRoom = 1 + ITEM_MARK.length + moreLinesNote(1e9).length;
  let shown = 0;
  for (const [i, line] of lines.entries()) {
    const rest = lines
      .slice(i)
      .map((l) => `\n${l}`)
      .join('');
    if (section.omitted === 0 && text.length + rest.length <= max) {
      text += rest;
      shown = lines.length;
      break;
    }
    const more = i < lines.length - 1 || section.omitted > 0;
    const room = max - text.length - 1 - (more ? noteRoom : 0);
    if (line.length <= room) {
      text += `\n${line}`;
      shown++;
      continue;
    }
    if (room >= EVIDENCE_LINE_CUT_MIN) {
      // The last line that fits is cut rather than dropped: the top error is often the longest.
      // `room` already keeps the note's place when lines follow.
      text += `\n${cutEscaped(line, room)}`;
      shown++;
    }
    break;
  }
  const omitted = lines.length - shown + section.omitted;
  if (omitted > 0) text += `\n${ITEM_MARK}${moreLinesNote(omitted)}`;
  return { type: 'section', text: mrkdwn(text) };
}

/**
 * Shares `room` among sections that want `wants` characters: each gets what it wants or an equal
 * share of what is left, whichever is smaller, so one long section of log lines cannot crowd out the
 * metric or the history.
 */
function shares(wants: readonly number[], room: number): number[] {
  const order = wants.map((_, i) => i).sort((a, b) => (wants[a] ?? 0) - (wants[b] ?? 0));
  const out = wants.map(() => 0);
  let left = Math.max(0, room);
  order.forEach((i, k) => {
    const share = Math.min(wants[i] ?? 0, Math.floor(left / (order.length - k)));
    out[i] = share;
    left -= share;
  });
  return out;
}

/**
 * A section per evidence, within `maxBlocks` blocks and `room` characters. Sections that would get
 * too little room go from the end (the builders put the metric first) and are counted.
 */
function evidenceSections(
  sections: readonly EvidenceText[],
  maxBlocks: number,
  room: number,
): { blocks: SlackSectionBlock[]; omitted: number } {
  let kept = sections.slice(0, Math.max(0, maxBlocks));
  for (;;) {
    const wants = kept.map((s) => evidenceSection(s, SLACK_SECTION_TEXT_MAX).text?.text.length ?? 0);
    const granted = shares(wants, room);
    const short = granted.some((g, i) => g < Math.min(wants[i] ?? 0, EVIDENCE_SECTION_MIN));
    if (!short) {
      const blocks = kept.map((s, i) => evidenceSection(s, granted[i] ?? 0));
      return { blocks, omitted: sections.length - kept.length };
    }
    kept = kept.slice(0, -1);
  }
}

function isUsableUrl(url: string): boolean {
  return url.length <= SLACK_BUTTON_URL_MAX && /^https?:\/\//i.test(url);
}

/** Our own links become buttons: a URL in a button cannot be relabelled the way `<url|text>` can. */
function actions(links: readonly Link[]): { block?: SlackActionsBlock; omitted: number } {
  const usable = links.filter((link) => isUsableUrl(link.url));
  const shown = usable.slice(0, SLACK_ACTIONS_ELEMENTS_MAX);
  const omitted = links.length - shown.length;
  if (shown.length === 0) return { omitted };
  const elements = shown.map(
    (link, i): SlackButton => ({
      type: 'button',
      text: plain(slackInline(link.text, SLACK_BUTTON_TEXT_MAX) || 'Open'),
      url: link.url,
      action_id: `link-${i}`,
    }),
  );
  return { block: { type: 'actions', elements }, omitted };
}

function accountLabel(alert: Alert): string {
  const id = slackInline(alert.account.id, CONTEXT_ITEM_MAX);
  const alias = alert.account.alias === undefined ? '' : slackInline(alert.account.alias, CONTEXT_ITEM_MAX);
  return alias === '' ? id : `${alias} (${id})`;
}

function context(alert: Alert, omittedLinks: number, omittedEvidence = 0): SlackContextBlock {
  const items = [
    `Account: ${accountLabel(alert)}`,
    `Region: ${slackInline(alert.region, CONTEXT_ITEM_MAX)}`,
    `Time: ${slackInline(alert.time, CONTEXT_ITEM_MAX)}`,
    `Rule: ${slackInline(alert.ruleId, CONTEXT_ITEM_MAX)}`,
  ].map((item) => cutEscaped(item, CONTEXT_ITEM_MAX));
  if (alert.status === 'resolved') items.push(':white_check_mark: Resolved');
  else if (alert.attempted === true) items.push(':no_entry: Attempted: the call was denied, nothing changed');
  if (omittedLinks > 0) items.push(`${omittedLinks} link(s) not shown ${TRUNCATION_MARKER}`);
  if (omittedEvidence > 0) items.push(moreEvidenceNote(omittedEvidence));
  return { type: 'context', elements: items.slice(0, SLACK_CONTEXT_ELEMENTS_MAX).map(mrkdwn) };
}

function fallbackText(alert: Alert, mention: string): string {
  const label = alert.status === 'resolved' ? 'RESOLVED' : alert.severity.toUpperCase();
  const room = SLACK_TEXT_FALLBACK_MAX - mention.length;
  const text = `[${label}] ${slackInline(alert.title, room)}: ${slackInline(alert.summary, room)}`;
  return mention + cutEscaped(text, room);
}

/** Every text a person reads in the blocks: header, section text and fields, button labels, context. */
export function slackBlockTexts(blocks: readonly SlackBlock[]): string[] {
  return blocks.flatMap((block) => {
    if (block.type === 'header') return [block.text.text];
    if (block.type === 'section')
      return [...(block.text ? [block.text.text] : []), ...(block.fields ?? []).map((f) => f.text)];
    if (block.type === 'actions') return block.elements.map((button) => button.text.text);
    return block.elements.map((element) => element.text);
  });
}

/** The characters of text in a message's blocks, as Slack's limit on them counts (SLACK_BLOCKS_TEXT_MAX). */
export function slackBlocksText(message: SlackMessage): number {
  return slackBlockTexts(message.blocks).reduce((n, text) => n + text.length, 0);
}

/**
 * Renders an alert as an incoming-webhook message. Every alert string is untrusted (it may come from a
 * CloudTrail user agent, a bucket name or an alarm's state reason) and goes through
 * {@link slackInline}; every line starts with a label or marker of ours; link URLs we built go into
 * button `url`s only.
 */
export function renderSlack(alert: Alert, options: RenderSlackOptions = {}): SlackMessage {
  const mention = mentionOf(options);
  const { block: actionsBlock, omitted } = actions(alert.links);
  const evidence = shownEvidence(alert);
  const top: SlackBlock[] = [header(alert), summarySection(alert, mention)];
  const bottom = (omittedEvidence: number): SlackBlock[] => [
    ...(actionsBlock === undefined ? [] : [actionsBlock]),
    context(alert, omitted, omittedEvidence),
  ];
  const blocksLeft = SLACK_MAX_BLOCKS - top.length - bottom(0).length;
  // With evidence, the note of sections left out must still fit in the context.
  const used =
    slackBlocksText({ text: '', blocks: [...top, ...bottom(0)] }) +
    (evidence.length > 0 ? MORE_EVIDENCE_MAX : 0);
  const facts =
    alert.status === 'resolved' ? [] : factSections(alert.facts, blocksLeft, SLACK_BLOCKS_TEXT_MAX - used);
  // Evidence gets what the facts left: it is cut before them.
  const shown = evidenceSections(
    evidence,
    blocksLeft - facts.length,
    SLACK_BLOCKS_TEXT_MAX - used - slackBlocksText({ text: '', blocks: facts }),
  );
  return {
    text: fallbackText(alert, mention),
    blocks: [...top, ...facts, ...shown.blocks, ...bottom(shown.omitted)],
  };
}
