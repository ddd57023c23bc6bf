import type { Alert, Fact, Link, Severity } from '../../../events/alert.ts';
import {
  EVIDENCE_KIND_LABEL,
  type EvidenceText,
  moreEvidenceNote,
  moreLinesNote,
  shownEvidence,
} from '../../evidence.ts';
import {
  factItems,
  inlineText,
  SUMMARY_LABEL,
  TRUNCATION_MARKER,
  truncate,
  utf8ByteLength,
  VERDICT_LABEL,
} from '../../text.ts';
import {
  ADAPTIVE_CARD_SCHEMA,
  TEAMS_ATTACHMENT_CONTENT_TYPE,
  TEAMS_BODY_MAX_BYTES,
  TEAMS_BUTTON_TITLE_MAX,
  TEAMS_BUTTON_URL_MAX,
  TEAMS_CARD_VERSION,
  TEAMS_MAX_ACTIONS,
} from './limits.ts';

/** The Adaptive Card subset we send (https://adaptivecards.io/explorer/). */
export type TeamsContainerStyle = 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';
export type TeamsColor = 'Default' | 'Accent' | 'Good' | 'Warning' | 'Attention';

export interface TeamsTextBlock {
  type: 'TextBlock';
  text: string;
  /** Always true: an unwrapped TextBlock cuts the line at the card's edge. */
  wrap: true;
  weight?: 'Bolder';
  size?: 'Large' | 'Medium';
  color?: TeamsColor;
  isSubtle?: true;
  /** Adaptive Cards 1.2: the evidence's sparkline, whose bars line up only in a fixed-width font. */
  fontType?: 'Monospace';
  /** The lines of one evidence section sit close under its title, as a list does. */
  spacing?: 'None';
}
export interface TeamsFact {
  title: string;
  value: string;
}
export interface TeamsFactSet {
  type: 'FactSet';
  facts: TeamsFact[];
}
export interface TeamsContainer {
  type: 'Container';
  style: TeamsContainerStyle;
  /** The style's background reaches the card's edges: the severity band. */
  bleed: true;
  items: TeamsTextBlock[];
}
export type TeamsElement = TeamsContainer | TeamsTextBlock | TeamsFactSet;
export interface TeamsOpenUrl {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}
export interface TeamsAdaptiveCard {
  $schema: typeof ADAPTIVE_CARD_SCHEMA;
  type: 'AdaptiveCard';
  version: typeof TEAMS_CARD_VERSION;
  /** Shown by clients that cannot render the card, and by Teams in notifications. */
  fallbackText: string;
  /** Teams-only: use the channel's whole width, so facts are not squeezed into a narrow column. */
  msteams: { width: 'Full' };
  body: TeamsElement[];
  actions: TeamsOpenUrl[];
}
export interface TeamsAttachment {
  contentType: typeof TEAMS_ATTACHMENT_CONTENT_TYPE;
  contentUrl: null;
  content: TeamsAdaptiveCard;
}
/** What a Workflows webhook takes: a message activity with one Adaptive Card attachment. */
export interface TeamsMessage {
  type: 'message';
  attachments: [TeamsAttachment];
}

const SEVERITY_LABEL: Readonly<Record<Severity, string>> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  info: 'INFO',
};
/** Colour says how loud; the label says it again for anyone who cannot tell the colours apart. */
const SEVERITY_STYLE: Readonly<Record<Severity, { style: TeamsContainerStyle; color: TeamsColor }>> = {
  critical: { style: 'attention', color: 'Attention' },
  high: { style: 'warning', color: 'Warning' },
  medium: { style: 'accent', color: 'Accent' },
  low: { style: 'emphasis', color: 'Default' },
  info: { style: 'default', color: 'Default' },
};
const RESOLVED_STYLE = { style: 'good', color: 'Good' } as const;

const EMPTY = '—';
/** Starts every line of a multi-item fact value, so no item an attacker wrote can start a line. */
const ITEM_MARK = '• ';
const MORE_FACTS_TITLE = 'More facts';
const PRE_CUT_FACTOR = 4;
const PRE_CUT_SLACK = 64;

