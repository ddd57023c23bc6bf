import type { Alert } from '../../../../events/alert.ts';
import type { SlackMessageRecord } from '../../../../state/slack-messages.ts';
import { SLACK_MAX_BLOCKS, SLACK_TEXT_FALLBACK_MAX } from '../limits.ts';
import type { SlackBlock, SlackMessage, SlackSectionBlock } from '../render.ts';

/**
 * What one alert does in Slack, given the message remembered for its key:
 * - `post`: a new top-level message (nothing remembered, or the last one was resolved: a new episode);
 * - `reply`: a repeat or a group's summary (same dedupKey) goes into the remembered message's thread;
 * - `resolve`: chat.update of the remembered message, marked resolved, and a reply saying so.
 * A resolve of a message already resolved only replies: nothing is left to edit. `at` is the alert's
 * time (alertTimeMs), compared with the record's to recognise an alert that arrived out of order.
 */
export type SlackAppAction =
  | { kind: 'post' }
  | { kind: 'reply'; record: SlackMessageRecord }
  | { kind: 'resolve'; record: SlackMessageRecord };

export function decideAction(
  alert: Alert,
  record: SlackMessageRecord | undefined,
  at: number,
): SlackAppAction {
  if (record === undefined) return { kind: 'post' };
  if (alert.status === 'resolved') {
    // An OK older than the ALARM that posted the message ends an earlier episode (it arrived late):
    // it must not mark the current one resolved. It is posted on its own and not remembered.
    if (record.status === 'firing' && at < record.at) return { kind: 'post' };
    return record.status === 'firing' ? { kind: 'resolve', record } : { kind: 'reply', record };
  }
  return record.status === 'firing' ? { kind: 'reply', record } : { kind: 'post' };
}

/**
 * The alert's own time as epoch ms; the alert's `time` is event text, so an unparsable one falls back
 * to when we handled it rather than producing a nonsense duration.
 */
export function alertTimeMs(alert: Alert, fallback: number): number {
  const at = Date.parse(alert.time);
  return Number.isNaN(at) ? fallback : at;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "1 h 12 min", "3 d 4 h", "less than a minute"; undefined when the span is negative. */
export function durationText(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  if (ms < MINUTE) return 'less than a minute';
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min`;
  if (ms < DAY) {
    const h = Math.floor(ms / HOUR);
    const min = Math.floor((ms % HOUR) / MINUTE);
    return min === 0 ? `${h} h` : `${h} h ${min} min`;
  }
  const d = Math.floor(ms / DAY);
  const h = Math.floor((ms % DAY) / HOUR);
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

/**
 * "in ALARM for 1 h 12 min (since 2026-11-20T09:15:02.000Z)" for an alarm, "firing for …" for anything
 * else. Built from numbers only: no alert text reaches it.
 */
export function timeInAlarmText(alert: Alert, firstAt: number, resolvedAt: number): string {
  const state = alert.kind === 'alarm' ? 'in ALARM' : 'firing';
  const span = durationText(resolvedAt - firstAt);
  const since = new Date(firstAt).toISOString();
  return span === undefined ? `${state} since ${since}` : `${state} for ${span} (since ${since})`;
}

const RESOLVED_MARK = ':white_check_mark: *RESOLVED*';

function statusSection(line: string): SlackSectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: `${RESOLVED_MARK}: ${line}`, verbatim: true } };
}

function withSuffix(text: string, suffix: string): string {
  if (text.length + suffix.length <= SLACK_TEXT_FALLBACK_MAX) return text + suffix;
  return text.slice(0, SLACK_TEXT_FALLBACK_MAX - suffix.length) + suffix;
}

/**
 * The remembered message as the resolve edits it: the resolve's own rendering (its header already
 * says Resolved, every alert string already escaped by renderSlack) with the time in ALARM under the
 * header. Replacing rather than amending keeps no alert text in the state table.
 */
export function resolvedMessage(message: SlackMessage, line: string): SlackMessage {
  const [head, ...rest] = message.blocks;
  const blocks: SlackBlock[] =
    head?.type === 'header' ? [head, statusSection(line), ...rest] : [statusSection(line), ...message.blocks];
  return { text: withSuffix(message.text, ` (${line})`), blocks: blocks.slice(0, SLACK_MAX_BLOCKS) };
}

/** The reply in the thread that says the alert resolved; short, the edited parent has the details. */
export function resolvedReply(line: string): SlackMessage {
  return { text: `RESOLVED: ${line}`, blocks: [statusSection(line)] };
}

// renderSlack escapes every `<` of alert text, so a leading `<!here> ` / `<!channel> ` is the mention
// the receiver asked for, never an attacker's.
const OUR_MENTION = /^<!(?:here|channel)> /;

/**
 * A message as a thread reply: without the receiver's mention. The channel was called to the thread's
 * parent; calling it again for every repeat and summary is the noise threads are meant to remove.
 */
export function asThreadReply(message: SlackMessage): SlackMessage {
  const blocks = message.blocks.map((block): SlackBlock => {
    if (block.type !== 'section' || block.text === undefined || !OUR_MENTION.test(block.text.text))
      return block;
    return { ...block, text: { ...block.text, text: block.text.text.replace(OUR_MENTION, '') } };
  });
  return { text: message.text.replace(OUR_MENTION, ''), blocks };
}
