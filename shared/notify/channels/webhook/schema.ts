import { ActorKindSchema, AlertSchema, EVIDENCE_KINDS, SEVERITIES } from '../../../events/alert.ts';
import { WEBHOOK_BODY_MAX_BYTES, WEBHOOK_BODY_VERSION } from './limits.ts';

/**
 * The webhook body (version 1) as a JSON Schema (draft 2020-12), published in the docs for receivers
 * to validate against. A unit test validates every rendered body with it, so it cannot drift from
 * render.ts. It uses only: type, const, enum, properties, required, additionalProperties, items,
 * minimum, and annotations (title, description, format).
 *
 * Enumerations come from the Alert schema: a new value there is an additive change (version 1 stays).
 *
 * Objects are closed (`additionalProperties: false`) to catch drift in our tests; receivers should
 * not copy that into their own validation, since additive changes keep version 1.
 */

const text = { type: 'string' } as const;

const actor = {
  type: 'object',
  description: 'Who made the call (CloudTrail alerts).',
  properties: {
    kind: { enum: [...ActorKindSchema.options] },
    display: { ...text, description: 'In words: "IAM user alice", "role deploy (session ci-42)".' },
    name: { ...text, description: 'User name, role name or service principal.' },
    arn: text,
    session: { ...text, description: "A session's name as its caller chose it; never an identity." },
    issuerArn: { ...text, description: 'The role or user that issued the session.' },
    accountId: text,
    crossAccount: { type: 'boolean', description: "The caller's account is not the event's account." },
  },
  required: ['kind', 'display', 'crossAccount'],
  additionalProperties: false,
} as const;

const alert = {
  type: 'object',
  properties: {
    id: { ...text, description: 'Stable per occurrence: the same event gives the same id.' },
    rule: { ...text, description: 'The rule that raised it (docs/rules.md).' },
    title: text,
    severity: { enum: [...SEVERITIES] },
    status: { enum: [...AlertSchema.shape.status.options] },
    kind: { enum: [...AlertSchema.shape.kind.options] },
    summary: { ...text, description: 'Who did what to which resource.' },
    verdict: { ...text, description: 'Whether it is dangerous now.' },
    account: {
      type: 'object',
      properties: { id: text, alias: text },
      required: ['id'],
      additionalProperties: false,
    },
    region: text,
    time: { ...text, description: 'When it happened, as the event says (RFC 3339 from EventBridge).' },
    actor,
    resource: {
      type: 'object',
      properties: { type: text, name: text, arn: text },
      required: ['type', 'name'],
      additionalProperties: false,
    },
    facts: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          label: text,
          value: { ...text, description: 'May hold several items, one per line.' },
        },
        required: ['label', 'value'],
        additionalProperties: false,
      },
    },
    links: {
      type: 'array',
      description: 'Built by cloud-alerts from AWS identifiers (console pages).',
      items: {
        type: 'object',
        properties: { text, url: { ...text, format: 'uri' } },
        required: ['text', 'url'],
        additionalProperties: false,
      },
    },
    evidence: {
      type: 'array',
      description: 'What AWS showed when the alert was raised: the metric, the errors, the history.',
      items: {
        type: 'object',
        properties: {
          kind: { enum: [...EVIDENCE_KINDS] },
          title: text,
          chart: { ...text, description: 'A sparkline: one row of U+2581–U+2588, "·" for no data.' },
          lines: { type: 'array', items: text },
        },
        required: ['kind', 'title', 'lines'],
        additionalProperties: false,
      },
    },
    dedupKey: { ...text, description: 'Equal for an alarm and its resolve, and across a group.' },
    eventId: { ...text, description: 'EventBridge id of the event that raised it.' },
    cloudTrailEventId: text,
    tags: { type: 'object', additionalProperties: text },
    attempted: { type: 'boolean', description: 'The call was denied: nothing changed, someone tried.' },
    covers: { type: 'integer', minimum: 1, description: 'How many alerts this one stands for.' },
  },
  required: [
    'id',
    'rule',
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
    'tags',
    'attempted',
    'covers',
  ],
  additionalProperties: false,
} as const;

export const WEBHOOK_BODY_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:cloud-alerts:webhook-body:1',
  title: 'cloud-alerts webhook body, version 1',
  description: `POSTed as application/json, at most ${WEBHOOK_BODY_MAX_BYTES} bytes, signed (X-Cloud-Alerts-Signature).`,
  type: 'object',
  properties: {
    version: { const: WEBHOOK_BODY_VERSION },
    type: { enum: ['alert.firing', 'alert.resolved', 'alert.summary'] },
    id: { ...text, description: 'Delivery id, stable per (alert, receiver): dedupe on it.' },
    receiver: { ...text, description: 'The receiver name in the cloud-alerts configuration.' },
    sentAt: { ...text, format: 'date-time', description: 'When this attempt was sent.' },
    truncated: { type: 'boolean', description: 'Some text was cut or some items dropped to fit.' },
    alert,
  },
  required: ['version', 'type', 'id', 'receiver', 'sentAt', 'truncated', 'alert'],
  additionalProperties: false,
} as const;
