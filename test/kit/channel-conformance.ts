/**
 * The channel conformance kit: what every channel plug-in must do, checked the same way for each, as
 * Alertmanager's notify/test does for its receivers. A channel's own test calls
 * {@link describeChannelConformance} with a {@link ConformanceSubject}; the kit starts a vendor
 * stand-in on 127.0.0.1 and registers one test per promise:
 *
 * 1. the retry table: 2xx resolves, 4xx is permanent, 429 is retryable with the wait the vendor asked
 *    for (seconds or an HTTP date), 5xx, timeouts and resets are retryable;
 * 2. no secret in any error (message, stack, JSON, causes) nor in what the notifier logs and dead-letters;
 * 3. an oversize alert (its evidence too: many sections, long lines) renders within the vendor's body
 *    limit and is still sent;
 * 4. hostile text (mentions, links, forged lines, bidi and zero-width controls, HTML) renders inert,
 *    in the alert's fields and in its evidence (titles, charts, lines: the evidence builders make them
 *    inert, but a renderer must not rely on it), the evidence is shown, and for a channel that promises
 *    fidelity (`verbatim`) everything arrives exactly as written;
 * 5. one delivery per (alert, receiver) through processRequest and a once-store.
 *
 * Each check is also exported as a function returning the problems it found, so the kit's own test
 * can show that each one fails a channel that breaks its promise. Nothing here knows any channel.
 *
 *   describeChannelConformance('teams', {
 *     plugin: teams,
 *     receiver: (url) => ({ settings: { workflowUrlParameter: '/cloud-alerts/test/teams' }, secret: url }),
 *     visibleText: (body) => textsOfTheCard(body),
 *     activeMarkup: [/<at>/i, /\]\(/],
 *     maxBodyBytes: TEAMS_MAX_BYTES,
 *   });
 */
import { inspect } from 'node:util';
import { escapeHtml } from '../../shared/backtest/html.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Config, Receiver } from '../../shared/config/schema.ts';
import type { OncePort } from '../../shared/delivery/idempotency.ts';
import {
  type Alert,
  type Channel,
  EVIDENCE_KINDS,
  type NotificationRequest,
  notificationKey,
} from '../../shared/events/alert.ts';
import type {
  ChannelPlugin,
  ChannelSender,
  RenderContext,
  SendTarget,
} from '../../shared/notify/channels/types.ts';
import { isDeliveryError } from '../../shared/notify/errors.ts';
import type { LogPort } from '../../shared/pipeline/logger.ts';
import { type NotifyDeps, type NotifyOutcome, processRequest } from '../../shared/pipeline/notify.ts';
import { memoryOnce } from '../helpers/delivery.ts';
import { buildAlert } from '../unit/notify/fixtures.ts';
import { OUTCOMES, type Outcome, type StandIn, startStandIn, type VendorReply } from './stand-in.ts';

export type { Outcome, StandIn, VendorReply } from './stand-in.ts';
export { OUTCOMES, startStandIn } from './stand-in.ts';

export interface ConformanceSubject<S, B> {
  plugin: ChannelPlugin<string, S, B>;
  /** Settings and secret of a receiver whose vendor is the kit's stand-in at `url` (http://127.0.0.1:<port>/<path>). A channel whose secret is its URL returns the URL as secret. */
  receiver(url: string): { settings: S; secret: string | undefined };
  /** How this vendor answers each outcome; defaults are plain HTTP (202/400/401/429+Retry-After: 7/429+HTTP-date/500/503). */
  replies?: Partial<Record<Outcome, VendorReply>>;
  /**
   * Builds the sender against the stand-in (default plugin.createSender({ timeoutMs })). The kit passes
   * KIT_TIMEOUT_MS for the row where the stand-in never answers and KIT_ANSWER_TIMEOUT_MS otherwise.
   */
  sender?(url: string, timeoutMs: number): ChannelSender<B, S>;
  /** Everything a person would read in the rendered body, for the hostile-text table. */
  visibleText(body: B): string[];
  /** How the channel's markup makes a mention/link active, so the kit can assert none survives. Strings or regexes that must NOT occur in visibleText for hostile input (e.g. /<!channel>/, /<https?:[^>]*\|/). */
  activeMarkup: RegExp[];
  /** Largest body the vendor takes, in UTF-8 bytes of JSON.stringify(body) unless measure given. */
  maxBodyBytes: number;
  measure?(body: B): number;
  /**
   * For a channel whose promise is fidelity, not display (a signed JSON webhook for machines): the
   * alert as the body carries it. The kit then checks that the attacker's text arrives exactly, not
   * escaped or defanged away, and exempts visible text and previews from the live-link rule only (a
   * URL inside a JSON string is data; the receiver escapes it for its own markup).
   */
  verbatim?(body: B): unknown;
  /** Transport other than HTTP (e-mail via SNS): the subject supplies a sender per outcome instead. */
  transport?: { senderFor(outcome: Outcome): ChannelSender<B, S>; sent(): unknown[] };
}

