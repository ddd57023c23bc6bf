import type { MessageAttributeValue, PublishCommandInput } from '@aws-sdk/client-sns';
import type { Alert } from '../events/alert.ts';
import { SNS_MESSAGE_MAX_BYTES } from './limits.ts';
import {
  asciiSubject,
  oneLine,
  plainText,
  TRUNCATION_MARKER,
  truncate,
  truncateBytes,
  utf8ByteLength,
} from './text.ts';

const BODY_TRUNCATION_MARKER = `\n${TRUNCATION_MARKER}`;

function accountLabel(alert: Alert): string {
  const alias = alert.account.alias === undefined ? '' : oneLine(alert.account.alias);
  return alias === '' ? alert.account.id : `${alias} (${alert.account.id})`;
}

/** `[CRITICAL] S3 bucket made public in production (123456789012)`; the account survives any cut. */
function subject(alert: Alert): string {
  const label = alert.status === 'resolved' ? 'RESOLVED' : alert.severity.toUpperCase();
  return asciiSubject(`[${label}] ${alert.title}`, `in ${accountLabel(alert)}`);
}

// Facts and links are one line each so a value holding "\nOpen console: https://evil" cannot forge a line.
function lines(alert: Alert): { body: string[]; tail: string[] } {
  const body = [oneLine(alert.summary)];
  if (alert.verdict !== undefined && alert.verdict.trim() !== '') body.push(plainText(alert.verdict).trim());
  if (alert.status === 'firing' && alert.attempted === true) {
    body.push('Attempted: the call was denied, nothing changed.');
  }
  if (alert.status === 'firing' && alert.facts.length > 0) {
    body.push('', ...alert.facts.map((fact) => `${oneLine(fact.label)}: ${oneLine(fact.value)}`));
  }
  const tail: string[] = [];
  if (alert.links.length > 0) {
    tail.push('', ...alert.links.map((link) => `${oneLine(link.text)}: ${oneLine(link.url)}`));
  }
  tail.push(
    '',
    `Account: ${accountLabel(alert)}`,
    `Region: ${oneLine(alert.region)}`,
    `Time: ${oneLine(alert.time)}`,
    `Rule: ${oneLine(alert.ruleId)}`,
    `Event ID: ${oneLine(alert.eventId)}`,
  );
  if (alert.cloudTrailEventId !== undefined)
    tail.push(`CloudTrail event ID: ${oneLine(alert.cloudTrailEventId)}`);
  return { body, tail };
}

function attributes(alert: Alert): Record<string, MessageAttributeValue> {
  return {
    severity: { DataType: 'String', StringValue: alert.severity },
    rule: { DataType: 'String', StringValue: truncate(oneLine(alert.ruleId) || 'unknown', 256) },
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
