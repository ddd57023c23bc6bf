import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { Alert } from '../../../../shared/events/alert.ts';
import { webhook } from '../../../../shared/notify/channels/webhook/index.ts';
import {
  CLOUD_ALERTS_VERSION,
  WEBHOOK_BODY_MAX_BYTES,
  WEBHOOK_DELIVERY_ID_MAX,
} from '../../../../shared/notify/channels/webhook/limits.ts';
import { AT_SEND_TIME } from '../../../../shared/notify/channels/webhook/preview.ts';
import {
  type WebhookBody,
  type WebhookDocument,
  webhookDeliveryId,
  webhookDocument,
} from '../../../../shared/notify/channels/webhook/render.ts';
import { WEBHOOK_BODY_SCHEMA } from '../../../../shared/notify/channels/webhook/schema.ts';
import type { WebhookSettings } from '../../../../shared/notify/channels/webhook/settings.ts';
import { TRUNCATION_MARKER, utf8ByteLength } from '../../../../shared/notify/text.ts';
import { replayMultiTeam } from '../../../helpers/channels.ts';
import {
  buildAlert,
  CLOUDTRAIL_EVENT_ID,
  EVENTBRIDGE_EVENT_ID,
  HOSTILE_USER_AGENT,
  hugeString,
  LONE_SURROGATES,
  lambdaErrorsAlert,
} from '../fixtures.ts';

const SETTINGS: WebhookSettings = {
  url: 'https://siem.example.com/hooks/cloud-alerts',
  signingSecretParameter: '/cloud-alerts/prod/webhook/siem',
  headers: { 'X-Tenant': 'secops' },
};
const RECEIVER = 'siem';
const SENT_AT = '2026-12-05T04:30:00.000Z';
const CTX = { secret: undefined, stackTopicArn: undefined };

function render(alert: Alert, settings: WebhookSettings = SETTINGS): WebhookBody {
  return webhook.render(alert, settings, CTX);
}

/** The document as the sender would send it for `alert` to RECEIVER. */
function documentFor(alert: Alert): WebhookDocument {
  return webhookDocument(render(alert).payload, {
    id: webhookDeliveryId(`${alert.id}/${RECEIVER}`),
    receiver: RECEIVER,
    sentAt: SENT_AT,
  });
}

// A JSON Schema validator for exactly the keywords WEBHOOK_BODY_SCHEMA uses. An unknown keyword throws,
// so the schema cannot start relying on one that this check would silently skip.
type JsonSchema = { readonly [keyword: string]: unknown };
const KEYWORDS = new Set([
  '$schema',
  '$id',
  'title',
  'description',
  'format',
  'type',
  'const',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minimum',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeOk(type: unknown, value: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isInteger(value);
    default:
      throw new Error(`validator: unsupported type ${String(type)}`);
  }
}

function validate(schema: JsonSchema, value: unknown, at = '$'): string[] {
  for (const keyword of Object.keys(schema)) {
    if (!KEYWORDS.has(keyword)) throw new Error(`validator: unsupported keyword ${keyword} at ${at}`);
  }
  if ('const' in schema && value !== schema.const) return [`${at}: not ${JSON.stringify(schema.const)}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return [`${at}: not one of the enum`];
  if ('type' in schema && !typeOk(schema.type, value)) return [`${at}: not ${String(schema.type)}`];
  const errors: string[] = [];
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) {
    errors.push(`${at}: below ${schema.minimum}`);
  }
  if (Array.isArray(value) && isObject(schema.items)) {
    const items = schema.items;
    value.forEach((item, i) => {
      errors.push(...validate(items, item, `${at}[${i}]`));
    });
  }
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    for (const name of Array.isArray(schema.required) ? schema.required : []) {
      if (!Object.hasOwn(value, String(name))) errors.push(`${at}: missing ${String(name)}`);
    }
    for (const [name, item] of Object.entries(value)) {
      const own = properties[name];
      if (isObject(own)) errors.push(...validate(own, item, `${at}.${name}`));
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected ${name}`);
      else if (isObject(schema.additionalProperties)) {
        errors.push(...validate(schema.additionalProperties, item, `${at}.${name}`));
      }
    }
  }
  return errors;
}

