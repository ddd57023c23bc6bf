import type { MessageAttributeValue, PublishCommandInput } from '@aws-sdk/client-sns';
import type { Alert, Fact } from '../../../events/alert.ts';
import { evidencePlainLines, shownEvidence } from '../../evidence.ts';
import {
  factItems,
  inlineText,
  oneLine,
  SUMMARY_LABEL,
  TRUNCATION_MARKER,
  truncate,
  truncateBytes,
  utf8ByteLength,
  VERDICT_LABEL,
} from '../../text.ts';
import { SNS_MESSAGE_MAX_BYTES } from './limits.ts';
import { asciiSubject } from './subject.ts';

const BODY_TRUNCATION_MARKER = `\n${TRUNCATION_MARKER}`;
/** Indents each item of a multi-item fact under its label. */
const ITEM_MARK = '  • ';
const EMPTY = '—';

function accountLabel(alert: Alert): string {
  const id = inlineText(alert.account.id);
  const alias = alert.account.alias === undefined ? '' : inlineText(alert.account.alias);
  return alias === '' ? id : `${alias} (${id})`;
}

/** `[CRITICAL] S3 bucket made public in production (123456789012)`; the account survives any cut. */
function subject(alert: Alert): string {
  const label = alert.status === 'resolved' ? 'RESOLVED' : alert.severity.toUpperCase();
  return asciiSubject(`[${label}] ${inlineText(alert.title)}`, `in ${accountLabel(alert)}`);
}

/** `Label: value`, or the label on its own line with one marked line per item. */
function factLines(fact: Fact): string[] {
  const label = inlineText(fact.label) || 'Fact';
  const items = factItems(fact.value);
  if (items.length <= 1) return [`${label}: ${items[0] ?? EMPTY}`];
  return [`${label}:`, ...items.map((item) => `${ITEM_MARK}${item}`)];
}

/**
 * Every line starts with a label or marker of ours and every event-derived value in it went through
 * {@link inlineText}, so a value holding "\nOpen console: https://evil" or "--- Approved by
 * security ---" stays inside its own line, after our label, without a clickable link.
 */
function lines(alert: Alert): { body: string[]; tail: string[] } {
  const body = [`${SUMMARY_LABEL} ${inlineText(alert.summary) || EMPTY}`];
  const verdict = alert.verdict === undefined ? '' : inlineText(alert.verdict);
  if (verdict !== '') body.push(`${VERDICT_LABEL} ${verdict}`);
  if (alert.status === 'firing' && alert.attempted === true) {
    body.push('Attempted: the call was denied, nothing changed.');
  }
  if (alert.status === 'firing' && alert.facts.length > 0) {
    body.push('', ...alert.facts.flatMap(factLines));
  }
  // Last in the body, so a body over the limit loses evidence before facts (renderEmail cuts its end).
  for (const section of shownEvidence(alert)) body.push('', ...evidencePlainLines(section));
  const tail: string[] = [];
  if (alert.links.length > 0) {
    // Our links, built from AWS identifiers: the one place a URL is left clickable.
    tail.push('', ...alert.links.map((link) => `${inlineText(link.text) || 'Link'}: ${oneLine(link.url)}`));
  }
  tail.push(
    '',
    `Account: ${accountLabel(alert)}`,
    `Region: ${inlineText(alert.region)}`,
    `Time: ${inlineText(alert.time)}`,
    `Rule: ${inlineText(alert.ruleId)}`,
    `Event ID: ${inlineText(alert.eventId)}`,
  );
  if (alert.cloudTrailEventId !== undefined)
    tail.push(`CloudTrail event ID: ${inlineText(alert.cloudTrailEventId)}`);
  return { body, tail };
}

function attributes(alert: Alert): Record<string, MessageAttributeValue> {
  return {
    severity: { DataType: 'String', StringValue: alert.severity },
    rule: { DataType: 'String', StringValue: truncate(inlineText(alert.ruleId) || 'unknown', 256) },
  };
}

function attributesBytes(values: Record<string, MessageAttributeValue>): number {
  let total = 0;
  for (const [name, value] of Object.entries(values)) {
    total +=
      utf8ByteLength(name) + utf8ByteLength(value.DataType ?? '') + utf8ByteLength(value.StringValue ?? '');
  }
  return total;
}

/**
 * Renders an alert as an SNS Publish to the e-mail topic: an ASCII subject, a plain-text body within
 * 256 KB (attributes included; long bodies are cut before the links and footer, which always stay),
 * and `severity` / `rule` attributes for subscription filter policies.
 */
export function renderEmail(alert: Alert, topicArn: string): PublishCommandInput {
  const messageAttributes = attributes(alert);
  const { body, tail } = lines(alert);
  const tailText = `\n${tail.join('\n')}`;
  const budget = SNS_MESSAGE_MAX_BYTES - attributesBytes(messageAttributes) - utf8ByteLength(tailText);
  const bodyText = truncateBytes(body.join('\n'), Math.max(0, budget), BODY_TRUNCATION_MARKER);
  const message = truncateBytes(
    bodyText + tailText,
    SNS_MESSAGE_MAX_BYTES - attributesBytes(messageAttributes),
  );
  return {
    TopicArn: topicArn,
    Subject: subject(alert),
    Message: message,
    MessageAttributes: messageAttributes,
  };
}