/** How long each kind of text may be; halved when even a card without facts is over the body limit. */
interface Caps {
  title: number;
  prose: number;
  contextValue: number;
  factTitle: number;
  factValue: number;
  button: number;
}
const CAPS: Caps = {
  title: 200,
  prose: 1000,
  contextValue: 300,
  factTitle: 100,
  factValue: 1000,
  button: TEAMS_BUTTON_TITLE_MAX,
};

/**
 * Adaptive Card TextBlocks and FactSet titles and values render a Markdown subset in Teams
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-format,
 * https://learn.microsoft.com/en-us/adaptive-cards/authoring-cards/text-features): bold, italic, lists,
 * `[title](url)` links. Whether a client honours CommonMark's backslash escapes is not documented, so
 * formatting characters an attacker wrote become look-alikes instead, as the Slack renderer does.
 * `*` emphasises even inside a word in CommonMark, so it is always replaced; `_` and `~` only at a
 * word's edge, so `AWSReservedSSO_Admin_1a2b` stays as it is.
 */
const ALWAYS: Readonly<Record<string, string>> = {
  '*': '\u2217', // ∗ ASTERISK OPERATOR
  '`': '\u02cb', // ˋ MODIFIER LETTER GRAVE ACCENT
};
const AT_EDGE: Readonly<Record<string, string>> = {
  _: '\u02cd', // ˍ MODIFIER LETTER LOW MACRON
  '~': '\u223c', // ∼ TILDE OPERATOR
};
const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Sequences Markdown, Teams or the card templating read as more than text, each broken at one character. */
const SEQUENCES: ReadonlyArray<readonly [RegExp, string]> = [
  // `[label](url)`: without `](` there is no inline link.
  [/\](?=\()/g, '\uff3d'], // ］
  // `<at>name</at>` (a mention, when an entity backs it), `<a href>`, `<https://…>` autolinks.
  [/<(?=[A-Za-z/!?])/g, '\u2039'], // ‹
  // `&lt;at&gt;`: an entity a renderer might decode into the sequence above.
  [/&(?=#?[A-Za-z0-9]+;)/g, '\uff06'], // ＆
  // `{{DATE(…)}}` and `{{TIME(…)}}` are rewritten by the client.
  [/\{(?=\{)/g, '\uff5b'], // ｛
];

/** A value that starts a line (a fact value or title) must not start a block: quote, heading, list, link definition. */
const LINE_START: ReadonlyArray<readonly [RegExp, string]> = [
  [/^>/, '\u203a'], // ›
  [/^#/, '\uff03'], // ＃
  // `- item`, and `---` alone (a rule, or a heading underline).
  [/^-(?=\s|-|$)/, '\u2010'], // ‐
  [/^\+(?=\s)/, '\uff0b'], // ＋
  [/^(\d+)\.(?=\s)/, '$1\u2024'], // 1․
  [/^(\d+)\)(?=\s)/, '$1\uff09'], // 1）
  [/^\[/, '\uff3b'], // ［
];

// Teams has no "@here" or "@channel" that text can trigger, but the words read as one; spelled with a
// full-width ＠ as in Slack, no channel shows them as a broadcast.
const BROADCAST = /@(here|channel|everyone|team)\b/gi;

function neutraliseMarkdown(s: string): string {
  const chars = Array.from(s);
  let out = chars
    .map((ch, i) => {
      const always = ALWAYS[ch];
      if (always !== undefined) return always;
      const edge = AT_EDGE[ch];
      if (edge === undefined) return ch;
      const inWord = WORD_CHAR.test(chars[i - 1] ?? '') && WORD_CHAR.test(chars[i + 1] ?? '');
      return inWord ? ch : edge;
    })
    .join('');
  for (const [pattern, replacement] of SEQUENCES) out = out.replace(pattern, replacement);
  for (const [pattern, replacement] of LINE_START) out = out.replace(pattern, replacement);
  return out.replace(BROADCAST, '\uff20$1');
}

/**
 * The one way an alert string reaches a Teams card: one inert line ({@link inlineText}: no control or
 * invisible characters, no bidi overrides, no live URL), Markdown neutralised, then cut to `max` with a
 * marker. Every replacement is one BMP character, so cutting never splits one.
 */
export function teamsInline(s: string, max: number): string {
  return truncate(neutraliseMarkdown(inlineText(preCut(s, max))), max);
}

/**
 * A 250 KB value is cut before the work that scans every character, cheaply (a surrogate pair it
 * splits becomes U+FFFD later); what is left still says it was cut, however much of it turns out to be
 * invisible characters that inlineText removes.
 */
function preCut(s: string, max: number): string {
  const n = PRE_CUT_FACTOR * max + PRE_CUT_SLACK;
  return s.length <= n ? s : s.slice(0, n) + TRUNCATION_MARKER;
}

function text(s: string, extra: Omit<TeamsTextBlock, 'type' | 'text' | 'wrap'> = {}): TeamsTextBlock {
  return { type: 'TextBlock', text: s, wrap: true, ...extra };
}

function fact(title: string, value: string): TeamsFact {
  return { title: title || EMPTY, value: value || EMPTY };
}

function isUsableUrl(url: string): boolean {
  if (url.length > TEAMS_BUTTON_URL_MAX || !/^https?:\/\//i.test(url) || /[\s\p{Cc}\p{Cf}]/u.test(url)) {
    return false;
  }
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

function headerTitle(alert: Alert, caps: Caps): string {
  const title = teamsInline(alert.title, caps.title) || teamsInline(alert.ruleId, caps.title) || EMPTY;
  return alert.status === 'resolved' ? `Resolved: ${title}` : `${SEVERITY_LABEL[alert.severity]}: ${title}`;
}

/** How many alerts a summary card stands for, when the number is one a person can read. */
function coversOf(alert: Alert): number | undefined {
  const n = alert.covers;
  return n !== undefined && Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

function header(alert: Alert, caps: Caps): TeamsContainer {
  const { style, color } = alert.status === 'resolved' ? RESOLVED_STYLE : SEVERITY_STYLE[alert.severity];
  const items: TeamsTextBlock[] = [
    text(headerTitle(alert, caps), { weight: 'Bolder', size: 'Large', color }),
  ];
  const covers = coversOf(alert);
  if (covers !== undefined) {
    items.push(
      text(`Summary card: stands for ${covers} alert${covers === 1 ? '' : 's'} not sent one by one`, {
        weight: 'Bolder',
      }),
    );
  }
  if (alert.status !== 'resolved' && alert.attempted === true) {
    items.push(text('Attempted: the call was denied, nothing changed', { isSubtle: true }));
  }
  return { type: 'Container', style, bleed: true, items };
}

function prose(alert: Alert, caps: Caps): TeamsTextBlock[] {
  const blocks = [text(`**${SUMMARY_LABEL}** ${teamsInline(alert.summary, caps.prose) || EMPTY}`)];
  const verdict = alert.verdict === undefined ? '' : teamsInline(alert.verdict, caps.prose);
  if (verdict !== '') blocks.push(text(`**${VERDICT_LABEL}** ${verdict}`));
  return blocks;
}

function accountLabel(alert: Alert, max: number): string {
  const id = teamsInline(alert.account.id, max);
  const alias = alert.account.alias === undefined ? '' : teamsInline(alert.account.alias, max);
  return truncate(alias === '' ? id : `${alias} (${id})`, max);
}

/** Who did what where and when: the facts a person needs first, in the same order on every card. */
function context(alert: Alert, caps: Caps): TeamsFactSet {
  const max = caps.contextValue;
  const facts: TeamsFact[] = [];
  if (alert.actor !== undefined) facts.push(fact('Who', teamsInline(alert.actor.display, max)));
  if (alert.resource !== undefined) {
    facts.push(fact('Resource', teamsInline(`${alert.resource.type} ${alert.resource.name}`, max)));
  }
  facts.push(
    fact('Account', accountLabel(alert, max)),
    fact('Region', teamsInline(alert.region, max)),
    fact('Time', teamsInline(alert.time, max)),
    fact('Rule', teamsInline(alert.ruleId, max)),
  );
  return { type: 'FactSet', facts };
}

/** One fact of the alert: its items behind a bullet each, one line apiece, when it has several. */
function evidenceFact(f: Fact, caps: Caps): TeamsFact {
  const title = teamsInline(f.label, caps.factTitle);
  const items = factItems(preCut(f.value, caps.factValue));
  if (items.length <= 1) return fact(title, teamsInline(items[0] ?? '', caps.factValue));
  const lines = items.map((item) => `${ITEM_MARK}${teamsInline(item, caps.factValue)}`);
  return fact(title, truncate(lines.join('\n'), caps.factValue));
}

/**
 * An evidence section as TextBlocks: its kind (our word) and title in bold, the chart in monospace, then one block per line
 * behind a bullet of ours (a block each: whether a client breaks a TextBlock at `\n` outside a list is
 * not documented), and a last line counting those left out.
 */
function evidenceBlocks(section: EvidenceText, caps: Caps): TeamsTextBlock[] {
  // The whole block is bold (weight), so the label needs no Markdown of its own.
  const label = `${EVIDENCE_KIND_LABEL[section.kind]}:`;
  const blocks = [text(`${label} ${teamsInline(section.title, caps.title) || EMPTY}`, { weight: 'Bolder' })];
  if (section.chart !== undefined) {
    blocks.push(text(teamsInline(section.chart, caps.factValue), { fontType: 'Monospace', spacing: 'None' }));
  }
  for (const line of section.lines) {
    blocks.push(text(`${ITEM_MARK}${teamsInline(line, caps.factValue)}`, { spacing: 'None' }));
  }
  if (section.omitted > 0) {
    blocks.push(text(`${ITEM_MARK}${moreLinesNote(section.omitted)}`, { spacing: 'None', isSubtle: true }));
  }
  return blocks;
}

function actions(links: readonly Link[], caps: Caps): { actions: TeamsOpenUrl[]; omitted: number } {
  const shown = links.filter((link) => isUsableUrl(link.url)).slice(0, TEAMS_MAX_ACTIONS);
  return {
    actions: shown.map((link) => ({
      type: 'Action.OpenUrl',
      title: teamsInline(link.text, caps.button) || 'Open',
      url: link.url,
    })),
    omitted: links.length - shown.length,
  };
}

function fallbackText(alert: Alert, caps: Caps): string {
  const label = alert.status === 'resolved' ? 'RESOLVED' : SEVERITY_LABEL[alert.severity];
  const title = teamsInline(alert.title, caps.title) || teamsInline(alert.ruleId, caps.title) || EMPTY;
  return truncate(`[${label}] ${title}: ${teamsInline(alert.summary, caps.prose) || EMPTY}`, caps.prose);
}

/** The parts of a card that do not depend on how many facts it shows, rendered once per set of caps. */
interface Parts {
  top: TeamsElement[];
  /** The alert's facts, under the card's "Evidence" heading. */
  evidence: TeamsFact[];
  /** The evidence sections read from AWS (shared/notify/evidence.ts), after the facts. */
  sections: TeamsTextBlock[][];
  buttons: TeamsOpenUrl[];
  omitted: number;
  fallbackText: string;
}

function partsOf(alert: Alert, caps: Caps): Parts {
  const { actions: buttons, omitted } = actions(alert.links, caps);
  return {
    top: [header(alert, caps), ...prose(alert, caps), context(alert, caps)],
    // A resolve is a short follow-up to the card that announced it: the evidence is on that card.
    evidence: alert.status === 'resolved' ? [] : alert.facts.map((f) => evidenceFact(f, caps)),
    sections: shownEvidence(alert).map((section) => evidenceBlocks(section, caps)),
    buttons,
    omitted,
    fallbackText: fallbackText(alert, caps),
  };
}

function buildMessage(parts: Parts, factsShown: number, sectionsShown = parts.sections.length): TeamsMessage {
  const { evidence, sections, omitted } = parts;
  const body: TeamsElement[] = [...parts.top];
  if (evidence.length > 0) {
    const facts = evidence.slice(0, factsShown);
    if (factsShown < evidence.length) {
      facts.push(
        fact(MORE_FACTS_TITLE, `${evidence.length - factsShown} more not shown ${TRUNCATION_MARKER}`),
      );
    }
    body.push(text('Evidence', { weight: 'Bolder' }), { type: 'FactSet', facts });
  }
  for (const blocks of sections.slice(0, sectionsShown)) body.push(...blocks);
  if (sectionsShown < sections.length) {
    body.push(text(moreEvidenceNote(sections.length - sectionsShown), { isSubtle: true }));
  }
  if (omitted > 0) body.push(text(`${omitted} link(s) not shown ${TRUNCATION_MARKER}`, { isSubtle: true }));
  return {
    type: 'message',
    attachments: [
      {
        contentType: TEAMS_ATTACHMENT_CONTENT_TYPE,
        contentUrl: null,
        content: {
          $schema: ADAPTIVE_CARD_SCHEMA,
          type: 'AdaptiveCard',
          version: TEAMS_CARD_VERSION,
          fallbackText: parts.fallbackText,
          msteams: { width: 'Full' },
          body,
          actions: parts.buttons,
        },
      },
    ],
  };
}

/** The UTF-8 size of the request body postJson sends for `message`. */
export function teamsBodyBytes(message: TeamsMessage): number {
  return utf8ByteLength(JSON.stringify(message));
}

function halved(caps: Caps): Caps {
  const half = (n: number) => Math.max(20, Math.floor(n / 2));
  return {
    title: half(caps.title),
    prose: half(caps.prose),
    contextValue: half(caps.contextValue),
    factTitle: half(caps.factTitle),
    factValue: half(caps.factValue),
    button: half(caps.button),
  };
}

/** The largest n in [0, total] whose card fits (a card with more is never smaller), by bisection. */
function mostThatFit(
  total: number,
  build: (n: number) => TeamsMessage,
  maxBytes: number,
): TeamsMessage | undefined {
  let best = build(0);
  if (teamsBodyBytes(best) > maxBytes) return undefined;
  let lo = 0;
  let hi = total;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const candidate = build(mid);
    if (teamsBodyBytes(candidate) <= maxBytes) {
      lo = mid;
      best = candidate;
    } else hi = mid - 1;
  }
  return best;
}

/**
 * Every fact and as many evidence sections as fit; if not even the facts fit without sections, no
 * section and as many facts as fit: evidence is cut before the facts.
 */
function mostFactsThatFit(parts: Parts, maxBytes: number): TeamsMessage | undefined {
  const all = parts.evidence.length;
  const withSections = mostThatFit(parts.sections.length, (n) => buildMessage(parts, all, n), maxBytes);
  if (withSections !== undefined) return withSections;
  return mostThatFit(all, (n) => buildMessage(parts, n, 0), maxBytes);
}

/**
 * Renders an alert as the message a Teams Workflows webhook posts: one Adaptive Card with a severity
 * band (or "Resolved:" in green for a resolve, a follow-up card to the one that announced it), what
 * happened and the verdict, who/what/where/when, the alert's facts as evidence and its console links as
 * buttons. Every alert string is untrusted and goes through {@link teamsInline}; link URLs we built go
 * into button `url`s only. The request body stays under TEAMS_BODY_MAX_BYTES: facts that do not fit are
 * counted instead of shown, and if even that is too big every text is cut shorter.
 */
export function renderTeams(alert: Alert, maxBytes: number = TEAMS_BODY_MAX_BYTES): TeamsMessage {
  let caps = CAPS;
  for (;;) {
    const parts = partsOf(alert, caps);
    const message = mostFactsThatFit(parts, maxBytes);
    if (message !== undefined) return message;
    const next = halved(caps);
    // Caps stop shrinking at 20 characters: the card is then a few KB whatever the alert holds.
    if (JSON.stringify(next) === JSON.stringify(caps)) return buildMessage(parts, 0, 0);
    caps = next;
  }
}