/** What a receiver parses: the bytes on the wire, not our object. */
function onTheWire(document: WebhookDocument): unknown {
  return JSON.parse(JSON.stringify(document));
}

describe('renderWebhook', () => {
  it('renders a firing alert as alert.firing with every field under a stable name', () => {
    const body = render(buildAlert({ tags: { team: 'data' } }));
    expect(body.url).toBe(SETTINGS.url);
    expect(body.headers).toEqual([['X-Tenant', 'secops']]);
    expect(documentFor(buildAlert({ tags: { team: 'data' } }))).toEqual({
      version: 1,
      type: 'alert.firing',
      id: `ct:${CLOUDTRAIL_EVENT_ID}:s3-bucket-acl-public/siem`,
      receiver: 'siem',
      sentAt: SENT_AT,
      truncated: false,
      alert: {
        id: `ct:${CLOUDTRAIL_EVENT_ID}:s3-bucket-acl-public`,
        rule: 's3-bucket-acl-public',
        title: 'S3 bucket made public',
        severity: 'critical',
        status: 'firing',
        kind: 'cloudtrail',
        summary: 'IAM user alice made bucket example-data public with ACL public-read',
        verdict: 'Public now: anyone on the internet can list the bucket and read its objects.',
        account: { id: '123456789012', alias: 'production' },
        region: 'eu-west-1',
        time: '2026-11-20T09:15:02Z',
        actor: {
          kind: 'iam-user',
          display: 'IAM user alice',
          name: 'alice',
          arn: 'arn:aws:iam::123456789012:user/alice',
          accountId: '123456789012',
          crossAccount: false,
        },
        resource: { type: 'S3 bucket', name: 'example-data', arn: 'arn:aws:s3:::example-data' },
        facts: [
          { label: 'Source IP', value: '203.0.113.10' },
          { label: 'Client', value: 'AWS CLI 2.15.0' },
          { label: 'MFA', value: 'no' },
          { label: 'Event', value: 's3:PutBucketAcl' },
        ],
        links: [
          {
            text: 'Open bucket',
            url: 'https://s3.console.aws.amazon.com/s3/buckets/example-data?region=eu-west-1',
          },
          {
            text: 'CloudTrail event',
            url: `https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/events/${CLOUDTRAIL_EVENT_ID}`,
          },
        ],
        dedupKey: `cloud-alerts:ct:${CLOUDTRAIL_EVENT_ID}:s3-bucket-acl-public`,
        eventId: EVENTBRIDGE_EVENT_ID,
        cloudTrailEventId: CLOUDTRAIL_EVENT_ID,
        tags: { team: 'data' },
        attempted: false,
        covers: 1,
      },
    });
  });

  it('renders a resolve as alert.resolved with the same dedupKey, and omits absent optional fields', () => {
    const alarm = buildAlert({
      kind: 'alarm',
      status: 'resolved',
      actor: undefined,
      resource: undefined,
      verdict: undefined,
      cloudTrailEventId: undefined,
      account: { id: '123456789012' },
    });
    delete alarm.actor;
    delete alarm.resource;
    delete alarm.verdict;
    delete alarm.cloudTrailEventId;
    const document = documentFor(alarm);
    expect(document.type).toBe('alert.resolved');
    expect(document.alert.status).toBe('resolved');
    expect(document.alert.dedupKey).toBe(documentFor(buildAlert()).alert.dedupKey);
    for (const absent of ['actor', 'resource', 'verdict', 'cloudTrailEventId']) {
      expect(document.alert).not.toHaveProperty(absent);
    }
    expect(document.alert.account).toEqual({ id: '123456789012' });
    expect(document.alert.tags).toEqual({});
  });

  it('renders a grouping or budget summary as alert.summary with what it covers', () => {
    const document = documentFor(buildAlert({ ruleId: 'group-summary', covers: 42, attempted: true }));
    expect(document.type).toBe('alert.summary');
    expect(document.alert.covers).toBe(42);
    expect(document.alert.attempted).toBe(true);
  });

  it('keeps the key order fixed, so the same delivery serialises the same', () => {
    expect(Object.keys(documentFor(buildAlert()))).toEqual([
      'version',
      'type',
      'id',
      'receiver',
      'sentAt',
      'truncated',
      'alert',
    ]);
    expect(JSON.stringify(documentFor(buildAlert()))).toBe(JSON.stringify(documentFor(buildAlert())));
  });

  it('carries hostile text as data: exact after a JSON round trip, but lone surrogates made U+FFFD', () => {
    const alert = buildAlert({
      summary: `${HOSTILE_USER_AGENT}\r\nSeverity: info\u202Eexe.txt\u200B`,
      facts: [{ label: 'User agent', value: `${HOSTILE_USER_AGENT} ${LONE_SURROGATES}` }],
      // Parsed, as the alert is off the bus: a literal `__proto__` key would set the prototype instead.
      tags: JSON.parse('{"__proto__":"polluted","constructor":"x"}'),
    });
    const parsed = onTheWire(documentFor(alert)) as WebhookDocument;
    expect(parsed.alert.summary).toBe(alert.summary);
    expect(parsed.alert.facts[0]?.value).toBe(`${HOSTILE_USER_AGENT} a\uFFFDb\uFFFDc`);
    expect(Object.getPrototypeOf(documentFor(alert).alert.tags)).toBe(Object.prototype);
    expect(Object.keys(parsed.alert.tags)).toEqual(['__proto__', 'constructor']);
  });
});

