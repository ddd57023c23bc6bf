import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from '../../../shared/notify/channels/webhook/verify.ts';
import { listenLocal } from '../../helpers/http.ts';

/**
 * A webhook receiver on 127.0.0.1 that does what docs/configuration.md tells users to do: verify the
 * signature over the raw bytes before parsing, refuse stale timestamps, and process each delivery id
 * once. Stands in for the conformance kit's vendor until that lands.
 */

/** What the receiver does with a request whose signature checked out (path: `/<case>/…`). */
export type Answer =
  | { kind: 'process' }
  | { kind: 'reply'; status: number; body?: string; headers?: Record<string, string> }
  /** Takes the delivery, then never answers: the sender times out and retries a delivery that arrived. */
  | { kind: 'process-then-hang' }
  /** Never answers; nothing is processed. */
  | { kind: 'hang' }
  /** Drops the connection before answering; nothing is processed. */
  | { kind: 'drop' };

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  /** The body exactly as it arrived. */
  raw: Buffer;
}

export interface Processed {
  id: string;
  document: Record<string, unknown>;
}

export interface WebhookReceiver {
  url: string;
  /** Every request, verified or not, for replaying one by hand. */
  requests: ReceivedRequest[];
  /** Verified deliveries, each id once. */
  processed: Processed[];
  /** Verified deliveries whose id had been processed already: answered 200, not processed again. */
  duplicates: string[];
  /** Why requests were refused (401 / 400), in order. */
  refused: string[];
  close(): Promise<void>;
}

export interface WebhookReceiverOptions {
  secret: string;
  /** The receiver's clock, epoch ms. */
  now?: () => number;
  /** The answer per path; `process` unless said otherwise. */
  answer?: (path: string) => Answer;
}

function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function idOf(document: unknown): string | undefined {
  if (typeof document !== 'object' || document === null || !('id' in document)) return undefined;
  return typeof document.id === 'string' ? document.id : undefined;
}

export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const { secret, now = Date.now, answer = () => ({ kind: 'process' }) } = options;
  const state = {
    requests: [] as ReceivedRequest[],
    processed: [] as Processed[],
    duplicates: [] as string[],
    refused: [] as string[],
  };
  const seen = new Set<string>();
  const hanging = new Set<ServerResponse>();

  const refuse = (res: ServerResponse, status: number, reason: string): void => {
    state.refused.push(reason);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(reason);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = req.url ?? '';
    const plan = answer(path);
    if (plan.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    const raw = await readRaw(req);
    state.requests.push({ path, headers: req.headers, raw });

    // 1. The signature over the raw bytes, before anything looks inside them.
    const verdict = verifyWebhookSignature({
      secret,
      timestamp: header(req, TIMESTAMP_HEADER),
      signature: header(req, SIGNATURE_HEADER),
      body: raw,
      now: now(),
    });
    if (!verdict.ok) return refuse(res, 401, verdict.reason);

    // 2. Only now parse; dedupe on the signed id, which the header must repeat.
    let document: Record<string, unknown>;
    try {
      document = JSON.parse(raw.toString('utf8'));
    } catch {
      return refuse(res, 400, 'not JSON');
    }
    const id = idOf(document);
    if (id === undefined || id !== header(req, DELIVERY_HEADER))
      return refuse(res, 400, 'delivery id mismatch');

    if (plan.kind === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (plan.kind === 'reply') {
      res.writeHead(plan.status, { 'content-type': 'text/plain', ...plan.headers }).end(plan.body ?? '');
      return;
    }
    // 3. A repeat of a processed id is a retry after a lost answer or a replay: never processed twice,
    // answered 2xx so that a genuine retry stops.
    if (seen.has(id)) {
      state.duplicates.push(id);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('duplicate');
      return;
    }
    seen.add(id);
    state.processed.push({ id, document });
    if (plan.kind === 'process-then-hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    res.writeHead(204).end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  const url = await listenLocal(server);
  return Object.assign(state, {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
