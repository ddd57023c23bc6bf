import type { Alert, Fact, Link, Severity } from '../events/alert.ts';
import { type FetchLike, postJson } from './http.ts';
import {
  SLACK_ACTIONS_ELEMENTS_MAX,
  SLACK_BUTTON_TEXT_MAX,
  SLACK_BUTTON_URL_MAX,
  SLACK_CONTEXT_ELEMENTS_MAX,
  SLACK_CONTEXT_TEXT_MAX,
  SLACK_FIELD_TEXT_MAX,
  SLACK_HEADER_TEXT_MAX,
  SLACK_MAX_BLOCKS,
  SLACK_SECTION_FIELDS_MAX,
  SLACK_SECTION_TEXT_MAX,
  SLACK_TEXT_FALLBACK_MAX,
} from './limits.ts';
import { escapeSlack, oneLine, TRUNCATION_MARKER, truncate, wellFormed } from './text.ts';

/** The Block Kit subset we send. */
export interface SlackPlainText {
  type: 'plain_text';
  text: string;
  emoji: true;
}
export interface SlackMrkdwn {
  type: 'mrkdwn';
  text: string;
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
const EMPTY = '—';

/**
 * Escapes, then cuts to `max`. Escaping first keeps the limit honest (`&` grows to five characters);
 * a cut that lands inside an entity drops the partial entity so no stray `&am` is shown.
 */
function slackText(s: string, max: number): string {
  const escaped = escapeSlack(wellFormed(s));
  if (escaped.length <= max) return escaped;
  let cut = truncate(escaped, max - TRUNCATION_MARKER.length, '');
  const amp = cut.lastIndexOf('&');
  if (amp !== -1 && !cut.includes(';', amp)) cut = cut.slice(0, amp);
  return cut + TRUNCATION_MARKER;
}

function plain(text: string): SlackPlainText {
  return { type: 'plain_text', text, emoji: true };
}

function mrkdwn(text: string): SlackMrkdwn {
  return { type: 'mrkdwn', text };
}

function mentionOf(options: RenderSlackOptions): string {
  return options.mention === undefined ? '' : `<!${options.mention}> `;
}

function header(alert: Alert): SlackHeaderBlock {
  const title = oneLine(alert.title) || alert.ruleId;
  const text =
    alert.status === 'resolved'
      ? `${RESOLVED_EMOJI} Resolved: ${title}`
      : `${SEVERITY_EMOJI[alert.severity]} ${title}`;
  return { type: 'header', text: plain(slackText(text, SLACK_HEADER_TEXT_MAX)) };
}

function summarySection(alert: Alert, mention: string): SlackSectionBlock {
  const summary = slackText(oneLine(alert.summary) || EMPTY, SUMMARY_MAX);
  const first = `${mention}*${summary}*`;
  const verdict = alert.verdict === undefined ? '' : wellFormed(alert.verdict).trim();
  if (verdict === '') return { type: 'section', text: mrkdwn(first) };
  const room = SLACK_SECTION_TEXT_MAX - first.length - 1;
  return { type: 'section', text: mrkdwn(`${first}\n${slackText(verdict, room)}`) };
}

function factField(fact: Fact): SlackMrkdwn {
  const label = `*${slackText(oneLine(fact.label) || EMPTY, FACT_LABEL_MAX)}*`;
  const value = slackText(
    fact.value.trim() === '' ? EMPTY : fact.value,
    SLACK_FIELD_TEXT_MAX - label.length - 1,
  );
  return mrkdwn(`${label}\n${value}`);
}

/** Facts in sections of ten fields; past the block budget the last field says how many were left out. */
function factSections(facts: readonly Fact[], maxSections: number): SlackSectionBlock[] {
  if (facts.length === 0 || maxSections <= 0) return [];
  const capacity = maxSections * SLACK_SECTION_FIELDS_MAX;
  const fields =
    facts.length <= capacity ? facts.map(factField) : facts.slice(0, capacity - 1).map(factField);
  if (facts.length > capacity) {
    const left = facts.length - (capacity - 1);
    fields.push(mrkdwn(`*More facts*\n${left} more not shown ${TRUNCATION_MARKER}`));
  }
  const sections: SlackSectionBlock[] = [];
  for (let i = 0; i < fields.length; i += SLACK_SECTION_FIELDS_MAX) {
    sections.push({ type: 'section', fields: fields.slice(i, i + SLACK_SECTION_FIELDS_MAX) });
  }
  return sections;
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
      text: plain(slackText(oneLine(link.text) || 'Open', SLACK_BUTTON_TEXT_MAX)),
      url: link.url,
      action_id: `link-${i}`,
    }),
  );
  return { block: { type: 'actions', elements }, omitted };
}

function accountLabel(alert: Alert): string {
  const alias = alert.account.alias === undefined ? '' : oneLine(alert.account.alias);
  return alias === '' ? alert.account.id : `${alias} (${alert.account.id})`;
}

function context(alert: Alert, omittedLinks: number): SlackContextBlock {
  const items = [
    `Account: ${accountLabel(alert)}`,
    `Region: ${alert.region}`,
    `Time: ${alert.time}`,
    `Rule: ${alert.ruleId}`,
  ].map((item) => slackText(oneLine(item), SLACK_CONTEXT_TEXT_MAX));
  if (alert.status === 'resolved') items.push(':white_check_mark: Resolved');
  else if (alert.attempted === true) items.push(':no_entry: Attempted: the call was denied, nothing changed');
  if (omittedLinks > 0) items.push(`${omittedLinks} link(s) not shown ${TRUNCATION_MARKER}`);
  return { type: 'context', elements: items.slice(0, SLACK_CONTEXT_ELEMENTS_MAX).map(mrkdwn) };
}

function fallbackText(alert: Alert, mention: string): string {
  const label = alert.status === 'resolved' ? 'RESOLVED' : alert.severity.toUpperCase();
  const line = `[${label}] ${oneLine(alert.title)}: ${oneLine(alert.summary)}`;
  return mention + slackText(line, SLACK_TEXT_FALLBACK_MAX - mention.length);
}

/**
 * Renders an alert as an incoming-webhook message. Every alert string is untrusted (it may come from a
 * CloudTrail user agent or a bucket name) and is escaped; link URLs we built go into button `url`s only.
 */
export function renderSlack(alert: Alert, options: RenderSlackOptions = {}): SlackMessage {
  const mention = mentionOf(options);
  const { block: actionsBlock, omitted } = actions(alert.links);
  const top: SlackBlock[] = [header(alert), summarySection(alert, mention)];
  const bottom: SlackBlock[] = [
    ...(actionsBlock === undefined ? [] : [actionsBlock]),
    context(alert, omitted),
  ];
  const facts =
    alert.status === 'resolved'
      ? []
      : factSections(alert.facts, SLACK_MAX_BLOCKS - top.length - bottom.length);
  return { text: fallbackText(alert, mention), blocks: [...top, ...facts, ...bottom] };
}

export interface SlackSenderOptions {
  fetchImpl?: FetchLike | undefined;
  timeoutMs?: number | undefined;
}

export interface SlackSender {
  send(webhookUrl: string, message: SlackMessage): Promise<void>;
}

export function createSlackSender(options: SlackSenderOptions = {}): SlackSender {
  const { fetchImpl, timeoutMs = 5000 } = options;
  return {
    async send(webhookUrl, message) {
      await postJson({ url: webhookUrl, body: message, channel: 'slack', timeoutMs, fetchImpl });
    },
  };
}