describe('WEBHOOK_BODY_SCHEMA', () => {
  it('validates a body with evidence, and refuses a section of an unknown shape', () => {
    const document = onTheWire(documentFor(lambdaErrorsAlert())) as WebhookDocument;
    expect(validate(WEBHOOK_BODY_SCHEMA, document)).toEqual([]);
    const bad = { ...document, alert: { ...document.alert, evidence: [{ kind: 'graph', title: 1 }] } };
    expect(validate(WEBHOOK_BODY_SCHEMA, bad)).toEqual([
      '$.alert.evidence[0]: missing lines',
      '$.alert.evidence[0].kind: not one of the enum',
      '$.alert.evidence[0].title: not string',
    ]);
  });

  it('is draft 2020-12 and validates the rendered firing, resolved and summary bodies', () => {
    expect(WEBHOOK_BODY_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    for (const alert of [buildAlert(), buildAlert({ status: 'resolved' }), buildAlert({ covers: 3 })]) {
      expect(validate(WEBHOOK_BODY_SCHEMA, onTheWire(documentFor(alert)))).toEqual([]);
    }
  });

  it('names every field of a rendered body, so a new one cannot go undocumented', () => {
    const document = onTheWire(documentFor(buildAlert({ tags: { a: 'b' }, covers: 2, attempted: true })));
    expect(validate(WEBHOOK_BODY_SCHEMA, { ...(document as object), extra: 1 })).toEqual([
      '$: unexpected extra',
    ]);
    const alert = (document as WebhookDocument).alert;
    expect(
      validate(WEBHOOK_BODY_SCHEMA, { ...(document as object), alert: { ...alert, change: 'x' } }),
    ).toEqual(['$.alert: unexpected change']);
  });

  it('catches a wrong type, a missing field, a bad enum and a bad version', () => {
    const document = onTheWire(documentFor(buildAlert())) as WebhookDocument;
    const { sentAt: _, ...withoutSentAt } = document;
    expect(validate(WEBHOOK_BODY_SCHEMA, withoutSentAt)).toEqual(['$: missing sentAt']);
    expect(validate(WEBHOOK_BODY_SCHEMA, { ...document, version: 2 })).toEqual(['$.version: not 1']);
    expect(validate(WEBHOOK_BODY_SCHEMA, { ...document, type: 'alert.acked' })).toEqual([
      '$.type: not one of the enum',
    ]);
    expect(validate(WEBHOOK_BODY_SCHEMA, { ...document, alert: { ...document.alert, covers: 0 } })).toEqual([
      '$.alert.covers: below 1',
    ]);
    expect(
      validate(WEBHOOK_BODY_SCHEMA, { ...document, alert: { ...document.alert, facts: [{ label: 1 }] } }),
    ).toEqual(['$.alert.facts[0]: missing value', '$.alert.facts[0].label: not string']);
  });

  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(
      HOSTILE_USER_AGENT,
      LONE_SURROGATES,
      '\uDC00',
      '\uD800',
      '"},"version":2,"x":{"',
      '\u202E\u2066\u200B\uFEFF',
      '\r\nX-Cloud-Alerts-Signature: v1=00',
      '__proto__',
      '\u0000\u001B[31m\u009B',
    ),
  );
  const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const hostileAlert: fc.Arbitrary<Alert> = fc.record(
    {
      id: text,
      ruleId: text,
      title: text,
      severity: fc.constantFrom('critical', 'high', 'medium', 'low', 'info'),
      status: fc.constantFrom('firing', 'resolved'),
      kind: fc.constantFrom('cloudtrail', 'alarm', 'generic'),
      summary: text,
      verdict: optional(text),
      account: fc.record({ id: text, alias: optional(text) }, { requiredKeys: ['id'] }),
      region: text,
      time: text,
      actor: optional(
        fc.record(
          {
            kind: fc.constantFrom('iam-user', 'assumed-role', 'root', 'unknown'),
            display: text,
            name: optional(text),
            arn: optional(text),
            session: optional(text),
            issuerArn: optional(text),
            accountId: optional(text),
            crossAccount: fc.boolean(),
          },
          { requiredKeys: ['kind', 'display', 'crossAccount'] },
        ),
      ),
      resource: optional(
        fc.record({ type: text, name: text, arn: optional(text) }, { requiredKeys: ['type', 'name'] }),
      ),
      facts: fc.array(fc.record({ label: text, value: text }), { maxLength: 8 }),
      links: fc.array(fc.record({ text, url: text }), { maxLength: 4 }),
      dedupKey: text,
      eventId: text,
      cloudTrailEventId: optional(text),
      tags: optional(fc.dictionary(text, text, { maxKeys: 5 })),
      attempted: optional(fc.boolean()),
      change: optional(text),
      covers: optional(fc.integer({ min: 1, max: 10_000 })),
    },
    {
      requiredKeys: [
        'id',
        'ruleId',
        'title',
        'severity',
        'status',
        'kind',
        'summary',
        'account',
        'region',
        'time',
        'facts',
        'links',
        'dedupKey',
        'eventId',
      ],
    },
  );

  it('validates the body of every hostile alert, which stays within the size limit', () => {
    fc.assert(
      fc.property(hostileAlert, (alert) => {
        const wire = JSON.stringify(documentFor(alert));
        expect(validate(WEBHOOK_BODY_SCHEMA, JSON.parse(wire))).toEqual([]);
        expect(utf8ByteLength(wire)).toBeLessThanOrEqual(WEBHOOK_BODY_MAX_BYTES);
        // No lone surrogate reaches the wire, as \u escape or otherwise.
        expect(wire).not.toMatch(
          /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i,
        );
      }),
      { seed: 19, numRuns: 500 },
    );
  });
});

