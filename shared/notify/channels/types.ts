import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod/mini';
import type { Alert, NotificationRequest } from '../../events/alert.ts';
import type { BudgetLimits } from '../../state/send-budget.ts';
import type { FetchLike } from '../http.ts';

/**
 * A channel is a plug-in: one folder under shared/notify/channels/ holds its receiver settings, its
 * renderer, its sender, the secret and the AWS access it needs, and its previews. The registry
 * (registry.ts) lists them; delivery, replay, backtest previews, the CLI, the config checks, the
 * template checks and the notifier functions in serverless.yml iterate it instead of naming channels.
 *
 * A notifier function imports only its own plug-in, so its bundle carries one channel. Nothing a
 * Lambda function loads at run time imports the registry.
 */

/** Where a receiver keeps its secret: one SSM SecureString parameter of the stack's account and region. */
export interface SecretSpec {
  parameter: string;
  /** The customer managed key the parameter is encrypted with; none for aws/ssm. */
  kmsKeyArn?: string | undefined;
  /** The settings field that names the parameter ("webhookUrlParameter"), for messages with a config path. */
  field: string;
  /** What the value is, in words: "webhook URL", "routing key", "bot token", "signing secret". */
  what: string;
  /** The placeholder in the `aws ssm put-parameter` command a message suggests: "<Slack incoming webhook URL>". */
  example: string;
}

/** An SNS topic a receiver publishes to (e-mail): granted sns:Publish and its key. */
export interface TopicSpec {
  /** `stack` for the stack's own topic, else the topic's ARN. */
  topicArn: string;
  kmsKeyArn?: string | undefined;
  field: string;
}

export interface RenderContext {
  /** The receiver's secret, for a channel whose body carries it (PagerDuty's routing key). */
  secret: string | undefined;
  /** The stack's topic, for e-mail receivers configured with `topicArn: stack`. */
  stackTopicArn: string | undefined;
  /**
   * The request being delivered, for a body that names the delivery (the webhook's delivery id), so
   * replay shows it as sent. Absent when a body is rendered for an alert alone.
   */
  request?: NotificationRequest | undefined;
}

/** Everything a sender is told about one delivery besides the body. */
export interface SendTarget<S> {
  /** The receiver's name. */
  receiver: string;
  settings: S;
  /** The receiver's secret read from SSM (or the environment locally); undefined when it has none. */
  secret: string | undefined;
  request: NotificationRequest;
}

/**
 * Sends one rendered body. Resolves when the vendor accepted it; otherwise throws a DeliveryError
 * (shared/notify/errors.ts): retryable for 429, 5xx, timeouts and resets (with retryAfterMs when the
 * vendor said), permanent for the rest. No secret in any message, cause or log line.
 */
export interface ChannelSender<B, S> {
  send(body: B, target: SendTarget<S>): Promise<void>;
}

/** The state table, for channels that remember something per alert (Slack app threads). */
export interface StateTable {
  tableName: string;
  client: DynamoDBDocumentClient;
}

/** What a sender may be built with; each channel uses what it needs and defaults the rest. */
export interface SenderOptions {
  fetchImpl?: FetchLike | undefined;
  timeoutMs?: number | undefined;
  /** For Retry-After given as an HTTP date, signatures' timestamps and state expiry; epoch ms. */
  now?: (() => number) | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Present in Lambda (the notifier's role may touch the channel's `stateKeyPrefixes` only). */
  state?: StateTable | undefined;
  /** The notifier's logger, for what a sender notes but does not fail on (a state write that failed). */
  logger?: SenderLog | undefined;
}

/** The slice of a logger a sender may use (Powertools Logger and the pipeline's LogPort fit). */
export interface SenderLog {
  warn(message: string, ...extra: Record<string, unknown>[]): void;
}