/** Short, so the timeout row of the retry table costs little. */
export const KIT_TIMEOUT_MS = 300;
/**
 * The timeout for every row where the stand-in does answer: long enough that a loaded CI machine
 * (all test workers busy) cannot turn a 400 into a timeout, which the retry table would then read
 * as a retryable failure.
 */
export const KIT_ANSWER_TIMEOUT_MS = 10_000;
const STACK_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-kit-alerts';
/** Retry-After as an HTTP date has whole seconds, and the sender reads its clock a moment after the reply. */
const RETRY_AFTER_DATE_SLACK_MS = 2500;
/** As in shared/notify/http.ts: a path segment this long may be a credential (a Slack webhook token is 24). */
const SECRET_SEGMENT_MIN = 16;
const PERMANENT: ReadonlySet<Outcome> = new Set(['rejected', 'unauthorized']);

type Problems = string[];

function renderContext(secret: string | undefined): RenderContext {
  return { secret, stackTopicArn: STACK_TOPIC_ARN };
}

function requestFor(channel: string, receiver: string, alert: Alert): NotificationRequest {
  // The request schema names today's channels; a plug-in's name is what travels once delivery iterates the registry.
  return { channel: channel as Channel, receiver, key: notificationKey(alert.id, receiver), alert };
}

function senderOf<S, B>(
  subject: ConformanceSubject<S, B>,
  outcome: Outcome,
  url: string,
): ChannelSender<B, S> {
  if (subject.transport) return subject.transport.senderFor(outcome);
  const timeoutMs = outcome === 'timeout' ? KIT_TIMEOUT_MS : KIT_ANSWER_TIMEOUT_MS;
  return subject.sender?.(url, timeoutMs) ?? subject.plugin.createSender({ timeoutMs });
}

/** What a send ended in, in words that carry no message text (a message may hold the secret). */
function describeResult(e: unknown): string {
  if (e === undefined) return 'success';
  if (isDeliveryError(e)) {
    const wait = e.retryAfterMs === undefined ? '' : `, retryAfterMs ${e.retryAfterMs}`;
    return `a ${e.retryable ? 'retryable' : 'permanent'} DeliveryError${wait}`;
  }
  const name = e instanceof Error ? e.constructor.name : typeof e;
  return `${name} (not a DeliveryError)`;
}

interface Attempt<S, B> {
  error: unknown;
  settings: S;
  secret: string | undefined;
  body: B;
  /** The stand-in's answer, for an HTTP subject. */
  reply: { at: number; reply?: VendorReply } | undefined;
  /** How many requests reached the stand-in (or the transport) during the send. */
  requests: number;
}

function sentCount<S, B>(subject: ConformanceSubject<S, B>, standIn: StandIn): number {
  return subject.transport ? subject.transport.sent().length : standIn.requests.length;
}

async function attempt<S, B>(
  subject: ConformanceSubject<S, B>,
  standIn: StandIn,
  outcome: Outcome,
  alert: Alert = buildAlert(),
): Promise<Attempt<S, B>> {
  const url = standIn.url();
  standIn.outcome = outcome;
  const { settings, secret } = subject.receiver(url);
  const body = subject.plugin.render(alert, settings, renderContext(secret));
  const sender = senderOf(subject, outcome, url);
  const target: SendTarget<S> = {
    receiver: 'kit-receiver',
    settings,
    secret,
    request: requestFor(subject.plugin.name, 'kit-receiver', alert),
  };
  const repliesBefore = standIn.replies.length;
  const requestsBefore = sentCount(subject, standIn);
  const error = await sender.send(body, target).then(
    () => undefined,
    (e: unknown) => e,
  );
  const reply = subject.transport
    ? { at: Date.now(), reply: subject.replies?.[outcome] }
    : standIn.replies.slice(repliesBefore).at(-1);
  return { error, settings, secret, body, reply, requests: sentCount(subject, standIn) - requestsBefore };
}