describe('body size', () => {
  it('cuts every string longer than one cap, marks them, and keeps the body within the limit', () => {
    const alert = buildAlert({
      summary: hugeString(200 * 1024, 'é'),
      verdict: hugeString(150 * 1024),
      facts: [
        { label: 'Source IP', value: '203.0.113.10' },
        { label: 'Policy', value: hugeString(200 * 1024, '😀') },
      ],
    });
    const document = documentFor(alert);
    const wire = JSON.stringify(document);
    expect(utf8ByteLength(wire)).toBeLessThanOrEqual(WEBHOOK_BODY_MAX_BYTES);
    // Most of the room is used: the cap is the largest that fits.
    expect(utf8ByteLength(wire)).toBeGreaterThan(WEBHOOK_BODY_MAX_BYTES - 8 * 1024);
    expect(document.truncated).toBe(true);
    const { summary, verdict, facts } = document.alert;
    for (const cut of [summary, verdict ?? '', facts[1]?.value ?? ''])
      expect(cut.endsWith(TRUNCATION_MARKER)).toBe(true);
    // One cap for all: the strings cut are equally long (an emoji is not split, so that one may be a
    // code unit shorter), the short ones untouched.
    expect(verdict?.length).toBe(summary.length);
    expect(summary.length - (facts[1]?.value.length ?? 0)).toBeLessThanOrEqual(1);
    expect(facts[0]).toEqual({ label: 'Source IP', value: '203.0.113.10' });
    expect(document.alert.title).toBe('S3 bucket made public');
    expect(validate(WEBHOOK_BODY_SCHEMA, onTheWire(document))).toEqual([]);
  });

  it('is deterministic: the same alert is cut the same way', () => {
    const alert = () => buildAlert({ summary: hugeString(300 * 1024), verdict: hugeString(280 * 1024, 'ü') });
    expect(JSON.stringify(documentFor(alert()))).toBe(JSON.stringify(documentFor(alert())));
  });

  it('drops trailing facts when there are too many for any cap, and says so', () => {
    const facts = Array.from({ length: 20_000 }, (_, i) => ({ label: `Fact ${i}`, value: `value ${i}` }));
    const document = documentFor(buildAlert({ facts }));
    expect(utf8ByteLength(JSON.stringify(document))).toBeLessThanOrEqual(WEBHOOK_BODY_MAX_BYTES);
    expect(document.truncated).toBe(true);
    expect(document.alert.facts.length).toBeGreaterThan(0);
    expect(document.alert.facts.length).toBeLessThan(facts.length);
    expect(document.alert.facts).toEqual(facts.slice(0, document.alert.facts.length));
  });

  it('leaves a body within the limit alone', () => {
    const document = documentFor(buildAlert({ summary: hugeString(200 * 1024) }));
    expect(document.truncated).toBe(false);
    expect(document.alert.summary).toBe(hugeString(200 * 1024));
  });
});

