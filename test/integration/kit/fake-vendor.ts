import { createServer, type ServerResponse } from 'node:http';
import { listenLocal, readBody } from '../../helpers/http.ts';

/** What the fake Slack or PagerDuty does with one request. */
export type Behaviour =
  | { kind: 'reply'; status: number; body: string; headers?: Record<string, string> }
  /** Never answers: the client's timeout fires first. The request is not processed. */
  | { kind: 'hang' }
  /**
   * Processes the request (it counts as accepted), then never answers: the vendor took the message and
   * the client's timeout fires anyway, the at-least-once edge of docs/failure-handling.md.
   */
  | { kind: 'accept-then-hang' }
  /** Drops the connection before answering. The request is not processed. */
  | { kind: 'drop' };

export interface Accepted {
  path: string;
  body: string;
}

export interface FakeVendor {
  url: string;
  /** Requests answered with a 2xx: what the vendor actually took. */
  accepted: Accepted[];
  requests: number;
  close(): Promise<void>;
}

/** A fake vendor endpoint on 127.0.0.1 (free port) whose every answer `decide` picks. */
export async function startFakeVendor(
  decide: (path: string, body: string) => Behaviour,
): Promise<FakeVendor> {
  const accepted: Accepted[] = [];
  const hanging = new Set<ServerResponse>();
  const vendor = { accepted, requests: 0 };
  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        vendor.requests++;
        const path = req.url ?? '';
        const behaviour = decide(path, body);
        if (behaviour.kind === 'drop') {
          req.socket.destroy();
          return;
        }
        if (behaviour.kind === 'hang' || behaviour.kind === 'accept-then-hang') {
          if (behaviour.kind === 'accept-then-hang') accepted.push({ path, body });
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        }
        if (behaviour.status >= 200 && behaviour.status < 300) accepted.push({ path, body });
        res.writeHead(behaviour.status, { 'content-type': 'text/plain', ...behaviour.headers });
        res.end(behaviour.body);
      })
      .catch(() => res.destroy());
  });
  const url = await listenLocal(server);
  return Object.assign(vendor, {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
