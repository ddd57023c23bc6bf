import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { receiverChannel } from '../config/receivers.ts';
import type { Config, EmailReceiver, Receiver } from '../config/schema.ts';
import type { NotificationRequest } from '../events/alert.ts';
import { renderEmail } from './email.ts';
import { DeliveryError } from './errors.ts';
import { type PagerDutyEvent, renderPagerDuty } from './pagerduty.ts';
import { renderSlack, type SlackMessage } from './slack.ts';

export interface Senders {
  slack: { send(webhookUrl: string, message: SlackMessage): Promise<void> };
  pagerduty: { send(event: PagerDutyEvent): Promise<void> };
  email: { send(input: PublishCommandInput): Promise<unknown> };
}

export interface DeliveryContext {
  /** The receiver's webhook URL or routing key (from SSM in Lambda, from the environment locally). */
  secret(receiver: Receiver): string | undefined;
  /**
   * Why the secret is not there, when it is not: where it was looked for and what to do, never a
   * value (shared/aws/secrets.ts). It becomes the dead-letter reason.
   */
  secretProblem?(receiver: Receiver): string | undefined;
  /** The stack's own topic, for receivers configured with `topicArn: stack`. */
  stackTopicArn: string | undefined;
}

export type Rendered =
  | { channel: 'slack'; receiver: string; body: SlackMessage }
  | { channel: 'pagerduty'; receiver: string; body: PagerDutyEvent }
  | { channel: 'email'; receiver: string; body: PublishCommandInput };

function permanent(request: NotificationRequest, reason: string): DeliveryError {
  return new DeliveryError({ channel: request.channel, retryable: false, reason });
}

function missingSecret(
  request: NotificationRequest,
  receiver: Receiver,
  ctx: DeliveryContext,
): DeliveryError {
  const what = 'slack' in receiver ? 'webhook URL' : 'routing key';
  const problem = ctx.secretProblem?.(receiver);
  return permanent(request, `receiver ${receiver.name}: ${problem ?? `${what} not available`}`);
}

function topicOf(receiver: EmailReceiver, ctx: DeliveryContext, request: NotificationRequest): string {
  const arn = receiver.email.topicArn === 'stack' ? ctx.stackTopicArn : receiver.email.topicArn;
  if (!arn) throw permanent(request, `receiver ${receiver.name}: no topic ARN (ALERTS_TOPIC_ARN is not set)`);
  return arn;
}

/** The exact body each channel is sent; replay prints it, the notifiers post it. */
export function renderNotification(
  request: NotificationRequest,
  config: Config,
  ctx: DeliveryContext,
): Rendered {
  const receiver = config.receivers.find((r) => r.name === request.receiver);
  if (!receiver) throw permanent(request, `unknown receiver "${request.receiver}"`);
  if (receiverChannel(receiver) !== request.channel) {
    throw permanent(request, `receiver "${receiver.name}" is not a ${request.channel} receiver`);
  }
  const { alert } = request;
  if ('slack' in receiver) {
    const mention = receiver.slack.mention;
    const mentionThis = mention && alert.status === 'firing' && mention.severities.includes(alert.severity);
    return {
      channel: 'slack',
      receiver: receiver.name,
      body: renderSlack(alert, mentionThis ? { mention: mention.target } : {}),
    };
  }
  if ('pagerduty' in receiver) {
    const key = ctx.secret(receiver);
    if (!key) throw missingSecret(request, receiver, ctx);
    return { channel: 'pagerduty', receiver: receiver.name, body: renderPagerDuty(alert, key) };
  }
  return {
    channel: 'email',
    receiver: receiver.name,
    body: renderEmail(alert, topicOf(receiver, ctx, request)),
  };
}

/** Each notifier bundles only its own channel's sender, hence Partial. */
export async function deliverNotification(
  request: NotificationRequest,
  config: Config,
  ctx: DeliveryContext,
  senders: Partial<Senders>,
): Promise<Rendered> {
  const rendered = renderNotification(request, config, ctx);
  const missing = () => permanent(request, `no ${rendered.channel} sender in this function`);
  switch (rendered.channel) {
    case 'slack': {
      const receiver = config.receivers.find((r) => r.name === rendered.receiver);
      if (!receiver) throw permanent(request, `unknown receiver "${rendered.receiver}"`);
      const url = ctx.secret(receiver);
      if (!url) throw missingSecret(request, receiver, ctx);
      if (!senders.slack) throw missing();
      await senders.slack.send(url, rendered.body);
      break;
    }
    case 'pagerduty':
      if (!senders.pagerduty) throw missing();
      await senders.pagerduty.send(rendered.body);
      break;
    case 'email':
      if (!senders.email) throw missing();
      await senders.email.send(rendered.body);
      break;
  }
  return rendered;
}

/** Context key under which shared/aws/secrets.ts stores a receiver's secret. */
export function secretKey(receiverName: string): string {
  return `secret_${receiverName.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** Context key under which shared/aws/secrets.ts says why a receiver's secret could not be read. */
export function secretProblemKey(receiverName: string): string {
  return `secretProblem_${receiverName.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** Local runs (`replay --send`) read secrets from CLOUD_ALERTS_SECRET_<RECEIVER_NAME>. */
export function envSecretName(receiverName: string): string {
  return `CLOUD_ALERTS_SECRET_${receiverName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