function header(reply: VendorReply | undefined, name: string): string | undefined {
  const entry = Object.entries(reply?.headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}

/** The wait the vendor asked for, as the sender should report it: [lowest, highest] ms. */
function expectedWait(reply: Attempt<unknown, unknown>['reply']): [number, number] | undefined {
  const value = header(reply?.reply, 'retry-after')?.trim();
  if (value === undefined || reply === undefined) return undefined;
  if (/^\d+$/.test(value)) return [Number(value) * 1000, Number(value) * 1000];
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const wait = Math.max(0, at - reply.at);
  return [Math.max(0, wait - RETRY_AFTER_DATE_SLACK_MS), wait];
}

/** Check 1: each vendor outcome ends as the retry table says. */
export async function checkRetryTable<S, B>(
  subject: ConformanceSubject<S, B>,
  standIn: StandIn,
): Promise<Problems> {
  const problems: Problems = [];
  for (const outcome of OUTCOMES) {
    const { error, reply, requests } = await attempt(subject, standIn, outcome);
    const got = describeResult(error);
    // A transport may record only what it published; a stand-in sees every request.
    const counted = subject.transport === undefined || outcome === 'accepted';
    if (counted && requests === 0) problems.push(`${outcome}: nothing reached the vendor`);
    if (outcome === 'accepted') {
      if (error !== undefined) problems.push(`accepted: expected success, got ${got}`);
      continue;
    }
    if (!isDeliveryError(error)) {
      problems.push(`${outcome}: expected a DeliveryError, got ${got}`);
      continue;
    }
    const retryable = !PERMANENT.has(outcome);
    if (error.retryable !== retryable) {
      problems.push(
        `${outcome}: expected a ${retryable ? 'retryable' : 'permanent'} DeliveryError, got ${got}`,
      );
    }
    if (outcome !== 'throttled' && outcome !== 'throttled-date') continue;
    const wait = expectedWait(reply);
    if (wait === undefined) continue;
    const [low, high] = wait;
    const ms = error.retryAfterMs;
    if (ms === undefined || ms < low || ms > high) {
      const expected = low === high ? `${low}` : `${low}-${high}`;
      problems.push(`${outcome}: expected retryAfterMs ${expected} from Retry-After, got ${ms ?? 'none'}`);
    }
  }
  return problems;
}

/** The secret and every part of it that is a credential on its own: a URL's path, query, long segments. */
export function secretForms(secret: string | undefined): Array<[label: string, value: string]> {
  if (secret === undefined || secret === '') return [];
  const forms: Array<[string, string]> = [['the secret', secret]];
  let url: URL | undefined;
  try {
    url = new URL(secret);
  } catch {
    return forms;
  }
  if (url.pathname.length > 1) forms.push(["the secret URL's path", url.pathname]);
  if (url.search !== '') forms.push(["the secret URL's query", url.search]);
  if (url.password !== '') forms.push(["the secret URL's password", url.password]);
  const segments = [...url.pathname.split('/'), ...[...url.searchParams.values()]];
  for (const segment of segments) {
    if (segment.length >= SECRET_SEGMENT_MIN) forms.push(["a long segment of the secret's URL", segment]);
  }
  return forms;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/** Every way an error tends to reach a log or a test report: itself and each cause down the chain. */
export function errorRenderings(error: unknown): Array<[where: string, text: string]> {
  const out: Array<[string, string]> = [['util.inspect(error)', inspect(error, { depth: 8 })]];
  let current: unknown = error;
  for (let depth = 0; depth < 10 && current !== undefined && current !== null; depth++) {
    const where = depth === 0 ? 'error' : `cause ${depth}`;
    if (current instanceof Error) {
      out.push([`${where}.message`, current.message], [`${where}.stack`, current.stack ?? '']);
    }
    out.push([`String(${where})`, String(current)], [`JSON of ${where}`, safeJson(current)]);
    current = current instanceof Error ? current.cause : undefined;
  }
  return out;
}

function leaks(texts: ReadonlyArray<[string, string]>, secret: string | undefined, prefix: string): Problems {
  const problems: Problems = [];
  for (const [label, value] of secretForms(secret)) {
    for (const [where, text] of texts) {
      if (text.includes(value)) problems.push(`${prefix}: ${label} appears in ${where}`);
    }
  }
  return problems;
}

interface PipelineReceiver<S> {
  name: string;
  settings: S;
  secret: string | undefined;
}

interface PipelineRun {
  result: NotifyOutcome | undefined;
  thrown: unknown;
  logs: string[];
  deadLetters: string[];
}

let baseConfig: Config | undefined;

/** The shipped configuration with its receivers replaced by the subject's. */
export function kitConfig<S>(channel: string, receivers: ReadonlyArray<PipelineReceiver<S>>): Config {
  baseConfig ??= loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
  return {
    ...baseConfig,
    receivers: receivers.map((r) => ({ name: r.name, [channel]: r.settings }) as unknown as Receiver),
  };
}

/** One request through the notifier's pipeline, with everything it logs and dead-letters captured. */
async function throughPipeline<S, B>(
  subject: ConformanceSubject<S, B>,
  sender: ChannelSender<B, S>,
  receivers: ReadonlyArray<PipelineReceiver<S>>,
  request: NotificationRequest,
  once?: OncePort,
): Promise<PipelineRun> {
  const receiver = receivers.find((r) => r.name === request.receiver);
  if (!receiver) throw new Error(`kit: no receiver ${request.receiver}`);
  const logs: string[] = [];
  const line =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) =>
      logs.push(`${level} ${message} ${inspect(extra, { depth: 8 })} ${safeJson(extra)}`);
  const logger: LogPort = { info: line('info'), warn: line('warn'), error: line('error') };
  const deadLetters: string[] = [];
  const deadLetter: NotifyDeps['deadLetter'] = async (record) => {
    deadLetters.push(`${safeJson(record)} ${inspect(record, { depth: 8 })}`);
  };
  const secrets = new Map(receivers.map((r) => [r.name, r.secret]));
  const context: NotifyDeps['context'] = {
    secret: (r) => secrets.get(r.name),
    stackTopicArn: STACK_TOPIC_ARN,
  };
  const deliver = async (): Promise<void> => {
    const { settings, secret, name } = receiver;
    const body = subject.plugin.render(request.alert, settings, renderContext(secret));
    await sender.send(body, { receiver: name, settings, secret, request });
  };
  // Delivery takes the notifier's plug-in and its sender (`plugin`, `sender`) once channels are
  // plug-ins; until then it names the channel and takes a sender per channel name, and every name
  // forwards to the plug-in's own render and sender here. Each shape ignores the other's fields.
  const ports = {
    plugin: subject.plugin,
    sender,
    channel: subject.plugin.name as Channel,
    senders: new Proxy({}, { get: () => ({ send: deliver }) }),
    config: kitConfig(subject.plugin.name, receivers),
    context,
    logger,
    deadLetter,
    once,
  };
  const deps: NotifyDeps = ports;
  try {
    return {
      result: await processRequest(request, deps, { fold: false }),
      thrown: undefined,
      logs,
      deadLetters,
    };
  } catch (thrown) {
    return { result: undefined, thrown, logs, deadLetters };
  }
}

/** Check 2: for every outcome, no secret in the sender's error nor in the pipeline's logs and dead letters. */
export async function checkNoSecret<S, B>(
  subject: ConformanceSubject<S, B>,
  standIn: StandIn,
): Promise<Problems> {
  const problems: Problems = [];
  for (const outcome of OUTCOMES) {
    const sent = await attempt(subject, standIn, outcome);
    if (sent.error !== undefined) {
      problems.push(...leaks(errorRenderings(sent.error), sent.secret, `${outcome}, sender`));
    }

    const url = standIn.url();
    standIn.outcome = outcome;
    const { settings, secret } = subject.receiver(url);
    const receivers = [{ name: 'kit-receiver', settings, secret }];
    const request = requestFor(subject.plugin.name, 'kit-receiver', buildAlert());
    const run = await throughPipeline(subject, senderOf(subject, outcome, url), receivers, request);
    const texts: Array<[string, string]> = [
      ...run.logs.map((log, i): [string, string] => [`processRequest log line ${i + 1}`, log]),
      ...run.deadLetters.map((record, i): [string, string] => [`dead letter ${i + 1}`, record]),
      ['the outcome of processRequest', safeJson(run.result)],
      ...(run.thrown === undefined
        ? []
        : errorRenderings(run.thrown).map(([where, text]): [string, string] => [
            `what processRequest threw (${where})`,
            text,
          ])),
    ];
    problems.push(...leaks(texts, secret, `${outcome}, processRequest`));
    if (run.logs.length === 0) problems.push(`${outcome}, processRequest: logged nothing`);
    // What the secret was kept out of must exist: a permanent failure is dead-lettered, never dropped.
    if (PERMANENT.has(outcome)) {
      if (run.result?.status !== 'dead-lettered' || run.deadLetters.length !== 1) {
        problems.push(`${outcome}, processRequest: expected one dead letter, got ${run.deadLetters.length}`);
      }
    } else if (outcome !== 'accepted' && !(isDeliveryError(run.thrown) && run.thrown.retryable)) {
      problems.push(
        `${outcome}, processRequest: expected a retryable DeliveryError thrown for Lambda to retry`,
      );
    }
  }
  return problems;
}

const OVERSIZE_FIELD_BYTES = 100 * 1024;
const OVERSIZE_FACTS = 200;
const OVERSIZE_LINKS = 50;
/**
 * Facts and links past the first few carry 4 KB each: still far past every per-element limit, while
 * 200 facts of 100 KB (40 MB, 200 times what shared/pipeline/bound.ts lets onto the bus) would cost
 * a renderer tens of seconds and test nothing more.
 */
const OVERSIZE_WHOLE_ITEMS = 10;
const OVERSIZE_ITEM_BYTES = 4 * 1024;

function repeated(unit: string, bytes: number): string {
  return unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit, 'utf8')));
}

