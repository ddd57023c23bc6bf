import { DeliveryError } from '../../errors.ts';
import { type FetchLike, postJson } from '../../http.ts';
import type { ChannelSender } from '../types.ts';
import type { SlackMessage } from './render.ts';
import type { SlackSettings } from './settings.ts';

export interface SlackSenderOptions {
  fetchImpl?: FetchLike | undefined;
  timeoutMs?: number | undefined;
}

export interface SlackSender {
  send(webhookUrl: string, message: SlackMessage): Promise<void>;
}

/** Posts to an incoming webhook; the URL is the secret, and postJson keeps it out of every error. */
export function createSlackSender(options: SlackSenderOptions = {}): SlackSender {
  const { fetchImpl, timeoutMs = 5000 } = options;
  return {
    async send(webhookUrl, message) {
      await postJson({ url: webhookUrl, body: message, channel: 'slack', timeoutMs, fetchImpl });
    },
  };
}

/** The plug-in's sender over a webhook client: the URL is the receiver's secret. */
export function slackChannelSender(client: SlackSender): ChannelSender<SlackMessage, SlackSettings> {
  return {
    async send(body, target) {
      if (!target.secret) {
        throw new DeliveryError({
          channel: 'slack',
          retryable: false,
          reason: `receiver ${target.receiver}: webhook URL not available`,
        });
      }
      await client.send(target.secret, body);
    },
  };
}
