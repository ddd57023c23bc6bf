import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { isRecord, str } from '../../../detect/values.ts';
import { EVIDENCE_INDENT, EVIDENCE_LABEL } from '../../evidence.ts';
import { previewLine as t } from '../preview.ts';
import type { ChannelPreview } from '../types.ts';

const EMAIL_PREVIEW_LINES = 6;

/**
 * The lines the terminal shows: the first EMAIL_PREVIEW_LINES, and each evidence section (its
 * `Evidence:` line and the indented lines under it) wherever it is, so replay shows what the
 * evidence looks like in the mail; `…` stands for each run of lines left out.
 */
function shownLines(message: readonly string[]): string[] {
  const out: string[] = [];
  let skipped = false;
  let inEvidence = false;
  const starts = (line: string | undefined) => line?.startsWith(`${EVIDENCE_LABEL} `) === true;
  message.forEach((line, i) => {
    inEvidence = starts(line) || (inEvidence && line.startsWith(EVIDENCE_INDENT));
    // The blank line before a section is kept too: sections read apart, as in the mail.
    const beforeEvidence = line === '' && starts(message[i + 1]);
    if (i < EMAIL_PREVIEW_LINES || inEvidence || beforeEvidence) {
      if (skipped) out.push('…');
      skipped = false;
      out.push(t(line));
    } else skipped = true;
  });
  if (skipped) out.push('…');
  return out;
}

function emailText(input: PublishCommandInput): string {
  const body: unknown = input;
  if (!isRecord(body)) return '';
  const message = (str(body.Message) ?? '').split('\n');
  return [
    `Subject: ${t(str(body.Subject))}`,
    `To: ${t(str(body.TopicArn))}`,
    '',
    ...shownLines(message),
  ].join('\n');
}

function emailHtml(input: PublishCommandInput, escapeHtml: (s: string) => string): string {
  const body: unknown = input;
  if (!isRecord(body)) return '';
  return `<div class="email"><div class="e-subject">${escapeHtml(str(body.Subject) ?? '')}</div>
<pre>${escapeHtml(str(body.Message) ?? '')}</pre></div>`;
}

export const emailPreview: ChannelPreview<PublishCommandInput> = { text: emailText, html: emailHtml };