/**
 * An alert with every string of its own 100 KB, 200 facts and 50 links (the first ten of each
 * 100 KB a string, the rest 4 KB), and {@link oversizeEvidence}. `unit` is repeated: plain ASCII, or characters that grow when
 * escaped or encoded (`&` becomes `&amp;`, an emoji is four bytes).
 */
export function oversizeAlert(unit: string): Alert {
  const big = repeated(unit, OVERSIZE_FIELD_BYTES);
  const item = repeated(unit, OVERSIZE_ITEM_BYTES);
  const sized = (i: number) => (i < OVERSIZE_WHOLE_ITEMS ? big : item);
  return buildAlert({
    id: `id-${big}`,
    ruleId: big,
    title: big,
    summary: big,
    verdict: big,
    account: { id: '123456789012', alias: big },
    region: big,
    time: big,
    actor: {
      kind: 'assumed-role',
      display: big,
      name: big,
      arn: big,
      session: big,
      issuerArn: big,
      accountId: big,
      crossAccount: true,
    },
    resource: { type: big, name: big, arn: big },
    facts: Array.from({ length: OVERSIZE_FACTS }, (_, i) => ({ label: `${i} ${sized(i)}`, value: sized(i) })),
    links: Array.from({ length: OVERSIZE_LINKS }, (_, i) => ({
      text: sized(i),
      url: `https://eu-west-1.console.aws.amazon.com/s3/buckets/${i}${encodeURIComponent(sized(i))}`,
    })),
    evidence: oversizeEvidence(big, item),
    dedupKey: big,
    eventId: big,
    cloudTrailEventId: big,
    tags: { [big]: big },
  });
}

