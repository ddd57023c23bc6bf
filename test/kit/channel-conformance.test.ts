/**
 * The kit's own test: a small HTTP channel written to the plug-in contract passes every check, a
 * transport channel (no HTTP) passes them too, and each check reports a channel that breaks its
 * promise: run directly, it names the failure.
 */
import * as z from 'zod';
import type { Alert, Channel } from '../../shared/events/alert.ts';
import type { ChannelPlugin, ChannelSender, SendTarget } from '../../shared/notify/channels/types.ts';
import { DeliveryError, isDeliveryError } from '../../shared/notify/errors.ts';
import { postJson } from '../../shared/notify/http.ts';
import { factItems, inlineText, truncateBytes } from '../../shared/notify/text.ts';
import {
  type ConformanceSubject,
  checkHostileText,
  checkIdempotency,
  checkNoSecret,
  checkRetryTable,
  checkVendorLimits,
  describeChannelConformance,
  hostileAlert,
  KIT_TIMEOUT_MS,
  type Outcome,
  type StandIn,
  startStandIn,
} from './channel-conformance.ts';

/**
 * The fake's name is one today's delivery knows (a receiver is found by its channel key); its render,
 * sender and settings are its own.
 */
const FAKE = 'slack';
const CHANNEL = FAKE as Channel;

interface FakeSettings {
  webhookUrlParameter: string;
}

interface FakeBody {
  title: string;
  lines: string[];
  links: Array<{ text: string; url: string }>;
}

/** The fake vendor's markup: `<…>` sequences and broadcast words are live, as in Slack. */
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const LINE_BYTES = 300;
const FACTS_MAX = 20;
const LINKS_MAX = 5;
const URL_MAX = 2000;
const FAKE_MAX_BODY_BYTES = 40_000;

function inert(s: string, bytes = LINE_BYTES): string {
  const inert = inlineText(s)
    .replace(/@(here|channel|everyone)\b/gi, '\uff20$1')
    .replace(/[&<>]/g, (c) => ENTITIES[c] ?? c);
  return truncateBytes(inert, bytes, '…');
}

const SECTIONS_MAX = 5;
const SECTION_LINES_MAX = 8;

/** Evidence as the fake shows it: a title line, the chart, each line behind a marker, all inert. */
function fakeEvidence(alert: Alert, show: (s: string, bytes?: number) => string = inert): string[] {
  if (alert.status !== 'firing') return [];
  return (alert.evidence ?? [])
    .slice(0, SECTIONS_MAX)
    .flatMap((e) => [
      `Evidence: ${show(e.title, 100)}`,
      ...(e.chart === undefined ? [] : [`Chart: ${show(e.chart, 100)}`]),
      ...e.lines.slice(0, SECTION_LINES_MAX).map((line) => `- ${show(line)}`),
    ]);
}