describe('webhookDeliveryId', () => {
  it('is the request key itself when it is short printable ASCII', () => {
    expect(webhookDeliveryId('ct:abc:rule/siem')).toBe('ct:abc:rule/siem');
  });

  it('is a printable prefix and a digest otherwise: stable, distinct, fit for a header', () => {
    const forged = `ct:${'a'.repeat(300)}\r\nX-Forged: 1/siem`;
    const id = webhookDeliveryId(forged);
    expect(id).toMatch(/^[\x21-\x7E]+:sha256:[0-9a-f]{64}$/);
    expect(id.length).toBeLessThanOrEqual(WEBHOOK_DELIVERY_ID_MAX);
    expect(webhookDeliveryId(forged)).toBe(id);
    expect(webhookDeliveryId(`${forged}x`)).not.toBe(id);
    expect(webhookDeliveryId('ct:é/siem')).toMatch(/^ct:\/siem:sha256:[0-9a-f]{64}$/);
  });
});

describe('webhook plug-in', () => {
  it('names its secret, budget, bucket and deployment', () => {
    const settings = { ...SETTINGS, kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd' };
    expect(webhook.name).toBe('webhook');
    expect(webhook.secret(settings)).toEqual({
      parameter: '/cloud-alerts/prod/webhook/siem',
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd',
      field: 'signingSecretParameter',
      what: 'signing secret',
      example: expect.stringContaining('openssl rand -hex 32'),
    });
    expect(webhook.budget).toEqual({ perMinute: 600, burst: 20, reserve: 5 });
    expect(webhook.budgetIdentity({ ...SETTINGS, url: 'https://SIEM.example.com:443/hooks' }, CTX)).toBe(
      'https://siem.example.com/hooks',
    );
    expect(webhook.deploy).toEqual({
      id: 'Webhook',
      description: 'Notification requests for webhook receivers → signed HTTPS POST',
    });
    expect(webhook.settings.safeParse(SETTINGS).success).toBe(true);
  });

  it('renders without the secret and shows the body as it is: it carries none', () => {
    const body = webhook.render(buildAlert(), SETTINGS, {
      secret: 'whsec-never-in-body',
      stackTopicArn: undefined,
    });
    expect(JSON.stringify(body)).not.toContain('whsec-never-in-body');
    expect(webhook.shown(body, SETTINGS)).toBe(body);
  });

  it('says the same version in User-Agent as package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8'));
    expect(CLOUD_ALERTS_VERSION).toBe(pkg.version);
  });
});

