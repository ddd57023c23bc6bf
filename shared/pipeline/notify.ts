import type { Config } from '../config/schema.ts';
import { type Channel, NotificationRequestSchema } from '../events/alert.ts';
import { EnvelopeSchema } from '../events/envelope.ts';
import { type DeliveryContext, deliverNotification, type Senders } from '../notify/deliver.ts';
import { isDeliveryError } from '../notify/errors.ts';
import type { LogPort } from './logger.ts';

export interface NotifyDeps {
  channel: Channel;
  config: Config;
  senders: Partial<Senders>;
  context: DeliveryContext;
  logger: LogPort;
}

export interface NotifyOutcome {
  status: 'rejected' | 'delivered';
  receiver?: string;
}

/**
 * A notifier's work: parse the request, render, send. A request that cannot be parsed is logged
 * and dropped (retrying cannot fix it); a failed delivery is thrown, so Lambda retries it and then
 * hands it to the function's on-failure queue — it is never swallowed.
 */
export async function handleNotification(event: unknown, deps: NotifyDeps): Promise<NotifyOutcome> {
  const envelope = EnvelopeSchema.safeParse(event);
  const request = envelope.success ? NotificationRequestSchema.safeParse(envelope.data.detail) : undefined;
  if (!envelope.success || !request?.success) {
    const issues = (envelope.success ? request?.error?.issues : envelope.error.issues) ?? [];
    const reason = issues
      .slice(0, 5)
      .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    deps.logger.error('notification request rejected', { reason });
    return { status: 'rejected' };
  }
  const req = request.data;
  if (req.channel !== deps.channel) {
    deps.logger.error('notification request for another channel', {
      channel: req.channel,
      expected: deps.channel,
      key: req.key,
    });
    return { status: 'rejected' };
  }
  try {
    await deliverNotification(req, deps.config, deps.context, deps.senders);
  } catch (err) {
    deps.logger.error('delivery failed', {
      key: req.key,
      receiver: req.receiver,
      retryable: isDeliveryError(err) ? err.retryable : undefined,
      error: err instanceof Error ? err.message : String(err),
    });
    throw err;
  }
  deps.logger.info('delivered', {
    key: req.key,
    receiver: req.receiver,
    rule: req.alert.ruleId,
    severity: req.alert.severity,
  });
  return { status: 'delivered', receiver: req.receiver };
}
