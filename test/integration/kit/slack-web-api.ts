import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocal, readBody } from '../../helpers/http.ts';

/**
 * A Slack Web API stand-in on 127.0.0.1: chat.postMessage and chat.update with threads, as the
 * method pages describe them (https://docs.slack.dev/reference/methods/chat.postMessage,
 * https://docs.slack.dev/reference/methods/chat.update). It answers HTTP 200 with `{ok:false,error}`
 * for every refusal, and HTTP 429 + Retry-After + `{ok:false,error:"ratelimited"}` over one post per
 * second per channel or 50 updates per minute
 * (https://docs.slack.dev/apis/web-api/rate-limits). Time is the test's clock, so a Retry-After is
 * waited out by advancing it, not by sleeping.
 */

export interface StandInMessage {
  ts: string;
  /** The token that posted it: only that app may edit it. */
  by: string;
  text: string;
  blocks: unknown[];
  threadTs?: string;
  edited: boolean;
  /** Replies in its thread, oldest first (top-level messages only). */
  replies: StandInMessage[];
}

interface ChannelState {
  botIn: Set<string>;
  archived: boolean;
  messages: Map<string, StandInMessage>;
  lastPostAt?: number;
  updatesInMinute: { since: number; count: number };
}

export interface StandInRequest {
  method: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

export interface InjectedFailure {
  error: string;
  status?: number;
  headers?: Record<string, string>;
}

export interface SlackWebApiStandIn {
  /** The base URL the sender is given (`…/api`). */
  baseUrl: string;
  requests: StandInRequest[];
  /** Top-level messages of a channel, oldest first. */
  messages(channel: string): StandInMessage[];
  /** Deletes a message as a person would (its replies go with it). */
  deleteMessage(channel: string, ts: string): void;
  /** Removes the bot of `token` from the channel, as `/remove @app` would. */
  removeBot(channel: string, token: string): void;
  /** The next call of `method` answers with this failure instead. */
  failNext(method: string, failure: InjectedFailure): void;
  close(): Promise<void>;
}

export interface StandInOptions {
  /** Bot tokens Slack knows. */
  tokens: readonly string[];
  /** Channel IDs, each with every known token's bot in it. */
  channels: readonly string[];
  now: () => number;
}

const POST_INTERVAL_MS = 1000;
const UPDATES_PER_MINUTE = 50;

export async function startSlackWebApi(options: StandInOptions): Promise<SlackWebApiStandIn> {
  const { now } = options;
  const requests: StandInRequest[] = [];
  const injected = new Map<string, InjectedFailure[]>();
  const channels = new Map<string, ChannelState>(
    options.channels.map((id) => [
      id,
      {
        botIn: new Set(options.tokens),
        archived: false,
        messages: new Map(),
        updatesInMinute: { since: 0, count: 0 },
      },
    ]),
  );
  let sequence = 0;
  const nextTs = () => `${Math.floor(now() / 1000)}.${String(++sequence).padStart(6, '0')}`;

  const reply = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, error: string) => reply(res, 200, { ok: false, error });
  const limited = (res: ServerResponse, seconds: number) =>
    reply(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(seconds) });

  function postMessage(res: ServerResponse, token: string, args: Record<string, unknown>) {
    const channel = typeof args.channel === 'string' ? channels.get(args.channel) : undefined;
    if (channel === undefined) return fail(res, 'channel_not_found');
    if (!channel.botIn.has(token)) return fail(res, 'not_in_channel');
    if (channel.archived) return fail(res, 'is_archived');
    if (typeof args.text !== 'string' || !Array.isArray(args.blocks)) return fail(res, 'invalid_arguments');
    const at = now();
    if (channel.lastPostAt !== undefined && at - channel.lastPostAt < POST_INTERVAL_MS)
      return limited(res, 1);
    let parent: StandInMessage | undefined;
    if (args.thread_ts !== undefined) {
      parent = typeof args.thread_ts === 'string' ? channel.messages.get(args.thread_ts) : undefined;
      if (parent === undefined) return fail(res, 'thread_not_found');
    }
    channel.lastPostAt = at;
    const message: StandInMessage = {
      ts: nextTs(),
      by: token,
      text: args.text,
      blocks: args.blocks,
      edited: false,
      replies: [],
      ...(parent === undefined ? {} : { threadTs: parent.ts }),
    };
    if (parent === undefined) channel.messages.set(message.ts, message);
    else parent.replies.push(message);
    reply(res, 200, {
      ok: true,
      channel: args.channel,
      ts: message.ts,
      message: { type: 'message', text: message.text, ts: message.ts },
    });
  }

  function update(res: ServerResponse, token: string, args: Record<string, unknown>) {
    // chat.update takes the ID only; a "#name" is not a channel it knows.
    const channel = typeof args.channel === 'string' ? channels.get(args.channel) : undefined;
    if (channel === undefined) return fail(res, 'channel_not_found');
    const at = now();
    const window = channel.updatesInMinute;
    if (at - window.since >= 60_000) {
      window.since = at;
      window.count = 0;
    }
    if (window.count >= UPDATES_PER_MINUTE)
      return limited(res, Math.ceil((window.since + 60_000 - at) / 1000));
    window.count++;
    const message = typeof args.ts === 'string' ? channel.messages.get(args.ts) : undefined;
    if (message === undefined) return fail(res, 'message_not_found');
    if (message.by !== token) return fail(res, 'cant_update_message');
    if (typeof args.text !== 'string' || !Array.isArray(args.blocks)) return fail(res, 'invalid_arguments');
    message.text = args.text;
    message.blocks = args.blocks;
    message.edited = true;
    reply(res, 200, { ok: true, channel: args.channel, ts: message.ts, text: message.text });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    const method = (req.url ?? '').replace(/^\/api\//, '');
    requests.push({
      method,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body,
    });
    const queued = injected.get(method);
    const failure = queued?.shift();
    if (failure !== undefined) {
      return reply(res, failure.status ?? 200, { ok: false, error: failure.error }, failure.headers);
    }
    const auth = req.headers.authorization;
    if (auth === undefined) return fail(res, 'not_authed');
    const token = auth.replace(/^Bearer /, '');
    if (!options.tokens.includes(token)) return fail(res, 'invalid_auth');
    let args: Record<string, unknown>;
    try {
      args = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return fail(res, 'invalid_json');
    }
    if (method === 'chat.postMessage') return postMessage(res, token, args);
    if (method === 'chat.update') return update(res, token, args);
    fail(res, 'unknown_method');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  const url = await listenLocal(server);
  return {
    baseUrl: `${url}/api`,
    requests,
    messages: (channel) => [...(channels.get(channel)?.messages.values() ?? [])],
    deleteMessage(channel, ts) {
      channels.get(channel)?.messages.delete(ts);
    },
    removeBot(channel, token) {
      channels.get(channel)?.botIn.delete(token);
    },
    failNext(method, failure) {
      injected.set(method, [...(injected.get(method) ?? []), failure]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