describe('webhook previews', () => {
  const alert = buildAlert({ summary: `${HOSTILE_USER_AGENT} \u202Eexe.txt\u200B \u009B31m` });

  it('prints the request line, our headers with send-time placeholders, the static headers and the JSON', () => {
    const text = webhook.preview.text(render(alert));
    const lines = text.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      'POST https://siem.example.com/hooks/cloud-alerts',
      'Content-Type: application/json',
      `User-Agent: cloud-alerts/${CLOUD_ALERTS_VERSION}`,
      'X-Cloud-Alerts-Timestamp: <unix seconds, set at send time>',
      'X-Cloud-Alerts-Signature: v1=<computed at send time>',
      `X-Cloud-Alerts-Delivery: ${AT_SEND_TIME.id}`,
      'X-Tenant: secops',
      '',
    ]);
    const json = JSON.parse(lines.slice(8).join('\n'));
    expect(json).toEqual({ ...(onTheWire(documentFor(alert)) as object), ...AT_SEND_TIME_FIELDS });
  });

  it('shows invisible and terminal control characters as \\u escapes', () => {
    const text = webhook.preview.text(render(alert));
    expect(text).not.toMatch(/[\u202E\u200B\u009B]/);
    expect(text).toContain('\\u202eexe.txt\\u200b \\u009b31m');
  });

  it('shows the delivery id and receiver of the request it was rendered for, in the header and the body', () => {
    const request = { channel: 'webhook', receiver: 'siem', key: `${alert.id}/siem`, alert } as const;
    const body = webhook.render(alert, SETTINGS, { secret: undefined, stackTopicArn: undefined, request });
    const text = webhook.preview.text(body);
    expect(text).toContain(`X-Cloud-Alerts-Delivery: ${request.key}\n`);
    const json = JSON.parse(text.split('\n\n').slice(1).join('\n\n'));
    expect(json).toMatchObject({ id: request.key, receiver: 'siem', sentAt: AT_SEND_TIME.sentAt });
  });

  it('brings a style rule for every class its report markup uses', () => {
    const html = webhook.preview.html(render(alert), (s) => s);
    const used = [...html.matchAll(/class="([^"]+)"/g)].flatMap((m) => (m[1] ?? '').split(' '));
    expect(used.length).toBeGreaterThan(0);
    const css = webhook.preview.css ?? '';
    expect(used.filter((c) => !css.includes(`.${c}`))).toEqual([]);
  });

  it('escapes everything in the HTML report', () => {
    const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const html = webhook.preview.html(render(alert), escapeHtml);
    expect(html).toContain('&lt;!channel&gt;');
    expect(html).toContain('v1=&lt;computed at send time&gt;');
    expect(html).not.toContain('<!channel>');
  });
});

const AT_SEND_TIME_FIELDS = {
  id: AT_SEND_TIME.id,
  receiver: AT_SEND_TIME.receiver,
  sentAt: AT_SEND_TIME.sentAt,
};

describe('replay of a webhook receiver', () => {
  it('prints the request the endpoint would get, with the real delivery id, through the CLI formatter', async () => {
    const { result, printed } = await replayMultiTeam('events/cloudtrail/stop-logging.json');
    const note = result.notifications.find((n) => n.channel === 'webhook');
    expect(note?.receiver).toBe('webhook-siem');
    if (!note) throw new Error('no webhook notification');
    const alertId = (note.body as WebhookBody).payload.alert.id;
    expect(printed).toContain('  → webhook webhook-siem\n');
    expect(printed).toContain('    │ POST https://siem.example.com/ingest/cloud-alerts\n');
    expect(printed).toContain(`    │ X-Cloud-Alerts-Delivery: ${alertId}/webhook-siem\n`);
    expect(printed).toContain('    │ X-Siem-Index: aws-security\n');
    expect(printed).toContain(`    │   "id": "${alertId}/webhook-siem",\n`);
    expect(printed).toContain('    │   "receiver": "webhook-siem",\n');
    // The signing secret is used at send time only: not even its parameter's placeholder is printed.
    expect(printed).not.toContain('/cloud-alerts/dev/webhook/siem');
  });
});