const OVERSIZE_EVIDENCE_SECTIONS = 30;
const OVERSIZE_EVIDENCE_LINES = 12;
/** Sections past the first few carry 4 KB strings, as facts do. */
const OVERSIZE_WHOLE_SECTIONS = 2;

/**
 * Evidence far past anything a builder stores: 30 sections of 12 lines (past EVIDENCE_LINES_MAX),
 * titles, charts and lines of 100 KB in the first two, 4 KB in the rest.
 */
function oversizeEvidence(big: string, item: string): NonNullable<Alert['evidence']> {
  return Array.from({ length: OVERSIZE_EVIDENCE_SECTIONS }, (_, i) => {
    const sized = i < OVERSIZE_WHOLE_SECTIONS ? big : item;
    return {
      kind: EVIDENCE_KINDS[i % EVIDENCE_KINDS.length] ?? 'metric',
      title: `${i} ${sized}`,
      chart: `▁▂▃▄▅▆▇█${sized}`,
      lines: Array.from({ length: OVERSIZE_EVIDENCE_LINES }, (_, j) => `${j} ${sized}`),
    };
  });
}

export function oversizeEvidenceOf(unit: string): NonNullable<Alert['evidence']> {
  return oversizeEvidence(repeated(unit, OVERSIZE_FIELD_BYTES), repeated(unit, OVERSIZE_ITEM_BYTES));
}

const OVERSIZE_UNITS: ReadonlyArray<[string, string]> = [
  ['ASCII', 'x'],
  ['escaped and multi-byte', 'a&<>"\\é€😀'],
];

function bodyBytes<S, B>(subject: ConformanceSubject<S, B>, body: B): number {
  return subject.measure ? subject.measure(body) : Buffer.byteLength(JSON.stringify(body), 'utf8');
}

/** Check 3: an oversize alert renders within the vendor's limit and is still sent. */
export async function checkVendorLimits<S, B>(
  subject: ConformanceSubject<S, B>,
  standIn: StandIn,
): Promise<Problems> {
  const problems: Problems = [];
  const cases = OVERSIZE_UNITS.flatMap(
    ([name, unit]): Array<[string, Alert]> => [
      [name, oversizeAlert(unit)],
      // With ordinary fields the evidence has all the room, and must still be cut to fit.
      [`${name} evidence`, buildAlert({ evidence: oversizeEvidenceOf(unit) })],
    ],
  );
  for (const [name, alert] of cases) {
    let sent: Attempt<S, B>;
    try {
      sent = await attempt(subject, standIn, 'accepted', alert);
    } catch (e) {
      problems.push(`oversize ${name} alert: rendering failed with ${describeResult(e)}`);
      continue;
    }
    const bytes = bodyBytes(subject, sent.body);
    if (bytes > subject.maxBodyBytes) {
      problems.push(
        `oversize ${name} alert: the body is ${bytes} bytes, over the vendor's ${subject.maxBodyBytes}`,
      );
    }
    if (sent.error !== undefined) {
      problems.push(
        `oversize ${name} alert: the vendor accepted, but the send ended in ${describeResult(sent.error)}`,
      );
    }
    if (sent.requests === 0) problems.push(`oversize ${name} alert: nothing reached the vendor`);
  }
  return problems;
}

