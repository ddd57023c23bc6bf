import type { Config, Receiver } from '../config/schema.ts';
import type { NotificationRequest } from '../events/alert.ts';
import type {
  AnyChannelPlugin,
  ChannelPlugin,
  ChannelSender,
  RenderContext,
  SendTarget,
} from './channels/types.ts';
import { DeliveryError, isDeliveryError } from './errors.ts';

export interface DeliveryContext {
  /** The receiver's secret (from SSM in Lambda, from the environment locally), if its channel has one. */
  secret(receiver: Receiver): string | undefined;
  /**
   * Why the secret is not there, when it is not: where it was looked for and what to do, never a
   * value (shared/aws/secrets.ts). It becomes the dead-letter reason.
   */
  secretProblem?(receiver: Receiver): string | undefined;
  /** The stack's own topic, for receivers configured with `topicArn: stack`. */
  stackTopicArn: string | undefined;
}

/** The exact body a receiver is sent, by its channel's plug-in. */
export interface Rendered<B = unknown> {
  channel: NotificationRequest['channel'];
  receiver: string;
  body: B;
}

type BodyOf<P> = P extends ChannelPlugin<string, unknown, infer B> ? B : never;

function permanent(request: NotificationRequest, reason: string): DeliveryError {
  return new DeliveryError({ channel: request.channel, retryable: false, reason });
}

/** The receiver a request names and its settings for `plugin`; anything else is a permanent failure. */
export function receiverFor(
  request: NotificationRequest,
  config: Config,
  plugin: AnyChannelPlugin,
): { receiver: Receiver; settings: unknown } {
  const receiver = config.receivers.find((r) => r.name === request.receiver);
  if (!receiver) throw permanent(request, `unknown receiver "${request.receiver}"`);
  if (!(plugin.name in receiver) || request.channel !== plugin.name) {
    throw permanent(request, `receiver "${receiver.name}" is not a ${request.channel} receiver`);
  }
  return { receiver, settings: Reflect.get(receiver, plugin.name) };
}

/** The receiver's secret, or the permanent failure that says why it is missing (never a value). */
function secretOf(
  request: NotificationRequest,
  receiver: Receiver,
  settings: unknown,
  plugin: AnyChannelPlugin,
  ctx: DeliveryContext,
): string | undefined {
  const spec = plugin.secret(settings);
  if (spec === undefined) return undefined;
  const secret = ctx.secret(receiver);
  if (secret) return secret;
  const problem = ctx.secretProblem?.(receiver);
  throw permanent(request, `receiver ${receiver.name}: ${problem ?? `${spec.what} not available`}`);
}

/** A request's receiver, its settings and its secret, each refusal a permanent failure with its reason. */
function prepare(
  request: NotificationRequest,
  config: Config,
  ctx: DeliveryContext,
  plugin: AnyChannelPlugin,
): SendTarget<unknown> {
  const { receiver, settings } = receiverFor(request, config, plugin);
  return {
    receiver: receiver.name,
    settings,
    secret: secretOf(request, receiver, settings, plugin, ctx),
    request,
  };
}

function render<P extends AnyChannelPlugin>(
  target: SendTarget<unknown>,
  ctx: DeliveryContext,
  plugin: P,
): Rendered<BodyOf<P>> {
  const { request } = target;
  const rctx: RenderContext = { secret: target.secret, stackTopicArn: ctx.stackTopicArn, request };
  try {
    return {
      channel: request.channel,
      receiver: target.receiver,
      body: plugin.render(request.alert, target.settings, rctx),
    };
  } catch (err) {
    // A plug-in cannot name the receiver; the dead-letter reason does.
    if (isDeliveryError(err) && !err.retryable) {
      throw permanent(request, `receiver ${target.receiver}: ${err.reason}`);
    }
    throw err;
  }
}

/**
 * The exact body the receiver's channel is sent; replay prints it, the notifiers post it. `plugin`
 * is the notifier's own (a function bundles no other); the CLI passes requirePlugin(request.channel).
 */
export function renderNotification<P extends AnyChannelPlugin>(
  request: NotificationRequest,
  config: Config,
  ctx: DeliveryContext,
  plugin: P,
): Rendered<BodyOf<P>> {
  return render(prepare(request, config, ctx, plugin), ctx, plugin);
}

/** Renders and sends with the notifier's own channel's sender (plugin.createSender()). */
export async function deliverNotification<P extends AnyChannelPlugin>(
  request: NotificationRequest,
  config: Config,
  ctx: DeliveryContext,
  plugin: P,
  sender: ChannelSender<BodyOf<P>, unknown>,
): Promise<Rendered<BodyOf<P>>> {
  const target = prepare(request, config, ctx, plugin);
  const rendered = render(target, ctx, plugin);
  await sender.send(rendered.body, target);
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
