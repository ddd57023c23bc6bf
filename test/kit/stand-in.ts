import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { listenLocal, readBody } from '../helpers/http.ts';

/** What the vendor does with one request, as the conformance kit names it. */
export type Outcome =
  | 'accepted'
  | 'rejected'
  | 'unauthorized'
  | 'throttled'
  | 'throttled-date'
  | 'server-error'
  | 'unavailable'
  | 'timeout'
  | 'reset';

export const OUTCOMES: readonly Outcome[] = [
  'accepted',
  'rejected',
  'unauthorized',
  'throttled',
  'throttled-date',
  'server-error',
  'unavailable',
  'timeout',
  'reset',
];

export interface VendorReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface StandInRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SentReply {
  outcome: Outcome;
  /** When the reply left, epoch ms: what a Retry-After date is measured from. */
  at: number;
  reply?: VendorReply;
}

export interface StandIn {
  /** http://127.0.0.1:<port> */
  readonly base: string;
  /**
   * A fresh endpoint URL whose last segment is a long random token, so a channel whose secret is
   * its URL has a path worth leaking and the kit can tell one receiver's URL from another's.
   */
  url(label?: string): string;
  /** How the next requests are answered; set per test. */
  outcome: Outcome;
  readonly requests: StandInRequest[];
  readonly replies: SentReply[];
  close(): Promise<void>;
}

/** Retry-After in delay-seconds (RFC 9110 §10.2.3): the retry table expects 7000 ms from it. */
const RETRY_AFTER_SECONDS = '7';
/** Far enough ahead that a sender's clock a moment later still sees most of it. */
const RETRY_AFTER_DATE_AHEAD_MS = 30_000;

/**
 * The default vendor: plain HTTP. The bodies of refusals repeat the request's path and the start of
 * its body, as real vendors do ("routing_key X is not valid"), so a sender that copies the vendor's
 * words into its error must redact what it sent.
 */
function defaultReply(outcome: Outcome, path: string, body: string, now: number): VendorReply {
  const echo = `${path} ${body.slice(0, 300)}`;
  switch (outcome) {
    case 'accepted':
      return { status: 202, headers: { 'content-type': 'application/json' }, body: '{"status":"success"}' };
    case 'rejected':
      return { status: 400, body: `invalid_payload for ${echo}` };
    case 'unauthorized':
      return { status: 401, body: `invalid_token for ${echo}` };
    case 'throttled':
      return { status: 429, headers: { 'retry-after': RETRY_AFTER_SECONDS }, body: 'rate_limited' };
    case 'throttled-date': {
      // HTTP dates have whole seconds: round up so the wait is never shorter than intended.
      const at = Math.ceil((now + RETRY_AFTER_DATE_AHEAD_MS) / 1000) * 1000;
      return { status: 429, headers: { 'retry-after': new Date(at).toUTCString() }, body: 'rate_limited' };
    }
    case 'server-error':
      return { status: 500, body: '<html><body>Internal Server Error</body></html>' };
    default:
      return { status: 503, body: 'service_unavailable' };
  }
}

function send(res: ServerResponse, reply: VendorReply): void {
  const body = reply.body ?? '';
  res.writeHead(reply.status, {
    'content-type': body.trimStart().startsWith('{') ? 'application/json' : 'text/plain',
    ...reply.headers,
  });
  res.end(body);
}

/**
 * A vendor on 127.0.0.1 at a free port that records every request and answers per `outcome`:
 * `replies` overrides the answer of the HTTP outcomes; `timeout` never answers and `reset` destroys
 * the socket, whatever `replies` says.
 */
export async function startStandIn(replies: Partial<Record<Outcome, VendorReply>> = {}): Promise<StandIn> {
  const requests: StandInRequest[] = [];
  const sent: SentReply[] = [];
  const hanging = new Set<ServerResponse>();
  const state = { outcome: 'accepted' as Outcome };
  const server = createServer((req, res) => {
    const outcome = state.outcome;
    const path = req.url ?? '';
    if (outcome === 'reset') {
      requests.push({ method: req.method ?? '', path, headers: req.headers, body: '' });
      sent.push({ outcome, at: Date.now() });
      req.socket.destroy();
      return;
    }
    readBody(req).then(
      (body) => {
        requests.push({ method: req.method ?? '', path, headers: req.headers, body });
        if (outcome === 'timeout') {
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          sent.push({ outcome, at: Date.now() });
          return;
        }
        const at = Date.now();
        const reply = replies[outcome] ?? defaultReply(outcome, path, body, at);
        sent.push({ outcome, at, reply });
        send(res, reply);
      },
      () => res.destroy(),
    );
  });
  const base = await listenLocal(server);
  return {
    base,
    url: (label = 'hook') => `${base}/${label}/${randomBytes(18).toString('base64url')}`,
    get outcome() {
      return state.outcome;
    },
    set outcome(value: Outcome) {
      state.outcome = value;
    },
    requests,
    replies: sent,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const res of hanging) res.destroy();
        // fetch keeps connections alive; close them or server.close() waits for them forever.
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