/** Attacker text, each placed after a word of ours in every field an event can fill. */
export const HOSTILE_TEXT: ReadonlyArray<readonly [name: string, text: string]> = [
  ['mention <!channel>', '<!channel>'],
  ['mention <!here>', '<!here|here>'],
  ['mention @here', '@here @channel @everyone'],
  ['mention <@U123>', '<@U123>'],
  ['mention <!subteam>', '<!subteam^SAZ94GDB8|@security>'],
  ['mention <at>', '<at>x</at>'],
  ['markdown link', '[x](http://evil.example/login)'],
  ['Slack link', '<http://evil.example/login|x>'],
  ['mailto link', '<mailto:a@evil.example|support>'],
  ['raw URL', 'see http://evil.example/ now'],
  ['raw URL in capitals', 'HTTPS://EVIL.EXAMPLE/phish'],
  ['raw URL inside a word', '1.2.3.4https://evil.example/x'],
  ['www host', 'www.evil.example'],
  ['forged line (LF)', 'ok\n*Severity:* low'],
  ['forged line (CRLF)', 'ok\r\nSeverity: info'],
  ['forged line (CR)', 'ok\rSeverity: info'],
  ['forged line (U+2028, U+2029)', 'ok\u2028Severity: info\u2029Severity: low'],
  ['forged line (NEL)', 'ok\u0085Severity: info'],
  ['forged line (VT, FF)', 'ok\u000bSeverity: info\u000cSeverity: low'],
  ['bidi override', '\u202Eexe.live\u202C'],
  ['bidi embeddings', '\u202Aa\u202Bb\u202Cc\u202Dd'],
  ['bidi isolates', '\u2066a\u2067b\u2068c\u2069'],
  ['bidi marks', 'a\u200Eb\u200Fc\u061Cd'],
  ['zero-width', 'zero\u200Bwidth\u200C\u200D\u2060\uFEFF\u00AD'],
  ['HTML script', '<script>alert(1)</script>'],
  ['HTML img onerror', '<img src=x onerror=alert(1)>'],
  ['terminal escapes', '\u001b[2J\u001b]0;pwned\u0007\u009b31m'],
];

const EVERYTHING = HOSTILE_TEXT.map(([, text]) => text).join(' ');

/** Words of ours the kit looks for, to hold a channel to showing the evidence it was given. */
export const EVIDENCE_TITLE_WORDS = 'Errors of';
export const EVIDENCE_CHART = '▁▂▇█';
export const EVIDENCE_LINE_WORDS = 'Threshold';

/**
 * Every string of the alert an event can fill carries `p`, after a word of ours; fact labels and link
 * URLs are ours. Its evidence carries `p` in each title, chart and line, as a log line or an alarm name
 * would if a builder let it through.
 */
export function hostileAlert(p: string, overrides: Partial<Alert> = {}): Alert {
  return buildAlert({
    id: `id ${p}`,
    ruleId: `rule ${p}`,
    title: `Title ${p}`,
    summary: `Summary ${p}`,
    verdict: `Verdict ${p}`,
    account: { id: '123456789012', alias: `Alias ${p}` },
    region: `eu-west-1 ${p}`,
    time: `2026-11-20T09:15:02Z ${p}`,
    actor: {
      kind: 'assumed-role',
      display: `Actor ${p}`,
      name: `name ${p}`,
      arn: `arn:aws:sts::123456789012:assumed-role/${p}`,
      session: `session ${p}`,
      accountId: `account ${p}`,
      crossAccount: true,
    },
    resource: { type: `Type ${p}`, name: `Resource ${p}`, arn: `arn:aws:s3:::${p}` },
    facts: [
      { label: 'User agent', value: `Agent ${p}` },
      // Rules join list items with a line break: each item is a line, but never one the attacker starts.
      { label: 'Trusted principals', value: `arn:aws:iam::111111111111:root\n${p}` },
    ],
    links: [{ text: `Open ${p}`, url: 'https://us-east-1.console.aws.amazon.com/iam/home#/roles/details/x' }],
    evidence: [
      {
        kind: 'metric',
        title: `${EVIDENCE_TITLE_WORDS} ${p}`,
        chart: `${EVIDENCE_CHART} ${p}`,
        lines: [`${EVIDENCE_LINE_WORDS} ${p}`, `Last ${p}`],
      },
      { kind: 'logs', title: `Top errors ${p}`, lines: [`9× ${p}`, `2× Error: ${p}`] },
    ],
    dedupKey: `cloud-alerts/rule/${p}`,
    eventId: `event ${p}`,
    cloudTrailEventId: `trail ${p}`,
    tags: { [`tag ${p}`]: `value ${p}` },
    ...overrides,
  });
}

