import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadConfigFile } from '../../../shared/config/load.ts';
import { NotificationRequestSchema } from '../../../shared/events/alert.ts';
import { SNS_MESSAGE_MAX_BYTES } from '../../../shared/notify/channels/email/limits.ts';
import {
  PAGERDUTY_EVENT_MAX_BYTES,
  PAGERDUTY_SUMMARY_MAX,
} from '../../../shared/notify/channels/pagerduty/limits.ts';
import { requirePlugin } from '../../../shared/notify/channels/registry.ts';
import {
  SLACK_FIELD_TEXT_MAX,
  SLACK_HEADER_TEXT_MAX,
  SLACK_MAX_BLOCKS,
  SLACK_SECTION_FIELDS_MAX,
  SLACK_SECTION_TEXT_MAX,
} from '../../../shared/notify/channels/slack/limits.ts';
import type { SlackMessage } from '../../../shared/notify/channels/slack/render.ts';
import { type DeliveryContext, renderNotification } from '../../../shared/notify/deliver.ts';
import { utf8ByteLength } from '../../../shared/notify/text.ts';
import { boundRequest } from '../../../shared/pipeline/bound.ts';
import { evaluate } from '../../../shared/pipeline/evaluate.ts';
import { EVENTS_DIR } from '../../helpers/events.ts';

const SEED = 7;
const RUNS = 2500;
// Read-only, never copied; the test passes the same without it.
const CORPUS_DIR = new URL('../../../../shared/corpus/', import.meta.url);
const CORPUS_SAMPLE_MAX = 300;

const config = loadConfigFile('config/cloud-alerts.yml', { stage: 'test' });
const ctx: DeliveryContext = {
  secret: () => 'R0UTINGKEYFUZZ000000000000000001',
  stackTopicArn: 'arn:aws:sns:eu-west-1:123456789012:cloud-alerts-test-alerts',
};

function jsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return name.endsWith('.json') && name !== 'MANIFEST.json' ? [path] : [];
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A CloudTrail record as EventBridge would deliver it. */
function envelopeFor(record: Record<string, unknown>): Record<string, unknown> {
  const source = typeof record.eventSource === 'string' ? record.eventSource.split('.')[0] : 'unknown';
  return {
    version: '0',
    id: 'fuzz-0000',
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${source}`,
    account: '123456789012',
    time: '2026-11-24T03:00:00Z',
    region: typeof record.awsRegion === 'string' ? record.awsRegion : 'eu-west-1',
    resources: [],
    detail: record,
  };
}

function seedsFrom(raw: unknown): Record<string, unknown>[] {
  if (Array.isArray(raw)) return raw.filter(isRecord).map(envelopeFor);
  if (!isRecord(raw)) return [];
  if (Array.isArray(raw.Records)) return raw.Records.filter(isRecord).map(envelopeFor);
  if ('detail-type' in raw) return [raw];
  if ('eventName' in raw) return [envelopeFor(raw)];
  return [];
}

function loadSeeds(): Record<string, unknown>[] {
  const own = jsonFiles(EVENTS_DIR).flatMap((f) => seedsFrom(JSON.parse(readFileSync(f, 'utf8'))));
  const corpus = jsonFiles(CORPUS_DIR.pathname)
    .flatMap((f) => {
      try {
        return seedsFrom(JSON.parse(readFileSync(f, 'utf8')));
      } catch {
        return [];
      }
    })
    .slice(0, CORPUS_SAMPLE_MAX);
  return [...own, ...corpus];
}

const SEEDS = loadSeeds();

/** What an attacker can put in a user agent, bucket name, tag, session name or alarm description. */
const HOSTILE_STRINGS = [
  '<!channel>',
  '<!here> wake up',
  '<!everyone>',
  '<@U024BE7LH>',
  '<!subteam^SAZ94GDB8|@security>',
  '<https://evil.example/login|Open the AWS console>',
  '<mailto:a@evil.example|support>',
  '&lt;!channel&gt;',
  '*bold* _it_ ~x~ `code` ```block```',
  'line\nbreak\r\nSubject: injected',
  '\u202eexe.live\u202c',
  'a\uD83Db\uDE00c',
  '\uD800',
  '\u0000\u0007\u001b[31m',
  '\uFFFE\uFFFF',
  'https://evil.example/phish',
  '<>&<>&',
];

type Mutation =
  | { kind: 'hostile'; at: number; value: string }
  | { kind: 'type'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'huge-string'; at: number }
  | { kind: 'huge-array'; at: number }
  | { kind: 'deep'; at: number; depth: number }
  | { kind: 'drop-detail' };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('hostile' as const),
      at: fc.nat(),
      value: fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ unit: 'binary', maxLength: 40 })),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('type' as const),
      at: fc.nat(),
      value: fc.constantFrom<unknown>(null, 0, -1.5, true, [], {}, ['<!here>'], { '<!channel>': 1 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge-string' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge-array' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deep' as const),
      at: fc.nat(),
      depth: fc.integer({ min: 50, max: 3000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop-detail' as const }) },
);

/** Every (container, key) in the event, so a mutation can land anywhere. */
function slots(root: unknown): Array<[Record<string, unknown> | unknown[], string | number]> {
  const out: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (node: unknown, depth: number) => {
    if (depth > 12) return;
    if (Array.isArray(node)) {
      node.slice(0, 50).forEach((child, i) => {
        out.push([node, i]);
        walk(child, depth + 1);
      });
    } else if (isRecord(node)) {
      for (const [k, child] of Object.entries(node)) {
        out.push([node, k]);
        walk(child, depth + 1);
      }
    }
  };
  walk(root, 0);
  return out;
}

function setSlot(container: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (Array.isArray(container) && typeof key === 'number') container[key] = value;
  else if (!Array.isArray(container)) container[String(key)] = value;
}

function mutate(event: Record<string, unknown>, mutations: readonly Mutation[]): Record<string, unknown> {
  for (const m of mutations) {
    if (m.kind === 'drop-detail') {
      delete event.detail;
      continue;
    }
    const all = slots(event);
    const slot = all[m.at % Math.max(1, all.length)];
    if (!slot) continue;
    const [container, key] = slot;
    const current = Array.isArray(container) ? container[Number(key)] : container[String(key)];
    switch (m.kind) {
      case 'hostile':
        setSlot(container, key, typeof current === 'string' ? `${current}${m.value}` : m.value);
        break;
      case 'type':
        setSlot(container, key, m.value);
        break;
      case 'delete':
        if (Array.isArray(container)) container.splice(Number(key), 1);
        else delete container[String(key)];
        break;
      case 'huge-string':
        setSlot(container, key, `<!channel> ${'A'.repeat(250 * 1024)}`);
        break;
      case 'huge-array':
        setSlot(
          container,
          key,
          Array.from({ length: 20_000 }, (_, i) => (i % 2 ? '<!here>' : { k: i })),
        );
        break;
      case 'deep': {
        let nested: unknown = '<!channel>';
        for (let i = 0; i < m.depth; i++) nested = { a: nested };
        setSlot(container, key, nested);
        break;
      }
    }
  }
  return event;
}

const OUR_MENTION = /^<!(here|channel)> /;
const OUR_LINK =
  /^https:\/\/([a-z0-9-]+\.)*(console\.aws\.amazon\.com|console\.amazonaws-us-gov\.com|console\.amazonaws\.cn)\//;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function slackTexts(body: SlackMessage): { texts: string[]; urls: string[] } {
  const texts = [body.text];
  const urls: string[] = [];
  for (const block of body.blocks) {
    if (block.type === 'header') texts.push(block.text.text);
    if (block.type === 'section') {
      if (block.text) texts.push(block.text.text);
      for (const f of block.fields ?? []) texts.push(f.text);
    }
    if (block.type === 'context') for (const e of block.elements) texts.push(e.text);
    if (block.type === 'actions') {
      for (const e of block.elements) {
        texts.push(e.text.text);
        urls.push(e.url);
      }
    }
  }
  return { texts, urls };
}

function checkSlack(body: SlackMessage): void {
  expect(body.blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
  const { texts, urls } = slackTexts(body);
  for (const text of texts) {
    // Only our own mention, and only at the start; every `<` an attacker wrote is `&lt;` by now.
    expect(text.replace(OUR_MENTION, '')).not.toMatch(/[<>]/);
    expect(text).not.toMatch(LONE_SURROGATE);
  }
  for (const url of urls) expect(url).toMatch(OUR_LINK);
  for (const block of body.blocks) {
    if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(SLACK_HEADER_TEXT_MAX);
    if (block.type === 'section') {
      expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(SLACK_SECTION_TEXT_MAX);
      expect(block.fields?.length ?? 0).toBeLessThanOrEqual(SLACK_SECTION_FIELDS_MAX);
      for (const f of block.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(SLACK_FIELD_TEXT_MAX);
    }
  }
}

describe('hostile events through parse → render', () => {
  it('has seeds from events/ (and the shared corpus when present)', () => {
    expect(SEEDS.length).toBeGreaterThanOrEqual(jsonFiles(EVENTS_DIR).length);
  });

  it(`never throws and never lets an injected mention or link through (${RUNS} mutated events, seed ${SEED})`, () => {
    const counts: Record<string, number> &
      Record<'alerts' | 'slack' | 'pagerduty' | 'email' | 'rejected', number> = {
      alerts: 0,
      slack: 0,
      pagerduty: 0,
      email: 0,
      rejected: 0,
    };
    fc.assert(
      fc.property(
        fc.nat({ max: SEEDS.length - 1 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 5 }),
        (seedIndex, mutations) => {
          const seed = SEEDS[seedIndex];
          if (!seed) return;
          const event = mutate(structuredClone(seed), mutations);
          const result = evaluate(event, config);
          if (result.rejected) counts.rejected++;
          counts.alerts += result.alerts.length;
          for (const n of result.notifications) {
            // As the notifier sees it: bounded by the alert function, then JSON over EventBridge.
            const request = NotificationRequestSchema.parse(JSON.parse(JSON.stringify(boundRequest(n))));
            const rendered = renderNotification(request, config, ctx, requirePlugin(request.channel));
            counts[rendered.channel] = (counts[rendered.channel] ?? 0) + 1;
            const wire = JSON.stringify(rendered.body);
            expect(JSON.parse(wire)).toEqual(rendered.body);
            if (rendered.channel === 'slack') checkSlack(rendered.body);
            if (rendered.channel === 'pagerduty') {
              expect(utf8ByteLength(wire)).toBeLessThanOrEqual(PAGERDUTY_EVENT_MAX_BYTES);
              if (rendered.body.event_action === 'trigger') {
                expect(rendered.body.payload.summary.length).toBeLessThanOrEqual(PAGERDUTY_SUMMARY_MAX);
              }
            }
            if (rendered.channel === 'email') {
              expect(rendered.body.Subject).toMatch(/^[\x21-\x7E][\x20-\x7E]{0,98}$/);
              expect(utf8ByteLength(rendered.body.Message ?? '')).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
              expect(rendered.body.Message).not.toMatch(LONE_SURROGATE);
            }
          }
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    console.log(`hostile fuzz: ${JSON.stringify({ seeds: SEEDS.length, runs: RUNS, ...counts })}`);
    expect(counts.slack).toBeGreaterThan(RUNS / 4);
    expect(counts.email).toBeGreaterThan(0);
    expect(counts.pagerduty).toBeGreaterThan(0);
  });
});