function renderFake(alert: Alert): FakeBody {
  const facts = alert.facts.slice(0, FACTS_MAX).map(
    (f) =>
      `${inert(f.label, 60)}: ${factItems(f.value)
        .map((item) => inert(item, 100))
        .join(' • ')}`,
  );
  return {
    title: inert(alert.title),
    lines: [
      `What happened: ${inert(alert.summary)}`,
      ...(alert.verdict === undefined ? [] : [`Verdict: ${inert(alert.verdict)}`]),
      ...facts.map((f) => truncateBytes(f, LINE_BYTES, '…')),
      ...fakeEvidence(alert),
      `Account: ${inert(alert.account.alias ?? alert.account.id, 100)}`,
      `Region: ${inert(alert.region, 100)}`,
      `Rule: ${inert(alert.ruleId, 100)}`,
    ],
    links: alert.links
      .filter((l) => l.url.length <= URL_MAX && /^https:\/\//.test(l.url))
      .slice(0, LINKS_MAX)
      .map((l) => ({ text: inert(l.text, 100), url: l.url })),
  };
}

function createFakeSender(
  options: { timeoutMs?: number | undefined } = {},
): ChannelSender<FakeBody, FakeSettings> {
  return {
    async send(body, target) {
      if (!target.secret) {
        throw new DeliveryError({ channel: CHANNEL, retryable: false, reason: 'webhook URL not available' });
      }
      await postJson({ url: target.secret, body, channel: CHANNEL, timeoutMs: options.timeoutMs ?? 5000 });
    },
  };
}

const fakePlugin: ChannelPlugin<string, FakeSettings, FakeBody> = {
  name: FAKE,
  title: 'Fake HTTP channel',
  settings: z.object({ webhookUrlParameter: z.string() }).strict(),
  secret: (settings) => ({
    parameter: settings.webhookUrlParameter,
    field: 'webhookUrlParameter',
    what: 'webhook URL',
    example: '<fake webhook URL>',
  }),
  budget: { perMinute: 60, burst: 3, reserve: 2 },
  budgetIdentity: (_settings, ctx) => ctx.secret,
  render: (alert) => renderFake(alert),
  shown: (body) => body,
  preview: {
    text: (body) => [body.title, ...body.lines, ...body.links.map((l) => `[${l.text}] ${l.url}`)].join('\n'),
    html: (body, escapeHtml) => [body.title, ...body.lines].map((l) => `<p>${escapeHtml(l)}</p>`).join(''),
  },
  createSender: (options) => createFakeSender(options),
  deploy: { id: 'Fake', description: 'The kit self-test channel' },
};

const fakeSubject: ConformanceSubject<FakeSettings, FakeBody> = {
  plugin: fakePlugin,
  receiver: (url) => ({ settings: { webhookUrlParameter: '/cloud-alerts/test/fake' }, secret: url }),
  visibleText: (body) => [body.title, ...body.lines, ...body.links.map((l) => l.text)],
  activeMarkup: [/<[!@#]/, /<(https?|mailto):/i, /(^|[^\w\uff20])@(here|channel|everyone)\b/i],
  maxBodyBytes: FAKE_MAX_BODY_BYTES,
};

describeChannelConformance('fake HTTP channel', fakeSubject);

const TRANSPORT_TOKEN = 'tr4nsp0rtT0ken0123456789abcdef';

/** A channel that does not speak HTTP: a fake transport that answers each outcome as a vendor SDK would. */
function transportSubject(): ConformanceSubject<FakeSettings, FakeBody> {
  const sent: FakeBody[] = [];
  const failure: Partial<Record<Outcome, DeliveryError>> = {
    rejected: new DeliveryError({ channel: CHANNEL, retryable: false, reason: 'InvalidParameter' }),
    unauthorized: new DeliveryError({ channel: CHANNEL, retryable: false, reason: 'AuthorizationError' }),
    throttled: new DeliveryError({
      channel: CHANNEL,
      retryable: true,
      reason: 'Throttling',
      retryAfterMs: 7000,
    }),
    'throttled-date': new DeliveryError({ channel: CHANNEL, retryable: true, reason: 'Throttling' }),
    'server-error': new DeliveryError({ channel: CHANNEL, retryable: true, reason: 'InternalError' }),
    unavailable: new DeliveryError({ channel: CHANNEL, retryable: true, reason: 'ServiceUnavailable' }),
    timeout: new DeliveryError({ channel: CHANNEL, retryable: true, reason: 'TimeoutError' }),
    reset: new DeliveryError({ channel: CHANNEL, retryable: true, reason: 'network error (ECONNRESET)' }),
  };
  return {
    ...fakeSubject,
    receiver: () => ({
      settings: { webhookUrlParameter: '/cloud-alerts/test/fake' },
      secret: TRANSPORT_TOKEN,
    }),
    transport: {
      senderFor: (outcome) => ({
        async send(body) {
          sent.push(body);
          const error = failure[outcome];
          if (error) throw error;
        },
      }),
      sent: () => sent,
    },
  };
}

describeChannelConformance('fake transport channel', transportSubject());

/** The fake's sender with `change` applied to what it throws. */
function senderThat(
  change: (e: DeliveryError, target: SendTarget<FakeSettings>) => unknown,
): () => ChannelSender<FakeBody, FakeSettings> {
  return () => {
    const good = createFakeSender({ timeoutMs: KIT_TIMEOUT_MS });
    return {
      async send(body, target) {
        try {
          await good.send(body, target);
        } catch (e) {
          throw isDeliveryError(e) ? change(e, target) : e;
        }
      },
    };
  };
}

function classified(e: DeliveryError, retryable: boolean, reason: string, cause?: unknown): DeliveryError {
  return new DeliveryError({
    channel: CHANNEL,
    retryable,
    reason,
    status: e.status,
    retryAfterMs: e.retryAfterMs,
    cause,
  });
}

describe('each conformance check fails a channel that breaks its promise', () => {
  let standIn: StandIn;

  beforeAll(async () => {
    standIn = await startStandIn();
  });

  afterAll(async () => {
    await standIn.close();
  });

  it('retry table: a sender that takes 429 for permanent', async () => {
    const subject = {
      ...fakeSubject,
      sender: senderThat((e) => (e.status === 429 ? classified(e, false, 'HTTP 429') : e)),
    };
    const problems = await checkRetryTable(subject, standIn);
    expect(problems).toEqual([
      'throttled: expected a retryable DeliveryError, got a permanent DeliveryError, retryAfterMs 7000',
      expect.stringMatching(/^throttled-date: expected a retryable DeliveryError, got a permanent/),
    ]);
  });

  it('retry table: a sender that ignores Retry-After, and one that retries a 401', async () => {
    const noWait = {
      ...fakeSubject,
      sender: senderThat(
        (e) =>
          new DeliveryError({ channel: CHANNEL, retryable: e.retryable, reason: 'failed', status: e.status }),
      ),
    };
    expect(await checkRetryTable(noWait, standIn)).toEqual([
      'throttled: expected retryAfterMs 7000 from Retry-After, got none',
      expect.stringMatching(
        /^throttled-date: expected retryAfterMs 2\d{4}-[23]\d{4} from Retry-After, got none$/,
      ),
    ]);
    const retries401 = {
      ...fakeSubject,
      sender: senderThat((e) => (e.status === 401 ? classified(e, true, 'HTTP 401') : e)),
    };
    expect(await checkRetryTable(retries401, standIn)).toEqual([
      'unauthorized: expected a permanent DeliveryError, got a retryable DeliveryError',
    ]);
  });

  it('retry table: a sender that swallows failures, and one that throws plain errors', async () => {
    const swallows = {
      ...fakeSubject,
      sender: () => {
        const good = createFakeSender({ timeoutMs: KIT_TIMEOUT_MS });
        return {
          send: (body: FakeBody, target: SendTarget<FakeSettings>) =>
            good.send(body, target).catch(() => undefined),
        };
      },
    };
    const problems = await checkRetryTable(swallows, standIn);
    expect(problems).toHaveLength(8);
    expect(problems).toContain('reset: expected a DeliveryError, got success');
    const plain = { ...fakeSubject, sender: senderThat(() => new Error('boom')) };
    expect(await checkRetryTable(plain, standIn)).toContain(
      'timeout: expected a DeliveryError, got Error (not a DeliveryError)',
    );
  });

  it('no secret: a sender that puts the webhook URL in its message', async () => {
    const subject = {
      ...fakeSubject,
      sender: senderThat((e, target) => classified(e, e.retryable, `POST ${target.secret} failed`)),
    };
    const problems = await checkNoSecret(subject, standIn);
    for (const where of [
      'error.message',
      'error.stack',
      'String(error)',
      'util.inspect(error)',
      'processRequest log line 1',
      'dead letter 1',
      'what processRequest threw (error.message)',
    ]) {
      expect(problems).toContainEqual(expect.stringContaining(`the secret appears in ${where}`));
    }
    expect(problems).toContainEqual(
      expect.stringMatching(/^rejected, processRequest: the secret appears in dead letter 1$/),
    );
    expect(problems.join('\n')).not.toContain(standIn.base);
  });

  it('no secret: a sender whose cause holds only the token of the URL', async () => {
    const subject = {
      ...fakeSubject,
      sender: senderThat((e, target) => {
        const token = (target.secret ?? '').split('/').at(-1);
        return classified(e, e.retryable, 'failed', new Error(`token ${token} refused`));
      }),
    };
    const problems = await checkNoSecret(subject, standIn);
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^timeout, sender: a long segment of the secret's URL appears in cause 1\.message$/,
      ),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^reset, processRequest: a long segment of the secret's URL appears in what processRequest threw \(util\.inspect\(error\)\)$/,
      ),
    );
    // The message itself is clean.
    expect(problems).not.toContainEqual(expect.stringContaining('in error.message'));
  });

  it('no secret: a sender that drops a permanent failure as a retryable one is caught too', async () => {
    const subject = { ...fakeSubject, sender: senderThat((e) => classified(e, true, 'failed')) };
    expect(await checkNoSecret(subject, standIn)).toEqual([
      'rejected, processRequest: expected one dead letter, got 0',
      'unauthorized, processRequest: expected one dead letter, got 0',
    ]);
  });

  it('vendor limits: a render that does not cut', async () => {
    const subject = {
      ...fakeSubject,
      plugin: {
        ...fakePlugin,
        render: (alert: Alert): FakeBody => ({ title: alert.title, lines: [alert.summary], links: [] }),
      },
    };
    const problems = await checkVendorLimits(subject, standIn);
    expect(problems).toEqual([
      expect.stringMatching(/^oversize ASCII alert: the body is \d+ bytes, over the vendor's 40000$/),
      expect.stringMatching(
        /^oversize escaped and multi-byte alert: the body is \d+ bytes, over the vendor's 40000$/,
      ),
    ]);
  });

  it('vendor limits: a render that cuts the fields but not the evidence', async () => {
    const uncut = (alert: Alert): FakeBody => {
      const body = renderFake({ ...alert, evidence: [] });
      for (const e of alert.evidence ?? []) body.lines.push(e.title, ...e.lines);
      return body;
    };
    const problems = await checkVendorLimits(
      { ...fakeSubject, plugin: { ...fakePlugin, render: uncut } },
      standIn,
    );
    expect(problems).toEqual([
      expect.stringMatching(/^oversize ASCII alert: the body is \d+ bytes, over the vendor's 40000$/),
      expect.stringMatching(
        /^oversize ASCII evidence alert: the body is \d+ bytes, over the vendor's 40000$/,
      ),
      expect.stringMatching(
        /^oversize escaped and multi-byte alert: the body is \d+ bytes, over the vendor's 40000$/,
      ),
      expect.stringMatching(
        /^oversize escaped and multi-byte evidence alert: the body is \d+ bytes, over the vendor's 40000$/,
      ),
    ]);
  });

  it('vendor limits: a render that throws on many facts, and a sender that refuses a big body', async () => {
    const throws = {
      ...fakeSubject,
      plugin: {
        ...fakePlugin,
        render: (alert: Alert): FakeBody => {
          if (alert.facts.length > 100)
            throw new DeliveryError({ channel: CHANNEL, retryable: false, reason: 'too big' });
          return renderFake(alert);
        },
      },
    };
    expect(await checkVendorLimits(throws, standIn)).toEqual([
      'oversize ASCII alert: rendering failed with a permanent DeliveryError',
      'oversize escaped and multi-byte alert: rendering failed with a permanent DeliveryError',
    ]);
    // A sender whose own size guard is stricter than its renderer: the alert is never sent.
    const failing = {
      ...fakeSubject,
      sender: () => {
        const good = createFakeSender({ timeoutMs: KIT_TIMEOUT_MS });
        return {
          async send(body: FakeBody, target: SendTarget<FakeSettings>) {
            if (JSON.stringify(body).length > 4_000) {
              throw new DeliveryError({ channel: CHANNEL, retryable: false, reason: 'body too large' });
            }
            await good.send(body, target);
          },
        };
      },
    };
    expect(await checkVendorLimits(failing, standIn)).toEqual(
      ['ASCII', 'ASCII evidence', 'escaped and multi-byte', 'escaped and multi-byte evidence'].flatMap(
        (name) => [
          `oversize ${name} alert: the vendor accepted, but the send ended in a permanent DeliveryError`,
          `oversize ${name} alert: nothing reached the vendor`,
        ],
      ),
    );
  });

  it('hostile text: a render that passes attacker text through', () => {
    const raw = (alert: Alert): FakeBody => ({
      title: alert.title,
      lines: [`What happened: ${alert.summary}`, ...alert.facts.map((f) => `${f.label}: ${f.value}`)],
      links: alert.links,
    });
    const problems = checkHostileText({ ...fakeSubject, plugin: { ...fakePlugin, render: raw } });
    const rows = (pattern: RegExp) => problems.filter((p) => pattern.test(p));
    expect(rows(/^mention <!channel>, visible text 1: active markup \/<\[!@#\]\//)).toHaveLength(1);
    expect(rows(/^mention @here, visible text 2: active markup/)).toHaveLength(1);
    expect(rows(/^Slack link, visible text 1: active markup \/<\(https\?\|mailto\):\/i/)).toHaveLength(1);
    expect(rows(/^raw URL, visible text \d: a live link to the attacker's host/).length).toBeGreaterThan(0);
    expect(rows(/^www host, visible text \d: a live link/).length).toBeGreaterThan(0);
    for (const row of ['LF', 'CRLF', 'CR', 'U+2028, U+2029', 'NEL', 'VT, FF']) {
      expect(
        rows(
          new RegExp(
            `^forged line \\(${row.replace(/[+()]/g, '\\$&')}\\), visible text 1: a line the attacker started`,
          ),
        ),
      ).not.toEqual([]);
    }
    expect(rows(/^bidi override, visible text 1: control or invisible character U\+202E/)).toHaveLength(1);
    expect(rows(/^bidi isolates, visible text 1: control or invisible character U\+2066/)).toHaveLength(1);
    expect(rows(/^zero-width, visible text 1: control or invisible character U\+200B/)).toHaveLength(1);
    expect(rows(/^terminal escapes, preview\.text: control or invisible character U\+001B/)).toHaveLength(1);
  });

  it('hostile text: a render that escapes the alert but passes its evidence through', () => {
    // Trusts the builders: evidence goes out as stored, cut for size only.
    const raw = (s: string) => s.slice(0, 200);
    const trusting = (alert: Alert): FakeBody => {
      const body = renderFake({ ...alert, evidence: [] });
      body.lines.push(...fakeEvidence(alert, raw));
      return body;
    };
    const problems = checkHostileText({ ...fakeSubject, plugin: { ...fakePlugin, render: trusting } });
    // Nothing in the alert's own fields is found: every problem is in the evidence lines.
    const rows = (pattern: RegExp) => problems.filter((p) => pattern.test(p));
    expect(rows(/^mention <!channel>, visible text \d+: active markup \/<\[!@#\]\//).length).toBeGreaterThan(
      0,
    );
    expect(rows(/^raw URL, visible text \d+: a live link to the attacker's host/).length).toBeGreaterThan(0);
    expect(rows(/^forged line \(LF\), visible text \d+: a line the attacker started/).length).toBeGreaterThan(
      0,
    );
    expect(
      rows(/^bidi override, visible text \d+: control or invisible character U\+202E/).length,
    ).toBeGreaterThan(0);
    expect(rows(/^HTML script, preview\.html: live HTML/)).toEqual([]);
    const evidenceLines = (alert: Alert) => new Set(fakeEvidence(alert, raw));
    const alert = hostileAlert('<!channel>');
    const body = trusting(alert);
    const flagged = body.lines.filter((line) => /<!channel>/.test(line));
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.every((line) => evidenceLines(alert).has(line))).toBe(true);
  });

  it('hostile text: a render that leaves the evidence out, or shows it in no preview', () => {
    const silent = checkHostileText({
      ...fakeSubject,
      plugin: { ...fakePlugin, render: (alert: Alert) => renderFake({ ...alert, evidence: [] }) },
    });
    expect(silent).toContain('mention <!channel>: visibleText does not show the evidence title');
    expect(silent).toContain('mention <!channel>: visibleText does not show the evidence chart');
    expect(silent).toContain('mention <!channel>: visibleText does not show the evidence first line');
    // Resolves carry no evidence in the chat channels: not asked for.
    expect(silent.filter((p) => p.startsWith('everything at once, resolved'))).toEqual([]);
    const blindPreview = checkHostileText({
      ...fakeSubject,
      plugin: {
        ...fakePlugin,
        preview: {
          text: (body: FakeBody) => body.title,
          html: (body: FakeBody, escapeHtml: (s: string) => string) => `<p>${escapeHtml(body.title)}</p>`,
        },
      },
    });
    expect(blindPreview).toContain('mention <!channel>, preview.text: no evidence chart');
    expect(blindPreview).toContain('mention <!channel>, preview.html: no evidence chart');
  });

  it('hostile text: escaping that misses HTML in the preview, and an empty visibleText', () => {
    const unescaped = {
      ...fakeSubject,
      plugin: {
        ...fakePlugin,
        preview: {
          ...fakePlugin.preview,
          html: (body: FakeBody) => `<p>${body.title.replace(/&lt;/g, '<')}</p>`,
        },
      },
    };
    const problems = checkHostileText(unescaped);
    expect(problems).toContainEqual(expect.stringMatching(/^HTML script, preview\.html: live HTML at /));
    expect(problems).toContainEqual(expect.stringMatching(/^HTML img onerror, preview\.html: live HTML at /));
    const blind = { ...fakeSubject, visibleText: () => [] };
    expect(checkHostileText(blind)).toContain(
      'mention <!channel>: visibleText shows neither the title nor the summary',
    );
  });

  it('hostile text: a verbatim channel that escapes the data, or shows a live link outside it', () => {
    // The fake's own body escapes and defangs: as a channel promising the alert as data, it fails.
    const escapes = { ...fakeSubject, verbatim: (body: FakeBody) => body };
    const problems = checkHostileText(escapes);
    expect(problems).toContain('Slack link: the title does not arrive exactly as written');
    expect(problems).toContain('forged line (LF): the summary does not arrive exactly as written');
    // Data carried exactly passes that rule; URLs in it are data, but controls and forged lines are not.
    const raw = (alert: Alert): FakeBody => ({
      title: alert.title,
      lines: [
        alert.summary,
        alert.verdict ?? '',
        alert.actor?.display ?? '',
        alert.resource?.name ?? '',
        ...alert.facts.map((f) => f.value),
        ...(alert.evidence ?? []).flatMap((e) => [e.title, e.chart ?? '', ...e.lines]),
      ],
      links: alert.links,
    });
    const exact = {
      ...fakeSubject,
      plugin: { ...fakePlugin, render: raw },
      visibleText: (body: FakeBody) => [JSON.stringify(body)],
      verbatim: (body: FakeBody) => body,
    };
    const found = checkHostileText(exact);
    expect(found.filter((p) => /does not arrive exactly/.test(p))).toEqual([]);
    expect(found.filter((p) => /^raw URL, visible text 1: a live link/.test(p))).toEqual([]);
    expect(found).toContainEqual(
      expect.stringMatching(/^bidi override, preview\.text: control or invisible character U\+202E/),
    );
  });

  it('idempotency: a sender that posts every body twice', async () => {
    const subject = {
      ...fakeSubject,
      sender: () => {
        const good = createFakeSender({ timeoutMs: KIT_TIMEOUT_MS });
        return {
          async send(body: FakeBody, target: SendTarget<FakeSettings>) {
            await good.send(body, target);
            await good.send(body, target);
          },
        };
      },
    };
    expect(await checkIdempotency(subject, standIn)).toEqual([
      'the first delivery reached the vendor 2 time(s), expected once',
      'the same alert to a second receiver reached the vendor 2 time(s), expected once',
    ]);
  });

  it('idempotency: a sender that remembers alerts, not (alert, receiver) pairs', async () => {
    const subject = {
      ...fakeSubject,
      sender: () => {
        const good = createFakeSender({ timeoutMs: KIT_TIMEOUT_MS });
        const seen = new Set<string>();
        return {
          async send(body: FakeBody, target: SendTarget<FakeSettings>) {
            if (seen.has(target.request.alert.id)) return;
            seen.add(target.request.alert.id);
            await good.send(body, target);
          },
        };
      },
    };
    expect(await checkIdempotency(subject, standIn)).toEqual([
      'the same alert to a second receiver reached the vendor 0 time(s), expected once',
    ]);
  });

  it('idempotency: a sender that never delivers', async () => {
    const subject = {
      ...fakeSubject,
      sender: () => ({
        send: async () => {
          throw new DeliveryError({ channel: CHANNEL, retryable: true, reason: 'HTTP 503' });
        },
      }),
    };
    expect(await checkIdempotency(subject, standIn)).toEqual([
      'the first delivery: expected delivered, got a retryable DeliveryError',
      'the same request again: expected duplicate, got a retryable DeliveryError',
      'the same alert to a second receiver: expected delivered, got a retryable DeliveryError',
      'the first delivery reached the vendor 0 time(s), expected once',
      'the same alert to a second receiver reached the vendor 0 time(s), expected once',
    ]);
  });
});