/** Every way a line can end (as shared/notify/text.ts counts them). */
const LINE_BREAK = /\r\n?|[\n\v\f\u0085\u2028\u2029]/;
/** Controls (a line break and a tab only where the renderer put them) and invisible format characters: bidi, zero-width. */
const HIDDEN = /[^\P{Cc}\t\n]|\p{Cf}/u;
/** The hostile URLs, still a link: a scheme or `www.` in front of the attacker's host. */
const LIVE_EVIL_LINK = /(?::\/\/|www\.)evil\.example/i;
/** A line the attacker started, after at most markup around it. */
const FORGED_LINE = /^[\s*_~`>]*Severity:[\s*_~`]*(low|info)\b/i;
/** What escaped HTML never holds. */
const LIVE_HTML = /<(script|img)\b/i;

function excerpt(text: string, at: number): string {
  return JSON.stringify(text.slice(Math.max(0, at - 20), at + 40));
}

function inertProblems(
  where: string,
  text: string,
  activeMarkup: readonly RegExp[],
  urlsAreData = false,
): Problems {
  const problems: Problems = [];
  for (const markup of activeMarkup) {
    const at = text.search(markup);
    if (at !== -1) problems.push(`${where}: active markup ${markup} at ${excerpt(text, at)}`);
  }
  const hidden = text.search(HIDDEN);
  if (hidden !== -1) {
    const code = text.codePointAt(hidden)?.toString(16).toUpperCase().padStart(4, '0');
    problems.push(`${where}: control or invisible character U+${code} at ${excerpt(text, hidden)}`);
  }
  const link = urlsAreData ? -1 : text.search(LIVE_EVIL_LINK);
  if (link !== -1) problems.push(`${where}: a live link to the attacker's host at ${excerpt(text, link)}`);
  for (const line of text.split(LINE_BREAK)) {
    if (FORGED_LINE.test(line))
      problems.push(`${where}: a line the attacker started: ${JSON.stringify(line)}`);
  }
  return problems;
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return [...Object.keys(value), ...Object.values(value).flatMap(stringsOf)];
}

/** For a verbatim channel: the alert's own strings, each as the attacker wrote it, somewhere in the data. */
function verbatimProblems(where: string, alert: Alert, data: unknown): Problems {
  const carried = new Set(stringsOf(data));
  const expected: Array<[string, string | undefined]> = [
    ['title', alert.title],
    ['summary', alert.summary],
    ['verdict', alert.verdict],
    ['actor', alert.actor?.display],
    ['resource', alert.resource?.name],
    ['first fact', alert.facts[0]?.value],
    ['first link text', alert.links[0]?.text],
    ['first evidence title', alert.evidence?.[0]?.title],
    ['first evidence chart', alert.evidence?.[0]?.chart],
    ['first evidence line', alert.evidence?.[0]?.lines[0]],
  ];
  return expected
    .filter(([, value]) => value !== undefined && !carried.has(value))
    .map(([field]) => `${where}: the ${field} does not arrive exactly as written`);
}

