import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { isRecord, str } from '../../../detect/values.ts';
import { previewLine as t } from '../preview.ts';
import type { ChannelPreview } from '../types.ts';

const EMAIL_PREVIEW_LINES = 6;

function emailText(input: PublishCommandInput): string {
  const body: unknown = input;
  if (!isRecord(body)) return '';
  const message = (str(body.Message) ?? '').split('\n');
  return [
    `Subject: ${t(str(body.Subject))}`,
    `To: ${t(str(body.TopicArn))}`,
    '',
    ...message.slice(0, EMAIL_PREVIEW_LINES).map(t),
    ...(message.length > EMAIL_PREVIEW_LINES ? ['…'] : []),
  ].join('\n');
}

function emailHtml(input: PublishCommandInput, escapeHtml: (s: string) => string): string {
  const body: unknown = input;
  if (!isRecord(body)) return '';
  return `<div class="email"><div class="e-subject">${escapeHtml(str(body.Subject) ?? '')}</div>
<pre>${escapeHtml(str(body.Message) ?? '')}</pre></div>`;
}

export const emailPreview: ChannelPreview<PublishCommandInput> = { text: emailText, html: emailHtml };