/** How a notifier of this channel is deployed (generated into the template from the registry). */
export interface ChannelDeploy {
  /**
   * The PascalCase part of the channel's logical ids: Notify<id>Role, Notify<id>Dlq,
   * Notify<id>FlushQueue, notify<id> (the function). Fixed once released: a new logical id replaces
   * the resource, and with it a dead-letter queue's messages.
   */
  id: string;
  /** The function's description in the console. */
  description: string;
  /**
   * Key prefixes in the state table that this channel's notifier may read and write besides its
   * send budgets and overflow tallies (IAM dynamodb:LeadingKeys), e.g. `slackmsg#`.
   */
  stateKeyPrefixes?: readonly string[] | undefined;
  /** Extra environment for the function: name → CloudFormation value. */
  environment?: Readonly<Record<string, string | Record<string, unknown>>> | undefined;
}

/** What the report knows of the alert behind a preview. */
export interface PreviewAlert {
  severity: string;
}

/** A channel's previews: what replay prints and what the backtest report shows, from the exact body. */
export interface ChannelPreview<B> {
  /** Plain text for the terminal, a line per element; no ANSI, already inert. */
  text(body: B): string;
  /**
   * HTML for the report; every string escaped (shared/backtest/html.ts escapes with `escapeHtml`).
   * `alert` is what the body was rendered from, for a channel whose own words differ from ours
   * (PagerDuty's "error" for our "high").
   */
  html(body: B, escapeHtml: (s: string) => string, alert?: PreviewAlert): string;
  /**
   * The report's style rules for the classes `html` uses, prefixed by the channel's own class so no
   * two channels collide. Added to the report's one stylesheet (its CSP hashes it): no markup, no url().
   */
  css?: string | undefined;
}

export interface ChannelPlugin<Name extends string = string, S = unknown, B = unknown> {
  /** The channel: the key of the receiver's settings in the configuration and the function `notify-<name>`. */
  readonly name: Name;
  /** For people: "Slack", "Microsoft Teams". */
  readonly title: string;
  /**
   * The receiver's settings under its key: a strict zod schema (an object, or a union of modes).
   * zod/mini's type, which classic schemas satisfy too: the notifier bundles its plug-in, and a
   * schema written with zod/mini keeps zod classic out of the functions (cold-start.test.ts).
   */
  readonly settings: z.ZodMiniType<S>;
  /** The SSM parameter holding the receiver's secret, if it has one. */
  secret(settings: S): SecretSpec | undefined;
  /** The SNS topic the receiver publishes to, if any. */
  topic?(settings: S): TopicSpec | undefined;
  /** The receiver's send budget unless it sets its own; the vendor's documented limit cited where defined. */
  readonly budget: Readonly<BudgetLimits>;
  /**
   * What the vendor rate-limits for this receiver (webhook URL, routing key, topic, bot token and
   * channel): the send budget's bucket is a digest of it. Undefined when unknown (delivery fails anyway).
   */
  budgetIdentity(settings: S, ctx: RenderContext): string | undefined;
  /**
   * The exact body sent for `alert`. Throws a DeliveryError (permanent) when it cannot be rendered
   * for this receiver (no routing key, no topic).
   */
  render(alert: Alert, settings: S, ctx: RenderContext): B;
  /** The body as replay prints and the report shows it: secrets it carries replaced by a placeholder. */
  shown(body: B, settings: S): unknown;
  readonly preview: ChannelPreview<B>;
  createSender(options?: SenderOptions): ChannelSender<B, S>;
  /**
   * What `serverless invoke local` prints the sender would do with the body ("POST to <url>", "call
   * SNS Publish"); the secret in `target` is the placeholder naming its parameter. "send" if absent.
   */
  describeSend?(target: SendTarget<S>): string;
  /**
   * Channels whose triggers open something a resolve must close (PagerDuty incidents): the key of that
   * something for an alert. Such a resolve is never folded (shared/pipeline/notify.ts).
   */
  incidentKey?(alert: Alert): string;
  readonly deploy: ChannelDeploy;
}

/** Any plug-in, as the registry holds them. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds plug-ins of every settings and body type
export type AnyChannelPlugin = ChannelPlugin<string, any, any>;