/** Check 4: for each row of the hostile-text table, nothing an attacker wrote is live in what people read. */
export function checkHostileText<S, B>(subject: ConformanceSubject<S, B>): Problems {
  const problems: Problems = [];
  const { settings, secret } = subject.receiver('http://127.0.0.1:9/kit/hostile-text-receiver');
  const rows: Array<[string, Alert]> = [
    ...HOSTILE_TEXT.map(([name, text]): [string, Alert] => [name, hostileAlert(text)]),
    ['everything at once', hostileAlert(EVERYTHING)],
    ['everything at once, attempted', hostileAlert(EVERYTHING, { attempted: true })],
    ['everything at once, resolved', hostileAlert(EVERYTHING, { status: 'resolved' })],
  ];
  for (const [name, alert] of rows) {
    let body: B;
    try {
      body = subject.plugin.render(alert, settings, renderContext(secret));
    } catch (e) {
      problems.push(`${name}: rendering failed with ${describeResult(e)}`);
      continue;
    }
    const texts = subject.visibleText(body);
    // Holds the subject to showing what it renders: an empty visibleText would pass everything.
    if (alert.status === 'firing' && !texts.some((t) => t.includes('Title') || t.includes('Summary'))) {
      problems.push(`${name}: visibleText shows neither the title nor the summary`);
    }
    // A renderer that drops the evidence would pass every rule below: a firing alert shows it.
    if (alert.status === 'firing') {
      for (const [part, words] of [
        ['title', EVIDENCE_TITLE_WORDS],
        ['chart', EVIDENCE_CHART],
        ['first line', EVIDENCE_LINE_WORDS],
      ] as const) {
        if (!texts.some((t) => t.includes(words))) {
          problems.push(`${name}: visibleText does not show the evidence ${part}`);
        }
      }
    }
    const verbatim = subject.verbatim !== undefined;
    if (subject.verbatim) problems.push(...verbatimProblems(name, alert, subject.verbatim(body)));
    texts.forEach((text, i) => {
      problems.push(...inertProblems(`${name}, visible text ${i + 1}`, text, subject.activeMarkup, verbatim));
    });
    const previewText = subject.plugin.preview.text(body);
    problems.push(...inertProblems(`${name}, preview.text`, previewText, [], verbatim));
    const html = subject.plugin.preview.html(body, escapeHtml);
    // Replay and the report show what the channel sends, evidence included.
    if (alert.status === 'firing' && texts.some((t) => t.includes(EVIDENCE_CHART))) {
      if (!previewText.includes(EVIDENCE_CHART)) problems.push(`${name}, preview.text: no evidence chart`);
      if (!html.includes(EVIDENCE_CHART)) problems.push(`${name}, preview.html: no evidence chart`);
    }
    const live = html.search(LIVE_HTML);
    if (live !== -1) problems.push(`${name}, preview.html: live HTML at ${excerpt(html, live)}`);
  }
  return problems;
}

/** Check 5: one send per (alert, receiver): a redelivered request is not sent again, another receiver is. */
export async function checkIdempotency<S, B>(
  subject: ConformanceSubject<S, B>,
  standIn: StandIn,
): Promise<Problems> {
  const problems: Problems = [];
  standIn.outcome = 'accepted';
  const url = standIn.url('a');
  const receivers = [
    { name: 'kit-a', ...subject.receiver(url) },
    { name: 'kit-b', ...subject.receiver(standIn.url('b')) },
  ];
  const sender = senderOf(subject, 'accepted', url);
  const once = memoryOnce();
  const alert = buildAlert();
  const [a, b] = receivers.map((r) => requestFor(subject.plugin.name, r.name, alert));
  if (!a || !b) return ['kit: no requests'];
  if (a.key === b.key) problems.push('the request keys of two receivers are the same');

  const start = sentCount(subject, standIn);
  const runs: Array<[string, NotificationRequest, NotifyOutcome['status']]> = [
    ['the first delivery', a, 'delivered'],
    ['the same request again', a, 'duplicate'],
    ['the same alert to a second receiver', b, 'delivered'],
  ];
  const counts: number[] = [];
  for (const [what, request, expected] of runs) {
    const run = await throughPipeline(subject, sender, receivers, request, once);
    const got = run.result?.status ?? describeResult(run.thrown);
    if (got !== expected) problems.push(`${what}: expected ${expected}, got ${got}`);
    counts.push(sentCount(subject, standIn) - start);
  }
  const [first = 0, again = 0, other = 0] = counts;
  if (first !== 1) problems.push(`the first delivery reached the vendor ${first} time(s), expected once`);
  if (again !== first)
    problems.push(`the same request again reached the vendor ${again - first} time(s), expected never`);
  if (other - again !== 1) {
    problems.push(
      `the same alert to a second receiver reached the vendor ${other - again} time(s), expected once`,
    );
  }
  return problems;
}

/** Registers the conformance tests of one channel. */
export function describeChannelConformance<S, B>(name: string, subject: ConformanceSubject<S, B>): void {
  describe(`${name}: channel conformance`, () => {
    let standIn: StandIn;

    beforeAll(async () => {
      standIn = await startStandIn(subject.replies);
    });

    afterAll(async () => {
      await standIn.close();
    });

    it('retry table: 2xx resolves; 4xx permanent; 429 retryable after Retry-After; 5xx, timeout and reset retryable', async () => {
      expect(await checkRetryTable(subject, standIn)).toEqual([]);
    });

    it('no secret in any error, cause, stack, log line or dead letter, for every outcome', async () => {
      expect(await checkNoSecret(subject, standIn)).toEqual([]);
    });

    it('an oversize alert renders within the vendor body limit and is still sent', async () => {
      expect(await checkVendorLimits(subject, standIn)).toEqual([]);
    }, 120_000);

    it('hostile text (mentions, links, forged lines, bidi, zero-width, HTML) renders inert', () => {
      expect(checkHostileText(subject)).toEqual([]);
    });

    it('one send per (alert, receiver) through processRequest with a once-store', async () => {
      expect(await checkIdempotency(subject, standIn)).toEqual([]);
    });
  });
}
